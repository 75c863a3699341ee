"""Events of grants and consultations (published here as their catalogue describes them, until
those services run in these tests): NGOs of the area hear about a new competition by email and
in the inbox, a department's webhook gets it signed, deadlines and meetings reach the calendar."""

from __future__ import annotations

import json

import pytest
from icalendar import Calendar
from notifications_helpers import all_delivered, organization, publish, send, text_of

from notifications.domain import signature_valid
from wspolpraca.testing.sync import wait_handled
from wspolpraca.testing.waiting import wait_until

CULTURE_NGO = "665f1c2a9b1e8a0000000001"
SPORT_NGO = "665f1c2a9b1e8a0000000002"
PENDING_NGO = "665f1c2a9b1e8a0000000003"
COMPETITION = "665f1c2a9b1e8a00000000c1"
ANNOUNCED = "grants.competition.announced"


@pytest.fixture
def organizations(notifications, amqp_uri):
    for org_id, email, areas, status in (
            (CULTURE_NGO, "kultura@ngo.example.pl", ["culture"], "verified"),
            (SPORT_NGO, "sport@ngo.example.pl", ["sport"], "verified"),
            (PENDING_NGO, "nowa@ngo.example.pl", ["culture"], "pending")):
        routing_key = "organization.verified" if status == "verified" else None
        if routing_key:
            send(amqp_uri, "registry", routing_key, org_id,
                 organization(org_id, email, areas, status))
        else:
            notifications.db["organizations"].insert_one(
                {"_id": org_id, "email": email, "areas": areas, "status": status})
    wait_until(lambda: notifications.db["organizations"].count_documents({}) == 3)


def competition(**changes):
    data = {"id": COMPETITION, "year": 2027, "title": "Kultura <na> podwórkach",
            "area": "culture", "mode": "supporting", "budget": "150000.00",
            "status": "announced", "submission_deadline": "2027-04-15T10:00:00.000Z",
            "task_start": "2027-05-01", "task_end": "2027-11-30",
            "min_own_contribution_pct": "10.00",
            "criteria": [{"name": "Jakość", "max_points": 10}],
            "published_at": "2027-03-20T10:00:00.000Z"}
    data.update(changes)
    return data


def test_a_competition_reaches_the_ngos_of_its_area_and_a_departments_webhook(
        notifications, organizations, amqp_uri, smtp, receiver, token):
    dept = token("department", department="culture")
    hook = notifications.post("/api/v1/subscriptions", dept, json={
        "channel": "webhook", "target": receiver.url + "/ok", "for_department": True,
        "event_types": ["grants.competition.*"], "areas": ["culture"]}).json()
    event = send(amqp_uri, "grants", "competition.announced", COMPETITION, competition())
    publish(amqp_uri, event)  # a duplicate sends nothing twice
    [mail] = wait_until(lambda: smtp.to("kultura@ngo.example.pl", ANNOUNCED))
    assert mail["Subject"] == "Nowy konkurs ofert: Kultura <na> podwórkach"
    assert "Pula środków: 150000.00 zł." in text_of(mail)
    assert "Kultura &lt;na&gt; podwórkach" in text_of(mail, "html")
    [request] = wait_until(lambda: receiver.at("/ok"))
    assert signature_valid(hook["secret"], request["body"],
                           request["headers"]["X-Wspolpraca-Signature"])
    assert json.loads(request["body"])["id"] == event.id
    member = token("ngo", org_id=CULTURE_NGO)
    inbox = notifications.get("/api/v1/inbox", member).json()["items"]
    assert [i["title"] for i in inbox if i["event_type"] == "grants.competition.announced"] == [
        "Nowy konkurs ofert: Kultura <na> podwórkach"]
    wait_handled(notifications, event)
    all_delivered(notifications)
    assert len(smtp.to("kultura@ngo.example.pl", ANNOUNCED)) == 1 and len(receiver.at("/ok")) == 1
    assert smtp.to("sport@ngo.example.pl", ANNOUNCED) == []
    assert smtp.to("nowa@ngo.example.pl") == []
    calendar = Calendar.from_ical(notifications.get("/api/v1/calendar.ics").content)
    [deadline] = calendar.walk("VEVENT")
    assert str(deadline["summary"]) == "Termin składania ofert: Kultura <na> podwórkach"
    assert deadline.decoded("dtstart").isoformat() == "2027-04-15T10:00:00+00:00"


