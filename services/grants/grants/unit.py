"""The unit of work of the grants service: one transaction, the repositories that read and
write in it, and the events it emits (cosmicpython's unit of work over `wspolpraca.mongo`).

Command handlers (`grants.handlers`) are `handler(command, uow)`; the entry points run one
in a transaction of the worker's database with `self.handle(handler, command)`
(`wspolpraca.service_layer.HandlesCommands`: retried on transient errors, events through the
outbox), and the unit tests give them an in-memory one (tests/unit/grants/grants_fakes.py).
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import Any

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
from wspolpraca.service_layer import UnitOfWork


class GrantsUnit(UnitOfWork):
    """What a command handler reads and writes through: the service's repositories (`emit`
    inherited: the event is published once the unit commits, through the outbox)."""

    @cached_property
    def programmes(self) -> Programmes:
        return Programmes(self.tx)

    @cached_property
    def competitions(self) -> Competitions:
        return Competitions(self.tx)

    @cached_property
    def offers(self) -> Offers:
        return Offers(self.tx)

    @cached_property
    def offer_drafts(self) -> OfferDrafts:
        return OfferDrafts(self.tx)

    @cached_property
    def organizations(self) -> Organizations:
        return Organizations(self.tx)

    @cached_property
    def committee(self) -> Committee:
        return Committee(self.tx)

    @cached_property
    def scores(self) -> Scores:
        return Scores(self.tx)

    @cached_property
    def small_grants(self) -> SmallGrants:
        return SmallGrants(self.tx)

    @cached_property
    def comments(self) -> Comments:
        return Comments(self.tx)

    @cached_property
    def totals(self) -> SmallGrantTotals:
        return SmallGrantTotals(self.tx)

    @cached_property
    def contracts(self) -> Contracts:
        return Contracts(self.tx)

    def refresh_similar(self, kind: str, record: dict[str, Any], now: datetime,
                        new: bool = False) -> list[str]:
        """Recompute the application's similar applications (the coordination read model;
        `new`: submitted in this unit); the formal check's warnings about them."""
        return coordination.refresh(self.tx, kind, record, now, new)

    def double_funding(self, kind: str, funded: list[str], acknowledged: dict[str, str],
                       field_name: str = "acknowledged_overlaps") -> list[similarity.Overlap]:
        """The double funding these awards would cause; 422 unless each is acknowledged."""
        return coordination.double_funding(self.tx, kind, funded, acknowledged, field_name)
