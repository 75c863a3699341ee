"""The NGO's bookings of city rooms and equipment (issue #18, `/moja-organizacja/rezerwacje`):
the resources, a resource's week with its opening hours, the approved bookings and the free
slots between them (a free slot fills the form in), the booking form and the organisation's
own bookings with the department's decision and its reason.

The registry decides: a booking overlapping an approved one, outside the opening hours, too
long or too far ahead is its 409/422, shown next to the field it names. The free slots are
arithmetic over the registry's calendar (opening hours minus approved bookings), not a rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BOOKING_STATUS = {"requested": "Czeka na decyzję wydziału", "approved": "Zatwierdzona",
                  "refused": "Odrzucona", "cancelled": "Anulowana"}
RESOURCE_KIND = {"room": "sala", "equipment": "sprzęt"}
DAYS_SHOWN = 7
BOOKING_FIELDS = ("purpose", "day", "starts_at", "ends_at", "attendees")
BOOKING_LABELS = {"purpose": "Cel rezerwacji", "day": "Dzień", "starts_at": "Od godziny",
                  "ends_at": "Do godziny", "attendees": "Liczba uczestników"}


@dataclass(frozen=True)
class Period:
    starts: datetime
    ends: datetime
    title: str = ""
    status: str = ""


@dataclass(frozen=True)
class Day:
    """One day of a resource's calendar: its opening windows, what is booked, what is free."""

    day: date
    label: str
    open: tuple[Period, ...]
    booked: tuple[Period, ...]
    free: tuple[Period, ...]


def _at(day: date, clock: str) -> datetime:
    if clock == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=formatting.WARSAW)
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=formatting.WARSAW)


def opening(day: date, hours: list[dict] | None) -> list[Period]:
    """The day's opening windows (no opening hours at all: the whole day)."""
    if hours is None:
        return [Period(_at(day, "00:00"), _at(day, "24:00"))]
    weekday = WEEKDAYS[day.weekday()]
    return sorted((Period(_at(day, w["opens"]), _at(day, w["closes"]))
                   for w in hours if w.get("day") == weekday), key=lambda p: p.starts)


def free_between(windows: Iterable[Period], booked: Iterable[Period],
                 after: datetime | None = None) -> list[Period]:
    """The opening windows minus the booked periods (and minus what is already past)."""
    taken = sorted(booked, key=lambda p: p.starts)
    free = []
    for window in windows:
        start = max(window.starts, after) if after else window.starts
        for busy in taken:
            if busy.ends <= start or busy.starts >= window.ends:
                continue
            if busy.starts > start:
                free.append(Period(start, busy.starts))
            start = max(start, busy.ends)
        if start < window.ends:
            free.append(Period(start, window.ends))
    return free


def week(first: date, hours: list[dict] | None, entries: list[dict], now: datetime,
         days: int = DAYS_SHOWN) -> list[Day]:
    """The calendar's days from `first`: booked periods from the registry's calendar entries
    (approved; a department also sees requested ones, which block nothing)."""
    periods = [Period(formatting.to_datetime(e["starts_at"]), formatting.to_datetime(e["ends_at"]),
                      e.get("organization_name") or "", e.get("status", "approved"))
               for e in entries]
    # from the next quarter of an hour, in Warsaw time
    local = now.astimezone(formatting.WARSAW).replace(second=0, microsecond=0)
    after = local + timedelta(minutes=(-local.minute) % 15)
    shown = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        windows = opening(day, hours)
        booked = [p for p in periods
                  if any(p.starts < w.ends and w.starts < p.ends for w in windows)
                  or p.starts.date() == day]
        blocking = [p for p in booked if p.status == "approved"]
        shown.append(Day(day, format_date(day, "EEEE, d MMMM", locale=formatting.LOCALE),
                         tuple(windows), tuple(booked),
                         tuple(free_between(windows, blocking, after=after))))
    return shown


def calendar_range(first: date, days: int = DAYS_SHOWN) -> dict[str, str]:
    start = datetime.combine(first, time(0), tzinfo=formatting.WARSAW)
    return {"from": start.isoformat(), "to": (start + timedelta(days=days)).isoformat()}


