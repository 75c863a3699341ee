"""The command handlers' orchestration, run in an in-memory unit of work (no RabbitMQ, no
database): what they load, what they save with which version, and which events they emit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from grants_fakes import FakeUnit

from grants import domain, handlers
from grants.domain import ZERO
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.service_layer import Changed, Event, change

OFFICER = Principal("officer-1", frozenset({"officer"}))
CULTURE = Principal("dept-1", frozenset({"department"}), department="culture")
SPORT = Principal("dept-2", frozenset({"department"}), department="sport")
MEMBER = Principal("member-1", frozenset({"committee"}))
TODAY = domain.local_date(utcnow())
TASK_START = TODAY + timedelta(days=60)
TASK_END = TASK_START + timedelta(days=120)


def programme(status: str = "adopted") -> dict:
    return {"_id": "p1", "year": TASK_START.year, "title": "Program", "status": status,
            "funds": [{"area": "culture", "amount": "100000.00", "planned_grosze": 10_000_000,
                       "committed_grosze": 0, "available_grosze": 10_000_000}],
            "total_grosze": 10_000_000, "adopted_at": None, "version": 0}


def competition(status: str = "draft", **changes) -> dict:
    record = {
        "_id": "c1", "year": TASK_START.year, "programme_id": "p1", "department": "culture",
        "title": "Kultura", "area": "culture", "mode": "supporting", "budget": "50000.00",
        "budget_grosze": 5_000_000,
        "submission_deadline": utcnow() + timedelta(days=30),
        "task_start": TASK_START.isoformat(), "task_end": TASK_END.isoformat(),
        "min_own_contribution_pct": "10", "criteria": [{"name": "jakość", "max_points": 10}],
        "status": status, "funds_committed": False, "published_at": None, "version": 1}
    record.update(changes)
    return record


def offer(offer_id: str = "o1", requested: str = "20000.00", **changes) -> dict:
    record = {
        "_id": offer_id, "competition_id": "c1", "organization_id": f"org-{offer_id}",
        "partners": [], "title": f"Oferta {offer_id}", "requested_amount": requested,
        "own_contribution": {"financial": "2000.00", "non_financial": "0.00"},
        "total_cost": "22000.00", "task_start": TASK_START.isoformat(),
        "task_end": TASK_END.isoformat(), "status": "submitted", "version": 1}
    record.update(changes)
    return record


def contract_body(amount: str = "20000.00") -> dict:
    return {"offer_id": "o1", "signed_on": TASK_START,
            "schedule": [{"activity": "Warsztaty", "starts_on": TASK_START,
                          "ends_on": TASK_END}],
            "tranches": [{"amount": Decimal(amount), "due_on": TASK_START}]}


@pytest.fixture
def uow() -> FakeUnit:
    unit = FakeUnit()
    unit.programmes.add(programme())
    return unit


# --- the one status change (wspolpraca.service_layer.change on the grants repositories) -----


def _change_competition(transition):
    """A handler that changes competition `command` (an id) with `transition`."""
    return lambda command, uow: change(uow, uow.competitions, command, transition)


def test_a_status_change_saves_with_the_version_read_and_emits_once_saved(uow):
    uow.competitions.add(competition())

    def announce(record):
        record["status"] = "announced"
        return Changed(record, [Event("competition.announced", {"id": record["_id"]})])

    uow.run(_change_competition(announce), "c1")
    assert uow.competitions.records["c1"]["version"] == 2
    assert uow.committed == [("competition.announced", "c1", {"id": "c1"})]


def test_a_status_change_of_a_record_changed_meanwhile_is_409_and_emits_nothing(uow):
    uow.competitions.add(competition())

    def announce(record):  # another officer saves the record meanwhile
        uow.competitions.records["c1"]["version"] += 1
        return Changed(record, [Event("competition.announced", {})])

    with pytest.raises(Conflict) as refused:
        uow.run(_change_competition(announce), "c1")
    assert refused.value.code == "concurrent_update"
    assert uow.committed == []


def test_a_refusal_in_the_transition_saves_and_emits_nothing(uow):
    uow.competitions.add(competition())

    def announce(record):  # who acts is checked in the transition, before it is saved
        record["status"] = "announced"
        raise Forbidden("Nie.")

    with pytest.raises(Forbidden):
        uow.run(_change_competition(announce), "c1")
    assert uow.competitions.records["c1"]["status"] == "draft"
    assert uow.competitions.records["c1"]["version"] == 1 and uow.committed == []


# --- programmes and competitions ----------------------------------------------------------


def test_adopting_a_consulted_programme_emits_programme_adopted():
    uow = FakeUnit()
    uow.programmes.add(programme("draft"))
    uow.run(handlers.consult_programme, handlers.ProgrammeStep("p1"))
    adopted = uow.run(handlers.adopt_programme, handlers.ProgrammeStep("p1"))
    assert adopted["status"] == "adopted" and adopted["adopted_at"] is not None
    assert uow.routing_keys() == ["programme.adopted"]
    assert uow.programmes.records["p1"]["version"] == 2


def test_announcing_commits_the_budget_against_the_programme(uow):
    uow.competitions.add(competition())
    record = uow.run(handlers.announce_competition, handlers.RecordStep(CULTURE, "c1"))
    assert record["status"] == "announced" and record["funds_committed"]
    fund = uow.programmes.records["p1"]["funds"][0]
    assert (fund["committed_grosze"], fund["available_grosze"]) == (5_000_000, 5_000_000)
    assert uow.routing_keys() == ["competition.announced"]


def test_another_department_may_not_announce_and_nothing_is_committed(uow):
    uow.competitions.add(competition())
    with pytest.raises(Forbidden):
        uow.run(handlers.announce_competition, handlers.RecordStep(SPORT, "c1"))
    assert uow.programmes.records["p1"]["funds"][0]["committed_grosze"] == 0
    assert uow.competitions.records["c1"]["status"] == "draft"


def test_cancelling_an_announced_competition_releases_its_budget(uow):
    uow.competitions.add(competition())
    uow.run(handlers.announce_competition, handlers.RecordStep(OFFICER, "c1"))
    uow.run(handlers.cancel_competition,
            handlers.RecordStep(OFFICER, "c1", {"reason": "Brak ofert"}))
    assert uow.programmes.records["p1"]["funds"][0]["committed_grosze"] == 0
    assert uow.routing_keys() == ["competition.announced", "competition.cancelled"]


# --- committee and results ---------------------------------------------------------------


def test_an_excluded_member_cannot_declare_and_a_second_declaration_changes_nothing(uow):
    uow.committee.add({"_id": "c1:member-1", "competition_id": "c1", "user_id": "member-1",
                       "excluded": True})
    with pytest.raises(Conflict) as refused:
        uow.run(handlers.declare_no_conflict, handlers.RecordStep(MEMBER, "c1"))
    assert refused.value.code == "member_excluded"
    uow.committee.records["c1:member-1"]["excluded"] = False
    declare = handlers.RecordStep(MEMBER, "c1")
    first = uow.run(handlers.declare_no_conflict, declare)["members"][0]["declared_at"]
    again = uow.run(handlers.declare_no_conflict, declare)["members"][0]["declared_at"]
    assert first == again is not None


def test_results_fund_and_reject_offers_and_return_the_rest_to_the_programme(uow):
    uow.programmes.records["p1"]["funds"][0].update(committed_grosze=5_000_000,
                                                   available_grosze=5_000_000)
    uow.competitions.add(competition("under_evaluation", funds_committed=True))
    uow.offers.add(offer("o1"))
    uow.offers.add(offer("o2"))
    body = {"awards": [{"offer_id": "o1", "amount": Decimal("15000.00")},
                       {"offer_id": "o2", "amount": Decimal("0")}],
            "acknowledged_overlaps": []}
    resolved = uow.run(handlers.confirm_results, handlers.RecordStep(OFFICER, "c1", body))
    assert resolved["status"] == "resolved" and resolved["awarded"] == "15000.00"
    assert uow.routing_keys() == ["grant.awarded", "offer.not_funded",
                                  "competition.resolved", "results.confirmed"]
    assert uow.offers.records["o1"]["status"] == "funded"
    assert uow.offers.records["o2"]["status"] == "not_funded"
    # 50,000.00 budgeted, 15,000.00 awarded: 35,000.00 back in the programme's area
    assert uow.programmes.records["p1"]["funds"][0]["committed_grosze"] == 1_500_000


def test_results_over_the_budget_change_nothing(uow):
    uow.competitions.add(competition("under_evaluation", funds_committed=True))
    uow.offers.add(offer("o1", requested="60000.00"))
    body = {"awards": [{"offer_id": "o1", "amount": Decimal("60000.00")}],
            "acknowledged_overlaps": []}
    with pytest.raises(DomainError) as refused:
        uow.run(handlers.confirm_results, handlers.RecordStep(OFFICER, "c1", body))
    assert refused.value.code == "awards_exceed_budget"
    assert uow.offers.records["o1"]["status"] == "submitted" and uow.committed == []


# --- contracts ----------------------------------------------------------------------------


def test_signing_the_contract_of_a_full_grant(uow):
    uow.competitions.add(competition("resolved"))
    uow.offers.add(offer(status="funded", awarded_amount="20000.00"))
    contract = uow.run(handlers.sign_contract, handlers.Submit(CULTURE, contract_body()))
    assert uow.contracts.records[contract["_id"]]["amount"] == "20000.00"
    assert contract["report_due_on"] == (TASK_END + timedelta(days=30)).isoformat()
    assert uow.routing_keys() == ["contract.signed"]


def test_a_lower_grant_is_signed_only_after_the_budget_update_art_16_ust_1(uow):
    uow.competitions.add(competition("resolved"))
    uow.offers.add(offer(status="funded", awarded_amount="15000.00"))
    with pytest.raises(Conflict) as refused:
        uow.run(handlers.sign_contract, handlers.Submit(CULTURE, contract_body("15000.00")))
    assert refused.value.code == "budget_update_required"
    assert uow.contracts.records == {} and uow.committed == []


def test_another_department_does_not_sign(uow):
    uow.competitions.add(competition("resolved"))
    uow.offers.add(offer(status="funded", awarded_amount="20000.00"))
    with pytest.raises(Forbidden):
        uow.run(handlers.sign_contract, handlers.Submit(SPORT, contract_body()))


def test_an_overdue_report_is_flagged_once(uow):
    uow.competitions.add(competition("resolved"))
    uow.offers.add(offer(status="funded", awarded_amount="20000.00"))
    contract = uow.run(handlers.sign_contract, handlers.Submit(OFFICER, contract_body()))
    later = date.fromisoformat(contract["report_due_on"]) + timedelta(days=1)
    check = handlers.FlagContractDeadlines(contract["_id"], later)
    assert uow.run(handlers.flag_contract_deadlines, check) == 1
    assert uow.run(handlers.flag_contract_deadlines, check) == 0
    assert uow.contracts.records[contract["_id"]]["status"] == "report_due"
    assert uow.routing_keys() == ["contract.signed", "task_report.overdue"]


def test_editing_a_draft_replaces_the_fields_given_and_emits_programme_updated():
    uow = FakeUnit()
    uow.programmes.add(programme("draft"))
    edited = uow.run(handlers.update_programme, handlers.ProgrammeStep("p1", {
        "title": "Nowy tytuł", "funds": [{"area": "sport", "amount": Decimal("300.00")}]}))
    assert (edited["title"], edited["total_grosze"]) == ("Nowy tytuł", 30_000)
    assert edited["year"] == TASK_START.year and edited["version"] == 1
    assert uow.routing_keys() == ["programme.updated"]
    uow.run(handlers.consult_programme, handlers.ProgrammeStep("p1"))
    with pytest.raises(Conflict):
        uow.run(handlers.update_programme,
                handlers.ProgrammeStep("p1", {"title": "Po konsultacjach"}))
    assert uow.programmes.records["p1"]["title"] == "Nowy tytuł"


def competition_body(**changes) -> dict:
    body = {"title": "Kultura", "area": "culture", "mode": "supporting",
            "budget": Decimal("50000.00"), "submission_deadline": utcnow() + timedelta(days=30),
            "task_start": TASK_START, "task_end": TASK_END,
            "min_own_contribution_pct": Decimal("10"),
            "criteria": [{"name": "jakość", "max_points": 10}]}
    body.update(changes)
    return body


def test_a_department_drafts_a_competition_in_its_own_name_within_the_programme(uow):
    record = uow.run(handlers.create_competition,
                     handlers.Submit(CULTURE, competition_body()))
    assert (record["department"], record["programme_id"]) == ("culture", "p1")
    assert uow.competitions.records[record["_id"]]["status"] == "draft"
    with pytest.raises(Forbidden):
        uow.run(handlers.create_competition,
                handlers.Submit(CULTURE, competition_body(department="sport")))
    with pytest.raises(DomainError) as refused:
        uow.run(handlers.create_competition,
                handlers.Submit(OFFICER, competition_body(budget=Decimal("100000.01"))))
    assert refused.value.field == "budget"
    assert len(uow.competitions.records) == 1 and uow.committed == []


def test_a_competition_drafted_and_announced_at_once_commits_its_budget_art_13_ust_1(uow):
    record = uow.run(handlers.create_competition,
                     handlers.Submit(CULTURE, competition_body(announce=True)))
    assert record["status"] == "announced" and record["funds_committed"]
    assert uow.programmes.records["p1"]["funds"][0]["committed_grosze"] == 5_000_000
    assert [(key, subject) for key, subject, _ in uow.committed] == [
        ("competition.announced", record["_id"])]
    with pytest.raises(DomainError) as refused:  # 20 days: no draft is left behind
        uow.run(handlers.create_competition, handlers.Submit(CULTURE, competition_body(
            announce=True, submission_deadline=utcnow() + timedelta(days=20))))
    assert refused.value.code == "deadline_too_short"
    assert len(uow.competitions.records) == 1 and len(uow.committed) == 1


# --- small grants ---------------------------------------------------------------------------


def small_grant(status: str = "published", **changes) -> dict:
    record = {"_id": "s1", "year": TASK_START.year, "organization_id": "org-1",
              "area": "culture", "title": "Piknik", "requested_amount": "9000.00",
              "amount_grosze": 900_000, "total_cost": "10000.00",
              "task_start": TASK_START.isoformat(), "task_end": TASK_END.isoformat(),
              "status": status, "comments_until": utcnow() - timedelta(days=1),
              "publication_due_on": None, "version": 1}
    record.update(changes)
    return record


def test_a_small_grant_is_awarded_after_the_7_days_and_counted_against_the_caps(uow):
    uow.small_grants.add(small_grant())
    awarded = uow.run(handlers.award_small_grant,
                      handlers.RecordStep(OFFICER, "s1", {"double_funding_reason": None}))
    assert awarded["status"] == "awarded"
    assert uow.totals.awarded[uow.totals.city_key(TASK_START.year)] == 900_000
    assert uow.programmes.records["p1"]["funds"][0]["committed_grosze"] == 900_000
    assert uow.routing_keys() == ["small_grant.awarded"]


def test_a_small_grant_is_not_decided_during_its_7_days_of_comments_art_19a_ust_3(uow):
    uow.small_grants.add(small_grant(comments_until=utcnow() + timedelta(days=1)))
    with pytest.raises(Conflict) as refused:
        uow.run(handlers.award_small_grant,
                handlers.RecordStep(OFFICER, "s1", {"double_funding_reason": None}))
    assert refused.value.code == "publication_not_over"
    assert uow.totals.awarded == {} and uow.committed == []


def test_a_comment_in_an_organisations_name_needs_its_representative(uow):
    uow.small_grants.add(small_grant(comments_until=utcnow() + timedelta(days=1)))
    resident = Principal("resident-1")
    body = {"author": "Jan", "text": "Dobry pomysł.", "organization_id": None}
    uow.run(handlers.comment_small_grant, handlers.CommentSmallGrant(resident, "s1", body))
    with pytest.raises(Forbidden):
        uow.run(handlers.comment_small_grant,
                handlers.CommentSmallGrant(resident, "s1", {**body, "organization_id": "org-1"}))
    assert uow.small_grants.records["s1"]["comments_count"] == 1
    assert uow.routing_keys() == ["small_grant.commented"]


NGO = Principal("rep-1", frozenset({"ngo"}), org_id="org-o1")
OTHER_NGO = Principal("rep-2", frozenset({"ngo"}), org_id="org-o2")


def test_after_a_lower_grant_the_organisation_updates_its_budget_and_the_contract_follows(uow):
    uow.competitions.add(competition("resolved"))
    uow.offers.add(offer(status="funded", awarded_amount="15000.00"))
    update = {"total_cost": Decimal("17000.00"),
              "own_contribution": {"financial": Decimal("2000.00"), "non_financial": ZERO},
              "cost_items": [{"name": "Warsztaty", "amount": Decimal("17000.00")}]}
    with pytest.raises(NotFound):  # another organisation's offer does not exist for it
        uow.run(handlers.update_budget, handlers.RecordStep(OTHER_NGO, "o1", update))
    uow.run(handlers.update_budget, handlers.RecordStep(NGO, "o1", update))
    assert uow.offers.records["o1"]["version"] == 2
    uow.run(handlers.sign_contract, handlers.Submit(CULTURE, contract_body("15000.00")))
    with pytest.raises(Conflict) as refused:
        uow.run(handlers.update_budget, handlers.RecordStep(NGO, "o1", update))
    assert refused.value.code == "contract_signed"
    assert uow.routing_keys() == ["contract.signed"]


def test_only_the_organisation_withdraws_its_offer_before_the_deadline(uow):
    uow.competitions.add(competition("announced", published_at=utcnow()))
    uow.offers.add(offer())
    with pytest.raises(NotFound):
        uow.run(handlers.withdraw_offer, handlers.RecordStep(OTHER_NGO, "o1"))
    withdrawn = uow.run(handlers.withdraw_offer, handlers.RecordStep(NGO, "o1"))
    assert withdrawn["status"] == "withdrawn"
    assert uow.routing_keys() == ["offer.withdrawn"]


def test_a_draft_is_the_organisations_until_the_deadline_and_emits_nothing(uow):
    uow.competitions.add(competition("announced", published_at=utcnow()))
    body = {"organization_id": "org-o1", "values": {"title": "Festyn"}}
    with pytest.raises(Forbidden):
        uow.run(handlers.save_offer_draft, handlers.OfferForm(OTHER_NGO, "c1", body))
    saved = uow.run(handlers.save_offer_draft, handlers.OfferForm(NGO, "c1", body))
    assert saved["_id"] == "c1:org-o1" and uow.offer_drafts.records["c1:org-o1"]["values"] == {
        "title": "Festyn"}
    uow.run(handlers.discard_offer_draft, handlers.DiscardOfferDraft(NGO, "c1", "org-o1"))
    with pytest.raises(NotFound):
        uow.run(handlers.discard_offer_draft, handlers.DiscardOfferDraft(NGO, "c1", "org-o1"))
    uow.competitions.records["c1"]["submission_deadline"] = utcnow() - timedelta(seconds=1)
    with pytest.raises(Conflict) as refused:
        uow.run(handlers.save_offer_draft, handlers.OfferForm(NGO, "c1", body))
    assert refused.value.code == "deadline_passed"
    assert uow.routing_keys() == []


def test_a_draft_saved_from_an_older_version_changes_nothing_and_tells_the_current(uow):
    uow.competitions.add(competition("announced", published_at=utcnow()))

    def save(title: str, version: int | None = None) -> dict:
        body = {"organization_id": "org-o1", "values": {"title": title}}
        if version is not None:
            body["version"] = version
        return uow.run(handlers.save_offer_draft, handlers.OfferForm(NGO, "c1", body))

    assert save("Festyn")["version"] == 0
    assert save("Festyn (laptop)", 0)["version"] == 1
    with pytest.raises(Conflict) as refused:
        save("Festyn (telefon)", 0)
    assert refused.value.code == "draft_changed" and refused.value.status == 409
    error = refused.value.to_body()["error"]
    assert error["fields"] == {} and error["current"]["values"] == {"title": "Festyn (laptop)"}
    assert uow.offer_drafts.records["c1:org-o1"]["values"] == {"title": "Festyn (laptop)"}
    assert save("Festyn (telefon)", 1)["version"] == 2
    assert save("Festyn")["version"] == 3   # without a version: replaced, as before
