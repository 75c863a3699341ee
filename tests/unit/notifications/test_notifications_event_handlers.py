"""The generated event handlers (one per consumed type of `events.EVENTS`) and the reminder
timer, run with a fake unit of work: in-memory repositories stand for the transaction's
collections, so what one event records (its calendar entry, its effects, one delivery per
recipient, all in one transaction) is tested without RabbitMQ or a database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from notifications import domain, events, handlers, service
from notifications.domain import Subscription
from notifications.events import EventSpec
from wspolpraca.envelope import CloudEvent, format_time, utcnow
from wspolpraca.testing.memory import FakeUnitOfWork, MemoryRepository

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


class MemoryCalendar(MemoryRepository):
    def put(self, entry: Record, event_time: str) -> None:
        self.records[entry["_id"]] = {**entry, "event_time": event_time}


class MemorySubscriptions(MemoryRepository):
    def matching(self, event_type: str) -> list[Subscription]:
        service_, aggregate, _ = event_type.split(".", 2)
        patterns = {event_type, f"{service_}.*", f"{service_}.{aggregate}.*"}
        return [Subscription.from_record(r) for r in self.records.values()
                if r["status"] == "active" and patterns & set(r["event_types"])]


class MemoryDeliveries(MemoryRepository):
    def add(self, record: Record) -> bool:  # type: ignore[override]
        if record["_id"] in self.records:
            return False   # this (event, recipient) delivery is recorded already
        self.records[record["_id"]] = record
        return True


class MemoryOptouts(MemoryRepository):
    def check(self):
        return lambda email, event_type: (email, event_type) in {
            (r["email"], r["event_type"]) for r in self.records.values()}


class MemoryReminders(MemoryRepository):
    def settle(self, reminder_id: str, status: str, now) -> bool:
        stored = self.records.get(reminder_id)
        if stored is None or stored["status"] != "pending":
            return False
        stored.update(status=status, sent_at=now if status == "sent" else None)
        return True


class Directory:
    """The organisations' addresses known (none by default: they hear through their inbox
    only)."""

    def __init__(self, organizations: dict[str, Record] | None = None) -> None:
        self.organizations = organizations or {}

    def organization(self, organization_id: str) -> Record | None:
        return self.organizations.get(organization_id)

    def department(self, code: str) -> None:
        return None

    def organizations_in_areas(self, areas) -> list[Record]:
        return []

    def council_members(self, council_id: str) -> list[Record]:
        return []


class NoCompetitions:
    def department_of(self, competition_id: str) -> None:
        return None

    def committee(self, competition_id: str) -> list[str]:
        return []


class FakeNotificationsUnit(FakeUnitOfWork):
    """The transaction as the handlers see it: notifications' repositories, in memory."""

    def __init__(self) -> None:
        super().__init__(calendar=MemoryCalendar(), subscriptions=MemorySubscriptions(),
                         deliveries=MemoryDeliveries(), optouts=MemoryOptouts(),
                         reminders=MemoryReminders())
        self.directory = Directory()
        self.competitions = NoCompetitions()


class FakeStore:
    """Stands for `wspolpraca.mongo.Store`: every transaction runs in the one fake unit."""

    def __init__(self, uow: FakeNotificationsUnit) -> None:
        self.uow = uow
        self.transactions = 0

    def transaction(self, work):
        self.transactions += 1
        return work(self.uow)


class FakeDispatcher:
    """Records what is woken and put in inboxes instead of sending."""

    def __init__(self) -> None:
        self.woken = 0
        self.inbox: list[tuple[str, str]] = []

    def wake(self) -> None:
        self.woken += 1

    def deliver_to_inbox(self, tx, record: Record, audience: str, event: Record, now) -> bool:
        if (record["_id"], audience) in self.inbox:
            return False
        self.inbox.append((record["_id"], audience))
        return True


@pytest.fixture
def uow(monkeypatch) -> FakeNotificationsUnit:
    """A fake unit, and the handlers' repositories read from it (the `tx` they get)."""
    for name, attribute in (("Calendar", "calendar"), ("Subscriptions", "subscriptions"),
                            ("Deliveries", "deliveries"), ("Optouts", "optouts"),
                            ("Reminders", "reminders"), ("Directory", "directory"),
                            ("Competitions", "competitions")):
        monkeypatch.setattr(handlers, name, lambda tx, attribute=attribute:
                            getattr(tx, attribute))
    return FakeNotificationsUnit()


class Worker:
    """The generated handlers' `self`: the database and the dispatcher."""

    def __init__(self, uow: FakeNotificationsUnit) -> None:
        self.db = FakeStore(uow)
        self.dispatcher = FakeDispatcher()


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
                        lambda db, dispatcher, spec, event: seen.append(spec.type) or 0)
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


def test_a_type_not_delivered_runs_only_its_effects_in_the_same_transaction(uow):
    uow.subscriptions.add({**OFFICERS_EMAIL, "event_types": ["registry.*"]})
    ran: list[object] = []
    spec = EventSpec("registry.booking.approved", delivered=False,
                     effects=(lambda step: ran.append(step.tx) or 0,))
    worker = Worker(uow)
    added = handlers.handle_event(worker.db, worker.dispatcher, spec, booking_event(),
                                  also=(lambda step: ran.append(step.tx) or 3,))
    assert added == 3 and ran == [uow, uow]
    assert uow.deliveries.records == {} and worker.dispatcher.inbox == []
    assert worker.db.transactions == 1 and worker.dispatcher.woken == 1


# --- the reminders' timer ----------------------------------------------------------------------
def reminder(reminder_id: str, due_in: timedelta, expires_in: timedelta) -> Record:
    now = utcnow()
    return {"_id": reminder_id, "type": domain.REPORT_DUE_REMINDER, "subject": "c1",
            "status": "pending", "due_at": now + due_in, "expires_at": now + expires_in,
            "data": {"id": "c1", "contract_id": "c1", "organization_id": ORG,
                     "due_at": format_time(now + timedelta(days=7))}}


def test_a_due_reminder_is_raised_once_and_an_expired_one_only_settled(uow, monkeypatch):
    due = reminder("r-due", -timedelta(minutes=5), timedelta(hours=20))
    late = reminder("r-late", -timedelta(days=2), -timedelta(days=1))
    uow.reminders.add(due)
    uow.reminders.add(late)
    monkeypatch.setattr(handlers.repository, "due_reminders", lambda db, now: [
        r for r in db.uow.reminders.find({}) if r["status"] == "pending"])
    worker = Worker(uow)
    assert handlers.send_due_reminders(worker.db, worker.dispatcher) == 1
    assert uow.reminders.get("r-due")["status"] == "sent"
    assert uow.reminders.get("r-late")["status"] == "expired"
    assert handlers.send_due_reminders(worker.db, worker.dispatcher) == 0   # nothing pending
    assert [audience for _, audience in worker.dispatcher.inbox] == [f"org:{ORG}"]
