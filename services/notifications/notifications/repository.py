"""MongoDB access of the notifications service: collections, indexes and queries."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.collection import Collection as PymongoCollection

from notifications.domain import (
    COUNTED_STATUSES,
    Channel,
    DeliveryStatus,
    Subscription,
    SubscriptionStatus,
)
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, NotFound
from wspolpraca.mongo import Collection, DomainGauge, Transaction
from wspolpraca.pagination import Page, decode_cursor, encode_cursor
from wspolpraca.projection import keep_newest, replace_newest
from wspolpraca.repository import Repository

SUBSCRIPTIONS = "subscriptions"
DELIVERIES = "deliveries"
INBOX = "inbox"
ORGANIZATIONS = "organizations"   # projection of registry events
DEPARTMENTS = "departments"       # projection of registry events
OPTOUTS = "optouts"
CALENDAR = "calendar_entries"
# one document per audience ("public", "org:<id>", ...): a new `stamp` with every change of an
# entry of that audience, in the entry's transaction; a feed's version is its audiences' stamps
# (notifications.feeds keeps each feed rendered until they change)
CALENDAR_VERSIONS = "calendar_versions"
REMINDERS = "reminders"           # the schedule of report and training reminders
COUNCIL_MEMBERS = "council_members"   # projection of consultations' council events
ANNOUNCEMENTS = "announcements"   # open competitions and consultations, for late verifications
# projection of grants events: a competition's department (`<id>`) and the committee
# members who may score in it (`committee:<id>`), for audience.may_receive
COMPETITIONS = "competitions"
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
    Collection(CALENDAR_VERSIONS, migrate=lambda versions: backfill_calendar_versions(versions)),
    Collection(REMINDERS, (
        IndexModel([("status", ASCENDING), ("due_at", ASCENDING)], name="due"),
        IndexModel([("training_id", ASCENDING)], name="training"),
    )),
    Collection(COUNCIL_MEMBERS, (
        IndexModel([("council_id", ASCENDING), ("active", ASCENDING)], name="council"),)),
    Collection(ANNOUNCEMENTS, (IndexModel([("open_until", ASCENDING)], name="open_until"),)),
    Collection(COMPETITIONS),
    Collection(QUOTAS),
)

ACTIVE_STATUSES = [DeliveryStatus.PENDING.value]


class Subscriptions(Repository):
    """Subscriptions carry no version: their changes are whole-state moves by their owner
    (a status, a confirmation), so the last one wins (`overwrite`)."""

    collection_name = SUBSCRIPTIONS
    not_found = "Nie ma takiej subskrypcji."

    def overwrite(self, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": record["_id"]}, record, session=self.session)

    def set_fields(self, subscription_id: str, **values: Any) -> None:
        self.collection.update_one({"_id": subscription_id}, {"$set": values},
                                   session=self.session)

    def active(self) -> list[dict[str, Any]]:
        return self.find({"status": SubscriptionStatus.ACTIVE.value})

    def counted(self, owner: str, channel: str | None = None) -> int:
        """The owner's subscriptions that count against its quota (of one channel)."""
        query: dict[str, Any] = {"owner": owner,
                                 "status": {"$in": list(COUNTED_STATUSES)}}
        if channel is not None:
            query["channel"] = channel
        return self.collection.count_documents(query, session=self.session)

    def newsletter_of(self, owner: str) -> dict[str, Any] | None:
        """The address's newsletter subscription waiting for confirmation or active."""
        return self.find_one({"owner": owner, "newsletter": True, "status": {"$in": [
            SubscriptionStatus.PENDING_CONFIRMATION.value, SubscriptionStatus.ACTIVE.value]}})

    def forget_organization(self, user: str, organization_id: str) -> int:
        """A person no longer represents the organisation: their subscriptions stop
        receiving what concerns it (`audience.may_receive` reads the reader's `org_id`)."""
        return self.collection.update_many(
            {"reader.user": user, "reader.org_id": organization_id},
            {"$set": {"reader.org_id": None}}, session=self.session).modified_count

    def cancel_owned_by(self, owner: str, now: datetime) -> int:
        """Every subscription of this owner that still counts, cancelled (the account is
        gone); a cancelled one keeps no address to send to."""
        return self.collection.update_many(
            {"owner": owner, "status": {"$in": list(COUNTED_STATUSES)}},
            {"$set": {"status": SubscriptionStatus.CANCELLED.value, "updated_at": now},
             "$unset": {"owner_email": ""}}, session=self.session).modified_count

    def matching(self, event_type: str) -> list[Subscription]:
        """The active subscriptions that may match `event_type` (by its type, its
        aggregate's pattern or its service's); `domain.subscription_matches` decides."""
        service, aggregate, _ = event_type.split(".", 2)
        return [Subscription.from_record(r) for r in self.find(
            {"status": SubscriptionStatus.ACTIVE.value,
             "event_types": {"$in": [event_type, f"{service}.*",
                                     f"{service}.{aggregate}.*"]}})]


