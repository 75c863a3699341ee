"""Dialogue councils: created on the request of at least 5 organisations within 2 months,
a 3-year term, at least half the members from NGOs, opinions within 14 days (no opinion
in time counts as none) — DOMAIN.md, "Consultations and councils"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from consultations import domain
from wspolpraca.rules import DatedRules
from wspolpraca.testing.refusals import refused

RULES = DatedRules.load(Path(domain.__file__).with_name("rules.toml"))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- the request --------------------------------------------------------------------


def test_a_request_supported_by_5_organisations_is_accepted():
    assert domain.check_request_supporters(list("abcde"), NOW, RULES) == list("abcde")


def test_a_request_supported_by_4_organisations_is_refused():
    error = refused(domain.check_request_supporters, list("abcd"), NOW, RULES)
    assert (error.code, error.field, error.status) == ("too_few_supporters", "supporters", 422)


def test_an_organisation_supporting_twice_counts_once():
    error = refused(domain.check_request_supporters, list("abcdd"), NOW, RULES)
    assert "poparło 4" in error.message


def test_the_city_acts_within_2_months_of_the_request():
    assert domain.council_creation_deadline(NOW, RULES) == datetime(2026, 5, 2, 9, 0,
                                                                    tzinfo=UTC)


def test_two_months_from_31_december_end_on_the_last_day_of_february():
    received = datetime(2027, 12, 31, 12, 0, tzinfo=UTC)
    assert domain.council_creation_deadline(received, RULES) == datetime(
        2028, 2, 29, 12, 0, tzinfo=UTC)


def test_a_request_not_acted_on_after_its_deadline_is_late():
    deadline = domain.council_creation_deadline(NOW, RULES)
    assert not domain.request_is_late(deadline, False, deadline)
    assert domain.request_is_late(deadline, False, deadline + timedelta(seconds=1))
    assert not domain.request_is_late(deadline, True, deadline + timedelta(days=30))


# --- the council --------------------------------------------------------------------


def test_the_term_is_3_years():
    assert domain.council_term_end(date(2026, 3, 1), RULES) == date(2029, 2, 28)
    assert domain.council_term_end(date(2028, 2, 29), RULES) == date(2031, 2, 27)


@pytest.mark.parametrize("sides", [
    ["ngo", "city"],                      # exactly half
    ["ngo", "ngo", "city", "city"],       # exactly half
    ["ngo", "ngo", "city"],
    ["ngo"],
])
def test_a_council_with_at_least_half_ngo_members_is_constituted(sides):
    domain.check_council_composition(sides)
    assert domain.ngo_share_ok(sides)


@pytest.mark.parametrize("sides", [
    ["city"],
    ["ngo", "city", "city"],
    ["ngo", "ngo", "city", "city", "city"],
])
def test_a_council_with_fewer_than_half_ngo_members_is_not_constituted(sides):
    error = refused(domain.check_council_composition, sides)
    assert (error.code, error.field, error.status) == ("ngo_share_too_low", "members", 422)


def test_a_council_has_members():
    assert refused(domain.check_council_composition, []).code == "members_required"


def test_a_member_leaves_once():
    domain.check_may_leave(None)
    assert refused(domain.check_may_leave, NOW).status == 409


def test_attendance_lists_members_only():
    assert domain.check_attendance(["a", "b", "a"], ["a", "b", "c"]) == ["a", "b"]
    assert refused(domain.check_attendance, ["x"], ["a"]).code == "unknown_member"


# --- opinions -----------------------------------------------------------------------


def test_the_council_gives_its_opinion_within_14_days():
    deadline = domain.opinion_deadline(NOW, RULES)
    assert deadline == NOW + timedelta(days=14)
    domain.check_may_issue_opinion("requested", deadline, deadline)


def test_an_opinion_one_second_after_14_days_is_too_late():
    deadline = domain.opinion_deadline(NOW, RULES)
    error = refused(domain.check_may_issue_opinion, "requested", deadline,
                    deadline + timedelta(seconds=1))
    assert (error.code, error.status) == ("opinion_deadline_passed", 409)


def test_no_opinion_in_time_lapses_and_counts_as_none():
    deadline = domain.opinion_deadline(NOW, RULES)
    assert not domain.opinion_has_lapsed("requested", deadline, deadline)
    assert domain.opinion_has_lapsed("requested", deadline, deadline + timedelta(seconds=1))
    assert not domain.opinion_has_lapsed("issued", deadline, deadline + timedelta(days=1))
    assert refused(domain.check_may_issue_opinion, "lapsed", deadline, NOW).code \
        == "opinion_deadline_passed"


def test_an_opinion_is_issued_once():
    deadline = domain.opinion_deadline(NOW, RULES)
    assert refused(domain.check_may_issue_opinion, "issued", deadline, NOW).code \
        == "opinion_already_issued"


def test_every_figure_comes_from_the_dated_rules():
    for name in (domain.CONSULTATION_MIN_DAYS, domain.OPINION_DEADLINE_DAYS,
                 domain.COUNCIL_TERM_YEARS, domain.COUNCIL_REQUEST_MIN_SUPPORTERS,
                 domain.COUNCIL_CREATION_DEADLINE_MONTHS):
        entry = RULES.entry(name, NOW.date())
        assert entry.source
    assert RULES.value(domain.CONSULTATION_MIN_DAYS, NOW.date()) == 7
    assert RULES.value(domain.OPINION_DEADLINE_DAYS, NOW.date()) == 14
