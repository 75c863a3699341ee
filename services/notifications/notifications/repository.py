"""MongoDB access of the notifications service: collections, indexes and queries."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from notifications.domain import DeliveryStatus, Subscription, SubscriptionStatus
from wspolpraca.errors import DomainError, NotFound
from wspolpraca.mongo import Collection, DomainGauge, Transaction
from wspolpraca.pagination import Page, decode_cursor, encode_cursor

SUBSCRIPTIONS = "subscriptions"
DELIVERIES = "deliveries"
INBOX = "inbox"
ORGANIZATIONS = "organizations"   # projection of registry events
DEPARTMENTS = "departments"       # projection of registry events
OPTOUTS = "optouts"
CALENDAR = "calendar_entries"
REMINDERS = "reminders"           # the schedule of report and training reminders
COUNCIL_MEMBERS = "council_members"   # projection of consultations' council events
ANNOUNCEMENTS = "announcements"   # open competitions and consultations, for late verifications
QUOTAS = "subscription_quotas"    # one guard document per owner: quota checks serialize on it

COLLECTIONS = (
    Collection(SUBSCRIPTIONS, (
        IndexModel([("owner", ASCENDING), ("_id", ASCENDING)], name="owner"),
        IndexModel([("status", ASCENDING), ("digest", ASCENDING)], name="status_digest"),
    )),
    Collection(DELIVERIES, (
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
        IndexModel([("status", ASCENDING), ("claimed_until", ASCENDING)], name="claimed"),
        IndexModel([("subscription_id", ASCENDING), ("_id", ASCENDING)], name="subscription"),
        IndexModel([("subscription_id", ASCENDING), ("created_at", DESCENDING),
                    ("_id", DESCENDING)], name="subscription_newest"),
        IndexModel([("event_id", ASCENDING)], name="event"),
    )),
    Collection(INBOX, (
        IndexModel([("audience", ASCENDING), ("_id", DESCENDING)], name="audience"),
        IndexModel([("delivery_id", ASCENDING)], name="delivery_unique", unique=True),
    )),
    Collection(ORGANIZATIONS, (IndexModel([("areas", ASCENDING)], name="areas"),)),
    Collection(DEPARTMENTS),
    Collection(OPTOUTS),
    Collection(CALENDAR, (
        IndexModel([("starts_at", ASCENDING)], name="starts_at"),
        IndexModel([("source_event_id", ASCENDING)], name="source_event",
                   unique=True, partialFilterExpression={"source_event_id": {"$type": "string"}}),
    )),
    Collection(REMINDERS, (
        IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="due"),
        IndexModel([("training_id", ASCENDING)], name="training"),
    )),
    Collection(COUNCIL_MEMBERS, (
        IndexModel([("council_id", ASCENDING), ("active", ASCENDING)], name="council"),)),
    Collection(ANNOUNCEMENTS, (IndexModel([("open_until", ASCENDING)], name="open_until"),)),
    Collection(QUOTAS),
)

ACTIVE_STATUSES = [DeliveryStatus.PENDING.value]


class Subscriptions:
    def __init__(self, tx: Transaction) -> None:
        self.collection = tx.db[SUBSCRIPTIONS]
        self.session = tx.session

    def add(self, record: dict[str, Any]) -> None:
        self.collection.insert_one(record, session=self.session)

    def get(self, subscription_id: str) -> dict[str, Any]:
        found = self.collection.find_one({"_id": subscription_id}, session=self.session)
        if found is None:
            raise NotFound("Nie ma takiej subskrypcji.")
        return found

    def save(self, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": record["_id"]}, record, session=self.session)

    def active(self) -> list[dict[str, Any]]:
        return list(self.collection.find({"status": SubscriptionStatus.ACTIVE.value},
                                         session=self.session))


class Deliveries:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def add(self, record: dict[str, Any]) -> bool:
        """False when this (event, recipient) delivery is already recorded: never twice."""
        return self.tx.insert_once(DELIVERIES, record)


class Inbox:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def add(self, item: dict[str, Any]) -> bool:
        return self.tx.insert_once(INBOX, item, key=("delivery_id",))


class Directory:
    """The registry data the default recipients need, from this service's projections."""

    def __init__(self, tx: Transaction) -> None:
        self.db = tx.db
        self.session = tx.session

    def organization(self, organization_id: str) -> Mapping[str, Any] | None:
        return self.db[ORGANIZATIONS].find_one({"_id": organization_id}, session=self.session)

    def department(self, code: str) -> Mapping[str, Any] | None:
        return self.db[DEPARTMENTS].find_one({"_id": code}, session=self.session)

    def organizations_in_areas(self, areas: Iterable[str] | None
                               ) -> list[Mapping[str, Any]]:
        if areas is None:
            query: dict[str, Any] = {}
        else:
            areas = list(areas)
            if not areas:
                return []
            query = {"areas": {"$in": areas}}
        return list(self.db[ORGANIZATIONS].find(query, session=self.session)
                    .sort("_id", ASCENDING))

    def council_members(self, council_id: str) -> list[Mapping[str, Any]]:
        return list(self.db[COUNCIL_MEMBERS].find({"council_id": council_id, "active": True},
                                                  session=self.session).sort("_id", ASCENDING))


