"""MongoDB access of the consultations service: collections, indexes and queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from wspolpraca.errors import NotFound
from wspolpraca.mongo import Collection, DomainGauge, Transaction
from wspolpraca.organizations import ORGANIZATION_DIRECTORY, ORGANIZATIONS

CONSULTATIONS = "consultations"
COMMENTS = "comments"
COUNCILS = "councils"
COUNCIL_REQUESTS = "council_requests"
COUNCIL_MEETINGS = "council_meetings"
OPINION_REQUESTS = "opinion_requests"

COLLECTIONS = (
    Collection(CONSULTATIONS, (
        IndexModel([("status", ASCENDING), ("closes_at", ASCENDING)], name="open_by_closing"),
        IndexModel([("opens_at", ASCENDING)], name="opens_at"),
    )),
    Collection(COMMENTS, (
        IndexModel([("consultation_id", ASCENDING), ("_id", ASCENDING)], name="consultation"),
    )),
    Collection(COUNCILS, (
        IndexModel([("request_id", ASCENDING)], name="request_unique", unique=True,
                   partialFilterExpression={"request_id": {"$type": "string"}}),
    )),
    Collection(COUNCIL_REQUESTS, (
        IndexModel([("council_id", ASCENDING), ("deadline", ASCENDING)], name="open_by_deadline"),
    )),
    Collection(COUNCIL_MEETINGS, (
        IndexModel([("council_id", ASCENDING), ("_id", ASCENDING)], name="council"),
    )),
    ORGANIZATION_DIRECTORY,
    Collection(OPINION_REQUESTS, (
        IndexModel([("status", ASCENDING), ("deadline", ASCENDING)], name="open_by_deadline"),
        IndexModel([("council_id", ASCENDING), ("_id", ASCENDING)], name="council"),
    )),
)

_NOT_FOUND = {
    CONSULTATIONS: "Nie ma takich konsultacji.",
    COMMENTS: "Nie ma takiej uwagi.",
    COUNCILS: "Nie ma takiej rady.",
    COUNCIL_REQUESTS: "Nie ma takiego wniosku.",
    COUNCIL_MEETINGS: "Nie ma takiego posiedzenia.",
    OPINION_REQUESTS: "Nie ma takiego wniosku o opinię.",
}


class Documents:
    """One collection inside a transaction: add, get (404 when missing), save."""

    def __init__(self, tx: Transaction, name: str) -> None:
        self.name = name
        self.collection = tx.db[name]
        self.session = tx.session

    def add(self, document: dict[str, Any]) -> None:
        self.collection.insert_one(document, session=self.session)

    def get(self, document_id: str, **match: Any) -> dict[str, Any]:
        found = self.collection.find_one({"_id": document_id, **match}, session=self.session)
        if found is None:
            raise NotFound(_NOT_FOUND[self.name])
        return found

    def save(self, document: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": document["_id"]}, document, session=self.session)

    def find(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.collection.find(query, session=self.session).sort("_id", ASCENDING))


def organizations_by_id(tx: Transaction, ids: list[str]) -> dict[str, dict[str, Any]]:
    found = tx.db[ORGANIZATIONS].find({"_id": {"$in": ids}}, session=tx.session)
    return {doc["_id"]: doc for doc in found}


def due_consultation_ids(db, now: datetime, limit: int = 200) -> list[str]:
    cursor = db[CONSULTATIONS].find({"status": "open", "closes_at": {"$lte": now}},
                                    {"_id": 1}).sort("closes_at", ASCENDING).limit(limit)
    return [doc["_id"] for doc in cursor]


def lapsed_opinion_ids(db, now: datetime, limit: int = 200) -> list[str]:
    cursor = db[OPINION_REQUESTS].find({"status": "requested", "deadline": {"$lt": now}},
                                       {"_id": 1}).sort("deadline", ASCENDING).limit(limit)
    return [doc["_id"] for doc in cursor]


def late_request_ids(db, now: datetime, limit: int = 200) -> list[str]:
    cursor = db[COUNCIL_REQUESTS].find(
        {"council_id": None, "deadline": {"$lt": now}, "late_reported": {"$ne": True}},
        {"_id": 1}).sort("deadline", ASCENDING).limit(limit)
    return [doc["_id"] for doc in cursor]


def _consultations_by_status(db) -> list[tuple[dict[str, str], float]]:
    """Consultations by what they are now (the stored state and the clock together): a stored
    `open` one is `planned` before it opens and `closed` once its closing time passed."""
    from wspolpraca.envelope import utcnow

    now = utcnow()
    groups = db[CONSULTATIONS].aggregate([
        {"$group": {"_id": {"$switch": {"branches": [
            {"case": {"$and": [{"$eq": ["$status", "open"]}, {"$gt": ["$opens_at", now]}]},
             "then": "planned"},
            {"case": {"$and": [{"$eq": ["$status", "open"]}, {"$lte": ["$closes_at", now]}]},
             "then": "closed"},
        ], "default": "$status"}}, "n": {"$sum": 1}}},
    ])
    return [({"status": str(g["_id"])}, float(g["n"])) for g in groups]


def _opinions_by_status(db) -> list[tuple[dict[str, str], float]]:
    groups = db[OPINION_REQUESTS].aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    return [({"status": str(g["_id"])}, float(g["n"])) for g in groups]


GAUGES = (
    DomainGauge("wspolpraca_consultations_consultations",
                "Consultations by status now (planned, open, closed, report_published).",
                ("status",), _consultations_by_status),
    DomainGauge("wspolpraca_consultations_comments", "Comments submitted.", (),
                lambda db: [({}, float(db[COMMENTS].estimated_document_count()))]),
    DomainGauge("wspolpraca_consultations_councils", "Councils.", (),
                lambda db: [({}, float(db[COUNCILS].estimated_document_count()))]),
    DomainGauge("wspolpraca_consultations_opinion_requests", "Opinion requests by status.",
                ("status",), _opinions_by_status),
)
