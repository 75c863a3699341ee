"""Bookings of city rooms and equipment: in the future, within the longest booking and how
far ahead one may book (dated rules of the city), inside the opening hours, no more people
than the room holds, and approved bookings never overlapping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from registry import cooperation_domain as rules
from registry.cooperation_domain import BookingStatus, Window
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(rules.__file__).with_name("rules.toml"))
CITY = rules.CITY_ZONE
# a Wednesday in winter (UTC+1) and one in summer (UTC+2)
WINTER = datetime(2026, 1, 14, tzinfo=CITY)
SUMMER = datetime(2026, 7, 15, tzinfo=CITY)
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
OFFICE_HOURS = rules.parse_opening_hours(
    [{"day": "wed", "opens": "08:00", "closes": "20:00"},
     {"day": "sat", "opens": "10:00", "closes": "14:00"}])


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def refusal(**kwargs) -> DomainError:
    params = {"starts_at": at(WINTER, 10), "ends_at": at(WINTER, 12), "now": NOW,
              "windows": OFFICE_HOURS, "rules": RULES}
    params.update(kwargs)
    with pytest.raises(DomainError) as caught:
        rules.check_booking(**params)
    return caught.value


def test_a_booking_inside_the_opening_hours_is_accepted():
    rules.check_booking(at(WINTER, 8), at(WINTER, 20), NOW, OFFICE_HOURS, RULES, 40, 40)


def test_opening_hours_are_local_time_of_the_city_in_summer_too():
    summer_now = datetime(2026, 7, 1, tzinfo=UTC)
    # 08:00 in Warsaw in July is 06:00 UTC
    rules.check_booking(datetime(2026, 7, 15, 6, 0, tzinfo=UTC),
                        datetime(2026, 7, 15, 8, 0, tzinfo=UTC), summer_now, OFFICE_HOURS, RULES)
    with pytest.raises(DomainError) as caught:
        rules.check_booking(datetime(2026, 7, 15, 5, 30, tzinfo=UTC),
                            datetime(2026, 7, 15, 7, 0, tzinfo=UTC), summer_now, OFFICE_HOURS,
                            RULES)
    assert caught.value.code == "outside_opening_hours"


def test_a_booking_before_opening_or_after_closing_is_refused():
    assert refusal(starts_at=at(WINTER, 7, 30)).code == "outside_opening_hours"
    assert refusal(ends_at=at(WINTER, 20, 1)).code == "outside_opening_hours"


def test_a_booking_on_a_day_the_resource_is_closed_is_refused():
    thursday = WINTER + timedelta(days=1)
    assert refusal(starts_at=at(thursday, 10), ends_at=at(thursday, 11)).code \
        == "outside_opening_hours"


def test_a_booking_across_midnight_is_refused_unless_open_all_night():
    always = rules.parse_opening_hours([{"day": d, "opens": "00:00", "closes": "24:00"}
                                        for d in rules.WEEKDAYS])
    error = refusal(starts_at=at(WINTER, 22), ends_at=at(WINTER, 23) + timedelta(hours=2),
                    windows=always)
    assert error.code == "outside_opening_hours"
    rules.check_booking(at(WINTER, 22), at(WINTER, 0) + timedelta(days=1), NOW, always, RULES)


def test_no_opening_hours_means_no_limit():
    rules.check_booking(at(WINTER, 3), at(WINTER, 5), NOW, None, RULES)


def test_a_booking_in_the_past_is_refused():
    assert refusal(now=at(WINTER, 10)).code == "booking_in_the_past"


def test_a_booking_ending_before_it_starts_is_refused():
    error = refusal(starts_at=at(WINTER, 12), ends_at=at(WINTER, 10))
    assert (error.code, error.field) == ("invalid_period", "ends_at")


def test_a_booking_longer_than_the_rule_allows_is_refused():
    assert RULES.value(rules.BOOKING_MAX_HOURS, date(2026, 1, 1)) == 12
    rules.check_booking(at(WINTER, 8), at(WINTER, 20), NOW, None, RULES)
    assert refusal(starts_at=at(WINTER, 8), ends_at=at(WINTER, 20, 1), windows=None).code \
        == "booking_too_long"


def test_one_may_not_book_further_ahead_than_the_rule_allows():
    days = RULES.value(rules.BOOKING_MAX_DAYS_AHEAD, NOW.date())
    far = NOW + timedelta(days=days, hours=1)
    assert refusal(starts_at=far, ends_at=far + timedelta(hours=1), windows=None).code \
        == "booking_too_far_ahead"


def test_more_people_than_the_room_holds_is_refused():
    error = refusal(capacity=30, attendees=31)
    assert (error.code, error.field) == ("over_capacity", "attendees")


def test_a_time_without_a_zone_is_refused():
    error = refusal(starts_at=datetime(2026, 1, 14, 10, 0))
    assert error.code == "timezone_required"


@pytest.mark.parametrize(("a", "b", "expected"), [
    ((10, 12), (11, 13), True),
    ((10, 12), (12, 14), False),  # back to back
    ((10, 12), (8, 10), False),
    ((10, 12), (9, 13), True),
    ((10, 12), (10, 12), True),
])
def test_overlap_of_half_open_periods(a, b, expected):
    assert rules.overlaps(at(WINTER, a[0]), at(WINTER, a[1]),
                          at(WINTER, b[0]), at(WINTER, b[1])) is expected


def test_opening_hours_are_validated():
    assert OFFICE_HOURS[0] == Window("wed", 8 * 60, 20 * 60)
    for bad in ([{"day": "mon", "opens": "10:00", "closes": "09:00"}],
                [{"day": "xyz", "opens": "10:00", "closes": "11:00"}],
                [{"day": "mon", "opens": "25:00", "closes": "26:00"}],
                [{"day": "mon", "opens": "08:00", "closes": "12:00"},
                 {"day": "mon", "opens": "11:00", "closes": "13:00"}]):
        with pytest.raises(DomainError) as caught:
            rules.parse_opening_hours(bad)
        assert caught.value.code == "invalid_opening_hours"


def test_the_booking_life_cycle():
    assert rules.approve_booking("requested") is BookingStatus.APPROVED
    assert rules.refuse_booking("requested", "Remont") is BookingStatus.REFUSED
    later = NOW + timedelta(days=1)
    assert rules.cancel_booking("approved", later, NOW) is BookingStatus.CANCELLED
    assert rules.cancel_booking("requested", later, NOW) is BookingStatus.CANCELLED
    for action in (lambda: rules.approve_booking("approved"),
                   lambda: rules.refuse_booking("cancelled", "x"),
                   lambda: rules.cancel_booking("refused", later, NOW)):
        with pytest.raises(DomainError) as caught:
            action()
        assert (caught.value.code, caught.value.status) == ("invalid_transition", 409)


def test_refusing_needs_a_reason_and_a_finished_booking_cannot_be_cancelled():
    with pytest.raises(DomainError) as caught:
        rules.refuse_booking("requested", "  ")
    assert caught.value.code == "reason_required"
    with pytest.raises(DomainError) as caught:
        rules.cancel_booking("approved", NOW - timedelta(minutes=1), NOW)
    assert (caught.value.code, caught.value.status) == ("booking_finished", 409)


def test_booking_hours_count_for_the_annual_report():
    assert rules.booking_hours(at(SUMMER, 10), at(SUMMER, 12, 30)) == 2.5


def test_a_booking_is_approved_only_for_a_time_still_to_come():
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    rules.check_not_started(now + timedelta(minutes=1), now)
    for starts in (now, now - timedelta(days=1)):
        with pytest.raises(DomainError) as refused:
            rules.check_not_started(starts, now)
        assert (refused.value.code, refused.value.status) == ("booking_in_the_past", 409)
