"""`wspolpraca_dlq_messages`: the depth of a service's dead-letter queues, against the broker."""

from __future__ import annotations

import json
import time
import uuid

import pika
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from wspolpraca import metrics
from wspolpraca.consumer import event_handler
from wspolpraca.dlq_metrics import (
    METRIC,
    DlqDepthGauge,
    dlq_depths,
    register_dlq_gauge,
)
from wspolpraca.envelope import CloudEvent
from wspolpraca.metrics import ScrapeTimeGauges
from wspolpraca.mongo import Collection, Mongo
from wspolpraca.queues import dead_letter_queue_name
from wspolpraca.testing.rabbit import queue_messages
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

UNREACHABLE = "amqp://guest:guest@127.0.0.1:1/"


def _channel(amqp_uri: str):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    return connection, connection.channel()


def park(amqp_uri: str, queue: str, count: int) -> None:
    """Declare `<queue>.dlq` as the consumer does and put `count` messages in it."""
    connection, channel = _channel(amqp_uri)
    channel.queue_declare(dead_letter_queue_name(queue), durable=True)
    channel.confirm_delivery()
    for number in range(count):
        channel.basic_publish("", dead_letter_queue_name(queue), json.dumps({"n": number}),
                              pika.BasicProperties(delivery_mode=2))
    connection.close()


def queue_exists(amqp_uri: str, name: str) -> bool:
    connection, channel = _channel(amqp_uri)
    try:
        channel.queue_declare(name, passive=True)
        return True
    except pika.exceptions.ChannelClosedByBroker:
        return False
    finally:
        if connection.is_open:
            connection.close()


def scrape(registry: ScrapeTimeGauges) -> dict[tuple[str, str], float]:
    collectors = CollectorRegistry()
    collectors.register(registry)
    text = generate_latest(collectors).decode()
    return {
        (sample.labels["service"], sample.labels["queue"]): sample.value
        for family in text_string_to_metric_families(text) if family.name == METRIC
        for sample in family.samples
    }


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_depths_of_existing_dlqs_and_none_for_a_missing_one(amqp_uri):
    full, empty, missing = unique("full"), unique("empty"), unique("missing")
    park(amqp_uri, full, 3)
    park(amqp_uri, empty, 0)
    depths = dlq_depths(amqp_uri, [full, missing, empty])
    assert depths == {f"{full}.dlq": 3, f"{empty}.dlq": 0}
    assert not queue_exists(amqp_uri, f"{missing}.dlq"), "the look-up must be passive"


def test_the_gauge_is_exported_per_service_and_queue(amqp_uri):
    registry = ScrapeTimeGauges()
    service = unique("svc")
    first, second = unique("first"), unique("second")
    park(amqp_uri, first, 2)
    park(amqp_uri, second, 0)
    register_dlq_gauge(service, amqp_uri, [first], registry=registry)
    register_dlq_gauge(service, amqp_uri, [second], registry=registry)  # calls add up
    assert scrape(registry) == {(service, f"{first}.dlq"): 2, (service, f"{second}.dlq"): 0}


def cached_gauge(amqp_uri: str, name: str, parked: int
                 ) -> tuple[DlqDepthGauge, str, list[float]]:
    """A gauge caching for 15 s on a settable clock, over a new queue with `parked`
    messages in its DLQ, read once: the gauge, the queue and the clock."""
    now = [0.0]
    queue = unique(name)
    park(amqp_uri, queue, parked)
    gauge = DlqDepthGauge(amqp_uri, cache_seconds=15, clock=lambda: now[0])
    gauge.add([queue])
    assert gauge.samples() == [({"queue": f"{queue}.dlq"}, float(parked))]
    return gauge, queue, now


def test_depths_are_cached_between_scrapes(amqp_uri):
    gauge, queue, now = cached_gauge(amqp_uri, "cached", 1)
    park(amqp_uri, queue, 2)
    now[0] = 14.0
    assert gauge.samples() == [({"queue": f"{queue}.dlq"}, 1.0)], "read again within 15 s"
    now[0] = 15.0
    assert gauge.samples() == [({"queue": f"{queue}.dlq"}, 3.0)]


def test_an_unreachable_broker_keeps_the_last_depths_and_does_not_raise(amqp_uri):
    gauge, queue, now = cached_gauge(amqp_uri, "outage", 4)
    gauge.amqp_uri = UNREACHABLE
    now[0] = 20.0
    started = time.monotonic()
    assert gauge.samples() == [({"queue": f"{queue}.dlq"}, 4.0)]
    assert time.monotonic() - started < 10
    assert DlqDepthGauge(UNREACHABLE).samples() == []


# --- end to end: a real consumer parks a message, the service's /metrics exposition shows it ---


class Parker:
    name = "dlq_metrics_parker"
    db = Mongo([Collection("seen")])

    @event_handler("registry", "organization.archived")
    def on_archived(self, event: CloudEvent) -> None:
        raise RuntimeError("this handler always fails")


PARKER_QUEUE = "evt-registry-organization.archived--dlq_metrics_parker.on_archived"


def _exposed(service: str) -> dict[str, float]:
    text = metrics.exposition().decode()
    return {
        sample.labels["queue"]: sample.value
        for family in text_string_to_metric_families(text) if family.name == METRIC
        for sample in family.samples if sample.labels["service"] == service
    }


def test_a_parked_event_shows_in_the_service_metrics_until_drained(
        start_service, amqp_uri):
    start_service(Parker)
    gauge = register_dlq_gauge(Parker.name, amqp_uri, [PARKER_QUEUE], cache_seconds=0)
    assert _exposed(Parker.name) == {f"{PARKER_QUEUE}.dlq": 0}

    connection, channel = _channel(amqp_uri)
    channel.confirm_delivery()
    channel.basic_publish("registry.events", "organization.archived", b'{"not": "a cloud event"}',
                          pika.BasicProperties(content_type="application/json", delivery_mode=2))
    connection.close()
    wait_until(lambda: _exposed(Parker.name) == {f"{PARKER_QUEUE}.dlq": 1}, timeout=15,
               what="the parked message in the DLQ gauge")

    queue_messages(amqp_uri, f"{PARKER_QUEUE}.dlq")  # an operator drains it
    assert _exposed(Parker.name) == {f"{PARKER_QUEUE}.dlq": 0}
    assert gauge.queues == [PARKER_QUEUE]
