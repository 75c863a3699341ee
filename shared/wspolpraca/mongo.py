"""The MongoDB dependency: one client per service, its own database, and the
unit of work that writes a state change together with its events.

An event is never sent from a request handler: `Transaction.emit` stores it in
the `outbox` collection inside the same MongoDB transaction as the change, and
the relay (`wspolpraca.outbox`) publishes it after the commit.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel, MongoClient
from pymongo.client_session import ClientSession
from pymongo.collection import Collection as PymongoCollection
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, DuplicateKeyError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from wspolpraca import context, idempotency
from wspolpraca.config import Settings, settings_of
from wspolpraca.envelope import CloudEvent, utcnow

log = logging.getLogger(__name__)

T = TypeVar("T")

OUTBOX = "outbox"
PROCESSED = "processed_events"
LOCKS = "locks"
# one small document per committed transaction that neither emits nor consumes an event: the
# proof that it committed, when the database's answer to its commit was lost
RECEIPTS = "transaction_receipts"


@dataclass(frozen=True)
class Collection:
    """A collection the service owns and the indexes it needs, created at start.

    `migrate`, when given, runs at every start after the indexes exist: it brings
    documents stored by an older version up to date (so it must be idempotent and cheap
    when there is nothing to do).
    """

    name: str
    indexes: tuple[IndexModel, ...] = ()
    migrate: Callable[[PymongoCollection], None] | None = None


INFRASTRUCTURE_COLLECTIONS = (
    Collection(
        OUTBOX,
        (
            IndexModel([("status", ASCENDING), ("created_at", ASCENDING), ("seq", ASCENDING)],
                       name="pending_in_order"),
            IndexModel([("sent_at", ASCENDING)], name="sent_at"),
        ),
    ),
    Collection(PROCESSED, (IndexModel([("processed_at", ASCENDING)], name="processed_at"),)),
    Collection(LOCKS),
    Collection(idempotency.COLLECTION, idempotency.INDEXES),
    Collection(RECEIPTS, (IndexModel([("at", ASCENDING)], name="at"),)),
)


@dataclass(frozen=True)
class DomainGauge:
    """A domain figure computed from the service's database when Prometheus scrapes."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    source: Callable[[Database], Iterable[tuple[dict[str, str], float]]]


def count_by(db: Database, collection: str, field: str, label: str,
             query: dict[str, Any] | None = None) -> list[tuple[dict[str, str], float]]:
    """Documents per value of `field`, as samples of a `DomainGauge` labelled `label`."""
    pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
    pipeline.append({"$group": {"_id": f"${field}", "n": {"$sum": 1}}})
    return [({label: str(g["_id"])}, float(g["n"])) for g in db[collection].aggregate(pipeline)]


class AlreadyProcessed(Exception):
    """The event this worker handles was already handled by the same consumer."""


def connect(settings: Settings) -> MongoClient:
    return MongoClient(
        settings.mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname=f"wspolpraca-{settings.service}",
    )


def ensure_schema(db: Database, collections: Iterable[Collection]) -> None:
    """Create collections and indexes up front (never implicitly inside a transaction)."""
    existing = set(db.list_collection_names())
    for collection in collections:
        if collection.name not in existing:
            try:
                db.create_collection(collection.name)
            except CollectionInvalid:
                pass  # created by a concurrent start
        if collection.indexes:
            db[collection.name].create_indexes(list(collection.indexes))
        if collection.migrate is not None:
            collection.migrate(db[collection.name])


def processed_key(consumer: str, event_id: str) -> str:
    return f"{consumer}:{event_id}"


