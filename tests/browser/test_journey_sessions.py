"""Sessions that hold (issue #18), in Chromium on the real services: the representative types
the task report, the portal's session ends before "Złóż sprawozdanie" (as when it expires or
the portal restarts); the report posts to a path with no page of its own, yet after signing in
again (identity's session still open: one redirect) the person is back on the contract's page
with everything typed, sends it, and the office sees the report in grants. axe finds nothing
on the restored page (1280 and 320 px); it is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import requests
from test_offers import competition_of_our_own, drop_the_session, signed_in
from test_workspaces import arrive, checked, officer_headers
from test_workspaces_committee import deadline_passed

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
