"""The officer's remaining grants actions (issue #18), end to end on the real services in
Chromium, by KEYBOARD ALONE once on the page (Tab to reach, typing, Enter to act): an offer is
rejected on formal grounds from the competition's offers (no reason: told at the field; then the
reason, the page to check it, the confirmation), the competition is cancelled with its reason,
and a contract is terminated with its reason. The other side: the organisation's inbox tells it
why its offer was rejected, the public competition page says the competition was cancelled and
why, and the organisation's contract page shows it terminated with the reason. A small grant
the organisation then asks for, like its offer, shows the officer the similar application. axe finds
nothing on any page at 1280 and 320 px; each is saved under build/screenshots/.

And the organisation's side of a grant lowered at the results (art. 16 ust. 1): its budget
updated to the award from its offer's page, by keyboard, before the contract."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import requests
from journeys import retype
from test_council_meetings import press, tab_to, type_into
from test_journey_3 import represented_organisation, signed_in, signed_in_officer
from test_journey_sessions import signed_contract
from test_offers import competition_of_our_own
from test_workspaces import arrive, checked
from test_workspaces_committee import deadline_passed

from conftest import wait_for
from portal.formatting import WARSAW
from wspolpraca.auth import mint_token

OFFICER = {"Authorization": "Bearer " + mint_token("browser-officer", ["officer"])}
REJECTION = "Oferta nie zawiera wymaganego wkładu własnego (10% kosztu zadania)."
CANCELLATION = "Żadna ze złożonych ofert nie spełnia wymogów ogłoszenia."
TERMINATION = "Rozwiązanie umowy za porozumieniem stron: zadanie nie może się odbyć."


def offer_of(city, competition: dict, org_id: str, stamp: str) -> dict:
    ngo = {"Authorization": "Bearer " + mint_token(f"ngo-{stamp}", ["ngo"], org_id=org_id)}
    made = requests.post(city.url("grants") + f"/api/v1/competitions/{competition['id']}/offers",
                         headers=ngo, timeout=10, json={
        "organization_id": org_id, "title": f"Warsztaty lutnicze {stamp}",
        "requested_amount": "900.00", "total_cost": "1000.00",
        "own_contribution": {"financial": "100.00", "non_financial": "0.00"},
        "task_start": competition["task_start"][:10], "task_end": competition["task_end"][:10],
        "cost_items": [{"name": "Materiały", "amount": "1000.00"}]})
    assert made.status_code == 201, made.text
    return made.json()


def confirm_with_reason(page, city, address: str, reason: str, button: str,
                        shot: str) -> None:
    """From a record's page: Tab to the action's link (to `address`), Enter; the form sent
    empty is told at the reason; the reason typed, Enter; the page to check it; Tab to the
    button, Enter."""
    tab_to(page, page.locator(f"main a[href='{address}']"))
    press(page, "Enter")
    arrive(page, city, re.escape(address) + "$")
    checked(page, shot)
    tab_to(page, page.get_by_role("button", name="Dalej: sprawdź przed wysłaniem"))
    press(page, "Enter")
    page.locator("#pole-reason[aria-invalid='true']").wait_for()
    assert "Wpisz powód" in page.locator("#pole-reason").locator("xpath=..").inner_text()
    checked(page, f"{shot}-blad")
    type_into(page, "pole-reason", reason)
    tab_to(page, page.get_by_role("button", name="Dalej: sprawdź przed wysłaniem"))
    press(page, "Enter")
    assert page.locator("h1").inner_text().startswith("Sprawdź i potwierdź")
    assert reason in page.locator("#powod").inner_text()
    checked(page, f"{shot}-potwierdzenie")
    tab_to(page, page.get_by_role("button", name=button))
    press(page, "Enter")


def test_office_rejects_an_offer_cancels_the_competition_and_terminates_a_contract(
        city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    org, email = represented_organisation(city, f"Fundacja Lutnicza {stamp}", "culture")
    competition = competition_of_our_own(city, stamp)
    offer = offer_of(city, competition, org["id"], stamp)
    deadline_passed(city, competition["id"])
    contract_id = signed_contract(city, f"{stamp}k", org["id"])
    officer = signed_in_officer(city, context_factory, stamp)

    # --- the offer rejected on formal grounds, from the competition's offers ----------------
    officer.goto(f"/urzad/konkursy/{competition['id']}")
    checked(officer, "urzad-konkurs-decyzje")
    link = officer.locator(f"main a[href='/urzad/oferty/{offer['id']}/odrzucenie']")
    assert link.text_content() == f"Odrzuć z przyczyn formalnych: {offer['title']}"
    confirm_with_reason(officer, city, f"/urzad/oferty/{offer['id']}/odrzucenie", REJECTION,
                        "Odrzuć ofertę", "urzad-odrzucenie-oferty")
    arrive(officer, city, rf"/urzad/konkursy/{competition['id']}\?zapisano=odrzucono")
    assert "Oferta została odrzucona" in officer.locator("[role=status]").first.inner_text()
    row = officer.locator("tr", has_text=offer["title"]).inner_text()
    assert "Odrzucona z przyczyn formalnych" in row and REJECTION in row
    assert officer.locator(f"a[href='/urzad/oferty/{offer['id']}/odrzucenie']").count() == 0
    checked(officer, "urzad-konkurs-odrzucona-oferta")
    rejected = requests.get(city.url("grants") + f"/api/v1/offers/{offer['id']}", timeout=10,
                            headers={"Authorization": "Bearer " + mint_token(
                                "browser-officer", ["officer"])}).json()
    assert rejected["status"] == "rejected_formally" and rejected["status_reason"] == REJECTION

    # --- the competition cancelled with its reason -------------------------------------------
    confirm_with_reason(officer, city, f"/urzad/konkursy/{competition['id']}/uniewaznienie",
                        CANCELLATION, "Unieważnij konkurs", "urzad-uniewaznienie-konkursu")
    arrive(officer, city, rf"/urzad/konkursy/{competition['id']}\?zapisano=uniewazniono")
    assert officer.locator("#stan-konkursu").inner_text() == "Unieważniony"
    assert officer.locator("#powod-uniewaznienia").inner_text() == CANCELLATION
    assert officer.locator("#decyzje").count() == 0   # nothing more to decide
    checked(officer, "urzad-konkurs-uniewazniony")

    # --- a contract terminated with its reason -------------------------------------------------
    officer.goto(f"/urzad/umowy/{contract_id}")
    confirm_with_reason(officer, city, f"/urzad/umowy/{contract_id}/rozwiazanie", TERMINATION,
                        "Rozwiąż umowę", "urzad-rozwiazanie-umowy")
    arrive(officer, city, rf"/urzad/umowy/{contract_id}\?zapisano=rozwiazano")
    assert officer.locator("#stan-umowy").inner_text() == "Rozwiązana"
    assert officer.locator("a[href$='/rozwiazanie']").count() == 0
    checked(officer, "urzad-umowa-rozwiazana")

    # --- a small grant of the same organisation like its offer: the officer is warned -------
    start = date.fromisoformat(competition["task_start"][:10])
    ngo_token = {"Authorization": "Bearer " + mint_token(f"ngo-{stamp}", ["ngo"],
                                                         org_id=org["id"])}
    grant = requests.post(city.url("grants") + "/api/v1/small-grants", headers=ngo_token,
                          timeout=10, json={
        "organization_id": org["id"], "area": "culture", "title": offer["title"],
        "requested_amount": "900.00", "total_cost": "1000.00",
        "own_contribution": {"financial": "100.00", "non_financial": "0.00"},
        "task_start": start.isoformat(), "task_end": (start + timedelta(days=60)).isoformat(),
        "cost_items": [{"name": "Materiały", "amount": "1000.00"}]})
    assert grant.status_code == 201, grant.text
    officer.goto(f"/urzad/male-granty/{grant.json()['id']}")
    box = officer.locator(f"#podobne-{grant.json()['id']}").inner_text()
    assert "Możliwe podwójne finansowanie" in box and offer["title"] in box
    checked(officer, "urzad-maly-grant-podobne")

    # --- the other side: the public page, the organisation's inbox and contract ------------
    public = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    public.goto(f"/konkursy/{competition['id']}")
    assert "Unieważniony" in public.locator(".status-line").inner_text()
    assert CANCELLATION in public.locator("#uniewaznienie").inner_text()
    checked(public, "konkurs-uniewazniony")

    ngo = signed_in(city, context_factory, email, "/moja-organizacja/skrzynka")

    def told() -> bool:
        ngo.reload()
        return REJECTION in ngo.locator("main").inner_text()

    wait_for(told, 60, "the organisation's inbox to tell why its offer was rejected")
    assert f"Oferta „{offer['title']}” odrzucona z przyczyn formalnych" in \
        ngo.locator("main").inner_text()
    checked(ngo, "skrzynka-oferta-odrzucona")
    ngo.goto(f"/moja-organizacja/umowy/{contract_id}")
    assert ngo.locator("#stan-umowy").inner_text() == "Rozwiązana"
    assert TERMINATION in ngo.locator("dl.facts").first.inner_text()
    checked(ngo, "umowa-rozwiazana-organizacja")


def lower_grant_awarded(city, stamp: str, org_id: str) -> tuple[dict, dict]:
    """An offer of the organisation funded with less than it asked for (900,00 zł asked,
    600,00 zł awarded), through the APIs as the demo does: its own competition, the deadline
    passed, a one-person committee that scores it, the results."""
    competition = competition_of_our_own(city, stamp)
    offer = offer_of(city, competition, org_id, stamp)
    deadline_passed(city, competition["id"])
    grants = city.url("grants") + "/api/v1"
    member = {"Authorization": "Bearer " + mint_token(f"member-{stamp}", ["committee"])}
    for headers, path, body in (
            (OFFICER, f"/competitions/{competition['id']}/committee", {"members": [
                {"user_id": f"member-{stamp}", "name": "Anna Urzędnik", "kind": "official"}]}),
            (member, f"/competitions/{competition['id']}/committee/declaration",
             {"no_conflict_of_interest": True}),
            (member, f"/offers/{offer['id']}/scores",
             {"scores": [{"criterion": "Jakość merytoryczna", "points": 6}]}),
            (OFFICER, f"/competitions/{competition['id']}/results",
             {"awards": [{"offer_id": offer["id"], "amount": "600.00"}]})):
        answer = requests.post(grants + path, headers=headers, json=body, timeout=10)
        assert answer.status_code in (200, 201), (path, answer.text)
    return competition, offer


def contract_for(city, competition: dict, offer: dict) -> requests.Response:
    return requests.post(city.url("grants") + "/api/v1/contracts", headers=OFFICER, timeout=10,
                         json={"offer_id": offer["id"],
                               "signed_on": datetime.now(WARSAW).date().isoformat(),
                               "tranches": [{"amount": "600.00",
                                             "due_on": competition["task_start"][:10]}],
                               "schedule": [{"activity": "Warsztaty",
                                             "starts_on": competition["task_start"][:10],
                                             "ends_on": competition["task_end"][:10]}]})




def test_the_organisation_updates_its_budget_to_a_lower_grant_by_keyboard(
        city, context_factory) -> None:
    """Art. 16 ust. 1: 600,00 zł awarded of 900,00 zł asked; grants signs no contract until the
    organisation updates its budget. The representative does it from its offer by keyboard: the
    costs left at 1 000,00 zł are grants' 422 at the total (the award and the own contribution
    make 700,00 zł), then cut to 700,00 zł; the office can then sign the contract."""
    stamp = uuid.uuid4().hex[:8]
    org, email = represented_organisation(city, f"Fundacja Skromna {stamp}", "culture")
    competition, offer = lower_grant_awarded(city, stamp, org["id"])
    refused = contract_for(city, competition, offer)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == \
        "budget_update_required", refused.text

    ngo = signed_in(city, context_factory, email, f"/moja-organizacja/oferty/{offer['id']}")
    assert "600,00" in ngo.locator("dl.facts").first.inner_text()
    checked(ngo, "oferta-nizsza-dotacja")
    address = f"/moja-organizacja/oferty/{offer['id']}/kosztorys"
    tab_to(ngo, ngo.locator(f"main a[href='{address}']"))
    press(ngo, "Enter")
    arrive(ngo, city, re.escape(address) + "$")
    assert ngo.locator("#pole-cost_items_0_amount").input_value() == "1\u00a0000,00"
    checked(ngo, "kosztorys-aktualizacja")

    tab_to(ngo, ngo.get_by_role("button", name="Zapisz zaktualizowany kosztorys"))
    press(ngo, "Enter")
    ngo.locator("#pole-total_cost[aria-invalid='true']").wait_for()
    assert "700,00" in ngo.locator("#pole-total_cost").locator("xpath=..").inner_text()
    checked(ngo, "kosztorys-aktualizacja-blad")

    retype(ngo, "pole-cost_items_0_amount", "700")
    retype(ngo, "pole-total_cost", "700,00")
    tab_to(ngo, ngo.get_by_role("button", name="Zapisz zaktualizowany kosztorys"))
    press(ngo, "Enter")
    arrive(ngo, city, rf"/moja-organizacja/oferty/{offer['id']}\?kosztorys=1")
    assert "Zaktualizowany kosztorys zapisano" in ngo.locator("[role=status]").first.inner_text()
    checked(ngo, "kosztorys-zaktualizowany")

    # the other side: the office may now sign the contract for the lower grant
    signed = contract_for(city, competition, offer)
    assert signed.status_code == 201, signed.text
