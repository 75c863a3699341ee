"""The outbox relay: publishes committed events to `<service>.events`.

Runs in the service's process as a managed green thread. It takes pending outbox
records in commit order, publishes each as a persistent message with publisher
confirms (message id = event id), then marks the batch sent. A crash between the
publish and the mark sends those events again after restart; consumers dedupe by
event id. Only one relay per service publishes at a time (a lease in `locks`),
so scaled-out instances do not race each other.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from kombu import Connection, Exchange, Producer
from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wspolpraca import metrics
from wspolpraca.config import Settings
from wspolpraca.envelope import utcnow
from wspolpraca.mongo import LOCKS, OUTBOX

log = logging.getLogger(__name__)

BATCH_SIZE = 200
LEASE_SECONDS = 15.0
SENT_RETENTION = timedelta(days=7)


def event_exchange(service: str) -> Exchange:
    # Declared exactly as nameko declares it, so `@event_handler(service, ...)` works too.
    return Exchange(f"{service}.events", type="topic", durable=True, auto_delete=False)


def encode(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def acquire_lease(db: Database, name: str, owner: str, seconds: float) -> bool:
    now = utcnow()
    try:
        db[LOCKS].find_one_and_update(
            {"_id": name, "$or": [{"owner": owner}, {"expires_at": {"$lt": now}}]},
            {"$set": {"owner": owner, "expires_at": now + timedelta(seconds=seconds)}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False  # somebody else holds an unexpired lease
    return True


class OutboxRelay:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        # Stable across restarts on one host, so a restarted relay resumes at once
        # instead of waiting for its own old lease to expire.
        self.owner = (os.environ.get("WSPOLPRACA_INSTANCE")
                      or f"{socket.gethostname()}:{settings.service}")
        self._wake = threading.Event()
        self._stopped = False
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._lease_until = 0.0
        self._last_purge = 0.0

    # lifecycle -------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        self._close()

    def run(self) -> None:
        backoff = 0.5
        while not self._stopped:
            try:
                if self._hold_lease() and self.publish_pending() == BATCH_SIZE:
                    continue  # a full batch: more are probably waiting
                self._purge_sent()
                backoff = 0.5
            except Exception:
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                self._close()
                self._wake.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            self._wake.wait(self.settings.relay_poll_seconds)
            self._wake.clear()

    # work ------------------------------------------------------------------
    def publish_pending(self) -> int:
        """Publish one batch of pending events; returns how many were sent."""
        records = list(
            self.db[OUTBOX]
            .find({"status": "pending"})
            .sort([("created_at", ASCENDING), ("seq", ASCENDING)])
            .limit(BATCH_SIZE)
        )
        if not records:
            return 0
        producer = self._ensure_producer()
        sent: list[str] = []
        try:
            for record in records:
                body = record["body"]
                producer.publish(
                    encode(body),
                    exchange=record["exchange"],
                    routing_key=record["routing_key"],
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=record["_id"],
                    type=record["type"],
                    headers={"correlationid": body.get("correlationid")},
                    retry=False,
                )
                sent.append(record["_id"])
                metrics.EVENTS_PUBLISHED.labels(
                    service=self.settings.service, type=record["type"]
                ).inc()
        finally:
            if sent:
                self._mark_sent(sent)
        return len(sent)

    def _mark_sent(self, ids: list[str]) -> None:
        now = utcnow()
        self.db[OUTBOX].bulk_write(
            [UpdateOne({"_id": i}, {"$set": {"status": "sent", "sent_at": now}}) for i in ids],
            ordered=False,
        )

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            connection = Connection(
                self.settings.amqp_uri,
                transport_options={"confirm_publish": True},
                connect_timeout=5,
            )
            connection.ensure_connection(max_retries=1)
            channel = connection.channel()
            exchange = event_exchange(self.settings.service)
            exchange(channel).declare()
            self._connection = connection
            self._producer = Producer(channel)
        return self._producer

    def _close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass

    def _hold_lease(self) -> bool:
        now = time.monotonic()
        if now < self._lease_until - LEASE_SECONDS / 3:
            return True
        if acquire_lease(self.db, f"outbox-relay:{self.settings.service}", self.owner,
                         LEASE_SECONDS):
            self._lease_until = now + LEASE_SECONDS
            return True
        self._lease_until = 0.0
        return False

    def _purge_sent(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < 3600:
            return
        self._last_purge = now
        try:
            self.db[OUTBOX].delete_many(
                {"status": "sent", "sent_at": {"$lt": utcnow() - SENT_RETENTION}}
            )
        except PyMongoError:
            log.warning("could not purge sent outbox records", exc_info=True)


def outbox_backlog(db: Database) -> tuple[int, float]:
    """How many events wait and how old the oldest one is, in seconds."""
    pending = db[OUTBOX].count_documents({"status": "pending"})
    if not pending:
        return 0, 0.0
    oldest = db[OUTBOX].find_one({"status": "pending"}, sort=[("created_at", ASCENDING)])
    age = (utcnow() - oldest["created_at"]).total_seconds() if oldest else 0.0
    return pending, max(age, 0.0)
