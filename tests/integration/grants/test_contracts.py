"""Contracts and settlement: the whole life from the programme to a settled contract, the
budget updated to a lower grant, tranches, the task report, the overdue timer, termination."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    PROGRAMMES,
    TASK_END,
    YEAR,
    Given,
    assert_error,
    db_state,
    today,
)

from grants.service import GrantsService
from wspolpraca.testing.entrypoints import run_entrypoint

CONTRACTS = "/api/v1/contracts"


def funded_offer(given, awarded: str = "7000.00"):
    """An offer of 9,000.00 in a resolved competition, awarded `awarded`."""
    grants, officer, token = given.grants, given.officer, given.token
    org_id, ngo = given.organization()
    programme = given.programme()
    cid = given.competition(budget="8000.00")["id"]
    offer = given.offer(ngo, cid, org_id, requested_amount="7900.00",
                        own_contribution={"financial": "1600.00", "non_financial": "500.00"})
    given.under_evaluation(cid)
    member = token("committee", sub="official-1")
    grants.post(f"{COMPETITIONS}/{cid}/committee/declaration", member,
                json={"no_conflict_of_interest": True})
    assert grants.post(f"{OFFERS}/{offer['id']}/scores", member, json={"scores": [
        {"criterion": "Jakość", "points": 8}, {"criterion": "Koszty", "points": 4}]}
    ).status_code == 201
    response = grants.post(f"{COMPETITIONS}/{cid}/results", officer, json={
        "awards": [{"offer_id": offer["id"], "amount": awarded}]})
    assert response.status_code == 200, response.text
    return org_id, ngo, programme, offer


def contract_body(offer_id: str, first: str = "5000.00", second: str = "2000.00") -> dict:
    return {"offer_id": offer_id, "signed_on": f"{YEAR}-02-15",
            "schedule": [{"activity": "Festiwal", "starts_on": f"{YEAR}-06-01",
                          "ends_on": f"{YEAR}-06-03"}],
            "tranches": [{"amount": first, "due_on": f"{YEAR}-03-01"},
                         {"amount": second, "due_on": f"{YEAR}-07-01"}]}


def report_body(grant: str = "6500.00") -> dict:
    return {"achieved_results": "Trzy festiwale, 2400 uczestników.",
            "activities": "Koncerty, warsztaty.",
            "expenses": [{"source": "grant", "name": "Scena", "amount": grant},
                         {"source": "own_financial", "name": "Honoraria", "amount": "1600.00"}],
            "personal_contribution": "400.00", "in_kind_contribution": "100.00",
            "volunteer_hours": "40"}


def end_task(grants, contract_id: str, report_due_days_ago: int | None = None) -> None:
    """The clock moved on: the task ended (and, if asked, its report is past due)."""
    changes = {"task_end": (today() - timedelta(days=1)).isoformat()}
    if report_due_days_ago is not None:
        changes["report_due_on"] = (today() - timedelta(days=report_due_days_ago)).isoformat()
    grants.db["contracts"].update_one({"_id": contract_id}, {"$set": changes})


def test_the_life_from_programme_to_a_settled_contract(grants, officer, token, events, given):
    org_id, ngo, programme, offer = funded_offer(given)

    # a grant lower than requested: the budget is updated before the contract
    assert_error(grants.post(CONTRACTS, officer, json=contract_body(offer["id"])), 409,
                 "budget_update_required")
    update = {"total_cost": "9100.00",
              "own_contribution": {"financial": "1600.00", "non_financial": "500.00"},
              "cost_items": [{"name": "Scena", "amount": "9100.00"}]}
    assert_error(grants.post(f"{OFFERS}/{offer['id']}/budget-update", ngo,
                             json={**update, "total_cost": "9100.01"}), 422,
                 "sums_do_not_add_up")
    response = grants.post(f"{OFFERS}/{offer['id']}/budget-update", ngo, json=update)
    assert response.status_code == 200, response.text

    # tranches must pay exactly the grant
    before = db_state(grants.db)
    assert_error(grants.post(CONTRACTS, officer, json=contract_body(
        offer["id"], second="2000.01")), 422, "tranches_do_not_add_up", ("tranches",))
    assert db_state(grants.db) == before
    response = grants.post(CONTRACTS, officer, json=contract_body(offer["id"]))
    assert response.status_code == 201, response.text
    contract = response.json()
    assert contract["status"] == "signed" and contract["amount"] == "7000.00"
    assert contract["report_due_on"] == (
        date.fromisoformat(TASK_END) + timedelta(days=30)).isoformat()
    signed = events.wait_for("grants.contract.signed")[0]["data"]
    assert signed["tranches"] == [{"amount": "5000.00", "due_on": f"{YEAR}-03-01"},
                                  {"amount": "2000.00", "due_on": f"{YEAR}-07-01"}]
    assert_error(grants.post(CONTRACTS, officer, json=contract_body(offer["id"])), 409,
                 "duplicate_contract")

    # only the organisation and the office see it
    stranger_id, stranger = given.organization()
    assert_error(grants.get(f"{CONTRACTS}/{contract['id']}", stranger), 404)
    assert grants.get(CONTRACTS, stranger).json()["items"] == []
    assert [c["id"] for c in grants.get(CONTRACTS, ngo).json()["items"]] == [contract["id"]]

    assert grants.post(f"{CONTRACTS}/{contract['id']}/start", officer).json()[
        "status"] == "in_progress"
    end_task(grants, contract["id"])

    # the report: grant expenses above the grant are refused; corrections; acceptance
    assert_error(grants.post(f"{CONTRACTS}/{contract['id']}/report", ngo,
                             json=report_body("7000.01")), 422, "grant_expenses_exceed_grant")
    assert_error(grants.post(f"{CONTRACTS}/{contract['id']}/report", stranger,
                             json=report_body()), 404)
    assert grants.post(f"{CONTRACTS}/{contract['id']}/report", ngo,
                       json=report_body()).status_code == 201
    assert_error(grants.post(f"{CONTRACTS}/{contract['id']}/report", ngo, json=report_body()),
                 409, "report_already_submitted")
    response = grants.post(f"{CONTRACTS}/{contract['id']}/report/corrections", officer,
                           json={"reason": "Brak faktur za scenę."})
    assert response.json()["report"]["status"] == "corrections_requested"
    assert grants.post(f"{CONTRACTS}/{contract['id']}/report", ngo,
                       json=report_body()).status_code == 201
    submitted = events.wait_for("grants.task_report.submitted", 2)[-1]["data"]
    assert submitted["expenses_by_source"] == {"grant": "6500.00", "own_financial": "1600.00"}
    assert submitted["unused_amount"] == "500.00"

    accepted = grants.post(f"{CONTRACTS}/{contract['id']}/report/accept", officer).json()
    assert accepted["unused_amount"] == "500.00"
    assert accepted["unused_due_on"] == (today() + timedelta(days=14)).isoformat()
    assert events.wait_for("grants.task_report.accepted")[0]["data"]["unused_due_on"] == \
        accepted["unused_due_on"]

    # settled once the unused 500.00 came back
    assert_error(grants.post(f"{CONTRACTS}/{contract['id']}/settle", officer,
                             json={"returned_amount": "0.00"}), 422,
                 "unused_funds_not_returned")
    response = grants.post(f"{CONTRACTS}/{contract['id']}/settle", officer,
                           json={"returned_amount": "500.00"})
    assert response.status_code == 200 and response.json()["status"] == "settled"
    settled = events.wait_for("grants.contract.settled")[0]["data"]
    assert settled["returned_amount"] == "500.00"
    assert_error(grants.post(f"{CONTRACTS}/{contract['id']}/terminate", officer,
                             json={"reason": "x"}), 409, "invalid_state")
    culture = grants.get(f"{PROGRAMMES}/{programme['id']}", officer).json()["funds"][0]
    assert culture["committed"] == "7000.00"


@pytest.fixture
def grants_with_timers(start_service):
    return start_service(GrantsService, timers_enabled=True)


def check_contracts(running) -> int:
    return run_entrypoint(running, "check_contracts")


def test_an_overdue_report_is_raised_once_and_the_contract_may_be_terminated(
        grants_with_timers, registry, officer, token, events):
    grants = grants_with_timers
    org_id, ngo, programme, offer = funded_offer(Given(grants, officer, token, lambda: registry),
                                                 awarded="7900.00")
    response = grants.post(CONTRACTS, officer, json=contract_body(offer["id"],
                                                                  second="2900.00"))
    assert response.status_code == 201, response.text
    contract = response.json()
    assert check_contracts(grants) == 0
    end_task(grants, contract["id"])
    assert check_contracts(grants) == 0
    assert grants.get(f"{CONTRACTS}/{contract['id']}", officer).json()["status"] == \
        "report_due"
    end_task(grants, contract["id"], report_due_days_ago=2)
    assert check_contracts(grants) == 1
    assert check_contracts(grants) == 0
    overdue = events.wait_for("grants.task_report.overdue")[0]
    assert overdue["subject"] == contract["id"] and overdue["data"]["days_overdue"] == 2

    response = grants.post(f"{CONTRACTS}/{contract['id']}/terminate", officer,
                           json={"reason": "Brak sprawozdania mimo wezwania."})
    assert response.status_code == 200 and response.json()["status"] == "terminated"
    terminated = events.wait_for("grants.contract.terminated")[0]["data"]
    assert terminated["reason"] == "Brak sprawozdania mimo wezwania."
