"""Rules of non-financial cooperation: city rooms and equipment lent to organisations,
the mayor's patronage, trainings and city events, partnerships and volunteering.

Pure Python, no I/O. Times are aware datetimes; opening hours are local time of the
city (Europe/Warsaw). Every refusal is a `DomainError` naming the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from wspolpraca.enums import LabelledEnum
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules
from wspolpraca.transitions import status_change, transition

S = TypeVar("S", bound=StrEnum)

CITY_ZONE = ZoneInfo("Europe/Warsaw")


def city_date(moment: datetime) -> date:
    """The day it is in the city at `moment`: a deadline "by" a day, and the rules in force
    on a day, are the city's days, not UTC's (which is still the day before from midnight
    to 01:00 in winter and 02:00 in summer)."""
    return moment.astimezone(CITY_ZONE).date()


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$|^24:00$")

BOOKING_MAX_HOURS = "booking_max_hours"
BOOKING_MAX_DAYS_AHEAD = "booking_max_days_ahead"
PATRONAGE_MIN_DAYS_BEFORE = "patronage_min_days_before_event"


def _aware(moment: datetime, field: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError("timezone_required", "Podaj czas ze strefą czasową.", field=field)


def check_period(starts_at: datetime, ends_at: datetime) -> None:
    """An event or booking that ends after it starts (both with a timezone)."""
    _aware(starts_at, "starts_at")
    _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise DomainError("invalid_period", "Koniec musi być później niż początek.",
                          field="ends_at")


def check_in_future(starts_at: datetime, now: datetime, code: str = "in_the_past") -> None:
    if starts_at <= now:
        raise DomainError(code, "Termin już minął: podaj czas w przyszłości.",
                          field="starts_at")


# --- opening hours ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """One opening window on a weekday, in minutes after local midnight."""

    day: str
    opens: int
    closes: int


def _minutes(clock: str, field: str) -> int:
    if not isinstance(clock, str) or not _CLOCK.match(clock):
        raise DomainError("invalid_opening_hours", f"Godzina „{clock}” nie ma postaci GG:MM.",
                          field=field)
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def parse_opening_hours(entries: Iterable[Mapping[str, str]]) -> list[Window]:
    """Opening windows `{day: "mon", opens: "08:00", closes: "20:00"}`: each opens before
    it closes; windows of one day do not overlap. "24:00" closes at midnight."""
    windows: list[Window] = []
    for index, entry in enumerate(entries):
        field = f"opening_hours.{index}"
        day = entry.get("day")
        if day not in WEEKDAYS:
            raise DomainError("invalid_opening_hours", f"Nieznany dzień tygodnia: „{day}”.",
                              field=f"{field}.day")
        opens = _minutes(entry.get("opens"), f"{field}.opens")
        closes = _minutes(entry.get("closes"), f"{field}.closes")
        if closes <= opens:
            raise DomainError("invalid_opening_hours",
                              "Godzina zamknięcia musi być późniejsza niż otwarcia.",
                              field=f"{field}.closes")
        windows.append(Window(day, opens, closes))
    ordered = sorted(windows, key=lambda w: (WEEKDAYS.index(w.day), w.opens))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if earlier.day == later.day and later.opens < earlier.closes:
            raise DomainError("invalid_opening_hours",
                              f"Godziny otwarcia w dniu „{later.day}” nakładają się.",
                              field="opening_hours")
    return ordered


def within_opening_hours(starts_at: datetime, ends_at: datetime,
                         windows: Iterable[Window] | None) -> bool:
    """Whether [starts_at, ends_at) lies inside one opening window of a local day.

    No opening hours at all (None) means the resource has no limits.
    """
    if windows is None:
        return True
    local_start = starts_at.astimezone(CITY_ZONE)
    local_end = ends_at.astimezone(CITY_ZONE)
    start = local_start.hour * 60 + local_start.minute + local_start.second / 60
    end = local_end.hour * 60 + local_end.minute + local_end.second / 60
    if local_end.date() != local_start.date():
        if local_end.date() == local_start.date() + timedelta(days=1) and end == 0:
            end = 24 * 60  # ends exactly at midnight
        else:
            return False
    day = WEEKDAYS[local_start.weekday()]
    return any(w.day == day and w.opens <= start and end <= w.closes for w in windows)


# --- resources and bookings ------------------------------------------------------------


class ResourceKind(StrEnum):
    ROOM = "room"
    EQUIPMENT = "equipment"


class BookingStatus(LabelledEnum):
    REQUESTED = "requested", "złożona"
    APPROVED = "approved", "zatwierdzona"
    REFUSED = "refused", "odrzucona"
    CANCELLED = "cancelled", "anulowana"


def booking_hours(starts_at: datetime, ends_at: datetime) -> float:
    """The length of a booking in hours (two decimals), for the annual report."""
    return round((ends_at - starts_at).total_seconds() / 3600, 2)


def check_booking(starts_at: datetime, ends_at: datetime, now: datetime,
                  windows: Iterable[Window] | None, rules: DatedRules,
                  capacity: int | None = None, attendees: int | None = None) -> None:
    """A booking request: in the future, not longer than the longest booking nor further
    ahead than one may book (both dated rules), inside the opening hours, and for no more
    people than the room holds."""
    check_period(starts_at, ends_at)
    check_in_future(starts_at, now, "booking_in_the_past")
    max_hours = rules.value(BOOKING_MAX_HOURS, city_date(now))
    if ends_at - starts_at > timedelta(hours=max_hours):
        raise DomainError("booking_too_long",
                          f"Rezerwacja może trwać najwyżej {max_hours} godz.", field="ends_at")
    days_ahead = rules.value(BOOKING_MAX_DAYS_AHEAD, city_date(now))
    if starts_at > now + timedelta(days=days_ahead):
        raise DomainError("booking_too_far_ahead",
                          f"Można rezerwować najwyżej {days_ahead} dni naprzód.",
                          field="starts_at")
    if not within_opening_hours(starts_at, ends_at, windows):
        raise DomainError("outside_opening_hours",
                          "Rezerwacja wykracza poza godziny otwarcia zasobu.",
                          field="starts_at")
    if capacity is not None and attendees is not None and attendees > capacity:
        raise DomainError("over_capacity",
                          f"Sala mieści najwyżej {capacity} osób.", field="attendees")


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Two half-open periods share a moment (one ending when the other starts do not)."""
    return a_start < b_end and b_start < a_end


