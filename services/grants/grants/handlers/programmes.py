"""Cooperation programmes (art. 5a): drafted, consulted with organisations, adopted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grants import domain, records
from grants.handlers.common import Record, change_record
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow


def draft_programme(uow: GrantsUnit, principal: Principal, body: dict[str, Any]) -> Record:
    domain.check_programme_funds(body["funds"])
    record = records.new_programme(body, principal.sub, utcnow())
    uow.programmes.add(record)
    uow.emit("programme.drafted", record["_id"], records.programme_payload(record))
    return record


def consult_programme(uow: GrantsUnit, programme_id: str) -> Record:
    def step(record: Record, now: datetime) -> None:
        record.update(status=domain.consult_programme(record["status"]), updated_at=now)

    return change_record(uow, uow.programmes, programme_id, step)


def update_programme(uow: GrantsUnit, programme_id: str, body: dict[str, Any]) -> Record:
    """A draft edited (before its consultation): the fields given replace the draft's."""
    if "funds" in body:
        domain.check_programme_funds(body["funds"])

    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        domain.check_programme_editable(record["status"])
        record.update(records.programme_fields(body), updated_at=now)
        return "programme.updated", records.programme_payload(record)

    return change_record(uow, uow.programmes, programme_id, step)


def adopt_programme(uow: GrantsUnit, programme_id: str) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        record.update(status=domain.adopt_programme(record["status"]), updated_at=now,
                      adopted_at=now)
        return "programme.adopted", records.programme_payload(record)

    return change_record(uow, uow.programmes, programme_id, step)
