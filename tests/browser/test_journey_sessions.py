"""Sessions that hold (issue #18), in Chromium on the real services: the representative types
the task report, the portal's session ends before "Złóż sprawozdanie" (as when it expires or
the portal restarts); the report posts to a path with no page of its own, yet after signing in
again (identity's session still open: one redirect) the person is back on the contract's page
with everything typed, sends it, and the office sees the report in grants. axe finds nothing
on the restored page (1280 and 320 px); it is saved under build/screenshots/.

And a person representing two organisations: a colleague's request approved from
/moja-organizacja (identity grants it), then "Zmień organizację" in the header switches the
session to the other organisation."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from journeys import (
    PASSWORD,
    arrive,
    checked,
    deadline_passed,
    officer_headers,
    pending_organisation,
    sign_in_at_identity,
    staff_account,
)
from test_offers import competition_of_our_own, drop_the_session, signed_in

from wspolpraca.auth import mint_token

RESULTS = "Osiem koncertów na podwórkach, 640 słuchaczy."


def signed_contract(city, stamp: str, org_id: str) -> str:
    """A contract of the organisation, signed for the test (through the APIs, as the demo
    does): its own competition, an offer, the deadline passed, a one-person committee that
    scores it, the results and the contract."""
    c = competition_of_our_own(city, stamp)
    grants = city.url("grants") + "/api/v1"
    ngo = {"Authorization": "Bearer " + mint_token(f"test-ngo-{stamp}", ["ngo"], org_id=org_id)}
    offer = requests.post(f"{grants}/competitions/{c['id']}/offers", headers=ngo, json={
        "organization_id": org_id, "title": f"Koncerty {stamp}", "requested_amount": "900.00",
        "own_contribution": {"financial": "100.00", "non_financial": "0.00"},
        "total_cost": "1000.00", "task_start": c["task_start"][:10],
        "task_end": c["task_end"][:10], "cost_items": [{"name": "Druk", "amount": "1000.00"}]},
        timeout=10)
    assert offer.status_code == 201, offer.text
    offer_id = offer.json()["id"]
    deadline_passed(city, c["id"])
    member = f"test-member-{stamp}"
    steps = [
        (officer_headers(), f"/competitions/{c['id']}/committee", {"members": [
            {"user_id": member, "name": "Anna Urzędnik", "kind": "official"}]}),
        (None, f"/competitions/{c['id']}/committee/declaration",
         {"no_conflict_of_interest": True}),
        (None, f"/offers/{offer_id}/scores",
         {"scores": [{"criterion": "Jakość merytoryczna", "points": 8}]}),
        (officer_headers(), f"/competitions/{c['id']}/results",
         {"awards": [{"offer_id": offer_id, "amount": "900.00"}]}),
        (officer_headers(), "/contracts", {
            "offer_id": offer_id,
            "signed_on": datetime.now(ZoneInfo("Europe/Warsaw")).date().isoformat(),
            "schedule": [{"activity": "Koncerty", "starts_on": c["task_start"][:10],
                          "ends_on": c["task_end"][:10]}],
            "tranches": [{"amount": "900.00", "due_on": c["task_start"][:10]}]})]
    answer = None
    for headers, path, body in steps:
        headers = headers or {"Authorization": "Bearer " + mint_token(member, ["committee"])}
        answer = requests.post(grants + path, headers=headers, json=body, timeout=10)
        assert answer.status_code in (200, 201), (path, answer.text)
    assert answer is not None
    return answer.json()["id"]


def test_the_task_report_typed_when_the_session_ended_comes_back_filled_in(
        city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    page = signed_in(context_factory, city)
    org_id = page.locator("a[href^='/organizacje/']").first.get_attribute("href").rsplit(
        "/", 1)[1]
    contract_id = signed_contract(city, stamp, org_id)

    page.goto(f"/moja-organizacja/umowy/{contract_id}")
    page.get_by_label("Osiągnięte rezultaty").fill(RESULTS)
    page.get_by_label("Wydatek 1: nazwa").fill("Honoraria muzyków")
    page.get_by_label("Wydatek 1: kwota (zł)").fill("900,00")
    page.get_by_label("Liczba godzin pracy wolontariuszy").fill("12")

    # the session ends before the report is sent: signed in again, back on the contract's page
    drop_the_session(page.context)
    page.get_by_role("button", name="Złóż sprawozdanie").click()
    arrive(page, city, rf"/moja-organizacja/umowy/{contract_id}\?przywroc=")
    assert "Przywróciliśmy wszystko, co wpisano" in page.locator("main").inner_text()
    assert page.get_by_label("Osiągnięte rezultaty").input_value() == RESULTS
    assert page.get_by_label("Wydatek 1: nazwa").input_value() == "Honoraria muzyków"
    assert page.get_by_label("Wydatek 1: kwota (zł)").input_value() == "900,00"
    assert page.get_by_label("Liczba godzin pracy wolontariuszy").input_value() == "12"
    checked(page, "sprawozdanie-przywrocone")
    page.get_by_role("button", name="Złóż sprawozdanie").click()
    arrive(page, city, rf"/moja-organizacja/umowy/{contract_id}\?zapisano=sprawozdanie")
    assert page.locator("#stan-sprawozdania").inner_text() == "Złożone, czeka na ocenę urzędu"

    # the other side: the office sees the report, as typed, in grants
    contract = requests.get(city.url("grants") + f"/api/v1/contracts/{contract_id}",
                            headers=officer_headers(), timeout=10).json()
    assert contract["report"]["status"] == "submitted"
    assert contract["report"]["achieved_results"] == RESULTS
    assert re.fullmatch(r"900(\.00)?", str(contract["report"]["expenses"][0]["amount"]))


def account(city, stamp: str, who: str, name: str) -> tuple[str, str]:
    """An active account with no role (as a registered NGO person's): its email and id."""
    email = f"{who}-{stamp}@example.org"
    return email, staff_account(city, email, name, [])


def asks_to_represent(city, account_id: str, org_id: str) -> str:
    asked = requests.post(city.url("identity") + "/api/v1/representations",
                          json={"organization_id": org_id}, timeout=10,
                          headers={"Authorization": "Bearer " + mint_token(account_id, [])})
    assert asked.status_code == 201, asked.text
    return asked.json()["id"]


def test_a_colleague_approved_and_the_organisation_switched_from_the_header(
        city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    first = pending_organisation(city, f"Fundacja Pierwsza {stamp}", "culture")
    second = pending_organisation(city, f"Stowarzyszenie Drugie {stamp}", "culture")
    email, person_id = account(city, stamp, "przedstawicielka", "Ewa Przedstawicielska")
    for org in (first, second):
        approved = requests.post(
            city.url("identity") + "/api/v1/representations/"
            f"{asks_to_represent(city, person_id, org['id'])}/approve",
            headers=officer_headers(), timeout=10)
        assert approved.status_code == 200, approved.text
    _, colleague_id = account(city, stamp, "kolega", "Karol Kolega")
    asked = asks_to_represent(city, colleague_id, first["id"])

    # --- two organisations: the first session asks which one -------------------------------
    page = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/moja-organizacja")
    sign_in_at_identity(page, email, PASSWORD)
    arrive(page, city, r"/wybierz-organizacje")
    page.get_by_label(f"Fundacja Pierwsza {stamp}").check()
    page.get_by_role("button", name="Działaj w imieniu tej organizacji").click()
    arrive(page, city, re.escape(city.portal) + r"/moja-organizacja$")
    assert page.locator("h1").inner_text() == f"Fundacja Pierwsza {stamp}"

    # --- the colleague's request for the organisation, approved by its representative ------
    requests_ = page.locator("#wnioski").inner_text()
    assert "Karol Kolega" in requests_
    checked(page, "moja-organizacja-wnioski")
    page.get_by_role("button", name=re.compile(r"Zatwierdź\W+Karol Kolega")).click()
    arrive(page, city, r"/moja-organizacja\?zapisano=zatwierdz")
    assert "Zatwierdzono" in page.locator("#wnioski").inner_text()
    assert "Karol Kolega" not in page.locator("#wnioski").inner_text()
    checked(page, "moja-organizacja-zatwierdzono")
    # the other side: identity grants the colleague the representation
    granted = requests.get(city.url("identity") + "/api/v1/representations",
                           params={"organization_id": first["id"], "status": "granted"},
                           headers=officer_headers(), timeout=10).json()["items"]
    assert asked in [r["id"] for r in granted if r["account_id"] == colleague_id]

    # --- "Zmień organizację" in the header, on any page: the session acts for the other ----
    page.goto("/moja-organizacja/umowy")
    page.locator("header").get_by_role("link", name="Zmień organizację").click()
    arrive(page, city, r"/wybierz-organizacje")
    page.get_by_label(f"Stowarzyszenie Drugie {stamp}").check()
    page.get_by_role("button", name="Działaj w imieniu tej organizacji").click()
    arrive(page, city, re.escape(city.portal) + r"/moja-organizacja$")
    assert page.locator("h1").inner_text() == f"Stowarzyszenie Drugie {stamp}"
    assert "Karol Kolega" not in page.locator("main").inner_text()
    assert page.locator("header").get_by_role("link", name="Zmień organizację").is_visible()
    checked(page, "moja-organizacja-zmieniona")
