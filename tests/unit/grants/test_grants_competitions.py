"""Open competitions and offers: the 21 days of art. 13 ust. 1 and the formal check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from grants import domain
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(domain.__file__).with_name("rules.toml"))
PUBLISHED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Warsaw


def warsaw(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=domain.CITY_ZONE)


def test_a_deadline_21_days_after_publication_is_accepted_art_13_ust_1():
    deadline = warsaw(date(2026, 3, 23), 0)
    domain.check_announcement(deadline, PUBLISHED, date(2026, 5, 1), RULES)


def test_a_deadline_20_days_after_publication_is_refused_art_13_ust_1():
    with pytest.raises(DomainError) as refused:
        domain.check_announcement(warsaw(date(2026, 3, 22), 23), PUBLISHED, date(2026, 5, 1),
                                  RULES)
    assert refused.value.code == "deadline_too_short"
    assert "submission_deadline" in refused.value.fields


def test_days_are_counted_in_the_citys_calendar_art_13_ust_1():
    # 23:30 UTC on 1 March is already 2 March in Warsaw
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    domain.check_announcement(warsaw(date(2026, 3, 23), 0), late, date(2026, 5, 1), RULES)


def test_the_deadline_must_come_before_the_task_starts():
    with pytest.raises(DomainError) as refused:
        domain.check_announcement(warsaw(date(2026, 4, 10)), PUBLISHED, date(2026, 4, 1), RULES)
    assert refused.value.code == "deadline_after_task_start"


def test_entrusting_requires_no_own_contribution_art_5_ust_4():
    data = dict(task_start=date(2026, 5, 1), task_end=date(2026, 6, 1), budget=Decimal("1.00"),
                mode="entrusting", min_own_contribution_pct=Decimal("10"),
                criteria=[{"name": "a", "max_points": 5}])
    with pytest.raises(DomainError) as refused:
        domain.check_competition(data)
    assert refused.value.code == "own_contribution_in_entrusting"


def competition(**changes):
    data = {
        "mode": "supporting",
        "budget": Decimal("100000.00"),
        "submission_deadline": datetime(2026, 4, 1, 12, tzinfo=UTC),
        "task_start": date(2026, 5, 1),
        "task_end": date(2026, 10, 31),
        "min_own_contribution_pct": Decimal("10"),
    }
    data.update(changes)
    return data


def offer(**changes):
    data = {
        "requested_amount": Decimal("9000.00"),
        "own_contribution": {"financial": Decimal("500.00"),
                             "non_financial": Decimal("500.00")},
        "total_cost": Decimal("10000.00"),
        "task_start": date(2026, 5, 1),
        "task_end": date(2026, 10, 31),
        "cost_items": [{"name": "sala", "amount": Decimal("6000.00")},
                       {"name": "honoraria", "amount": Decimal("4000.00")}],
    }
    data.update(changes)
    return data


NOW = datetime(2026, 3, 20, tzinfo=UTC)


def refusal(offer_data, competition_data=None, now=NOW) -> DomainError:
    with pytest.raises(DomainError) as refused:
        domain.formal_check(offer_data, competition_data or competition(), now)
    return refused.value


def test_an_offer_that_adds_up_passes_the_formal_check_art_14():
    domain.formal_check(offer(), competition(), NOW)


def test_cost_items_must_add_up_to_the_total_cost_art_14_ust_1():
    error = refusal(offer(cost_items=[{"name": "sala", "amount": Decimal("9999.99")}]))
    assert (error.code, error.field) == ("sums_do_not_add_up", "total_cost")


def test_requested_plus_own_contribution_must_equal_the_total_cost_art_14_ust_1():
    error = refusal(offer(requested_amount=Decimal("9000.01")))
    assert (error.code, error.field) == ("sums_do_not_add_up", "requested_amount")


def test_own_contribution_exactly_at_the_required_percent_passes_art_15_ust_1_pkt_3():
    domain.formal_check(offer(), competition(min_own_contribution_pct=Decimal("10")), NOW)


def test_own_contribution_one_grosz_below_the_required_percent_is_refused_art_15_ust_1_pkt_3():
    data = offer(requested_amount=Decimal("9000.01"),
                 own_contribution={"financial": Decimal("499.99"),
                                   "non_financial": Decimal("500.00")})
    error = refusal(data)
    assert error.code == "own_contribution_too_low"


def test_an_entrusted_task_needs_no_own_contribution_art_5_ust_4_pkt_1():
    data = offer(requested_amount=Decimal("10000.00"),
                 own_contribution={"financial": Decimal("0.00"), "non_financial": Decimal("0")})
    domain.formal_check(data, competition(mode="entrusting",
                                          min_own_contribution_pct=Decimal("0")), NOW)


def test_volunteer_work_is_valued_hours_times_rate_within_non_financial_art_15_ust_1_pkt_4():
    volunteers = {"hours": Decimal("10"), "hourly_rate": Decimal("50.00")}
    domain.formal_check(offer(own_contribution={
        "financial": Decimal("500.00"), "non_financial": Decimal("500.00"),
        "volunteer_work": volunteers}), competition(), NOW)
    error = refusal(offer(own_contribution={
        "financial": Decimal("500.00"), "non_financial": Decimal("500.00"),
        "volunteer_work": {"hours": Decimal("10"), "hourly_rate": Decimal("50.01")}}))
    assert error.code == "volunteer_work_exceeds_non_financial"


def test_requested_amount_above_the_competitions_budget_is_refused():
    error = refusal(offer(), competition(budget=Decimal("8999.99")))
    assert error.code == "requested_exceeds_budget"


def test_task_dates_outside_the_competitions_are_refused_art_13_ust_2_pkt_4():
    assert refusal(offer(task_start=date(2026, 4, 30))).code == "task_dates_outside_competition"
    assert refusal(offer(task_end=date(2026, 11, 1))).field == "task_end"


def test_an_offer_at_the_deadline_is_on_time_and_one_second_later_is_refused_art_13_ust_1():
    deadline = competition()["submission_deadline"]
    domain.formal_check(offer(), competition(), deadline)
    error = refusal(offer(), now=deadline + timedelta(seconds=1))
    assert (error.code, error.status) == ("deadline_passed", 409)


def test_only_a_verified_organisation_of_the_area_is_eligible_art_11_ust_1():
    verified = domain.OrganizationView("o1", "verified", frozenset({"culture"}))
    domain.check_eligible(verified, "culture")
    for view in (None, domain.OrganizationView("o1", "pending", frozenset({"culture"})),
                 domain.OrganizationView("o1", "suspended", frozenset({"culture"})),
                 domain.OrganizationView("o1", "verified", frozenset({"sport"}))):
        with pytest.raises(DomainError) as refused:
            domain.check_eligible(view, "culture")
        assert refused.value.code == "organization_not_eligible"


def test_partners_of_a_joint_offer_must_be_eligible_and_distinct_art_14_ust_2():
    ok = domain.OrganizationView("p1", "verified", frozenset({"culture"}))
    domain.check_partners("o1", ["p1"], {"p1": ok}, "culture")
    with pytest.raises(DomainError):
        domain.check_partners("o1", ["o1"], {}, "culture")
    with pytest.raises(DomainError) as refused:
        domain.check_partners("o1", ["p2"], {"p2": None}, "culture")
    assert refused.value.field == "partners.0"


def test_an_offer_may_be_amended_or_withdrawn_only_until_the_deadline():
    deadline = competition()["submission_deadline"]
    assert domain.withdraw("submitted", deadline, deadline) == "withdrawn"
    with pytest.raises(DomainError) as refused:
        domain.withdraw("submitted", deadline, deadline + timedelta(seconds=1))
    assert refused.value.status == 409


def test_the_competition_lifecycle_goes_draft_announced_closed_evaluation_resolved():
    deadline = competition()["submission_deadline"]
    assert domain.announce("draft") == "announced"
    with pytest.raises(DomainError):
        domain.close_for_offers("announced", deadline, deadline)
    assert domain.close_for_offers("announced", deadline,
                                   deadline + timedelta(seconds=1)) == "closed"
    assert domain.start_evaluation("closed") == "under_evaluation"
    assert domain.resolve("under_evaluation") == "resolved"
    for state in ("draft", "announced", "closed", "under_evaluation"):
        assert domain.cancel(state) == "cancelled"
    with pytest.raises(DomainError) as refused:
        domain.cancel("resolved")
    assert refused.value.status == 409
