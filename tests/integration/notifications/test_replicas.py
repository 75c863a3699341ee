"""Several replicas of a service on one database and one broker (issue #19, item 7): competing
consumers handle each event once, no delivery goes out twice, and timers that fire in every
replica raise each overdue inquiry once.

Replicas here are containers of the same service in this process, sharing the database and the
queues exactly as two pods of a Deployment do (tests/integration/shared/test_relay_replicas.py
runs the relay's case as separate processes, killing one)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from nameko.testing.services import entrypoint_hook
from notifications_helpers import FAST, routed_inquiry, send

from notifications.service import NotificationsService
from registry.service import RegistryService
from wspolpraca.envelope import utcnow
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


def test_the_timers_of_two_registry_replicas_raise_each_overdue_inquiry_once(start_service):
    database = f"registry_replicas_{uuid.uuid4().hex[:8]}"
    replicas = [start_service(RegistryService, mongo_database=database, timers_enabled=True)
                for _ in range(2)]
    filed = []
    for n in range(6):
        answer = replicas[n % 2].post("/api/v1/inquiries", json={
            "subject": f"Sala na próby nr {n}", "text": "Czy możemy korzystać z sali?",
            "area": "culture", "name": "Jan Kowalski", "email": "jan@chor.example.pl"})
        assert answer.status_code == 201, answer.text
        filed.append(answer.json()["id"])
    db = replicas[0].db
    # the tests' clock: their deadlines passed a day ago
    db["inquiries"].update_many({"_id": {"$in": filed}},
                                {"$set": {"deadline": utcnow() - timedelta(days=1)}})

    def fire(replica):
        with entrypoint_hook(replica.container, "report_overdue_inquiries") as check:
            return check()

    # both replicas' timers at once (one call per container: nameko's entrypoint_hook waits
    # for the container's first worker of the method, so two on one container share a result)
    with ThreadPoolExecutor(2) as pool:
        flagged = list(pool.map(fire, replicas))
    assert sum(flagged) == len(filed), flagged
    raised = Counter(r["body"]["subject"] for r in db["outbox"].find(
        {"type": "registry.inquiry.overdue"}, {"body.subject": 1}))
    assert set(raised) == set(filed) and set(raised.values()) == {1}
