"""The unit of work of the identity service: the repositories a command handler reads and
writes through, and the events it emits (as grants/unit.py).

`run` gives a handler one transaction of the worker's database (retried on transient errors,
events through the outbox). `run_now` gives it the same repositories writing one by one,
outside a transaction: the sign-in's bookkeeping (throttling, sessions, the audit log), which
emits nothing and must not wait for or be rolled back with anything else. The unit tests give
the handlers an in-memory unit (tests/unit/identity/identity_fakes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.database import Database

from identity.repository import (
    Accounts,
    AuditLog,
    Clients,
    OneTimeTokens,
    Organizations,
    RefreshTokens,
    Representations,
    Sessions,
    Throttle,
)
from wspolpraca.mongo import Store, Transaction

T = TypeVar("T")


class IdentityUnit:
    """What a command handler reads and writes through."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.accounts = Accounts(tx)
        self.clients = Clients(tx)
        self.sessions = Sessions(tx)
        self.refresh_tokens = RefreshTokens(tx)
        self.one_time = OneTimeTokens(tx)
        self.throttle = Throttle(tx)
        self.representations = Representations(tx)
        self.audit = AuditLog(tx)
        self.organizations = Organizations(tx)

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> None:
        """Publish the event once the unit commits (through the outbox)."""
        self.tx.emit(routing_key, subject, data)


class _Immediate:
    """Stands for a transaction whose writes apply at once (no session, no events)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session = None

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> None:
        raise RuntimeError("events are emitted only in a transaction (identity.unit.run)")


def run(db: Store, handler: Callable[..., T], *args: Any) -> T:
    """Run a command handler in one unit of work of `db` and return what it returns."""
    return db.transaction(lambda tx: handler(IdentityUnit(tx), *args))


def run_now(db: Store | Database, handler: Callable[..., T], *args: Any) -> T:
    """Run a command handler whose writes apply one by one (no transaction, no events)."""
    database = db.db if isinstance(db, Store) else db
    return handler(IdentityUnit(_Immediate(database)), *args)  # type: ignore[arg-type]
