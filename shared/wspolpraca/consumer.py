"""The idempotent event handler entrypoint.

`@event_handler("registry", "organization.registered")` on a service method that
takes one `CloudEvent`. Compared with nameko's own handler it

- dedupes by event id: a worker records `<queue>:<event id>` in
  `processed_events` inside the same transaction as its effect (see
  `Store.transaction`), and an event already recorded is acknowledged unhandled;
- retries a failing handler with backoff through per-delay retry queues
  (`<queue>.retry.<ms>ms`, whose messages expire back into the queue);
- then parks the message in `<queue>.dlq` with the error, instead of acking it
  away. A message is acknowledged only after its copy is safely published.

A handler whose whole effect is one new document keyed by the event's id (no other write, no
event emitted) may say so: `@event_handler(..., keyed_by_event=True)` and write it with
`self.db.insert_keyed_by_event(collection, document)`. That one insert is atomic by itself
and its duplicate key IS the processed mark (a redelivered event fails on it and is
acknowledged unhandled), so it needs neither a transaction nor a `processed_events` mark:
one database round trip per event instead of three (insert the mark, insert the effect,
commit). The collection must be written by that handler alone (the event's id is its key).
"""

from __future__ import annotations

import logging
import time
import traceback
from functools import partial

import amqp.exceptions
from eventlet.event import Event as GreenEvent
from kombu import Connection, Producer, Queue
from kombu.exceptions import OperationalError
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer
from pymongo.errors import PyMongoError

from wspolpraca import context, metrics
from wspolpraca.config import settings_of
from wspolpraca.dlq_metrics import register_dlq_gauge
from wspolpraca.envelope import CloudEvent, InvalidEnvelope, format_time, utcnow
from wspolpraca.mongo import Mongo
from wspolpraca.processed import AlreadyProcessed
from wspolpraca.queues import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    QUEUE_HEADER,
    dead_letter_queue_name,
    retry_queue_name,
)

log = logging.getLogger(__name__)

# what settling a message on a connection that died raises; nameko catches only the first
LOST_CONNECTION = (amqp.exceptions.ConnectionError, OperationalError, OSError)