def _refusal(action_pl: str) -> str:
    return f"Nie można {action_pl}: status „{{label}}”."


def _transition(current: StrEnum, allowed: Iterable[StrEnum], target: S, action_pl: str) -> S:
    return transition(current, allowed, target, _refusal(action_pl))


approve_booking = status_change(
    BookingStatus, {BookingStatus.REQUESTED}, BookingStatus.APPROVED,
    _refusal("zatwierdzić rezerwacji"),
    doc="requested → approved (the overlap with approved bookings is checked apart).")


def check_not_started(starts_at: datetime, now: datetime) -> None:
    """A booking is approved only for a time still to come."""
    if starts_at <= now:
        raise DomainError("booking_in_the_past", "Termin rezerwacji już minął.", status=409)


refuse_booking = status_change(
    BookingStatus, {BookingStatus.REQUESTED}, BookingStatus.REFUSED,
    _refusal("odrzucić rezerwacji"), reason=True, doc="requested → refused, with a reason.")


def cancel_booking(status: BookingStatus | str, ends_at: datetime,
                   now: datetime) -> BookingStatus:
    """requested or approved → cancelled, while the booking has not ended."""
    target = _transition(BookingStatus(status),
                         {BookingStatus.REQUESTED, BookingStatus.APPROVED},
                         BookingStatus.CANCELLED, "anulować rezerwacji")
    if ends_at <= now:
        raise DomainError("booking_finished", "Rezerwacja już się zakończyła.", status=409)
    return target


# --- patronage and promotion -----------------------------------------------------------


