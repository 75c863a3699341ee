"""Consultations of draft acts through the API: opening (at least 7 days), comments per
section while open, moderation, closing (by the officer or the clock), the city's answers
and the report, published only when every comment is answered (JSON, HTML, PDF)."""

from __future__ import annotations

import io
from datetime import timedelta

from consultations_helpers import (
    CONSULTATIONS,
    assert_error,
    comment,
    consultation_body,
    db_state,
    iso,
    now,
    open_consultation,
    org_id,
    parse_time,
    shift_consultation,
)
from pypdf import PdfReader

from consultations.service import ConsultationsService
from wspolpraca.testing.entrypoints import run_entrypoint

OPENED = "consultations.consultation.opened"
COMMENTED = "consultations.consultation.comment_submitted"
CLOSED = "consultations.consultation.closed"
PUBLISHED = "consultations.consultation.report_published"
MEETING = "consultations.consultation.meeting_scheduled"


def path(consultation_id: str, *parts: str) -> str:
    return "/".join([CONSULTATIONS, consultation_id, *parts])


# --- opening ------------------------------------------------------------------------


def test_an_officer_opens_a_consultation(service, officer, events):
    body = consultation_body(addressees={"scope": "areas", "areas": ["culture", "sport"]},
                             residents_may_comment=True)
    response = service.post(CONSULTATIONS, officer, json=body)

    assert response.status_code == 201, response.text
    consultation = response.json()
    assert consultation["id"]
    assert consultation["status"] == "open"
    assert consultation["sections"] == ["§ 1 Cele", "§ 2 Zadania priorytetowe"]
    assert consultation["addressees"] == {"scope": "areas", "areas": ["culture", "sport"]}
    assert consultation["comments"] == 0
    (event,) = events.wait_for(OPENED)
    assert event["subject"] == consultation["id"]
    assert event["data"]["status"] == "open"
    assert event["data"]["addressees"]["areas"] == ["culture", "sport"]
    assert parse_time(event["data"]["closes_at"]) - parse_time(event["data"]["opens_at"]) \
        == timedelta(days=14)


def test_the_core_api_needs_only_title_subject_and_times(service, officer):
    opens = now() + timedelta(hours=1)
    response = service.post(CONSULTATIONS, officer, json={
        "title": "Uchwała o konsultacjach", "subject": "Projekt uchwały",
        "opens_at": iso(opens), "closes_at": iso(opens + timedelta(days=7))})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "planned"
    assert response.json()["forms"] == ["written_comments"]
    assert response.json()["addressees"] == {"scope": "all", "areas": []}


def test_the_cooperation_programme_is_linked_by_its_id(service, officer, events):
    consultation = open_consultation(service, officer, act_kind="cooperation_programme",
                                     programme_id="665f1c2a9b1e8a0012345678")
    assert consultation["programme_id"] == "665f1c2a9b1e8a0012345678"
    (event,) = events.wait_for(OPENED)
    assert event["data"]["act_kind"] == "cooperation_programme"
    assert event["data"]["programme_id"] == "665f1c2a9b1e8a0012345678"


def test_6_days_23_hours_59_minutes_is_refused_and_changes_nothing(service, officer, events):
    before = db_state(service.db)
    opens = now() + timedelta(hours=1)
    response = service.post(CONSULTATIONS, officer, json=consultation_body(
        opens_at=iso(opens), closes_at=iso(opens + timedelta(days=6, hours=23, minutes=59))))

    assert_error(response, 422, "period_too_short", ("closes_at",))
    assert db_state(service.db) == before
    assert events.settle() == []


def test_exactly_7_days_is_accepted(service, officer):
    opens = now() + timedelta(hours=1)
    response = service.post(CONSULTATIONS, officer, json=consultation_body(
        opens_at=iso(opens), closes_at=iso(opens + timedelta(days=7))))
    assert response.status_code == 201, response.text


