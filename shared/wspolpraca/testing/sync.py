"""Synchronising tests on what they wait for, never on time passing.

A test that asserts "nothing more arrived" must first know that everything that was on its
way has arrived. Quiet periods ("wait a second, then look") make a slow machine fail and a
fast one wait for nothing; these helpers wait for the thing itself:

- `sentinel`: a message sent through a queue after the ones under test. A queue is FIFO, so
  when the sentinel comes out of it, everything that was in the queue before it came out too.
  `EventListener.sync` sends one through the listener's own queue.
- `outbox_drained`: a service's outbox has nothing pending, so every event it committed has been
  published *and confirmed by RabbitMQ* (the relay marks a record sent only after the confirm,
  which the broker sends once the message is in every bound queue). With a sentinel after it,
  `EventListener.settle` knows it has every event the service committed until then.
- `wait_handled`: an event consumed by every handler a service has for it (the processed
  marks, written in the handler's own transaction).
- `Consumed`: deliveries a service's handlers finished, whatever the outcome (ok, duplicate,
  retry, dead), by the `wspolpraca_events_consumed_total` metric: a duplicate leaves no mark of
  its own, so this is how a test knows a redelivered copy was dealt with.

`running_services` lists the services the test process started (`plugin.run_service`), so that
a listener finds the outboxes of the service it listens to without being told.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import amqp
from pymongo.database import Database

from wspolpraca import broker
from wspolpraca.envelope import CloudEvent
from wspolpraca.outbox import OUTBOX
from wspolpraca.processed import PROCESSED, processed_key
from wspolpraca.testing.waiting import wait_until

# The metrics (with the service machinery, nameko, hence eventlet) are imported where they are
# used: this module is imported with the event listener, also by the portal's browser tests,
# whose process never loads eventlet.

SENTINEL_TYPE = "wspolpraca.test.sentinel"

_running: list[Any] = []


def service_started(running: Any) -> None:
    _running.append(running)


def service_stopped(running: Any) -> None:
    if running in _running:
        _running.remove(running)


def running_services(name: str) -> list[Any]:
    """The services called `name` this process runs now (a `RunningService` each)."""
    return [r for r in _running if r.settings.service == name]


def sentinel(amqp_uri: str, queue: str) -> str:
    """Publish a sentinel straight into `queue` (the default exchange) and return its id; the
    queue's consumer recognises it by its type (`is_sentinel`)."""
    marker = f"sentinel-{uuid.uuid4().hex}"
    with broker.connection(amqp_uri, confirm=True) as connection:
        connection.channel().basic_publish(
            amqp.Message(b"{}", type=SENTINEL_TYPE, message_id=marker,
                         content_type="application/json"),
            exchange="", routing_key=queue)
    return marker


def is_sentinel(properties: Any) -> bool:
    return getattr(properties, "type", None) == SENTINEL_TYPE


def outbox_drained(db: Database) -> bool:
    """Nothing pending in the outbox of the service whose database `db` is."""
    return db[OUTBOX].count_documents({"status": "pending"}) == 0


def wait_outboxes_drained(databases: Iterable[Database], timeout: float = 30.0) -> None:
    for db in databases:
        wait_until(lambda db=db: outbox_drained(db), timeout=timeout,
                   what=f"the outbox of {db.name} published everything pending")


def handler_keys(running: Any, event: CloudEvent | dict) -> list[str]:
    """The consumer keys (queue names) of the service's handlers of `event` (a CloudEvent, or
    its dictionary as a listener collected it)."""
    if isinstance(event, dict):
        event = CloudEvent.from_dict(event)
    return [entrypoint.consumer_key for entrypoint in running.container.entrypoints
            if getattr(entrypoint, "consumer_key", None)
            and getattr(entrypoint, "source_service", None) == event.service
            and getattr(entrypoint, "event_type", None) == event.routing_key]


def wait_handled(running: Any, *events: CloudEvent | dict, timeout: float = 30.0) -> None:
    """Wait until every handler `running` has for each event recorded it processed (in the
    transaction of its effect). A redelivered copy of a processed event changes nothing."""
    keys = [processed_key(key, event["id"] if isinstance(event, dict) else event.id)
            for event in events
            for key in handler_keys(running, event)]
    assert keys or not events, f"{running.settings.service} handles none of {events}"

    def all_processed() -> bool:
        return running.db[PROCESSED].count_documents({"_id": {"$in": keys}}) == len(keys)

    wait_until(all_processed, timeout=timeout,
               what=f"{running.settings.service} processed {len(events)} event(s)")


def consumed_counts(service: str) -> dict[tuple[str, str], float]:
    """{(event type, outcome): deliveries finished} of the handlers of `service` in this
    process (the metric counts since the process started, over every test)."""
    from wspolpraca import metrics

    counts: dict[tuple[str, str], float] = {}
    for metric in metrics.EVENTS_CONSUMED.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels.get("service") == service:
                key = (sample.labels["type"], sample.labels["outcome"])
                counts[key] = counts.get(key, 0.0) + sample.value
    return counts


class Consumed:
    """Deliveries the handlers of `service` (in this process) finish from now on: make it
    before publishing, then `wait` for the deliveries the test caused."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.before = consumed_counts(service)

    def since(self, event_type: str, outcome: str | None = None) -> float:
        now = consumed_counts(self.service)
        return sum(value - self.before.get(key, 0.0) for key, value in now.items()
                   if key[0] == event_type and (outcome is None or key[1] == outcome))

    def wait(self, event_type: str, count: int, outcome: str | None = None,
             timeout: float = 30.0) -> None:
        """Until `count` deliveries of `event_type` (with `outcome`, if given) finished."""
        wait_until(lambda: self.since(event_type, outcome) >= count, timeout=timeout,
                   what=f"{count} {event_type} deliveries {outcome or 'finished'} "
                        f"by {self.service}")
