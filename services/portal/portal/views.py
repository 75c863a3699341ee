"""Helpers of the pages: parts that degrade alone, the dictionary of areas, the calendar,
forms and their errors. No rule of the Act lives here: the services decide, the portal shows.
"""

from __future__ import annotations

import calendar as calendar_module
import functools
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Calendar

from portal import formatting
from portal.backend import Backends, Rejected, Unavailable

AREAS_TTL = 600.0  # the dictionary of areas is versioned and changes with the law: rarely


@dataclass
class Parts:
    """The parts of one page: each from its backend, each allowed to fail on its own."""

    unavailable: list[str] = field(default_factory=list)

    def fetch(self, load: Callable[[], Any], default: Any = None) -> Any:
        try:
            return load()
        except Unavailable as exc:
            if exc.what not in self.unavailable:
                self.unavailable.append(exc.what)
            return default


class AreaNames:
    """The registry's dictionary of areas, cached (public, rarely changed, versioned); with
    `path` (and its `params`) another of its public lists of codes and names, the city's
    departments."""

    def __init__(self, ttl: float = AREAS_TTL, path: str = "/api/v1/areas",
                 params: dict[str, Any] | None = None) -> None:
        self.ttl = ttl
        self.path = path
        self.params = params or {}
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.names: dict[str, str] = {}

    def get(self, backends: Backends) -> dict[str, str]:
        if self.names and time.monotonic() - self.loaded_at < self.ttl:
            return self.names
        with self.lock:
            if not self.names or time.monotonic() - self.loaded_at >= self.ttl:
                found = backends.get("registry", self.path, **self.params)
                self.names = {a["code"]: a["name"] for a in found.get("items", [])}
                self.loaded_at = time.monotonic()
        return self.names


AREAS = AreaNames()   # the registry's areas: one cache for every page of the portal


def areas_of(site: Any, parts: Parts) -> dict[str, str]:
    """The areas' names by code (empty, and the page told, when the registry is away)."""
    return parts.fetch(lambda: AREAS.get(site.backends), {}) or {}


# --- the calendar --------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    title: str
    starts: datetime
    ends: datetime | None
    place: str
    all_day: bool
    url: str


@functools.lru_cache(maxsize=4)
def calendar_entries(ics: bytes) -> tuple[Entry, ...]:
    """The public iCalendar feed of the notifications service, as entries in Warsaw time.
    Parsed once per feed: the portal's micro-cache hands the same bytes to every page until
    the feed changes (the entries are frozen, the pages only read them)."""
    entries = []
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND") if event.get("DTEND") else None
        all_day = not isinstance(start, datetime)
        starts = (datetime(start.year, start.month, start.day, tzinfo=formatting.WARSAW)
                  if all_day else formatting.to_datetime(start))
        ends = None
        if end is not None:
            ends = (datetime(end.year, end.month, end.day, tzinfo=formatting.WARSAW)
                    if not isinstance(end, datetime) else formatting.to_datetime(end))
        entries.append(Entry(title=str(event.get("SUMMARY", "")), starts=starts, ends=ends,
                             place=str(event.get("LOCATION", "") or ""), all_day=all_day,
                             url=str(event.get("URL", "") or "")))
    entries.sort(key=lambda e: e.starts)
    return tuple(entries)


def month_grid(year: int, month: int, entries: Sequence[Entry]) -> list[list[dict]]:
    """Weeks (Monday first) of days with their entries; days of other months are None."""
    by_day: dict[date, list[Entry]] = {}
    for entry in entries:
        by_day.setdefault(entry.starts.date(), []).append(entry)
    weeks = []
    for week in calendar_module.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"date": d, "entries": by_day.get(d, [])} if d.month == month else None
                      for d in week])
    return weeks


def shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def upcoming(entries: Sequence[Entry], now: datetime, days: int = 60) -> list[Entry]:
    until = now + timedelta(days=days)
    return [e for e in entries if now <= (e.ends or e.starts) and e.starts <= until]


