"""The idempotent event handler against the real broker and database."""

from __future__ import annotations

import json
import subprocess
import threading
from collections import Counter
from urllib.parse import unquote, urlsplit

import pika
import pytest
from pymongo.errors import OperationFailure

from wspolpraca.consumer import event_handler
from wspolpraca.envelope import CloudEvent
from wspolpraca.mongo import Collection, Mongo
from wspolpraca.queues import dead_letter_queue_name
from wspolpraca.testing.rabbit import queue_messages
from wspolpraca.testing.sync import Consumed
from wspolpraca.testing.waiting import wait_until

FAILURES_WANTED: dict[str, int] = {}
ATTEMPTS: Counter = Counter()
HELD, RELEASE = threading.Event(), threading.Event()


class Sink:
    name = "sink"
    db = Mongo([Collection("seen")])

    @event_handler("registry", "organization.registered")
    def on_registered(self, event: CloudEvent) -> None:
        ATTEMPTS[event.id] += 1
        if ATTEMPTS[event.id] <= FAILURES_WANTED.get(event.id, 0):
            raise RuntimeError(f"planned failure {ATTEMPTS[event.id]}")

        def work(tx):
            tx.db["seen"].insert_one({"event_id": event.id, "data": event.data},
                                     session=tx.session)

        self.db.transaction(work)

    @event_handler("registry", "department.updated")
    def on_department_updated(self, event: CloudEvent) -> None:
        # the first attempt of the transaction hits a write conflict, as under load
        def work(tx):
            ATTEMPTS[event.id] += 1
            if ATTEMPTS[event.id] == 1:
                conflict = OperationFailure("WriteConflict", 112)
                conflict._add_error_label("TransientTransactionError")
                raise conflict
            tx.db["seen"].insert_one({"event_id": event.id}, session=tx.session)

        self.db.transaction(work)

    @event_handler("registry", "inquiry.received")
    def on_inquiry(self, event: CloudEvent) -> None:
        # held until the test has cut the broker connection under it
        HELD.set()
        RELEASE.wait(30)
        self.db.transaction(lambda tx: tx.db["seen"].insert_one({"event_id": event.id},
                                                                 session=tx.session))

    @event_handler("registry", "department.created")
    def on_department(self, event: CloudEvent) -> None:
        # no transaction of its own: the entrypoint records the event as processed
        self.db["seen"].insert_one({"event_id": event.id, "kind": "department"})

    @event_handler("registry", "organization.suspended", keyed_by_event=True)
    def on_suspended(self, event: CloudEvent) -> None:
        # the whole effect is one document keyed by the event: its duplicate key is the mark
        ATTEMPTS[event.id] += 1
        self.db.insert_keyed_by_event("suspensions", {"subject": event.subject})


QUEUE = "evt-registry-organization.registered--sink.on_registered"


