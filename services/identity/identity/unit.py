"""The unit of work of the identity service: the repositories a command handler reads and
writes through, and the events it emits (a `wspolpraca.service_layer.UnitOfWork`).

`wspolpraca.service_layer.run(db, IdentityUnit, handler, command)` (the entry points'
`self.handle`) runs `handler(command, uow)` in one transaction of the worker's database
(retried on transient errors, events through the outbox). `run_now` gives the handler the
same repositories writing one by one, outside a transaction: the sign-in's bookkeeping
(throttling, sessions, the audit log) and the OpenID provider's steps (oidc.py), which emit
nothing and must not wait for or be rolled back with anything else. The unit tests give the
handlers an in-memory unit (tests/unit/identity/identity_fakes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.database import Database

from identity.repository import (
    Accounts,
    AuditLog,
    AuthorizationCodes,
    Clients,
    OneTimeTokens,
    Organizations,
    RefreshTokens,
    Representations,
    Sessions,
    Throttle,
)
from wspolpraca.mongo import Mongo, Store, Transaction
from wspolpraca.service_layer import HandlesCommands, UnitOfWork

C = TypeVar("C")
T = TypeVar("T")


class IdentityUnit(UnitOfWork):
    """What a command handler reads and writes through."""

    def __init__(self, tx: Transaction) -> None:
        super().__init__(tx)
        self.accounts = Accounts(tx)
        self.clients = Clients(tx)
        self.sessions = Sessions(tx)
        self.codes = AuthorizationCodes(tx)
        self.refresh_tokens = RefreshTokens(tx)
        self.one_time = OneTimeTokens(tx)
        self.throttle = Throttle(tx)
        self.representations = Representations(tx)
        self.audit = AuditLog(tx)
        self.organizations = Organizations(tx)
        self._after: list[tuple[Callable[[Any, IdentityUnit], Any], Any]] = []

    def after_commit(self, handler: Callable[[C, IdentityUnit], Any], command: C) -> None:
        """Run `handler(command, uow)` once this unit committed, its writes applied one by
        one (a password change ends the account's sessions: not rolled back with it)."""
        self._after.append((handler, command))

    def committed(self) -> None:
        for handler, command in self._after:
            run_now(self.tx.db, handler, command)


class _Immediate:
    """Stands for a transaction whose writes apply at once (no session, no events)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session = None

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> None:
        raise RuntimeError("events are emitted only in a transaction "
                           "(wspolpraca.service_layer.run)")


def immediate(db: Store | Database) -> IdentityUnit:
    """The repositories writing one by one (no transaction, no events)."""
    database = db.db if isinstance(db, Store) else db
    return IdentityUnit(_Immediate(database))  # type: ignore[arg-type]


def run_now(db: Store | Database, handler: Callable[[C, IdentityUnit], T], command: C) -> T:
    """Run `handler(command, uow)` with writes applied one by one (no transaction, no
    events)."""
    return handler(command, immediate(db))


class HandlesIdentityCommands(HandlesCommands):
    """The entry points' `self.handle(handler, command)` (one transaction) and
    `self.handle_now(handler, command)` (writes one by one)."""

    db: Mongo
    unit = IdentityUnit

    def handle_now(self, handler: Callable[[C, IdentityUnit], T], command: C) -> T:
        return run_now(self.db, handler, command)
