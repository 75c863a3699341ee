"""Several replicas of notifications on one database and one broker (issue #19, item 7):
competing consumers handle each event once, no delivery goes out twice, and the reminder timers
that fire in both replicas at once remind each report once (the registry's timers:
tests/integration/registry/test_registry_timer_replicas.py).

Replicas here are containers of the same service in this process, sharing the database and the
queues exactly as two pods of a Deployment do (tests/integration/shared/test_relay_replicas.py
runs the relay's case as separate processes, killing one)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import timedelta

from notifications_helpers import FAST, all_delivered, organization, routed_inquiry, send, text_of

from notifications import handlers
from notifications.domain import local_today
from notifications.service import NotificationsService
from wspolpraca.envelope import utcnow
from wspolpraca.testing.entrypoints import in_lockstep, run_at_once
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


NGO = "665f1c2a9b1e8a0000000011"
NGO_EMAIL = "chor@ngo.example.pl"


def signed_contract(contract_id: str, due_in_days: int) -> dict:
    due_on = local_today(utcnow()) + timedelta(days=due_in_days)
    return {"id": contract_id, "offer_id": "665f1c2a9b1e8a0000000a01",
            "competition_id": "665f1c2a9b1e8a0000000c01", "organization_id": NGO,
            "amount": "5000.00", "task_start": "2027-01-01",
            "task_end": (due_on - timedelta(days=30)).isoformat(),
            "report_due_on": due_on.isoformat(), "status": "signed",
            "signed_on": "2026-12-20",
            "tranches": [{"amount": "5000.00", "due_on": "2027-01-15"}]}


def test_the_reminder_timers_of_two_notifications_replicas_remind_each_report_once(
        start_service, smtp, amqp_uri, monkeypatch):
    database = f"notifications_timers_{uuid.uuid4().hex[:8]}"
    extra = {**FAST, "smtp_host": "127.0.0.1", "smtp_port": smtp.port}
    # timers on (their first tick is minutes away): the test fires both replicas' at once
    replicas = [start_service(NotificationsService, mongo_database=database,
                              timers_enabled=True, extra=extra) for _ in range(2)]
    db = replicas[0].db
    send(amqp_uri, "registry", "organization.verified", NGO,
         organization(NGO, NGO_EMAIL, ["culture"], name="Chór Miejski"))
    wait_until(lambda: db["organizations"].find_one({"_id": NGO}), what="the organisation")
    contracts = [f"665f1c2a9b1e8a00000b{n:04d}" for n in range(4)]
    for contract_id in contracts:  # each report due in 5 days: its reminder (7 days) is due
        send(amqp_uri, "grants", "contract.signed", contract_id,
             signed_contract(contract_id, 5))
    wait_until(lambda: db["reminders"].count_documents(
        {"_id": {"$in": [f"report-due:{c}" for c in contracts]}, "status": "pending"})
        == len(contracts), what="a pending reminder per contract")

    # both replicas' timers at once, each reminder taken by both together so that their
    # transactions really race for it
    in_lockstep(monkeypatch, handlers, "raise_reminder")
    raised = run_at_once(replicas, "send_reminders")
    assert sum(raised) == len(contracts), raised
    for replica in replicas:
        all_delivered(replica)
    mails = smtp.to(NGO_EMAIL, "notifications.reminder.report_due")
    reminded = Counter(c for mail in mails for c in contracts if c in text_of(mail))
    assert set(reminded) == set(contracts)
    assert set(reminded.values()) == {1}, "a report was reminded twice"
    assert len(mails) == len(contracts)
