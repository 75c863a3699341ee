"""The competition committee (art. 15 ust. 2a-2f), scoring, ranking and awards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants import domain
from wspolpraca.errors import DomainError

CRITERIA = [{"name": "jakość", "max_points": 10}, {"name": "koszty", "max_points": 5}]


def test_a_nominee_of_an_organisation_taking_part_is_excluded_art_15_ust_2d():
    members = [{"user_id": "u1", "kind": "official"},
               {"user_id": "u2", "kind": "ngo", "organization_id": "bidder"},
               {"user_id": "u3", "kind": "ngo", "organization_id": "other"}]
    assert domain.excluded_members(members, ["bidder"]) == ["u2"]


def test_a_nominee_needs_an_organisation_art_15_ust_2a():
    with pytest.raises(DomainError) as refused:
        domain.check_members([{"user_id": "u1", "kind": "ngo"}])
    assert refused.value.field == "members.0.organization_id"


def test_a_score_at_the_criterions_maximum_is_accepted_art_15_ust_1():
    domain.check_scores(CRITERIA, [{"criterion": "jakość", "points": 10},
                                   {"criterion": "koszty", "points": 5}])


def test_a_score_above_the_criterions_maximum_is_refused_art_15_ust_1():
    with pytest.raises(DomainError) as refused:
        domain.check_scores(CRITERIA, [{"criterion": "jakość", "points": 11},
                                       {"criterion": "koszty", "points": 5}])
    assert (refused.value.code, refused.value.field) == ("score_out_of_range", "scores.0.points")


def test_every_criterion_is_scored_once():
    with pytest.raises(DomainError) as refused:
        domain.check_scores(CRITERIA, [{"criterion": "jakość", "points": 1}])
    assert refused.value.code == "criteria_not_scored"


def test_a_member_scores_only_after_declaring_no_conflict_of_interest_art_15_ust_2f():
    with pytest.raises(DomainError) as refused:
        domain.check_may_score({"user_id": "u1"}, "o1")
    assert refused.value.code == "conflict_of_interest_not_declared"
    domain.check_may_score({"user_id": "u1", "declared_at": "now"}, "o1")


def test_an_excluded_member_may_not_score_art_15_ust_2d():
    with pytest.raises(DomainError) as refused:
        domain.check_may_score({"user_id": "u1", "declared_at": "x", "excluded": True}, "o1")
    assert refused.value.status == 403


def test_a_member_scores_only_the_offers_assigned_to_them():
    member = {"user_id": "u1", "declared_at": "x", "assigned_offers": ["o1"]}
    domain.check_may_score(member, "o1")
    with pytest.raises(DomainError):
        domain.check_may_score(member, "o2")


def offers():
    return [{"_id": "a", "requested_amount": Decimal("60000.00")},
            {"_id": "b", "requested_amount": Decimal("50000.00")},
            {"_id": "c", "requested_amount": Decimal("10000.00")}]


def test_offers_are_ranked_by_average_score_art_15_ust_1():
    ranking = domain.rank(offers(), {"a": [Decimal(10), Decimal(12)], "b": [Decimal(14)],
                                     "c": [Decimal(3)]})
    assert [r.offer_id for r in ranking] == ["b", "a", "c"]
    assert ranking[1].average == Decimal("11.00")


def test_the_proposal_stays_within_the_budget_with_a_partial_award_art_16_ust_1():
    ranking = domain.rank(offers(), {"a": [Decimal(10)], "b": [Decimal(14)], "c": [Decimal(3)]})
    proposal = domain.propose_awards(ranking, Decimal("100000.00"))
    assert proposal == {"b": Decimal("50000.00"), "a": Decimal("50000.00"),
                        "c": Decimal("0.00")}


def test_awards_above_the_budget_or_the_request_are_refused():
    by_id = {o["_id"]: o for o in offers()}
    total = domain.check_awards({"a": Decimal("60000.00"), "b": Decimal("40000.00"),
                                 "c": Decimal("0")}, by_id, Decimal("100000.00"))
    assert total == Decimal("100000.00")
    with pytest.raises(DomainError) as refused:
        domain.check_awards({"a": Decimal("60000.00"), "b": Decimal("40000.01"),
                             "c": Decimal("0")}, by_id, Decimal("100000.00"))
    assert refused.value.code == "awards_exceed_budget"
    with pytest.raises(DomainError) as refused:
        domain.check_awards({"a": Decimal("60000.01"), "b": Decimal("0"), "c": Decimal("0")},
                            by_id, Decimal("100000.00"))
    assert refused.value.code == "award_exceeds_request"
    with pytest.raises(DomainError) as refused:
        domain.check_awards({"a": Decimal("1.00")}, by_id, Decimal("100000.00"))
    assert refused.value.code == "offer_not_decided"