def test_an_organisation_verified_after_an_announcement_still_hears_of_it_once(
        notifications, organizations, amqp_uri, smtp, token):
    """The registry's verification and grants' announcement come over two exchanges, in any
    order: an organisation verified while the competition is open is told of it then."""
    send(amqp_uri, "grants", "competition.announced", COMPETITION, competition())
    closed = "665f1c2a9b1e8a00000000c2"
    send(amqp_uri, "grants", "competition.announced", closed, competition(
        id=closed, title="Konkurs zamknięty", submission_deadline="2026-01-15T10:00:00.000Z"))
    wait_until(lambda: len(smtp.to("kultura@ngo.example.pl", ANNOUNCED)) == 2)
    assert smtp.to("nowa@ngo.example.pl") == []
    verified = send(amqp_uri, "registry", "organization.verified", PENDING_NGO, {
        **organization(PENDING_NGO, "nowa@ngo.example.pl", ["culture"]), "version": 3})
    [mail] = wait_until(lambda: smtp.to("nowa@ngo.example.pl", ANNOUNCED))
    assert mail["Subject"] == "Nowy konkurs ofert: Kultura <na> podwórkach"
    inbox = notifications.get("/api/v1/inbox", token("ngo", org_id=PENDING_NGO)).json()["items"]
    assert [i["title"] for i in inbox if i["event_type"] == ANNOUNCED] == [
        "Nowy konkurs ofert: Kultura <na> podwórkach"]
    publish(amqp_uri, verified)  # redelivered: no second telling
    updated = send(amqp_uri, "registry", "organization.verified", PENDING_NGO, {
        **organization(PENDING_NGO, "nowa@ngo.example.pl", ["culture"]), "version": 4})
    wait_until(lambda: notifications.db["organizations"].find_one(
        {"_id": PENDING_NGO, "version": 4}))
    wait_handled(notifications, updated)
    all_delivered(notifications)
    # the open competition only: the closed one is not told to the newly verified
    assert len(smtp.to("nowa@ngo.example.pl", ANNOUNCED)) == 1
    assert len(smtp.to("kultura@ngo.example.pl", ANNOUNCED)) == 2


def test_a_cancelled_competition_leaves_the_calendar_and_is_not_told_to_the_later_verified(
        notifications, organizations, amqp_uri, smtp):
    send(amqp_uri, "grants", "competition.announced", COMPETITION, competition())
    wait_until(lambda: smtp.to("kultura@ngo.example.pl", ANNOUNCED))
    assert notifications.db["calendar_entries"].find_one(
        {"_id": f"competition-deadline-{COMPETITION}"})
    send(amqp_uri, "grants", "competition.cancelled", COMPETITION,
         competition(status="cancelled", reason="Zmiana budżetu."))
    wait_until(lambda: notifications.db["announcements"].find_one(
        {"_id": f"ended:{COMPETITION}"}))
    assert notifications.db["calendar_entries"].find_one(
        {"_id": f"competition-deadline-{COMPETITION}"}) is None
    verified = send(amqp_uri, "registry", "organization.verified", PENDING_NGO, {
        **organization(PENDING_NGO, "nowa@ngo.example.pl", ["culture"]), "version": 3})
    wait_until(lambda: smtp.to("nowa@ngo.example.pl"))  # told of its verification only
    wait_handled(notifications, verified)
    all_delivered(notifications)
    assert smtp.to("nowa@ngo.example.pl", ANNOUNCED) == []


def test_a_grant_reaches_its_organisation(notifications, organizations, amqp_uri, smtp):
    send(amqp_uri, "grants", "grant.awarded", "665f1c2a9b1e8a00000000f1", {
        "offer_id": "665f1c2a9b1e8a00000000f1", "competition_id": COMPETITION,
        "organization_id": SPORT_NGO, "area": "sport", "year": 2027,
        "requested_amount": "20000.00", "awarded_amount": "15000.00", "partial": True})
    [mail] = wait_until(lambda: smtp.to("sport@ngo.example.pl", "grants.grant.awarded"))
    assert mail["Subject"] == "Dotacja przyznana: 15000.00 zł"
    assert "zaktualizowanie kosztorysu" in text_of(mail)


