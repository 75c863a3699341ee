"""Which channels carry each event type, and to whom (issue 23), in words.

A department meets an event two ways: on a RabbitMQ queue `dept.<code>.<purpose>` (the
standard purposes of `wspolpraca.departments`, given by the operators' `wspolpraca-admin
department-queues`, or a queue of `infra/rabbitmq/definitions.json`), and by subscription
on this service (webhook, email, inbox), to whom `audience.RULES` allows. This module says
it per event type in two places, both generated and checked by
`tests/contract/test_notifications_catalogue_audience.py`:

- the event catalogue: each channel of `infra/asyncapi/asyncapi.yaml` gets a `description`
  (the portal's catalogue page, `/dla-deweloperow/zdarzenia`, shows it with the event);
- `docs/departments.md`: one table, between the marks `<!-- channels: begin -->` and
  `<!-- channels: end -->`.

Regenerate both with

    .venv/bin/python -m notifications.carriers
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping, Sequence

from notifications import audience
from notifications.personal_data import CATALOGUE
from wspolpraca.departments import LIAISON_OFFICE, STANDARD_PURPOSES

ROOT = CATALOGUE.parents[2]
DEFINITIONS = ROOT / "infra" / "rabbitmq" / "definitions.json"
DEPARTMENTS_GUIDE = ROOT / "docs" / "departments.md"
TABLE_BEGIN = "<!-- channels: begin -->"
TABLE_END = "<!-- channels: end -->"
WIDTH = 94


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` any number of words."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])
    return match(pattern.split("."), routing_key.split("."))


def split_type(event_type: str) -> tuple[str, str]:
    """(exchange, routing key) of a CloudEvent type: `registry.booking.requested` is
    published to `registry.events` with `booking.requested`."""
    service, routing_key = event_type.split(".", 1)
    return f"{service}.events", routing_key


def standard_purposes(event_type: str) -> list[str]:
    exchange, routing_key = split_type(event_type)
    return [purpose for purpose, (source, pattern) in STANDARD_PURPOSES.items()
            if source == exchange and topic_matches(pattern, routing_key)]


def declared_queues(event_type: str, definitions: Mapping | None = None) -> list[str]:
    """The department queues of definitions.json bound to this type."""
    if definitions is None:
        definitions = json.loads(DEFINITIONS.read_text(encoding="utf-8"))
    exchange, routing_key = split_type(event_type)
    return sorted({b["destination"] for b in definitions.get("bindings", ())
                   if b.get("destination", "").startswith("dept.")
                   and b.get("source") == exchange
                   and topic_matches(b.get("routing_key", ""), routing_key)})


class _NoCompetitions:
    def department_of(self, competition_id: str) -> str | None:
        return None

    def committee(self, competition_id: str) -> list[str]:
        return []


def office_runs_for_all(event_type: str) -> bool:
    """Is an event of this type that the liaison office runs itself (a competition naming
    `liaison_office`) every department's?"""
    rule = audience.RULES[event_type]
    return rule.department is not None and rule.department(
        {"department": LIAISON_OFFICE}, _NoCompetitions()) is audience.CITY_WIDE


def department_subscription(event_type: str) -> str:
    """What a department's own subscription (`for_department: true`) receives of a type."""
    rule = audience.RULES[event_type]
    if not rule.deliverable:
        return "refused (422 `undeliverable_event_type`)"
    if rule.department is None:
        return "all (city-wide)"
    if office_runs_for_all(event_type):
        return "its own department's and those the liaison office runs itself (city-wide)"
    return "its own department's only"


def queue_in_words(event_type: str, definitions: Mapping | None = None) -> str:
    purposes = standard_purposes(event_type)
    if not purposes:
        return ("none of the standard queues (ask the platform's operators: "
                "docs/departments.md, \"Getting a queue\")")
    exchange, _ = split_type(event_type)
    named = ", ".join(f"`dept.<code>.{p}` (bound to `{exchange}` by "
                      f"`{STANDARD_PURPOSES[p][1]}`)" for p in purposes)
    if audience.RULES[event_type].department is None:
        scope = "city-wide: the kit's `--department <code>` handles it for every department"
    else:
        kept = department_subscription(event_type).removesuffix(" only")
        scope = f"every department's; the kit's `--department <code>` keeps {kept}"
    text = f"{named}, the event whole ({scope})"
    declared = declared_queues(event_type, definitions)
    if declared:
        text += "; declared now: " + ", ".join(f"`{q}`" for q in declared)
    return text


