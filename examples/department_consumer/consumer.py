"""A department's consumer of wspolpraca events: copy this file and write `handle`.

    AMQP_URI=amqps://dept_culture:...@rabbitmq.city.example/ \\
    python consumer.py dept.culture.inquiries --state processed.sqlite3

What it does, and why:

- consumes the department's durable queue `dept.<code>.<purpose>`, declared by the city in
  `infra/rabbitmq/definitions.json` (it exists before the first start, so no event is lost);
  by default it only checks that the queue exists (a passive declare, which a read-only user may
  do) and exits at once (status 2) when it does not; `--declare` declares it with the same
  attributes, for a local broker without definitions;
- `--department CODE`: handles only the events concerning that department, as its webhook
  subscription would (inquiries routed to it and bookings of its resources, by
  `data.department`; competitions it runs and those the liaison office runs itself; city-wide
  events such as organisations and consultations); the others are acknowledged and skipped,
  and counted;
- manual acknowledgements: a message is acknowledged only after it was handled and recorded,
  so a crash means redelivery, never loss;
- prefetch: at most `--prefetch` unacknowledged messages at a time;
- idempotency by CloudEvent `id`: every handled id is stored in a local SQLite file, in the
  same transaction as whatever `handle` writes through the `db` it is given, so an event
  delivered twice (the platform publishes at least once) takes effect once;
- failures: `handle` raising `TryLater` puts the message back after a pause (a temporary
  problem, e.g. the department's own system is down); any other exception rejects it without
  requeue, and the broker moves it to `<queue>.dlq` (the city's dead-letter policy), where an
  operator can inspect it and replay it once fixed;
- reconnects with exponential backoff (1 s, 2 s, 4 s ... at most 60 s, with jitter) when the
  broker restarts or the connection drops;
- stops gracefully on SIGINT/SIGTERM: the message being handled is finished and acknowledged,
  and one line sums up what was handled, skipped and dead-lettered;
- quiet: pika's own INFO lines are off unless `-v`.

Only pika (`pip install "pika>=1.3,<2"`) and the standard library are needed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pika
from pika.exceptions import AMQPChannelError, AMQPConnectionError, ChannelClosedByBroker

log = logging.getLogger("department_consumer")

Handler = Callable[[dict[str, Any], sqlite3.Connection], None]

# What `--department CODE` keeps, by the event's type (as the platform's webhooks do):
# - an inquiry, a booking or a resource names in `data.department` the department it was
#   routed to or that manages the resource: ours only;
DEPARTMENTS_OWN = ("registry.inquiry.", "registry.booking.", "registry.resource.")
# - a competition and what follows from it names the department running it: ours, and those
#   the liaison office runs itself (`liaison_office`, or none named), which are every
#   department's;
COMPETITIONS = ("grants.competition.", "grants.offer.", "grants.committee.", "grants.grant.",
                "grants.contract.", "grants.task_report.")
LIAISON_OFFICE = "liaison_office"
# - anything else concerns the whole city (organisations, consultations, programmes): kept.


class TryLater(Exception):
    """Raised by a handler for a temporary failure: the message is requeued after a pause."""


class QueueMissing(Exception):
    """The queue is not on the broker: waiting for it would wait for ever."""

    def __init__(self, queue: str) -> None:
        super().__init__(f"queue {queue} does not exist: ask the platform's operators, "
                         "or use --declare on a local broker")
        self.queue = queue


class ProcessedEvents:
    """The ids of handled events, in a local SQLite file."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS processed_events ("
            " event_id TEXT PRIMARY KEY, type TEXT, processed_at REAL NOT NULL)"
        )

    def seen(self, event_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM processed_events WHERE event_id = ?", (event_id,)
        ).fetchone()
        return row is not None

    def handle_once(self, event: dict[str, Any], handler: Handler) -> bool:
        """Run `handler` and record the id in one transaction; False if already handled."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.seen(event["id"]):
                self.db.execute("ROLLBACK")
                return False
            handler(event, self.db)
            self.db.execute(
                "INSERT INTO processed_events (event_id, type, processed_at) VALUES (?, ?, ?)",
                (event["id"], event.get("type"), time.time()),
            )
            self.db.execute("COMMIT")
            return True
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()


class DepartmentConsumer:
    def __init__(
        self,
        amqp_uri: str,
        queue: str,
        handler: Handler,
        *,
        state_path: str = "processed.sqlite3",
        prefetch: int = 10,
        declare: bool = False,
        initial_backoff: float = 1.0,
        max_backoff: float = 60.0,
        retry_pause: float = 5.0,
        connection_name: str | None = None,
        department: str | None = None,
    ) -> None:
        self.amqp_uri = amqp_uri
        self.queue = queue
        self.handler = handler
        self.processed = ProcessedEvents(state_path)
        self.prefetch = prefetch
        self.declare = declare
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.retry_pause = retry_pause
        self.connection_name = connection_name or f"{queue}@{os.uname().nodename}"
        self.department = department  # handle only the events concerning it
        self.connections = 0  # successful connections so far (reconnects = connections - 1)
        # what happened to the messages taken off the queue
        self.counts = {"handled": 0, "duplicates": 0, "skipped": 0, "dead-lettered": 0}
        self._stopping = threading.Event()

    # lifecycle ---------------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the consumer to stop; safe from a signal handler or another thread."""
        self._stopping.set()

    def summary(self) -> str:
        counts = self.counts
        return (f"{self.queue}: {counts['handled']} handled, {counts['skipped']} skipped "
                f"(other departments), {counts['dead-lettered']} dead-lettered, "
                f"{counts['duplicates']} duplicates acknowledged again")

    def concerns_us(self, event: dict[str, Any]) -> bool:
        """Whether the event concerns our department (always, without `--department`): the
        same rule as a department's own webhook subscription (docs/departments.md, "Which
        channels carry each event")."""
        if self.department is None:
            return True
        data = event.get("data")
        named = data.get("department") if isinstance(data, dict) else None
        event_type = str(event.get("type", ""))
        if event_type.startswith(DEPARTMENTS_OWN):
            return named == self.department
        if event_type.startswith(COMPETITIONS):
            return named in (self.department, LIAISON_OFFICE, None)
        return True  # city-wide: organisations, consultations, programmes, trainings

    def run(self) -> None:
        """Consume until `stop()`; reconnect with exponential backoff when the link drops.
        Raises `QueueMissing` at once when the queue does not exist."""
        backoff = self.initial_backoff
        try:
            while not self._stopping.is_set():
                try:
                    self._consume()
                    backoff = self.initial_backoff
                except (AMQPConnectionError, AMQPChannelError, OSError) as exc:
                    if self._stopping.is_set():
                        break
                    delay = min(backoff, self.max_backoff) * random.uniform(0.8, 1.2)
                    log.warning("connection to RabbitMQ lost (%r); reconnecting in %.1f s",
                                exc, delay)
                    self._stopping.wait(delay)
                    backoff = min(backoff * 2, self.max_backoff)
        finally:
            self.processed.close()

    # one connection ----------------------------------------------------------------------
    def _connect(self) -> pika.BlockingConnection:
        params = pika.URLParameters(self.amqp_uri)
        params.client_properties = {"connection_name": self.connection_name}
        params.heartbeat = 30
        params.connection_attempts = 1
        return pika.BlockingConnection(params)

    def _consume(self) -> None:
        connection = self._connect()
        try:
            channel = connection.channel()
            if self.declare:
                # The attributes of infra/rabbitmq/definitions.json: durable, no arguments
                # (dead-lettering comes from the city's policy, never from queue arguments).
                channel.queue_declare(self.queue, durable=True, auto_delete=False, arguments={})
            else:
                try:
                    channel.queue_declare(self.queue, passive=True)
                except ChannelClosedByBroker as exc:
                    if exc.reply_code == 404:  # NOT_FOUND: retrying cannot help
                        raise QueueMissing(self.queue) from None
                    raise
            channel.basic_qos(prefetch_count=self.prefetch)
            self.connections += 1
            log.info("consuming %s (prefetch %d)", self.queue, self.prefetch)
            for method, properties, body in channel.consume(self.queue, inactivity_timeout=1.0):
                if self._stopping.is_set():
                    break
                if method is None:
                    continue  # idle: check for stop again
                self._on_message(channel, method, properties, body)
            channel.cancel()  # unacknowledged prefetched messages go back to the queue
        finally:
            if connection.is_open:
                connection.close()

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        try:
            event = json.loads(body)
            if not isinstance(event, dict) or not isinstance(event.get("id"), str):
                raise ValueError("not a CloudEvent: no `id`")
        except ValueError as exc:
            log.error("rejecting a malformed message (%s); it goes to %s.dlq", exc, self.queue)
            channel.basic_reject(method.delivery_tag, requeue=False)
            self.counts["dead-lettered"] += 1
            return
        if not self.concerns_us(event):
            log.debug("event %s (%s) concerns another department; skipped", event["id"],
                      event.get("type"))
            channel.basic_ack(method.delivery_tag)
            self.counts["skipped"] += 1
            return
        try:
            handled = self.processed.handle_once(event, self.handler)
        except TryLater as exc:
            log.warning("event %s: temporary failure (%s); requeued in %.0f s",
                        event["id"], exc, self.retry_pause)
            channel.connection.sleep(self.retry_pause)
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        except Exception:
            log.exception("event %s (%s) failed; it goes to %s.dlq",
                          event["id"], event.get("type"), self.queue)
            channel.basic_reject(method.delivery_tag, requeue=False)
            self.counts["dead-lettered"] += 1
            return
        if not handled:
            log.info("event %s already handled; acknowledged again", event["id"])
        channel.basic_ack(method.delivery_tag)
        self.counts["handled" if handled else "duplicates"] += 1