class PatronageKind(StrEnum):
    PATRONAGE = "patronage"  # the mayor's honorary patronage
    PROMOTION = "promotion"  # the city promotes the event


class PatronageStatus(LabelledEnum):
    REQUESTED = "requested", "złożony"
    GRANTED = "granted", "przyznany"
    REFUSED = "refused", "odmowa"


def check_patronage_request(starts_at: datetime, ends_at: datetime, now: datetime,
                            rules: DatedRules) -> None:
    """An event that ends after it starts and starts at least the number of days after the
    request that the city's rules ask for (so the office can decide in time)."""
    check_period(starts_at, ends_at)
    check_in_future(starts_at, now, "event_in_the_past")
    days = rules.value(PATRONAGE_MIN_DAYS_BEFORE, city_date(now))
    if starts_at < now + timedelta(days=days):
        raise DomainError("request_too_late",
                          f"O patronat trzeba prosić co najmniej {days} dni przed wydarzeniem.",
                          field="starts_at")


grant_patronage = status_change(PatronageStatus, {PatronageStatus.REQUESTED},
                                PatronageStatus.GRANTED, _refusal("przyznać patronatu"))
refuse_patronage = status_change(PatronageStatus, {PatronageStatus.REQUESTED},
                                 PatronageStatus.REFUSED, _refusal("odmówić patronatu"),
                                 reason=True)


# --- trainings and city events ---------------------------------------------------------


class TrainingKind(StrEnum):
    TRAINING = "training"
    CONSULTANCY = "consultancy"  # consultancy hours (legal, accounting, ...)
    EVENT = "event"  # a city event such as an NGO fair


class TrainingStatus(StrEnum):
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    UNREGISTERED = "unregistered"


ACTIVE_REGISTRATION = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED})


