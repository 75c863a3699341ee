"""Offers in an open competition (art. 14, 17): submitted, amended and withdrawn until the
deadline by the organisation, rejected on formal grounds by the department running it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grants import access, domain, records
from grants.handlers.common import Record, open_competition
from grants.repository import Offers
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.service_layer import Changed, Event, change


def _formal_check(uow: GrantsUnit, data: dict[str, Any], competition: Record, organization_id: str,
                  partners: list[str]) -> None:
    domain.formal_check(data, records.competition_terms(competition), utcnow())
    organizations = uow.organizations
    domain.check_eligible(organizations.view(organization_id), competition["area"])
    domain.check_partners(organization_id, partners,
                          {p: organizations.view(p) for p in partners}, competition["area"])


@dataclass(frozen=True)
class SubmitOffer:
    principal: Principal
    competition_id: str
    body: dict[str, Any]


def submit_offer(command: SubmitOffer, uow: GrantsUnit) -> Record:
    body = command.body
    access.check_acts_for(command.principal, body["organization_id"])
    competition = open_competition(uow, command.competition_id)
    _formal_check(uow, body, competition, body["organization_id"], body["partners"])
    record = records.new_offer(body, command.competition_id, command.principal.sub, utcnow())
    uow.offers.add(record)
    uow.refresh_similar("offer", record, record["submitted_at"])
    uow.emit("offer.submitted", record["_id"], records.offer_payload(record))
    return record


@dataclass(frozen=True)
class AmendOffer:
    principal: Principal
    offer_id: str
    body: dict[str, Any]


def amend_offer(command: AmendOffer, uow: GrantsUnit) -> Record:
    def amend(record: Record) -> Changed:
        access.check_own(command.principal, record, Offers.not_found)
        now = utcnow()
        competition = open_competition(uow, record["competition_id"])
        domain.check_amendable(record["status"], competition["submission_deadline"], now)
        _formal_check(uow, command.body, competition, record["organization_id"],
                      record["partners"])
        record.update(records.offer_fields(command.body), updated_at=now)
        return Changed(record)

    record = change(uow, uow.offers, command.offer_id, amend)
    uow.refresh_similar("offer", record, record["updated_at"])
    return record


@dataclass(frozen=True)
class WithdrawOffer:
    principal: Principal
    offer_id: str


def withdraw_offer(command: WithdrawOffer, uow: GrantsUnit) -> Record:
    def withdraw(record: Record) -> Changed:
        access.check_own(command.principal, record, Offers.not_found)
        now = utcnow()
        competition = open_competition(uow, record["competition_id"])
        status = domain.withdraw(record["status"], competition["submission_deadline"], now)
        record.update(status=status, updated_at=now)
        return Changed(record, [Event("offer.withdrawn", records.offer_payload(record))])

    return change(uow, uow.offers, command.offer_id, withdraw)


@dataclass(frozen=True)
class RejectOffer:
    principal: Principal
    offer_id: str
    body: dict[str, Any]


def reject_offer(command: RejectOffer, uow: GrantsUnit) -> Record:
    reason = command.body["reason"]

    def reject(record: Record) -> Changed:
        competition = uow.competitions.get(record["competition_id"])
        access.check_runs(command.principal, competition)
        status = domain.reject_formally(record["status"], competition["status"])
        record.update(status=status, status_reason=reason, updated_at=utcnow())
        return Changed(record, [Event("offer.rejected_formally",
                                      records.offer_payload(record, reason=reason))])

    return change(uow, uow.offers, command.offer_id, reject)