def description(event_type: str, personal: Mapping[str, Sequence[str]],
                definitions: Mapping | None = None) -> str:
    """The catalogue channel's description: the channels that carry the type, and to whom."""
    staff, others = audience.receivers(event_type)
    parts = [f"**Department queues:** {queue_in_words(event_type, definitions)}."]
    if audience.RULES[event_type].deliverable:
        parts.append(f"**By subscription** (webhook, email or inbox; `POST "
                     f"/api/v1/subscriptions` with `event_types: [\"{event_type}\"]`): "
                     "staff (officer, admin, department) receive every one; a department's "
                     "own subscription (`for_department`, the default for a department's "
                     f"token) {department_subscription(event_type)}; others (NGOs, committee "
                     f"members, persons): {others}.")
    else:
        parts.append(f"**By subscription:** {staff}.")
    removed = personal.get(event_type, ())
    if removed:
        parts.append("**Removed for anyone who is not staff:** "
                     + ", ".join(f"`{p}`" for p in removed) + ".")
    if audience.told_by_default(event_type):
        parts.append("**Told without subscribing:** its addressees (docs/notifications.md, "
                     "\"Who hears without subscribing\").")
    return "\n\n".join(textwrap.fill(p, WIDTH, break_long_words=False,
                                     break_on_hyphens=False) for p in parts)


# --- the catalogue -------------------------------------------------------------------------

CHANNEL = re.compile(r"^  (\S+):$")


def catalogue_types(text: str) -> list[str]:
    """The event types of the catalogue's channels (a channel per type, named after it)."""
    body = text.split("\nchannels:\n", 1)[1].split("\noperations:\n", 1)[0]
    return [m.group(1) for line in body.splitlines() if (m := CHANNEL.match(line))]


def with_descriptions(text: str, personal: Mapping[str, Sequence[str]],
                      definitions: Mapping | None = None) -> str:
    """The catalogue with each channel's description (re)written after its title."""
    head, rest = text.split("\nchannels:\n", 1)
    body, tail = rest.split("\noperations:\n", 1)
    out: list[str] = []
    skipping = False
    channel: str | None = None
    for line in body.splitlines():
        if skipping:
            if line.startswith("      ") or not line.strip():
                continue
            skipping = False
        if (m := CHANNEL.match(line)):
            channel = m.group(1)
        if line.startswith("    description:"):
            skipping = True
            continue
        out.append(line)
        if channel and line.startswith("    title:"):
            out.append("    description: |")
            out.extend(("      " + row) if row else ""
                       for row in description(channel, personal, definitions).splitlines())
    return f"{head}\nchannels:\n" + "\n".join(out) + f"\noperations:\n{tail}"


# --- the departments' guide ----------------------------------------------------------------

def departments_table(types: Sequence[str], definitions: Mapping | None = None) -> str:
    lines = ["| event type | department queue (`department-queues --purpose`) | webhook or email: "
             "a department's own subscription | told without subscribing |",
             "| --- | --- | --- | --- |"]
    for event_type in sorted(types):
        purposes = ", ".join(f"`{p}`" for p in standard_purposes(event_type)) or "–"
        told = "yes" if audience.told_by_default(event_type) else "–"
        lines.append(f"| `{event_type}` | {purposes} | "
                     f"{department_subscription(event_type)} | {told} |")
    return "\n".join(lines) + "\n"


def with_table(guide: str, table: str) -> str:
    before, rest = guide.split(TABLE_BEGIN, 1)
    _, after = rest.split(TABLE_END, 1)
    return f"{before}{TABLE_BEGIN}\n{table}{TABLE_END}{after}"


def write() -> None:  # pragma: no cover - the regeneration command
    from notifications.personal_data import personal_fields

    catalogue = CATALOGUE.read_text(encoding="utf-8")
    CATALOGUE.write_text(with_descriptions(catalogue, personal_fields()), encoding="utf-8")
    guide = DEPARTMENTS_GUIDE.read_text(encoding="utf-8")
    DEPARTMENTS_GUIDE.write_text(
        with_table(guide, departments_table(catalogue_types(catalogue))), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write()
