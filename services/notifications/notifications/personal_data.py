"""Personal data in events, and events without it (issue 15 item 1).

The event catalogue (`infra/asyncapi/asyncapi.yaml`) marks every property that holds
personal data (emails, phone numbers, names of private persons, the user id that ties a
score or a seat to a person) with `x-personal-data: true`. `catalogue_personal_fields`
reads those marks into one path list per event type (`member.email`,
`registrations[].email`); `personal_data.json`, beside this module, is that list as
shipped with the service (the catalogue is not in the service's image), and
`tests/contract/test_personal_data.py` checks the two agree. Regenerate it with

    .venv/bin/python -m notifications.personal_data

`redacted` removes those paths from an event's `data`; what went is named in the
CloudEvent extension attribute `redacted` (comma-separated paths), so a receiver knows
that a field is missing on purpose.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

FILE = Path(__file__).with_name("personal_data.json")
CATALOGUE = Path(__file__).resolve().parents[3] / "infra" / "asyncapi" / "asyncapi.yaml"
MARK = "x-personal-data"
REDACTED_ATTRIBUTE = "redacted"


# --- reading the catalogue -------------------------------------------------------------------

def _deref(spec: Mapping[str, Any], ref: str) -> Any:
    target: Any = spec
    for part in ref[2:].split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        node = _deref(spec, node["$ref"])
    return node


def _marked(spec: Mapping[str, Any], node: Any) -> bool:
    """The property, or a schema it refers to, is marked as personal data."""
    while isinstance(node, Mapping):
        if node.get(MARK):
            return True
        if "$ref" not in node:
            return False
        node = _deref(spec, node["$ref"])
    return False


def _collect(spec: Mapping[str, Any], node: Any, prefix: str, found: set[str],
             depth: int = 0) -> None:
    node = _resolve(spec, node)
    if not isinstance(node, Mapping) or depth > 12:
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key) or ():
            _collect(spec, part, prefix, found, depth + 1)
    if "items" in node:
        _collect(spec, node["items"], f"{prefix}[]", found, depth + 1)
    for name, schema in (node.get("properties") or {}).items():
        path = f"{prefix}.{name}" if prefix else name
        if _marked(spec, schema):
            found.add(path)
        else:
            _collect(spec, schema, path, found, depth + 1)


def _data_schemas(spec: Mapping[str, Any], node: Any, out: list[Any], depth: int = 0) -> None:
    node = _resolve(spec, node)
    if not isinstance(node, Mapping) or depth > 6:
        return
    for part in node.get("allOf") or ():
        _data_schemas(spec, part, out, depth + 1)
    data = (node.get("properties") or {}).get("data")
    if data is not None:
        out.append(data)


def catalogue_personal_fields(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per event type of the catalogue, the paths in `data` marked as personal data."""
    result: dict[str, list[str]] = {}
    for name, message in spec["components"]["messages"].items():
        schemas: list[Any] = []
        _data_schemas(spec, message["payload"], schemas)
        found: set[str] = set()
        for schema in schemas:
            _collect(spec, schema, "", found)
        result[message.get("name", name)] = sorted(found)
    return result


def load_catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- what the service ships ------------------------------------------------------------------

# Events raised by this service itself (reminders) are not on the broker, hence not in the
# catalogue; their personal fields are declared here, next to their builders' names.
OWN_EVENTS: dict[str, list[str]] = {
    "notifications.reminder.report_due": [],
    "notifications.reminder.training": ["registration.email", "registration.person"],
}


@cache
def personal_fields() -> dict[str, tuple[str, ...]]:
    shipped = json.loads(FILE.read_text(encoding="utf-8"))
    return {t: tuple(paths) for t, paths in {**shipped, **OWN_EVENTS}.items()}


# --- removing it -----------------------------------------------------------------------------

def _remove(node: Any, parts: list[str]) -> bool:
    """Remove the path from the node in place; True when something was there."""
    if not parts:
        return False
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if not isinstance(node, dict) or key not in node:
        return False
    if not rest and not many:
        del node[key]
        return True
    value = node[key]
    if many:
        if not isinstance(value, list):
            return False
        if not rest:
            del node[key]
            return True
        return any([_remove(item, rest) for item in value])
    return _remove(value, rest)


def redacted(event: Mapping[str, Any],
             fields: Mapping[str, tuple[str, ...]] | None = None) -> dict[str, Any]:
    """A copy of a CloudEvent (as a dict) without the personal data of its type; an event
    of a type with none is returned as it is (a copy)."""
    paths = (fields if fields is not None else personal_fields()).get(str(event.get("type")), ())
    copied = copy.deepcopy(dict(event))
    data = copied.get("data")
    removed = [path for path in paths if _remove(data, path.split("."))]
    if removed:
        copied[REDACTED_ATTRIBUTE] = ",".join(removed)
    return copied


def write(path: Path = FILE, catalogue: Path = CATALOGUE) -> dict[str, list[str]]:
    fields = {t: p for t, p in catalogue_personal_fields(load_catalogue(catalogue)).items() if p}
    path.write_text(json.dumps(fields, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return fields


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    for event_type, paths in write().items():
        print(f"{event_type}: {', '.join(paths)}")
