"""A resource's week in the portal: the opening hours minus the approved bookings are the free
slots (arithmetic over the registry's calendar: the registry decides every booking), and the
form's day and clock times become the API's Warsaw times."""

from datetime import UTC, date, datetime

from portal import bookings
from portal.views import Form

HOURS = [{"day": "mon", "opens": "08:00", "closes": "20:00"},
         {"day": "sat", "opens": "10:00", "closes": "16:00"}]
MONDAY = date(2026, 12, 14)
EARLIER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def clocks(periods) -> list[tuple[str, str]]:
    return [(p.starts.strftime("%H:%M"), p.ends.strftime("%H:%M")) for p in periods]


def test_an_approved_booking_splits_the_opening_window_into_free_slots() -> None:
    # 10:00-12:00 Warsaw time is 09:00-11:00 UTC in December
    entries = [{"starts_at": "2026-12-14T09:00:00+00:00", "ends_at": "2026-12-14T11:00:00+00:00",
                "organization_name": "Fundacja A", "status": "approved"}]
    [monday] = bookings.week(MONDAY, HOURS, entries, EARLIER, days=1)
    assert clocks(monday.open) == [("08:00", "20:00")]
    assert clocks(monday.booked) == [("10:00", "12:00")]
    assert clocks(monday.free) == [("08:00", "10:00"), ("12:00", "20:00")]
    assert monday.label == "poniedziałek, 14 grudnia"


def test_a_requested_booking_is_shown_but_blocks_nothing() -> None:
    entries = [{"starts_at": "2026-12-14T09:00:00+00:00", "ends_at": "2026-12-14T11:00:00+00:00",
                "status": "requested"}]
    [monday] = bookings.week(MONDAY, HOURS, entries, EARLIER, days=1)
    assert len(monday.booked) == 1
    assert clocks(monday.free) == [("08:00", "20:00")]


def test_a_closed_day_has_no_free_slot_and_no_hours_means_the_whole_day() -> None:
    sunday = date(2026, 12, 13)
    [closed] = bookings.week(sunday, HOURS, [], EARLIER, days=1)
    assert closed.open == () and closed.free == ()
    [always] = bookings.week(sunday, None, [], EARLIER, days=1)
    assert clocks(always.free) == [("00:00", "00:00")]
    assert always.free[0].ends.date() == date(2026, 12, 14)


def test_what_is_past_is_not_free() -> None:
    now = datetime(2026, 12, 14, 14, 7, 30, tzinfo=UTC)   # 15:07:30 in Warsaw
    [monday] = bookings.week(MONDAY, HOURS, [], now, days=1)
    assert clocks(monday.free) == [("15:15", "20:00")]   # from the next quarter of an hour


def test_the_form_becomes_the_apis_warsaw_times_and_a_bad_time_is_told_at_its_field() -> None:
    form = Form(bookings.BOOKING_FIELDS, values={"day": "2026-12-14", "starts_at": "10:00",
                                                 "ends_at": "12:30"})
    assert bookings.booking_times(form) == ("2026-12-14T10:00:00+01:00",
                                            "2026-12-14T12:30:00+01:00")
    wrong = Form(bookings.BOOKING_FIELDS, values={"day": "2026-12-14", "starts_at": "dziesiąta",
                                                  "ends_at": "12:30"})
    assert bookings.booking_times(wrong)[0] is None
    assert wrong.errors == {"starts_at": ["Wpisz godzinę, np. 10:00."]}


def test_the_first_day_shown_is_never_in_the_past() -> None:
    today = date(2026, 12, 7)
    assert bookings.first_day("2026-12-01", today) == today
    assert bookings.first_day("2026-12-21", today) == date(2026, 12, 21)
    assert bookings.first_day("jutro", today) == today
