"""Contracts per award, task reports and settlement (art. 16, art. 18)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from grants import access, domain, records
from grants.handlers.common import Record, Step, change_record
from grants.repository import Contracts, Offers
from grants.rules import RULES
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow


def update_budget(uow: GrantsUnit, principal: Principal, offer_id: str,
                  body: dict[str, Any]) -> Record:
    def step(offer: Record, now: datetime) -> None:
        awarded = Decimal(offer["awarded_amount"]) if offer.get("awarded_amount") else None
        domain.check_budget_updatable(offer["status"], awarded,
                                      Decimal(offer["requested_amount"]),
                                      uow.contracts.of_offer(offer_id) is not None)
        competition = records.competition_terms(uow.competitions.get(offer["competition_id"]))
        domain.check_updated_budget(body, awarded, competition["min_own_contribution_pct"],
                                    competition["mode"])
        offer["updated_budget"] = records.budget_update(body, now)

    return change_record(uow, uow.offers, offer_id, step,
                         lambda offer: access.check_own(principal, offer, Offers.not_found))


def sign_contract(uow: GrantsUnit, principal: Principal, body: dict[str, Any]) -> Record:
    offer = uow.offers.get(body["offer_id"])
    access.check_runs(principal, uow.competitions.get(offer["competition_id"]))
    awarded = Decimal(offer["awarded_amount"]) if offer.get("awarded_amount") else None
    domain.check_may_sign(offer["status"], awarded, Decimal(offer["requested_amount"]),
                          bool(offer.get("updated_budget")))
    task_end = date.fromisoformat(offer["task_end"])
    domain.check_tranches(body["tranches"], awarded, body["signed_on"], task_end)
    record = records.new_contract(offer, body, domain.report_due_on(task_end, RULES),
                                  principal.sub, utcnow())
    uow.contracts.add(record)
    uow.emit("contract.signed", record["_id"], records.contract_payload(
        record, signed_on=record["signed_on"], tranches=[dict(t) for t in record["tranches"]]))
    return record


def _change_contract(uow: GrantsUnit, contract_id: str, step: Step, *,
                     owner: Principal | None = None,
                     runner: Principal | None = None) -> Record:
    """`owner`: the organisation's representative acts; `runner`: the department that
    runs the competition (or staff)."""
    def check(record: Record) -> None:
        if owner is not None:
            access.check_own(owner, record, Contracts.not_found)
        if runner is not None:
            access.check_runs(runner, uow.competitions.get(record["competition_id"]))

    def stamped(record: Record, now: datetime) -> tuple[str, dict[str, Any]] | None:
        emitted = step(record, now)
        record["updated_at"] = now
        return emitted

    return change_record(uow, uow.contracts, contract_id, stamped, check)


def start_contract(uow: GrantsUnit, principal: Principal, contract_id: str) -> Record:
    """The task started (the first tranche is paid)."""
    def step(record: Record, now: datetime) -> None:
        record["status"] = domain.start_contract(record["status"])

    return _change_contract(uow, contract_id, step, runner=principal)


def submit_report(uow: GrantsUnit, principal: Principal, contract_id: str,
                  body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        domain.check_may_report(record["status"], record["report"])
        unused = domain.check_report(body["expenses"], Decimal(record["amount"]))
        record["report"] = records.new_report(body, unused, now)
        return "task_report.submitted", records.report_payload(record)

    return _change_contract(uow, contract_id, step, owner=principal)


def accept_report(uow: GrantsUnit, principal: Principal, contract_id: str) -> Record:
    """The report accepted: unused funds fall due (art. 251 u.f.p.)."""
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        record["report"]["status"] = domain.review_report(record["report"], True)
        record["report"]["accepted_at"] = now
        unused = Decimal(record["report"]["unused_amount"])
        record["unused_amount"] = records.money(unused)
        record["unused_due_on"] = records.day(domain.unused_funds_due_on(
            date.fromisoformat(record["task_end"]), RULES)) if unused > 0 else None
        return "task_report.accepted", records.report_payload(
            record, unused_due_on=record["unused_due_on"])

    return _change_contract(uow, contract_id, step, runner=principal)


def request_corrections(uow: GrantsUnit, principal: Principal, contract_id: str,
                        body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> None:
        record["report"]["status"] = domain.review_report(record["report"], False)
        record["report"]["corrections"] = body["reason"]

    return _change_contract(uow, contract_id, step, runner=principal)


def settle_contract(uow: GrantsUnit, principal: Principal, contract_id: str,
                    body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        unused = Decimal(record["unused_amount"] or "0")
        record["status"] = domain.check_may_settle(record["status"], record["report"],
                                                   unused, body["returned_amount"])
        record["returned_amount"] = records.money(body["returned_amount"])
        return "contract.settled", records.contract_payload(
            record, returned_amount=record["returned_amount"],
            unused_due_on=record["unused_due_on"])

    return _change_contract(uow, contract_id, step, runner=principal)


def terminate_contract(uow: GrantsUnit, principal: Principal, contract_id: str,
                       body: dict[str, Any]) -> Record:
    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]]:
        record["status"] = domain.terminate_contract(record["status"])
        record["status_reason"] = body["reason"]
        return "contract.terminated", records.contract_payload(record, reason=body["reason"])

    return _change_contract(uow, contract_id, step, runner=principal)


def flag_contract_deadlines(uow: GrantsUnit, contract_id: str, today: date) -> int:
    """Mark the ended task's report due and raise `task_report.overdue` once (art. 18
    ust. 1); 1 if it was raised now."""
    overdue: list[bool] = []

    def step(record: Record, now: datetime) -> tuple[str, dict[str, Any]] | None:
        due_on = date.fromisoformat(record["report_due_on"])
        if domain.task_ended(record["status"], date.fromisoformat(record["task_end"]), today):
            record["status"] = domain.ContractStatus.REPORT_DUE.value
        overdue[:] = [not record["overdue_reported"] and domain.report_overdue(
            record["status"], record["report"], due_on, today)]
        if not overdue[0]:
            return None
        record["overdue_reported"] = True
        return "task_report.overdue", records.contract_payload(
            record, days_overdue=(today - due_on).days)

    change_record(uow, uow.contracts, contract_id, step)
    return 1 if overdue[0] else 0


