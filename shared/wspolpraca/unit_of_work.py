"""The unit of work: one MongoDB transaction writes a state change together with the events
it emits (into the outbox) and, for a worker started by an event, that event's idempotency
mark. `Store` is what a worker gets as `self.db`; `Store.transaction(work)` runs `work(tx)`.

An event is never sent from a request handler: `Transaction.emit` stores it in the outbox
inside the transaction, and the relay (wspolpraca.relay) publishes it after the commit.

`Transaction.later` keeps a write whose answer nobody reads (an insert of a new record, a
delete, an upsert of a read model) until the work is done, and sends all of them in one
`bulkWrite` round trip before the commit; the outbox records of a transaction that has such
writes go with them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import groupby
from typing import Any, Protocol, TypeVar

from pymongo import ASCENDING, IndexModel, InsertOne, MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import (
    ClientBulkWriteException,
    DuplicateKeyError,
    InvalidOperation,
    PyMongoError,
)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from wspolpraca import context, idempotency
from wspolpraca.config import Settings
from wspolpraca.database import Collection
from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.outbox import OUTBOX, outbox_record
from wspolpraca.processed import PROCESSED, AlreadyProcessed, processed_key

T = TypeVar("T")

# one small document per committed transaction that neither emits nor consumes an event: the
# proof that it committed, when the database's answer to its commit was lost
RECEIPTS = "transaction_receipts"
RECEIPTS_COLLECTION = Collection(RECEIPTS, (IndexModel([("at", ASCENDING)], name="at"),))


class Provider(Protocol):
    """What a Store needs of the service's database dependency (wspolpraca.mongo.Mongo)."""

    db: Database
    client: MongoClient
    settings: Settings

    def events_committed(self, records: list[dict[str, Any]]) -> None: ...


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
        # the records written past the request's If-Match (wspolpraca.repository)
        self.if_match_written: set[str] = set()
        # writes kept for one round trip before the commit (`later`, `flush`)
        self.pending: list[Any] = []

    def namespace(self, collection: str) -> str:
        """`<database>.<collection>`, as a write kept `later` names its collection."""
        return f"{self.db.name}.{collection}"

    def later(self, write: Any) -> None:
        """Keep `write` (a pymongo `InsertOne`, `DeleteOne`, `UpdateOne` or `ReplaceOne` given
        its `namespace=`) and send it with the others before the commit, in order, in one
        round trip (`flush`). For writes whose answer nobody reads: a refusal (a write
        conflict, a duplicate key) still aborts the transaction, at the flush. Reads in this
        transaction do not see a kept write until then."""
        self.pending.append(write)

    def flush(self) -> None:
        """Send the writes kept `later` (the store calls it once the work is done)."""
        if not self.pending:
            return
        writes, self.pending = self.pending, []
        if self.session.in_transaction and self.session._starting_transaction:
            # SecantusDB refuses `bulkWrite` as the statement that starts a transaction
            # (it carries the transaction's readConcern)
            self._write_by_collection(writes)
            return
        try:
            self.store.client.bulk_write(writes, ordered=True, session=self.session)
        except InvalidOperation:   # a server before MongoDB 8.0 has no `bulkWrite`
            self._write_by_collection(writes)
        except ClientBulkWriteException as exc:
            # the write's own error (a WriteConflict with its TransientTransactionError
            # label) is what the transaction's retry looks at
            if isinstance(exc.error, PyMongoError):
                raise exc.error from exc
            raise

    def _write_by_collection(self, writes: list[Any]) -> None:
        """The kept writes in order, one round trip per run of writes to one collection."""
        for namespace, run in groupby(writes, key=lambda write: write._namespace):
            database, _, collection = namespace.partition(".")
            self.store.client[database][collection].bulk_write(list(run), ordered=True,
                                                               session=self.session)

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
        if self.pending:   # sent with the kept writes (nothing reads the outbox meanwhile)
            self.later(InsertOne(record, namespace=self.namespace(OUTBOX)))
        else:
            self.db[OUTBOX].insert_one(record, session=self.session)
        self.events.append(event)
        self.records.append(record)
        return event

    def emit_many(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[CloudEvent]:
        """`emit` for many `(routing_key, subject, data)` at once: one insert for them all."""
        events = [CloudEvent(service=self.store.service, routing_key=routing_key,
                             subject=subject, data=data,
                             correlation_id=self.store.correlation_id,
                             causation_id=self.store.causation_id)
                  for routing_key, subject, data in items]
        if not events:
            return []
        records = [outbox_record(event, self.started_at, len(self.events) + number)
                   for number, event in enumerate(events)]
        if self.pending:   # sent with the kept writes, as in `emit`
            for record in records:
                self.later(InsertOne(record, namespace=self.namespace(OUTBOX)))
        else:
            self.db[OUTBOX].insert_many(records, ordered=True, session=self.session)
        self.events.extend(events)
        self.records.extend(records)
        return events


class _CommittedBefore(Exception):
    """Raised out of a retried attempt to stop with_transaction: the earlier one committed."""


class Store:
    """What a worker gets as `self.db`: the database and the unit of work."""

    def __init__(self, provider: Provider, worker_data: dict[str, Any]) -> None:
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
            tx.flush()
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

    def insert_keyed_by_event(self, collection: str, document: dict[str, Any]) -> None:
        """The whole effect of a handler declared `keyed_by_event=True` (wspolpraca.consumer):
        `document` inserted under the worker's event id as `_id`, one atomic write, no
        transaction. The duplicate key is the processed mark: an event already applied raises
        AlreadyProcessed (acknowledged unhandled), so the effect happens once however often the
        event is delivered, and nothing is recorded in `processed_events`."""
        event_id = self.worker_data.get(context.EVENT_ID)
        if not event_id or not self.worker_data.get(context.KEYED_BY_EVENT):
            raise RuntimeError("insert_keyed_by_event is for an event handler declared "
                               "keyed_by_event=True")
        if self.worker_data.get(context.PROCESSED_RECORDED):
            raise RuntimeError(f"event {event_id} already has its processed mark: a keyed "
                               "handler writes one document")
        if document.get("_id", event_id) != event_id:
            raise ValueError("the document of a keyed handler has the event's id as _id")
        try:
            self.db[collection].insert_one({**document, "_id": event_id})
        except DuplicateKeyError:
            raise AlreadyProcessed(event_id) from None
        self.worker_data[context.PROCESSED_RECORDED] = True

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
