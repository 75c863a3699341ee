"""MongoDB access of the reporting service: the raw event log and the read models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.collection import Collection as PymongoCollection
from pymongo.database import Database
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from reporting import figures
from reporting.projections import COMMENTS, COOPERATION, READ_MODELS, normalize_time
from wspolpraca.envelope import CloudEvent
from wspolpraca.mongo import Collection, DomainGauge, Transaction

EVENTS = "events"


def count_in_figures(collection: PymongoCollection) -> None:
    """A counted read model's `migrate`: documents stored before the year's sums were kept
    (no `_figures`) are added to them, each in its own transaction (live handlers may run
    beside it); a document a handler counted meanwhile is left as it is."""
    db = collection.database
    legacy = [d["_id"] for d in collection.find({"_figures": {"$exists": False}}, {"_id": 1})]

    def count(session, _id) -> None:
        store = MongoStore(db, session)
        doc = store.get(collection.name, _id)
        if doc is not None and "_figures" not in doc:
            figures.keep(store, collection.name, doc)
            store.put(collection.name, doc)

    for _id in legacy:
        with db.client.start_session() as session:
            session.with_transaction(lambda s, i=_id: count(s, i),
                                     read_concern=ReadConcern("snapshot"),
                                     write_concern=WriteConcern("majority"))

COLLECTIONS = (
    Collection(EVENTS, (
        IndexModel([("logged_at", ASCENDING)], name="logged_at"),
        IndexModel([("time", ASCENDING), ("_id", ASCENDING)], name="time_order"),
        IndexModel([("type", ASCENDING)], name="type"),
    )),
    *(Collection(name, migrate=count_in_figures if name in figures.COUNTED else None)
      for name in READ_MODELS if name not in (COMMENTS, COOPERATION)),
    Collection(COMMENTS, (IndexModel([("submitted_at", ASCENDING)], name="submitted_at"),),
               migrate=count_in_figures),
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

    def count_between(self, collection: str, field: str, low: str, high: str) -> int:
        """Documents whose `field` (a canonical time string) is in [low, high)."""
        return self.db[collection].count_documents({field: {"$gte": low, "$lt": high}})


def _events_logged(db: Database):
    return [({}, float(db[EVENTS].estimated_document_count()))]


GAUGES = (
    DomainGauge("wspolpraca_reporting_events_logged", "Events kept in the reporting event log.",
                (), _events_logged),
)
