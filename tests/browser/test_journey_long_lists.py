"""The workspaces' long lists (issue #18): more organisations wait for verification than one page
shows (made through the registry's API). The officer filters the list by name, walks to the
second page by keyboard alone ("Następna strona") and back ("Poprzednia strona"), and verifies
the organisation found there; the public search then finds it. axe finds nothing on either
page, at 1280 and 320 px, nor on the office's other lists that page and filter; each is saved
under build/screenshots/."""

from __future__ import annotations

import uuid

import requests
from journeys import (
    arrive,
    checked,
    officer_account,
    officer_headers,
    open_competition,
    pending_organisation,
    sign_in_officer,
)

from portal.listing import PER_PAGE


def press_tab_to(page, text: str, limit: int = 300) -> None:
    """Tabs until the focused element is the link or button named `text`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.textContent")
        if " ".join((focused or "").split()) == text:
            return
    raise AssertionError(f"{text!r} not reached by keyboard")


def test_officer_walks_the_second_page_of_organisations_by_keyboard(city, context_factory):
    stamp = uuid.uuid4().hex[:8]
    area = open_competition(city)["area"]
    made = [pending_organisation(city, f"Stowarzyszenie Długiej Listy {stamp} {n:02d}", area)
            for n in range(PER_PAGE + 1)]

    officer = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_officer(officer, city, officer_account(city, stamp))
    officer.goto("/urzad/organizacje")
    search = officer.get_by_label("Nazwa zawiera")
    search.focus()
    officer.keyboard.type(stamp)
    officer.keyboard.press("Enter")
    arrive(officer, city, rf"/urzad/organizacje\?.*q={stamp}")
    rows = officer.locator("tbody tr")
    assert rows.count() == PER_PAGE
    assert "Strona 1." in officer.locator(".result-count").inner_text()
    checked(officer, "dluga-lista-strona-1")

    press_tab_to(officer, "Następna strona")
    officer.keyboard.press("Enter")
    arrive(officer, city, r"/urzad/organizacje\?.*strona=")
    assert "Strona 2." in officer.locator(".result-count").inner_text()
    assert rows.count() == 1
    last = made[-1]["name"]
    assert last in rows.first.inner_text()
    assert officer.get_by_label("Nazwa zawiera").input_value() == stamp
    checked(officer, "dluga-lista-strona-2")

    press_tab_to(officer, "Poprzednia strona")
    officer.keyboard.press("Enter")
    arrive(officer, city, rf"/urzad/organizacje\?stan=pending&q={stamp}$")
    assert rows.count() == PER_PAGE
    officer.go_back()
    arrive(officer, city, r"/urzad/organizacje\?.*strona=")

    # --- verifies the one on the second page: the public search finds it ------------------
    press_tab_to(officer, f"Zweryfikuj: {last}")
    officer.keyboard.press("Enter")
    arrive(officer, city, r"/urzad/organizacje\?zweryfikowano=")
    assert last in officer.locator("[role=status]").first.inner_text()

    # --- every office list that pages and filters: axe finds nothing --------------------
    for path, name in (("/urzad/reprezentacje?stan=", "lista-reprezentacje"),
                       ("/urzad/konkursy?stan=closed", "lista-konkursy"),
                       ("/urzad/male-granty", "lista-male-granty"),
                       ("/urzad/umowy", "lista-umowy"), ("/urzad/zapytania", "lista-zapytania"),
                       ("/urzad/konsultacje", "lista-konsultacje"),
                       ("/urzad/patronaty", "lista-patronaty"),
                       ("/urzad/program", "lista-program")):
        officer.goto(path)
        assert officer.locator("form[role=search], h1").count() >= 1, path
        checked(officer, name)

    public = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"/organizacje?q={stamp}")
    found = public.locator("#wyniki").inner_text()
    assert last in found and made[0]["name"] not in found

    # the others verified through the API: the queue is as the other journeys expect it
    for org in made[:-1]:
        done = requests.post(city.url("registry") + f"/api/v1/organizations/{org['id']}/verify",
                             headers=officer_headers(), timeout=10)
        assert done.status_code == 200, done.text