BAD_INPUT = [
    ({"closes_at": "2030-01-10T10:00:00"}, "validation_failed", "closes_at"),
    ({"forms": ["survey"]}, "validation_failed", "forms.0"),
    ({"addressees": {"scope": "areas", "areas": ["moon"]}}, "unknown_area", "areas"),
    ({"addressees": {"scope": "areas"}}, "validation_failed", "addressees.areas"),
    ({"act_kind": "cooperation_programme"}, "validation_failed", "programme_id"),
    ({"sections": ["§ 1", "§ 1"]}, "duplicate_section", "sections"),
    ({"forms": []}, "forms_required", "forms"),
    ({"colour": "red"}, "validation_failed", "colour"),
    ({"title": "  "}, "validation_failed", "title"),
]


def test_bad_input_is_refused_clearly_and_changes_nothing(service, officer, events):
    before = db_state(service.db)
    for change, code, field in BAD_INPUT:
        response = service.post(CONSULTATIONS, officer, json=consultation_body(**change))
        assert_error(response, 422, code, (field,))
    assert db_state(service.db) == before
    assert events.settle() == []


def test_malformed_json_is_400(service, officer):
    response = service.post(CONSULTATIONS, officer, data=b"{not json",
                            headers={"Content-Type": "application/json"})
    assert_error(response, 400, "malformed_json")


def test_only_officers_open_consultations(service, token):
    assert_error(service.post(CONSULTATIONS, json=consultation_body()), 401)
    assert_error(service.post(CONSULTATIONS, token("ngo", org_id=org_id()),
                              json=consultation_body()), 403)


# --- reading ------------------------------------------------------------------------


def test_the_public_reads_open_consultations_but_not_planned_ones(service, officer):
    opened = open_consultation(service, officer)
    opens = now() + timedelta(days=1)
    planned = open_consultation(service, officer, opens_at=iso(opens),
                                closes_at=iso(opens + timedelta(days=7)))

    listed = service.get(CONSULTATIONS).json()["items"]
    assert [c["id"] for c in listed] == [opened["id"]]
    assert service.get(path(opened["id"])).status_code == 200
    assert_error(service.get(path(planned["id"])), 404)
    staff = service.get(CONSULTATIONS + "?status=planned", officer).json()["items"]
    assert [c["id"] for c in staff] == [planned["id"]]


# --- comments -----------------------------------------------------------------------


def test_an_organisation_comments_on_a_section_while_open(service, officer, token, events,
                                                          organizations):
    consultation = open_consultation(service, officer)
    (organization,) = organizations(service)
    response = comment(service, consultation["id"], token("ngo", org_id=organization),
                       author="Ewa Malinowska", organization_id=organization,
                       text="Proponujemy dodać zadanie dotyczące seniorów.",
                       section="§ 2 Zadania priorytetowe")

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["author"] == "Ewa Malinowska"
    assert created["organization_id"] == organization
    assert created["section"] == "§ 2 Zadania priorytetowe"
    assert created["hidden"] is False and created["answer"] is None
    (event,) = events.wait_for(COMMENTED)
    assert event["subject"] == consultation["id"]
    assert event["data"]["id"] == created["id"]
    assert event["data"]["author_kind"] == "organization"
    assert service.get(path(consultation["id"])).json()["comments"] == 1


def test_a_resident_comments_without_a_token_where_allowed(service, officer):
    allowed = open_consultation(service, officer, residents_may_comment=True)
    not_allowed = open_consultation(service, officer)

    response = comment(service, allowed["id"], None, author="Jan Mieszkaniec", text="Dobrze.")
    assert response.status_code == 201, response.text
    assert response.json()["organization_id"] is None
    assert_error(comment(service, not_allowed["id"], None, author="Jan Mieszkaniec",
                         text="Dobrze."), 422, "residents_not_allowed")


def test_an_organisation_comments_only_in_its_own_name(service, officer, token):
    consultation = open_consultation(service, officer)
    other = org_id()
    assert_error(comment(service, consultation["id"], token("ngo", org_id=org_id()),
                         author="Ewa", organization_id=other, text="x"), 403)
    assert_error(comment(service, consultation["id"], None, author="Ewa",
                         organization_id=other, text="x"), 401)


