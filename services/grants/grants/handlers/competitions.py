"""Open competitions (art. 11-15): drafted, announced, closed for offers, cancelled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from grants import access, domain, records
from grants.handlers.common import Record, change_record, check_funds
from grants.rules import RULES
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Forbidden

OPEN_OFFER = (domain.OfferStatus.SUBMITTED.value,)


def create_competition(uow: GrantsUnit, principal: Principal, body: dict[str, Any]) -> Record:
    """A draft; with `announce` drafted and announced at once (a refusal of the announcement,
    the 21 days of art. 13 ust. 1, leaves no draft behind)."""
    # the unit of work may run again (a transient error): the command stays as it came
    department = body.get("department")
    announce_now = bool(body.get("announce"))
    body = {k: v for k, v in body.items() if k not in ("department", "announce")}
    if not principal.is_staff:
        if department not in (None, principal.department):
            raise Forbidden("Wydział przygotowuje konkursy tylko we własnym imieniu.")
        department = principal.department
    domain.check_competition(body)
    programme = uow.programmes.adopted_for(body["task_start"].year)
    check_funds(programme, body["area"], body["budget"], "budget")
    now = utcnow()
    record = records.new_competition(body, programme["_id"], principal.sub, now)
    record["department"] = department or LIAISON_OFFICE
    emitted = _announced(uow, record, now) if announce_now else None
    uow.competitions.add(record)
    if emitted is not None:
        uow.emit(emitted[0], record["_id"], emitted[1])
    return record


def _announced(uow: GrantsUnit, record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
    """The announcement: the 21 days checked, the budget committed against the programme."""
    status = domain.announce(record["status"])
    terms = records.competition_terms(record)
    domain.check_announcement(record["submission_deadline"], now, terms["task_start"], RULES)
    programme = uow.programmes.adopted_for(record["year"])
    uow.programmes.commit(programme, record["area"], record["budget_grosze"], "budget")
    record.update(status=status, published_at=now, updated_at=now,
                  programme_id=programme["_id"], funds_committed=True)
    return "competition.announced", records.competition_payload(record)


def announce_competition(uow: GrantsUnit, principal: Principal, competition_id: str) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        return _announced(uow, record, now)

    return change_record(uow, uow.competitions, competition_id, step,
                         lambda record: access.check_runs(principal, record))


def close_competition(uow: GrantsUnit, principal: Principal | None, competition_id: str) -> Record:
    """Close for offers once the deadline passed: by the department running it, or (with no
    principal) by the timer."""
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        status = domain.close_for_offers(record["status"], record["submission_deadline"], now)
        offers = uow.offers.of_competition(competition_id, OPEN_OFFER)
        record.update(status=status, closed_at=now, updated_at=now)
        return "competition.closed", records.competition_payload(
            record, offers_submitted=len(offers))

    def check(record: Record) -> None:
        if principal is not None:
            access.check_runs(principal, record)

    return change_record(uow, uow.competitions, competition_id, step, check)


def cancel_competition(uow: GrantsUnit, principal: Principal, competition_id: str,
                       body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        status = domain.cancel(record["status"])
        if record.get("funds_committed"):
            uow.programmes.release(record["programme_id"], record["area"],
                                   record["budget_grosze"])
        record.update(status=status, cancel_reason=body["reason"], updated_at=now,
                      funds_committed=False)
        return "competition.cancelled", records.competition_payload(record,
                                                                     reason=body["reason"])

    return change_record(uow, uow.competitions, competition_id, step,
                         lambda record: access.check_runs(principal, record))
