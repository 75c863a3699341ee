"""Polish email text from templates: HTML escapes user text, every email can unsubscribe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from notifications.channels import Renderer, event_context
from notifications.ical import build_calendar

EVENT = {
    "id": "e1", "type": "registry.inquiry.answered", "subject": "q1",
    "data": {"subject": "Sala na próby <b>chóru</b>",
             "answer": "Tak & zapraszamy <script>x</script>",
             "contact_email": "jan@chor.pl"},
}


def test_an_answer_email_is_polish_with_text_and_html_and_an_unsubscribe_link():
    rendered = Renderer().render(EVENT["type"], event_context(
        EVENT, "https://w.pl", "https://w.pl/api/v1/subscriptions/unsubscribe?token=t"))
    assert rendered.subject == "Odpowiedź na zapytanie: Sala na próby <b>chóru</b>"
    assert "Tak & zapraszamy <script>x</script>" in rendered.text
    assert "Wypisz się jednym kliknięciem: https://w.pl/api/v1/subscriptions/unsubscribe" \
        in rendered.text
    assert "&lt;script&gt;" in rendered.html and "<script>" not in rendered.html
    assert "&lt;b&gt;chóru&lt;/b&gt;" in rendered.html
    assert 'href="https://w.pl/api/v1/subscriptions/unsubscribe?token=t"' in rendered.html
    assert "Urząd odpowiedział" in rendered.summary and "Wypisz" not in rendered.summary


def test_an_event_type_without_its_own_template_gets_the_general_one():
    # every type that reaches a person has its own (test_notifications_own_templates.py);
    # a type added to the catalogue before its template still gets a message
    event = {"id": "e2", "type": "registry.department.merged", "subject": "culture",
             "data": {}}
    rendered = Renderer().render(event["type"], event_context(event, "https://w.pl", None))
    assert rendered.subject == "Powiadomienie: registry.department.merged"
    assert "Wypisz" not in rendered.text


def test_the_calendar_feed_is_valid_icalendar_with_each_entry():
    start = datetime(2025, 5, 20, 16, 0, tzinfo=UTC)
    body = build_calendar([
        {"_id": "c1", "title": "Posiedzenie RDPP", "kind": "council_meeting",
         "starts_at": start, "ends_at": start + timedelta(hours=2), "location": "Sala 12",
         "description": "Opinia o programie; przecinki, średniki"},
        {"_id": "c2", "title": "Termin ofert", "kind": "deadline", "starts_at": start},
    ], "Współpraca", start)
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Posiedzenie RDPP", "Termin ofert"]
    assert str(events[0]["uid"]) == "c1@wspolpraca"
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == timedelta(hours=2)
    assert str(events[0]["description"]) == "Opinia o programie; przecinki, średniki"
    assert str(calendar["prodid"]).startswith("-//wspolpraca")


def test_a_small_grant_decision_names_the_task_and_a_refusal_its_reason():
    for kind, reason, says in (
            ("awarded", None, "Mała dotacja przyznana"),
            ("refused", "Brak środków w obszarze.", "Mała dotacja nieprzyznana")):
        event = {"id": "e3", "type": f"grants.small_grant.{kind}", "subject": "g1",
                 "data": {"title": "Koncert <na> podwórku", "organization_id": "o1",
                          "reason": reason}}
        rendered = Renderer().render(event["type"], event_context(event, "https://w.pl", None))
        assert rendered.subject.startswith(says) and "„Koncert <na> podwórku”" in rendered.subject
        assert "art. 19a" in rendered.summary
        assert "&lt;na&gt;" in rendered.html
        assert ("Uzasadnienie: Brak środków w obszarze." in rendered.text) == bool(reason)