class Reminders:
    """The schedule: one reminder per report and per training registration."""

    def __init__(self, tx: Transaction) -> None:
        self.collection = tx.db[REMINDERS]
        self.session = tx.session

    def schedule(self, record: dict[str, Any], event_time: str,
                 revive_cancelled: bool = False) -> None:
        """Add or move a reminder; one already sent stays as it is, so a redelivered or
        repeated event never raises it again. A cancelled one comes back only when asked
        (a person who registers again) and only for a newer event than the cancelling one,
        since events of different types may arrive in any order."""
        key = record["_id"]
        values = {k: v for k, v in record.items() if k != "_id"}
        current = self.collection.find_one({"_id": key}, session=self.session)
        if current is None:
            self.collection.insert_one({**record, "status": "pending", "sent_at": None,
                                        "event_time": event_time}, session=self.session)
        elif current["status"] in ("pending", "expired") or (
                revive_cancelled and current["status"] == "cancelled"
                and current.get("event_time", "") < event_time):
            self.collection.update_one(
                {"_id": key}, {"$set": {**values, "status": "pending", "event_time": event_time}},
                session=self.session)

    def cancel(self, query: dict[str, Any], now: datetime, event_time: str,
               tombstone: str | None = None) -> None:
        """Cancel pending reminders; with `tombstone` (a reminder id) a cancellation that
        arrives before the event that schedules it is kept, so that one is not raised."""
        self.collection.update_many(
            {**query, "status": "pending"},
            {"$set": {"status": "cancelled", "updated_at": now, "event_time": event_time}},
            session=self.session)
        if tombstone is not None and self.collection.find_one(
                {"_id": tombstone}, session=self.session) is None:
            self.collection.insert_one({"_id": tombstone, "status": "cancelled",
                                        "event_time": event_time, "updated_at": now},
                                       session=self.session)

    def pending_of_training(self, training_id: str) -> list[dict[str, Any]]:
        return list(self.collection.find({"training_id": training_id, "status": "pending"},
                                         session=self.session))

    def settle(self, reminder_id: str, status: str, now: datetime) -> bool:
        """Mark a pending reminder sent or expired; False if it no longer was pending."""
        return self.collection.update_one(
            {"_id": reminder_id, "status": "pending"},
            {"$set": {"status": status, "sent_at": now if status == "sent" else None,
                      "updated_at": now}}, session=self.session).modified_count == 1


def project_council_member(tx: Transaction, council_id: str, member: Mapping[str, Any],
                           active: bool, event_time: str) -> None:
    project(tx, COUNCIL_MEMBERS, member["id"],
            {"council_id": council_id, "name": member.get("name"),
             "side": member.get("side"), "organization_id": member.get("organization_id"),
             "user_id": member.get("user_id"), "email": member.get("email"),
             "active": active}, event_time)


