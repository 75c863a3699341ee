"""Inquiries to the liaison office: routed to the right department, answered on time."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import registry
from registry.domain import (
    DepartmentAreas,
    InquiryStatus,
    answer,
    assign,
    close,
    is_overdue,
    response_deadline,
    route,
    route_inquiry,
)
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules
from wspolpraca.testing.refusals import refusal, refused

WARSAW = ZoneInfo("Europe/Warsaw")
R, RT, AS, AN, C = (
    InquiryStatus.RECEIVED,
    InquiryStatus.ROUTED,
    InquiryStatus.ASSIGNED,
    InquiryStatus.ANSWERED,
    InquiryStatus.CLOSED,
)

DEPARTMENTS = [
    DepartmentAreas("sport", frozenset({"sport", "tourism"})),
    DepartmentAreas("kultura", frozenset({"culture", "national_tradition"})),
    DepartmentAreas("edukacja", frozenset({"education", "children_and_youth", "sport"})),
]

RULES = DatedRules.from_mapping(
    {
        "inquiry_response_days": [
            {"from": date(2003, 6, 29), "value": 14},
            {"from": date(2025, 1, 1), "value": 7},
        ]
    }
)


# --- routing ---


def test_an_inquiry_goes_to_the_department_that_handles_its_area():
    assert route_inquiry("culture", DEPARTMENTS) == "kultura"


def test_when_several_departments_handle_the_area_the_first_by_code_takes_it():
    assert route_inquiry("sport", DEPARTMENTS) == "edukacja"
    assert route_inquiry("sport", list(reversed(DEPARTMENTS))) == "edukacja"


def test_an_inquiry_nobody_handles_stays_with_the_liaison_office():
    assert route_inquiry("health", DEPARTMENTS) is None
    assert route_inquiry("health", []) is None


# --- the deadline ---


def test_the_answer_is_due_fourteen_calendar_days_after_receipt():
    received = datetime(2024, 3, 1, 10, 30, tzinfo=WARSAW)
    assert response_deadline(received, RULES) == datetime(2024, 3, 15, 10, 30, tzinfo=WARSAW)


def test_the_deadline_in_force_on_the_day_of_receipt_applies():
    before = datetime(2024, 12, 31, 15, 0, tzinfo=WARSAW)
    after = datetime(2025, 1, 1, 9, 0, tzinfo=WARSAW)
    assert response_deadline(before, RULES) == before + timedelta(days=14)
    assert response_deadline(after, RULES) == after + timedelta(days=7)


def test_the_deadline_keeps_the_timezone_and_local_hour_across_a_clock_change():
    received = datetime(2024, 3, 20, 12, 0, tzinfo=WARSAW)  # CET; due in CEST
    due = response_deadline(received, RULES)
    assert due == datetime(2024, 4, 3, 12, 0, tzinfo=WARSAW)
    assert due.tzinfo is WARSAW
    assert due.utcoffset() == timedelta(hours=2)


def test_a_receipt_time_without_a_timezone_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone"):
        response_deadline(datetime(2024, 3, 1, 10, 30), RULES)


def test_the_registry_rules_file_gives_fourteen_days():
    rules = DatedRules.load(Path(registry.__file__).with_name("rules.toml"))
    assert rules.value("inquiry_response_days", date(2024, 6, 1)) == 14
    assert rules.entry("inquiry_response_days", date(2024, 6, 1)).source


# --- overdue ---

DUE = datetime(2024, 3, 15, 10, 30, tzinfo=WARSAW)


@pytest.mark.parametrize("status", [R, RT, AS])
def test_an_unanswered_inquiry_past_its_deadline_is_overdue(status):
    assert is_overdue(DUE, status, DUE + timedelta(seconds=1))


@pytest.mark.parametrize("status", [R, RT, AS])
def test_an_inquiry_is_not_overdue_at_its_deadline(status):
    assert not is_overdue(DUE, status, DUE)
    assert not is_overdue(DUE, status, DUE.astimezone(UTC))


@pytest.mark.parametrize("status", [AN, C])
def test_an_answered_or_closed_inquiry_is_never_overdue(status):
    assert not is_overdue(DUE, status, DUE + timedelta(days=365))


# --- its course ---


def test_the_ordinary_course_of_an_inquiry():
    status = route(R)
    assert status is RT
    status = assign(status)
    assert status is AS
    status = answer(status, "Dotacje na sport ogłasza Wydział Sportu w styczniu.")
    assert status is AN
    assert close(status) is C


def test_an_inquiry_can_be_assigned_straight_after_receipt():
    assert assign(R) is AS


@pytest.mark.parametrize("status", [R, RT, AS])
def test_an_answer_may_be_given_before_it_is_answered(status):
    assert answer(status, "Odpowiedź") is AN


@pytest.mark.parametrize("text", ["", "  \n ", None])
def test_an_answer_needs_text(text):
    assert refusal(refused(answer, AS, text)) == ("answer_required", "answer", 422)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (route, AS),
        (route, AN),
        (route, C),
        (assign, AS),
        (assign, AN),
        (assign, C),
        (lambda s: answer(s, "tekst"), AN),
        (lambda s: answer(s, "tekst"), C),
        (close, R),
        (close, RT),
        (close, AS),
        (close, C),
    ],
)
def test_any_other_step_is_a_conflict(action, status):
    with pytest.raises(DomainError) as caught:
        action(status)
    assert (caught.value.code, caught.value.status) == ("invalid_transition", 409)
