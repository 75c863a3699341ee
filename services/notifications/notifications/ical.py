"""iCalendar feeds (RFC 5545) of meetings, deadlines and city events, built with `icalendar`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

PRODID = "-//wspolpraca//powiadomienia//PL"
DEFAULT_DURATION = timedelta(hours=1)
KIND_CATEGORIES = {
    "event": "Wydarzenie", "training": "Szkolenie", "meeting": "Spotkanie",
    "deadline": "Termin", "council_meeting": "Posiedzenie rady",
    "consultation_meeting": "Spotkanie konsultacyjne", "booking": "Rezerwacja",
}


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def build_calendar(entries: Iterable[Mapping[str, Any]], name: str, now: datetime,
                   domain: str = "wspolpraca") -> bytes:
    """The feed of `entries` in their order; `now` is every event's DTSTAMP (the feed's
    last change, so that one version renders to the same bytes everywhere)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for entry in entries:
        event = Event()
        event.add("uid", f"{entry['_id']}@{domain}")
        event.add("dtstamp", _utc(now))
        starts = _utc(entry["starts_at"])
        event.add("dtstart", starts)
        if entry.get("kind") == "deadline" and not entry.get("ends_at"):
            event.add("dtend", starts)
        else:
            event.add("dtend", _utc(entry["ends_at"]) if entry.get("ends_at")
                      else starts + DEFAULT_DURATION)
        event.add("summary", entry["title"])
        if entry.get("location"):
            event.add("location", entry["location"])
        if entry.get("description"):
            event.add("description", entry["description"])
        event.add("categories", [KIND_CATEGORIES.get(entry.get("kind", "event"), "Wydarzenie")])
        calendar.add_component(event)
    return calendar.to_ical()
