"""The competition's committee in the workspaces (issue #18), end to end on the real services in
Chromium: the deadline for offers passes (the tests' clock: the competition's deadline moved a
second into the past in the city's database, as `scripts/demo.py --time-travel` does); an
officer appoints the committee by inviting a member by email and assigns an offer; the member
sets a password from the emailed link, signs in, declares no conflict of interest and scores an
offer (a score over the criterion's maximum is explained at the field, then fixed); the officer
sees the progress and the budget bar. axe finds nothing on any page; each is saved under
build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import requests
from journeys import (
    PASSWORD,
    arrive,
    checked,
    deadline_passed,
    officer_account,
    officer_headers,
    open_from,
    sign_in_at_identity,
    sign_in_officer,
)


def closed_competition_with_offers(city) -> dict:
    """An announced competition of the demo city with offers, its deadline passed and closed.
    The last one open: journey 1 submits its offer to the first."""
    found = requests.get(city.url("grants") + "/api/v1/competitions",
                         params={"status": "announced", "limit": 100}, timeout=10).json()
    now = datetime.now(UTC).isoformat()
    with_offers = [c for c in found["items"] if c["submission_deadline"] > now and requests.get(
        city.url("grants") + "/api/v1/offers", headers=officer_headers(),
        params={"competition_id": c["id"], "status": "submitted"}, timeout=10).json()["items"]]
    assert len(with_offers) > 1, "the demo city has open competitions with offers"
    return deadline_passed(city, with_offers[-1]["id"])


def test_committee_appointed_declares_and_scores(city, context_factory) -> None:
    competition = closed_competition_with_offers(city)
    stamp = uuid.uuid4().hex[:8]
    member_email = f"komisja-{stamp}@example.org"

    # --- the officer appoints the committee and assigns the offers --------------------------
    officer = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_officer(officer, city, officer_account(city, stamp))
    open_from(officer, city, "Konkursy ofert", r"/urzad/konkursy$")
    assert officer.locator("h1").inner_text() == "Konkursy ofert"
    checked(officer, "urzad-konkursy")
    officer.get_by_label("Stan konkursu").select_option("closed")
    officer.get_by_role("button", name="Pokaż").click()
    arrive(officer, city, r"/urzad/konkursy\?stan=closed")
    assert "Nabór trwa" not in officer.locator("main table").inner_text()
    open_from(officer, city, competition["title"], rf"/urzad/konkursy/{competition['id']}$",
              "urzad-konkurs-komisja")
    officer.get_by_label("Członek komisji 1: imię i nazwisko").fill("Jan Oceniający")
    officer.get_by_label("Członek komisji 1: adres e-mail").fill(member_email)
    officer.get_by_role("button", name="Powołaj komisję").click()
    arrive(officer, city, r"zapisano=komisja")
    assert "Jan Oceniający" in officer.locator("main").inner_text()
    officer.get_by_role("group", name="Oferty dla: Jan Oceniający").get_by_role(
        "checkbox").first.check()
    officer.get_by_role("button", name="Przydziel zaznaczone oferty").click()
    arrive(officer, city, r"zapisano=przydzial")
    assert "przydzielone oferty: 1" in officer.locator("main").inner_text()

    # --- the member sets a password from the emailed link and signs in ----------------------
    invitation = city.link_in_mail(member_email, r"/oauth2/reset\?token=")
    member = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    member.goto(invitation)
    member.get_by_label("Nowe hasło").fill(PASSWORD)
    member.get_by_role("button", name="Ustaw hasło").click()
    assert "Hasło zmienione" in member.content()
    member.goto("/komisja")
    arrive(member, city, r"/oauth2/authorize")
    sign_in_at_identity(member, member_email, PASSWORD)
    arrive(member, city, re.escape(city.portal) + r"/komisja$")
    assert member.locator("h1").inner_text() == "Prace komisji konkursowej"
    checked(member, "komisja")

    # --- declares no conflict of interest ---------------------------------------------------
    open_from(member, city, competition["title"], rf"/komisja/konkursy/{competition['id']}$",
              "komisja-konkurs")
    member.get_by_role("button", name="Złóż oświadczenie").click()   # not ticked: explained
    member.locator("#pole-no_conflict_of_interest[aria-invalid='true']").wait_for()
    checked(member, "komisja-oswiadczenie-blad")
    member.get_by_label("Oświadczam, że nie zachodzi konflikt interesów").check()
    member.get_by_role("button", name="Złóż oświadczenie").click()
    member.locator("#oswiadczenie").wait_for()

    # --- scores an offer: over the maximum is explained at the field, then fixed -------------
    assert member.locator("main ul a").count() == 1   # the one offer assigned
    member.locator("main ul a").first.click()
    arrive(member, city, r"/komisja/oferty/[0-9a-f]{24}$")
    checked(member, "komisja-karta-oceny")
    criteria = competition["criteria"]
    for i, criterion in enumerate(criteria):
        field = member.locator(f"#pole-scores_{i}_points")
        assert field.get_attribute("max") == str(criterion["max_points"])
        field.fill(str(criterion["max_points"] + (1 if i == 0 else 0)))
        member.locator(f"#pole-scores_{i}_comment").fill("Spójny opis i realny harmonogram.")
    member.get_by_role("button", name="Zapisz ocenę").click()
    first = member.locator("#pole-scores_0_points[aria-invalid='true']")
    first.wait_for()   # the API's 422, at the field it names
    message = member.locator("#" + first.get_attribute("aria-describedby").split()[0])
    assert f"od 0 do {criteria[0]['max_points']} pkt" in message.inner_text()
    checked(member, "komisja-karta-oceny-blad")
    first.fill(str(criteria[0]["max_points"]))
    member.get_by_role("button", name="Zapisz ocenę").click()
    arrive(member, city, rf"/komisja/konkursy/{competition['id']}\?oceniono=")
    assert "Ocena oferty została zapisana" in member.content()
    assert "Oferty ocenione przez co najmniej jednego członka komisji: 1 z 1" in \
        member.locator("#postep").inner_text()

    # --- the officer sees the progress and the budget bar ------------------------------------
    officer.reload()
    assert "1 z 1" in officer.locator("td.ocen").all_inner_texts()
    assert officer.locator("progress#budzet").count() == 1
    checked(officer, "urzad-konkurs-ocena")

    # --- and confirms the results within the budget (over it: explained, then fixed) ----------
    amounts = officer.locator("form input.money")
    for i in range(amounts.count()):   # each offer its request: more than the pool
        hint = officer.locator("#" + amounts.nth(i).get_attribute("aria-describedby")).inner_text()
        amounts.nth(i).fill(re.search(r"Wnioskowano ([\d\s\u00a0]+,\d\d)", hint).group(1))
    officer.wait_for_function(   # the live budget bar (htmx), arithmetic only
        "() => document.querySelector('#budzet-opis').textContent.includes('przekracza')")
    officer.get_by_role("button", name="Zatwierdź wyniki").click()
    officer.locator(".error-summary").wait_for()   # grants' 422 on the awards
    assert "przekracza środki konkursu" in officer.locator(".error-summary").inner_text()
    checked(officer, "urzad-konkurs-wyniki-blad")
    for i in range(1, amounts.count()):
        amounts.nth(i).fill("0")
    officer.get_by_role("button", name="Zatwierdź wyniki").click()
    arrive(officer, city, r"zapisano=wyniki")
    assert officer.locator("#stan-konkursu").inner_text() == "Rozstrzygnięty"
    assert "Przyznano" in officer.locator("#wyniki + p").inner_text()
    checked(officer, "urzad-konkurs-wyniki")
