"""The outbox relay: publishes committed events to `<service>.events`.

Runs in the service's process as a managed green thread. Two ways in:

- the hand-off: after a transaction commits, `Store.transaction` hands the relay the
  outbox records it wrote, which are published at once (no query);
- the sweep: at start and every few seconds the relay reads pending records from the
  database, oldest first, so nothing committed is left behind by a crash, a lost
  hand-off or another instance of the service.

A batch is published as persistent messages (message id = event id) and the relay
waits for RabbitMQ's confirms of the whole batch (pipelined, not one round trip per
message); the confirmed records are marked sent a moment later, up to a thousand at a
time, while the next batches go out. A crash between the publish and the mark sends
those events again; consumers dedupe by event id. Only one relay per service
publishes at a time (a lease in `locks`), so scaled-out instances do not race: each instance
has an owner name of its own (host, process and a random part, or `WSPOLPRACA_INSTANCE`), a
relay that stops gives its lease back so another takes over at once, and one that dies loses
it when it expires (`LEASE_SECONDS`).

The lease outlives the worst batch: it is longer than a publish waiting for all its confirms
(`CONFIRM_TIMEOUT`), it is renewed every `LEASE_RENEW_SECONDS` while the relay waits for
confirms, and it is checked (renewed) again just before confirmed events are marked sent. A
relay that finds another owner in the lease (it stalled past its lease and a second relay took
over) stops at once: it abandons the batch, marks nothing and forgets what it had not marked;
the lease holder publishes those events again and consumers dedupe. So two relays never
publish side by side, and events do not go out of order behind a stalled broker.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import amqp
from kombu import Connection
from nameko.extensions import Extension
from pymongo import ASCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import PyMongoError

from wspolpraca import idempotency, metrics
from wspolpraca.config import Settings, settings_of
from wspolpraca.database import connect
from wspolpraca.envelope import utcnow
from wspolpraca.leases import acquire_lease, release_lease
from wspolpraca.outbox import OUTBOX
from wspolpraca.queues import events_exchange
from wspolpraca.unit_of_work import RECEIPTS

log = logging.getLogger(__name__)

BATCH_SIZE = 200
CONFIRM_TIMEOUT = 30.0
# Twice the longest wait for confirms: even a relay that could not renew during a whole stalled
# publish still holds the lease when it gives up. Renewed far more often than it expires.
LEASE_SECONDS = 2 * CONFIRM_TIMEOUT
LEASE_RENEW_SECONDS = 5.0
SWEEP_SECONDS = 2.0
SENT_RETENTION = timedelta(days=7)
REMEMBERED_SENT = 20_000
# Confirmed events are marked sent in the database a little later, in larger batches, so
# the next batch is published without waiting for the marks (the slower half of the work
# on the database). Marks are flushed once this many wait, when the relay runs out of
# work, before every sweep and at stop.
MARK_BATCH = 1000
MARK_DELAY_SECONDS = 1.0
# ids per update statement of the marks (see `flush_marks`)
MARK_STATEMENT = 50


def encode(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


class PublishFailed(Exception):
    pass


class LeaseLost(Exception):
    """Another relay holds the lease now: stop publishing and mark nothing."""


class ConfirmingPublisher:
    """One AMQP channel in confirm mode; publishes a batch, then awaits all its confirms."""

    def __init__(self, amqp_uri: str, service: str) -> None:
        params = Connection(amqp_uri)
        self.connection = amqp.Connection(
            host=f"{params.hostname}:{params.port or 5672}",
            userid=params.userid, password=params.password,
            virtual_host=params.virtual_host or "/", connect_timeout=5,
        )
        self.connection.connect()
        self.channel = self.connection.channel()
        self.channel.exchange_declare(events_exchange(service), "topic", durable=True,
                                      auto_delete=False)
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._acked)
        self.channel.events["basic_nack"].add(self._nacked)
        self._next_tag = 0
        self._waiting: OrderedDict[int, str] = OrderedDict()
        self._confirmed: list[str] = []
        self._refused: list[str] = []

    def _settle(self, delivery_tag: int, multiple: bool, into: list[str]) -> None:
        tags = [t for t in self._waiting if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            event_id = self._waiting.pop(tag, None)
            if event_id is not None:
                into.append(event_id)

    def _acked(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._confirmed)

    def _nacked(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, self._refused)

    def _drain(self, timeout: float) -> None:
        """Wait up to `timeout` for the broker's confirms (TimeoutError when none came)."""
        self.connection.drain_events(timeout=timeout)

    def publish(self, records: list[dict[str, Any]],
                keep_alive: Callable[[], None] = lambda: None) -> list[str]:
        """Publish the records; return the ids RabbitMQ confirmed (in publish order).
        `keep_alive` is called while the confirms are awaited (the relay renews its lease
        there, and raises LeaseLost to abandon the batch)."""
        self._confirmed, self._refused = [], []
        for record in records:
            body = record["body"]
            message = amqp.Message(
                encode(body).encode("utf-8"),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=record["_id"],
                type=record["type"],
                application_headers={"correlationid": body.get("correlationid")},
            )
            self.channel.basic_publish(message, exchange=record["exchange"],
                                       routing_key=record["routing_key"])
            self._next_tag += 1
            self._waiting[self._next_tag] = record["_id"]
        deadline = time.monotonic() + CONFIRM_TIMEOUT
        while self._waiting:
            keep_alive()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"{len(self._waiting)} publish(es) not confirmed in time")
            try:
                self._drain(min(remaining, 1.0))
            except TimeoutError:
                continue
        if self._refused:
            log.warning("RabbitMQ refused %d event(s); they stay pending", len(self._refused))
        return self._confirmed

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


