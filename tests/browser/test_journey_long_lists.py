"""The workspaces' long lists (issue #18): more organisations wait for verification than one page
shows (made through the registry's API). The officer filters the list by name, walks to the
second page by keyboard alone ("Następna strona") and back ("Poprzednia strona"), and verifies
the organisation found there; the public search then finds it. axe finds nothing on either
page, at 1280 and 320 px, nor on the office's other lists that page and filter; each is saved
under build/screenshots/. The department's and the organisation's bookings, more than a page
of them, are walked to their second page by keyboard too, with axe there."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta

import requests
from journeys import (
    PASSWORD,
    arrive,
    checked,
    department_account,
    officer_account,
    officer_headers,
    open_competition,
    pending_organisation,
    represented_organisation,
    sign_in_at_identity,
    sign_in_officer,
    signed_in,
)

from identity import totp
from portal.formatting import WARSAW
from portal.listing import PER_PAGE
from wspolpraca.auth import mint_token


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


def test_the_department_and_the_organisation_page_their_bookings_by_keyboard(
        city, context_factory):
    """More bookings than one page shows (made through the registry's API, one a day at a room
    of the test's own): the organisation's bookings and the department's bookings to decide
    each walk to their second page by keyboard alone; axe finds nothing there, at 1280 and 320
    px. The department is an account of the test's own (the demo's `wydzial@` enrols its TOTP
    in journey 5), of a department no other journey books rooms at."""
    stamp = uuid.uuid4().hex[:8]
    org, email = represented_organisation(city, f"Fundacja Rezerwacji {stamp}", "ecology")
    room = requests.post(city.url("registry") + "/api/v1/resources", json={
        "name": f"Sala ekologiczna {stamp}", "kind": "room", "address": "ul. Zielona 1",
        "capacity": 30, "department": DEPARTMENT, "opening_hours": EVERY_DAY},
        headers=officer_headers(), timeout=10)
    assert room.status_code == 201, room.text
    ngo = {"Authorization": "Bearer " + mint_token(f"ngo-{stamp}", ["ngo"], org_id=org["id"])}
    first = datetime.now(WARSAW).date() + timedelta(days=2)
    for n in range(PER_PAGE + 1):
        day = (first + timedelta(days=n)).isoformat()
        booked = requests.post(
            city.url("registry") + f"/api/v1/resources/{room.json()['id']}/bookings",
            headers=ngo, timeout=10, json={
                "organization_id": org["id"], "purpose": f"Spotkanie nr {n + 1} {stamp}",
                "starts_at": f"{day}T10:00:00+{offset(day)}",
                "ends_at": f"{day}T11:00:00+{offset(day)}", "attendees": 10})
        assert booked.status_code == 201, booked.text

    representative = signed_in(city, context_factory, email, "/moja-organizacja/rezerwacje")
    second_page(representative, city, r"/moja-organizacja/rezerwacje\?.*strona=",
                "lista-rezerwacje-organizacji-strona-2")

    department = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    department.goto("/wydzial")
    sign_in_at_identity(department, department_account(city, stamp, DEPARTMENT), PASSWORD)
    secret = re.search(r"secret=([A-Z2-7]+)",
                       department.locator("#otpauth").inner_text()).group(1)
    department.get_by_label("Kod z aplikacji").fill(
        totp.code_at(secret, totp.step_of(time.time())))
    department.get_by_role("button", name="Potwierdź").click()
    arrive(department, city, r"/wydzial$")
    department.goto("/wydzial/rezerwacje")
    second_page(department, city, r"/wydzial/rezerwacje\?.*strona=",
                "lista-rezerwacje-wydzialu-strona-2")


DEPARTMENT = "environment"
EVERY_DAY = [{"day": d, "opens": "08:00", "closes": "20:00"}
             for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


def offset(day: str) -> str:
    """Warsaw's offset from UTC on `day` (+01:00 in winter, +02:00 in summer)."""
    moment = datetime.fromisoformat(f"{day}T10:00:00").replace(tzinfo=WARSAW)
    hours = int(moment.utcoffset().total_seconds() // 3600)
    return f"{hours:02d}:00"




def second_page(page, city, address: str, name: str) -> None:
    """From the list's first page to its second by keyboard (Tab to "Następna strona", Enter);
    axe on the second page."""
    assert "Strona 1." in page.locator(".result-count").first.inner_text()
    press_tab_to(page, "Następna strona")
    page.keyboard.press("Enter")
    arrive(page, city, address)
    assert "Strona 2." in page.locator(".result-count").first.inner_text()
    checked(page, name)
