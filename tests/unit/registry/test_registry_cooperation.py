"""Patronage, trainings, partnerships and volunteering: the rules as the city applies them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from registry import cooperation_domain as rules
from registry.cooperation_domain import PatronageStatus, RegistrationStatus, TrainingStatus
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(rules.__file__).with_name("rules.toml"))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def code_of(action) -> tuple[str, int]:
    with pytest.raises(DomainError) as caught:
        action()
    return caught.value.code, caught.value.status


# --- patronage ---------------------------------------------------------------------------


def test_patronage_is_asked_for_at_least_the_days_the_city_requires_before_the_event():
    days = RULES.value(rules.PATRONAGE_MIN_DAYS_BEFORE, NOW.date())
    assert days == 14
    in_time = NOW + timedelta(days=days)
    rules.check_patronage_request(in_time, in_time + timedelta(hours=3), NOW, RULES)
    late = in_time - timedelta(minutes=1)
    assert code_of(lambda: rules.check_patronage_request(late, late + timedelta(hours=1), NOW,
                                                         RULES)) == ("request_too_late", 422)


def test_patronage_for_a_past_event_or_one_ending_before_it_starts_is_refused():
    past = NOW - timedelta(days=1)
    assert code_of(lambda: rules.check_patronage_request(past, NOW, NOW, RULES))[0] \
        == "event_in_the_past"
    later = NOW + timedelta(days=30)
    assert code_of(lambda: rules.check_patronage_request(later, later, NOW, RULES))[0] \
        == "invalid_period"


def test_the_officer_grants_or_refuses_with_a_reason_once():
    assert rules.grant_patronage("requested") is PatronageStatus.GRANTED
    assert rules.refuse_patronage("requested", "Wydarzenie komercyjne") is \
        PatronageStatus.REFUSED
    assert code_of(lambda: rules.refuse_patronage("requested", " ")) == ("reason_required", 422)
    assert code_of(lambda: rules.grant_patronage("refused")) == ("invalid_transition", 409)
    assert code_of(lambda: rules.refuse_patronage("granted", "x")) == ("invalid_transition", 409)


# --- trainings ---------------------------------------------------------------------------


def test_a_seat_while_one_is_free_then_the_waiting_list():
    assert rules.place_for(3, 0) is RegistrationStatus.REGISTERED
    assert rules.place_for(3, 2) is RegistrationStatus.REGISTERED
    assert rules.place_for(3, 3) is RegistrationStatus.WAITLISTED


# art. 5 ust. 3 of the Act: cooperation on the principles of partnership, fair competition
# and openness; the city's trainings serve organisations first come, first served


def test_art_5_3_whoever_registers_takes_the_next_queue_number_and_a_free_seat_or_waits():
    full = rules.Seating(seats=2, seats_taken=1, waiting=0, queue_length=1)

    status, seating = rules.join(full)
    assert status is RegistrationStatus.REGISTERED
    assert seating == rules.Seating(seats=2, seats_taken=2, waiting=0, queue_length=2)

    status, seating = rules.join(seating)
    assert status is RegistrationStatus.WAITLISTED
    assert seating == rules.Seating(seats=2, seats_taken=2, waiting=1, queue_length=3)


def test_art_5_3_a_freed_seat_goes_to_the_first_waiting_not_to_whoever_comes_next():
    seating = rules.Seating(seats=2, seats_taken=2, waiting=1, queue_length=3)

    after, promoted = rules.leave(seating, RegistrationStatus.REGISTERED, someone_waiting=True)

    assert promoted is True
    assert (after.seats_taken, after.waiting) == (2, 0)


def test_art_5_3_a_freed_seat_with_nobody_waiting_is_free_again():
    seating = rules.Seating(seats=2, seats_taken=2, waiting=0, queue_length=2)

    after, promoted = rules.leave(seating, "registered", someone_waiting=False)

    assert (promoted, after.seats_taken, after.waiting) == (False, 1, 0)


def test_art_5_3_leaving_the_waiting_list_shortens_it_and_frees_no_seat():
    seating = rules.Seating(seats=1, seats_taken=1, waiting=2, queue_length=3)

    after, promoted = rules.leave(seating, RegistrationStatus.WAITLISTED, someone_waiting=True)

    assert (promoted, after.seats_taken, after.waiting) == (False, 1, 1)


def test_an_unregistered_person_holds_no_place_to_leave():
    with pytest.raises(ValueError):
        rules.leave(rules.Seating(1, 0, 0, 1), RegistrationStatus.UNREGISTERED, False)


def test_a_seat_count_out_of_range_is_a_bug_not_a_seat():
    with pytest.raises(ValueError):
        rules.place_for(3, 4)
    with pytest.raises(ValueError):
        rules.place_for(3, -1)


def test_one_registers_for_a_published_training_that_has_not_started():
    starts = NOW + timedelta(hours=1)
    rules.open_for_registration("published", starts, NOW)
    assert code_of(lambda: rules.open_for_registration("cancelled", starts, NOW)) \
        == ("training_cancelled", 409)
    assert code_of(lambda: rules.open_for_registration("published", NOW, NOW)) \
        == ("training_started", 409)


def test_a_training_is_published_for_the_future():
    rules.check_training(NOW + timedelta(days=1), NOW + timedelta(days=1, hours=2), NOW)
    assert code_of(lambda: rules.check_training(NOW, NOW + timedelta(hours=1), NOW))[0] \
        == "training_in_the_past"


def test_attendance_is_recorded_once_the_training_started():
    rules.check_attendance("published", NOW, NOW)
    assert code_of(lambda: rules.check_attendance("published", NOW + timedelta(minutes=1),
                                                  NOW)) == ("training_not_started", 409)
    assert code_of(lambda: rules.check_attendance("cancelled", NOW, NOW))[0] \
        == "training_cancelled"


def test_a_training_is_called_off_with_a_reason_once():
    assert rules.cancel_training("published", "Choroba") is TrainingStatus.CANCELLED
    assert code_of(lambda: rules.cancel_training("published", "")) == ("reason_required", 422)
    assert code_of(lambda: rules.cancel_training("cancelled", "x")) == \
        ("invalid_transition", 409)


# --- partnerships and volunteering -------------------------------------------------------

CITY = {"kind": "city", "organization_id": None}
A = {"kind": "organization", "organization_id": "665f1c2a9b1e8a0012345678"}
B = {"kind": "organization", "organization_id": "665f1c2a9b1e8a0012345679"}


def test_a_partnership_has_at_least_two_different_parties():
    rules.check_partnership([CITY, A], date(2026, 1, 1), None)
    rules.check_partnership([A, B], date(2026, 1, 1), date(2026, 1, 1))
    assert code_of(lambda: rules.check_partnership([A], date(2026, 1, 1), None))[0] \
        == "too_few_parties"
    assert code_of(lambda: rules.check_partnership([A, dict(A)], date(2026, 1, 1), None))[0] \
        == "duplicate_party"
    assert code_of(lambda: rules.check_partnership([A, B], date(2026, 1, 2),
                                                   date(2026, 1, 1)))[0] == "invalid_period"


def test_a_volunteering_need_is_not_over_already():
    today = date(2026, 3, 2)
    rules.check_volunteering(None, None, today)
    rules.check_volunteering(today, today, today)
    assert code_of(lambda: rules.check_volunteering(None, date(2026, 3, 1), today))[0] \
        == "in_the_past"
    assert code_of(lambda: rules.check_volunteering(date(2026, 4, 2), date(2026, 4, 1),
                                                    today))[0] == "invalid_period"


def test_attendance_is_of_seats_held_each_once_in_order():
    statuses = {"r2": "registered", "r1": "registered", "r3": "waitlisted"}
    assert rules.check_attended(["r2", "r1", "r2"], statuses) == ["r1", "r2"]
    with pytest.raises(DomainError) as refused:
        rules.check_attended(["r1", "r3", "r9"], statuses)
    assert (refused.value.code, refused.value.field) == ("not_registered", "attended")
    assert "r3, r9" in refused.value.message


def test_attendance_counts_per_organisation_its_seats_and_who_came_without_names():
    """Issue #22: an organisation's history counts the trainings its people attended."""
    seats = [{"_id": "r1", "organization_id": "org-b"}, {"_id": "r2", "organization_id": "org-a"},
             {"_id": "r3", "organization_id": "org-b"}, {"_id": "r4", "organization_id": None}]
    assert rules.attendance_by_organization(seats, ["r1", "r4"]) == [
        {"organization_id": "org-a", "registered": 1, "attended": 0},
        {"organization_id": "org-b", "registered": 2, "attended": 1}]
    assert rules.attendance_by_organization([], []) == []


def test_the_day_is_the_citys_day_not_utcs():
    """At 00:30 in Warsaw on 8 December it is still 7 December in UTC: a volunteering post
    running "to 7 December" has ended, and the rules in force are those of 8 December."""
    half_past_midnight_in_warsaw = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert rules.city_date(half_past_midnight_in_warsaw) == date(2026, 12, 8)
    assert code_of(lambda: rules.check_volunteering(
        None, date(2026, 12, 7), rules.city_date(half_past_midnight_in_warsaw)))[0] \
        == "in_the_past"
    # summer time: from midnight to 02:00 in Warsaw
    assert rules.city_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == date(2026, 7, 2)