def check_training(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    check_period(starts_at, ends_at)
    check_in_future(starts_at, now, "training_in_the_past")


def open_for_registration(status: TrainingStatus | str, starts_at: datetime,
                          now: datetime) -> None:
    """One registers (or unregisters) for a published training that has not started."""
    if TrainingStatus(status) is not TrainingStatus.PUBLISHED:
        raise DomainError("training_cancelled", "Szkolenie odwołano.", status=409)
    if starts_at <= now:
        raise DomainError("training_started", "Szkolenie już się rozpoczęło.", status=409)


def place_for(seats: int, seats_taken: int) -> RegistrationStatus:
    """A seat while one is free, else a place on the waiting list."""
    if seats_taken < 0 or seats_taken > seats:
        raise ValueError(f"seats taken {seats_taken} out of range 0..{seats}")
    return RegistrationStatus.REGISTERED if seats_taken < seats \
        else RegistrationStatus.WAITLISTED


@dataclass(frozen=True, slots=True)
class Seating:
    """A training's places: its seats, the seats taken, the waiting list's length and how
    many ever queued (the next queue number)."""

    seats: int
    seats_taken: int
    waiting: int
    queue_length: int

    @classmethod
    def of(cls, training: Mapping[str, int]) -> Seating:
        return cls(training["seats"], training["seats_taken"], training["waiting"],
                   training["queue_length"])

    def fields(self) -> dict[str, int]:
        return {"seats": self.seats, "seats_taken": self.seats_taken,
                "waiting": self.waiting, "queue_length": self.queue_length}


def join(seating: Seating) -> tuple[RegistrationStatus, Seating]:
    """Whoever registers queues up (takes the next queue number) and gets a seat while one
    is free, else a place on the waiting list: first come, first served, so every
    organisation has the same access to the city's support (art. 5 ust. 3 of the Act:
    cooperation on the principles of partnership, fair competition and openness)."""
    status = place_for(seating.seats, seating.seats_taken)
    taken = seating.seats_taken + (status is RegistrationStatus.REGISTERED)
    waiting = seating.waiting + (status is RegistrationStatus.WAITLISTED)
    return status, Seating(seating.seats, taken, waiting, seating.queue_length + 1)


def leave(seating: Seating, leaving: RegistrationStatus | str,
          someone_waiting: bool) -> tuple[Seating, bool]:
    """Someone unregisters: a seat they free goes to the first on the waiting list, who is
    promoted (True); with nobody waiting the seat is free again. Leaving the waiting list
    shortens it. The order of the queue is kept (art. 5 ust. 3: fair competition)."""
    leaving = RegistrationStatus(leaving)
    if leaving is RegistrationStatus.REGISTERED and someone_waiting:
        return replace(seating, waiting=seating.waiting - 1), True
    if leaving is RegistrationStatus.REGISTERED:
        return replace(seating, seats_taken=seating.seats_taken - 1), False
    if leaving is RegistrationStatus.WAITLISTED:
        return replace(seating, waiting=seating.waiting - 1), False
    raise ValueError(f"{leaving} holds no place")


cancel_training = status_change(TrainingStatus, {TrainingStatus.PUBLISHED},
                                TrainingStatus.CANCELLED, _refusal("odwołać szkolenia"),
                                reason=True)


def check_attendance(status: TrainingStatus | str, starts_at: datetime,
                     now: datetime) -> None:
    """Attendance is recorded for a training that took place (has started)."""
    if TrainingStatus(status) is not TrainingStatus.PUBLISHED:
        raise DomainError("training_cancelled", "Szkolenie odwołano.", status=409)
    if starts_at > now:
        raise DomainError("training_not_started",
                          "Obecność odnotowuje się po rozpoczęciu szkolenia.", status=409)


def check_attended(attended: Iterable[str], statuses: Mapping[str, str]) -> list[str]:
    """Who attended, by registration id: each must hold a seat (`statuses`: the status of
    every registration found); the rest of the seats are marked absent. Sorted, once each."""
    chosen = sorted(set(attended))
    wrong = [a for a in chosen if statuses.get(a) != RegistrationStatus.REGISTERED.value]
    if wrong:
        raise DomainError("not_registered",
                          "Te osoby nie mają miejsca na szkoleniu: " + ", ".join(wrong),
                          field="attended")
    return chosen


def attendance_by_organization(seats: Iterable[Mapping[str, Any]],
                               attended: Iterable[str]) -> list[dict[str, Any]]:
    """Per organisation its people holding a seat and those of them who attended (an
    organisation's cooperation counts the trainings it attended; no names, only numbers).
    `seats`: the registrations holding a seat (`_id`, `organization_id`); people registered
    for no organisation are left out. Sorted by organisation."""
    present = set(attended)
    counts: dict[str, dict[str, Any]] = {}
    for seat in seats:
        organization_id = seat.get("organization_id")
        if not organization_id:
            continue
        row = counts.setdefault(organization_id, {"organization_id": organization_id,
                                                  "registered": 0, "attended": 0})
        row["registered"] += 1
        row["attended"] += seat["_id"] in present
    return [counts[k] for k in sorted(counts)]


# --- partnerships and volunteering -----------------------------------------------------


class PartnershipKind(StrEnum):
    AGREEMENT = "agreement"  # a partnership agreement
    JOINT_PROJECT = "joint_project"


def check_partnership(parties: list[Mapping[str, object]], starts_on: date,
                      ends_on: date | None) -> None:
    """At least two different parties; an end date, if any, not before the start."""
    keys = [(p.get("kind"), p.get("organization_id") or p.get("name")) for p in parties]
    if len(parties) < 2:
        raise DomainError("too_few_parties", "Partnerstwo ma co najmniej dwie strony.",
                          field="parties")
    if len(set(keys)) != len(keys):
        raise DomainError("duplicate_party", "Ta sama strona podana dwa razy.",
                          field="parties")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("invalid_period", "Koniec nie może być przed początkiem.",
                          field="ends_on")


def check_volunteering(starts_on: date | None, ends_on: date | None, today: date) -> None:
    if ends_on is not None and ends_on < today:
        raise DomainError("in_the_past", "Termin już minął.", field="ends_on")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise DomainError("invalid_period", "Koniec nie może być przed początkiem.",
                          field="ends_on")
