"""The one way to write an event's payload taken from a stored record (the twin of
`wspolpraca.fields.record_schema` for what an API answers)."""

from __future__ import annotations

from typing import Any

from wspolpraca.envelope import format_time


def record_payload(record: dict[str, Any], spec: str, **given: Any) -> dict[str, Any]:
    """`id` (the record's `_id`), then each field of `spec` in its order, then `given`.

    A field is `name` (the record's value, which must be there), `name?` (None where the
    record has none), `name:time` / `name?:time` (the time in the events' format) or
    `key=name...` (the record's `name` under another key). A key of `spec` that is also
    given keeps its place and takes the given value:

        record_payload(record, "title=purpose starts_at:time reason? status", status=new)
    """
    payload: dict[str, Any] = {"id": record["_id"]}
    for token in spec.split():
        field, _, kind = token.partition(":")
        key, _, name = field.partition("=")
        name = name or key
        optional = name.endswith("?")
        name, key = name.rstrip("?"), key.rstrip("?")
        if key in given:
            payload[key] = given.pop(key)
            continue
        value = record.get(name) if optional else record[name]
        if kind == "time" and value is not None:
            value = format_time(value)
        elif kind not in ("", "time"):
            raise ValueError(f"unknown kind {kind!r} in {token!r}")
        payload[key] = value
    payload.update(given)
    return payload
