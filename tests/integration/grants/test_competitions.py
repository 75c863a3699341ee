"""Open competitions: the programme's funds, the 21 days of art. 13 ust. 1, public reading,
cancellation, and two announcements racing for the last funds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from grants_helpers import (
    COMPETITIONS,
    PROGRAMMES,
    adopted_programme,
    announced_competition,
    assert_error,
    at_warsaw,
    competition_body,
    create_competition,
    db_state,
    pass_deadline,
    programme_body,
    today,
)

from grants.repository import Programmes, SmallGrantTotals
from grants.service import GrantsService
from wspolpraca.errors import DomainError
from wspolpraca.testing.entrypoints import run_entrypoint


def test_a_competition_needs_an_adopted_programme_with_funds_left_in_its_area(
        grants, officer, events):
    response = grants.post(PROGRAMMES, officer, json=programme_body())
    assert_error(grants.post(COMPETITIONS, officer, json=competition_body()), 422,
                 "no_adopted_programme")
    grants.post(f"{PROGRAMMES}/{response.json()['id']}/adopt", officer)
    assert_error(grants.post(COMPETITIONS, officer, json=competition_body(
        budget="200000.01")), 422, "insufficient_programme_funds", ("budget",))
    assert_error(grants.post(COMPETITIONS, officer, json=competition_body(area="health")),
                 422, "area_not_in_programme")
    competition = create_competition(grants, officer, budget="200000.00")
    assert competition["status"] == "draft"
    assert competition["budget"] == "200000.00"


def test_a_deadline_21_days_after_publication_is_announced_and_20_days_refused(
        grants, officer, token, events):
    adopted_programme(grants, officer)
    too_short = create_competition(grants, officer, submission_deadline=at_warsaw(
        today() + timedelta(days=20), 23, 59))
    before = db_state(grants.db)
    error = assert_error(grants.post(f"{COMPETITIONS}/{too_short['id']}/announce", officer),
                         422, "deadline_too_short", ("submission_deadline",))
    assert "21" in error["message"]
    assert db_state(grants.db) == before

    competition = create_competition(grants, officer, submission_deadline=at_warsaw(
        today() + timedelta(days=21), 0, 1))
    # a draft is not public
    assert_error(grants.get(f"{COMPETITIONS}/{competition['id']}"), 404)
    response = grants.post(f"{COMPETITIONS}/{competition['id']}/announce", officer)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "announced" and response.json()["published_at"]

    announced = events.wait_for("grants.competition.announced")
    assert len(announced) == 1 and announced[0]["subject"] == competition["id"]
    assert announced[0]["data"]["budget"] == "100000.00"
    # the public reads announced competitions without a token
    public = grants.get(f"{COMPETITIONS}/{competition['id']}")
    assert public.status_code == 200 and public.json()["task_description"]
    listed = grants.get(COMPETITIONS).json()["items"]
    assert [c["id"] for c in listed] == [competition["id"]]
    # a filter the public cannot use is refused, never answered with something else
    refused = assert_error(grants.get(f"{COMPETITIONS}?status=draft"), 403, "forbidden")
    assert "announced" in refused["message"]
    assert len(grants.get(f"{COMPETITIONS}?status=draft", officer).json()["items"]) == 1
    assert len(grants.get(COMPETITIONS, officer).json()["items"]) == 2
    # the budget is committed against the programme
    programme = grants.get(PROGRAMMES, officer).json()["items"][0]
    assert programme["funds"][0]["committed"] == "100000.00"
    assert programme["funds"][0]["remaining"] == "100000.00"
    assert_error(grants.post(COMPETITIONS, token("ngo"), json=competition_body()), 403)


def test_cancelling_releases_the_committed_funds(grants, officer, events):
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer, budget="150000.00")
    assert_error(grants.post(f"{COMPETITIONS}/{competition['id']}/cancel", officer, json={}),
                 422, "validation_failed", ("reason",))
    response = grants.post(f"{COMPETITIONS}/{competition['id']}/cancel", officer,
                           json={"reason": "Zmiana priorytetów budżetu."})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Zmiana priorytetów budżetu."
    programme = grants.get(PROGRAMMES, officer).json()["items"][0]
    assert programme["funds"][0]["committed"] == "0.00"
    cancelled = events.wait_for("grants.competition.cancelled")[0]
    assert cancelled["data"]["reason"] == "Zmiana priorytetów budżetu."
    assert_error(grants.post(f"{COMPETITIONS}/{competition['id']}/announce", officer), 409,
                 "invalid_state")
    # a draft cancelled before publication never becomes public
    draft = create_competition(grants, officer)
    grants.post(f"{COMPETITIONS}/{draft['id']}/cancel", officer, json={"reason": "Pomyłka."})
    assert_error(grants.get(f"{COMPETITIONS}/{draft['id']}"), 404)
    assert [c["id"] for c in grants.get(COMPETITIONS).json()["items"]] == [competition["id"]]


def test_two_officers_committing_the_last_funds_at_once_cannot_both_succeed(
        grants, officer, token, events):
    adopted_programme(grants, officer, funds=[{"area": "culture", "amount": "100000.00"}])
    first = create_competition(grants, officer, budget="60000.00")
    second = create_competition(grants, officer, budget="60000.00")
    other = token("officer")

    def announce(pair):
        competition, who = pair
        return grants.post(f"{COMPETITIONS}/{competition['id']}/announce", who)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(announce, [(first, officer), (second, other)]))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 422], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 422)
    assert refused.json()["error"]["code"] == "insufficient_programme_funds"
    programme = grants.db["programmes"].find_one({})
    assert programme["funds"][0]["committed_grosze"] == 6_000_000
    assert programme["funds"][0]["available_grosze"] == 4_000_000
    events.wait_for("grants.competition.announced")
    assert len(events.settle()) == 1 + len(events.of_type("grants.programme.drafted")) + len(
        events.of_type("grants.programme.adopted"))


def test_bad_competitions_change_nothing_and_send_nothing(grants, officer, events):
    adopted_programme(grants, officer)
    events.wait_for("grants.programme.adopted")
    before = db_state(grants.db)
    cases = [
        (competition_body(budget=100000.0), "validation_failed", "budget"),
        (competition_body(budget="-1.00"), "validation_failed", "budget"),
        (competition_body(mode="grant"), "validation_failed", "mode"),
        (competition_body(min_own_contribution_pct=10.5), "validation_failed",
         "min_own_contribution_pct"),
        (competition_body(min_own_contribution_pct="101"), "validation_failed",
         "min_own_contribution_pct"),
        (competition_body(criteria=[]), "validation_failed", "criteria"),
        (competition_body(criteria=[{"name": "Jakość", "max_points": 0}]),
         "validation_failed", "criteria.0.max_points"),
        (competition_body(criteria=[{"name": "Jakość", "max_points": 5},
                                    {"name": "jakość", "max_points": 5}]),
         "duplicate_criterion", "criteria"),
        (competition_body(task_end="2000-01-01"), "task_dates_reversed", "task_end"),
        (competition_body(mode="entrusting"), "own_contribution_in_entrusting",
         "min_own_contribution_pct"),
        (competition_body(submission_deadline="2030-01-01T10:00:00"), "validation_failed",
         "submission_deadline"),
        (competition_body(owner="me"), "validation_failed", "owner"),
    ]
    for body, code, field in cases:
        assert_error(grants.post(COMPETITIONS, officer, json=body), 422, code, (field,))
    assert_error(grants.post(f"{COMPETITIONS}/{'0' * 24}/announce", officer), 404)
    assert db_state(grants.db) == before
    assert len(events.settle()) == 2


def test_the_timer_closes_competitions_whose_deadline_passed(start_service, officer, events):
    grants = start_service(GrantsService, timers_enabled=True)
    adopted_programme(grants, officer)
    due = announced_competition(grants, officer)
    running = announced_competition(grants, officer)
    pass_deadline(grants, due["id"])
    assert run_entrypoint(grants, "close_due_competitions") == 1
    assert run_entrypoint(grants, "close_due_competitions") == 0
    assert grants.get(f"{COMPETITIONS}/{due['id']}").json()["status"] == "closed"
    assert grants.get(f"{COMPETITIONS}/{running['id']}").json()["status"] == "announced"
    closed = events.wait_for("grants.competition.closed")
    assert [e["subject"] for e in closed] == [due["id"]]


def test_the_database_refuses_a_commitment_made_on_a_stale_read(grants, officer):
    """The condition on the remaining funds lives in the update itself, so a commitment
    computed from an out-of-date copy of the programme still cannot overdraw it."""
    adopted_programme(grants, officer, funds=[{"area": "culture", "amount": "100000.00"}])
    stale = grants.db["programmes"].find_one({})
    programmes = Programmes(SimpleNamespace(db=grants.db, session=None))
    programmes.commit(stale, "culture", 6_000_000, "budget")
    with pytest.raises(DomainError) as refused:
        programmes.commit(stale, "culture", 6_000_000, "budget")
    assert refused.value.code == "insufficient_programme_funds"
    programmes.commit(stale, "culture", 4_000_000, "budget")
    fund = grants.db["programmes"].find_one({})["funds"][0]
    assert (fund["committed_grosze"], fund["available_grosze"]) == (10_000_000, 0)

    # the small grants' yearly caps are counted the same way: at the cap, not a grosz over
    totals = SmallGrantTotals(SimpleNamespace(db=grants.db, session=None))
    assert totals.add_within("city:2027", 1_500_000, 2_000_000)
    assert not totals.add_within("city:2027", 500_001, 2_000_000)
    assert totals.add_within("city:2027", 500_000, 2_000_000)
    assert totals.total("city:2027") == 2_000_000


def test_drafted_and_announced_at_once_a_refusal_leaves_no_draft_and_the_terms_say_when(
        grants, officer, events):
    terms = grants.get("/api/v1/competitions/announcement-terms").json()   # public: a form's hint
    assert terms["min_submission_days"] == 21
    assert terms["earliest_submission_deadline"] == (today() + timedelta(days=21)).isoformat()
    assert "art. 13 ust. 1" in terms["legal_basis"]

    adopted_programme(grants, officer)
    before = db_state(grants.db)
    error = assert_error(grants.post(COMPETITIONS, officer, json=competition_body(
        announce=True, submission_deadline=at_warsaw(today() + timedelta(days=20), 23, 59))),
        422, "deadline_too_short", ("submission_deadline",))
    assert terms["earliest_submission_deadline"] in error["message"]
    assert db_state(grants.db) == before   # no draft, no funds committed

    response = grants.post(COMPETITIONS, officer, json=competition_body(
        announce=True, submission_deadline=at_warsaw(
            date.fromisoformat(terms["earliest_submission_deadline"]), 0, 1)))
    assert response.status_code == 201, response.text
    competition = response.json()
    assert competition["status"] == "announced" and competition["published_at"]
    [announced] = events.wait_for("grants.competition.announced")
    assert announced["subject"] == competition["id"]
    assert grants.get(f"{COMPETITIONS}/{competition['id']}").status_code == 200
    programme = grants.get(PROGRAMMES, officer).json()["items"][0]
    assert [f["committed"] for f in programme["funds"] if f["area"] == "culture"] == [
        "100000.00"]
