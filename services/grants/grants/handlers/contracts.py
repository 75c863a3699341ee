"""Contracts per award, task reports and settlement (art. 16, art. 18)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from grants import access, domain, records
from grants.handlers.common import Record, RecordStep, Submit
from grants.repository import Contracts, Offers
from grants.rules import RULES
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.service_layer import Changed, Event, change, create

# a contract's step applies the domain's transition to the record (at `now`) and returns
# the events it raises
ContractTransition = Callable[[Record, datetime], list[Event]]


def update_budget(command: RecordStep, uow: GrantsUnit) -> Record:
    offer_id, body = command.record_id, command.body

    def update(offer: Record) -> Changed:
        access.check_own(command.principal, offer, Offers.not_found)
        awarded = Decimal(offer["awarded_amount"]) if offer.get("awarded_amount") else None
        domain.check_budget_updatable(offer["status"], awarded,
                                      Decimal(offer["requested_amount"]),
                                      uow.contracts.of_offer(offer_id) is not None)
        competition = records.competition_terms(uow.competitions.get(offer["competition_id"]))
        domain.check_updated_budget(body, awarded, competition["min_own_contribution_pct"],
                                    competition["mode"])
        offer["updated_budget"] = records.budget_update(body, utcnow())
        return Changed(offer)

    return change(uow, uow.offers, offer_id, update)


def sign_contract(command: Submit, uow: GrantsUnit) -> Record:
    principal, body = command.principal, command.body
    offer = uow.offers.get(body["offer_id"])
    access.check_runs(principal, uow.competitions.get(offer["competition_id"]))
    awarded = Decimal(offer["awarded_amount"]) if offer.get("awarded_amount") else None
    domain.check_may_sign(offer["status"], awarded, Decimal(offer["requested_amount"]),
                          bool(offer.get("updated_budget")))
    task_end = date.fromisoformat(offer["task_end"])
    domain.check_tranches(body["tranches"], awarded, body["signed_on"], task_end)
    record = records.new_contract(offer, body, domain.report_due_on(task_end, RULES),
                                  principal.sub, utcnow())
    return create(uow, uow.contracts, record, "contract.signed", records.contract_payload(
        record, signed_on=record["signed_on"], tranches=[dict(t) for t in record["tranches"]]))


def _change_contract(uow: GrantsUnit, contract_id: str, step: ContractTransition, *,
                     owner: Principal | None = None,
                     runner: Principal | None = None) -> Record:
    """`owner`: the organisation's representative acts; `runner`: the department that
    runs the competition (or staff)."""
    def transition(record: Record) -> Changed:
        if owner is not None:
            access.check_own(owner, record, Contracts.not_found)
        if runner is not None:
            access.check_runs(runner, uow.competitions.get(record["competition_id"]))
        now = utcnow()
        events = step(record, now)
        record["updated_at"] = now
        return Changed(record, events)

    return change(uow, uow.contracts, contract_id, transition)


def start_contract(command: RecordStep, uow: GrantsUnit) -> Record:
    """The task started (the first tranche is paid)."""
    def start(record: Record, now: datetime) -> list[Event]:
        record["status"] = domain.start_contract(record["status"])
        return []

    return _change_contract(uow, command.record_id, start, runner=command.principal)


def submit_report(command: RecordStep, uow: GrantsUnit) -> Record:
    body = command.body

    def submit(record: Record, now: datetime) -> list[Event]:
        domain.check_may_report(record["status"], record["report"])
        unused = domain.check_report(body["expenses"], Decimal(record["amount"]))
        record["report"] = records.new_report(body, unused, now)
        return [Event("task_report.submitted", records.report_payload(record))]

    return _change_contract(uow, command.record_id, submit, owner=command.principal)


def accept_report(command: RecordStep, uow: GrantsUnit) -> Record:
    """The report accepted: unused funds fall due (art. 251 u.f.p.)."""
    def accept(record: Record, now: datetime) -> list[Event]:
        record["report"]["status"] = domain.review_report(record["report"], True)
        record["report"]["accepted_at"] = now
        unused = Decimal(record["report"]["unused_amount"])
        record["unused_amount"] = records.money(unused)
        record["unused_due_on"] = records.day(domain.unused_funds_due_on(
            date.fromisoformat(record["task_end"]), RULES)) if unused > 0 else None
        return [Event("task_report.accepted", records.report_payload(
            record, unused_due_on=record["unused_due_on"]))]

    return _change_contract(uow, command.record_id, accept, runner=command.principal)


def request_corrections(command: RecordStep, uow: GrantsUnit) -> Record:
    def send_back(record: Record, now: datetime) -> list[Event]:
        record["report"]["status"] = domain.review_report(record["report"], False)
        record["report"]["corrections"] = command.body["reason"]
        return []

    return _change_contract(uow, command.record_id, send_back, runner=command.principal)


def settle_contract(command: RecordStep, uow: GrantsUnit) -> Record:
    returned = command.body["returned_amount"]

    def settle(record: Record, now: datetime) -> list[Event]:
        unused = Decimal(record["unused_amount"] or "0")
        record["status"] = domain.check_may_settle(record["status"], record["report"],
                                                   unused, returned)
        record["returned_amount"] = records.money(returned)
        return [Event("contract.settled", records.contract_payload(
            record, returned_amount=record["returned_amount"],
            unused_due_on=record["unused_due_on"]))]

    return _change_contract(uow, command.record_id, settle, runner=command.principal)


def terminate_contract(command: RecordStep, uow: GrantsUnit) -> Record:
    reason = command.body["reason"]

    def terminate(record: Record, now: datetime) -> list[Event]:
        record["status"] = domain.terminate_contract(record["status"])
        record["status_reason"] = reason
        return [Event("contract.terminated", records.contract_payload(record, reason=reason))]

    return _change_contract(uow, command.record_id, terminate, runner=command.principal)


@dataclass(frozen=True)
class FlagContractDeadlines:
    """The timer's look at one contract on `today` (the city's calendar day)."""

    contract_id: str
    today: date


def flag_contract_deadlines(command: FlagContractDeadlines, uow: GrantsUnit) -> int:
    """Mark the ended task's report due and raise `task_report.overdue` once (art. 18
    ust. 1); 1 if it was raised now."""
    today = command.today
    overdue: list[bool] = []

    def flag(record: Record) -> Changed:
        due_on = date.fromisoformat(record["report_due_on"])
        if domain.task_ended(record["status"], date.fromisoformat(record["task_end"]), today):
            record["status"] = domain.ContractStatus.REPORT_DUE.value
        overdue[:] = [not record["overdue_reported"] and domain.report_overdue(
            record["status"], record["report"], due_on, today)]
        if not overdue[0]:
            return Changed(record)
        record["overdue_reported"] = True
        return Changed(record, [Event("task_report.overdue", records.contract_payload(
            record, days_overdue=(today - due_on).days))])

    change(uow, uow.contracts, command.contract_id, flag)
    return 1 if overdue[0] else 0
