"""Issue 11's events and issue 6's remaining defaults, published here as the catalogue
describes them: booking and patronage decisions reach the organisation by email and inbox;
approved bookings (the organisation's feed), granted patronages and published trainings
(public) reach the calendar; committee and council members hear of appointments, meetings
and opinion requests; reports coming due (7 days before) and trainings (the day before) are
reminded once by the `send_reminders` timer; overdue reports reach the organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nameko.testing.services import entrypoint_hook
from notifications_helpers import FAST, all_delivered, feed, organization, publish, send, text_of

from notifications.domain import local_today
from notifications.service import NotificationsService
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.testing.sync import wait_handled
from wspolpraca.testing.waiting import wait_until

NGO = "665f1c2a9b1e8a0000000011"
NGO_EMAIL = "chor@ngo.example.pl"
OTHER_NGO = "665f1c2a9b1e8a0000000012"


def at(moment) -> str:
    return format_time(moment)


@pytest.fixture
def running(start_service, smtp, amqp_uri):
    service = start_service(NotificationsService, timers_enabled=True, extra={
        **FAST, "smtp_host": "127.0.0.1", "smtp_port": smtp.port})
    send(amqp_uri, "registry", "organization.verified", NGO,
         organization(NGO, NGO_EMAIL, ["culture"], name="Chór <Miejski>"))
    wait_until(lambda: service.db["organizations"].find_one({"_id": NGO}))
    return service


def send_reminders(service) -> int:
    with entrypoint_hook(service.container, "send_reminders") as check:
        return check()


def inbox_titles(service, token, event_type=None) -> list[str]:
    items = service.get("/api/v1/inbox", token).json()["items"]
    return [i["title"] for i in items if event_type is None or i["event_type"] == event_type]


# --- bookings, patronage, trainings (issue 11) ---------------------------------------------

def booking(status="approved", reason=None, **changes):
    start = utcnow() + timedelta(days=10)
    data = {"id": "665f1c2a9b1e8a00000000d1", "resource_id": "665f1c2a9b1e8a00000000d0",
            "resource_name": "Sala 12", "resource_kind": "room", "department": "culture",
            "organization_id": NGO, "organization_name": "Chór <Miejski>",
            "title": "Próba <chóru>", "place": "Sala 12, ul. Długa 1",
            "starts_at": at(start), "ends_at": at(start + timedelta(hours=2)), "hours": 2,
            "status": status, "reason": reason}
    data.update(changes)
    return data


def test_booking_decisions_reach_the_organisation_and_its_calendar_once(
        running, amqp_uri, smtp, token):
    member = token("ngo", org_id=NGO)
    approved = send(amqp_uri, "registry", "booking.approved", booking()["id"], booking())
    publish(amqp_uri, approved)  # a duplicate sends nothing twice
    [mail] = wait_until(lambda: smtp.to(NGO_EMAIL, "registry.booking.approved"))
    assert mail["Subject"] == "Rezerwacja zatwierdzona: Sala 12"
    assert "Próba <chóru>" in text_of(mail)
    assert "Próba &lt;chóru&gt;" in text_of(mail, "html")
    assert inbox_titles(running, member, "registry.booking.approved") == [
        "Rezerwacja zatwierdzona: Sala 12"]
    assert feed(running, member) == ["Rezerwacja: Sala 12, Próba <chóru>"]
    assert feed(running, token("department", department="culture")) == [
        "Rezerwacja: Sala 12, Próba <chóru>"]
    assert feed(running) == []  # not public
    assert feed(running, token("ngo", org_id=OTHER_NGO)) == []

    refused = booking(id="665f1c2a9b1e8a00000000d2", status="refused",
                      reason="Sala w remoncie <do maja>")
    send(amqp_uri, "registry", "booking.refused", refused["id"], refused)
    [mail] = wait_until(lambda: smtp.to(NGO_EMAIL, "registry.booking.refused"))
    assert "Uzasadnienie: Sala w remoncie <do maja>" in text_of(mail)
    assert "Sala w remoncie &lt;do maja&gt;" in text_of(mail, "html")

    cancelled = booking(status="cancelled", reason="Zmiana planów")
    told = send(amqp_uri, "registry", "booking.cancelled", cancelled["id"], cancelled)
    wait_until(lambda: running.db["calendar_entries"].find_one(
        {"_id": f"booking-{cancelled['id']}", "audiences": []}))
    assert feed(running, member) == []
    wait_handled(running, told)
    all_delivered(running)
    assert len(smtp.to(NGO_EMAIL, "registry.booking.approved")) == 1


def patronage(status, reason=None, kind="patronage"):
    start = utcnow() + timedelta(days=20)
    return {"id": "665f1c2a9b1e8a00000000e1", "organization_id": NGO,
            "organization_name": "Chór <Miejski>", "kind": kind, "name": "Festyn <chóralny>",
            "starts_at": at(start), "ends_at": at(start + timedelta(hours=6)),
            "place": "Rynek", "areas": ["culture"], "status": status, "reason": reason}


def test_patronage_decisions_reach_the_organisation_and_granted_ones_the_public_calendar(
        running, amqp_uri, smtp, token):
    refused = {**patronage("refused", "Wydarzenie komercyjne", kind="promotion"),
               "id": "665f1c2a9b1e8a00000000e2"}
    send(amqp_uri, "registry", "patronage.refused", refused["id"], refused)
    send(amqp_uri, "registry", "patronage.granted", patronage("granted")["id"],
         patronage("granted"))
    [granted] = wait_until(lambda: smtp.to(NGO_EMAIL, "registry.patronage.granted"))
    assert granted["Subject"] == "Patronat przyznany: Festyn <chóralny>"
    [mail] = wait_until(lambda: smtp.to(NGO_EMAIL, "registry.patronage.refused"))
    assert mail["Subject"] == "Promocja nieprzyznana: Festyn <chóralny>"
    assert "Uzasadnienie: Wydarzenie komercyjne" in text_of(mail)
    assert feed(running) == ["Festyn <chóralny>"]
    assert sorted(t for t in inbox_titles(running, token("ngo", org_id=NGO))
                  if "Festyn" in t) == [
        "Patronat przyznany: Festyn <chóralny>", "Promocja nieprzyznana: Festyn <chóralny>"]


TRAINING = "665f1c2a9b1e8a00000000f1"
LATER_TRAINING = "665f1c2a9b1e8a00000000f2"


def training(training_id=TRAINING, hours_ahead=12, **changes):
    start = utcnow() + timedelta(hours=hours_ahead)
    data = {"id": training_id, "title": "Księgowość <w NGO>", "kind": "training",
            "topic": "Sprawozdanie finansowe", "place": "Sala 3, ul. Długa 1",
            "starts_at": at(start), "ends_at": at(start + timedelta(hours=3)), "seats": 2,
            "seats_taken": 0, "waiting": 0, "status": "published"}
    data.update(changes)
    return data


def registration(number, person, status="registered", training_data=None):
    data = training_data or training()
    return {**data, "registration": {
        "id": f"665f1c2a9b1e8a00000001{number:02d}", "person": person,
        "email": f"{person}@example.pl", "organization_id": NGO, "status": status,
        "promoted": False}}


def test_a_published_training_is_public_and_registered_people_are_reminded_the_day_before(
        running, amqp_uri, smtp, token):
    send(amqp_uri, "registry", "training.published", TRAINING, training())
    later = training(LATER_TRAINING, hours_ahead=72, title="Pisanie projektów")
    send(amqp_uri, "registry", "training.published", LATER_TRAINING, later)
    wait_until(lambda: feed(running) == ["Księgowość <w NGO>", "Pisanie projektów"])
    send(amqp_uri, "registry", "training.registered", TRAINING, registration(1, "ola"))
    send(amqp_uri, "registry", "training.registered", TRAINING,
         registration(2, "ewa", status="waitlisted"))
    send(amqp_uri, "registry", "training.registered", TRAINING, registration(3, "jan"))
    send(amqp_uri, "registry", "training.unregistered", TRAINING,
         registration(3, "jan", status="unregistered"))
    send(amqp_uri, "registry", "training.registered", LATER_TRAINING,
         registration(4, "ala", training_data=later))
    [confirmed] = wait_until(lambda: smtp.to("ola@example.pl", "registry.training.registered"))
    assert confirmed["Subject"] == "Zapis potwierdzony: Księgowość <w NGO>"
    [waiting] = wait_until(lambda: smtp.to("ewa@example.pl", "registry.training.registered"))
    assert waiting["Subject"] == "Lista rezerwowa: Księgowość <w NGO>"
    wait_until(lambda: running.db["reminders"].count_documents({}) == 3
               and running.db["reminders"].find_one({"status": "cancelled"}))

    assert send_reminders(running) == 1
    assert send_reminders(running) == 0  # once
    [reminder] = wait_until(lambda: smtp.to("ola@example.pl", "notifications.reminder.training"))
    assert reminder["Subject"] == "Jutro: Księgowość <w NGO>"
    assert "Sala 3, ul. Długa 1" in text_of(reminder)
    assert "Księgowość &lt;w NGO&gt;" in text_of(reminder, "html")
    assert inbox_titles(running, token("ngo", sub="ola"), "notifications.reminder.training") \
        == ["Jutro: Księgowość <w NGO>"]
    all_delivered(running)
    for person in ("ewa", "jan", "ala"):  # waiting list, unregistered, not tomorrow
        assert smtp.to(f"{person}@example.pl", "notifications.reminder.training") == []
    assert len(smtp.to("ola@example.pl", "notifications.reminder.training")) == 1

    send(amqp_uri, "registry", "training.cancelled", LATER_TRAINING,
         {**later, "status": "cancelled", "reason": "Choroba prowadzącego"})
    wait_until(lambda: feed(running) == ["Księgowość <w NGO>"])
    assert running.db["reminders"].find_one({"training_id": LATER_TRAINING})["status"] == \
        "cancelled"


# --- reports coming due and overdue, committee and council members (issue 6) ----------------

def contract(contract_id, due_in_days, **extra):
    due_on = local_today(utcnow()) + timedelta(days=due_in_days)
    data = {"id": contract_id, "offer_id": "665f1c2a9b1e8a0000000a01",
            "competition_id": "665f1c2a9b1e8a0000000c01", "organization_id": NGO,
            "amount": "5000.00", "task_start": "2027-01-01",
            "task_end": (due_on - timedelta(days=30)).isoformat(),
            "report_due_on": due_on.isoformat()}
    data.update(extra)
    return data


def test_a_report_coming_due_is_reminded_once_seven_days_before_and_an_overdue_one_told(
        running, amqp_uri, smtp, token):
    soon, later, submitted = ("665f1c2a9b1e8a0000000b01", "665f1c2a9b1e8a0000000b02",
                              "665f1c2a9b1e8a0000000b03")
    tranches = [{"amount": "5000.00", "due_on": "2027-01-15"}]
    for contract_id, days in ((soon, 5), (later, 30), (submitted, 3)):
        send(amqp_uri, "grants", "contract.signed", contract_id, contract(
            contract_id, days, status="signed", signed_on="2026-12-20", tranches=tranches))
    send(amqp_uri, "grants", "task_report.submitted", submitted, {
        "contract_id": submitted, "organization_id": NGO, "amount": "5000.00",
        "expenses_by_source": {"grant": "5000.00"}, "personal_contribution": "0.00",
        "in_kind_contribution": "0.00", "unused_amount": "0.00",
        "submitted_at": at(utcnow())})
    wait_until(lambda: running.db["reminders"].count_documents({}) == 3
               and running.db["reminders"].find_one({"_id": f"report-due:{submitted}",
                                                     "status": "cancelled"}))
    # each due date is in the organisation's calendar, not the public one
    entry = running.db["calendar_entries"].find_one({"_id": f"report-due-{soon}"})
    assert entry["kind"] == "deadline" and entry["audiences"] == [f"org:{NGO}", "role:officer"]
    public = running.get("/api/v1/calendar.ics").text
    assert "Termin sprawozdania" not in public
    assert send_reminders(running) == 1
    assert send_reminders(running) == 0
    [mail] = wait_until(lambda: smtp.to(NGO_EMAIL, "notifications.reminder.report_due"))
    due_on = contract(soon, 5)["report_due_on"]
    assert mail["Subject"] == f"Przypomnienie: sprawozdanie do {due_on}"
    assert "Za 7 dni" in text_of(mail) and soon in text_of(mail)
    assert inbox_titles(running, token("ngo", org_id=NGO),
                        "notifications.reminder.report_due") == [
        f"Przypomnienie: sprawozdanie do {due_on}"]

    overdue = contract(later, -2, status="report_due", days_overdue=2)
    told = send(amqp_uri, "grants", "task_report.overdue", later, overdue)
    [late] = wait_until(lambda: smtp.to(NGO_EMAIL, "grants.task_report.overdue"))
    assert late["Subject"] == f"Sprawozdanie po terminie (umowa {later})"
    assert inbox_titles(running, token("officer"), "grants.task_report.overdue") == [
        f"Sprawozdanie po terminie (umowa {later})"]
    assert running.db["reminders"].find_one({"_id": f"report-due:{later}"})["status"] == \
        "cancelled"
    wait_handled(running, told)
    all_delivered(running)
    assert len(smtp.to(NGO_EMAIL, "notifications.reminder.report_due")) == 1


def test_committee_members_hear_of_their_appointment_in_their_inbox(running, amqp_uri, token):
    send(amqp_uri, "grants", "committee.appointed", "665f1c2a9b1e8a0000000c01", {
        "competition_id": "665f1c2a9b1e8a0000000c01", "members": [
            {"user_id": "u-anna", "name": "Anna Nowak", "kind": "official",
             "organization_id": None, "excluded": False},
            {"user_id": "u-jan", "name": "Jan Kowalski", "kind": "ngo",
             "organization_id": NGO, "excluded": True}]})
    anna = token("committee", sub="u-anna")
    wait_until(lambda: inbox_titles(running, anna) == ["Powołanie do komisji konkursowej"])
    assert inbox_titles(running, token("committee", sub="u-jan")) == []  # may not score


COUNCIL = "665f1c2a9b1e8a0000000e01"


def test_council_members_hear_of_meetings_and_opinion_requests(running, amqp_uri, smtp, token):
    members = [{"id": "665f1c2a9b1e8a0000000e11", "name": "Ewa", "side": "ngo",
                "organization_id": NGO},
               {"id": "665f1c2a9b1e8a0000000e12", "name": "Piotr", "side": "city",
                "organization_id": None}]
    send(amqp_uri, "consultations", "council.created", COUNCIL, {
        "id": COUNCIL, "name": "Rada Działalności Pożytku Publicznego",
        "kind": "public_benefit_council", "term_start": "2027-01-01",
        "term_end": "2029-12-31", "request_id": None, "members": members})
    newcomer = {"id": "665f1c2a9b1e8a0000000e13", "name": "Olga", "side": "city",
                "organization_id": None}
    send(amqp_uri, "consultations", "council.member_appointed", COUNCIL, {
        "council_id": COUNCIL, "council_name": "Rada Działalności Pożytku Publicznego",
        "member": newcomer, "members": 3, "ngo_members": 1, "ngo_share_ok": False,
        "appointed_at": at(utcnow())})
    wait_until(lambda: running.db["council_members"].count_documents({"active": True}) == 3)
    send(amqp_uri, "consultations", "council.opinion_requested", "665f1c2a9b1e8a0000000e21", {
        "id": "665f1c2a9b1e8a0000000e21", "council_id": COUNCIL,
        "subject": "Program współpracy <2028>", "consultation_id": None,
        "status": "requested", "requested_at": at(utcnow()),
        "deadline": at(utcnow() + timedelta(days=14))})
    [mail] = wait_until(lambda: smtp.to(NGO_EMAIL, "consultations.council.opinion_requested"))
    assert mail["Subject"] == "Prośba o opinię rady: Program współpracy <2028>"
    assert "Program współpracy &lt;2028&gt;" in text_of(mail, "html")
    audiences = {i["audience"] for i in running.db["inbox"].find(
        {"event_type": "consultations.council.opinion_requested"})}
    assert audiences == {f"org:{NGO}", *(f"council_member:{m['id']}"
                                         for m in [*members, newcomer])}
    assert inbox_titles(running, token("ngo", org_id=NGO),
                        "consultations.council.opinion_requested") == [
        "Prośba o opinię rady: Program współpracy <2028>"]
    assert feed(running) == ["Termin opinii rady: Program współpracy <2028>"]
    assert running.db["inbox"].find_one({"audience": f"council_member:{newcomer['id']}",
                                         "event_type": "consultations.council.member_appointed"})
