"""Several replicas of notifications on one database and one broker (issue #19, item 7):
competing consumers handle each event once, and no delivery goes out twice (the registry's
timers: tests/integration/registry/test_registry_timer_replicas.py).

Replicas here are containers of the same service in this process, sharing the database and the
queues exactly as two pods of a Deployment do (tests/integration/shared/test_relay_replicas.py
runs the relay's case as separate processes, killing one)."""

from __future__ import annotations

import json
import uuid
from collections import Counter

from notifications_helpers import FAST, routed_inquiry, send

from notifications.service import NotificationsService
from wspolpraca.testing.waiting import wait_until

EVENTS = 30


def test_two_notifications_replicas_deliver_each_event_once(start_service, smtp, receiver,
                                                            amqp_uri, token):
    database = f"notifications_replicas_{uuid.uuid4().hex[:8]}"
    extra = {**FAST, "smtp_host": "127.0.0.1", "smtp_port": smtp.port}
    replicas = [start_service(NotificationsService, mongo_database=database, extra=extra)
                for _ in range(2)]
    dept = token("department", department="culture")
    created = replicas[0].post("/api/v1/subscriptions", dept, json={
        "channel": "webhook", "target": receiver.url + "/ok", "for_department": True,
        "event_types": ["registry.inquiry.routed"]})
    assert created.status_code == 201, created.text
    sent = []
    for n in range(EVENTS):
        event = routed_inquiry(id=f"665f1c2a9b1e8a00876{n:05d}")
        sent.append(send(amqp_uri, "registry", "inquiry.routed", event.subject,
                         event.data).id)
    db = replicas[0].db
    # every delivery settled (sent, and so never claimed again), then count what arrived
    wait_until(lambda: db["deliveries"].count_documents(
        {"channel": "webhook", "status": "sent"}) == EVENTS, timeout=60,
        what="every webhook delivery sent")
    arrived = Counter(json.loads(r["body"])["id"] for r in receiver.at("/ok"))
    assert set(arrived) == set(sent)
    assert set(arrived.values()) == {1}, "a delivery went out twice"
    assert db["deliveries"].count_documents({"channel": "webhook"}) == EVENTS
    # competing consumers: each event handled once, by one replica or the other
    marks = [m["_id"] for m in db["processed_events"].find({}, {"_id": 1})]
    handled = Counter(mark.split(":", 1)[1] for mark in marks if mark.endswith(tuple(sent)))
    assert set(handled) >= set(sent)