class Transaction:
    """One MongoDB transaction: the documents it writes and the events it emits."""

    def __init__(self, store: Store, session: ClientSession) -> None:
        self.store = store
        self.session = session
        self.db = store.db
        self.events: list[CloudEvent] = []
        self.records: list[dict[str, Any]] = []
        self.started_at = utcnow()
        self.receipt: str | None = None

    def insert_once(self, collection: str, record: dict[str, Any],
                    key: tuple[str, ...] = ("_id",)) -> bool:
        """Insert `record` unless a document with its `key` fields exists; True if inserted.

        Not `insert_one` with `except DuplicateKeyError`: on MongoDB a failed write aborts the
        whole transaction, so the transaction's next operation would fail (NoSuchTransaction).
        """
        result = self.db[collection].update_one(
            {name: record[name] for name in key},
            {"$setOnInsert": {k: v for k, v in record.items() if k not in key}},
            upsert=True, session=self.session)
        return result.upserted_id is not None

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> CloudEvent:
        event = CloudEvent(
            service=self.store.service,
            routing_key=routing_key,
            subject=subject,
            data=data,
            correlation_id=self.store.correlation_id,
            causation_id=self.store.causation_id,
        )
        record = outbox_record(event, self.started_at, len(self.events))
        self.db[OUTBOX].insert_one(record, session=self.session)
        self.events.append(event)
        self.records.append(record)
        return event


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


class _CommittedBefore(Exception):
    """Raised out of a retried attempt to stop with_transaction: the earlier one committed."""


class Store:
    """What a worker gets as `self.db`: the database and the unit of work."""

    def __init__(self, provider: Mongo, worker_data: dict[str, Any]) -> None:
        self.provider = provider
        self.db: Database = provider.db
        self.client: MongoClient = provider.client
        self.service: str = provider.settings.service
        self.worker_data = worker_data

    @property
    def correlation_id(self) -> str | None:
        return self.worker_data.get(context.CORRELATION_ID)

    @property
    def causation_id(self) -> str | None:
        return self.worker_data.get(context.CAUSATION_ID)

    def __getitem__(self, name: str):
        return self.db[name]

    def transaction(self, work: Callable[[Transaction], T]) -> T:
        """Run `work` in a transaction, retried on transient errors, and wake the relay.

        A worker started by an event records that event as processed in the same
        transaction, so its effect and its dedupe mark commit or vanish together.
        """
        done: list[Transaction] = []
        marked: list[bool] = []
        keyed: list[bool] = []
        results: list[T] = []

        def attempt(session: ClientSession) -> T:
            # with_transaction may run this again after a transient error (a write
            # conflict): each attempt starts afresh, the processed mark included
            if done and self._committed_before(done[0], session):
                raise _CommittedBefore
            tx = Transaction(self, session)
            marked_now = self._mark_processed(session)
            keyed_now = self._mark_idempotency_key(session)
            result = work(tx)
            if not tx.records and not marked_now:  # (an event's processed mark guards it)
                tx.receipt = uuid.uuid4().hex
                self.db[RECEIPTS].insert_one({"_id": tx.receipt, "at": utcnow()},
                                             session=session)
            done[:] = [tx]
            marked[:] = [marked_now]
            keyed[:] = [keyed_now]
            results[:] = [result]
            return result

        with self.client.start_session() as session:
            try:
                result = session.with_transaction(
                    attempt,
                    read_concern=ReadConcern("snapshot"),
                    write_concern=WriteConcern("majority"),
                )
            except _CommittedBefore:
                result = results[0]
        if marked and marked[0]:
            self.worker_data[context.PROCESSED_RECORDED] = True  # only once it committed
        if keyed and keyed[0]:
            self.worker_data[context.IDEMPOTENCY_RECORDED] = True
        if done and done[0].records:
            self.provider.events_committed(done[0].records)
        return result

    def _committed_before(self, earlier: Transaction, session: ClientSession) -> bool:
        """Did an earlier attempt commit although its commit seemed to fail?

        A commit whose answer is lost (the database restarted under it) is retried by
        pymongo; a server that lost the transaction then answers NoSuchTransaction, and
        with_transaction runs the work again, which would do it twice. An attempt that
        emitted events committed if its first outbox record is there; one that emitted none
        left a receipt instead (both read in the new attempt's snapshot, so only what is
        committed counts, and a failed read is transient like the rest of the attempt).
        """
        if earlier.records:
            return self.db[OUTBOX].find_one({"_id": earlier.records[0]["_id"]}, {"_id": 1},
                                            session=session) is not None
        if earlier.receipt is None:
            return False
        return self.db[RECEIPTS].find_one({"_id": earlier.receipt}, {"_id": 1},
                                          session=session) is not None

    def _mark_idempotency_key(self, session: ClientSession) -> bool:
        """Take the request's Idempotency-Key in this transaction (once per worker)."""
        mark_id = self.worker_data.get(context.IDEMPOTENCY_MARK)
        if not mark_id or self.worker_data.get(context.IDEMPOTENCY_RECORDED):
            return False
        idempotency.mark(self.db, session, mark_id,
                         self.worker_data.get(context.IDEMPOTENCY_FINGERPRINT, ""))
        return True

    def _mark_processed(self, session: ClientSession) -> bool:
        """Record the worker's event as processed in this transaction (once per worker)."""
        event_id = self.worker_data.get(context.EVENT_ID)
        consumer = self.worker_data.get(context.CONSUMER)
        if not event_id or not consumer or self.worker_data.get(context.PROCESSED_RECORDED):
            return False
        try:
            self.db[PROCESSED].insert_one(
                {"_id": processed_key(consumer, event_id), "processed_at": utcnow()},
                session=session,
            )
        except DuplicateKeyError:
            raise AlreadyProcessed(event_id) from None
        return True