class Quotas(Repository):
    """One guard document per owner: writing it serializes the quota checks of one owner
    (two requests at once both write it, so one of them is retried and counts again)."""

    collection_name = QUOTAS

    def guard(self, owner: str) -> None:
        self.collection.update_one({"_id": owner}, {"$inc": {"writes": 1}}, upsert=True,
                                   session=self.session)


class Deliveries(Repository):
    collection_name = DELIVERIES

    def add(self, record: dict[str, Any]) -> bool:  # type: ignore[override]
        """False when this (event, recipient) delivery is already recorded: never twice."""
        return self.tx.insert_once(DELIVERIES, record)

    def add_many(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`add` for many in one command (an event's deliveries); returns those added."""
        if not records:
            return []
        result = self.collection.bulk_write([UpdateOne(
            {"_id": r["_id"]}, {"$setOnInsert": {k: v for k, v in r.items() if k != "_id"}},
            upsert=True) for r in records], ordered=True, session=self.session)
        return [records[index] for index in sorted(result.upserted_ids)]

    def retry_dead(self, delivery_id: str, subscription_id: str,
                   now: datetime) -> dict[str, Any] | None:
        """A dead-lettered delivery back to pending, sent again at once (None if it is not
        a dead delivery of that subscription)."""
        return self.collection.find_one_and_update(
            {"_id": delivery_id, "subscription_id": subscription_id,
             "status": DeliveryStatus.DEAD.value},
            {"$set": {"status": DeliveryStatus.PENDING.value, "next_attempt_at": now,
                      "attempts": 0, "updated_at": now}},
            return_document=ReturnDocument.AFTER, session=self.session)


class Inbox(Repository):
    collection_name = INBOX
    not_found = "Nie ma takiej wiadomości."

    def add(self, item: dict[str, Any]) -> bool:  # type: ignore[override]
        return self.tx.insert_once(INBOX, item, key=("delivery_id",))

    def mark_read(self, item_id: str, audiences: list[str], user: str) -> dict[str, Any]:
        item = self.collection.find_one_and_update(
            {"_id": item_id, "audience": {"$in": audiences}}, {"$addToSet": {"read_by": user}},
            return_document=ReturnDocument.AFTER, session=self.session)
        if item is None:
            raise NotFound(self.not_found)
        return item

    def mark_all_read(self, audiences: list[str], user: str) -> None:
        self.collection.update_many({"audience": {"$in": audiences}},
                                    {"$addToSet": {"read_by": user}}, session=self.session)


class Optouts(Repository):
    """Default emails an address opted out of, per event type (`*`: all of them)."""

    collection_name = OPTOUTS

    def add_once(self, email: str, event_type: str, now: datetime) -> None:
        self.collection.update_one(
            {"_id": optout_id(email, event_type)},
            {"$setOnInsert": {"email": email, "event_type": event_type, "created_at": now}},
            upsert=True, session=self.session)

    def check(self) -> Callable[[str, str], bool]:
        """`opted_out(email, event_type)` for `domain.plan_deliveries`."""
        def opted_out(email: str, event_type: str) -> bool:
            return self.find_one({"_id": {"$in": [optout_id(email, event_type),
                                                  optout_id(email, "*")]}}) is not None
        return opted_out


class Calendar(Repository):
    """Calendar entries. Every write of an entry gives each audience it is in (or was in,
    before the write) a new version stamp in the same transaction (`CALENDAR_VERSIONS`), so
    a feed's kept rendering is known to be current from one read by _id."""

    collection_name = CALENDAR

    def add(self, record: dict[str, Any]) -> None:
        super().add(record)
        self._changed(record.get("audiences") or [])

    def put(self, entry: Mapping[str, Any], event_time: str) -> None:
        """Put (or replace, if newer) an event's entry (`keep_newest`'s rule)."""
        written, current = replace_newest(
            self.tx, CALENDAR, entry["_id"], {k: v for k, v in entry.items() if k != "_id"},
            event_time)
        if not written:
            return
        self._changed([*((current or {}).get("audiences") or []),
                       *(entry.get("audiences") or [])])

    def remove(self, entry_id: str) -> None:
        removed = self.collection.find_one_and_delete({"_id": entry_id}, session=self.session)
        if removed is not None:
            self._changed(removed.get("audiences") or [])

    def _changed(self, audiences: Iterable[str]) -> None:
        """A new version stamp for each of these audiences' feeds (sent with the
        transaction's other kept writes: nothing in it reads them)."""
        stamp, now = uuid.uuid4().hex, utcnow()
        for audience in sorted(set(audiences)):
            self.tx.later(UpdateOne(
                {"_id": audience},
                {"$set": {"stamp": stamp, "changed_at": now}, "$inc": {"changes": 1}},
                upsert=True, namespace=self.tx.namespace(CALENDAR_VERSIONS)))


def calendar_versions(db: Any, audiences: Iterable[str]) -> list[Mapping[str, Any]]:
    """The version documents of these audiences (one read by _id; an audience none of
    whose entries changed since versions were kept has none)."""
    return list(db[CALENDAR_VERSIONS].find({"_id": {"$in": sorted(set(audiences))}}))


def calendar_entries(db: Any, audiences: Iterable[str], since: datetime
                     ) -> list[Mapping[str, Any]]:
    """The entries of these audiences starting from `since`, earliest first."""
    return list(db[CALENDAR].find(
        {"audiences": {"$in": list(audiences)}, "starts_at": {"$gte": since}}
    ).sort([("starts_at", ASCENDING), ("_id", ASCENDING)]))


def backfill_calendar_versions(versions: PymongoCollection) -> None:
    """`calendar_versions`' migrate: the audiences of entries written before versions were
    kept get one (so every feed that has entries has a version, and its rendering's
    DTSTAMP is the same in every replica). Once any version exists, one read."""
    if versions.find_one({}, {"_id": 1}) is not None:
        return
    audiences = {audience for entry in versions.database[CALENDAR].find({}, {"audiences": 1})
                 for audience in entry.get("audiences") or []}
    now = utcnow()
    for audience in sorted(audiences):
        versions.update_one({"_id": audience}, {"$setOnInsert": {
            "stamp": uuid.uuid4().hex, "changed_at": now, "changes": 0}}, upsert=True)


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


class Competitions(Repository):
    """What audience.may_receive needs of competitions (`audience.Competitions`)."""

    collection_name = COMPETITIONS

    def department_of(self, competition_id: str) -> str | None:
        found = self.collection.find_one({"_id": competition_id}, session=self.session)
        return found.get("department") if found else None

    def committee(self, competition_id: str) -> list[str]:
        found = self.collection.find_one({"_id": f"committee:{competition_id}"},
                                         session=self.session)
        return list(found.get("members") or []) if found else []


def project_committee(tx: Transaction, data: Mapping[str, Any], event_time: str) -> None:
    """Keep a competition's committee: the members who may score in it."""
    if not data.get("competition_id"):
        return
    members = sorted(m["user_id"] for m in data.get("members") or []
                     if isinstance(m, Mapping) and m.get("user_id") and not m.get("excluded"))
    keep_newest(tx, COMPETITIONS, f"committee:{data['competition_id']}", {"members": members},
                event_time)


def project_competition(tx: Transaction, data: Mapping[str, Any], event_time: str) -> None:
    """Keep a competition's department."""
    if data.get("id"):
        keep_newest(tx, COMPETITIONS, data["id"], {"department": data.get("department")},
                    event_time)


class Reminders(Repository):
    """The schedule: one reminder per report and per training registration."""

    collection_name = REMINDERS

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
    keep_newest(tx, COUNCIL_MEMBERS, member["id"],
            {"council_id": council_id, "name": member.get("name"),
             "side": member.get("side"), "organization_id": member.get("organization_id"),
             "user_id": member.get("user_id"), "email": member.get("email"),
             "active": active}, event_time)


def due_reminder_ids(db, now: datetime, limit: int = 500) -> list[str]:
    """The pending reminders whose time has come, soonest first."""
    return [r["_id"] for r in db[REMINDERS].find(
        {"status": "pending", "due_at": {"$lte": now}}, {"_id": 1})
        .sort("due_at", ASCENDING).limit(limit)]


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


# SecantusDB matches each document found by `_id` against the whole `$in` list, so one
# statement's cost grows with the square of its ids (measured on the relay's marks: 50 ids
# 2.0 ms per mark, 300 ids 3.3 ms): many deliveries go in statements of this many ids
IDS_PER_STATEMENT = 100


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for begin in range(0, len(ids), IDS_PER_STATEMENT):
        yield ids[begin:begin + IDS_PER_STATEMENT]


def _atomically(db, work: Callable[[Any], Any]) -> Any:
    """A write to many deliveries outside any unit of work, run in a transaction of its own.

    Alone, such an `update_many` that meets another transaction's uncommitted write to one of
    its deliveries (the success recorder's) is retried inside SecantusDB until that
    transaction ends, while it holds the collection's lock that transaction needs for its next
    statement, so neither moves (py-spy of the server; this did not end every case of sends
    left unrecorded under load: docs/performance.md). In a transaction the conflict is
    refused at once with a transient error and the driver runs `work` again. Every `work`
    here is a conditional write on `_id`s, so running it again (after a conflict or a lost
    commit answer) changes nothing that the first run did not."""
    with db.client.start_session() as session:
        return session.with_transaction(work)


def claim_batch(db, delivery_ids: list[str], now: datetime, until: datetime,
                token: str, expired: bool = True) -> list[dict[str, Any]]:
    """Claim many due deliveries; returns those this claim won.

    Each filter is a plain conjunction on `_id`: SecantusDB walks the `_id` index for it. The
    one `{_id: {$in}, $or: [pending and due, sending and expired]}` it replaces was matched
    against every document of the collection (measured: 38 ms with 100 deliveries in the
    log, 3.3 s with 20,000), so the claim cost grew with the delivery log's whole history.
    `expired=False`: pending ones only (handed-over deliveries: one write fewer).
    """
    def work(session) -> None:
        for due in ({"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
                    {"status": DeliveryStatus.SENDING.value, "claimed_until": {"$lt": now}}
                    )[:2 if expired else 1]:
            db[DELIVERIES].update_many(
                {"_id": {"$in": delivery_ids}, **due},
                {"$set": {"status": DeliveryStatus.SENDING.value, "claimed_until": until,
                          "claim": token}}, session=session)

    _atomically(db, work)
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


def release(db, delivery_ids: list[str], token: str | None = None) -> None:
    """Hand claimed deliveries back unsent (their time stays as it was); with `token`,
    only those still claimed with it."""
    for ids in _chunks(delivery_ids):
        mine: dict[str, Any] = {"_id": {"$in": ids}, "status": DeliveryStatus.SENDING.value}
        if token is not None:
            mine["claim"] = token
        _atomically(db, lambda session, mine=mine: db[DELIVERIES].update_many(
            mine, {"$set": {"status": DeliveryStatus.PENDING.value, "claimed_until": None}},
            session=session))


def renew_claims(db, claims: Mapping[str | None, list[str]], now: datetime,
                 until: datetime, busy: Callable[[], Iterable[str]] = frozenset) -> set[str]:
    """Extend unexpired claims (delivery ids by claim token) to `until`; returns the ids
    renewed. A claim that expired is not renewed, even if nobody took it yet: whoever
    holds it may not know whether it is still theirs. By `_id` (its index), in statements
    of at most `IDS_PER_STATEMENT` ids, each in a transaction of its own. The ids `busy()`
    names when a statement is sent (being written by another transaction of this process)
    are left out of it, so a renewal that met one is not sent into it again."""
    until = until.replace(microsecond=until.microsecond // 1000 * 1000)   # stored in ms
    renewed: set[str] = set()
    for token, group in claims.items():
        for chunk in _chunks(group):
            def renew(session, chunk=chunk, token=token) -> list[str]:
                skipped = set(busy())
                ids = [i for i in chunk if i not in skipped]
                if ids:
                    db[DELIVERIES].update_many(
                        {"_id": {"$in": ids}, "status": DeliveryStatus.SENDING.value,
                         "claim": token, "claimed_until": {"$gte": now}},
                        {"$set": {"claimed_until": until}}, session=session)
                return ids

            ids = _atomically(db, renew)
            if ids:
                renewed.update(doc["_id"] for doc in db[DELIVERIES].find(
                    {"_id": {"$in": ids}, "status": DeliveryStatus.SENDING.value,
                     "claim": token, "claimed_until": {"$gte": until}}, {"_id": 1}))
    return renewed


# what waits: the statuses a delivery leaves (sent, dead and digested are for good, counted
# as they happen by wspolpraca_notification_deliveries_total)
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.DIGEST)


def _deliveries_by_status(db) -> list[tuple[dict[str, str], float]]:
    """Deliveries that wait, by channel and status, at every scrape: each status read through
    the `due` index (status first), so the cost follows the backlog, not the delivery log's
    history (the gauge used to group the whole collection, sent and dead included)."""
    counts: Counter[tuple[str, str]] = Counter({   # 0, not no series, when nothing waits
        (channel.value, status.value): 0
        for channel in (Channel.WEBHOOK, Channel.EMAIL) for status in WAITING})
    for status in WAITING:
        for doc in db[DELIVERIES].find({"status": status.value}, {"_id": 0, "channel": 1}):
            counts[(str(doc.get("channel")), status.value)] += 1
    return [({"channel": channel, "status": status}, float(n))
            for (channel, status), n in sorted(counts.items())]


def _subscriptions_by_status(db) -> list[tuple[dict[str, str], float]]:
    groups = db[SUBSCRIPTIONS].aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    return [({"status": str(g["_id"])}, float(g["n"])) for g in groups]


GAUGES = (
    DomainGauge("wspolpraca_notifications_deliveries",
                "Deliveries waiting, by channel and status (pending, sending, digest).",
                ("channel", "status"), _deliveries_by_status),
    DomainGauge("wspolpraca_notifications_subscriptions", "Subscriptions by status.",
                ("status",), _subscriptions_by_status),
)
