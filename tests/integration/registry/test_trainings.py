"""Trainings and city events: the officer publishes them with seats; NGO people register
(twice has one effect) and unregister; a waiting list when full, promoted when a seat
frees; the seat count stays within 0..seats under concurrent registrations; attendance."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from cooperation_helpers import TRAININGS_PATH, iso, local
from registry_helpers import assert_error

from wspolpraca.envelope import format_time

PUBLISHED = "registry.training.published"
REGISTERED = "registry.training.registered"
UNREGISTERED = "registry.training.unregistered"
CANCELLED = "registry.training.cancelled"
ATTENDANCE = "registry.training.attendance_recorded"


def training_body(**overrides):
    body = {
        "title": "Jak napisać ofertę w otwartym konkursie",
        "kind": "training",
        "topic": "project_writing",
        "description": "Warsztaty dla organizacji startujących w konkursach.",
        "place": "Centrum Organizacji Pozarządowych, ul. Piotrkowska 113",
        "starts_at": iso(local(10, 10)),
        "ends_at": iso(local(10, 14)),
        "seats": 3,
        "trainer": "Maria Wiśniewska",
    }
    body.update(overrides)
    return body


@pytest.fixture
def publish(registry, officer, events):
    def publish(**overrides) -> dict:
        response = registry.post(TRAININGS_PATH, officer, json=training_body(**overrides))
        assert response.status_code == 201, response.text
        return response.json()

    return publish


def person(token, n: int, org_id: str = "665f1c2a9b1e8a0012345678") -> str:
    return token("ngo", sub=f"person-{n}", org_id=org_id)


def register(registry, who: str, training_id: str, n: int = 0):
    return registry.post(f"{TRAININGS_PATH}/{training_id}/registrations", who,
                         json={"name": f"Osoba {n}", "email": f"osoba{n}@ngo.example.pl"})


def unregister(registry, who: str, training_id: str):
    return registry.post(f"{TRAININGS_PATH}/{training_id}/unregister", who)


def training(registry, training_id: str) -> dict:
    return registry.get(f"{TRAININGS_PATH}/{training_id}").json()


def test_the_officer_publishes_a_training_for_the_calendar(registry, officer, events, token):
    response = registry.post(TRAININGS_PATH, officer, json=training_body())

    assert response.status_code == 201, response.text
    published = response.json()
    assert (published["seats"], published["seats_taken"], published["seats_free"]) == (3, 0, 3)
    assert published["status"] == "published"
    (event,) = events.wait_for(PUBLISHED)
    data = event["data"]
    assert data["title"] == "Jak napisać ofertę w otwartym konkursie"
    assert data["place"].startswith("Centrum Organizacji")
    assert data["starts_at"] == format_time(local(10, 10))
    assert data["ends_at"] == format_time(local(10, 14))
    listed = registry.get(TRAININGS_PATH, params={"kind": "training"}).json()["items"]
    assert [t["id"] for t in listed] == [published["id"]]
    assert_error(registry.post(TRAININGS_PATH, token("ngo"), json=training_body()), 403)
    assert_error(registry.post(TRAININGS_PATH, officer,
                               json=training_body(starts_at=iso(local(-1, 10)),
                                                  ends_at=iso(local(-1, 12)))),
                 422, "training_in_the_past")
    assert_error(registry.post(TRAININGS_PATH, officer, json=training_body(seats=0)), 422,
                 fields=("seats",))


def test_registering_fills_seats_then_the_waiting_list(registry, publish, token, events):
    item = publish(seats=2)
    statuses = [register(registry, person(token, n), item["id"], n).json()["status"]
                for n in range(4)]

    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    state = training(registry, item["id"])
    assert (state["seats_taken"], state["seats_free"], state["waiting"]) == (2, 0, 2)
    registered = events.wait_for(REGISTERED, 4)
    assert [e["data"]["registration"]["status"] for e in registered] == statuses
    assert registered[0]["data"]["registration"]["email"] == "osoba0@ngo.example.pl"


def test_registering_twice_has_one_effect(registry, publish, token, events):
    item = publish()
    who = person(token, 1)
    first = register(registry, who, item["id"], 1)
    again = register(registry, who, item["id"], 1)

    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert training(registry, item["id"])["seats_taken"] == 1
    events.wait_for(REGISTERED)
    events.settle()
    assert len(events.of_type(REGISTERED)) == 1


def test_unregistering_promotes_the_first_on_the_waiting_list(registry, publish, token,
                                                              officer, events):
    item = publish(seats=1)
    for n in range(3):
        register(registry, person(token, n), item["id"], n)

    response = unregister(registry, person(token, 0), item["id"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "unregistered"
    regs = registry.get(f"{TRAININGS_PATH}/{item['id']}/registrations", officer).json()["items"]
    assert [r["status"] for r in regs] == ["unregistered", "registered", "waitlisted"]
    state = training(registry, item["id"])
    assert (state["seats_taken"], state["waiting"]) == (1, 1)
    (gone,) = events.wait_for(UNREGISTERED)
    assert gone["data"]["registration"]["person"] == "person-0"
    promoted = events.wait_for(REGISTERED, 4)[-1]
    assert promoted["data"]["registration"]["person"] == "person-1"
    assert promoted["data"]["registration"]["promoted"] is True

    # the waiting person leaves; then the registered one: the seat is simply free
    unregister(registry, person(token, 2), item["id"])
    unregister(registry, person(token, 1), item["id"])
    state = training(registry, item["id"])
    assert (state["seats_taken"], state["waiting"]) == (0, 0)
    # unregistering again changes nothing; registering again takes the seat
    assert unregister(registry, person(token, 1), item["id"]).status_code == 200
    again = register(registry, person(token, 1), item["id"], 1).json()
    assert again["status"] == "registered"
    stored = registry.db["training_registrations"].find_one({"_id": again["id"]})
    assert (stored["person"], stored["status"]) == ("person-1", "registered")
    assert training(registry, item["id"])["seats_taken"] == 1
    assert_error(unregister(registry, person(token, 9), item["id"]), 404)


def test_seats_never_go_negative_or_overbooked_under_concurrent_registrations(
        registry, publish, token, officer):
    item = publish(seats=5)
    people = [person(token, n) for n in range(14)]
    barrier = threading.Barrier(len(people) + 2)
    codes: list[int] = []

    def go(who: str, n: int) -> None:
        barrier.wait()
        codes.append(register(registry, who, item["id"], n).status_code)

    # thirteen people register at once, one of them twice at the same moment
    threads = [threading.Thread(target=go, args=(who, n)) for n, who in enumerate(people)]
    threads.append(threading.Thread(target=go, args=(people[0], 0)))
    threads.append(threading.Thread(target=go, args=(people[1], 1)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(codes) == [200] * 2 + [201] * 14, codes
    state = training(registry, item["id"])
    assert (state["seats_taken"], state["waiting"]) == (5, 9)
    regs = list(registry.db["training_registrations"].find({"training_id": item["id"]}))
    assert len(regs) == 14
    assert sum(r["status"] == "registered" for r in regs) == 5
    assert len({r["queue_number"] for r in regs}) == 14

    # now everyone with a seat and some waiting leave at once
    leaving = [r["person"] for r in regs if r["status"] == "registered"][:5] + \
        [r["person"] for r in regs if r["status"] == "waitlisted"][:3]
    barrier2 = threading.Barrier(len(leaving))

    def leave(sub: str) -> None:
        barrier2.wait()
        codes.append(unregister(registry, token("ngo", sub=sub), item["id"]).status_code)

    threads = [threading.Thread(target=leave, args=(sub,)) for sub in leaving]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    state = training(registry, item["id"])
    regs = list(registry.db["training_registrations"].find({"training_id": item["id"]}))
    seated = sum(r["status"] == "registered" for r in regs)
    waiting = sum(r["status"] == "waitlisted" for r in regs)
    assert (state["seats_taken"], state["waiting"]) == (seated, waiting) == (5, 1)


def test_attendance_is_recorded_after_the_training_started(registry, publish, token,
                                                           officer, events):
    item = publish(seats=2)
    first = register(registry, person(token, 1), item["id"], 1).json()
    other_org = "665f1c2a9b1e8a0012345679"
    second = register(registry, person(token, 2, other_org), item["id"], 2).json()
    waiting = register(registry, person(token, 3), item["id"], 3).json()
    path = f"{TRAININGS_PATH}/{item['id']}/attendance"

    assert_error(registry.post(path, officer, json={"attended": [first["id"]]}), 409,
                 "training_not_started")
    started = local(0, 0) - timedelta(hours=1)
    registry.db["trainings"].update_one({"_id": item["id"]}, {"$set": {"starts_at": started}})
    assert_error(registry.post(path, officer, json={"attended": [waiting["id"]]}), 422,
                 "not_registered")
    response = registry.post(path, officer, json={"attended": [first["id"]]})

    assert response.status_code == 200, response.text
    assert response.json()["attended"] == 1
    regs = {r["_id"]: r for r in registry.db["training_registrations"].find()}
    assert (regs[first["id"]]["attended"], regs[second["id"]]["attended"]) == (True, False)
    (event,) = events.wait_for(ATTENDANCE)
    assert event["data"]["attended"] == 1
    # per organisation, for its cooperation history (issue #22): seats and who came, no names
    assert event["data"]["attended_by_organization"] == [
        {"organization_id": "665f1c2a9b1e8a0012345678", "registered": 1, "attended": 1},
        {"organization_id": other_org, "registered": 1, "attended": 0}]
    # registering for a training that started is refused
    assert_error(register(registry, person(token, 4), item["id"], 4), 409, "training_started")


def test_a_cancelled_training_takes_no_registrations(registry, publish, token, officer,
                                                     events):
    item = publish(seats=1)
    for n in range(3):
        register(registry, person(token, n), item["id"], n)
    unregister(registry, person(token, 2), item["id"])
    path = f"{TRAININGS_PATH}/{item['id']}/cancel"
    assert_error(registry.post(path, officer, json={}), 422, fields=("reason",))
    response = registry.post(path, officer, json={"reason": "Choroba prowadzącej."})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    (event,) = events.wait_for(CANCELLED)
    assert event["data"]["reason"] == "Choroba prowadzącej."
    # the people to tell: the seat and the waiting list, not who had unregistered
    assert [(r["person"], r["email"], r["status"]) for r in event["data"]["registrations"]] == [
        ("person-0", "osoba0@ngo.example.pl", "registered"),
        ("person-1", "osoba1@ngo.example.pl", "waitlisted")]
    assert_error(register(registry, person(token, 3), item["id"], 3), 409, "training_cancelled")
    assert_error(registry.post(path, officer, json={"reason": "Znowu."}), 409,
                 "invalid_transition")


def test_a_person_reads_their_own_registrations(registry, publish, token, officer):
    full = publish(seats=1)
    other = publish(title="Księgowość organizacji pozarządowej")
    me, someone = person(token, 1), person(token, 2)
    register(registry, someone, full["id"], 2)
    register(registry, me, full["id"], 1)
    register(registry, me, other["id"], 1)

    mine = registry.get("/api/v1/trainings/registrations", me).json()["items"]
    assert {(r["training_id"], r["status"]) for r in mine} == {
        (full["id"], "waitlisted"), (other["id"], "registered")}
    assert {r["person"] for r in mine} == {"person-1"}
    unregister(registry, me, other["id"])
    mine = registry.get("/api/v1/trainings/registrations", me).json()["items"]
    assert {(r["training_id"], r["status"]) for r in mine} == {
        (full["id"], "waitlisted"), (other["id"], "unregistered")}
    assert_error(registry.get("/api/v1/trainings/registrations"), 401)
    assert_error(registry.get("/api/v1/trainings/registrations", officer), 403)
