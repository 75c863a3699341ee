"""Projections of other services' records: the one rule for "keep the newest state".

A service keeps its own copy of what another service's events describe (organisations,
departments, council members, ...). Events arrive in any order and may be redelivered, so
each kept state remembers how new it is: the publisher's record `version` when its events
carry one, then the event time. An incoming state is applied unless a strictly newer one is
already kept; between two equally new states, the one handled last wins (it is the same
state, redelivered).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wspolpraca.mongo import Transaction


def newness(version: Any, event_time: str | None) -> tuple[int, str]:
    """How new a state is: by the record's version (0 when the events carry none), then
    by the time of the event that described it."""
    return (int(version or 0), event_time or "")


def newer_kept(current: Mapping[str, Any] | None, version: Any, event_time: str) -> bool:
    """Is a strictly newer state than (version, event_time) already kept in `current`?"""
    if current is None:
        return False
    return newness(current.get("version"), current.get("event_time")) > newness(
        version, event_time)


def keep_newest(tx: Transaction, collection: str, key: str, values: Mapping[str, Any],
                event_time: str, version: int | None = None) -> bool:
    """Upsert the projection `key` with `values` unless a strictly newer state is kept;
    True when written. `event_time` (and `version`, when given) are kept beside them."""
    return replace_newest(tx, collection, key, values, event_time, version)[0]


def replace_newest(tx: Transaction, collection: str, key: str, values: Mapping[str, Any],
                   event_time: str, version: int | None = None
                   ) -> tuple[bool, Mapping[str, Any] | None]:
    """`keep_newest`, also returning the state that was kept before (None if none): for a
    projection whose write must know what it replaced."""
    current = tx.db[collection].find_one({"_id": key}, session=tx.session)
    if newer_kept(current, version, event_time):
        return False, current
    fields = {**values, "event_time": event_time}
    if version is not None:
        fields["version"] = version
    tx.db[collection].update_one({"_id": key}, {"$set": fields}, upsert=True,
                                 session=tx.session)
    return True, current
