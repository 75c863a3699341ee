"""One organisation's cooperation with the city and the departments' overview
(reporting/cooperation.py), from a city year of events in any order and delivered twice."""

from __future__ import annotations

import random

import pytest
from reporting_factory import (
    awarded,
    comment,
    competition,
    contract,
    event,
    offer,
    oid,
    organization,
    small_grant,
    task_report,
)

from reporting import cooperation, projections
from reporting.projections import COOPERATION, MemoryStore

ORG, OTHER = "org-camp", "org-other"


def booking(kind: str, booking_id: str, org: str, time: str, hours: float = 3.0):
    return event("registry", f"booking.{kind}", {
        "id": oid(booking_id), "resource_id": oid("room-1"), "resource_name": "Sala 101",
        "resource_kind": "room", "department": "culture", "organization_id": oid(org),
        "organization_name": "Fundacja", "title": "Próba", "place": "Ratusz",
        "starts_at": "2026-05-10T10:00:00Z", "ends_at": "2026-05-10T13:00:00Z",
        "hours": hours, "status": kind, "reason": None}, time=time)


def patronage(kind: str, patronage_id: str, org: str, time: str):
    return event("registry", f"patronage.{kind}", {
        "id": oid(patronage_id), "organization_id": oid(org), "organization_name": "Fundacja",
        "kind": "patronage", "name": "Festyn rodzinny", "starts_at": "2026-06-01T10:00:00Z",
        "ends_at": "2026-06-01T18:00:00Z", "place": "Park", "areas": ["culture"],
        "status": kind, "reason": None}, time=time)


def training(kind: str, registration_id: str, org: str, time: str, version: int):
    return event("registry", f"training.{kind}", {
        "id": oid("training-1"), "title": "Rozliczanie dotacji", "kind": "training",
        "topic": "finanse", "place": "Ratusz", "starts_at": "2026-03-03T09:00:00Z",
        "ends_at": "2026-03-03T12:00:00Z", "seats": 20, "seats_taken": 1, "waiting": 0,
        "version": version, "status": "published",
        "registration": {"id": oid(registration_id), "person": "user-1",
                         "email": "osoba@example.pl", "organization_id": oid(org),
                         "status": "registered" if kind == "registered" else "unregistered",
                         "promoted": False}}, time=time)


def partnership(time: str):
    return event("registry", "partnership.signed", {
        "id": oid("partnership-1"), "kind": "agreement", "title": "Razem dla Bałut",
        "goal": "Wspólne działania", "areas": ["culture"], "starts_on": "2026-02-01",
        "ends_on": "2026-12-31",
        "parties": [{"organization_id": oid(ORG)}, {"organization_id": oid(OTHER)}]},
        time=time)


def volunteering(time: str):
    return event("registry", "volunteering.posted", {
        "id": oid("vol-1"), "organization_id": oid(ORG), "organization_name": "Fundacja",
        "title": "Opiekunowie kolonii", "areas": ["culture"], "district": "baluty",
        "volunteers_needed": 4, "starts_on": "2026-07-01", "ends_on": "2026-08-31"},
        time=time)


def org_comment(time: str):
    found = comment("com-org", "con-1", time)
    found.data["organization_id"] = oid(ORG)
    found.data["author_kind"] = "organization"
    return found


def council(time: str):
    return event("consultations", "council.created", {
        "id": oid("council-1"), "name": "Rada Działalności Pożytku Publicznego",
        "kind": "public_benefit_council", "term_start": "2026-01-20", "term_end": "2029-01-19",
        "request_id": None, "members": [
            {"id": oid("m-1"), "name": "Jan Kowalski", "side": "ngo",
             "organization_id": oid(ORG)},
            {"id": oid("m-2"), "name": "Anna Nowak", "side": "city", "organization_id": None}]},
        time=time)


