"""The consultations service's command handlers run with a fake unit of work: what they
load, save and emit, without RabbitMQ or a database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from consultations import domain, handlers
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError
from wspolpraca.service_layer import Due, RecordStep
from wspolpraca.testing.memory import FakeUnitOfWork, MemoryRepository

OFFICER = Principal(sub="officer-1", roles=frozenset({"officer"}))


class Consultations(MemoryRepository):
    not_found = "Nie ma takich konsultacji."

    def count_comment(self, consultation_id: str) -> None:
        self.records[consultation_id]["comments"] += 1


class Comments(MemoryRepository):
    def of_consultation(self, consultation_id: str) -> list[dict[str, Any]]:
        return self.find({"consultation_id": consultation_id})


class Organizations(MemoryRepository):
    def by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {r["_id"]: r for r in self.find({}) if r["_id"] in ids}


def consultation(opened_days_ago: int = 1, closes_in_days: int = 10) -> dict[str, Any]:
    now = utcnow()
    return {"_id": "c-1", "title": "Program współpracy 2027", "sections": ["§ 1", "§ 2"],
            "forms": ["written", "meeting"], "opens_at": now - timedelta(days=opened_days_ago),
            "closes_at": now + timedelta(days=closes_in_days),
            "addressees": {"scope": "areas", "areas": ["culture"]},
            "residents_may_comment": False, "status": "open", "closed_at": None,
            "closed_by": None, "report_published_at": None, "meetings": [], "comments": 0,
            "subject": "Projekt uchwały", "act_kind": "programme", "programme_id": None}


def unit(*consultations: dict[str, Any], organizations=(), comments=()) -> FakeUnitOfWork:
    return FakeUnitOfWork(
        consultations=Consultations(*consultations), comments=Comments(*comments),
        organizations=Organizations(*organizations), councils=MemoryRepository(),
        council_requests=MemoryRepository(), council_meetings=MemoryRepository(),
        opinion_requests=MemoryRepository())


VERIFIED_CULTURE = {"_id": "org-1", "status": "verified", "areas": ["culture"]}
COMMENT = {"author": "Fundacja Pomocy", "organization_id": "org-1", "section": "§ 1",
           "text": "Proponujemy dodać małe granty."}


def test_a_verified_organisation_of_the_addressed_area_comments_and_is_counted():
    uow = unit(consultation(), organizations=[VERIFIED_CULTURE])

    comment = handlers.submit_comment(handlers.SubmitComment("c-1", COMMENT, "ngo-1"), uow)

    assert uow.comments.get(comment["_id"])["text"] == COMMENT["text"]
    assert uow.consultations.get("c-1")["comments"] == 1
    (event,) = uow.emitted
    assert (event.routing_key, event.subject) == ("consultation.comment_submitted", "c-1")
    assert "text" not in event.data  # read through the API, not spread by events


def test_a_comment_from_an_organisation_outside_the_addressed_areas_is_refused():
    sport = {**VERIFIED_CULTURE, "areas": ["sport"]}
    uow = unit(consultation(), organizations=[sport])

    with pytest.raises(DomainError) as refused:
        handlers.submit_comment(handlers.SubmitComment("c-1", COMMENT, "ngo-1"), uow)

    assert refused.value.code == "not_addressed"
    assert uow.comments.records == {} and uow.emitted == []


def test_closing_records_who_closed_and_tells_the_count_once():
    uow = unit({**consultation(), "comments": 3})

    record = handlers.close_consultation(handlers.CloseConsultation("c-1", "officer-1"), uow)

    assert record["status"] == "closed" and record["closed_by"] == "officer-1"
    (event,) = uow.emitted
    assert event.routing_key == "consultation.closed" and event.data["comments"] == 3
    with pytest.raises(DomainError) as again:
        handlers.close_consultation(handlers.CloseConsultation("c-1", "officer-1"), uow)
    assert again.value.code == "already_closed" and len(uow.emitted) == 1


def test_the_timer_closes_at_the_closing_time_only_what_is_due():
    due = {**consultation(opened_days_ago=10, closes_in_days=-1)}
    uow = unit(due)

    closed = [handlers.close_due(Due("c-1", utcnow()), uow) for _ in range(2)]

    assert closed == [1, 0]
    stored = uow.consultations.get("c-1")
    assert stored["closed_by"] == "timer" and stored["closed_at"] == due["closes_at"]


def test_marking_spam_hides_the_comment_and_tells_it():
    comment = {"_id": "k-1", "consultation_id": "c-1", "hidden": False, "spam": False,
               "hidden_at": None}
    uow = unit(consultation(), comments=[comment])

    handlers.mark_comment_spam(handlers.CommentStep("c-1", "k-1", "officer-1"), uow)

    stored = uow.comments.get("k-1")
    assert stored["spam"] and stored["hidden"] and stored["hidden_reason"] == "Spam"
    assert [(e.routing_key, e.subject) for e in uow.emitted] == [
        ("consultation.comment_marked_spam", "c-1")]


def test_a_meeting_after_closing_is_refused_and_nothing_is_saved():
    uow = unit({**consultation(), "status": "closed"})
    starts = utcnow() + timedelta(days=1)

    with pytest.raises(DomainError) as refused:
        handlers.schedule_consultation_meeting(RecordStep(
            OFFICER, "c-1", {"starts_at": starts, "ends_at": starts + timedelta(hours=2),
                             "place": "Ratusz"}), uow)

    assert (refused.value.code, refused.value.status) == ("consultation_closed", 409)
    assert uow.consultations.get("c-1")["meetings"] == [] and uow.emitted == []


def test_an_opinion_not_given_in_time_lapses_once_with_the_council_as_subject():
    requested = utcnow() - timedelta(days=20)
    uow = unit()
    uow.opinion_requests.add({"_id": "o-1", "council_id": "rada-1", "subject": "Program",
                              "status": domain.OpinionStatus.REQUESTED.value,
                              "requested_at": requested,
                              "deadline": requested + timedelta(days=14)})

    lapsed = [handlers.lapse_opinion(Due("o-1", utcnow()), uow)
              for _ in range(2)]

    assert lapsed == [1, 0]
    (event,) = uow.emitted
    assert (event.routing_key, event.subject) == ("council.opinion_lapsed", "rada-1")


# --- issue 18: changes before opening, meetings called off or moved ---------------------


def test_a_planned_consultation_is_changed_and_told_with_what_changed():
    uow = unit(consultation(opened_days_ago=-2, closes_in_days=16))

    record = handlers.edit_consultation(handlers.EditConsultation(
        "c-1", {"title": "Program współpracy 2027 (wersja 2)", "forms": ["written_comments"]}),
        uow)

    assert uow.consultations.get("c-1")["title"] == record["title"]
    (event,) = uow.emitted
    assert event.routing_key == "consultation.updated"
    assert event.data["changed_fields"] == ["forms", "title"]
    assert event.data["status"] == "planned"


def test_an_open_consultation_is_not_changed():
    uow = unit(consultation())

    with pytest.raises(DomainError) as refused:
        handlers.edit_consultation(handlers.EditConsultation("c-1", {"title": "Inny"}), uow)

    assert (refused.value.code, refused.value.status) == ("consultation_already_open", 409)
    assert uow.emitted == []


def with_meeting(days_ahead: float = 2) -> dict[str, Any]:
    record = consultation()
    starts = utcnow() + timedelta(days=days_ahead)
    record["meetings"] = [{"_id": "s-1", "title": "Spotkanie", "starts_at": starts,
                           "ends_at": starts + timedelta(hours=2), "place": "Ratusz"}]
    return record


def test_a_meeting_moved_says_when_it_was_and_keeps_its_place_unless_given():
    uow = unit(with_meeting())
    starts = utcnow() + timedelta(days=3)

    moved = handlers.move_consultation_meeting(handlers.ItemStep(
        "c-1", "s-1", data={"starts_at": starts, "ends_at": starts + timedelta(hours=1)}),
        uow)

    assert (moved["starts_at"], moved["place"]) == (starts, "Ratusz")
    (event,) = uow.emitted
    assert event.routing_key == "consultation.meeting_moved" and event.subject == "c-1"
    assert event.data["previous_starts_at"] < event.data["starts_at"]


def test_a_meeting_that_already_started_is_neither_cancelled_nor_moved():
    uow = unit(with_meeting(days_ahead=-0.01))

    with pytest.raises(DomainError) as refused:
        handlers.cancel_consultation_meeting(
            handlers.ItemStep("c-1", "s-1", reason="Choroba"), uow)

    assert refused.value.code == "meeting_already_held" and uow.emitted == []


def test_a_cancelled_meeting_keeps_its_record_with_the_reason():
    uow = unit(with_meeting())

    handlers.cancel_consultation_meeting(
        handlers.ItemStep("c-1", "s-1", reason="Sala niedostępna"), uow)

    (meeting,) = uow.consultations.get("c-1")["meetings"]
    assert meeting["cancel_reason"] == "Sala niedostępna" and meeting["cancelled_at"]
    assert uow.emitted[0].data["reason"] == "Sala niedostępna"


# --- the rules these handlers use, with the article -------------------------------------


def test_art_41a_1_one_council_from_one_request():
    domain.check_request_not_acted_on(None)
    with pytest.raises(DomainError) as refused:
        domain.check_request_not_acted_on("rada-1")
    assert (refused.value.code, refused.value.status) == ("request_already_acted_on", 409)


def test_art_5_5_meetings_are_held_while_the_consultation_is_planned_or_open():
    for status in (domain.ConsultationStatus.PLANNED, domain.ConsultationStatus.OPEN):
        domain.check_may_schedule_meeting(status)
    for status in (domain.ConsultationStatus.CLOSED,
                   domain.ConsultationStatus.REPORT_PUBLISHED):
        with pytest.raises(DomainError):
            domain.check_may_schedule_meeting(status)


def test_an_open_consultation_is_due_to_close_from_its_closing_time():
    now = utcnow()
    assert domain.is_due_to_close("open", now, now)
    assert not domain.is_due_to_close("open", now + timedelta(seconds=1), now)
    assert not domain.is_due_to_close("closed", now - timedelta(days=1), now)


def test_art_5_5_a_consultation_is_changed_only_before_it_opens():
    domain.check_may_edit(domain.ConsultationStatus.PLANNED)
    for status in (domain.ConsultationStatus.OPEN, domain.ConsultationStatus.CLOSED,
                   domain.ConsultationStatus.REPORT_PUBLISHED):
        with pytest.raises(DomainError) as refused:
            domain.check_may_edit(status)
        assert refused.value.status == 409
