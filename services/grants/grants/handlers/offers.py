"""Offers in an open competition (art. 14, 17): submitted, amended and withdrawn until the
deadline by the organisation, rejected on formal grounds by the department running it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grants import access, domain, records
from grants.handlers.common import Record, change_record, open_competition
from grants.repository import OfferDrafts, Offers
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import NotFound


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
    uow.offer_drafts.discard(competition_id, body["organization_id"])   # submitted: no draft
    uow.refresh_similar("offer", record, record["submitted_at"])
    uow.emit("offer.submitted", record["_id"], records.offer_payload(record))
    return record


FORMAL_CHECKS = (
    "Termin składania ofert nie upłynął.",
    "Suma pozycji kosztorysu równa się kosztowi całkowitemu.",
    "Wnioskowana kwota z wkładem własnym równa się kosztowi całkowitemu.",
    "Wnioskowana kwota nie przekracza środków konkursu.",
    "Wkład własny jest nie mniejszy niż wymagany w ogłoszeniu (konkurs na wsparcie).",
    "Terminy realizacji mieszczą się w terminach z ogłoszenia.",
    "Oferent i partnerzy są zweryfikowani i działają statutowo w obszarze zadania.",
)


def check_offer(uow: GrantsUnit, principal: Principal, competition_id: str,
                body: dict[str, Any]) -> dict[str, Any]:
    """The formal check of an offer before it is submitted: what `submit_offer` checks,
    saving nothing (a finding is the same 422/409 as on submission)."""
    access.check_acts_for(principal, body["organization_id"])
    competition = open_competition(uow, competition_id)
    _formal_check(uow, body, competition, body["organization_id"], body["partners"])
    return {"passed": True, "checked": list(FORMAL_CHECKS)}


def save_offer_draft(uow: GrantsUnit, principal: Principal, competition_id: str,
                     body: dict[str, Any]) -> Record:
    """The organisation's draft in an open competition, replaced as it is typed (no event:
    a draft is nobody's business but the organisation's until it is submitted)."""
    access.check_acts_for(principal, body["organization_id"])
    competition = open_competition(uow, competition_id)
    domain.check_draft_open(competition["submission_deadline"], utcnow())
    record = {"_id": uow.offer_drafts.key(competition_id, body["organization_id"]),
              "competition_id": competition_id, "organization_id": body["organization_id"],
              "values": body["values"], "updated_at": utcnow(), "updated_by": principal.sub}
    uow.offer_drafts.put(record)
    return record


def discard_offer_draft(uow: GrantsUnit, principal: Principal, competition_id: str,
                        organization_id: str) -> Record:
    access.check_acts_for(principal, organization_id)
    discarded = uow.offer_drafts.discard(competition_id, organization_id)
    if discarded is None:
        raise NotFound(OfferDrafts.not_found)
    return discarded


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