class ParkingQueueConsumer(QueueConsumer):
    """nameko's shared queue consumer, except that a body kombu cannot decode (not JSON,
    not UTF-8) goes to its handler's dead-letter queue: kombu's default acks it away."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            park = getattr(provider, "park_undecodable", None)
            if park is not None:
                consumer.on_decode_error = park
        return consumers


class IdempotentEventHandler(EventHandler):
    queue_consumer = ParkingQueueConsumer()

    def __init__(self, source_service: str, event_type: str, *, precheck: bool = True,
                 keyed_by_event: bool = False, **kwargs) -> None:
        """`precheck=False` for a handler whose every effect is in `self.db.transaction`:
        the transaction itself refuses a duplicate, so the extra look-up is saved.
        `keyed_by_event=True` (no pre-check either) for a handler whose whole effect is one
        `self.db.insert_keyed_by_event(...)`: the duplicate key is the processed mark."""
        # a duplicate caught by the transaction is an expected outcome, not an error to log
        kwargs.setdefault("expected_exceptions", (AlreadyProcessed,))
        super().__init__(source_service, event_type, **kwargs)
        self.keyed_by_event = keyed_by_event
        self.precheck = precheck and not keyed_by_event
        self._in_flight: dict[str, GreenEvent] = {}

    def setup(self) -> None:
        super().setup()  # declares the exchange and `self.queue` as nameko does
        self.settings = settings_of(self.container.config)
        self.delays = self.settings.consumer_retry_delays
        self.store = next(
            (d for d in self.container.dependencies if isinstance(d, Mongo)), None
        )
        name = self.queue.name
        self.dead_letter_queue = Queue(dead_letter_queue_name(name), durable=True,
                                       auto_delete=False)
        self.retry_queues = [
            Queue(
                retry_queue_name(name, delay),
                durable=True,
                auto_delete=False,
                queue_arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": name,
                },
            )
            for delay in self.delays
        ]
        with self._connection() as connection:
            channel = connection.channel()
            for queue in [self.dead_letter_queue, *self.retry_queues]:
                queue(channel).declare()
        register_dlq_gauge(self.container.service_name, self.settings.amqp_uri, [name])

    @property
    def consumer_key(self) -> str:
        return self.queue.name

    def _connection(self) -> Connection:
        return Connection(self.settings.amqp_uri, transport_options={"confirm_publish": True},
                          connect_timeout=5)

    # message flow ----------------------------------------------------------
    def handle_message(self, body, message) -> None:
        self.container.spawn_managed_thread(partial(self._dispatch, body, message))

    def park_undecodable(self, message, exc: Exception) -> None:
        log.error("undecodable message on %s: %s", self.queue.name, exc)
        self.container.spawn_managed_thread(
            partial(self._park, message, None, f"undecodable body: {exc}", "unknown"))

    def _dispatch(self, body, message) -> None:
        try:
            event = CloudEvent.from_dict(body)
        except InvalidEnvelope as exc:
            log.error("poison message on %s: %s", self.queue.name, exc)
            self._park(message, body, f"invalid envelope: {exc}", "unknown")
            return
        if self.precheck:
            # a copy of an event this process is handling right now (a redelivery racing
            # the first delivery) waits for it, then finds it processed: a handler without a
            # transaction of its own is not run twice at once here
            running = self._in_flight.get(event.id)
            if running is not None:
                running.wait()
            if self._already_processed(event):
                self._count(event, "duplicate")
                self._ack(message)
                return
            self._in_flight[event.id] = GreenEvent()
        data = {
            context.CORRELATION_ID: event.correlation_id or event.id,
            context.CAUSATION_ID: event.id,
            context.EVENT_ID: event.id,
            context.CONSUMER: self.consumer_key,
        }
        if self.keyed_by_event:
            data[context.KEYED_BY_EVENT] = True
        started = time.perf_counter()
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=data,
                handle_result=partial(self._handle_result, message, body, event, started),
            )
        except BaseException:  # no worker (the container stops): nobody is left waiting
            running = self._in_flight.pop(event.id, None)
            if running is not None:
                running.send()
            raise

    def _handle_result(self, message, body, event: CloudEvent, started: float, worker_ctx,
                       result=None, exc_info=None):
        try:
            return self._settle(message, body, event, started, worker_ctx, result, exc_info)
        finally:
            running = self._in_flight.pop(event.id, None)
            if running is not None:
                running.send()

    def _settle(self, message, body, event: CloudEvent, started: float, worker_ctx,
                result=None, exc_info=None):
        metrics.EVENT_HANDLING_DURATION.labels(
            service=self.container.service_name, type=event.type
        ).observe(time.perf_counter() - started)
        if exc_info is None:
            if self.store is not None and not worker_ctx.data.get(context.PROCESSED_RECORDED):
                try:
                    self.store.record_processed(self.consumer_key, event.id)
                except PyMongoError as exc:
                    # the handler had no transaction of its own, so its effect is not
                    # undone: the redelivery repeats it (at least once), never loses it
                    log.warning("could not record %s as processed by %s: %s; requeued",
                                event.id, self.consumer_key, exc)
                    self._requeue(message)
                    return result, exc_info
            self._count(event, "ok")
            self._ack(message)
        elif isinstance(exc_info[1], AlreadyProcessed):
            self._count(event, "duplicate")
            self._ack(message)
        else:
            error = "".join(traceback.format_exception_only(*exc_info[:2])).strip()
            self._retry_or_park(message, body, event, error)
        return result, exc_info

    # the consumer is itself the entrypoint; nameko's default ack path is replaced
    def handle_message_processed(self, message, result=None, exc_info=None):  # pragma: no cover
        raise NotImplementedError

    def _retry_or_park(self, message, body, event: CloudEvent, error: str) -> None:
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        if attempts <= len(self.delays):
            queue = self.retry_queues[attempts - 1]
            log.warning("handler %s failed on %s (attempt %d), retrying in %ss: %s",
                        self.consumer_key, event.id, attempts, self.delays[attempts - 1], error)
            if self._republish(message, body, queue.name, attempts, error):
                self._count(event, "retry")
        else:
            log.error("handler %s failed on %s after %d attempts, dead-lettered: %s",
                      self.consumer_key, event.id, attempts, error)
            self._park(message, body, error, event.type, attempts)

    def _park(self, message, body, error: str, event_type: str, attempts: int = 1) -> None:
        if self._republish(message, body, self.dead_letter_queue.name, attempts, error):
            metrics.EVENTS_CONSUMED.labels(
                service=self.container.service_name, type=event_type, outcome="dead"
            ).inc()

    def _republish(self, message, body, queue_name: str, attempts: int, error: str) -> bool:
        """Publish the copy (confirmed, persistent), then ack; on failure requeue the original."""
        headers = dict(message.headers or {})
        headers.update({
            ATTEMPTS_HEADER: attempts,
            ERROR_HEADER: error[-2000:],
            FAILED_AT_HEADER: format_time(utcnow()),
            QUEUE_HEADER: self.queue.name,
        })
        try:
            with self._connection() as connection:
                Producer(connection.channel()).publish(
                    message.body,
                    exchange="",
                    routing_key=queue_name,
                    content_type=message.content_type,
                    content_encoding=message.content_encoding,
                    delivery_mode=2,
                    headers=headers,
                    message_id=message.properties.get("message_id"),
                    retry=True,
                    retry_policy={"max_retries": 3},
                )
        except Exception:
            log.exception("could not move a failed message to %s; requeued", queue_name)
            self._requeue(message)
            return False
        self._ack(message)
        return True

    def _already_processed(self, event: CloudEvent) -> bool:
        """The look-up before handling; when the database does not answer, the handler's
        own transaction (which records the event) is the check."""
        if self.store is None:
            return False
        try:
            return self.store.is_processed(self.consumer_key, event.id)
        except PyMongoError:
            return False

    def _ack(self, message) -> None:
        """Ack, unless the broker connection died meanwhile: then the broker has already
        taken the message back and redelivers it (the dedupe absorbs the second delivery).
        An error here must not escape: it would kill the whole service container."""
        try:
            self.queue_consumer.ack_message(message)
        except LOST_CONNECTION as exc:
            log.warning("could not ack on %s (connection lost: %s); it will be redelivered",
                        self.queue.name, exc)

    def _requeue(self, message) -> None:
        try:
            self.queue_consumer.requeue_message(message)
        except LOST_CONNECTION as exc:
            log.warning("could not requeue on %s (connection lost: %s); it will be "
                        "redelivered", self.queue.name, exc)

    def _count(self, event: CloudEvent, outcome: str) -> None:
        metrics.EVENTS_CONSUMED.labels(
            service=self.container.service_name, type=event.type, outcome=outcome
        ).inc()


event_handler = IdempotentEventHandler.decorator
