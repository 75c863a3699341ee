"""One organisation's cooperation with the city and the departments' overview
(reporting/cooperation.py), from a city year of events in any order and delivered twice."""

from __future__ import annotations

import random

import pytest
from cooperation_events import ORG, OTHER, city_year, training_cancelled
from reporting_factory import oid

from reporting import cooperation, projections
from reporting.projections import COOPERATION, MemoryStore


def project(events) -> MemoryStore:
    store = MemoryStore()
    for item in events:
        projections.apply(item, store)
    return store


def history_of(store: MemoryStore, org: str, full: bool = True) -> dict:
    docs = [d for d in store.find(COOPERATION) if d.get("organization_id") == oid(org)]
    competitions = [d for d in store.find(COOPERATION) if d["form"] == "competition"]
    cancelled = [d for d in store.find(COOPERATION) if d["form"] == "training_cancelled"]
    return cooperation.build_history(oid(org), "Fundacja", docs, competitions, full,
                                     cancelled)


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
        "trainings_attended": 1, "partnerships": 1, "volunteering": 1,
        "consultation_comments": 1, "council_seats": 1}
    [camp] = [e for e in found["history"] if e["form"] == "offer"
              and e["id"] == oid("off-2")]
    assert (camp["department"], camp["status"], camp["awarded_amount"]) == \
        ("sport", "funded", "12000.00")
    [seat] = [e for e in found["history"] if e["form"] == "council"]
    assert "Jan Kowalski" not in str(found)  # nothing personal
    assert seat["title"] == "Rada Działalności Pożytku Publicznego"
    [training] = [e for e in found["history"] if e["form"] == "training"]
    assert (training["people_registered"], training["people_attended"]) == (1, 1)


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


@pytest.mark.parametrize("seed", range(3))
def test_a_cancelled_training_stays_in_the_history_and_counts_in_no_year(seed):
    events = [*city_year(), training_cancelled("2026-02-25T10:00:00Z")]
    random.Random(seed).shuffle(events)  # the cancellation before or after the registrations
    found = history_of(project(events), ORG)
    [entry] = [e for e in found["history"] if e["form"] == "training"]
    assert (entry["status"], entry["people_registered"]) == ("cancelled", 1)
    [year_2026] = [y for y in found["years"] if y["year"] == 2026]
    assert year_2026["trainings"] == 0  # 1 without the cancellation (the test above)
