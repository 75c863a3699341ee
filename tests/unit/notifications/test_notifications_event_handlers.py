"""The generated event handlers (one per consumed type of `events.EVENTS`) and the reminder
timer, run with a fake unit of work: in-memory repositories stand for the transaction's
collections, so what one event records (its calendar entry, its effects, one delivery per
recipient, all in one transaction) is tested without RabbitMQ or a database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from notifications_fakes import Directory, FakeNotificationsUnit, Worker

from notifications import domain, events, handlers, service
from notifications.events import EventSpec
from wspolpraca.envelope import CloudEvent, format_time, utcnow
from wspolpraca.service_layer import Due

ORG = "665f1c2a9b1e8a0000000001"
BOOKING = {"id": "b1", "resource_name": "Sala 12", "title": "Próba chóru",
           "place": "Sala 12, ul. Długa 1", "organization_id": ORG,
           "organization_name": "Chór", "department": "culture",
           "starts_at": "2027-05-10T16:00:00.000Z", "ends_at": "2027-05-10T18:00:00.000Z",
           "reason": None}
OFFICERS_EMAIL = {"_id": "sub-officer", "channel": "email", "target": "urzad@example.pl",
                  "event_types": ["registry.booking.*"], "owner": "user:u1",
                  "status": "active", "reader": {"user": "u1", "roles": ["officer"]}}
Record = dict[str, Any]


@pytest.fixture
def uow() -> FakeNotificationsUnit:
    return FakeNotificationsUnit()


def booking_event(routing_key: str = "booking.approved", event_id: str | None = None
                  ) -> CloudEvent:
    return CloudEvent(service="registry", routing_key=routing_key, subject="b1",
                      data=BOOKING, **({"id": event_id} if event_id else {}))


def generated(spec_type: str):
    """The generated handler of a type, as the service class holds it."""
    return getattr(service.EventHandlers, events.EVENTS[spec_type].handler)


# --- the generated handlers -------------------------------------------------------------------
def test_every_consumed_type_has_a_generated_handler_applying_its_own_table_entry(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(handlers, "handle_event",
                        lambda command, uow: seen.append(command.spec.type) or 0)
    worker = Worker(FakeNotificationsUnit())
    for spec in events.consumed():
        getattr(service.EventHandlers, spec.handler)(worker, booking_event())
    assert seen == [spec.type for spec in events.consumed()]
    assert len(set(spec.handler for spec in events.consumed())) == len(seen)


def test_an_approved_booking_goes_into_the_calendar_and_to_each_recipient_in_one_transaction(
        uow):
    uow.subscriptions.add(OFFICERS_EMAIL)
    worker = Worker(uow)
    added = generated("registry.booking.approved")(worker, booking_event())
    assert added == 2   # the officer's email, the organisation's inbox (by default)
    assert worker.db.transactions == 1 and worker.dispatcher.woken == 1
    assert list(uow.calendar.records) == ["booking-b1"]
    [email] = uow.deliveries.records.values()
    assert (email["channel"], email["target"], email["status"]) == (
        "email", "urzad@example.pl", "pending")
    assert [audience for _, audience in worker.dispatcher.inbox] == [f"org:{ORG}"]
    assert uow.emitted == []   # deliveries are records; the dispatcher sends


def test_the_same_event_again_records_nothing_twice_and_wakes_nobody(uow):
    uow.subscriptions.add(OFFICERS_EMAIL)
    worker = Worker(uow)
    event = booking_event()
    assert generated("registry.booking.approved")(worker, event) == 2
    assert generated("registry.booking.approved")(worker, event) == 0
    assert len(uow.deliveries.records) == 1 and worker.dispatcher.woken == 1


def test_an_inactive_or_unrelated_subscription_gets_nothing(uow):
    uow.subscriptions.add({**OFFICERS_EMAIL, "_id": "paused", "status": "paused"})
    uow.subscriptions.add({**OFFICERS_EMAIL, "_id": "grants", "event_types": ["grants.*"]})
    worker = Worker(uow)
    assert generated("registry.booking.approved")(worker, booking_event()) == 1   # the inbox
    assert uow.deliveries.records == {}


def test_an_organisation_is_emailed_by_default_unless_its_address_opted_out(uow):
    uow.directory = Directory({ORG: {"_id": ORG, "email": "biuro@ngo.example.pl"}})
    worker = Worker(uow)
    assert generated("registry.booking.approved")(worker, booking_event()) == 2
    [email] = uow.deliveries.records.values()
    assert email["target"] == "biuro@ngo.example.pl" and email["subscription_id"] is None
    uow.optouts.add({"_id": "o1", "email": "biuro@ngo.example.pl",
                     "event_type": "registry.booking.approved"})
    assert generated("registry.booking.approved")(worker, booking_event()) == 1   # the inbox
    assert len(uow.deliveries.records) == 1


def test_a_refused_booking_puts_nothing_in_the_calendar(uow):
    worker = Worker(uow)
    assert generated("registry.booking.refused")(worker, booking_event("booking.refused")) == 1
    assert uow.calendar.records == {}


def test_an_event_its_type_makes_no_calendar_entry_of_leaves_the_calendar_alone(uow):
    spec = EventSpec("registry.booking.approved", calendar=lambda subject, data: None)
    assert handlers.apply_event(uow, spec, booking_event()) == 1   # the inbox
    assert uow.calendar.records == {}


def test_a_type_not_delivered_runs_only_its_effects_in_the_same_transaction(uow):
    uow.subscriptions.add({**OFFICERS_EMAIL, "event_types": ["registry.*"]})
    ran: list[object] = []
    spec = EventSpec("registry.booking.approved", delivered=False,
                     effects=(lambda step: ran.append(step.tx) or 0,))
    added = handlers.apply_event(uow, spec, booking_event(),
                                 also=(lambda step: ran.append(step.tx) or 3,))
    assert added == 3 and ran == [uow.tx, uow.tx]
    assert uow.deliveries.records == {} and uow.dispatcher.inbox == []
    uow.committed()
    assert uow.dispatcher.woken == 0   # nothing waits for the dispatcher


def test_only_a_unit_that_queued_a_delivery_wakes_the_dispatcher_and_only_once_committed(uow):
    worker = Worker(uow)
    assert generated("registry.booking.refused")(worker, booking_event("booking.refused")) == 1
    assert worker.dispatcher.woken == 0   # an inbox item is delivered as it is recorded
    uow.subscriptions.add(OFFICERS_EMAIL)
    assert handlers.handle_event(handlers.HandleEvent(
        events.EVENTS["registry.booking.approved"], booking_event()), uow) == 2
    assert len(uow.queued) == 1 and uow.dispatcher.woken == 0   # not before the commit
    uow.committed()
    assert uow.dispatcher.woken == 1
    assert uow.dispatcher.handed == [uow.queued[0]["_id"]]   # handed over, not searched for


# --- the reminders' timer ----------------------------------------------------------------------
def reminder(reminder_id: str, due_in: timedelta, expires_in: timedelta) -> Record:
    now = utcnow()
    return {"_id": reminder_id, "type": domain.REPORT_DUE_REMINDER, "subject": "c1",
            "status": "pending", "due_at": now + due_in, "expires_at": now + expires_in,
            "data": {"id": "c1", "contract_id": "c1", "organization_id": ORG,
                     "due_at": format_time(now + timedelta(days=7))}}


def test_a_due_reminder_is_raised_once_and_an_expired_one_only_settled(uow, monkeypatch):
    uow.reminders.add(reminder("r-due", -timedelta(minutes=5), timedelta(hours=20)))
    uow.reminders.add(reminder("r-late", -timedelta(days=2), -timedelta(days=1)))
    uow.reminders.add(reminder("r-later", timedelta(days=1), timedelta(days=2)))
    monkeypatch.setattr(service.repository, "due_reminder_ids", lambda db, now: [
        r["_id"] for r in uow.reminders.find({"status": "pending"}) if r["due_at"] <= now])
    worker = Worker(uow)
    now = utcnow()
    assert service.NotificationsService.raise_due_reminders(worker, now) == 1
    assert worker.db.transactions == 2   # one a reminder
    assert uow.reminders.get("r-due")["status"] == "sent"
    assert uow.reminders.get("r-late")["status"] == "expired"
    assert uow.reminders.get("r-later")["status"] == "pending"
    assert service.NotificationsService.raise_due_reminders(worker, now) == 0   # none due
    assert [audience for _, audience in worker.dispatcher.inbox] == [f"org:{ORG}"]


def test_a_reminder_already_raised_is_not_raised_again(uow):
    uow.reminders.add(reminder("r-due", -timedelta(minutes=5), timedelta(hours=20)))
    now = utcnow()
    assert handlers.raise_reminder(Due("r-due", now), uow) == 1
    assert handlers.raise_reminder(Due("r-due", now), uow) == 0
    assert len(uow.dispatcher.inbox) == 1
