"""The dispatcher's normal path never searches the delivery log (issue #19, item 2):
committed deliveries are handed over in memory, successes are recorded in batches with their
`notification.sent` events, and the sweep still finds what the hand-off does not carry."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from notifications_helpers import all_delivered, dispatcher_of, publish, routed_inquiry

from notifications import repository
from notifications.domain import Outcome
from wspolpraca.envelope import utcnow
from wspolpraca.outbox import OUTBOX
from wspolpraca.testing.sync import wait_handled
from wspolpraca.testing.waiting import wait_until

NEVER = 3600.0   # no poll and no sweep within a test: only the hand-off can send


@pytest.fixture
def dept(token):
    return token("department", department="culture")


def subscribe(service, token, url: str) -> dict:
    response = service.post("/api/v1/subscriptions", token, json={
        "channel": "webhook", "target": url, "event_types": ["registry.inquiry.routed"]})
    assert response.status_code == 201, response.text
    return response.json()


def deliver_routed(service, token, receiver, amqp_uri, ids: str, count: int) -> None:
    """Subscribe a webhook, publish `count` routed inquiries (ids `ids` + 00, 01, ...) and
    wait until every one reached the receiver, was handled and is recorded as sent."""
    subscribe(service, token, receiver.url + "/ok")
    events = [routed_inquiry(id=f"{ids}{n:02d}") for n in range(count)]
    for event in events:
        publish(amqp_uri, event)
    wait_until(lambda: len(receiver.at("/ok")) == count, timeout=20)
    for event in events:
        wait_handled(service, event)
    all_delivered(service)


def test_a_committed_delivery_is_handed_over_and_sent_without_a_search(
        start_notifications, dept, receiver, amqp_uri):
    service = start_notifications(dispatcher_poll_seconds=NEVER, dispatcher_sweep_seconds=NEVER)
    dispatcher = dispatcher_of(service)
    searched = []
    original = repository.due_delivery_ids

    def counting(*args, **kwargs):
        searched.append(args)
        return original(*args, **kwargs)

    repository.due_delivery_ids = counting
    try:
        deliver_routed(service, dept, receiver, amqp_uri, "665f1c2a9b1e8a00876520", 12)
    finally:
        repository.due_delivery_ids = original
    assert len(searched) <= 1   # at most the start's sweep: all came through the hand-off
    webhooks = {r["_id"]: r["status"]
                for r in service.db["deliveries"].find({"channel": "webhook"})}
    assert list(webhooks.values()) == ["sent"] * 12
    told = {r["body"]["subject"]
            for r in service.db[OUTBOX].find({"routing_key": "notification.sent"})}
    assert set(webhooks) <= told and not dispatcher._ready and not dispatcher._sent
    assert len({r["headers"]["X-Wspolpraca-Delivery"] for r in receiver.at("/ok")}) == 12


def test_the_sweep_sends_what_was_not_handed_over(start_notifications, dept, receiver,
                                                  amqp_uri):
    """A delivery recorded by another replica (or before a restart) is in the database only."""
    service = start_notifications(dispatcher_sweep_seconds=0.1)
    created = subscribe(service, dept, receiver.url + "/ok")
    event = routed_inquiry()
    now = utcnow()
    record = {"_id": uuid.uuid4().hex, "event_id": event.id, "event_type": event.type,
              "subject": event.subject, "channel": "webhook", "target": receiver.url + "/ok",
              "audience": created["owner"],
              "subscription_id": created["id"], "status": "pending", "attempts": 0,
              "next_attempt_at": now - timedelta(seconds=1), "claimed_until": None,
              "last_error": None, "last_status_code": None, "created_at": now,
              "updated_at": now, "sent_at": None, "event": event.to_dict()}
    service.db["deliveries"].insert_one(record)
    [request] = wait_until(lambda: receiver.at("/ok"), timeout=20)
    assert request["headers"]["X-Wspolpraca-Delivery"] == record["_id"]
    wait_until(lambda: service.db["deliveries"].find_one(
        {"_id": record["_id"], "status": "sent"}), timeout=20)


def test_a_success_whose_claim_was_lost_is_not_recorded_over_the_new_claim(
        start_notifications):
    """Successes are recorded together; one whose claim another sender took meanwhile keeps
    that sender's state, and the others of the batch are recorded all the same."""
    service = start_notifications(dispatcher_enabled=False)
    dispatcher = dispatcher_of(service)
    now = utcnow()
    records = []
    for _ in range(3):
        event_id = str(uuid.uuid4())    # as the catalogue's events carry (a contract test reads)
        record = {"_id": uuid.uuid4().hex, "event_id": event_id, "event_type":
                  "registry.inquiry.routed", "subject": "s", "channel": "email",
                  "target": "a@example.pl", "audience": "a", "subscription_id": None,
                  "status": "sending", "claim": "mine", "attempts": 0, "next_attempt_at": now,
                  "claimed_until": now + timedelta(seconds=60), "last_error": None,
                  "last_status_code": None, "created_at": now, "updated_at": now,
                  "sent_at": None, "event": {"id": event_id}}
        service.db["deliveries"].insert_one(record)
        records.append(record)
    service.db["deliveries"].update_one({"_id": records[1]["_id"]},
                                        {"$set": {"claim": "someone else's"}})
    for record in records:
        dispatcher._finish(record, Outcome.SENT, None, None, None)
    assert dispatcher.record_sent() == 2
    statuses = {r["_id"]: (r["status"], r.get("claim"))
                for r in service.db["deliveries"].find({})}
    assert statuses[records[0]["_id"]] == ("sent", None)
    assert statuses[records[1]["_id"]] == ("sending", "someone else's")
    assert statuses[records[2]["_id"]] == ("sent", None)
    sent = {r["body"]["subject"]
            for r in service.db[OUTBOX].find({"routing_key": "notification.sent"})}
    assert sent == {records[0]["_id"], records[2]["_id"]}