def due_reminders(db, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    return list(db[REMINDERS].find({"status": "pending", "due_at": {"$lte": now}})
                .sort("due_at", ASCENDING).limit(limit))


def project(tx: Transaction, collection: str, key: str, values: dict[str, Any],
            event_time: str, version: int | None = None) -> None:
    """Upsert a projection, keeping the newest state: by the record's `version` when the
    events carry one (registry organisations do), else by the event time."""
    current = tx.db[collection].find_one({"_id": key}, session=tx.session)
    if current is not None:
        if version is not None and current.get("version") is not None:
            if current["version"] >= version:
                return
        elif current.get("event_time", "") > event_time:
            return
    fields = {**values, "event_time": event_time}
    if version is not None:
        fields["version"] = version
    tx.db[collection].update_one({"_id": key}, {"$set": fields}, upsert=True,
                                 session=tx.session)


# One document every announcement, ending and late telling writes: two of them running at
# once then conflict and one is retried on a fresh snapshot. Without it an announcement and a
# verification handled at the same moment would each miss the other, and nobody would tell
# the newly verified organisation.
ANNOUNCEMENTS_GUARD = "guard"


def _serialize_with_announcements(tx: Transaction) -> None:
    tx.db[ANNOUNCEMENTS].update_one({"_id": ANNOUNCEMENTS_GUARD}, {"$inc": {"writes": 1}},
                                    upsert=True, session=tx.session)


def _ended_id(subject: str) -> str:
    return f"ended:{subject}"


def keep_announcement(tx: Transaction, event: dict[str, Any], open_until: datetime) -> None:
    """Keep an announcement while its competition or consultation is open (unless it has
    already ended: the ending may be handled before the announcement)."""
    _serialize_with_announcements(tx)
    if tx.db[ANNOUNCEMENTS].find_one({"_id": _ended_id(event["subject"])},
                                     session=tx.session) is not None:
        return
    tx.db[ANNOUNCEMENTS].update_one(
        {"_id": event["id"]},
        {"$setOnInsert": {"event": event, "subject": event["subject"],
                          "open_until": open_until}},
        upsert=True, session=tx.session)


def end_announcement(tx: Transaction, subject: str, now: datetime) -> list[str]:
    """A competition cancelled or a consultation closed early: nobody verified later is told
    of it. Returns the ids of its announcement events."""
    _serialize_with_announcements(tx)
    tx.db[ANNOUNCEMENTS].update_one({"_id": _ended_id(subject)},
                                    {"$setOnInsert": {"ended_at": now}},
                                    upsert=True, session=tx.session)
    ids = [record["_id"] for record in tx.db[ANNOUNCEMENTS].find(
        {"subject": subject, "open_until": {"$gt": now}}, {"_id": 1}, session=tx.session)]
    if ids:
        tx.db[ANNOUNCEMENTS].update_many({"_id": {"$in": ids}}, {"$set": {"open_until": now}},
                                         session=tx.session)
    return ids


def open_announcements(tx: Transaction, now: datetime) -> list[dict[str, Any]]:
    """The announcement events whose competition or consultation is still open."""
    _serialize_with_announcements(tx)
    return [record["event"] for record in tx.db[ANNOUNCEMENTS].find(
        {"open_until": {"$gt": now}}, session=tx.session).sort("open_until", ASCENDING)]


def subscriptions_for(tx: Transaction, event_type: str) -> list[Subscription]:
    """The active subscriptions that may match `event_type` (by its type, its aggregate's
    pattern or its service's); `domain.subscription_matches` decides the rest."""
    service, aggregate, _ = event_type.split(".", 2)
    return [Subscription.from_record(r) for r in tx.db[SUBSCRIPTIONS].find(
        {"status": SubscriptionStatus.ACTIVE.value,
         "event_types": {"$in": [event_type, f"{service}.*", f"{service}.{aggregate}.*"]}},
        session=tx.session)]


def opted_out(tx: Transaction):
    def check(email: str, event_type: str) -> bool:
        found = tx.db[OPTOUTS].find_one(
            {"_id": {"$in": [optout_id(email, event_type), optout_id(email, "*")]}},
            session=tx.session)
        return found is not None
    return check


def optout_id(email: str, event_type: str) -> str:
    return f"{email.strip().lower()}|{event_type}"


def newest_first_page(collection, query: dict[str, Any], limit: int,
                      cursor: str | None) -> Page:
    if cursor:
        query = {"$and": [query, {"_id": {"$lt": decode_cursor(cursor)}}]}
    docs = list(collection.find(query).sort("_id", DESCENDING).limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return Page(docs, encode_cursor(docs[-1]["_id"]) if more and docs else None)


DELIVERY_CURSOR = re.compile(r"^(\d{1,15})\.([0-9a-f]{32})$")


def _delivery_cursor(record: Mapping[str, Any]) -> str:
    created = record["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    millis = int(created.timestamp() * 1000 + 0.5)
    return encode_cursor(f"{millis}.{record['_id']}")


def _read_delivery_cursor(cursor: str) -> tuple[datetime, str]:
    """A delivery log cursor: the last item's creation time (ms) and its 32-hex id."""
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    found = DELIVERY_CURSOR.match(text)
    if not found:
        raise DomainError("invalid_cursor", "Niepoprawny kursor stronicowania.", field="cursor")
    created = datetime.fromtimestamp(int(found.group(1)) / 1000, tz=UTC)
    return created, found.group(2)


def deliveries_newest_first(db, query: dict[str, Any], limit: int, cursor: str | None) -> Page:
    """The delivery log, newest first: by creation time, then id (delivery ids are hashes,
    not time-ordered), with a cursor that carries both."""
    if cursor:
        created, last_id = _read_delivery_cursor(cursor)
        query = {"$and": [query, {"$or": [
            {"created_at": {"$lt": created}},
            {"created_at": created, "_id": {"$lt": last_id}}]}]}
    docs = list(db[DELIVERIES].find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
                .limit(limit + 1))
    more = len(docs) > limit
    docs = docs[:limit]
    return Page(docs, _delivery_cursor(docs[-1]) if more and docs else None)


def claim(db, delivery_id: str, now: datetime, until: datetime) -> dict[str, Any] | None:
    """Take one due delivery for sending; None if another dispatcher took it first."""
    return db[DELIVERIES].find_one_and_update(
        {"_id": delivery_id, "$or": [
            {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
            {"status": DeliveryStatus.SENDING.value, "claimed_until": {"$lt": now}},
        ]},
        {"$set": {"status": DeliveryStatus.SENDING.value, "claimed_until": until}},
        return_document=ReturnDocument.AFTER,
    )


def claim_batch(db, delivery_ids: list[str], now: datetime, until: datetime,
                token: str) -> list[dict[str, Any]]:
    """Claim many due deliveries in two operations; returns those this claim won."""
    db[DELIVERIES].update_many(
        {"_id": {"$in": delivery_ids}, "$or": [
            {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
            {"status": DeliveryStatus.SENDING.value, "claimed_until": {"$lt": now}},
        ]},
        {"$set": {"status": DeliveryStatus.SENDING.value, "claimed_until": until,
                  "claim": token}},
    )
    return list(db[DELIVERIES].find({"_id": {"$in": delivery_ids}, "claim": token}))


def claim_digest(db, subscription: Mapping[str, Any], now: datetime, until: datetime,
                 token: str) -> dict[str, Any] | None:
    """Take a due digest for sending: only if its period is still the one read (no other
    replica sent it meanwhile) and nobody holds an unexpired claim on it."""
    return db[SUBSCRIPTIONS].find_one_and_update(
        {"_id": subscription["_id"], "status": SubscriptionStatus.ACTIVE.value,
         "last_digest_at": subscription.get("last_digest_at"),
         "$or": [{"digest_claimed_until": None}, {"digest_claimed_until": {"$lt": now}}]},
        {"$set": {"digest_claim": token, "digest_claimed_until": until}},
        return_document=ReturnDocument.AFTER)


def due_delivery_ids(db, now: datetime, limit: int, skip_subscriptions: list[str] = ()
                     ) -> list[str]:
    """Pending deliveries whose time has come (oldest first), then claims that expired
    (their dispatcher died while sending), leaving out subscriptions at their limit."""
    pending: dict[str, Any] = {"status": DeliveryStatus.PENDING.value,
                               "next_attempt_at": {"$lte": now}}
    expired: dict[str, Any] = {"status": DeliveryStatus.SENDING.value,
                               "claimed_until": {"$lt": now}}
    if skip_subscriptions:
        pending["subscription_id"] = {"$nin": list(skip_subscriptions)}
        expired["subscription_id"] = {"$nin": list(skip_subscriptions)}
    found = [doc["_id"] for doc in db[DELIVERIES].find(pending, {"_id": 1})
             .sort("next_attempt_at", ASCENDING).limit(limit)]
    if len(found) < limit:
        found += [doc["_id"] for doc in db[DELIVERIES].find(expired, {"_id": 1})
                  .limit(limit - len(found))]
    return found


def release(db, delivery_ids: list[str]) -> None:
    """Hand claimed deliveries back unsent (their time stays as it was)."""
    db[DELIVERIES].update_many(
        {"_id": {"$in": delivery_ids}, "status": DeliveryStatus.SENDING.value},
        {"$set": {"status": DeliveryStatus.PENDING.value, "claimed_until": None}})


def _deliveries_by_status(db) -> list[tuple[dict[str, str], float]]:
    groups = db[DELIVERIES].aggregate([
        {"$group": {"_id": {"channel": "$channel", "status": "$status"}, "n": {"$sum": 1}}}])
    return [({"channel": str(g["_id"]["channel"]), "status": str(g["_id"]["status"])},
             float(g["n"])) for g in groups]


def _subscriptions_by_status(db) -> list[tuple[dict[str, str], float]]:
    groups = db[SUBSCRIPTIONS].aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    return [({"status": str(g["_id"])}, float(g["n"])) for g in groups]


GAUGES = (
    DomainGauge("wspolpraca_notifications_deliveries", "Deliveries by channel and status.",
                ("channel", "status"), _deliveries_by_status),
    DomainGauge("wspolpraca_notifications_subscriptions", "Subscriptions by status.",
                ("status",), _subscriptions_by_status),
)