# --- forms -------------------------------------------------------------------------------------

# marshmallow's default messages, which some APIs still answer in English, as a person reads
# them here: plain Polish that says what to do (PORTAL.md, "Forms")
_POLISH = [
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: f"Wpisz od {m[1]} do {m[2]} znaków."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda m: f"Wpisz co najmniej {m[1]} znaki."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"),
     lambda m: f"Wpisz najwyżej {m[1]} znaków."),
    (re.compile(r"^(Missing data for required field|Field may not be null)\.$"),
     lambda m: "To pole jest wymagane."),
    (re.compile(r"^Not a valid email address\.$"),
     lambda m: "Wpisz adres e-mail, np. nazwa@example.pl."),
    (re.compile(r"^Must be one of: .*\.$"), lambda m: "Wybierz jedną z możliwości z listy."),
    (re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$"),
     lambda m: f"Wpisz liczbę od {m[1]} do {m[2]}."),
    (re.compile(r"^Not a valid (string|date|datetime|integer|list)\.$"),
     lambda m: "Wpisz poprawną wartość."),
]


def polish(message: str) -> str:
    for pattern, say in _POLISH:
        found = pattern.match(message)
        if found:
            return say(found)
    return message


VERSION_FIELD = "wersja"   # an edit form's hidden field: the ETag it was rendered from


@dataclass
class Form:
    """What was typed and what is wrong with it, field by field (the API's 422 `fields`)."""

    fields: tuple[str, ...]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    message: str = ""
    key: str | None = None  # the Idempotency-Key the form was rendered with
    # an edit form's: the record's ETag it was rendered from (the hidden field `wersja`, sent
    # back as If-Match), and after a 412 what the record holds now beside what was typed
    # (portal.workspaces.edited_form)
    version: str | None = None
    conflict: Any = None

    @classmethod
    def read(cls, request, fields: tuple[str, ...], labels: dict[str, str],
             many: tuple[str, ...] = ()) -> Form:
        values: dict[str, Any] = {}
        for name in fields:
            if name in many:
                values[name] = request.form.getlist(name)
            else:
                values[name] = (request.form.get(name) or "").strip()
        return cls(fields=fields, values=values, labels=labels,
                   key=(request.form.get("idempotency_key") or "")[:128] or None,
                   version=(request.form.get(VERSION_FIELD) or "")[:64] or None)

    def require(self, name: str, message: str) -> None:
        if not self.values.get(name):
            self.errors.setdefault(name, []).append(message)

    def reject(self, error: Rejected, items: dict[str, list[str]] | None = None) -> None:
        """Puts the API's messages next to the fields they name; the rest in the summary.
        A nested name (`own_contribution.financial`, `cost_items.0.amount`) goes to the form's
        field of the same path with `_` (`own_contribution_financial`), else to its first
        part's. `items`: a list sent without the form's empty rows, each item's field (`{}`
        stands for the rest of the path): `{"funds": ["fund_culture", ...]}` puts
        `funds.0.amount` at `fund_culture`, `{"tranches": ["tranches_2_{}"]}` puts
        `tranches.0.due_on` at `tranches_2_due_on`."""
        for name, messages in error.fields.items():
            key = name.replace(".", "_")
            path = name.split(".")
            sent = (items or {}).get(path[0], [])
            if len(path) > 1 and path[1].isdigit() and int(path[1]) < len(sent):
                key = sent[int(path[1])].replace("{}", "_".join(path[2:]))
            if key not in self.fields:
                key = path[0]
            self.errors.setdefault(key if key in self.fields else "_form", []).extend(
                polish(m) for m in messages)
        if not error.fields:
            self.message = error.message or "Nie udało się wysłać formularza."

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message

    def summary(self) -> list[tuple[str, str, str]]:
        """(field, label, message) in the form's order, for "Popraw następujące błędy"."""
        found = []
        for name in (*self.fields, "_form"):
            for message in self.errors.get(name, []):
                found.append((name, self.labels.get(name, ""), message))
        return found
