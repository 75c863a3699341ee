"""MongoDB access of the registry: collections, indexes and queries."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.errors import DuplicateKeyError

from registry.domain import query_prefix, search_key, word_prefixes
from wspolpraca.departments import DEPARTMENT_CODE
from wspolpraca.errors import Conflict, DomainError
from wspolpraca.mongo import Collection, DomainGauge, count_by
from wspolpraca.pagination import Page, encode_cursor, paginate
from wspolpraca.repository import Repository, UnversionedRepository, backfill_versions

ORGANIZATIONS = "organizations"
DEPARTMENTS = "departments"
INQUIRIES = "inquiries"



def backfill_name_prefixes(organizations) -> None:
    """Organisations stored before names were searchable by word prefixes get them."""
    missing = list(organizations.find({"name_prefixes": {"$exists": False}}, {"name_key": 1}))
    for begin in range(0, len(missing), 500):
        organizations.bulk_write([
            UpdateOne({"_id": doc["_id"], "name_prefixes": {"$exists": False}},
                      {"$set": {"name_prefixes": word_prefixes(doc.get("name_key") or "")}})
            for doc in missing[begin:begin + 500]
        ], ordered=False)


COLLECTIONS = (
    Collection(
        ORGANIZATIONS,
        (
            # unique identifiers: two concurrent registrations cannot both win
            IndexModel([("nip", ASCENDING)], name="nip_unique", unique=True),
            IndexModel([("krs", ASCENDING)], name="krs_unique", unique=True,
                       partialFilterExpression={"krs": {"$type": "string"}}),
            IndexModel([("status", ASCENDING), ("_id", ASCENDING)], name="status"),
            IndexModel([("areas", ASCENDING), ("_id", ASCENDING)], name="areas"),
            IndexModel([("name_key", ASCENDING)], name="name_key"),
            IndexModel([("name_prefixes", ASCENDING)], name="name_prefixes"),
        ),
        migrate=backfill_name_prefixes,
    ),
    # a department carries a version (its ETag, for `If-Match`, issue #18)
    Collection(DEPARTMENTS, (IndexModel([("areas", ASCENDING)], name="areas"),),
               migrate=backfill_versions),
    Collection(
        INQUIRIES,
        (
            IndexModel([("status", ASCENDING), ("deadline", ASCENDING)], name="open_by_deadline"),
            IndexModel([("department", ASCENDING), ("_id", ASCENDING)], name="department"),
        ),
    ),
)

DUPLICATE_MESSAGES = {
    "nip": "Organizacja o tym numerze NIP jest już zarejestrowana.",
    "krs": "Organizacja o tym numerze KRS jest już zarejestrowana.",
}


def duplicate_field(error: DuplicateKeyError) -> str:
    details = error.details or {}
    key = details.get("keyPattern") or details.get("keyValue") or {}
    if key:
        return next(iter(key))
    match = re.search(r"index: (\w+?)_unique", str(error))
    return match.group(1) if match else "id"


def _duplicate(exc: DuplicateKeyError) -> Conflict:
    field = duplicate_field(exc)
    return Conflict(f"duplicate_{field}",
                    DUPLICATE_MESSAGES.get(field, "Taka organizacja już istnieje."), field=field)


class Organizations(Repository):
    collection_name = ORGANIZATIONS
    not_found = "Nie ma takiej organizacji."

    def add(self, record: dict[str, Any]) -> None:
        try:
            super().add(record)
        except DuplicateKeyError as exc:
            raise _duplicate(exc) from None

    def replace(self, record: dict[str, Any], expected_version: int) -> None:
        """Write the new state if nobody changed it since it was read (a changed NIP or KRS
        that another organisation has is refused)."""
        try:
            super().replace(record, expected_version)
        except DuplicateKeyError as exc:
            raise _duplicate(exc) from None


def organization_query(q: str | None, area: str | None, status: str | None,
                       district: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if q:
        key = search_key(q)
        prefix = query_prefix(key)
        if prefix:  # the candidates by an index lookup; the pattern only confirms them
            query["name_prefixes"] = prefix
        # anchored at word starts, escaped: user input never becomes a pattern
        query["name_key"] = {"$regex": r"(^|\s)" + re.escape(key)}
    if area:
        query["areas"] = area
    if status:
        query["status"] = status
    if district:
        query["district_key"] = search_key(district)
    return query


def list_page(db, collection: str, query: dict[str, Any], limit: int, cursor: str | None) -> Page:
    return paginate(db[collection], query, limit, cursor)


def department_page(db, query: dict[str, Any], limit: int, cursor: str | None) -> Page:
    """A page of departments in code order. Departments are keyed by their code, not by
    an ObjectId, so their cursor carries the last code (the shared `paginate` accepts
    ObjectId cursors only)."""
    if cursor:
        query = {"$and": [query, {"_id": {"$gt": _department_cursor(cursor)}}]}
    docs = list(db[DEPARTMENTS].find(query).sort("_id", ASCENDING).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return Page(docs, encode_cursor(docs[-1]["_id"]) if more and docs else None)


def _department_cursor(cursor: str) -> str:
    try:
        code = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        code = ""
    if not DEPARTMENT_CODE.match(code):
        raise DomainError("invalid_cursor", "Niepoprawny kursor stronicowania.", field="cursor")
    return code


class Departments(Repository):
    collection_name = DEPARTMENTS
    not_found = "Nie ma takiego wydziału."

    def add(self, record: dict[str, Any]) -> None:
        try:
            super().add(record)
        except DuplicateKeyError:
            raise Conflict("duplicate_code", "Wydział o tym kodzie już istnieje.",
                           field="code") from None

    def handling(self) -> list[dict[str, Any]]:
        return list(self.collection.find({}, {"areas": 1}, session=self.session))


class Inquiries(UnversionedRepository):
    collection_name = INQUIRIES
    not_found = "Nie ma takiego zapytania."

    def report_overdue(self, inquiry_id: str) -> bool:
        """Mark the inquiry's lapse reported; False when another replica's timer already did
        (a conditional write: two timers racing cannot both raise `inquiry.overdue`)."""
        return self.collection.update_one(
            {"_id": inquiry_id, "overdue_reported": {"$ne": True}},
            {"$set": {"overdue_reported": True}}, session=self.session).modified_count == 1


OPEN_INQUIRY_STATUSES = ["received", "routed", "assigned"]


def overdue_inquiry_ids(db, now: datetime, limit: int = 500) -> list[str]:
    cursor = db[INQUIRIES].find(
        {"status": {"$in": OPEN_INQUIRY_STATUSES}, "deadline": {"$lt": now},
         "overdue_reported": {"$ne": True}},
        {"_id": 1},
    ).sort("deadline", ASCENDING).limit(limit)
    return [doc["_id"] for doc in cursor]


def _inquiries_open_and_overdue(db) -> list[tuple[dict[str, str], float]]:
    from wspolpraca.envelope import utcnow

    open_filter = {"status": {"$in": OPEN_INQUIRY_STATUSES}}
    overdue = db[INQUIRIES].count_documents({**open_filter, "deadline": {"$lt": utcnow()}})
    return [({"state": "open"}, float(db[INQUIRIES].count_documents(open_filter))),
            ({"state": "overdue"}, float(overdue))]


GAUGES = (
    DomainGauge("wspolpraca_registry_organizations", "Organisations by status.", ("status",),
                lambda db: count_by(db, ORGANIZATIONS, "status", "status")),
    DomainGauge("wspolpraca_registry_inquiries", "Inquiries open and overdue.", ("state",),
                _inquiries_open_and_overdue),
)
