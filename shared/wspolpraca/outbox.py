"""The outbox: events committed with the state change that caused them, waiting to be
published. `Transaction.emit` (wspolpraca.unit_of_work) writes a record; the relay
(wspolpraca.relay) publishes the pending ones and marks them sent.

A record: `_id` (the event id), `status` (pending, sent), `created_at` and `seq` (the order of
events, shared by one transaction and kept by `seq` within it), `exchange`, `routing_key`,
`type` and `body` (the CloudEvent as published); `sent_at`, `sent_by` once sent.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from wspolpraca.database import Collection
from wspolpraca.envelope import CloudEvent, utcnow

OUTBOX = "outbox"
OUTBOX_COLLECTION = Collection(
    OUTBOX,
    (
        IndexModel([("status", ASCENDING), ("created_at", ASCENDING), ("seq", ASCENDING)],
                   name="pending_in_order"),
        IndexModel([("sent_at", ASCENDING)], name="sent_at"),
    ),
)


def outbox_record(event: CloudEvent, created_at, seq: int) -> dict[str, Any]:
    """Events of one transaction share `created_at` and keep their order in `seq`."""
    return {
        "_id": event.id,
        "status": "pending",
        "created_at": created_at,
        "seq": seq,
        "exchange": event.exchange,
        "routing_key": event.routing_key,
        "type": event.type,
        "body": event.to_dict(),
    }


def outbox_backlog(db: Database) -> tuple[int, float]:
    """How many events wait and how old the oldest one is, in seconds."""
    oldest = db[OUTBOX].find_one({"status": "pending"}, sort=[("created_at", ASCENDING)])
    if oldest is None:
        return 0, 0.0
    pending = db[OUTBOX].count_documents({"status": "pending"})
    age = (utcnow() - oldest["created_at"]).total_seconds()
    return pending, max(age, 0.0)
