"""Inquiries to the liaison office: filed, routed to a department, assigned, answered,
closed; flagged once when overdue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry import domain, records
from registry.cooperation_access import RULES, may_handle_inquiry
from registry.handlers import Unit
from wspolpraca.auth import Principal
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.service_layer import Changed, Due, Event, change

Record = dict[str, Any]


@dataclass(frozen=True)
class FileInquiry:
    data: dict[str, Any]


def file_inquiry(command: FileInquiry, uow: Unit) -> Record:
    """Record the inquiry with its deadline and route it to the department that handles
    its area, when one does."""
    now = utcnow()
    record = records.new_inquiry(command.data, domain.response_deadline(now, RULES), now)
    departments = [domain.DepartmentAreas(d["_id"], frozenset(d.get("areas", [])))
                   for d in uow.departments.handling()]
    uow.emit("inquiry.received", record["_id"], records.inquiry_payload(record))
    department = domain.route_inquiry(record["area"], departments)
    if department is not None:
        record["status"] = domain.route(record["status"]).value
        record["department"] = department
        uow.emit("inquiry.routed", record["_id"], records.inquiry_payload(record))
    uow.inquiries.add(record)
    return record


@dataclass(frozen=True)
class InquiryStep:
    """A step of an inquiry taken by `actor`: route, assign, answer or close."""

    inquiry_id: str
    actor: Principal
    value: str | None = None  # the department, the assignee or the answer


def _step(command: InquiryStep, uow: Unit,
          apply: Callable[[Record], tuple[str, dict[str, Any]]]) -> Record:
    def transition(record: Record) -> Changed:
        may_handle_inquiry(command.actor, record)
        routing_key, extra = apply(record)
        return Changed(record, [Event(routing_key, records.inquiry_payload(record, **extra))])

    return change(uow, uow.inquiries, command.inquiry_id, transition)


def route_inquiry(command: InquiryStep, uow: Unit) -> Record:
    """Route by hand to a department (which must exist)."""
    def route(record: Record) -> tuple[str, dict[str, Any]]:
        uow.departments.get(command.value)
        record["status"] = domain.route(record["status"]).value
        record["department"] = command.value
        return "inquiry.routed", {}

    return _step(command, uow, route)


def assign_inquiry(command: InquiryStep, uow: Unit) -> Record:
    def assign(record: Record) -> tuple[str, dict[str, Any]]:
        record["status"] = domain.assign(record["status"]).value
        record["assignee"] = command.value
        return "inquiry.assigned", {"assignee": command.value}

    return _step(command, uow, assign)


def answer_inquiry(command: InquiryStep, uow: Unit) -> Record:
    def answer(record: Record) -> tuple[str, dict[str, Any]]:
        now = utcnow()
        record["status"] = domain.answer(record["status"], command.value).value
        record["answer"] = command.value
        record["answered_at"] = now
        return "inquiry.answered", {
            "answer": command.value, "answered_at": format_time(now),
            "contact_email": record["email"], "on_time": now <= record["deadline"],
        }

    return _step(command, uow, answer)


def close_inquiry(command: InquiryStep, uow: Unit) -> Record:
    def close(record: Record) -> tuple[str, dict[str, Any]]:
        record["status"] = domain.close(record["status"]).value
        record["closed_at"] = utcnow()
        return "inquiry.closed", {}

    return _step(command, uow, close)


def flag_overdue(command: Due, uow: Unit) -> int:
    """Raise `inquiry.overdue` once for an inquiry past its deadline (1), else 0. The mark is
    a conditional write, so two replicas' timers racing cannot both raise it."""
    now = command.now
    record = uow.inquiries.get(command.record_id)
    if not domain.is_overdue(record["deadline"], record["status"], now) or \
            not uow.inquiries.report_overdue(command.record_id):
        return 0
    record["overdue_reported"] = True
    days = (now - record["deadline"]).days
    uow.emit("inquiry.overdue", command.record_id,
             records.inquiry_payload(record, days_overdue=days))
    return 1
