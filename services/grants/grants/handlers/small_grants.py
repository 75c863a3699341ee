"""Small grants without a competition (art. 19a): submitted, published for 7 days of
comments, awarded within the yearly caps or refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from grants import access, coordination, domain, records
from grants.handlers.common import Record, RecordStep, Submit, check_funds
from grants.rules import RULES
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal, check_speaks_for
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import NotFound
from wspolpraca.service_layer import Changed, Event, change


def _check_caps(uow: GrantsUnit, record: Record, programme: Record, now: datetime) -> None:
    """The yearly caps of art. 19a ust. 4-5, with a clear error in the usual case (the
    database re-checks them when the award is counted)."""
    totals = uow.totals
    year = record["year"]
    domain.check_small_grant_caps(
        Decimal(record["requested_amount"]),
        domain.from_grosze(totals.total(totals.organization_key(
            year, record["organization_id"]))),
        domain.from_grosze(totals.total(totals.city_key(year))),
        domain.from_grosze(programme["total_grosze"]), domain.local_date(now), RULES)


def submit_small_grant(command: Submit, uow: GrantsUnit) -> Record:
    principal, body = command.principal, command.body
    access.check_acts_for(principal, body["organization_id"])
    now = utcnow()
    domain.check_small_grant(body, domain.local_date(now), RULES)
    domain.check_eligible(uow.organizations.view(body["organization_id"]), body["area"])
    programme = uow.programmes.adopted_for(body["task_start"].year)
    check_funds(programme, body["area"], body["requested_amount"], "requested_amount")
    record = records.new_small_grant(body, principal.sub, now, domain.publication_due_on(
        domain.local_date(now), RULES))
    _check_caps(uow, record, programme, now)
    uow.small_grants.add(record)
    warnings = uow.refresh_similar("small_grant", record, now, new=True)
    uow.emit("small_grant.submitted", record["_id"], records.small_grant_payload(record))
    return {**record, "warnings": warnings}


def publish_small_grant(command: RecordStep, uow: GrantsUnit) -> Record:
    def publish(record: Record) -> Changed:
        now = utcnow()
        status = domain.publish_small_grant(record["status"])
        due_on = record.get("publication_due_on")
        record.update(status=status, published_at=now,
                      comments_until=domain.publication_ends(now, RULES),
                      published_late=domain.published_late(
                          date.fromisoformat(due_on) if due_on else None, now))
        return Changed(record, [Event("small_grant.published", records.small_grant_payload(
            record, published_at=format_time(now)))])

    return change(uow, uow.small_grants, command.record_id, publish)


@dataclass(frozen=True)
class CommentSmallGrant:
    """Anyone comments during the 7 days; in an organisation's name only its representative."""

    principal: Principal | None
    small_grant_id: str
    body: dict[str, Any]


def comment_small_grant(command: CommentSmallGrant, uow: GrantsUnit) -> Record:
    principal, small_grant_id, body = command.principal, command.small_grant_id, command.body
    check_speaks_for(principal, body.get("organization_id"))
    record = uow.small_grants.get(small_grant_id)
    if record["status"] == domain.SmallGrantStatus.SUBMITTED and not access.is_runner(principal):
        raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
    now = utcnow()
    domain.check_may_comment(record["status"], record["comments_until"], now)
    comment = records.new_comment(small_grant_id, body, now)
    uow.comments.add(comment)
    uow.small_grants.count_comment(small_grant_id)
    uow.emit("small_grant.commented", small_grant_id, {
        "small_grant_id": small_grant_id, "comment_id": comment["_id"],
        "organization_id": comment["organization_id"], "created_at": format_time(now)})
    return comment


def award_small_grant(command: RecordStep, uow: GrantsUnit) -> Record:
    small_grant_id = command.record_id
    reason = command.body["double_funding_reason"]

    def award(record: Record) -> Changed:
        now = utcnow()
        domain.check_may_decide(record["status"], record["comments_until"], now)
        # funding the same costs twice needs an acknowledgement with a reason (422)
        overlaps = uow.double_funding("small_grant", [small_grant_id],
                                      {small_grant_id: reason or ""}, "double_funding_reason")
        programme = uow.programmes.adopted_for(record["year"])
        today = domain.local_date(now)
        per_org, city = domain.small_grant_limits(
            domain.from_grosze(programme["total_grosze"]), today, RULES)
        _check_caps(uow, record, programme, now)
        totals = uow.totals
        amount = record["amount_grosze"]
        # the database re-checks both caps in the updates that count the award
        if not totals.add_within(totals.organization_key(record["year"],
                                                         record["organization_id"]),
                                 amount, domain.grosze(per_org)):
            raise domain.organization_cap_exceeded(today, RULES)
        if not totals.add_within(totals.city_key(record["year"]), amount, domain.grosze(city)):
            raise domain.city_cap_exceeded(today, RULES)
        uow.programmes.commit(programme, record["area"], amount, "requested_amount")
        record.update(status=domain.SmallGrantStatus.AWARDED.value, decided_at=now)
        if overlaps:  # one small grant: at most one overlap
            record["double_funding_acknowledgement"] = coordination.acknowledgement(
                overlaps[0], reason, command.principal.sub, now)
        return Changed(record, [Event("small_grant.awarded", records.small_grant_payload(
            record, awarded_amount=record["requested_amount"],
            acknowledged_overlaps=[records.acknowledged_overlap("small_grant_id", record,
                                                                reason, overlap)
                                   for overlap in overlaps]))])

    return change(uow, uow.small_grants, small_grant_id, award)


def refuse_small_grant(command: RecordStep, uow: GrantsUnit) -> Record:
    reason = command.body["reason"]

    def refuse(record: Record) -> Changed:
        now = utcnow()
        domain.check_may_decide(record["status"], record["comments_until"], now)
        record.update(status=domain.SmallGrantStatus.REFUSED.value, decided_at=now,
                      status_reason=reason)
        return Changed(record, [Event("small_grant.refused",
                                      records.small_grant_payload(record, reason=reason))])

    return change(uow, uow.small_grants, command.record_id, refuse)