def test_a_consultation_for_everyone_and_meetings_reach_everyone_and_the_calendar(
        notifications, organizations, amqp_uri, smtp):
    consultation = "665f1c2a9b1e8a00000000a1"
    send(amqp_uri, "consultations", "consultation.opened", consultation, {
        "id": consultation, "title": "Program współpracy 2027",
        "subject": "Roczny program współpracy", "act_kind": "cooperation_programme",
        "programme_id": None, "sections": [], "forms": ["written_comments"],
        "opens_at": "2027-03-02T09:00:00.000Z", "closes_at": "2027-03-16T09:00:00.000Z",
        "addressees": {"scope": "all", "areas": []}, "residents_may_comment": True,
        "status": "open"})
    send(amqp_uri, "consultations", "council.meeting_scheduled", "665f1c2a9b1e8a00000000b1", {
        "id": "665f1c2a9b1e8a00000000b1", "title": "Posiedzenie nr 3",
        "starts_at": "2027-03-10T16:00:00.000Z", "ends_at": "2027-03-10T18:00:00.000Z",
        "place": "Sala Sesyjna", "council_id": "665f1c2a9b1e8a00000000b2",
        "council_name": "Rada Działalności Pożytku Publicznego",
        "agenda": ["Opinia o programie", "Sprawy różne"]})
    opened = "consultations.consultation.opened"
    wait_until(lambda: smtp.to("kultura@ngo.example.pl", opened)
               and smtp.to("sport@ngo.example.pl", opened))
    assert smtp.to("sport@ngo.example.pl", opened)[0]["Subject"] == \
        "Konsultacje: Program współpracy 2027"
    assert smtp.to("nowa@ngo.example.pl") == []  # not verified
    entries = wait_until(lambda: notifications.db["calendar_entries"].count_documents({}) == 2)
    assert entries
    calendar = Calendar.from_ical(notifications.get("/api/v1/calendar.ics").content)
    summaries = [str(e["summary"]) for e in calendar.walk("VEVENT")]
    assert summaries == ["Rada Działalności Pożytku Publicznego: Posiedzenie nr 3",
                         "Koniec konsultacji: Program współpracy 2027"]
    meeting = calendar.walk("VEVENT")[0]
    assert str(meeting["location"]) == "Sala Sesyjna"
    assert str(meeting["description"]) == "Porządek obrad: Opinia o programie; Sprawy różne"


def test_a_committee_member_is_told_of_the_offers_assigned_to_score(
        notifications, amqp_uri, smtp, token):
    offers = [{"id": "665f1c2a9b1e8a00000000d1", "title": "Teatr <b>na</b> podwórku",
               "organization_id": CULTURE_NGO, "requested_amount": "12000.00"},
              {"id": "665f1c2a9b1e8a00000000d2", "title": "Chór osiedlowy",
               "organization_id": SPORT_NGO, "requested_amount": "9000.00"}]
    event = send(amqp_uri, "grants", "committee.offers_assigned", COMPETITION, {
        "competition_id": COMPETITION, "competition_title": "Kultura na podwórkach",
        "member": {"user_id": "official-7", "name": "Urszula Urzędniczka",
                   "email": "u.urzedniczka@miasto.example.pl"},
        "offers": offers, "assigned_offers": 5})
    publish(amqp_uri, event)  # a duplicate tells nothing twice
    assigned = "grants.committee.offers_assigned"
    [mail] = wait_until(lambda: smtp.to("u.urzedniczka@miasto.example.pl", assigned))
    assert mail["Subject"] == "Oferty do oceny: Kultura na podwórkach (2)"
    text = text_of(mail)
    assert "- Teatr <b>na</b> podwórku (wnioskowana kwota: 12000.00 zł)" in text
    assert "- Chór osiedlowy (wnioskowana kwota: 9000.00 zł)" in text
    assert "Łącznie ma Pani/Pan do oceny 5 ofert(y)." in text
    assert "Teatr &lt;b&gt;na&lt;/b&gt; podwórku" in text_of(mail, "html")
    assert mail["List-Unsubscribe"]
    member = token("committee", sub="official-7")
    items = wait_until(lambda: [i for i in notifications.get("/api/v1/inbox", member)
                                .json()["items"] if i["event_type"] == assigned])
    assert [i["title"] for i in items] == ["Oferty do oceny: Kultura na podwórkach (2)"]
    assert "Chór osiedlowy" in items[0]["text"]
    wait_handled(notifications, event)
    all_delivered(notifications)
    assert len(smtp.to("u.urzedniczka@miasto.example.pl", assigned)) == 1
    # another member's token sees nothing of it
    other = token("committee", sub="official-8")
    assert [i for i in notifications.get("/api/v1/inbox", other).json()["items"]
            if i["event_type"] == assigned] == []
