"""Deadlines and meetings that events put into the calendar."""

from __future__ import annotations

from datetime import UTC, datetime

from notifications.events import calendar_entry_from_event


def test_a_competition_puts_its_offer_deadline_in_the_calendar():
    entry = calendar_entry_from_event("grants.competition.announced", "c1", {
        "title": "Kultura", "area": "culture", "submission_deadline": "2027-04-15T10:00:00.000Z"})
    assert entry["_id"] == "competition-deadline-c1" and entry["kind"] == "deadline"
    assert entry["title"] == "Termin składania ofert: Kultura"
    assert entry["starts_at"] == datetime(2027, 4, 15, 10, tzinfo=UTC)
    assert entry["areas"] == ["culture"] and entry["audiences"] == ["public"]


def test_a_consultation_puts_its_closing_in_the_calendar():
    entry = calendar_entry_from_event("consultations.consultation.opened", "k1", {
        "title": "Program", "subject": "Program współpracy",
        "closes_at": "2027-03-16T09:00:00.000Z",
        "addressees": {"scope": "areas", "areas": ["sport"]}})
    assert entry["title"] == "Koniec konsultacji: Program" and entry["areas"] == ["sport"]


def test_a_council_meeting_is_a_calendar_entry_with_its_agenda():
    entry = calendar_entry_from_event("consultations.council.meeting_scheduled", "m1", {
        "title": "Posiedzenie nr 3", "council_name": "RDPP", "place": "Sala 1",
        "starts_at": "2027-03-10T16:00:00.000Z", "ends_at": "2027-03-10T18:00:00+00:00",
        "agenda": ["Opinia", "Sprawy różne"]})
    assert entry["title"] == "RDPP: Posiedzenie nr 3" and entry["location"] == "Sala 1"
    assert entry["ends_at"] == datetime(2027, 3, 10, 18, tzinfo=UTC)
    assert entry["description"] == "Porządek obrad: Opinia; Sprawy różne"


def test_each_meeting_of_a_council_is_its_own_calendar_entry():
    """The events' subject is the council; two of its meetings are two entries, and calling
    one off leaves the other in the feeds."""
    first, second = (calendar_entry_from_event(
        "consultations.council.meeting_scheduled", "council-1", {
            "id": meeting, "title": title, "council_name": "RDPP", "place": "Sala 1",
            "starts_at": "2027-03-10T16:00:00.000Z", "ends_at": "2027-03-10T18:00:00.000Z"})
        for meeting, title in (("m1", "Posiedzenie nr 3"), ("m2", "Posiedzenie nr 4")))
    assert (first["_id"], second["_id"]) == ("council-meeting-m1", "council-meeting-m2")
    cancelled = calendar_entry_from_event("consultations.council.meeting_cancelled", "council-1", {
        "id": "m2", "title": "Posiedzenie nr 4", "council_name": "RDPP", "place": "Sala 1",
        "starts_at": "2027-03-10T16:00:00.000Z", "ends_at": "2027-03-10T18:00:00.000Z",
        "reason": "Brak kworum"})
    assert cancelled["_id"] == "council-meeting-m2" and cancelled["audiences"] == []


def test_a_consultation_meeting_is_a_calendar_entry():
    entry = calendar_entry_from_event("consultations.consultation.meeting_scheduled", "m2", {
        "title": "Spotkanie otwarte", "place": "Dom Kultury", "consultation_title": "Program",
        "starts_at": "2027-03-05T17:00:00.000Z", "ends_at": "2027-03-05T19:00:00.000Z"})
    assert entry["kind"] == "consultation_meeting" and entry["location"] == "Dom Kultury"


def test_a_moved_meeting_or_a_changed_consultation_replaces_its_calendar_entry():
    moved = calendar_entry_from_event("consultations.council.meeting_moved", "m1", {
        "title": "Posiedzenie nr 3", "council_name": "RDPP", "place": "Sala 2",
        "starts_at": "2027-03-11T16:00:00.000Z", "ends_at": "2027-03-11T18:00:00.000Z",
        "previous_starts_at": "2027-03-10T16:00:00.000Z",
        "previous_ends_at": "2027-03-10T18:00:00.000Z", "agenda": []})
    assert moved["_id"] == "council-meeting-m1" and moved["location"] == "Sala 2"
    assert moved["starts_at"] == datetime(2027, 3, 11, 16, tzinfo=UTC)
    changed = calendar_entry_from_event("consultations.consultation.updated", "k1", {
        "title": "Program", "closes_at": "2027-03-23T09:00:00.000Z",
        "addressees": {"scope": "all", "areas": []}, "changed_fields": ["closes_at"]})
    assert changed["_id"] == "consultation-closes-k1"
    assert changed["starts_at"] == datetime(2027, 3, 23, 9, tzinfo=UTC)


def test_a_meeting_called_off_leaves_every_feed():
    entry = calendar_entry_from_event("consultations.consultation.meeting_cancelled", "k2", {
        "title": "Spotkanie otwarte", "place": "Dom Kultury", "consultation_title": "Program",
        "starts_at": "2027-03-05T17:00:00.000Z", "ends_at": "2027-03-05T19:00:00.000Z",
        "reason": "Sala niedostępna"})
    assert entry["_id"] == "consultation-meeting-k2" and entry["audiences"] == []


def test_a_signed_contract_puts_its_report_due_date_in_the_organisations_and_offices_feeds():
    entry = calendar_entry_from_event("grants.contract.signed", "k1", {
        "id": "k1", "organization_id": "o1", "amount": "15000.00", "task_start": "2027-05-01",
        "task_end": "2027-11-30", "report_due_on": "2027-12-30"})
    assert entry["_id"] == "report-due-k1" and entry["kind"] == "deadline"
    assert entry["title"] == "Termin sprawozdania z realizacji zadania (umowa na 15000.00 zł)"
    # the end of the due date in Warsaw (CET in winter: UTC+1)
    assert entry["starts_at"] == datetime(2027, 12, 30, 22, 59, tzinfo=UTC)
    assert entry["audiences"] == ["org:o1", "role:officer"]
    summer = calendar_entry_from_event("grants.contract.signed", "k2", {
        "organization_id": "o1", "report_due_on": "2027-07-30"})
    assert summer["starts_at"] == datetime(2027, 7, 30, 21, 59, tzinfo=UTC)


def test_other_events_put_nothing_in_the_calendar():
    assert calendar_entry_from_event("registry.inquiry.routed", "q1", {}) is None
