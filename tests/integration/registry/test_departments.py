"""City departments: officers create them and say which areas each handles; inquiries
follow those areas."""

from __future__ import annotations

import pytest
from registry_helpers import (
    DEPARTMENTS_PATH,
    assert_error,
    create_department,
    db_state,
    department_body,
    file_inquiry,
    wait_for_count,
)

CREATED = "registry.department.created"
UPDATED = "registry.department.updated"


def test_an_officer_creates_a_department_and_department_created_goes_out(
        registry, officer, events):
    response = registry.post(DEPARTMENTS_PATH, officer, json=department_body(
        "culture_dept", areas=["culture", "national_tradition"]))

    assert response.status_code == 201, response.text
    department = response.json()
    assert department["code"] == "culture_dept"
    assert department["areas"] == ["culture", "national_tradition"]
    assert department["name"] == "Wydział Kultury"
    (event,) = events.wait_for(CREATED)
    assert event["subject"] == "culture_dept"
    assert event["source"] == "/wspolpraca/registry"
    assert event["data"] == {"code": "culture_dept", "name": "Wydział Kultury",
                             "areas": ["culture", "national_tradition"],
                             "contact_person": "Anna Nowak",
                             "email": "kultura@um.example.pl"}
    fetched = registry.get(f"{DEPARTMENTS_PATH}/culture_dept")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["areas"] == ["culture", "national_tradition"]


def test_a_department_may_start_without_areas(registry, officer):
    assert create_department(registry, officer, "legal_dept", areas=[])["areas"] == []


def test_a_duplicate_department_code_is_409_and_changes_nothing(registry, officer, events):
    create_department(registry, officer, "culture_dept")
    events.wait_for(CREATED)
    before = db_state(registry.db)

    response = registry.post(DEPARTMENTS_PATH, officer,
                             json=department_body("culture_dept", name="Inny Wydział"))

    assert_error(response, 409, "duplicate_code", fields=("code",))
    assert db_state(registry.db) == before
    assert len(events.settle()) == 1


def test_updating_areas_publishes_department_updated_with_changed_fields(
        registry, officer, events):
    create_department(registry, officer, "culture_dept", areas=["culture"])

    response = registry.patch(f"{DEPARTMENTS_PATH}/culture_dept", officer,
                              json={"areas": ["culture", "tourism"]})

    assert response.status_code == 200, response.text
    assert response.json()["areas"] == ["culture", "tourism"]
    assert response.json()["name"] == "Wydział Kultury"
    (event,) = events.wait_for(UPDATED)
    assert event["subject"] == "culture_dept"
    assert event["data"]["areas"] == ["culture", "tourism"]
    assert event["data"]["changed_fields"] == ["areas"]
    stored = registry.db["departments"].find_one({"_id": "culture_dept"})
    assert stored["areas"] == ["culture", "tourism"]


def test_inquiries_follow_a_departments_new_areas(registry, officer):
    create_department(registry, officer, "culture_dept", areas=["culture"])
    assert file_inquiry(registry, area="tourism")["status"] == "received"

    response = registry.patch(f"{DEPARTMENTS_PATH}/culture_dept", officer,
                              json={"areas": ["culture", "tourism"]})
    assert response.status_code == 200, response.text

    routed = file_inquiry(registry, area="tourism")
    assert routed["status"] == "routed"
    assert routed["department"] == "culture_dept"


def test_updating_an_unknown_department_is_404(registry, officer, events):
    before = db_state(registry.db)
    response = registry.patch(f"{DEPARTMENTS_PATH}/no_such_dept", officer,
                              json={"areas": ["culture"]})
    assert_error(response, 404, "not_found")
    assert db_state(registry.db) == before
    assert events.settle() == []


@pytest.mark.parametrize("role, claims", [
    ("ngo", {"org_id": "0123456789abcdef01234567"}),
    ("department", {"department": "culture_dept"}),
    ("committee", {}),
])
def test_only_officers_create_or_change_departments(registry, officer, token, events,
                                                     role, claims):
    create_department(registry, officer, "culture_dept")
    wait_for_count(events, 1)
    before = db_state(registry.db)
    who = token(role, **claims)

    assert_error(registry.post(DEPARTMENTS_PATH, who, json=department_body("sport_dept")),
                 403, "forbidden")
    assert_error(registry.patch(f"{DEPARTMENTS_PATH}/culture_dept", who,
                                json={"areas": ["sport"]}), 403, "forbidden")
    assert_error(registry.post(DEPARTMENTS_PATH, json=department_body("sport_dept")), 401)

    assert db_state(registry.db) == before
    assert len(events.settle()) == 1


def test_an_admin_may_do_what_an_officer_may(registry, token):
    assert create_department(registry, token("admin"), "sport_dept", areas=["sport"])


def test_departments_are_listed_and_filtered_by_area(registry, officer):
    create_department(registry, officer, "culture_dept", areas=["culture"])
    create_department(registry, officer, "sport_dept", areas=["sport", "health"])
    create_department(registry, officer, "health_dept", areas=["health"])

    everyone = registry.get(DEPARTMENTS_PATH)
    assert everyone.status_code == 200, everyone.text
    assert sorted(d["code"] for d in everyone.json()["items"]) == [
        "culture_dept", "health_dept", "sport_dept"]
    health = registry.get(DEPARTMENTS_PATH, params={"area": "health"}).json()
    assert sorted(d["code"] for d in health["items"]) == ["health_dept", "sport_dept"]
    assert health["next_cursor"] is None


def test_the_areas_dictionary_is_published_with_its_version(registry):
    response = registry.get("/api/v1/areas")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"]
    codes = {area["code"] for area in body["items"]}
    assert {"culture", "ecology", "sport", "social_assistance"} <= codes
    assert all(area["name"] for area in body["items"])


def test_paging_through_departments_returns_every_one_exactly_once(registry, officer):
    codes = [f"dept_{letter}" for letter in "edcba"]
    for code in codes:
        create_department(registry, officer, code, areas=[])

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = registry.get(DEPARTMENTS_PATH, params=params)
        assert response.status_code == 200, response.text
        seen.extend(d["code"] for d in response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert sorted(seen) == sorted(codes)
    assert len(seen) == len(set(seen))


def test_changed_fields_name_only_what_changed(registry, officer, events):
    create_department(registry, officer, "culture_dept", areas=["culture"])

    response = registry.patch(f"{DEPARTMENTS_PATH}/culture_dept", officer,
                              json={"areas": ["culture"], "name": "Wydział Kultury i Sztuki"})

    assert response.status_code == 200, response.text
    (event,) = events.wait_for(UPDATED)
    assert event["data"]["changed_fields"] == ["name"]


def test_an_update_that_changes_nothing_publishes_nothing(registry, officer, events):
    create_department(registry, officer, "culture_dept", areas=["culture"])
    events.wait_for(CREATED)
    before = db_state(registry.db)

    for body in ({}, {"areas": ["culture"]}, {"name": "Wydział Kultury"}):
        response = registry.patch(f"{DEPARTMENTS_PATH}/culture_dept", officer, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["areas"] == ["culture"]

    assert db_state(registry.db) == before
    assert [e["type"] for e in events.settle()] == [CREATED]