def city_year() -> list:
    return [
        organization("registered", ORG, "2026-01-05T09:00:00Z", "pending"),
        competition("announced", "comp-culture", "2026-01-15T10:00:00Z", department="culture"),
        competition("announced", "comp-sport", "2026-01-16T10:00:00Z", area="sport",
                    department="sport", budget="50000.00"),
        competition("announced", "comp-old", "2025-01-16T10:00:00Z", year=2025,
                    department="culture"),
        offer("submitted", "off-1", "comp-culture", ORG, "2026-02-01T10:00:00Z"),
        offer("submitted", "off-2", "comp-sport", ORG, "2026-02-02T10:00:00Z"),
        offer("submitted", "off-3", "comp-sport", OTHER, "2026-02-02T11:00:00Z"),
        offer("submitted", "off-4", "comp-culture", OTHER, "2026-02-03T11:00:00Z"),
        awarded("off-1", "comp-culture", ORG, "2026-03-20T10:00:00Z", "15000.00"),
        awarded("off-2", "comp-sport", ORG, "2026-03-21T10:00:00Z", "12000.00"),
        offer("not_funded", "off-3", "comp-sport", OTHER, "2026-03-21T10:00:01Z"),
        offer("withdrawn", "off-4", "comp-culture", OTHER, "2026-02-10T11:00:00Z"),
        competition("resolved", "comp-culture", "2026-03-20T10:00:02Z", awarded="15000.00",
                    funded=1, not_funded=0, department="culture"),
        contract("signed", "k-1", "off-1", ORG, "2026-03-25T10:00:00Z"),
        task_report("k-1", ORG, "2027-01-20T10:00:00Z"),
        contract("settled", "k-1", "off-1", ORG, "2027-02-01T10:00:00Z",
                 returned_amount="500.00", unused_due_on="2027-01-15"),
        contract("signed", "k-2", "off-2", ORG, "2026-03-26T10:00:00Z", amount="12000.00"),
        event("grants", "task_report.overdue", {
            "id": oid("k-2"), "offer_id": oid("off-2"), "competition_id": oid("comp-1"),
            "organization_id": oid(ORG), "amount": "12000.00", "task_start": "2026-04-01",
            "task_end": "2026-12-31", "report_due_on": "2027-01-30", "status": "report_due",
            "days_overdue": 1}, time="2027-01-31T08:00:00Z"),
        small_grant("submitted", "sg-1", ORG, "2026-04-01T10:00:00Z"),
        small_grant("published", "sg-1", ORG, "2026-04-02T10:00:00Z",
                    comments_until="2026-04-09", published_at="2026-04-02T10:00:00Z"),
        small_grant("awarded", "sg-1", ORG, "2026-04-12T10:00:00Z",
                    awarded_amount="8000.00", comments_until="2026-04-09"),
        small_grant("submitted", "sg-2", ORG, "2026-05-01T10:00:00Z"),  # not yet published
        booking("requested", "b-1", ORG, "2026-05-01T10:00:00Z"),
        booking("approved", "b-1", ORG, "2026-05-02T10:00:00Z"),
        booking("requested", "b-2", ORG, "2026-05-03T10:00:00Z"),
        booking("refused", "b-2", ORG, "2026-05-04T10:00:00Z"),
        patronage("requested", "p-1", ORG, "2026-05-05T10:00:00Z"),
        patronage("granted", "p-1", ORG, "2026-05-06T10:00:00Z"),
        training("registered", "r-1", ORG, "2026-02-20T10:00:00Z", 2),
        training("registered", "r-2", ORG, "2026-02-21T10:00:00Z", 3),
        training("unregistered", "r-2", ORG, "2026-02-22T10:00:00Z", 4),
        partnership("2026-02-01T10:00:00Z"),
        volunteering("2026-06-01T10:00:00Z"),
        org_comment("2026-02-05T08:00:00Z"),
        council("2026-01-20T10:00:00Z"),
    ]


def project(events) -> MemoryStore:
    store = MemoryStore()
    for item in events:
        projections.apply(item, store)
    return store


