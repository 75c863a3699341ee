"""Offers in an open competition (art. 14, 17): submitted, amended and withdrawn until the
deadline by the organisation, rejected on formal grounds by the department running it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grants import access, domain, records
from grants.handlers.common import Record, change_record, open_competition
from grants.repository import Offers
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow


def _formal_check(uow: GrantsUnit, data: dict[str, Any], competition: Record, organization_id: str,
                  partners: list[str]) -> None:
    domain.formal_check(data, records.competition_terms(competition), utcnow())
    organizations = uow.organizations
    domain.check_eligible(organizations.view(organization_id), competition["area"])
    domain.check_partners(organization_id, partners,
                          {p: organizations.view(p) for p in partners}, competition["area"])


def submit_offer(uow: GrantsUnit, principal: Principal, competition_id: str,
                 body: dict[str, Any]) -> Record:
    access.check_acts_for(principal, body["organization_id"])
    competition = open_competition(uow, competition_id)
    _formal_check(uow, body, competition, body["organization_id"], body["partners"])
    record = records.new_offer(body, competition_id, principal.sub, utcnow())
    uow.offers.add(record)
    uow.refresh_similar("offer", record, record["submitted_at"])
    uow.emit("offer.submitted", record["_id"], records.offer_payload(record))
    return record


def amend_offer(uow: GrantsUnit, principal: Principal, offer_id: str,
                body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> None:
        competition = open_competition(uow, record["competition_id"])
        domain.check_amendable(record["status"], competition["submission_deadline"], now)
        _formal_check(uow, body, competition, record["organization_id"], record["partners"])
        record.update(records.offer_fields(body), updated_at=now)

    record = change_record(uow, uow.offers, offer_id, step,
                           lambda record: access.check_own(principal, record, Offers.not_found))
    uow.refresh_similar("offer", record, record["updated_at"])
    return record


def withdraw_offer(uow: GrantsUnit, principal: Principal, offer_id: str) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        competition = open_competition(uow, record["competition_id"])
        status = domain.withdraw(record["status"], competition["submission_deadline"], now)
        record.update(status=status, updated_at=now)
        return "offer.withdrawn", records.offer_payload(record)

    return change_record(uow, uow.offers, offer_id, step,
                         lambda record: access.check_own(principal, record, Offers.not_found))


def reject_offer(uow: GrantsUnit, principal: Principal, offer_id: str,
                 body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        competition = uow.competitions.get(record["competition_id"])
        access.check_runs(principal, competition)
        status = domain.reject_formally(record["status"], competition["status"])
        record.update(status=status, status_reason=body["reason"], updated_at=now)
        return "offer.rejected_formally", records.offer_payload(record, reason=body["reason"])

    return change_record(uow, uow.offers, offer_id, step)
