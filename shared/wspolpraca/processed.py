"""Processed marks, the idempotency of consumers: an event handled by a consumer is recorded
in `processed_events`, in the same transaction as its effect (see `Store.transaction`), so a
redelivered event is recognised and acknowledged unhandled."""

from __future__ import annotations

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from wspolpraca.database import Collection
from wspolpraca.envelope import utcnow

PROCESSED = "processed_events"
PROCESSED_COLLECTION = Collection(
    PROCESSED, (IndexModel([("processed_at", ASCENDING)], name="processed_at"),))


class AlreadyProcessed(Exception):
    """The event this worker handles was already handled by the same consumer."""


def processed_key(consumer: str, event_id: str) -> str:
    return f"{consumer}:{event_id}"


def is_processed(db: Database, consumer: str, event_id: str) -> bool:
    return db[PROCESSED].find_one({"_id": processed_key(consumer, event_id)}) is not None


def record_processed(db: Database, consumer: str, event_id: str) -> None:
    """The mark of a handler that wrote nothing in a transaction of its own."""
    db[PROCESSED].update_one(
        {"_id": processed_key(consumer, event_id)},
        {"$setOnInsert": {"processed_at": utcnow()}},
        upsert=True,
    )
