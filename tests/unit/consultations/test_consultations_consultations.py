"""Consultations of draft acts: the period, who may comment and when, moderation, the
city's answers and the report (the city's consultation resolution, DOMAIN.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consultations import domain
from consultations.domain import ConsultationStatus as S
from wspolpraca.rules import DatedRules
from wspolpraca.testing.refusals import refused

RULES = DatedRules.load(Path(domain.__file__).with_name("rules.toml"))
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPENS = NOW + timedelta(days=1)


# --- the period ---------------------------------------------------------------------


def test_a_consultation_of_exactly_7_days_is_accepted():
    domain.check_consultation_period(OPENS, OPENS + timedelta(days=7), NOW, RULES)


def test_a_consultation_of_6_days_23_hours_59_minutes_is_too_short():
    error = refused(domain.check_consultation_period, OPENS,
                    OPENS + timedelta(days=6, hours=23, minutes=59), NOW, RULES)
    assert (error.code, error.field, error.status) == ("period_too_short", "closes_at", 422)


def test_a_backdated_opening_does_not_shorten_the_7_days():
    opened_a_week_ago = NOW - timedelta(days=7)
    error = refused(domain.check_consultation_period, opened_a_week_ago,
                    NOW + timedelta(days=1), NOW, RULES)
    assert error.code == "period_too_short"
    domain.check_consultation_period(NOW - timedelta(minutes=5), NOW + timedelta(days=7),
                                     NOW, RULES)


def test_the_minimum_is_the_one_in_force_on_the_opening_day():
    rules = DatedRules.from_mapping({"consultation_min_days": [
        {"from": datetime(2003, 6, 29).date(), "value": 7},
        {"from": datetime(2027, 1, 1).date(), "value": 14}]})
    domain.check_consultation_period(OPENS, OPENS + timedelta(days=7), NOW, rules)
    later = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    error = refused(domain.check_consultation_period, later, later + timedelta(days=13),
                    NOW, rules)
    assert error.code == "period_too_short"
    assert "14 dni" in error.message


def test_a_consultation_closing_in_the_past_is_refused():
    error = refused(domain.check_consultation_period, NOW - timedelta(days=10),
                    NOW - timedelta(seconds=1), NOW, RULES)
    assert error.code == "closes_in_the_past"


def test_times_without_a_zone_are_a_programming_error():
    with pytest.raises(ValueError):
        domain.check_consultation_period(OPENS.replace(tzinfo=None),
                                         OPENS + timedelta(days=8), NOW, RULES)


def test_forms_are_written_comments_meetings_or_an_online_form():
    assert domain.check_forms(["written_comments", "meeting", "online_form"]) == [
        "written_comments", "meeting", "online_form"]
    assert refused(domain.check_forms, []).code == "forms_required"
    assert refused(domain.check_forms, ["survey"]).code == "unknown_form"
    assert refused(domain.check_forms, ["meeting", "meeting"]).code == "duplicate_form"


def test_sections_are_distinct_and_not_blank():
    assert domain.check_sections([" § 1 ", "§ 2"]) == ["§ 1", "§ 2"]
    assert refused(domain.check_sections, ["§ 1", "§ 1"]).code == "duplicate_section"
    assert refused(domain.check_sections, [" "]).code == "blank_section"


# --- the status and commenting ------------------------------------------------------


CLOSES = OPENS + timedelta(days=7)


@pytest.mark.parametrize(("moment", "expected"), [
    (OPENS - timedelta(seconds=1), S.PLANNED),
    (OPENS, S.OPEN),
    (CLOSES - timedelta(seconds=1), S.OPEN),
    (CLOSES, S.CLOSED),
    (CLOSES + timedelta(seconds=1), S.CLOSED),
])
def test_a_consultation_is_open_from_its_opening_until_its_closing(moment, expected):
    assert domain.consultation_status("open", OPENS, CLOSES, moment) is expected


def test_a_consultation_closed_by_the_officer_stays_closed():
    assert domain.consultation_status("closed", OPENS, CLOSES, OPENS) is S.CLOSED
    assert domain.consultation_status("report_published", OPENS, CLOSES, OPENS) \
        is S.REPORT_PUBLISHED


def comment_rule(status, section=None, organization_id="org", residents=False):
    domain.check_may_comment(status, section=section, sections=["§ 1", "§ 2"],
                             organization_id=organization_id,
                             residents_may_comment=residents)


def test_an_organisation_comments_on_a_section_while_open():
    comment_rule(S.OPEN, section="§ 2")
    comment_rule(S.OPEN)  # on the draft as a whole


def test_a_comment_one_second_after_closing_is_a_conflict():
    status = domain.consultation_status("open", OPENS, CLOSES, CLOSES + timedelta(seconds=1))
    error = refused(comment_rule, status)
    assert (error.code, error.status) == ("consultation_closed", 409)


def test_a_comment_before_opening_is_a_conflict():
    error = refused(comment_rule, S.PLANNED)
    assert (error.code, error.status) == ("consultation_not_open", 409)


def test_a_comment_on_a_section_not_open_for_comment_is_refused():
    error = refused(comment_rule, S.OPEN, section="§ 9")
    assert (error.code, error.field, error.status) == ("unknown_section", "section", 422)


def test_residents_comment_only_where_the_consultation_allows_it():
    comment_rule(S.OPEN, organization_id=None, residents=True)
    error = refused(comment_rule, S.OPEN, organization_id=None, residents=False)
    assert error.code == "residents_not_allowed"


# --- moderation ---------------------------------------------------------------------


def test_an_abusive_comment_is_hidden_with_a_reason():
    assert domain.check_may_hide(False, " obraźliwe treści ") == "obraźliwe treści"


def test_comments_are_moderated_while_open_and_after_closing_until_the_report():
    assert domain.check_may_hide(False, "spam", S.CLOSED) == "spam"
    error = refused(domain.check_may_hide, False, "spam", S.REPORT_PUBLISHED)
    assert (error.code, error.status) == ("report_published", 409)


def test_hiding_needs_a_reason_and_happens_once():
    assert refused(domain.check_may_hide, False, "  ").code == "reason_required"
    error = refused(domain.check_may_hide, True, "znowu")
    assert (error.code, error.status) == ("already_hidden", 409)


# --- answers and the report ---------------------------------------------------------


def test_the_city_answers_after_closing_with_a_reason():
    for decision in ("accepted", "partly_accepted", "rejected"):
        assert domain.check_may_answer(S.CLOSED, decision, "Uzasadnienie.").value == decision


def test_no_answer_while_open_or_after_the_report():
    assert refused(domain.check_may_answer, S.OPEN, "accepted", "x").status == 409
    assert refused(domain.check_may_answer, S.REPORT_PUBLISHED, "accepted", "x").code \
        == "report_published"


def test_an_answer_without_a_reason_or_with_an_unknown_decision_is_refused():
    assert refused(domain.check_may_answer, S.CLOSED, "rejected", " ").code == "reason_required"
    assert refused(domain.check_may_answer, S.CLOSED, "ignored", "x").code == "unknown_decision"


ANSWERED = {"_id": "a", "answer": {"decision": "accepted", "reason": "Tak."}}
WAITING = {"_id": "w", "answer": None}
HIDDEN = {"_id": "h", "answer": None, "hidden": True}


def test_the_report_is_published_when_every_comment_is_answered():
    domain.check_may_publish_report(S.CLOSED, [ANSWERED, HIDDEN])
    domain.check_may_publish_report(S.CLOSED, [])


def test_the_report_waits_for_every_answer():
    error = refused(domain.check_may_publish_report, S.CLOSED, [ANSWERED, WAITING])
    assert (error.code, error.status) == ("comments_unanswered", 409)
    assert error.fields == {"comments": ["w"]}


def test_the_report_is_not_published_while_open_or_twice():
    assert refused(domain.check_may_publish_report, S.OPEN, []).code \
        == "consultation_not_closed"
    assert refused(domain.check_may_publish_report, S.REPORT_PUBLISHED, []).code \
        == "report_already_published"


def test_decisions_are_counted_without_hidden_comments():
    partly = {"_id": "p", "answer": {"decision": "partly_accepted", "reason": "x"}}
    hidden_answered = {**ANSWERED, "hidden": True}
    assert domain.decision_counts([ANSWERED, partly, hidden_answered, WAITING]) == {
        "accepted": 1, "partly_accepted": 1, "rejected": 0}


def test_closing_twice_is_a_conflict():
    domain.check_may_close(S.OPEN)
    domain.check_may_close(S.PLANNED)
    assert refused(domain.check_may_close, S.CLOSED).status == 409


# --- meetings -----------------------------------------------------------------------


def test_a_meeting_is_held_within_the_consultation_when_meetings_are_a_form():
    start = OPENS + timedelta(days=2)
    domain.check_meeting(["meeting"], start, start + timedelta(hours=2), OPENS, CLOSES)
    assert refused(domain.check_meeting, ["written_comments"], start,
                   start + timedelta(hours=2), OPENS, CLOSES).code == "meetings_not_a_form"
    assert refused(domain.check_meeting, ["meeting"], start, start, OPENS, CLOSES).code \
        == "meeting_ends_before_start"
    assert refused(domain.check_meeting, ["meeting"], CLOSES, CLOSES + timedelta(hours=1),
                   OPENS, CLOSES).code == "meeting_outside_consultation"