def test_only_verified_organisations_comment(service, officer, token, organizations):
    consultation = open_consultation(service, officer)
    (pending,) = organizations(service, status="pending")
    (suspended,) = organizations(service, status="suspended")
    for organization, code in ((org_id(), "unknown_organization"),
                               (pending, "organization_not_verified"),
                               (suspended, "organization_not_verified")):
        assert_error(comment(service, consultation["id"], token("ngo", org_id=organization),
                             author="Ewa", organization_id=organization, text="x"),
                     422, code, ("organization_id",))


def test_a_consultation_for_some_areas_takes_comments_from_organisations_in_them(
        service, officer, token, organizations):
    consultation = open_consultation(service, officer, addressees={
        "scope": "areas", "areas": ["sport", "seniors"]})
    (sport,) = organizations(service, areas=("sport", "education"))
    (culture,) = organizations(service, areas=("culture",))
    assert comment(service, consultation["id"], token("ngo", org_id=sport), author="Ewa",
                   organization_id=sport, text="Tak.").status_code == 201
    assert_error(comment(service, consultation["id"], token("ngo", org_id=culture),
                         author="Ewa", organization_id=culture, text="Tak."),
                 422, "not_addressed", ("organization_id",))


def test_the_latest_word_of_the_registry_counts_even_out_of_order(service, amqp_uri,
                                                                  organizations):
    from consultations_helpers import publish_organizations

    (organization,) = organizations(service, status="verified")
    publish_organizations(amqp_uri, service, status="pending", ids=[organization],
                          time_="2001-01-01T00:00:00.000Z")
    assert service.db["organizations"].find_one({"_id": organization})["status"] == "verified"
    publish_organizations(amqp_uri, service, status="suspended", ids=[organization])
    assert service.db["organizations"].find_one({"_id": organization})["status"] \
        == "suspended"


def test_bad_comments_are_refused_clearly_and_change_nothing(service, officer, events):
    consultation = open_consultation(service, officer, residents_may_comment=True)
    events.wait_for(OPENED)
    before = db_state(service.db)
    for body, field in (({"author": "Jan", "text": "  "}, "text"),
                        ({"author": "Jan", "text": "x", "likes": 3}, "likes"),
                        ({"text": "x"}, "author"),
                        ({"author": "Jan", "text": "x", "organization_id": "org-1"},
                         "organization_id")):
        assert_error(comment(service, consultation["id"], None, **body), 422,
                     "validation_failed", (field,))
    assert_error(comment(service, "0" * 24, None, author="Jan", text="x"), 404)
    assert db_state(service.db) == before
    assert [e["type"] for e in events.settle()] == [OPENED]


def test_a_comment_on_a_section_not_consulted_is_refused(service, officer, token):
    consultation = open_consultation(service, officer)
    organization = org_id()
    assert_error(comment(service, consultation["id"], token("ngo", org_id=organization),
                         author="Ewa", organization_id=organization, text="x",
                         section="§ 9"), 422, "unknown_section", ("section",))


def test_a_comment_one_second_after_closing_is_409_and_changes_nothing(service, officer,
                                                                       token, events):
    consultation = open_consultation(service, officer)
    shift_consultation(service, consultation["id"], now() - timedelta(seconds=1))
    events.wait_for(OPENED)
    before = db_state(service.db)
    organization = org_id()

    response = comment(service, consultation["id"], token("ngo", org_id=organization),
                       author="Ewa", organization_id=organization, text="Za późno?")

    assert_error(response, 409, "consultation_closed")
    assert db_state(service.db) == before
    assert [e["type"] for e in events.settle()] == [OPENED]


def test_a_comment_before_opening_is_409(service, officer, token):
    opens = now() + timedelta(hours=2)
    consultation = open_consultation(service, officer, opens_at=iso(opens),
                                     closes_at=iso(opens + timedelta(days=7)))
    organization = org_id()
    assert_error(comment(service, consultation["id"], token("ngo", org_id=organization),
                         author="Ewa", organization_id=organization, text="x"),
                 409, "consultation_not_open")


