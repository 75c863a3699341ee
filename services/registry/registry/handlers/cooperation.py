"""Non-financial cooperation: city rooms and equipment and their bookings, the mayor's
patronage, partnerships and volunteering needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry import cooperation_domain as rules
from registry import cooperation_records as records
from registry.cooperation_access import (
    RULES,
    acting_for,
    may_manage,
    may_see_booking,
    verified_organization,
)
from registry.handlers import Unit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.service_layer import (
    Changed,
    ChangeStatus,
    Event,
    RecordStep,
    Step,
    Submit,
    change,
    create,
)

Record = dict[str, Any]
CITY_NAME = "Miasto"


# --- resources --------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateResource:
    data: dict[str, Any]


def create_resource(command: CreateResource, uow: Unit) -> Record:
    record = records.new_resource(command.data, utcnow())
    try:
        uow.departments.get(record["department"])
    except NotFound:
        raise DomainError("unknown_department", "Nie ma takiego wydziału.",
                          field="department") from None
    return create(uow, uow.resources, record, "resource.created", records.resource_payload(record))


def update_resource(command: RecordStep, uow: Unit) -> Record:
    """Change a resource (its managing department or an officer); approved bookings stay."""
    def update(current: Record) -> Changed | None:
        may_manage(command.principal, current["department"])
        record, changed = records.updated_resource(current, command.body, utcnow())
        if not changed:
            return None
        return Changed(record, [Event("resource.updated", records.resource_payload(
            record, changed_fields=changed))])

    return change(uow, uow.resources, command.record_id, update)


# --- bookings ---------------------------------------------------------------------------


def _overlap() -> Conflict:
    return Conflict("booking_overlaps",
                    "W tym czasie zasób jest już zarezerwowany (zatwierdzona rezerwacja).",
                    field="starts_at")


def request_booking(command: RecordStep, uow: Unit) -> Record:
    now = utcnow()
    data = command.body
    acting_for(command.principal, data["organization_id"])
    resource = uow.resources.get(command.record_id)
    rules.check_booking(data["starts_at"], data["ends_at"], now,
                        records.resource_windows(resource), RULES,
                        resource.get("capacity"), data.get("attendees"))
    organization = verified_organization(uow.organizations, data["organization_id"])
    record = records.new_booking(data, resource, organization, command.principal.sub, now)
    if uow.bookings.approved_overlapping(command.record_id, record["starts_at"],
                                         record["ends_at"]):
        raise _overlap()
    return create(uow, uow.bookings, record, "booking.requested", records.booking_payload(record))


@dataclass(frozen=True)
class DecideBooking:
    """Approve, refuse or cancel a booking, by `actor` (with a reason where one is given)."""

    booking_id: str
    actor: Principal
    reason: str | None = None


def _decide_booking(command: DecideBooking, uow: Unit, routing_key: str,
                    decide: Callable[[Record], None]) -> Record:
    def apply(record: Record) -> Changed:
        decide(record)
        record.update(decided_by=command.actor.sub, updated_at=utcnow())
        return Changed(record, [Event(routing_key, records.booking_payload(record))])

    return change(uow, uow.bookings, command.booking_id, apply)


def approve_booking(command: DecideBooking, uow: Unit) -> Record:
    """Approve a booking; 409 when it overlaps an approved one (approvals of one resource
    are serialised by its booking version)."""
    def approve(record: Record) -> None:
        may_manage(command.actor, record["department"])
        status = rules.approve_booking(record["status"])
        rules.check_not_started(record["starts_at"], utcnow())
        # suspended or archived since the request: no city rooms for it
        verified_organization(uow.organizations, record["organization_id"])
        uow.resources.lock_bookings(record["resource_id"])
        if uow.bookings.approved_overlapping(record["resource_id"], record["starts_at"],
                                             record["ends_at"], exclude=record["_id"]):
            raise _overlap()
        record["status"] = status.value

    return _decide_booking(command, uow, "booking.approved", approve)


def refuse_booking(command: DecideBooking, uow: Unit) -> Record:
    def refuse(record: Record) -> None:
        may_manage(command.actor, record["department"])
        status = rules.refuse_booking(record["status"], command.reason or "")
        record.update(status=status.value, reason=command.reason)

    return _decide_booking(command, uow, "booking.refused", refuse)


def cancel_booking(command: DecideBooking, uow: Unit) -> Record:
    def cancel(record: Record) -> None:
        may_see_booking(command.actor, record)
        status = rules.cancel_booking(record["status"], record["ends_at"], utcnow())
        record.update(status=status.value, reason=command.reason)

    return _decide_booking(command, uow, "booking.cancelled", cancel)


# --- patronages -------------------------------------------------------------------------


def request_patronage(command: Submit, uow: Unit) -> Record:
    now = utcnow()
    data = command.body
    acting_for(command.principal, data["organization_id"])
    rules.check_patronage_request(data["starts_at"], data["ends_at"], now, RULES)
    organization = verified_organization(uow.organizations, data["organization_id"])
    record = records.new_patronage(data, organization, now)
    return create(uow, uow.patronages, record, "patronage.requested",
                  records.patronage_payload(record))


# the decisions on a patronage
PATRONAGE_DECISIONS = {
    "grant": Step(rules.grant_patronage, "patronage.granted"),
    "refuse": Step(rules.refuse_patronage, "patronage.refused"),
}


def decide_patronage(command: ChangeStatus, uow: Unit) -> Record:
    step = PATRONAGE_DECISIONS[command.action]

    def apply(record: Record) -> Changed:
        record.update(status=step.next_status(record["status"], command.reason),
                      reason=command.reason, decided_by=command.actor, decided_at=utcnow())
        return Changed(record, [Event(step.routing_key, records.patronage_payload(record))])

    return change(uow, uow.patronages, command.record_id, apply)


# --- partnerships and volunteering ------------------------------------------------------


@dataclass(frozen=True)
class SignPartnership:
    data: dict[str, Any]
    signed_by: Principal


def sign_partnership(command: SignPartnership, uow: Unit) -> Record:
    """Record a partnership (an officer, or an organisation that is one of its parties):
    the city by its name, organisations verified."""
    data, principal = command.data, command.signed_by
    rules.check_partnership(data["parties"], data["starts_on"], data.get("ends_on"))
    org_ids = [p["organization_id"] for p in data["parties"] if p["kind"] == "organization"]
    if not principal.is_staff and principal.org_id not in org_ids:
        raise Forbidden("Organizacja może zapisać tylko partnerstwo, którego jest stroną.")
    parties = []
    for index, party in enumerate(command.data["parties"]):
        if party["kind"] == "city":
            parties.append({"kind": "city", "organization_id": None,
                            "name": party.get("name") or CITY_NAME})
            continue
        if not party.get("organization_id"):
            raise DomainError("organization_required", "Podaj organizację.",
                              field=f"parties.{index}.organization_id")
        organization = verified_organization(uow.organizations, party["organization_id"])
        parties.append({"kind": "organization", "organization_id": organization["_id"],
                        "name": organization["name"]})
    record = records.new_partnership(data, parties, principal.sub, utcnow())
    return create(uow, uow.partnerships, record, "partnership.signed",
                  records.partnership_payload(record))


def post_volunteering(command: Submit, uow: Unit) -> Record:
    now = utcnow()
    data = command.body
    acting_for(command.principal, data["organization_id"])
    rules.check_volunteering(data.get("starts_on"), data.get("ends_on"),
                             rules.city_date(now))
    organization = verified_organization(uow.organizations, data["organization_id"])
    record = records.new_volunteering(data, organization, now)
    return create(uow, uow.volunteering, record, "volunteering.posted",
                  records.volunteering_payload(record))
