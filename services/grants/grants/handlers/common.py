"""What the command handlers share: the one change of a record, and checks across records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from grants import domain, records
from grants.unit import GrantsUnit
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, NotFound

Record = dict[str, Any]
# a step applies the domain's transition to the record it was given (at `now`) and returns
# the event to emit, (routing key, payload), or None
Step = Callable[[Record, datetime], tuple[str, dict[str, Any]] | None]


class Versioned(Protocol):
    def get(self, record_id: str) -> Record: ...

    def replace(self, record: Record, expected_version: int) -> None: ...


def change_record(uow: GrantsUnit, repository: Versioned, record_id: str, step: Step,
                  check: Callable[[Record], None] | None = None) -> Record:
    """Every change of one record (a status change, an edit): load, check who acts (`check`),
    apply the domain's transition (`step`), save against the version read (409
    `concurrent_update` if it changed meanwhile), emit the step's event."""
    record = repository.get(record_id)
    if check is not None:
        check(record)
    version = record["version"]
    emitted = step(record, utcnow())
    repository.replace(record, version)
    if emitted is not None:
        routing_key, payload = emitted
        uow.emit(routing_key, record_id, payload)
    return record


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
