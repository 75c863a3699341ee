"""Small grants without a competition (art. 19a)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from grants import domain
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(domain.__file__).with_name("rules.toml"))
TODAY = date(2026, 6, 1)


def small(amount: str = "10000.00", days: int = 90):
    start = date(2026, 7, 1)
    requested = Decimal(amount)
    return {"requested_amount": requested,
            "own_contribution": {"financial": Decimal("100.00"), "non_financial": Decimal("0")},
            "total_cost": requested + Decimal("100.00"),
            "task_start": start, "task_end": start + timedelta(days=days - 1),
            "cost_items": [{"name": "koszty", "amount": requested + Decimal("100.00")}]}


def refusal(offer) -> DomainError:
    with pytest.raises(DomainError) as refused:
        domain.check_small_grant(offer, TODAY, RULES)
    return refused.value


def test_10000_00_pln_is_a_small_grant_art_19a_ust_1_pkt_1():
    domain.check_small_grant(small("10000.00"), TODAY, RULES)


def test_10000_01_pln_is_refused_art_19a_ust_1_pkt_1():
    error = refusal(small("10000.01"))
    assert (error.code, error.field) == ("small_grant_too_large", "requested_amount")


def test_a_90_day_task_is_a_small_grant_art_19a_ust_1_pkt_2():
    domain.check_small_grant(small(days=90), TODAY, RULES)


def test_a_91_day_task_is_refused_art_19a_ust_1_pkt_2():
    error = refusal(small(days=91))
    assert (error.code, error.field) == ("small_grant_too_long", "task_end")


def test_the_offer_is_published_for_7_days_for_comments_art_19a_ust_3():
    published = datetime(2026, 6, 1, 10, tzinfo=UTC)
    until = domain.publication_ends(published, RULES)
    assert until == datetime(2026, 6, 8, 10, tzinfo=UTC)
    domain.check_may_comment("published", until, until)
    with pytest.raises(DomainError) as refused:
        domain.check_may_comment("published", until, until + timedelta(seconds=1))
    assert refused.value.status == 409


def test_the_city_decides_only_after_the_7_days_art_19a_ust_4():
    until = datetime(2026, 6, 8, 10, tzinfo=UTC)
    with pytest.raises(DomainError) as refused:
        domain.check_may_decide("published", until, until)
    assert refused.value.code == "publication_not_over"
    domain.check_may_decide("published", until, until + timedelta(seconds=1))


def caps(amount: str, organization: str = "0", city: str = "0", funds: str = "1000000.00"):
    domain.check_small_grant_caps(Decimal(amount), Decimal(organization), Decimal(city),
                                  Decimal(funds), TODAY, RULES)


def test_an_organisation_may_reach_exactly_20000_pln_a_year_art_19a_ust_4():
    caps("10000.00", organization="10000.00")


def test_an_organisation_one_grosz_over_20000_pln_a_year_is_refused_art_19a_ust_4():
    with pytest.raises(DomainError) as refused:
        caps("10000.00", organization="10000.01")
    assert refused.value.code == "organization_small_grant_cap"


def test_the_city_may_give_exactly_20_percent_of_its_grant_funds_art_19a_ust_5():
    caps("5000.00", city="15000.00", funds="100000.00")


def test_the_city_one_grosz_over_20_percent_is_refused_art_19a_ust_5():
    with pytest.raises(DomainError) as refused:
        caps("5000.01", city="15000.00", funds="100000.00")
    assert refused.value.code == "city_small_grant_cap"


def test_the_limits_are_dated_and_the_2025_draft_is_not_in_force():
    assert RULES.decimal("small_grant_max_amount", on=date(2026, 1, 1)) == Decimal("10000.00")
    assert RULES.decimal("small_grant_yearly_per_organization",
                         on=date(2026, 1, 1)) == Decimal("20000.00")
    assert RULES.value("competition_min_submission_days", on=date(2026, 1, 1)) == 21


def test_the_citys_cap_is_20_percent_of_its_grant_funds_rounded_down_art_19a_ust_5():
    per_org, city = domain.small_grant_limits(Decimal("100000.05"), TODAY, RULES)
    assert (per_org, city) == (Decimal("20000.00"), Decimal("20000.01"))


def test_a_small_grant_is_published_once():
    assert domain.publish_small_grant("submitted") == "published"
    with pytest.raises(DomainError):
        domain.publish_small_grant("published")


def test_the_city_publishes_the_offer_within_7_working_days_of_receipt_art_19a_ust_3():
    # received on Thursday 18 Dec 2025: Christmas and New Year's Day do not count
    assert domain.publication_due_on(date(2025, 12, 18), RULES) == date(2026, 1, 2)
    assert domain.publication_due_on(date(2026, 11, 23), RULES) == date(2026, 12, 2)


def test_an_offer_not_published_by_its_due_day_is_overdue_art_19a_ust_3():
    due = date(2026, 12, 2)
    assert not domain.publication_overdue("submitted", due, due)
    assert domain.publication_overdue("submitted", due, date(2026, 12, 3))
    assert not domain.publication_overdue("published", due, date(2026, 12, 3))


def test_an_offer_published_after_the_7_working_days_is_marked_late_art_19a_ust_3():
    due_on = date(2027, 3, 10)
    on_time = datetime(2027, 3, 10, 22, 0, tzinfo=UTC)  # 23:00 in Warsaw, still the 10th
    late = datetime(2027, 3, 10, 23, 30, tzinfo=UTC)  # the 11th in Warsaw
    assert not domain.published_late(due_on, on_time)
    assert domain.published_late(due_on, late)
    assert not domain.published_late(None, late)
