"""MongoDB access of the reporting service: the raw event log and the read models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database

from reporting.projections import COMMENTS, COOPERATION, READ_MODELS, normalize_time
from wspolpraca.envelope import CloudEvent
from wspolpraca.mongo import Collection, DomainGauge, Transaction

EVENTS = "events"

COLLECTIONS = (
    Collection(EVENTS, (
        IndexModel([("logged_at", ASCENDING)], name="logged_at"),
        IndexModel([("time", ASCENDING), ("_id", ASCENDING)], name="time_order"),
        IndexModel([("type", ASCENDING)], name="type"),
    )),
    *(Collection(name) for name in READ_MODELS if name not in (COMMENTS, COOPERATION)),
    Collection(COMMENTS, (IndexModel([("submitted_at", ASCENDING)], name="submitted_at"),)),
    Collection(COOPERATION, (
        IndexModel([("organization_id", ASCENDING)], name="organization"),
        IndexModel([("form", ASCENDING), ("year", ASCENDING)], name="form_year"),
    )),
)


def log_record(event: CloudEvent, logged_at: datetime) -> dict[str, Any]:
    """The event as received (its CloudEvent JSON), with when the log took it."""
    return {
        "_id": event.id,
        "type": event.type,
        "subject": event.subject,
        "time": normalize_time(event.time),
        "logged_at": logged_at,
        "body": event.to_dict(),
    }


class EventLog:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.collection = tx.db[EVENTS]

    def has(self, event_id: str) -> bool:
        return self.collection.find_one({"_id": event_id}, {"_id": 1},
                                        session=self.tx.session) is not None

    def add(self, record: dict[str, Any]) -> None:
        self.collection.insert_one(record, session=self.tx.session)


class MongoStore:
    """The projections' store inside one transaction."""

    def __init__(self, db: Database, session=None) -> None:
        self.db = db
        self.session = session

    def get(self, collection: str, _id: str) -> dict[str, Any] | None:
        return self.db[collection].find_one({"_id": _id}, session=self.session)

    def put(self, collection: str, doc: dict[str, Any]) -> None:
        self.db[collection].replace_one({"_id": doc["_id"]}, doc, upsert=True,
                                        session=self.session)


class Reader:
    """Read models for the statistics: whole collections (the merge clocks come along:
    leaving them out makes SecantusDB slower, not faster)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, collection: str) -> list[dict[str, Any]]:
        return list(self.db[collection].find({}))

    def names(self, collection: str, ids: set[str]) -> dict[str, Any]:
        """The `name` of these documents only (the grants' recipients, not every one)."""
        return {doc["_id"]: doc.get("name") for doc in
                self.db[collection].find({"_id": {"$in": sorted(ids)}}, {"name": 1})}

    def count_between(self, collection: str, field: str, low: str, high: str) -> int:
        """Documents whose `field` (a canonical time string) is in [low, high)."""
        return self.db[collection].count_documents({field: {"$gte": low, "$lt": high}})


def _events_logged(db: Database):
    return [({}, float(db[EVENTS].estimated_document_count()))]


GAUGES = (
    DomainGauge("wspolpraca_reporting_events_logged", "Events kept in the reporting event log.",
                (), _events_logged),
)
