"""What the command handlers share: the two commands most of them take, and checks across
records. (A change of one record goes through `wspolpraca.service_layer.change`: load, the
transition, save with the version, emit.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from grants import domain, records
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.errors import Conflict, NotFound

Record = dict[str, Any]


@dataclass(frozen=True)
class Submit:
    """A new record from the caller's validated request body: a programme drafted, a
    competition created, a contract signed, a small grant submitted."""

    principal: Principal
    body: dict[str, Any]


@dataclass(frozen=True)
class RecordStep:
    """A step on one record by the caller; `body`: the request's validated fields, where
    the step has any. On a competition: announced, cancelled, its committee appointed,
    offers assigned, the results confirmed, no conflict declared (by a committee member); on
    an offer: amended or withdrawn by its organisation, rejected on formal grounds, scored,
    its budget updated after a lower grant; on a contract: started, its task report
    submitted, accepted or sent back, settled, terminated; on a small grant: published,
    awarded, refused."""

    principal: Principal
    record_id: str
    body: dict[str, Any] = field(default_factory=dict)


def check_funds(programme: Record, area: str, amount: Decimal, field: str) -> None:
    """Enough of the programme's funds left in the area (checked again, by the database,
    when the amount is committed)."""
    fund = records.fund_of(programme, area)
    domain.check_funds_available(
        area, domain.from_grosze(fund["planned_grosze"]) if fund else None,
        domain.from_grosze(fund["committed_grosze"]) if fund else domain.ZERO, amount, field)


def open_competition(uow: GrantsUnit, competition_id: str) -> Record:
    """The competition, while it takes offers (unpublished ones do not exist for bidders)."""
    competition = uow.competitions.get(competition_id)
    if competition["status"] != domain.CompetitionStatus.ANNOUNCED:
        if competition["published_at"] is None:
            raise NotFound("Nie ma takiego konkursu.")
        raise Conflict("competition_not_open", "Nabór ofert w tym konkursie jest zamknięty.")
    return competition
