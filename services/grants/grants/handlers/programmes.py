"""Cooperation programmes (art. 5a): drafted, consulted with organisations, adopted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grants import domain, records
from grants.handlers.common import Record, Submit
from grants.unit import GrantsUnit
from wspolpraca.envelope import utcnow
from wspolpraca.service_layer import Changed, Event, change, create


def draft_programme(command: Submit, uow: GrantsUnit) -> Record:
    domain.check_programme_funds(command.body["funds"])
    record = records.new_programme(command.body, command.principal.sub, utcnow())
    return create(uow, uow.programmes, record, "programme.drafted",
                  records.programme_payload(record))


@dataclass(frozen=True)
class ProgrammeStep:
    """A step on a programme by the liaison office: edited (`body`), consulted, adopted."""

    programme_id: str
    body: dict[str, Any] = field(default_factory=dict)


def consult_programme(command: ProgrammeStep, uow: GrantsUnit) -> Record:
    def consult(record: Record) -> Changed:
        record.update(status=domain.consult_programme(record["status"]), updated_at=utcnow())
        return Changed(record)

    return change(uow, uow.programmes, command.programme_id, consult)


def update_programme(command: ProgrammeStep, uow: GrantsUnit) -> Record:
    """A draft edited (before its consultation): the fields given replace the draft's."""
    body = command.body
    if "funds" in body:
        domain.check_programme_funds(body["funds"])

    def update(record: Record) -> Changed:
        domain.check_programme_editable(record["status"])
        record.update(records.programme_fields(body), updated_at=utcnow())
        return Changed(record, [Event("programme.updated", records.programme_payload(record))])

    return change(uow, uow.programmes, command.programme_id, update)


def adopt_programme(command: ProgrammeStep, uow: GrantsUnit) -> Record:
    def adopt(record: Record) -> Changed:
        now = utcnow()
        record.update(status=domain.adopt_programme(record["status"]), updated_at=now,
                      adopted_at=now)
        return Changed(record, [Event("programme.adopted", records.programme_payload(record))])

    return change(uow, uow.programmes, command.programme_id, adopt)
