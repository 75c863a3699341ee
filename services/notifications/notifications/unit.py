"""The unit of work of the notifications service: one transaction, the repositories that read
and write in it, and the dispatcher's wake-up once it committed.

Command handlers (`notifications.handlers`) are `handler(command, uow)`; the entry points run
one in a transaction with `self.handle(handler, command)` (`wspolpraca.service_layer`), and
the unit tests give them an in-memory unit (tests/unit/notifications/notifications_fakes.py).
A handler queues a delivery through the unit (`queue`, `send_again`, `deliver_to_inbox`);
the unit, not the handler, hands the queued deliveries to the dispatcher after the commit
(before the commit the dispatcher could not claim them yet), so the dispatcher sends them
without searching the delivery log. The deliveries due at once are recorded already claimed
by this process (`Sender.lease_for_handoff`: the claim and its lease written with the record,
in the same transaction), so the dispatcher sends them without a claim write; if the process
dies first, the lease expires and the sweep (of any replica) sends them.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any, Protocol

from notifications.domain import DeliveryStatus
from notifications.repository import (
    Calendar,
    Competitions,
    Deliveries,
    Directory,
    Inbox,
    Optouts,
    Quotas,
    Reminders,
    Subscriptions,
)
from wspolpraca.envelope import utcnow
from wspolpraca.mongo import Transaction
from wspolpraca.service_layer import UnitOfWork

Record = dict[str, Any]


class Sender(Protocol):
    """What the unit uses of the dispatcher (`notifications.dispatcher.Dispatcher`)."""

    def wake(self) -> None: ...

    def hand_over(self, records: list[Record]) -> None: ...

    def lease_for_handoff(self) -> tuple[str, datetime] | None: ...

    def deliver_to_inbox(self, tx: Any, record: Record, audience: str, event: Record,
                         now: datetime) -> bool: ...


class NotificationsUnit(UnitOfWork):
    """What a command handler reads and writes through (`emit` inherited)."""

    def __init__(self, tx: Transaction, sender: Sender) -> None:
        super().__init__(tx)
        self.sender = sender
        self.queued: list[Record] = []   # deliveries the dispatcher is to send once this commits

    @cached_property
    def subscriptions(self) -> Subscriptions:
        return Subscriptions(self.tx)

    @cached_property
    def quotas(self) -> Quotas:
        return Quotas(self.tx)

    @cached_property
    def deliveries(self) -> Deliveries:
        return Deliveries(self.tx)

    @cached_property
    def inbox(self) -> Inbox:
        return Inbox(self.tx)

    @cached_property
    def optouts(self) -> Optouts:
        return Optouts(self.tx)

    @cached_property
    def calendar(self) -> Calendar:
        return Calendar(self.tx)

    @cached_property
    def reminders(self) -> Reminders:
        return Reminders(self.tx)

    @cached_property
    def directory(self) -> Directory:
        return Directory(self.tx)

    @cached_property
    def competitions(self) -> Competitions:
        return Competitions(self.tx)

    # what the dispatcher is to send ------------------------------------------------------
    def _claimed_here(self, deliveries: list[Record]) -> None:
        """The deliveries due now recorded as claimed by this process (when it sends)."""
        due = [d for d in deliveries if d.get("status") == DeliveryStatus.PENDING.value]
        if not due:
            return
        lease = self.sender.lease_for_handoff()
        if lease is None:
            return
        token, until = lease
        now = utcnow()
        for delivery in due:
            at = delivery.get("next_attempt_at")
            if at is None or at <= now:
                delivery.update(status=DeliveryStatus.SENDING.value, claim=token,
                                claimed_until=until)

    def queue(self, delivery: Record) -> bool:
        """Record a pending delivery (False when this (event, recipient) one exists)."""
        self._claimed_here([delivery])
        added = self.deliveries.add(delivery)
        if added:
            self.queued.append(delivery)
        return added

    def queue_many(self, deliveries: list[Record]) -> int:
        """`queue` for many in one write; returns how many were new."""
        self._claimed_here(deliveries)
        added = self.deliveries.add_many(deliveries)
        self.queued.extend(added)
        return len(added)

    def send_again(self, delivery_id: str, subscription_id: str, now: datetime
                   ) -> Record | None:
        """A dead-lettered delivery of the subscription back to pending (None if none)."""
        updated = self.deliveries.retry_dead(delivery_id, subscription_id, now)
        if updated is not None:
            self.queued.append(updated)
        return updated

    def deliver_to_inbox(self, delivery: Record, audience: str, event: Record,
                         now: datetime) -> bool:
        """An inbox delivery, sent as it is recorded (the rendered item in the inbox)."""
        return self.sender.deliver_to_inbox(self.tx, delivery, audience, event, now)

    def committed(self) -> None:
        if self.queued:
            self.sender.hand_over(self.queued)