def history_of(store: MemoryStore, org: str, full: bool = True) -> dict:
    docs = [d for d in store.find(COOPERATION) if d.get("organization_id") == oid(org)]
    competitions = [d for d in store.find(COOPERATION) if d["form"] == "competition"]
    return cooperation.build_history(oid(org), "Fundacja", docs, competitions, full)


def overview(store: MemoryStore, year: int = 2026) -> dict:
    docs = store.find(COOPERATION)
    return cooperation.build_departments(
        year, [d for d in docs if d["form"] == "competition"],
        [d for d in docs if d["form"] in ("offer", "small_grant")],
        {oid(ORG): "Fundacja Obóz", oid(OTHER): "Fundacja Inna"})


def test_every_form_of_cooperation_is_in_one_history_with_yearly_totals():
    found = history_of(project(city_year()), ORG)
    forms = {e["form"] for e in found["history"]}
    assert forms == set(cooperation.LABELS)
    assert found["departments"] == ["culture", "sport"]
    assert found["scope"] == "full"
    [year_2026] = [y for y in found["years"] if y["year"] == 2026]
    assert year_2026 == {
        "year": 2026, "departments": ["culture", "sport"],
        "offers": 2, "offers_funded": 2, "small_grants": 2, "small_grants_awarded": 1,
        "requested": "56000.00", "awarded": "35000.00", "returned": "500.00",
        "contracts": 2, "reports_on_time": 1, "reports_late": 1,
        "bookings": 1, "booking_hours": 3.0, "patronages": 1, "trainings": 1,
        "partnerships": 1, "volunteering": 1, "consultation_comments": 1, "council_seats": 1}
    [camp] = [e for e in found["history"] if e["form"] == "offer"
              and e["id"] == oid("off-2")]
    assert (camp["department"], camp["status"], camp["awarded_amount"]) == \
        ("sport", "funded", "12000.00")
    [seat] = [e for e in found["history"] if e["form"] == "council"]
    assert "Jan Kowalski" not in str(found)  # nothing personal
    assert seat["title"] == "Rada Działalności Pożytku Publicznego"
    [training] = [e for e in found["history"] if e["form"] == "training"]
    assert training["people_registered"] == 1


@pytest.mark.parametrize("seed", range(5))
def test_any_order_and_redelivery_give_the_same_history(seed):
    events = city_year()
    expected = history_of(project(events), ORG)
    shuffled = events + random.Random(seed).sample(events, len(events) // 2)
    random.Random(seed).shuffle(shuffled)
    store = project(shuffled)
    assert history_of(store, ORG) == expected
    assert overview(store) == overview(project(events))


def test_the_public_sees_the_public_part_only():
    found = history_of(project(city_year()), ORG, full=False)
    assert found["scope"] == "public"
    assert {e["form"] for e in found["history"]} == {
        "offer", "small_grant", "patronage", "partnership", "council"}
    assert all(e["status"] != "submitted" for e in found["history"])
    assert set(found["years"][0]) == set(cooperation.PUBLIC_TOTALS)


def test_the_departments_overview_shows_whom_they_share():
    found = overview(project(city_year()))
    assert found["year"] == 2026
    rows = {r["department"]: r for r in found["departments"]}
    assert set(rows) == {"culture", "sport", None}
    culture, sport = rows["culture"], rows["sport"]
    assert (culture["competitions"], culture["budget"], culture["awarded"]) == \
        (1, "100000.00", "15000.00")
    assert culture["offers"] == 1  # the withdrawn offer is left out
    assert sport["organizations"] == {"applied": 2, "funded": 1}
    [shared] = sport["shared_organizations"]
    assert shared["organization_id"] == oid(ORG) and shared["name"] == "Fundacja Obóz"
    assert [(o["department"], o["funded"], o["awarded"]) for o in shared["also_with"]] == [
        ("culture", 1, "15000.00"), (None, 1, "8000.00")]
    assert rows[None]["small_grants"] == 2 and rows[None]["competitions"] == 0
    assert overview(project(city_year()), 2025)["departments"][0]["competitions"] == 1
