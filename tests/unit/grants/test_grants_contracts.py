"""Contracts, task reports and settlement (art. 16, art. 18; art. 251 u.f.p.)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from grants import domain
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(domain.__file__).with_name("rules.toml"))
END = date(2027, 10, 31)


def test_the_task_report_is_due_30_days_after_the_task_ends_art_18_ust_1():
    assert domain.report_due_on(END, RULES) == date(2027, 11, 30)


def test_the_report_is_overdue_from_the_31st_day_without_a_report_art_18_ust_1():
    due = domain.report_due_on(END, RULES)
    assert not domain.report_overdue("report_due", None, due, due)
    assert domain.report_overdue("report_due", None, due, date(2027, 12, 1))
    assert not domain.report_overdue("report_due", {"status": "submitted"}, due,
                                     date(2027, 12, 1))
    assert not domain.report_overdue("terminated", None, due, date(2027, 12, 1))


def test_unused_funds_are_returned_within_15_days_and_by_15_january_art_251_ufp():
    assert domain.unused_funds_due_on(END, RULES) == date(2027, 11, 15)
    assert domain.unused_funds_due_on(date(2027, 12, 31), RULES) == date(2028, 1, 15)


def test_tranches_pay_exactly_the_grant_within_the_task():
    tranches = [{"amount": Decimal("5000.00"), "due_on": date(2027, 3, 1)},
                {"amount": Decimal("2000.00"), "due_on": date(2027, 6, 1)}]
    domain.check_tranches(tranches, Decimal("7000.00"), date(2027, 2, 1), END)
    with pytest.raises(DomainError) as refused:
        domain.check_tranches(tranches, Decimal("7000.01"), date(2027, 2, 1), END)
    assert refused.value.code == "tranches_do_not_add_up"
    late = [{"amount": Decimal("7000.00"), "due_on": date(2027, 11, 1)}]
    with pytest.raises(DomainError) as refused:
        domain.check_tranches(late, Decimal("7000.00"), date(2027, 2, 1), END)
    assert refused.value.field == "tranches.0.due_on"


def test_a_lower_grant_needs_a_budget_updated_to_it_art_16_ust_1():
    update = {"own_contribution": {"financial": Decimal("700.00"),
                                   "non_financial": Decimal("300.00")},
              "total_cost": Decimal("8000.00"),
              "cost_items": [{"name": "x", "amount": Decimal("8000.00")}]}
    domain.check_updated_budget(update, Decimal("7000.00"), Decimal("10"), "supporting")
    with pytest.raises(DomainError) as refused:
        domain.check_updated_budget(update, Decimal("7000.00"), Decimal("12.51"), "supporting")
    assert refused.value.code == "own_contribution_too_low"
    with pytest.raises(DomainError):
        domain.check_updated_budget(update, Decimal("7000.01"), Decimal("10"), "supporting")


def test_expenses_from_the_grant_give_the_unused_funds_to_return_art_18():
    expenses = [{"source": "grant", "amount": Decimal("6500.00")},
                {"source": "own_financial", "amount": Decimal("700.00")}]
    assert domain.check_report(expenses, Decimal("7000.00")) == Decimal("500.00")
    with pytest.raises(DomainError) as refused:
        domain.check_report([{"source": "grant", "amount": Decimal("7000.01")}],
                            Decimal("7000.00"))
    assert refused.value.code == "grant_expenses_exceed_grant"


def test_a_contract_is_settled_after_the_report_is_accepted_and_unused_funds_returned():
    accepted = {"status": "accepted"}
    assert domain.check_may_settle("report_due", accepted, Decimal("500.00"),
                                   Decimal("500.00")) == "settled"
    with pytest.raises(DomainError) as refused:
        domain.check_may_settle("report_due", accepted, Decimal("500.00"), Decimal("0.00"))
    assert refused.value.code == "unused_funds_not_returned"
    with pytest.raises(DomainError) as refused:
        domain.check_may_settle("report_due", {"status": "submitted"}, Decimal("0"),
                                Decimal("0"))
    assert refused.value.code == "report_not_accepted"


def test_a_report_is_accepted_or_sent_back_for_corrections():
    assert domain.review_report({"status": "submitted"}, True) == "accepted"
    assert domain.review_report({"status": "submitted"}, False) == "corrections_requested"
    domain.check_may_report("report_due", {"status": "corrections_requested"})
    with pytest.raises(DomainError):
        domain.check_may_report("report_due", {"status": "submitted"})


def test_the_contract_lifecycle_and_termination():
    assert domain.start_contract("signed") == "in_progress"
    assert domain.task_ended("in_progress", END, date(2027, 11, 1))
    assert not domain.task_ended("in_progress", END, END)
    assert domain.terminate_contract("report_due") == "terminated"
    with pytest.raises(DomainError):
        domain.terminate_contract("settled")


def test_the_contract_is_signed_only_for_a_grant_awarded_art_16_ust_1():
    domain.check_may_sign("funded", Decimal("7000.00"), Decimal("7000.00"), False)
    with pytest.raises(DomainError) as refused:
        domain.check_may_sign("not_funded", None, Decimal("7000.00"), False)
    assert refused.value.code == "offer_not_funded"


def test_a_lower_grant_is_signed_only_after_the_budget_update_art_16_ust_1():
    with pytest.raises(DomainError) as refused:
        domain.check_may_sign("funded", Decimal("5000.00"), Decimal("7000.00"), False)
    assert refused.value.code == "budget_update_required"
    domain.check_may_sign("funded", Decimal("5000.00"), Decimal("7000.00"), True)


def test_the_budget_is_updated_after_a_lower_grant_and_before_the_contract_art_16_ust_1():
    domain.check_budget_updatable("funded", Decimal("5000.00"), Decimal("7000.00"), False)
    for status, awarded in (("funded", Decimal("7000.00")), ("not_funded", None)):
        with pytest.raises(DomainError) as refused:
            domain.check_budget_updatable(status, awarded, Decimal("7000.00"), False)
        assert refused.value.code == "invalid_state"
    with pytest.raises(DomainError) as refused:
        domain.check_budget_updatable("funded", Decimal("5000.00"), Decimal("7000.00"), True)
    assert refused.value.code == "contract_signed"
