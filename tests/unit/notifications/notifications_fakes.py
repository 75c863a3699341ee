"""An in-memory `NotificationsUnit` for the unit tests of notifications' command handlers:
the real unit's own logic (`queue`, `send_again`, `deliver_to_inbox`, the dispatcher's
wake-up in `committed`) over in-memory repositories and a dispatcher that records instead of
sending, so the handlers run without RabbitMQ or a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from notifications.config import NotificationSettings
from notifications.domain import Subscription, TargetPolicy
from notifications.unit import NotificationsUnit
from wspolpraca.errors import NotFound
from wspolpraca.service_layer import HandlesCommands
from wspolpraca.testing.memory import FakeUnitOfWork, MemoryRepository

Record = dict[str, Any]
CONFIG = replace(NotificationSettings(), link_secret="a-test-link-secret-of-32-bytes-or-more",
                 portal_url="https://portal.example.pl")
POLICY = TargetPolicy()


class MemoryCalendar(MemoryRepository):
    def put(self, entry: Record, event_time: str) -> None:
        self.records[entry["_id"]] = {**entry, "event_time": event_time}


class MemorySubscriptions(MemoryRepository):
    not_found = "Nie ma takiej subskrypcji."

    def matching(self, event_type: str) -> list[Subscription]:
        service_, aggregate, _ = event_type.split(".", 2)
        patterns = {event_type, f"{service_}.*", f"{service_}.{aggregate}.*"}
        return [Subscription.from_record(r) for r in self.records.values()
                if r["status"] == "active" and patterns & set(r["event_types"])]

    def overwrite(self, record: Record) -> None:
        self.records[record["_id"]] = dict(record)

    def set_fields(self, subscription_id: str, **values: Any) -> None:
        if subscription_id in self.records:
            self.records[subscription_id].update(values)

    def counted(self, owner: str, channel: str | None = None) -> int:
        return sum(1 for r in self.records.values() if r["owner"] == owner
                   and r["status"] in ("active", "pending_confirmation", "suspended")
                   and channel in (None, r["channel"]))

    def newsletter_of(self, owner: str) -> Record | None:
        return next((dict(r) for r in self.records.values() if r["owner"] == owner
                     and r.get("newsletter")
                     and r["status"] in ("active", "pending_confirmation")), None)


class MemoryQuotas(MemoryRepository):
    def guard(self, owner: str) -> None:
        guard = self.records.setdefault(owner, {"_id": owner, "writes": 0})
        guard["writes"] += 1


class MemoryDeliveries(MemoryRepository):
    def add(self, record: Record) -> bool:  # type: ignore[override]
        if record["_id"] in self.records:
            return False   # this (event, recipient) delivery is recorded already
        self.records[record["_id"]] = record
        return True

    def add_many(self, records: list[Record]) -> list[Record]:
        return [record for record in records if self.add(record)]

    def retry_dead(self, delivery_id: str, subscription_id: str, now: datetime
                   ) -> Record | None:
        stored = self.records.get(delivery_id)
        if (stored is None or stored.get("subscription_id") != subscription_id
                or stored["status"] != "dead"):
            return None
        stored.update(status="pending", next_attempt_at=now, attempts=0, updated_at=now)
        return dict(stored)


class MemoryInbox(MemoryRepository):
    def mark_read(self, item_id: str, audiences: list[str], user: str) -> Record:
        item = self.records.get(item_id)
        if item is None or item["audience"] not in audiences:
            raise NotFound("Nie ma takiej wiadomości.")
        item.setdefault("read_by", [])
        if user not in item["read_by"]:
            item["read_by"].append(user)
        return dict(item)

    def mark_all_read(self, audiences: list[str], user: str) -> None:
        for item in self.records.values():
            if item["audience"] in audiences and user not in item.setdefault("read_by", []):
                item["read_by"].append(user)


class MemoryOptouts(MemoryRepository):
    def check(self):
        return lambda email, event_type: (email, event_type) in {
            (r["email"], r["event_type"]) for r in self.records.values()}

    def add_once(self, email: str, event_type: str, now: datetime) -> None:
        self.records.setdefault(f"{email}|{event_type}", {
            "_id": f"{email}|{event_type}", "email": email, "event_type": event_type,
            "created_at": now})


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


class FakeDispatcher:
    """Records what is woken and put in inboxes instead of sending."""

    def __init__(self) -> None:
        self.woken = 0
        self.handed: list[str] = []
        self.inbox: list[tuple[str, str]] = []

    def wake(self) -> None:
        self.woken += 1

    def lease_for_handoff(self) -> None:
        return None   # recorded pending, as a process that does not send would

    def hand_over(self, records: list[Record]) -> None:
        self.woken += 1
        self.handed.extend(r["_id"] for r in records)

    def deliver_to_inbox(self, tx, record: Record, audience: str, event: Record, now) -> bool:
        if (record["_id"], audience) in self.inbox:
            return False
        self.inbox.append((record["_id"], audience))
        return True


class FakeNotificationsUnit(FakeUnitOfWork, NotificationsUnit):
    """`NotificationsUnit` with its repositories in memory (`emit` records the event);
    `tx` is a stand-in the effects of the event table receive on their `Step`."""

    def __init__(self) -> None:
        NotificationsUnit.__init__(self, tx=object(), sender=FakeDispatcher())  # type: ignore[arg-type]
        FakeUnitOfWork.__init__(
            self, calendar=MemoryCalendar(), subscriptions=MemorySubscriptions(),
            quotas=MemoryQuotas(), deliveries=MemoryDeliveries(), inbox=MemoryInbox(),
            optouts=MemoryOptouts(), reminders=MemoryReminders())
        self.directory = Directory()  # type: ignore[assignment]
        self.competitions = NoCompetitions()  # type: ignore[assignment]

    @property
    def dispatcher(self) -> FakeDispatcher:
        return self.sender  # type: ignore[return-value]


class FakeStore:
    """Stands for `wspolpraca.mongo.Store`: counts the transactions and runs each."""

    def __init__(self) -> None:
        self.transactions = 0

    def transaction(self, work):
        self.transactions += 1
        return work(object())


class Worker(HandlesCommands):
    """The service's `self` for its entry points: `handle` runs through
    `wspolpraca.service_layer.run`, every transaction in the one fake unit (its count of
    queued deliveries starting afresh, as a new unit's would)."""

    def __init__(self, uow: FakeNotificationsUnit) -> None:
        self.db = FakeStore()
        self.uow = uow
        self.dispatcher = uow.dispatcher

    def unit(self, tx: Any) -> FakeNotificationsUnit:  # type: ignore[override]
        self.uow.queued = []
        return self.uow
