"""Issue 11 with the registry and notifications both running for real: an approved booking
reaches the organisation (email, inbox) and its and the department's calendar feeds, a
granted patronage the public calendar; a training called off reaches everyone who
registered for it, seats and waiting list, by their inbox and their own address, in Polish
and once, and someone who had unregistered hears nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from notifications_helpers import all_delivered, feed, text_of
from registry_helpers_for_notifications import organization_body

from registry.service import RegistryService
from wspolpraca.envelope import utcnow
from wspolpraca.testing.sync import wait_handled
from wspolpraca.testing.waiting import wait_until

TRAININGS = "/api/v1/trainings"
CANCELLED = "registry.training.cancelled"
CITY = ZoneInfo("Europe/Warsaw")
ALL_DAYS = [{"day": d, "opens": "00:00", "closes": "24:00"}
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


def local(days: int, hour: int) -> datetime:
    day = datetime.now(CITY).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=CITY)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def test_an_approved_booking_and_a_granted_patronage_reach_the_calendar_feeds(
        start_service, notifications, smtp, token, officer):
    registry = start_service(RegistryService)
    org = ok(registry.post("/api/v1/organizations", token("ngo"), json=organization_body(
        name="Chór Bałuty", areas=["culture"], email="chor@ngo.example.pl")), 201)
    ok(registry.post(f"/api/v1/organizations/{org['id']}/verify", officer))
    ngo = token("ngo", org_id=org["id"])
    ok(registry.post("/api/v1/departments", officer, json={
        "code": "culture_dept", "name": "Wydział Kultury", "areas": ["culture"],
        "contact_person": "Anna Nowak", "email": "kultura@um.example.pl"}), 201)
    dept = token("department", department="culture_dept")
    room = ok(registry.post("/api/v1/resources", dept, json={
        "name": "Sala 12", "kind": "room", "address": "ul. Długa 1", "capacity": 30,
        "department": "culture_dept", "opening_hours": ALL_DAYS}), 201)
    booking = ok(registry.post(f"/api/v1/resources/{room['id']}/bookings", ngo, json={
        "organization_id": org["id"], "purpose": "Próba chóru",
        "starts_at": local(3, 18).isoformat(), "ends_at": local(3, 20).isoformat()}), 201)
    ok(registry.post(f"/api/v1/bookings/{booking['id']}/approve", dept, json={}))
    patronage = ok(registry.post("/api/v1/patronages", ngo, json={
        "organization_id": org["id"], "kind": "patronage", "name": "Koncert chórów",
        "starts_at": local(20, 18).isoformat(), "ends_at": local(20, 21).isoformat(),
        "place": "Park Źródliska", "audience": "Mieszkańcy", "justification": "Kultura.",
        "areas": ["culture"]}), 201)
    ok(registry.post(f"/api/v1/patronages/{patronage['id']}/grant", officer))

    [approved] = wait_until(lambda: smtp.to("chor@ngo.example.pl", "registry.booking.approved"))
    assert approved["Subject"] == "Rezerwacja zatwierdzona: Sala 12"
    wait_until(lambda: feed(notifications) == ["Koncert chórów"])
    assert feed(notifications, ngo) == ["Koncert chórów", "Rezerwacja: Sala 12, Próba chóru"]
    assert feed(notifications, dept) == ["Koncert chórów", "Rezerwacja: Sala 12, Próba chóru"]
    wait_until(lambda: smtp.to("chor@ngo.example.pl", "registry.patronage.granted"))


def test_a_cancelled_training_tells_its_registrants_and_waiting_list(
        start_service, notifications, smtp, token, officer, listen):
    registry = start_service(RegistryService)
    events = listen("registry")
    start = utcnow() + timedelta(days=5)
    response = registry.post(TRAININGS, officer, json={
        "title": "Pisanie projektów <od podstaw>", "kind": "training",
        "topic": "project_writing", "place": "Centrum Organizacji Pozarządowych",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "seats": 1})
    assert response.status_code == 201, response.text
    training = response.json()
    people = {name: token("ngo", sub=f"user-{name}") for name in ("ola", "ewa", "jan")}
    for name, who in people.items():
        response = registry.post(f"{TRAININGS}/{training['id']}/registrations", who,
                                 json={"name": name.title(), "email": f"{name}@ngo.example.pl"})
        assert response.status_code == 201, response.text
    # ola has the seat, ewa and jan wait; jan gives up his place
    assert registry.post(f"{TRAININGS}/{training['id']}/unregister",
                         people["jan"]).status_code == 200

    response = registry.post(f"{TRAININGS}/{training['id']}/cancel", officer,
                             json={"reason": "Choroba prowadzącej."})
    assert response.status_code == 200, response.text

    (event,) = events.wait_for(CANCELLED)
    told = event["data"]["registrations"]
    assert [(r["person"], r["email"], r["status"]) for r in told] == [
        ("user-ola", "ola@ngo.example.pl", "registered"),
        ("user-ewa", "ewa@ngo.example.pl", "waitlisted")]
    for name in ("ola", "ewa"):
        [mail] = wait_until(lambda n=name: smtp.to(f"{n}@ngo.example.pl", CANCELLED))
        assert mail["Subject"] == "Odwołane: Pisanie projektów <od podstaw>"
        assert "Powód: Choroba prowadzącej." in text_of(mail)
        assert "Pisanie projektów &lt;od podstaw&gt;" in text_of(mail, "html")
        items = wait_until(lambda n=name: [
            i for i in notifications.get("/api/v1/inbox", people[n]).json()["items"]
            if i["event_type"] == CANCELLED])
        assert [i["title"] for i in items] == ["Odwołane: Pisanie projektów <od podstaw>"]
    wait_handled(notifications, event)
    all_delivered(notifications)
    assert smtp.to("jan@ngo.example.pl", CANCELLED) == []
    assert [i for i in notifications.get("/api/v1/inbox", people["jan"]).json()["items"]
            if i["event_type"] == CANCELLED] == []
    assert len(smtp.to("ola@ngo.example.pl", CANCELLED)) == 1