# --- the whole consultation -----------------------------------------------------------


def test_moderation_closing_answers_and_the_report(service, officer, token, events,
                                                   organizations):
    consultation = open_consultation(service, officer, residents_may_comment=True)
    cid = consultation["id"]
    (organization,) = organizations(service)
    ngo = token("ngo", org_id=organization)
    texts = ["Zwiększyć środki na kulturę o 10%.", "Dodać konkurs dla seniorów.",
             "Treść obraźliwa."]
    made = [comment(service, cid, ngo, author="Ewa Malinowska", organization_id=organization,
                    text=texts[0], section="§ 1 Cele").json(),
            comment(service, cid, None, author="Jan Nowicki", text=texts[1]).json(),
            comment(service, cid, None, author="Anonim", text=texts[2]).json()]

    hidden = service.post(path(cid, "comments", made[2]["id"], "hide"), officer,
                          json={"reason": "Wulgaryzmy"})
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True and hidden.json()["hidden_reason"] == "Wulgaryzmy"
    public = service.get(path(cid, "comments")).json()["items"]
    assert [c["text"] for c in public] == [texts[0], texts[1], None]
    staff = service.get(path(cid, "comments"), officer).json()["items"]
    assert [c["text"] for c in staff] == texts
    assert service.db["comments"].find_one({"_id": made[2]["id"]})["text"] == texts[2]

    # answers wait for the closing
    assert_error(service.post(path(cid, "comments", made[0]["id"], "answer"), officer,
                              json={"decision": "accepted", "reason": "Słuszne."}),
                 409, "consultation_not_closed")
    closed = service.post(path(cid, "close"), officer)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    (closed_event,) = events.wait_for(CLOSED)
    assert closed_event["data"]["comments"] == 3
    assert_error(service.post(path(cid, "close"), officer), 409, "already_closed")
    assert_error(comment(service, cid, None, author="Jan", text="Jeszcze jedno"), 409,
                 "consultation_closed")

    answered = service.post(path(cid, "comments", made[0]["id"], "answer"), officer,
                            json={"decision": "partly_accepted",
                                  "reason": "Zwiększono o 5%."})
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"]["decision"] == "partly_accepted"

    # not every comment is answered yet: the report waits, nothing is published
    assert_error(service.post(path(cid, "report", "publish"), officer), 409,
                 "comments_unanswered", ("comments",))
    assert_error(service.get(path(cid, "report")), 404, "report_not_published")
    draft = service.get(path(cid, "report"), officer).json()
    assert draft["published"] is False

    service.post(path(cid, "comments", made[1]["id"], "answer"), officer,
                 json={"decision": "rejected", "reason": "Poza zakresem programu."})
    published = service.post(path(cid, "report", "publish"), officer)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "report_published"
    (event,) = events.wait_for(PUBLISHED)
    assert (event["data"]["comments"], event["data"]["partly_accepted"],
            event["data"]["rejected"], event["data"]["hidden"]) == (3, 1, 1, 1)
    assert_error(service.post(path(cid, "comments", made[1]["id"], "answer"), officer,
                              json={"decision": "accepted", "reason": "Zmiana zdania."}),
                 409, "report_published")

    assert_error(service.post(path(cid, "comments", made[1]["id"], "hide"), officer,
                              json={"reason": "Za późno"}), 409, "report_published")

    report = service.get(path(cid, "report")).json()
    assert report["published"] is True
    assert report["summary"] == {"comments": 3, "hidden": 1, "spam": 0, "accepted": 0,
                                 "partly_accepted": 1, "rejected": 1}
    assert [c["text"] for c in report["comments"]] == [texts[0], texts[1], None]
    assert report["comments"][0]["answer"]["decision_label"] == "uwzględniona częściowo"
    assert report["comments"][2]["hidden_reason"] == "Wulgaryzmy"

    html = service.get(path(cid, "report") + "?format=html")
    assert html.status_code == 200
    assert html.headers["Content-Type"].startswith("text/html")
    assert "Sprawozdanie z konsultacji" in html.text and texts[0] in html.text
    assert texts[2] not in html.text

    pdf = service.get(path(cid, "report") + "?format=pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    flat = " ".join(text.split())
    assert "Sprawozdanie z konsultacji" in flat
    for expected in ("Zwiększyć środki na kulturę", "Dodać konkurs dla seniorów",
                     "Poza zakresem programu", "uwzględniona częściowo"):
        assert expected in flat, flat
    assert "obraźliwa" not in flat


def test_the_report_of_a_consultation_without_comments_is_published_after_closing(
        service, officer, events):
    consultation = open_consultation(service, officer)
    assert_error(service.post(path(consultation["id"], "report", "publish"), officer), 409,
                 "consultation_not_closed")
    shift_consultation(service, consultation["id"], now() - timedelta(minutes=1))
    # closed by the clock, before the timer ran: publishing records the closing too
    response = service.post(path(consultation["id"], "report", "publish"), officer)
    assert response.status_code == 200, response.text
    events.wait_for(CLOSED)
    events.wait_for(PUBLISHED)
    assert service.get(path(consultation["id"], "report")).json()["comments"] == []


def test_hiding_needs_a_reason(service, officer):
    consultation = open_consultation(service, officer, residents_may_comment=True)
    made = comment(service, consultation["id"], None, author="Jan", text="x").json()
    assert_error(service.post(path(consultation["id"], "comments", made["id"], "hide"),
                              officer, json={}), 422, "validation_failed", ("reason",))
    assert_error(service.post(path(consultation["id"], "comments", "0" * 24, "hide"),
                              officer, json={"reason": "x"}), 404)


# --- the closing timer --------------------------------------------------------------


def test_the_timer_closes_consultations_at_their_closing_time(start_service, officer, events):
    service = start_service(ConsultationsService, timers_enabled=True)
    due = open_consultation(service, officer)
    running = open_consultation(service, officer)
    closes_at = now() - timedelta(seconds=5)
    shift_consultation(service, due["id"], closes_at)

    assert run_entrypoint(service, "close_due_consultations") == 1
    assert run_entrypoint(service, "close_due_consultations") == 0

    (event,) = events.wait_for(CLOSED)
    assert event["subject"] == due["id"]
    assert event["data"]["closed_by"] == "timer"
    assert abs(parse_time(event["data"]["closed_at"]) - closes_at) < timedelta(seconds=0.01)
    assert service.get(path(running["id"])).json()["status"] == "open"


# --- meetings -----------------------------------------------------------------------


def test_a_consultation_meeting_goes_to_the_calendar(service, officer, events):
    consultation = open_consultation(service, officer)
    starts = now() + timedelta(days=2)
    response = service.post(path(consultation["id"], "meetings"), officer, json={
        "starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=2)),
        "place": "Urząd Miasta, sala 101"})

    assert response.status_code == 201, response.text
    (event,) = events.wait_for(MEETING)
    data = event["data"]
    assert data["title"].startswith("Spotkanie konsultacyjne: ")
    assert data["place"] == "Urząd Miasta, sala 101"
    assert parse_time(data["ends_at"]) - parse_time(data["starts_at"]) == timedelta(hours=2)
    assert data["consultation_id"] == consultation["id"]
    assert service.get(path(consultation["id"])).json()["meetings"][0]["id"] == data["id"]


def test_meetings_only_where_they_are_a_form_and_within_the_consultation(service, officer):
    written = open_consultation(service, officer, forms=["written_comments"])
    starts = now() + timedelta(days=2)
    meeting = {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=1)),
               "place": "Sala 1"}
    assert_error(service.post(path(written["id"], "meetings"), officer, json=meeting), 422,
                 "meetings_not_a_form")
    consultation = open_consultation(service, officer)
    late = now() + timedelta(days=30)
    assert_error(service.post(path(consultation["id"], "meetings"), officer, json={
        **meeting, "starts_at": iso(late), "ends_at": iso(late + timedelta(hours=1))}),
        422, "meeting_outside_consultation")
