"""Organisations: registering, changing, verifying."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry import domain, records
from registry.handlers import Unit
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.service_layer import Changed, ChangeStatus, Event, Step, change, create

Record = dict[str, Any]


@dataclass(frozen=True)
class RegisterOrganization:
    data: dict[str, Any]
    registered_by: str


def register_organization(command: RegisterOrganization, uow: Unit) -> Record:
    record = records.new_organization(command.data, command.registered_by, utcnow())
    return create(uow, uow.organizations, record, "organization.registered",
                  records.organization_payload(record))


@dataclass(frozen=True)
class UpdateOrganization:
    organization_id: str
    data: dict[str, Any]
    changed_by: str
    by_staff: bool


def update_organization(command: UpdateOrganization, uow: Unit) -> Record:
    """Change the data; a representative's change of what was verified returns the
    organisation to verification."""

    def update(current: Record) -> Changed | None:
        now = utcnow()
        record, changed = records.updated_organization(current, command.data, now)
        if not changed:
            return None
        to_verify = domain.fields_to_verify_again(current["status"], current, record,
                                                  changed, command.by_staff)
        reason = domain.reverification_reason(to_verify) if to_verify else None
        events = []
        if to_verify:
            status = domain.return_to_verification(current["status"])
            # one change, one new version (the repository writes current + 1)
            record = records.with_status({**record, "version": current["version"]},
                                         status.value, reason, now)
        events.append(Event("organization.updated",
                            records.organization_payload(record, changed_fields=changed)))
        if to_verify:
            events.append(Event("organization.returned_to_verification",
                                records.organization_payload(
                                    record, reason=reason, changed_by=command.changed_by,
                                    changed_at=format_time(now))))
        return Changed(record, events)

    return change(uow, uow.organizations, command.organization_id, update)


# the status changes of an organisation
STATUS_CHANGES = {
    "verify": Step(domain.verify, "organization.verified"),
    "suspend": Step(domain.suspend, "organization.suspended"),
    "reinstate": Step(domain.reinstate, "organization.reinstated"),
    "archive": Step(domain.archive, "organization.archived"),
}


def change_organization_status(command: ChangeStatus, uow: Unit) -> Record:
    step = STATUS_CHANGES[command.action]

    def apply(current: Record) -> Changed:
        now = utcnow()
        record = records.with_status(current, step.next_status(current["status"],
                                                               command.reason),
                                     command.reason, now)
        return Changed(record, [Event(step.routing_key, records.organization_payload(
            record, reason=command.reason, changed_by=command.actor,
            changed_at=format_time(now)))])

    return change(uow, uow.organizations, command.record_id, apply)