class Mongo(DependencyProvider):
    """`db = Mongo(collections)`: the service's own database, its schema created at start.

    It also runs the outbox relay of the service (unless disabled by settings).
    """

    def __init__(self, collections: Iterable[Collection] = (),
                 gauges: Iterable[DomainGauge] = ()) -> None:
        self.collections = tuple(collections)
        self.gauges = tuple(gauges)
        self.client: MongoClient | None = None
        self.relay = None

    def setup(self) -> None:
        from wspolpraca.outbox import OutboxRelay

        self.settings = settings_of(self.container.config)
        self.client = connect(self.settings)
        self.db = self.client[self.settings.mongo_database]
        ensure_schema(self.db, INFRASTRUCTURE_COLLECTIONS + self.collections)
        if self.settings.relay_enabled:
            self.relay = OutboxRelay(self.settings, self.db)
        self._register_gauges()

    def _register_gauges(self) -> None:
        from wspolpraca.metrics import SCRAPE_TIME
        from wspolpraca.outbox import outbox_backlog

        db, service = self.db, self.settings.service
        SCRAPE_TIME.register(
            service, "wspolpraca_outbox_pending", "Events committed and not yet published.", [],
            lambda: [({}, float(outbox_backlog(db)[0]))],
        )
        SCRAPE_TIME.register(
            service, "wspolpraca_outbox_oldest_age_seconds",
            "Age of the oldest event waiting in the outbox.", [],
            lambda: [({}, outbox_backlog(db)[1])],
        )
        for gauge in self.gauges:
            SCRAPE_TIME.register(service, gauge.name, gauge.documentation, list(gauge.labels),
                                 lambda gauge=gauge: gauge.source(db))

    def start(self) -> None:
        if self.relay is not None:
            self.container.spawn_managed_thread(self.relay.run)

    def stop(self) -> None:
        if self.relay is not None:
            self.relay.stop()
        if self.client is not None:
            self.client.close()

    def kill(self) -> None:
        self.stop()

    def events_committed(self, records: list[dict[str, Any]]) -> None:
        if self.relay is not None:
            self.relay.committed(records)

    def get_dependency(self, worker_ctx) -> Store:
        return Store(self, worker_ctx.data)

    def background_store(self) -> Store:
        """A Store for the service's own background threads (dispatchers, sweeps): its
        transactions emit events like a worker's, with no correlation to inherit."""
        return Store(self, {})

    def is_processed(self, consumer: str, event_id: str) -> bool:
        return self.db[PROCESSED].find_one({"_id": processed_key(consumer, event_id)}) is not None

    def record_processed(self, consumer: str, event_id: str) -> None:
        self.db[PROCESSED].update_one(
            {"_id": processed_key(consumer, event_id)},
            {"$setOnInsert": {"processed_at": utcnow()}},
            upsert=True,
        )