class OutboxRelay:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        # Unique per instance, even for several instances on one host (or in one process):
        # two relays with one owner name would both believe they hold the lease.
        self.owner = (os.environ.get("WSPOLPRACA_INSTANCE")
                      or f"{socket.gethostname()}:{settings.service}:{os.getpid()}:"
                         f"{uuid.uuid4().hex[:8]}")
        self.lease_name = f"outbox-relay:{settings.service}"
        self._wake = threading.Event()
        self._stopped = False
        self._handed_off: deque[dict[str, Any]] = deque()
        self._recently_sent: OrderedDict[str, None] = OrderedDict()
        self._unmarked: list[str] = []  # confirmed by RabbitMQ, not yet marked sent
        self._unmarked_since = 0.0
        self._publisher: ConfirmingPublisher | None = None
        self.publisher_class: type[ConfirmingPublisher] = ConfirmingPublisher
        self._lease_until = 0.0
        self._lease_renewed = 0.0
        self._last_sweep = 0.0
        self._last_purge = 0.0

    # lifecycle -------------------------------------------------------------
    def committed(self, records: list[dict[str, Any]]) -> None:
        self._handed_off.extend(records)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        try:
            self.flush_marks()
        except (PyMongoError, LeaseLost):  # left pending: published again, deduped
            log.warning("could not mark %d sent event(s) at stop", len(self._unmarked))
        self._close()
        if self._lease_until:
            self._lease_until = 0.0
            try:  # hand over at once rather than after the lease expires
                release_lease(self.db, self.lease_name, self.owner)
            except PyMongoError:
                log.warning("could not release the outbox relay lease", exc_info=True)

    def run(self) -> None:
        backoff = 0.5
        while not self._stopped:
            try:
                busy = self._hold_lease() and self.relay_once()
                self._purge_sent()
                backoff = 0.5
                if busy:
                    continue
            except LeaseLost:
                log.warning("the outbox relay lost its lease to another instance; "
                            "it stops publishing until the lease is free again")
                self._close()
            except Exception:  # the relay must outlive any fault
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                self._close()
                self._wake.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            self._wake.wait(self.settings.relay_poll_seconds)
            self._wake.clear()

    # work ------------------------------------------------------------------
    def relay_once(self) -> bool:
        """Publish what was handed off, and sweep when due; True when more may be waiting."""
        sent = 0
        if self._handed_off:
            batch = []
            while self._handed_off and len(batch) < BATCH_SIZE:
                record = self._handed_off.popleft()
                if record["_id"] not in self._recently_sent:
                    batch.append(record)
            sent += self._publish(batch)
            if self._handed_off:
                self._flush_marks_when_due()
                return True
        if time.monotonic() - self._last_sweep >= SWEEP_SECONDS:
            swept = self.publish_pending()
            self._last_sweep = time.monotonic() if swept < BATCH_SIZE else 0.0
            sent += swept
        busy = sent >= BATCH_SIZE
        if busy:
            self._flush_marks_when_due()
        else:
            self.flush_marks()
        return busy

    def publish_pending(self) -> int:
        """Publish one batch of pending records from the database, oldest first."""
        self.flush_marks()  # else published-but-unmarked records would fill the page
        records = [
            r for r in self.db[OUTBOX]
            .find({"status": "pending"})
            .sort([("created_at", ASCENDING), ("seq", ASCENDING)])
            .limit(BATCH_SIZE)
            if r["_id"] not in self._recently_sent
        ]
        return self._publish(records)

    def _publish(self, records: list[dict[str, Any]]) -> int:
        if not records:
            return 0
        if self._publisher is None:
            self._publisher = self.publisher_class(self.settings.amqp_uri, self.settings.service)
        confirmed = self._publisher.publish(records, keep_alive=self._renew_lease)
        if confirmed:
            self._remember_sent(confirmed)
            if not self._unmarked:
                self._unmarked_since = time.monotonic()
            self._unmarked.extend(confirmed)
            types = {r["_id"]: r["type"] for r in records}
            for event_id in confirmed:
                metrics.EVENTS_PUBLISHED.labels(
                    service=self.settings.service, type=types[event_id]).inc()
        return len(confirmed)

    def _flush_marks_when_due(self) -> None:
        if len(self._unmarked) >= MARK_BATCH or (
                self._unmarked and time.monotonic() - self._unmarked_since >= MARK_DELAY_SECONDS):
            self.flush_marks()

    def flush_marks(self) -> None:
        """Mark every confirmed event sent (kept for the next try if the database fails),
        only while this relay still holds the lease (LeaseLost otherwise, nothing marked)."""
        while self._unmarked:
            self._renew_lease(force=True)
            ids, self._unmarked = self._unmarked[:MARK_BATCH], self._unmarked[MARK_BATCH:]
            now = utcnow()
            try:
                # One update per MARK_STATEMENT ids rather than one per id: the server plans
                # the `_id` lookup once and writes the marks in one pass. On SecantusDB a
                # mark cost 3.4 ms of its CPU one by one and 2.0 ms this way (its `$in` is
                # matched against each document, so much longer lists cost more again).
                # A record already marked is left alone (`status`), so a retried chunk is
                # harmless.
                for begin in range(0, len(ids), MARK_STATEMENT):
                    self.db[OUTBOX].update_many(
                        {"_id": {"$in": ids[begin:begin + MARK_STATEMENT]}, "status": "pending"},
                        {"$set": {"status": "sent", "sent_at": now, "sent_by": self.owner}},
                    )
            except PyMongoError:
                self._unmarked[:0] = ids
                raise
        self._unmarked_since = time.monotonic()

    def _remember_sent(self, ids: list[str]) -> None:
        for event_id in ids:
            self._recently_sent[event_id] = None
        while len(self._recently_sent) > REMEMBERED_SENT:
            self._recently_sent.popitem(last=False)

    def _close(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            publisher.close()

    def _hold_lease(self) -> bool:
        if self._stopped:
            return False
        try:
            self._renew_lease()
        except LeaseLost:
            return False
        return True

    def _renew_lease(self, force: bool = False) -> None:
        """Take or renew the lease when due (always when `force`d); LeaseLost when another
        relay holds it, or when this one could not renew it before it ran out."""
        now = time.monotonic()
        if not force and now < self._lease_until and (
                now - self._lease_renewed < LEASE_RENEW_SECONDS):
            return
        try:
            held = acquire_lease(self.db, self.lease_name, self.owner, LEASE_SECONDS)
        except PyMongoError:
            if now < self._lease_until:  # a database hiccup: still ours until it runs out
                log.warning("could not renew the outbox relay lease", exc_info=True)
                return
            held = False
        if held:
            self._lease_until, self._lease_renewed = now + LEASE_SECONDS, now
            return
        self._lose_lease()
        raise LeaseLost()

    def _lose_lease(self) -> None:
        """Another relay publishes now: forget the batch in hand and what was not marked
        (the holder's sweep publishes those again), so nothing is marked by this one."""
        if self._lease_until:
            log.info("outbox relay %s does not hold the lease", self.owner)
        self._lease_until = self._lease_renewed = 0.0
        self._handed_off.clear()
        self._unmarked.clear()
        self._recently_sent.clear()

    def _purge_sent(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < 3600:
            return
        self._last_purge = now
        try:
            self.db[OUTBOX].delete_many(
                {"status": "sent", "sent_at": {"$lt": utcnow() - SENT_RETENTION}}
            )
            # a receipt matters only while its transaction's commit is retried (seconds)
            self.db[RECEIPTS].delete_many({"at": {"$lt": utcnow() - timedelta(hours=1)}})
            idempotency.purge(self.db)
        except PyMongoError:
            log.warning("could not purge sent outbox records", exc_info=True)


class OutboxRelayProvider(Extension):
    """The relay of a service as a nameko extension (the `Mongo` dependency declares it): it
    has its own database client, runs `OutboxRelay.run` in a managed thread from the
    container's start, and stops it (marks flushed, lease given back) at the container's stop.
    Disabled by `WSPOLPRACA_RELAY=0` (settings.relay_enabled)."""

    def __init__(self) -> None:
        self.relay: OutboxRelay | None = None
        self.client: MongoClient | None = None

    def setup(self) -> None:
        settings = settings_of(self.container.config)
        if settings.relay_enabled:
            self.client = connect(settings)
            self.relay = OutboxRelay(settings, self.client[settings.mongo_database])

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

    def committed(self, records: list[dict[str, Any]]) -> None:
        """Records a transaction just committed: published at once."""
        if self.relay is not None:
            self.relay.committed(records)
