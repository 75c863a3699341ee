"""What the command handlers share: the two commands most of them take
(`wspolpraca.service_layer.Submit` and `RecordStep`), and checks across records. (A change
of one record goes through `wspolpraca.service_layer.change`: load, the transition, save
with the version, emit.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from grants import domain, records
from grants.unit import GrantsUnit
from wspolpraca.errors import Conflict, NotFound
from wspolpraca.service_layer import RecordStep, Submit

Record = dict[str, Any]

__all__ = ["Record", "RecordStep", "Submit", "check_funds", "open_competition"]


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
