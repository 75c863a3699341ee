"""The README's diagram of the services and their events (Mermaid) says what the code does:
each arrow into a service is an exchange that service's event handlers consume, with the routing
keys they bind (or the pattern that covers them); each arrow into the department queues is a
binding of infra/rabbitmq/definitions.json; every event named is in the AsyncAPI catalogue."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SERVICES = ("registry", "grants", "consultations", "notifications", "reporting", "identity")
EDGE = re.compile(r'^\s*(\w+) -- "([^"]+)" --> (\w+)\s*$', re.M)
HANDLER = re.compile(r'event_handler\(\s*"([a-z]+)",\s*"([a-z_.*#]+)"')
MIXINS = {"OrganizationDirectoryMixin": ("registry", "organization.*")}


def _diagram() -> dict[tuple[str, str], set[str]]:
    [block] = re.findall(r"```mermaid\n(.*?)```", README, re.S)
    edges: dict[tuple[str, str], set[str]] = {}
    for source, label, target in EDGE.findall(block):
        names = set()
        for part in re.split(r",|<br/>", label.replace("every event (#)", "#")):
            part = part.strip()
            if "/" in part:  # booking.approved/refused → booking.approved, booking.refused
                aggregate, verbs = part.split(".", 1)
                names |= {f"{aggregate}.{verb}" for verb in verbs.split("/")}
            elif part:
                names.add(part)
        edges[(source, target)] = names
    return edges


def _consumed() -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for service in SERVICES:
        for source in (ROOT / "services" / service / service).glob("*.py"):
            text = source.read_text(encoding="utf-8")
            for producer, key in HANDLER.findall(text):
                found.setdefault((producer, service), set()).add(key)
            for mixin, (producer, key) in MIXINS.items():
                if re.search(rf"class \w+\([^)]*\b{mixin}\b", text):
                    found.setdefault((producer, service), set()).add(key)
    # notifications' handlers are generated from its event table
    from notifications.events import consumed

    for spec in consumed():
        found.setdefault((spec.source, "notifications"), set()).add(spec.routing_key)
    return found


def _covers(patterns: set[str], keys: set[str]) -> bool:
    def match(pattern: str, key: str) -> bool:
        return pattern == "#" or pattern == key or (
            pattern.endswith(".*") and fnmatchcase(key, pattern) and key.count(".") == 1)
    return all(any(match(p, k) for p in patterns) for k in keys)


def test_every_arrow_between_services_is_what_their_handlers_consume() -> None:
    drawn = {edge: names for edge, names in _diagram().items() if edge[1] in SERVICES}
    consumed = _consumed()
    assert set(drawn) == set(consumed)
    for edge, keys in consumed.items():
        assert _covers(drawn[edge], keys), (edge, sorted(keys - drawn[edge]))
        # and the diagram names nothing the handlers do not bind
        assert _covers(keys, {n for n in drawn[edge] if "*" not in n and n != "#"}), edge


def test_the_department_arrows_are_the_bindings_of_definitions_json() -> None:
    definitions = json.loads((ROOT / "infra/rabbitmq/definitions.json").read_text())
    bound: dict[str, set[str]] = {}
    for binding in definitions["bindings"]:
        bound.setdefault(binding["source"].removesuffix(".events"), set()).add(
            binding["routing_key"])
    drawn = {edge[0]: names for edge, names in _diagram().items() if edge[1] == "departments"}
    assert drawn == bound


def test_every_event_the_diagram_names_is_catalogued() -> None:
    catalogue = yaml.safe_load((ROOT / "infra/asyncapi/asyncapi.yaml").read_text())
    types = set(catalogue["components"]["messages"])
    for (source, _), names in _diagram().items():
        for name in names:
            if name == "#":
                continue
            pattern = f"{source}.{name}"
            assert any(fnmatchcase(t, pattern) for t in types), pattern
