"""Non-financial cooperation in the year's figures: rooms and equipment lent (approved
bookings not cancelled, with their hours), patronage and promotion granted, trainings held
with their participants, partnerships and volunteering needs; in any order, once each."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from reporting_factory import event, oid

from reporting import projections, report, stats
from reporting.projections import MemoryStore
from wspolpraca.testing.contract import load_catalogue

CATALOGUE = load_catalogue(Path(__file__).resolve().parents[3] / "infra" / "asyncapi"
                           / "asyncapi.yaml")
ORG = oid("org-coop")


def booking(kind: str, bid: str, time: str, *, resource_kind: str = "room",
            starts: str = "2026-05-10T08:00:00.000Z", hours: float = 3.0) -> object:
    data = {"id": oid(bid), "resource_id": oid(f"res-{resource_kind}"),
            "resource_name": "Sala 1", "resource_kind": resource_kind, "department": "culture",
            "organization_id": ORG, "organization_name": "Fundacja", "title": "Zebranie",
            "place": "Sala 1, ul. Długa 1", "starts_at": starts,
            "ends_at": starts.replace("T08", "T11"), "hours": hours, "status": kind,
            "reason": "Zmiana planów" if kind in ("refused", "cancelled") else None}
    return event("registry", f"booking.{kind}", data, time=time)


def patronage(kind: str, pid: str, time: str, patronage_kind: str = "patronage") -> object:
    data = {"id": oid(pid), "organization_id": ORG, "organization_name": "Fundacja",
            "kind": patronage_kind, "name": "Festyn", "starts_at": "2026-06-01T10:00:00.000Z",
            "ends_at": "2026-06-01T18:00:00.000Z", "place": "Rynek", "areas": ["culture"],
            "status": kind, "reason": "Nie" if kind == "refused" else None}
    return event("registry", f"patronage.{kind}", data, time=time)


def training(kind: str, tid: str, time: str, version: int, *, seats_taken: int = 0,
             waiting: int = 0, status: str = "published", training_kind: str = "training",
             **extra) -> object:
    data = {"id": oid(tid), "title": "Księgowość", "kind": training_kind,
            "topic": "accounting", "place": "Sala 3", "starts_at": "2026-09-10T08:00:00.000Z",
            "ends_at": "2026-09-10T11:00:00.000Z", "seats": 3, "seats_taken": seats_taken,
            "waiting": waiting, "status": status, "version": version, **extra}
    return event("registry", f"training.{kind}", data, time=time)


def registration(n: int, status: str = "registered") -> dict:
    return {"id": oid(f"reg-{n}"), "person": f"person-{n}", "email": f"p{n}@example.pl",
            "organization_id": ORG, "status": status, "promoted": False}


def partnership(pid: str, time: str) -> object:
    data = {"id": oid(pid), "kind": "agreement", "title": "Porozumienie", "goal": "Klub",
            "parties": [{"kind": "city", "organization_id": None, "name": "Miasto"},
                        {"kind": "organization", "organization_id": ORG, "name": "Fundacja"}],
            "areas": ["culture"], "starts_on": "2026-02-01", "ends_on": None}
    return event("registry", "partnership.signed", data, time=time)


def volunteering(vid: str, time: str, needed: int) -> object:
    data = {"id": oid(vid), "organization_id": ORG, "organization_name": "Fundacja",
            "title": "Pomoc przy festynie", "areas": ["culture"], "district": "Wola",
            "volunteers_needed": needed, "starts_on": None, "ends_on": None}
    return event("registry", "volunteering.posted", data, time=time)


def story() -> list:
    return [
        booking("requested", "b-room", "2026-04-01T10:00:00Z"),
        booking("approved", "b-room", "2026-04-02T10:00:00Z"),
        booking("requested", "b-cancel", "2026-04-01T11:00:00Z"),
        booking("approved", "b-cancel", "2026-04-02T11:00:00Z"),
        booking("cancelled", "b-cancel", "2026-04-03T11:00:00Z"),
        booking("requested", "b-refused", "2026-04-01T12:00:00Z"),
        booking("refused", "b-refused", "2026-04-02T12:00:00Z"),
        booking("requested", "b-projector", "2026-04-01T13:00:00Z",
                resource_kind="equipment", hours=1.5),
        booking("approved", "b-projector", "2026-04-02T13:00:00Z",
                resource_kind="equipment", hours=1.5),
        booking("approved", "b-next-year", "2026-04-02T14:00:00Z",
                starts="2027-01-10T08:00:00.000Z"),
        patronage("requested", "p-1", "2026-05-01T10:00:00Z"),
        patronage("granted", "p-1", "2026-05-02T10:00:00Z"),
        patronage("granted", "p-2", "2026-05-02T11:00:00Z", patronage_kind="promotion"),
        patronage("refused", "p-3", "2026-05-02T12:00:00Z"),
        training("published", "t-1", "2026-08-01T10:00:00Z", 1),
        training("registered", "t-1", "2026-08-02T10:00:00Z", 2, seats_taken=1,
                 registration=registration(1)),
        training("registered", "t-1", "2026-08-02T10:01:00Z", 3, seats_taken=2,
                 registration=registration(2)),
        training("registered", "t-1", "2026-08-02T10:02:00Z", 4, seats_taken=3,
                 registration=registration(3)),
        training("registered", "t-1", "2026-08-02T10:03:00Z", 5, seats_taken=3, waiting=1,
                 registration=registration(4, "waitlisted")),
        training("attendance_recorded", "t-1", "2026-09-10T12:00:00Z", 6, seats_taken=3,
                 waiting=1, attended=2),
        training("published", "t-2", "2026-08-01T11:00:00Z", 1, training_kind="event"),
        training("registered", "t-2", "2026-08-03T10:00:00Z", 2, seats_taken=1,
                 training_kind="event", registration=registration(5)),
        training("published", "t-gone", "2026-08-01T12:00:00Z", 1),
        training("registered", "t-gone", "2026-08-03T10:00:00Z", 2, seats_taken=1,
                 registration=registration(6)),
        training("cancelled", "t-gone", "2026-08-04T10:00:00Z", 3, seats_taken=1,
                 status="cancelled", reason="Choroba", registrations=[registration(6)]),
        partnership("pa-1", "2026-02-01T10:00:00Z"),
        volunteering("v-1", "2026-03-01T10:00:00Z", 5),
        volunteering("v-2", "2026-03-02T10:00:00Z", 2),
    ]


def figures(events, year: int = 2026) -> dict:
    store = MemoryStore()
    for e in events:
        projections.apply(e, store)
    return stats.summary(store, year)


def test_the_story_events_validate_against_the_catalogue():
    assert {e.type: CATALOGUE.validate(e.to_dict()) for e in story()
            if CATALOGUE.validate(e.to_dict())} == {}


def test_rooms_and_equipment_lent_are_approved_bookings_not_cancelled_with_their_hours():
    c = figures(story())["cooperation"]
    assert (c["bookings_approved"], c["rooms_lent"], c["equipment_lent"]) == (2, 1, 1)
    assert (c["room_hours"], c["equipment_hours"], c["hours_lent"]) == (3.0, 1.5, 4.5)
    assert figures(story(), 2027)["cooperation"]["rooms_lent"] == 1  # by the year it starts


def test_patronages_trainings_partnerships_and_volunteering_are_counted():
    c = figures(story())["cooperation"]
    assert (c["patronages_granted"], c["mayor_patronages"], c["promotions"]) == (2, 1, 1)
    # the cancelled training is not held; the waiting list is not a participant
    assert (c["trainings_held"], c["training_sessions"], c["city_events"]) == (2, 1, 1)
    assert c["participants_registered"] == 4
    assert (c["trainings_with_attendance"], c["participants_attended"]) == (1, 2)
    assert c["partnerships"] == 1
    assert (c["volunteering_posted"], c["volunteers_needed"]) == (2, 7)


@pytest.mark.parametrize("seed", range(6))
def test_any_order_and_duplicates_give_the_same_figures(seed):
    events = story()
    shuffled = events + events[: len(events) // 2]
    random.Random(seed).shuffle(shuffled)
    assert figures(shuffled) == figures(events)


def test_a_trainings_newest_version_wins_whatever_the_clocks_say():
    late_clock_old_state = training("registered", "t-9", "2026-12-01T10:00:00Z", 2,
                                    seats_taken=1, registration=registration(1))
    newer = training("registered", "t-9", "2026-08-01T10:00:00Z", 3, seats_taken=2,
                     registration=registration(2))
    assert figures([newer, late_clock_old_state])["cooperation"]["participants_registered"] == 2
    cancelled = training("cancelled", "t-9", "2026-08-02T10:00:00Z", 4, seats_taken=2,
                         status="cancelled", reason="Brak sali")
    assert figures([cancelled, newer, late_clock_old_state])["cooperation"][
        "trainings_held"] == 0


def test_every_format_of_the_annual_report_carries_the_cooperation_figures():
    store = MemoryStore()
    for e in story():
        projections.apply(e, store)
    built = report.build(store, 2026)
    rows = {(section, label): value for section, label, value in report.rows(built)}
    section = "Współpraca pozafinansowa"
    assert rows[(section, "godziny użyczenia lokali")] == 3.0
    assert rows[(section, "uczestnicy obecni")] == 2
    html = report.to_html(built)
    assert "7. Współpraca pozafinansowa" in html
    assert f"{built['summary']['cooperation']['bookings_approved']} / 4,50" in html
    csv_text = report.to_csv(built).decode()
    assert "Współpraca pozafinansowa,szkolenia, dyżury doradcze i wydarzenia,2" in csv_text \
        or '"szkolenia, dyżury doradcze i wydarzenia",2' in csv_text
