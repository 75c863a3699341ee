"""MongoDB access of the consultations service: collections, indexes and queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from wspolpraca.mongo import Collection, DomainGauge
from wspolpraca.organizations import ORGANIZATION_DIRECTORY, ORGANIZATIONS
from wspolpraca.repository import (
    Repository,
    UnversionedRepository,
    backfill_versions,
    collection_repository,
)

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
    ), migrate=backfill_versions),
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
    ), migrate=backfill_versions),
    ORGANIZATION_DIRECTORY,
    Collection(OPINION_REQUESTS, (
        IndexModel([("status", ASCENDING), ("deadline", ASCENDING)], name="open_by_deadline"),
        IndexModel([("council_id", ASCENDING), ("_id", ASCENDING)], name="council"),
    )),
)

class Consultations(Repository):
    collection_name = CONSULTATIONS
    not_found = "Nie ma takich konsultacji."

    def count_comment(self, consultation_id: str) -> None:
        """Count a new comment; touching the consultation makes a concurrent close conflict
        and retry."""
        self.update({"_id": consultation_id}, {"$inc": {"comments": 1}})


class Comments(UnversionedRepository):
    collection_name = COMMENTS
    not_found = "Nie ma takiej uwagi."

    def of_consultation(self, consultation_id: str) -> list[dict[str, Any]]:
        """The consultation's comments in the order they came."""
        return list(self.collection.find({"consultation_id": consultation_id},
                                         session=self.session).sort("_id", ASCENDING))


Councils = collection_repository("Councils", COUNCILS, "Nie ma takiej rady.", versioned=False)


CouncilRequests = collection_repository(
    "CouncilRequests", COUNCIL_REQUESTS, "Nie ma takiego wniosku.", versioned=False)


CouncilMeetings = collection_repository(
    "CouncilMeetings", COUNCIL_MEETINGS, "Nie ma takiego posiedzenia.")


OpinionRequests = collection_repository(
    "OpinionRequests", OPINION_REQUESTS, "Nie ma takiego wniosku o opinię.", versioned=False)


class Organizations(Repository):
    """The organisations directory (a projection of the registry's events), read only."""

    collection_name = ORGANIZATIONS
    not_found = "Nie ma takiej organizacji."

    def by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {doc["_id"]: doc for doc in self.find({"_id": {"$in": ids}})}


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
