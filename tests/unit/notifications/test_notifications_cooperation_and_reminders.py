"""Issue 6's remaining defaults (committee and council members, reports coming due and
overdue) and issue 11's (booking and patronage decisions, training reminders): who hears,
when a reminder goes out, what reaches the calendar, and the Polish text."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from notifications import records
from notifications.channels import Renderer, event_context
from notifications.domain import (
    REPORT_DUE_REMINDER,
    TRAINING_REMINDER,
    Channel,
    Recipient,
    ReminderStatus,
    plan_deliveries,
    reminder_event_id,
    reminder_outcome,
    report_reminder_window,
    training_reminder_window,
)
from notifications.events import calendar_entry_from_event, event_facts

ORG = "665f1c2a9b1e8a0000000001"
OTHER_ORG = "665f1c2a9b1e8a0000000002"


class FakeDirectory:
    def __init__(self, organizations=(), councils=None):
        self.organizations = {o["_id"]: o for o in organizations}
        self.councils = councils or {}

    def organization(self, organization_id):
        return self.organizations.get(organization_id)

    def department(self, code):
        return None

    def organizations_in_areas(self, areas):
        return []

    def council_members(self, council_id):
        return self.councils.get(council_id, [])


DIRECTORY = FakeDirectory([{"_id": ORG, "email": "biuro@ngo.example.pl"}], {
    "rada1": [{"_id": "m1", "organization_id": ORG}, {"_id": "m2", "organization_id": None},
              {"_id": "m3", "organization_id": ORG}]})


def planned(event_type, data, subject="s1", directory=DIRECTORY):
    return plan_deliveries(event_facts(event_type, subject, data), [], directory)


def inbox(audience):
    return Recipient(Channel.INBOX, audience, audience)


def email(address, audience):
    return Recipient(Channel.EMAIL, address, audience)


def org_recipients(org_id=ORG):
    return [inbox(f"org:{org_id}"), email("biuro@ngo.example.pl", f"org:{org_id}")]


def test_committee_members_who_may_score_hear_of_their_appointment_in_their_inbox():
    found = planned("grants.committee.appointed", {"competition_id": "c1", "members": [
        {"user_id": "u-anna", "name": "Anna", "kind": "official", "organization_id": None,
         "excluded": False},
        {"user_id": "u-jan", "name": "Jan", "kind": "ngo", "organization_id": ORG,
         "excluded": True}]})
    assert found == [inbox("user:u-anna")]


def test_a_committee_member_hears_of_the_offers_assigned_to_score_in_inbox_and_by_email():
    data = {"competition_id": "c1", "competition_title": "Kultura",
            "member": {"user_id": "u-anna", "name": "Anna", "email": "anna@miasto.example.pl"},
            "offers": [{"id": "o1", "title": "Teatr", "organization_id": ORG,
                        "requested_amount": "9000.00"}], "assigned_offers": 1}
    found = planned("grants.committee.offers_assigned", data)
    assert found == [inbox("user:u-anna"), email("anna@miasto.example.pl", "user:u-anna")]
    data["member"] = {"user_id": "u-jan", "name": "Jan", "email": None}
    assert planned("grants.committee.offers_assigned", data) == [inbox("user:u-jan")]


def test_council_members_with_an_account_and_an_address_hear_there():
    directory = FakeDirectory([{"_id": ORG, "email": "biuro@ngo.example.pl"}], {"rada2": [
        {"_id": "m1", "organization_id": ORG, "user_id": "u-ewa",
         "email": "ewa@rada.example.pl"},
        {"_id": "m2", "organization_id": None, "user_id": "u-jan", "email": None},
        {"_id": "m3", "organization_id": None, "user_id": None,
         "email": "maria@rada.example.pl"}]})
    assert planned("consultations.council.meeting_scheduled",
                   {"id": "p1", "council_id": "rada2"}, directory=directory) == [
        inbox("user:u-ewa"), email("ewa@rada.example.pl", "user:u-ewa"), *org_recipients(),
        inbox("user:u-jan"), inbox("council_member:m3"),
        email("maria@rada.example.pl", "council_member:m3")]
    data = {"council_id": "rada2", "council_name": "RDPP",
            "member": {"id": "m9", "name": "Ewa", "side": "ngo", "organization_id": ORG,
                       "user_id": "u-ewa", "email": "ewa@rada.example.pl"}}
    assert planned("consultations.council.member_appointed", data) == [
        inbox("user:u-ewa"), email("ewa@rada.example.pl", "user:u-ewa"), *org_recipients()]


def test_a_council_meeting_and_an_opinion_request_reach_every_present_member():
    expected = [inbox("council_member:m1"), *org_recipients(), inbox("council_member:m2"),
                inbox("council_member:m3")]
    assert planned("consultations.council.meeting_scheduled",
                   {"id": "p1", "council_id": "rada1", "title": "Posiedzenie"}) == expected
    assert planned("consultations.council.opinion_requested",
                   {"id": "o1", "council_id": "rada1", "subject": "Program"}) == expected
    assert planned("consultations.council.meeting_scheduled",
                   {"id": "p1", "council_id": "nieznana"}) == []


def test_an_appointed_council_member_and_the_organisation_that_nominated_them_hear_of_it():
    data = {"council_id": "rada1", "council_name": "RDPP",
            "member": {"id": "m9", "name": "Ewa", "side": "ngo", "organization_id": ORG}}
    assert planned("consultations.council.member_appointed", data) == [
        inbox("council_member:m9"), *org_recipients()]
    data["member"] = {"id": "m8", "name": "Piotr", "side": "city", "organization_id": None}
    assert planned("consultations.council.member_appointed", data) == [
        inbox("council_member:m8")]


def test_reports_coming_due_and_overdue_reach_the_organisation_and_overdue_the_office():
    assert planned(REPORT_DUE_REMINDER, {"contract_id": "k1", "organization_id": ORG}) == \
        org_recipients()
    assert planned("grants.task_report.overdue", {"id": "k1", "organization_id": ORG,
                                                  "days_overdue": 3}) == [
        *org_recipients(), inbox("role:officer")]


@pytest.mark.parametrize("event_type", ["registry.booking.approved", "registry.booking.refused",
                                        "registry.patronage.granted",
                                        "registry.patronage.refused"])
def test_booking_and_patronage_decisions_reach_the_organisation(event_type):
    assert planned(event_type, {"id": "b1", "organization_id": ORG}) == org_recipients()
    assert planned(event_type, {"id": "b1", "organization_id": OTHER_ORG}) == [
        inbox(f"org:{OTHER_ORG}")]  # no address known: the inbox only


@pytest.mark.parametrize("event_type", ["registry.training.registered", TRAINING_REMINDER])
def test_a_registered_person_hears_by_their_inbox_and_their_own_address(event_type):
    data = {"id": "t1", "registration": {"id": "r1", "person": "u-ola",
                                         "email": "ola@example.pl", "organization_id": ORG}}
    assert planned(event_type, data) == [inbox("user:u-ola"),
                                         email("ola@example.pl", "user:u-ola")]


def test_a_report_reminder_goes_out_at_eight_warsaw_time_seven_days_before_the_due_date():
    due_at, expires_at = report_reminder_window(date(2027, 6, 30))
    assert due_at == datetime(2027, 6, 23, 6, tzinfo=UTC)          # CEST
    assert expires_at == datetime(2027, 6, 30, 22, tzinfo=UTC)     # the due date's end
    winter_due, _ = report_reminder_window(date(2027, 1, 31))
    assert winter_due == datetime(2027, 1, 24, 7, tzinfo=UTC)      # CET


def test_a_training_reminder_goes_out_a_day_before_until_the_start():
    start = datetime(2027, 5, 10, 9, tzinfo=UTC)
    assert training_reminder_window(start) == (start - timedelta(days=1), start)


def test_a_reminder_is_raised_once_in_its_window_and_expires_after_it():
    due, end = datetime(2027, 5, 9, 9, tzinfo=UTC), datetime(2027, 5, 10, 9, tzinfo=UTC)
    assert reminder_outcome("pending", due, end, due - timedelta(seconds=1)) is None
    assert reminder_outcome("pending", due, end, due) == ReminderStatus.SENT
    assert reminder_outcome("pending", due, end, end) == ReminderStatus.EXPIRED
    for status in ("sent", "cancelled", "expired"):
        assert reminder_outcome(status, due, end, due) is None


def test_a_reminder_has_one_event_id_a_uuid():
    assert reminder_event_id("report-due:k1") == reminder_event_id("report-due:k1")
    assert reminder_event_id("report-due:k1") != reminder_event_id("report-due:k2")
    assert uuid.UUID(reminder_event_id("report-due:k1")).version == 5


def test_reminder_records_carry_what_their_message_and_recipients_need():
    now = datetime(2027, 1, 1, tzinfo=UTC)
    report = records.report_reminder({"id": "k1", "offer_id": "o1", "competition_id": "c1",
                                      "organization_id": ORG, "amount": "5000.00",
                                      "task_end": "2027-05-31",
                                      "report_due_on": "2027-06-30"}, now)
    assert report["_id"] == "report-due:k1" and report["type"] == REPORT_DUE_REMINDER
    assert report["due_at"] == datetime(2027, 6, 23, 6, tzinfo=UTC)
    assert report["data"]["organization_id"] == ORG and report["data"]["days_left"] == 7
    training = records.training_reminder({
        "id": "t1", "title": "Księgowość", "kind": "training", "topic": "CIT-8",
        "place": "Sala 1", "starts_at": "2027-05-10T09:00:00.000Z",
        "ends_at": "2027-05-10T12:00:00.000Z",
        "registration": {"id": "r1", "person": "u-ola", "email": "ola@example.pl",
                         "organization_id": None, "status": "registered", "promoted": False}},
        now)
    assert training["_id"] == "training:t1:r1" and training["training_id"] == "t1"
    assert training["due_at"] == datetime(2027, 5, 9, 9, tzinfo=UTC)
    moved = records.reminder_data_moved(training["data"], {
        "title": "Księgowość", "starts_at": "2027-05-11T09:00:00.000Z", "place": "Sala 2"})
    assert moved["registration"]["person"] == "u-ola" and moved["place"] == "Sala 2"


BOOKING = {"id": "b1", "resource_name": "Sala 12", "title": "Próba <chóru>",
           "place": "Sala 12, ul. Długa 1", "organization_id": ORG,
           "organization_name": "Chór", "department": "culture",
           "starts_at": "2027-05-10T16:00:00.000Z", "ends_at": "2027-05-10T18:00:00.000Z",
           "reason": None}


def test_an_approved_booking_is_in_the_organisations_and_departments_calendar_only():
    entry = calendar_entry_from_event("registry.booking.approved", "b1", BOOKING)
    assert entry["_id"] == "booking-b1" and entry["kind"] == "booking"
    assert entry["audiences"] == [f"org:{ORG}", "dept:culture"]
    assert entry["title"] == "Rezerwacja: Sala 12, Próba <chóru>"
    assert entry["starts_at"] == datetime(2027, 5, 10, 16, tzinfo=UTC)
    cancelled = calendar_entry_from_event("registry.booking.cancelled", "b1", BOOKING)
    assert cancelled["_id"] == "booking-b1" and cancelled["audiences"] == []
    assert calendar_entry_from_event("registry.booking.refused", "b1", BOOKING) is None


def test_granted_patronages_and_published_trainings_are_public_in_the_calendar():
    patronage = calendar_entry_from_event("registry.patronage.granted", "p1", {
        "name": "Festyn", "kind": "patronage", "organization_name": "Chór",
        "starts_at": "2027-06-01T10:00:00.000Z", "ends_at": "2027-06-01T18:00:00.000Z",
        "place": "Rynek", "areas": ["culture"]})
    assert patronage["audiences"] == ["public"] and patronage["areas"] == ["culture"]
    assert patronage["description"].startswith("Pod honorowym patronatem Prezydenta")
    training = {"title": "Księgowość", "topic": "CIT-8", "place": "Sala 1",
                "starts_at": "2027-05-10T09:00:00.000Z", "ends_at": "2027-05-10T12:00:00.000Z"}
    published = calendar_entry_from_event("registry.training.published", "t1", training)
    assert published["_id"] == "training-t1" and published["kind"] == "training"
    assert published["audiences"] == ["public"]
    assert calendar_entry_from_event("registry.training.cancelled", "t1",
                                             training)["audiences"] == []
    opinion = calendar_entry_from_event("consultations.council.opinion_requested",
                                                "o1", {"subject": "Program",
                                                       "deadline": "2027-04-01T10:00:00Z"})
    assert opinion["kind"] == "deadline" and opinion["title"] == "Termin opinii rady: Program"


def render(event_type, data):
    return Renderer().render(event_type, event_context(
        {"id": "e1", "type": event_type, "subject": "s1", "data": data}, "https://w.pl", None))


def test_a_refused_booking_tells_the_reason_in_polish_escaped_in_html():
    rendered = render("registry.booking.refused", {**BOOKING, "reason": "Sala <zajęta>"})
    assert rendered.subject == "Rezerwacja odrzucona: Sala 12"
    assert "Uzasadnienie: Sala <zajęta>" in rendered.text
    assert "Sala &lt;zajęta&gt;" in rendered.html and "<zajęta>" not in rendered.html
    assert "Próba &lt;chóru&gt;" in rendered.html


@pytest.mark.parametrize(("event_type", "data", "subject"), [
    ("grants.committee.appointed", {"competition_id": "c1", "members": [
        {"user_id": "u1", "name": "Anna", "kind": "official", "excluded": False}]},
     "Powołanie do komisji konkursowej"),
    ("grants.committee.offers_assigned", {"competition_title": "Kultura", "offers": [
        {"title": "Teatr", "requested_amount": "9000.00"}], "assigned_offers": 1},
     "Oferty do oceny: Kultura (1)"),
    (REPORT_DUE_REMINDER, {"contract_id": "k1", "report_due_on": "2027-06-30",
                           "days_left": 7, "amount": "5000.00", "task_end": "2027-05-31"},
     "Przypomnienie: sprawozdanie do 2027-06-30"),
    ("grants.task_report.overdue", {"id": "k1", "report_due_on": "2027-06-30",
                                    "days_overdue": 2, "amount": "5000.00"},
     "Sprawozdanie po terminie (umowa k1)"),
    ("consultations.council.opinion_requested", {"subject": "Program <2027>",
                                                 "deadline": "2027-04-01"},
     "Prośba o opinię rady: Program <2027>"),
    ("registry.patronage.granted", {"kind": "promotion", "name": "Festyn"},
     "Promocja przyznana: Festyn"),
    ("registry.patronage.refused", {"kind": "patronage", "name": "Festyn", "reason": "Brak"},
     "Patronat nieprzyznany: Festyn"),
    ("registry.training.registered", {"title": "Księgowość", "registration": {
        "status": "waitlisted"}}, "Lista rezerwowa: Księgowość"),
    ("registry.training.registered", {"title": "Księgowość", "registration": {
        "status": "registered"}}, "Zapis potwierdzony: Księgowość"),
    (TRAINING_REMINDER, {"title": "Księgowość"}, "Jutro: Księgowość"),
])
def test_each_new_event_type_has_its_own_polish_subject(event_type, data, subject):
    assert render(event_type, data).subject == subject
