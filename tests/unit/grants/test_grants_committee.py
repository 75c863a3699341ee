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


# --- assigning offers in bulk, by filter --------------------------------------------------


def _offer(offer_id: str, amount: str = "1000.00", organization: str = "org-x",
           partners=()) -> dict:
    return {"_id": offer_id, "requested_amount": Decimal(amount),
            "organization_id": organization, "partners": list(partners)}


def _member(user_id: str, organization: str | None = None, assigned=None,
            excluded: bool = False) -> dict:
    return {"user_id": user_id, "kind": "ngo" if organization else "official",
            "organization_id": organization, "assigned_offers": assigned,
            "excluded": excluded}


def test_offers_are_selected_by_requested_amount_inclusive():
    offers = [_offer("o1", "500.00"), _offer("o2", "1000.00"), _offer("o3", "5000.00")]
    picked = domain.select_offers(offers, minimum=Decimal("1000.00"),
                                  maximum=Decimal("5000.00"))
    assert [o["_id"] for o in picked] == ["o2", "o3"]
    assert [o["_id"] for o in domain.select_offers(offers, offer_ids=["o1", "o3"])] \
        == ["o1", "o3"]
    assert len(domain.select_offers(offers)) == 3


def test_an_amount_range_upside_down_is_refused():
    with pytest.raises(DomainError) as refused:
        domain.select_offers([], minimum=Decimal("2"), maximum=Decimal("1"))
    assert refused.value.code == "invalid_range"


def test_offers_are_spread_round_robin_evenly():
    offers = [_offer(f"o{i}") for i in range(7)]
    new = domain.distribute_offers(offers, [_member("a"), _member("b"), _member("c")], 1)
    assert new == {"a": ["o0", "o3", "o6"], "b": ["o1", "o4"], "c": ["o2", "o5"]}


def test_each_offer_gets_the_requested_number_of_distinct_assessors():
    offers = [_offer(f"o{i}") for i in range(6)]
    new = domain.distribute_offers(offers, [_member("a"), _member("b"), _member("c")], 2)
    per_offer: dict[str, list[str]] = {}
    for user_id, ids in new.items():
        for offer_id in ids:
            per_offer.setdefault(offer_id, []).append(user_id)
    assert all(len(set(users)) == 2 for users in per_offer.values())
    assert len(per_offer) == 6
    assert sorted(len(ids) for ids in new.values()) == [4, 4, 4]


def test_assessors_an_offer_already_has_count_and_are_not_chosen_again():
    offers = [_offer("o1"), _offer("o2")]
    new = domain.distribute_offers(
        offers, [_member("a", assigned=["o1", "o2"]), _member("b", assigned=["o2"])], 2)
    assert new == {"b": ["o1"]}


def test_one_member_gets_every_offer_not_yet_assigned_to_them():
    offers = [_offer("o1"), _offer("o2"), _offer("o3")]
    assert domain.distribute_offers(offers, [_member("a", assigned=["o2"])], 1) \
        == {"a": ["o1", "o3"]}


def test_the_least_loaded_member_is_chosen_first():
    new = domain.distribute_offers([_offer("o1"), _offer("o2")],
                                   [_member("a", assigned=["x1", "x2"]), _member("b")], 1)
    assert new == {"b": ["o1", "o2"]}


def test_a_nominee_never_assesses_an_offer_of_their_organisation_or_its_partner():
    offers = [_offer("o1", organization="org-1"), _offer("o2", partners=["org-1"]),
              _offer("o3")]
    new = domain.distribute_offers(offers, [_member("nominee", "org-1"), _member("a")], 1)
    assert new == {"a": ["o1", "o2"], "nominee": ["o3"]}


def test_an_excluded_member_gets_no_offers_art_15_ust_2d():
    with pytest.raises(DomainError) as refused:
        domain.distribute_offers([_offer("o1")], [_member("a"), _member("b", excluded=True)], 1)
    assert (refused.value.code, refused.value.field) == ("not_a_member",
                                                         "distribute.user_ids.1")


def test_nothing_is_assigned_when_an_offer_cannot_get_enough_assessors():
    offers = [_offer("o1"), _offer("o2", organization="org-1")]
    with pytest.raises(DomainError) as refused:
        domain.distribute_offers(offers, [_member("a"), _member("n", "org-1")], 2)
    assert refused.value.code == "not_enough_members"
    assert "o2" in refused.value.message


def test_a_conflicted_member_may_not_be_assigned_the_offer_explicitly():
    with pytest.raises(DomainError) as refused:
        domain.check_assignable(_member("n", "org-1"), [_offer("o1", organization="org-1")],
                                "assignments.0.user_id")
    assert (refused.value.code, refused.value.field) == ("member_conflicted",
                                                         "assignments.0.user_id")
    domain.check_assignable(_member("a"), [_offer("o1", organization="org-1")], "f")


def test_a_member_declares_no_conflict_of_interest_once_art_15_ust_2f():
    assert domain.declare_no_conflict({"excluded": False, "declared_at": None})
    assert not domain.declare_no_conflict({"excluded": False, "declared_at": "2027-01-01"})


def test_a_nominee_of_a_bidder_may_not_declare_and_sit_art_15_ust_2d():
    with pytest.raises(DomainError) as refused:
        domain.declare_no_conflict({"excluded": True})
    assert refused.value.code == "member_excluded"


def test_offers_are_scored_while_the_competition_is_under_evaluation_art_15_ust_1():
    domain.check_scoring_open("under_evaluation", "submitted")
    for competition, offer in (("closed", "submitted"), ("under_evaluation", "withdrawn"),
                               ("resolved", "funded")):
        with pytest.raises(DomainError) as refused:
            domain.check_scoring_open(competition, offer)
        assert refused.value.code == "invalid_state"


def test_the_decision_names_each_offer_once_art_15_ust_1():
    awards = [{"offer_id": "a", "amount": Decimal("1.00")},
              {"offer_id": "b", "amount": Decimal("0")}]
    assert domain.awards_by_offer(awards) == {"a": Decimal("1.00"), "b": Decimal("0")}
    with pytest.raises(DomainError) as refused:
        domain.awards_by_offer([*awards, {"offer_id": "a", "amount": Decimal("2.00")}])
    assert refused.value.code == "duplicate_offer"


def test_a_lower_grant_still_funds_the_offer_art_16_ust_1():
    assert domain.award_status(Decimal("0.01")) == "funded"
    assert domain.award_status(Decimal("0")) == "not_funded"


def test_what_the_results_leave_of_the_budget_returns_to_the_programme_art_5a_ust_4():
    assert domain.unused_competition_funds(5_000_000, Decimal("15000.00")) == 3_500_000
    assert domain.unused_competition_funds(5_000_000, Decimal("50000.00")) == 0
