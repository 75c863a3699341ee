"""Open competitions (art. 11-15): drafted, announced, closed for offers, cancelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from grants import access, domain, records
from grants.handlers.common import Record, RecordStep, Submit, check_funds
from grants.rules import RULES
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Forbidden
from wspolpraca.service_layer import Changed, Event, change

OPEN_OFFER = (domain.OfferStatus.SUBMITTED.value,)


def create_competition(command: Submit, uow: GrantsUnit) -> Record:
    """A draft; with `announce` drafted and announced at once (a refusal of the announcement,
    the 21 days of art. 13 ust. 1, leaves no draft behind)."""
    principal = command.principal
    # the unit of work may run again (a transient error): the command stays as it came
    department = command.body.get("department")
    announce_now = bool(command.body.get("announce"))
    body = {k: v for k, v in command.body.items() if k not in ("department", "announce")}
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
    announced = _announced(uow, record, now) if announce_now else None
    uow.competitions.add(record)
    if announced is not None:
        uow.emit(announced.routing_key, record["_id"], announced.payload())
    return record


def _announced(uow: GrantsUnit, record: Record, now: datetime) -> Event:
    """The announcement: the 21 days checked, the budget committed against the programme."""
    status = domain.announce(record["status"])
    terms = records.competition_terms(record)
    domain.check_announcement(record["submission_deadline"], now, terms["task_start"], RULES)
    programme = uow.programmes.adopted_for(record["year"])
    uow.programmes.commit(programme, record["area"], record["budget_grosze"], "budget")
    record.update(status=status, published_at=now, updated_at=now,
                  programme_id=programme["_id"], funds_committed=True)
    return Event("competition.announced", records.competition_payload(record))


def announce_competition(command: RecordStep, uow: GrantsUnit) -> Record:
    def announce(record: Record) -> Changed:
        access.check_runs(command.principal, record)
        return Changed(record, [_announced(uow, record, utcnow())])

    return change(uow, uow.competitions, command.record_id, announce)


@dataclass(frozen=True)
class CloseCompetition:
    """Close for offers: by the department running it, or (`principal` None) by the timer."""

    principal: Principal | None
    competition_id: str


def close_competition(command: CloseCompetition, uow: GrantsUnit) -> Record:
    """Close for offers once the deadline passed."""
    def close(record: Record) -> Changed:
        if command.principal is not None:
            access.check_runs(command.principal, record)
        now = utcnow()
        status = domain.close_for_offers(record["status"], record["submission_deadline"], now)
        offers = uow.offers.of_competition(command.competition_id, OPEN_OFFER)
        record.update(status=status, closed_at=now, updated_at=now)
        return Changed(record, [Event("competition.closed", records.competition_payload(
            record, offers_submitted=len(offers)))])

    return change(uow, uow.competitions, command.competition_id, close)


def cancel_competition(command: RecordStep, uow: GrantsUnit) -> Record:
    reason = command.body["reason"]

    def cancel(record: Record) -> Changed:
        access.check_runs(command.principal, record)
        status = domain.cancel(record["status"])
        if record.get("funds_committed"):
            uow.programmes.release(record["programme_id"], record["area"],
                                   record["budget_grosze"])
        record.update(status=status, cancel_reason=reason, updated_at=utcnow(),
                      funds_committed=False)
        return Changed(record, [Event("competition.cancelled",
                                      records.competition_payload(record, reason=reason))])

    return change(uow, uow.competitions, command.record_id, cancel)
