"""City departments: creating and changing them."""

from __future__ import annotations

from typing import Any

from registry import records
from registry.handlers import Unit
from wspolpraca.areas import validate_areas
from wspolpraca.envelope import utcnow
from wspolpraca.service_layer import Changed, Event, RecordStep, Submit, change, create

Record = dict[str, Any]


def create_department(command: Submit, uow: Unit) -> Record:
    record = records.new_department(command.body, utcnow())
    return create(uow, uow.departments, record, "department.created",
                  records.department_payload(record))


def update_department(command: RecordStep, uow: Unit) -> Record:
    """The department `record_id` (its code) changed as the body says."""

    def update(current: Record) -> Changed | None:
        changes = dict(command.body)
        if "areas" in changes:
            changes["areas"] = validate_areas(changes["areas"]) if changes["areas"] else []
        changed = sorted(k for k, v in changes.items() if current.get(k) != v)
        if not changed:
            return None
        record = {**current, **changes, "updated_at": utcnow()}
        return Changed(record, [Event("department.updated", {
            **records.department_payload(record), "changed_fields": changed})])

    return change(uow, uow.departments, command.record_id, update)