def publish(amqp_uri: str, body: bytes | dict, routing_key: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.exchange_declare("registry.events", exchange_type="topic", durable=True)
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    channel.basic_publish("registry.events", routing_key, payload,
                          pika.BasicProperties(content_type="application/json",
                                               delivery_mode=2))
    connection.close()


def an_event(routing_key: str = "organization.registered") -> CloudEvent:
    return CloudEvent(service="registry", routing_key=routing_key, subject="org-1",
                      data={"id": "org-1", "name": "Fundacja"})




@pytest.fixture
def sink(start_service):
    return start_service(Sink)


def seen(sink, event_id: str) -> int:
    return sink.db["seen"].count_documents({"event_id": event_id})


def test_the_queue_is_named_as_nameko_names_it_so_departments_can_find_it(sink, amqp_uri):
    event = an_event()
    publish(amqp_uri, event.to_dict(), "organization.registered")
    wait_until(lambda: seen(sink, event.id) == 1)
    assert sink.db["processed_events"].count_documents({"_id": f"{QUEUE}:{event.id}"}) == 1


def test_an_event_delivered_twice_takes_effect_once(sink, amqp_uri):
    event = an_event()
    consumed = Consumed("sink")
    publish(amqp_uri, event.to_dict(), "organization.registered")
    publish(amqp_uri, event.to_dict(), "organization.registered")
    wait_until(lambda: seen(sink, event.id) == 1)
    consumed.wait(event.type, 2)
    assert seen(sink, event.id) == 1


def test_a_keyed_handler_applies_a_redelivered_event_once_without_a_processed_mark(sink,
                                                                                amqp_uri):
    event = an_event("organization.suspended")
    consumed = Consumed("sink")
    for _ in range(3):
        publish(amqp_uri, event.to_dict(), "organization.suspended")
    consumed.wait(event.type, 3)  # every copy dealt with: one applied, two duplicates
    assert consumed.since(event.type, "ok") == 1
    assert consumed.since(event.type, "duplicate") == 2
    assert ATTEMPTS[event.id] == 3
    assert list(sink.db["suspensions"].find({}, {"_id": 1, "subject": 1})) == [
        {"_id": event.id, "subject": "org-1"}]
    # the document is its own mark: nothing in processed_events, no transaction
    assert sink.db["processed_events"].count_documents(
        {"_id": {"$regex": f":{event.id}$"}}) == 0


def test_a_handler_without_a_transaction_is_deduplicated_too(sink, amqp_uri):
    event = an_event("department.created")
    consumed = Consumed("sink")
    for _ in range(3):
        publish(amqp_uri, event.to_dict(), "department.created")
    wait_until(lambda: seen(sink, event.id) >= 1)
    consumed.wait(event.type, 3)
    assert seen(sink, event.id) == 1


def test_a_failing_handler_is_retried_with_backoff_until_it_succeeds(sink, amqp_uri):
    event = an_event()
    FAILURES_WANTED[event.id] = 2  # the test settings allow two retries
    publish(amqp_uri, event.to_dict(), "organization.registered")
    wait_until(lambda: seen(sink, event.id) == 1)
    assert ATTEMPTS[event.id] == 3
    assert queue_messages(amqp_uri, dead_letter_queue_name(QUEUE)) == []


def test_a_handler_that_keeps_failing_parks_the_event_in_the_dead_letter_queue(sink, amqp_uri):
    event = an_event()
    FAILURES_WANTED[event.id] = 99
    publish(amqp_uri, event.to_dict(), "organization.registered")
    parked: list = []
    wait_until(lambda: parked.extend(queue_messages(amqp_uri, dead_letter_queue_name(QUEUE)))
               or parked)
    body, headers = parked[0]
    assert body["id"] == event.id
    assert headers["x-wspolpraca-attempts"] == 3
    assert "planned failure" in headers["x-wspolpraca-error"]
    assert headers["x-wspolpraca-queue"] == QUEUE
    assert seen(sink, event.id) == 0
    assert ATTEMPTS[event.id] == 3


def test_a_poison_message_goes_straight_to_the_dead_letter_queue(sink, amqp_uri):
    publish(amqp_uri, b'{"not": "a cloud event"}', "organization.registered")
    parked: list = []
    wait_until(lambda: parked.extend(queue_messages(amqp_uri, dead_letter_queue_name(QUEUE)))
               or parked)
    assert parked[0][0] == {"not": "a cloud event"}
    assert "invalid envelope" in parked[0][1]["x-wspolpraca-error"]
    # and the queue keeps flowing
    event = an_event()
    publish(amqp_uri, event.to_dict(), "organization.registered")
    wait_until(lambda: seen(sink, event.id) == 1)


def test_an_operator_can_inspect_and_replay_a_parked_event(sink, amqp_uri):
    from wspolpraca.dlq import parked, replay

    event = an_event()
    FAILURES_WANTED[event.id] = 3  # fails every delivery of the first round
    publish(amqp_uri, event.to_dict(), "organization.registered")
    wait_until(lambda: bool(parked(amqp_uri, QUEUE)))
    [item] = parked(amqp_uri, QUEUE)
    assert item["attempts"] == 3 and "planned failure" in item["error"]
    assert replay(amqp_uri, QUEUE) == 1  # the cause is fixed: the 4th attempt succeeds
    wait_until(lambda: seen(sink, event.id) == 1)
    assert parked(amqp_uri, QUEUE) == []


def test_a_transaction_retried_after_a_write_conflict_still_records_the_event_as_processed(
        sink, amqp_uri):
    event = an_event("department.updated")
    consumed = Consumed("sink")
    publish(amqp_uri, event.to_dict(), "department.updated")
    wait_until(lambda: seen(sink, event.id) == 1)
    key = f"evt-registry-department.updated--sink.on_department_updated:{event.id}"
    wait_until(lambda: sink.db["processed_events"].count_documents({"_id": key}) == 1)
    publish(amqp_uri, event.to_dict(), "department.updated")  # redelivered: no second effect
    consumed.wait(event.type, 1, outcome="duplicate")
    assert seen(sink, event.id) == 1
    assert ATTEMPTS[event.id] == 2


def test_an_event_that_keeps_failing_does_not_hold_up_the_queue(sink, amqp_uri):
    stuck, after = an_event(), an_event()
    FAILURES_WANTED[stuck.id] = 99
    publish(amqp_uri, stuck.to_dict(), "organization.registered")
    wait_until(lambda: ATTEMPTS[stuck.id] >= 1)
    publish(amqp_uri, after.to_dict(), "organization.registered")  # while `stuck` retries
    wait_until(lambda: seen(sink, after.id) == 1)
    parked: list = []
    wait_until(lambda: parked.extend(queue_messages(amqp_uri, dead_letter_queue_name(QUEUE)))
               or parked)
    assert [body["id"] for body, _ in parked] == [stuck.id]
    assert ATTEMPTS[stuck.id] == 3  # bounded: the first delivery and two retries


@pytest.mark.parametrize("body", [b"\xff\xfe{ not json", b"[1, 2, 3]", b'{"id": 1}'],
                         ids=["invalid-utf8-and-json", "json-array", "envelope-without-fields"])
def test_a_malformed_body_is_parked_and_the_queue_keeps_flowing(sink, amqp_uri, body):
    publish(amqp_uri, body, "organization.registered")
    parked: list = []
    wait_until(lambda: parked.extend(queue_messages(amqp_uri, dead_letter_queue_name(QUEUE)))
               or parked)
    assert len(parked) == 1
    assert parked[0][1]["x-wspolpraca-queue"] == QUEUE and parked[0][1]["x-wspolpraca-error"]
    event = an_event()
    publish(amqp_uri, event.to_dict(), "organization.registered")
    wait_until(lambda: seen(sink, event.id) == 1)


def test_the_operator_command_replays_the_dead_letter_queue_and_a_second_replay_is_harmless(
        sink, amqp_uri):
    import os
    import subprocess
    import sys

    event = an_event()
    FAILURES_WANTED[event.id] = 3
    consumed = Consumed("sink")
    publish(amqp_uri, event.to_dict(), "organization.registered")
    env = {**os.environ, "AMQP_URI": amqp_uri}

    def dlq(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "wspolpraca.dlq", *args, QUEUE], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout

    wait_until(lambda: event.id in dlq("show"))
    [shown] = [json.loads(line) for line in dlq("show").splitlines()]
    assert shown["attempts"] == 3 and "planned failure" in shown["error"]
    copy = json.loads(shown["body"])
    assert dlq("replay").startswith("replayed 1 message(s)")
    wait_until(lambda: seen(sink, event.id) == 1)
    assert dlq("show") == ""
    publish(amqp_uri, copy, "organization.registered")  # replayed again by mistake
    key = f"{QUEUE}:{event.id}"
    wait_until(lambda: ATTEMPTS[event.id] == 4 or sink.db["processed_events"].count_documents(
        {"_id": key}) == 1)
    consumed.wait(event.type, 1, outcome="duplicate")
    assert seen(sink, event.id) == 1


def test_a_broker_connection_lost_before_the_ack_does_not_kill_the_service(sink, amqp_uri):
    event = an_event("inquiry.received")
    consumed = Consumed("sink")
    publish(amqp_uri, event.to_dict(), "inquiry.received")
    assert HELD.wait(15)
    vhost = unquote(urlsplit(amqp_uri).path.lstrip("/"))
    subprocess.run(["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "test"],
                   check=True, capture_output=True, timeout=60)
    RELEASE.set()  # the handler commits, then acks on a dead connection
    wait_until(lambda: seen(sink, event.id) == 1)
    # the broker redelivers it on the new connection: no second effect, and the service lives
    later = an_event()
    publish(amqp_uri, later.to_dict(), "organization.registered")
    wait_until(lambda: seen(sink, later.id) == 1, timeout=30)
    consumed.wait(event.type, 2)  # the delivery, and the broker's redelivery
    assert seen(sink, event.id) == 1
