"""Offers in an open competition (art. 14, 17): submitted, amended and withdrawn until the
deadline by the organisation, rejected on formal grounds by the department running it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grants import access, domain, records
from grants.handlers.common import Record, RecordStep, open_competition
from grants.repository import OfferDrafts, Offers
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import NotFound
from wspolpraca.service_layer import Changed, Event, change


def _formal_check(uow: GrantsUnit, data: dict[str, Any], competition: Record, organization_id: str,
                  partners: list[str]) -> None:
    domain.formal_check(data, records.competition_terms(competition), utcnow())
    views = uow.organizations.views([organization_id, *partners])  # one read for them all
    domain.check_eligible(views.get(organization_id), competition["area"])
    domain.check_partners(organization_id, partners, {p: views.get(p) for p in partners},
                          competition["area"])


@dataclass(frozen=True)
class OfferForm:
    """An organisation's offer in an open competition as it sends it: submitted, checked
    before submission, or saved as a draft."""

    principal: Principal
    competition_id: str
    body: dict[str, Any]


def _checked(command: OfferForm, uow: GrantsUnit) -> None:
    """The formal check of the offer submitted (409/422 with the finding)."""
    body = command.body
    access.check_acts_for(command.principal, body["organization_id"])
    competition = open_competition(uow, command.competition_id)
    _formal_check(uow, body, competition, body["organization_id"], body["partners"])


def submit_offer(command: OfferForm, uow: GrantsUnit) -> Record:
    """The offer submitted, with the formal check's warnings (`warnings`: similar
    applications of the organisation, never a rejection)."""
    _checked(command, uow)
    body = command.body
    record = records.new_offer(body, command.competition_id, command.principal.sub, utcnow())
    # the offer, the draft's removal, the similar lists and the event are written together,
    # in one round trip before the commit (`Transaction.later`)
    uow.offers.add_later(record)
    uow.offer_drafts.discard_later(command.competition_id, body["organization_id"])
    warnings = uow.refresh_similar("offer", record, record["submitted_at"], new=True)
    uow.emit("offer.submitted", record["_id"], records.offer_payload(record))
    return {**record, "warnings": warnings}


FORMAL_CHECKS = (
    "Termin składania ofert nie upłynął.",
    "Suma pozycji kosztorysu równa się kosztowi całkowitemu.",
    "Wnioskowana kwota z wkładem własnym równa się kosztowi całkowitemu.",
    "Wnioskowana kwota nie przekracza środków konkursu.",
    "Wkład własny jest nie mniejszy niż wymagany w ogłoszeniu (konkurs na wsparcie).",
    "Terminy realizacji mieszczą się w terminach z ogłoszenia.",
    "Oferent i partnerzy są zweryfikowani i działają statutowo w obszarze zadania.",
)


def check_offer(command: OfferForm, uow: GrantsUnit) -> dict[str, Any]:
    """The formal check of an offer before it is submitted (the submission's own command):
    what `submit_offer` checks, saving nothing (a finding is the same 422/409 as on
    submission)."""
    _checked(command, uow)
    return {"passed": True, "checked": list(FORMAL_CHECKS)}


def save_offer_draft(command: OfferForm, uow: GrantsUnit) -> Record:
    """The organisation's draft in an open competition, replaced as it is typed (no event:
    a draft is nobody's business but the organisation's until it is submitted). With the
    `version` the editor started from, a draft saved meanwhile by someone else (a colleague,
    another device) is not overwritten: 409 `draft_changed` with the current one."""
    competition_id, organization_id = command.competition_id, command.body["organization_id"]
    access.check_acts_for(command.principal, organization_id)
    competition = open_competition(uow, competition_id)
    domain.check_draft_open(competition["submission_deadline"], utcnow())
    record = {"_id": uow.offer_drafts.key(competition_id, organization_id),
              "competition_id": competition_id, "organization_id": organization_id,
              "values": command.body["values"], "updated_at": utcnow(),
              "updated_by": command.principal.sub}
    uow.offer_drafts.put(record, command.body.get("version"))
    return record


@dataclass(frozen=True)
class DiscardOfferDraft:
    principal: Principal
    competition_id: str
    organization_id: str


def discard_offer_draft(command: DiscardOfferDraft, uow: GrantsUnit) -> Record:
    access.check_acts_for(command.principal, command.organization_id)
    discarded = uow.offer_drafts.discard(command.competition_id, command.organization_id)
    if discarded is None:
        raise NotFound(OfferDrafts.not_found)
    return discarded


def _own_in_open_competition(command: RecordStep, uow: GrantsUnit, offer: Record) -> Record:
    """The competition of the caller's own offer, while it takes offers (amending and
    withdrawing are the organisation's, until the deadline)."""
    access.check_own(command.principal, offer, Offers.not_found)
    return open_competition(uow, offer["competition_id"])


def amend_offer(command: RecordStep, uow: GrantsUnit) -> Record:
    def amend(record: Record) -> Changed:
        competition, now = _own_in_open_competition(command, uow, record), utcnow()
        domain.check_amendable(record["status"], competition["submission_deadline"], now)
        _formal_check(uow, command.body, competition, record["organization_id"],
                      record["partners"])
        record.update(records.offer_fields(command.body), updated_at=now)
        return Changed(record)

    record = change(uow, uow.offers, command.record_id, amend)
    warnings = uow.refresh_similar("offer", record, record["updated_at"])
    return {**record, "warnings": warnings}


def withdraw_offer(command: RecordStep, uow: GrantsUnit) -> Record:
    def withdraw(record: Record) -> Changed:
        competition, now = _own_in_open_competition(command, uow, record), utcnow()
        status = domain.withdraw(record["status"], competition["submission_deadline"], now)
        record.update(status=status, updated_at=now)
        return Changed(record, [Event("offer.withdrawn", records.offer_payload(record))])

    return change(uow, uow.offers, command.record_id, withdraw)


def reject_offer(command: RecordStep, uow: GrantsUnit) -> Record:
    reason = command.body["reason"]

    def reject(record: Record) -> Changed:
        competition = uow.competitions.get(record["competition_id"])
        access.check_runs(command.principal, competition)
        status = domain.reject_formally(record["status"], competition["status"])
        record.update(status=status, status_reason=reason, updated_at=utcnow())
        return Changed(record, [Event("offer.rejected_formally",
                                      records.offer_payload(record, reason=reason))])

    return change(uow, uow.offers, command.record_id, reject)