# --- write your handling here ----------------------------------------------------------------


def handle(event: dict[str, Any], db: sqlite3.Connection) -> None:
    """Do the department's work for one event. Writes through `db` commit with the event's id.

    `event` is the CloudEvent: `type` (e.g. `registry.inquiry.routed`), `subject`, `time`,
    `data` (see the event catalogue for its schema), `id`, `correlationid`.
    """
    log.info("%s %s: %s", event.get("type"), event.get("subject"),
             json.dumps(event.get("data"), ensure_ascii=False)[:200])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("queue", help="the department's queue, e.g. dept.culture.inquiries")
    parser.add_argument("--state", default="processed.sqlite3", help="SQLite file of handled ids")
    parser.add_argument("--prefetch", type=int, default=10)
    parser.add_argument("--declare", action="store_true",
                        help="declare the queue (local broker without the city's definitions)")
    parser.add_argument("--department", metavar="CODE",
                        help="handle only the events concerning this department (its inquiries, "
                             "bookings and competitions, and city-wide events); acknowledge and "
                             "skip the rest")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also the RabbitMQ client's (pika's) own log lines")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # pika logs every connection step at INFO: quiet unless asked
    logging.getLogger("pika").setLevel(logging.INFO if args.verbose else logging.WARNING)
    consumer = DepartmentConsumer(
        os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"), args.queue, handle,
        state_path=args.state, prefetch=args.prefetch, declare=args.declare,
        department=args.department,
    )
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: consumer.stop())
    try:
        consumer.run()
    except QueueMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    log.info("stopped: %s", consumer.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