def first_day(text: str | None, today: date) -> date:
    try:
        chosen = date.fromisoformat(text or "")
    except ValueError:
        return today
    return max(chosen, today)


def booking_times(form: Form) -> tuple[str | None, str | None]:
    """The API's `starts_at`, `ends_at` (Warsaw time) from the day and the clock times typed;
    a value that is not a date or a time is told at its field (a format, not a rule)."""
    v = form.values
    try:
        day = date.fromisoformat(v["day"])
    except ValueError:
        form.errors.setdefault("day", []).append("Wybierz dzień, np. 2026-12-14.")
        return None, None
    found: list[str | None] = []
    for name in ("starts_at", "ends_at"):
        try:
            clock = v[name]
            if clock != "24:00":
                time.fromisoformat(clock)
            found.append(_at(day, clock).isoformat())
        except ValueError:
            form.errors.setdefault(name, []).append("Wpisz godzinę, np. 10:00.")
            found.append(None)
    return found[0], found[1]


class BookingsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_role`, `_call`, `_items` it
    uses)."""

    @page("GET", "/moja-organizacja/rezerwacje")
    def my_bookings(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        parts = Parts()
        resources = parts.fetch(lambda: self.site.backends.items(
            "registry", "/api/v1/resources"), [])
        listing = self._list(me, request, parts, "registry", "/api/v1/bookings",
                             organization_id=me.org_id)
        own = sorted(listing.items or [], key=lambda b: b["starts_at"], reverse=True)
        return self.site.render(request, "workspace/booking_list.html", parts=parts,
                                resources=resources, own=own, listing=listing,
                                statuses=BOOKING_STATUS,
                                kinds=RESOURCE_KIND, sent=request.args.get("wyslano"),
                                cancelled=request.args.get("zapisano") == "anuluj")

    @page("GET", "/moja-organizacja/rezerwacje/<id>")
    def booking_calendar(self, request: Request, id: str) -> Response:
        self._role(request, "ngo")
        args = request.args
        form = Form(BOOKING_FIELDS, labels=BOOKING_LABELS, values={
            "day": args.get("dzien", ""), "starts_at": args.get("od_godziny", ""),
            "ends_at": args.get("do_godziny", "")})
        return self._booking_calendar(request, id, form)

    def _booking_calendar(self, request: Request, id: str, form: Form,
                          status: int = 200) -> Response:
        resource = self.site.backends.get("registry", f"/api/v1/resources/{id}")
        moment = datetime.now(formatting.WARSAW)
        first = first_day(request.args.get("od"), moment.date())
        parts = Parts()
        found = parts.fetch(lambda: self.site.backends.get(
            "registry", f"/api/v1/resources/{id}/calendar", **calendar_range(first)), {}) or {}
        days = week(first, resource.get("opening_hours"), found.get("items", []), moment)
        return self.site.render(
            request, "workspace/booking_calendar.html", status=status, parts=parts,
            r=resource, days=days, form=form, kinds=RESOURCE_KIND, first=first,
            previous=first - timedelta(days=DAYS_SHOWN) if first > moment.date() else None,
            next=first + timedelta(days=DAYS_SHOWN))

    @page("POST", "/moja-organizacja/rezerwacje/<id>")
    def book(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        form = Form.read(request, BOOKING_FIELDS, BOOKING_LABELS)
        starts_at, ends_at = booking_times(form)
        attendees: int | str | None = form.values["attendees"] or None
        if attendees is not None:
            try:
                attendees = int(str(attendees))
            except ValueError:
                form.errors.setdefault("attendees", []).append("Wpisz liczbę osób, np. 25.")
        return self._submit_as(me, request, form, "registry", f"/api/v1/resources/{id}/bookings",
                               {"organization_id": me.org_id, "purpose": form.values["purpose"],
                                "starts_at": starts_at, "ends_at": ends_at,
                                "attendees": attendees},
                               "/moja-organizacja/rezerwacje?wyslano=1#moje-rezerwacje",
                               lambda status: self._booking_calendar(request, id, form, status))
