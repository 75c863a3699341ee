"""The unit of work of the grants service: one transaction, the repositories that read and
write in it, and the events it emits (cosmicpython's unit of work over `wspolpraca.mongo`).

Command handlers (`grants.handlers`) take a unit of work; `run` gives them one in a
transaction of the worker's database (retried on transient errors, events through the
outbox), and the unit tests give them an in-memory one (tests/unit/grants/fakes.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from grants import coordination, similarity
from grants.repository import (
    Comments,
    Committee,
    Competitions,
    Contracts,
    OfferDrafts,
    Offers,
    Organizations,
    Programmes,
    Scores,
    SmallGrants,
    SmallGrantTotals,
)
from wspolpraca.mongo import Store, Transaction

T = TypeVar("T")


class GrantsUnit:
    """What a command handler reads and writes through: the service's repositories."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.programmes = Programmes(tx)
        self.competitions = Competitions(tx)
        self.offers = Offers(tx)
        self.offer_drafts = OfferDrafts(tx)
        self.organizations = Organizations(tx)
        self.committee = Committee(tx)
        self.scores = Scores(tx)
        self.small_grants = SmallGrants(tx)
        self.comments = Comments(tx)
        self.totals = SmallGrantTotals(tx)
        self.contracts = Contracts(tx)

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> None:
        """Publish the event once the unit commits (through the outbox)."""
        self.tx.emit(routing_key, subject, data)

    def refresh_similar(self, kind: str, record: dict[str, Any], now: datetime) -> None:
        """Recompute the application's similar applications (the coordination read model)."""
        coordination.refresh(self.tx, kind, record, now)

    def double_funding(self, kind: str, funded: list[str], acknowledged: dict[str, str],
                       field_name: str = "acknowledged_overlaps") -> list[similarity.Overlap]:
        """The double funding these awards would cause; 422 unless each is acknowledged."""
        return coordination.double_funding(self.tx, kind, funded, acknowledged, field_name)


def run(db: Store, handler: Callable[..., T], *args: Any) -> T:
    """Run a command handler in one unit of work of `db` and return what it returns."""
    return db.transaction(lambda tx: handler(GrantsUnit(tx), *args))
