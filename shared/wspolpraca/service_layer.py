"""The service layer's machinery: the unit of work command handlers get, and the one
generic status change ("load, apply a domain transition, save with the version, emit")
and its twin for a new record (`create`: add, emit).

A command handler is a plain function `handler(command, uow)`: it loads records through the
unit's repositories, calls the domain, saves and emits. The nameko entry point parses the
request, checks the role and makes one call, `run(self.db, Unit, handler, command)`, which
runs the handler in one transaction. Unit tests pass a fake unit of work instead (in-memory
repositories and a list of emitted events), so the orchestration is tested without
RabbitMQ or a database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from wspolpraca.auth import Principal
from wspolpraca.mongo import Transaction

C = TypeVar("C")
R = TypeVar("R")
U = TypeVar("U", bound="UnitOfWork")


class Emitter(Protocol):
    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> Any: ...


class Store(Protocol):
    """The part of a repository the generic status change uses."""

    def get(self, record_id: str, **match: Any) -> dict[str, Any]: ...

    def replace(self, record: dict[str, Any], expected_version: int) -> None: ...

    def save(self, record: dict[str, Any]) -> None: ...


class UnitOfWork:
    """One transaction as a command handler sees it: repositories (a service's subclass adds
    them as cached properties built on `self.tx`) and `emit`, which writes an event to the
    outbox in the same transaction."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> Any:
        return self.tx.emit(routing_key, subject, data)

    def committed(self) -> None:
        """Called by `run` once the unit's transaction committed (never after a rollback):
        what must wait for the commit, such as waking a sender. Nothing by default."""


def run(db: Any, unit: Callable[[Transaction], U], handler: Callable[[C, U], R],
        command: C) -> R:
    """Run `handler(command, unit)` in one transaction of `db` (a `wspolpraca.mongo.Store`),
    then tell the unit of the attempt that committed (`UnitOfWork.committed`)."""
    units: list[U] = []

    def work(tx: Transaction) -> R:
        units[:] = [unit(tx)]   # a retried attempt gets a fresh unit
        return handler(command, units[0])

    result = db.transaction(work)
    if units:
        units[0].committed()
    return result


class HandlesCommands:
    """Mixin of a nameko service's entry points: `self.handle(handler, command)` runs one
    command handler in one transaction of `self.db`, with the service's unit of work."""

    db: Any
    unit: Callable[[Transaction], UnitOfWork]

    def handle(self, handler: Callable[[C, Any], R], command: C) -> R:
        return run(self.db, self.unit, handler, command)


@dataclass(frozen=True)
class Event:
    """An event a transition raises: its routing key, payload and (when not the record's
    id) its subject. A payload that shows the new version is given as a function, called
    once the record is saved."""

    routing_key: str
    data: dict[str, Any] | Callable[[], dict[str, Any]]
    subject: str | None = None

    def payload(self) -> dict[str, Any]:
        return self.data() if callable(self.data) else self.data


@dataclass
class Changed:
    """What a transition made of a record: its new state and the events to emit."""

    record: dict[str, Any]
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeStatus:
    """A status change of one record by `actor`; `action` names the step in the handler's
    table of `Step`s, `reason` where the step asks for one."""

    record_id: str
    action: str
    actor: str
    reason: str | None = None


@dataclass(frozen=True)
class Submit:
    """The command of a handler that adds one record from the request's validated fields
    (`body`), by the caller: a consultation opened, a training published, a programme
    drafted, a competition created, a contract signed, a small grant submitted."""

    principal: Principal
    body: dict[str, Any]


@dataclass(frozen=True)
class RecordStep:
    """The command of a step on one record by the caller; `body`: the request's validated
    fields, where the step has any (a competition announced, an offer amended, a contract
    settled, a resource changed, a resource booked)."""

    principal: Principal
    record_id: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One status change: the domain transition (given the status, and the reason when
    there is one) and the event it raises."""

    transition: Callable[..., Any]
    routing_key: str

    def next_status(self, status: str, reason: str | None) -> str:
        moved = self.transition(status) if reason is None else self.transition(status, reason)
        return moved.value


@dataclass(frozen=True)
class Due:
    """A timer's command: look at one record found due at `now`."""

    record_id: str
    now: datetime


def _apply(uow: Emitter, store: Store, record_id: str,
           transition: Callable[[dict[str, Any]], Changed | None],
           match: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    current = store.get(record_id, **match)
    version = current.get("version")
    changed = transition(current)
    if changed is None:
        return current, False
    if version is None:
        store.save(changed.record)
    else:
        store.replace(changed.record, version)
    for event in changed.events:
        uow.emit(event.routing_key, event.subject or record_id, event.payload())
    return changed.record, True


def create(uow: Emitter, store: Any, record: dict[str, Any], routing_key: str,
           payload: dict[str, Any]) -> dict[str, Any]:
    """Add a new record and emit the event of its creation (its subject: the record's id);
    the record."""
    store.add(record)
    uow.emit(routing_key, record["_id"], payload)
    return record


def change(uow: Emitter, store: Store, record_id: str,
           transition: Callable[[dict[str, Any]], Changed | None], **match: Any) -> dict[str, Any]:
    """Load a record, apply a domain transition, save it (against its version where it has
    one) and emit the transition's events. A transition returning None changes nothing."""
    return _apply(uow, store, record_id, transition, match)[0]


def sweep(uow: Emitter, store: Store, record_id: str,
          transition: Callable[[dict[str, Any]], Changed | None]) -> int:
    """`change` for a timer going through due records: 1 when the record changed, 0 when
    the transition found nothing to do (say, an earlier run did it)."""
    return int(_apply(uow, store, record_id, transition, {})[1])