def test_a_handed_over_delivery_is_recorded_claimed_and_sent_without_a_claim_write(
        start_notifications, dept, receiver, amqp_uri):
    """The claim is written with the record, in the consumed event's transaction, by the
    process that will send it: no claim write and no claim read before sending."""
    service = start_notifications(dispatcher_poll_seconds=NEVER, dispatcher_sweep_seconds=NEVER)
    dispatcher = dispatcher_of(service)
    claims, handed = [], []
    original_claim, original_hand_over = repository.claim_batch, dispatcher.hand_over

    def counting(*args, **kwargs):
        claims.append(args)
        return original_claim(*args, **kwargs)

    def hand_over(records):
        handed.extend((r["status"], r.get("claim")) for r in records)
        original_hand_over(records)

    repository.claim_batch, dispatcher.hand_over = counting, hand_over
    try:
        deliver_routed(service, dept, receiver, amqp_uri, "665f1c2a9b1e8a00876530", 5)
    finally:
        repository.claim_batch = original_claim
        dispatcher.hand_over = original_hand_over
    webhooks = [r for r in handed if r[0] == "sending"]
    assert len(webhooks) == 5 and {claim for _, claim in webhooks} == {dispatcher.claim_token}
    assert claims == []
    assert [r["status"] for r in service.db["deliveries"].find({"channel": "webhook"})] == \
        ["sent"] * 5
    assert not dispatcher._claimed and not dispatcher._held


def test_a_delivery_claimed_at_recording_by_a_process_that_died_is_swept_once_expired(
        start_notifications, dept, receiver):
    """The recording process died before sending: its lease expires and the sweep (of any
    replica) claims and sends the delivery, once."""
    service = start_notifications(dispatcher_sweep_seconds=0.1, dispatcher_poll_seconds=0.1)
    created = subscribe(service, dept, receiver.url + "/ok")
    event = routed_inquiry()
    now = utcnow()
    record = {"_id": uuid.uuid4().hex, "event_id": event.id, "event_type": event.type,
              "subject": event.subject, "channel": "webhook", "target": receiver.url + "/ok",
              "audience": created["owner"], "subscription_id": created["id"],
              "status": "sending", "claim": "a process that died", "attempts": 0,
              "next_attempt_at": now, "claimed_until": now - timedelta(seconds=1),
              "last_error": None, "last_status_code": None, "created_at": now,
              "updated_at": now, "sent_at": None, "event": event.to_dict()}
    service.db["deliveries"].insert_one(record)
    wait_until(lambda: service.db["deliveries"].find_one(
        {"_id": record["_id"], "status": "sent"}), timeout=20)
    all_delivered(service)
    assert [r["headers"]["X-Wspolpraca-Delivery"] for r in receiver.at("/ok")] == [record["_id"]]


def test_a_success_waiting_in_the_recorder_keeps_its_claim_past_its_lease(
        start_notifications, dept, receiver, amqp_uri):
    """Review finding N2: a success that waits to be recorded longer than its claim's lease
    keeps its claim (the lease is renewed), so no other sender claims and sends it again."""
    service = start_notifications(dispatcher_poll_seconds=NEVER, dispatcher_sweep_seconds=NEVER)
    dispatcher = dispatcher_of(service)
    dispatcher.lease_seconds, dispatcher.renew_every, dispatcher.clock_skew = 1.0, 0.05, 0.2
    dispatcher._renew_wake.set()     # the renewing loop takes the short period at once
    recorder_may_go = threading.Event()
    original = dispatcher.record_sent

    def held_back() -> int:
        recorder_may_go.wait()
        return original()

    dispatcher.record_sent = held_back
    try:
        subscribe(service, dept, receiver.url + "/ok")
        publish(amqp_uri, routed_inquiry())
        wait_until(lambda: receiver.at("/ok"), timeout=20)
        [(record, _)] = wait_until(lambda: list(dispatcher._sent), timeout=20)
        deliveries = service.db["deliveries"]
        first = deliveries.find_one({"_id": record["_id"]})["claimed_until"]
        wait_until(lambda: deliveries.find_one({"_id": record["_id"]})["claimed_until"]
                   > first + timedelta(seconds=2), timeout=20,
                   what="the lease renewed past its first end, twice over")
        # neither a sweep nor another replica's claim takes it
        now = utcnow()
        assert repository.due_delivery_ids(service.db, now, 10) == []
        assert repository.claim_batch(service.db, [record["_id"]], now,
                                      now + timedelta(seconds=30), "another replica") == []
    finally:
        recorder_may_go.set()
    wait_until(lambda: deliveries.find_one({"_id": record["_id"], "status": "sent"}),
               timeout=20)
    assert len(receiver.at("/ok")) == 1
