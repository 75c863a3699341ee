"""Issue #18: an organisation's profile, a resource and a department answer GET with their
version as ETag; a PATCH with a stale If-Match answers 412 `stale` and changes nothing; without
If-Match as before."""

from __future__ import annotations

from cooperation_helpers import create_resource, setup_department
from registry_helpers import create_department, db_state, register_verified

ORGANIZATIONS = "/api/v1/organizations"


def test_an_organisation_edited_from_a_stale_version_is_412_and_changes_nothing(
        registry, token, officer):
    organization = register_verified(registry, token("ngo"), officer)
    url = f"{ORGANIZATIONS}/{organization['id']}"
    own = token("ngo", org_id=organization["id"])
    tag = registry.get(url, own).headers["ETag"]

    first = registry.patch(url, own, json={"email": "biuro@pierwsza.example.pl"},
                           headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == f'"{first.json()["version"]}"' != tag

    before = db_state(registry.db)
    second = registry.patch(url, officer, json={"email": "biuro@druga.example.pl"},
                            headers={"If-Match": tag})
    assert second.status_code == 412, second.text
    assert second.json()["error"]["code"] == "stale"
    assert second.json()["error"]["fields"] == {}
    assert second.headers["ETag"] == first.headers["ETag"]
    assert db_state(registry.db) == before

    third = registry.patch(url, officer, json={"email": "biuro@druga.example.pl"})
    assert third.status_code == 200, third.text


def test_a_resource_edited_from_a_stale_version_is_412_and_changes_nothing(
        registry, token, officer):
    department = setup_department(registry, officer, "culture_dept")
    manager = token("department", department=department)
    room = create_resource(registry, manager, department)
    url = f"/api/v1/resources/{room['id']}"
    tag = registry.get(url).headers["ETag"]
    assert tag == '"0"'

    first = registry.patch(url, officer, json={"capacity": 60}, headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    before = db_state(registry.db)
    second = registry.patch(url, manager, json={"capacity": 25}, headers={"If-Match": tag})
    assert second.status_code == 412, second.text
    assert second.json()["error"]["code"] == "stale"
    assert second.headers["ETag"] == '"1"'
    assert db_state(registry.db) == before
    assert registry.get(url).json()["capacity"] == 60


def test_a_department_edited_from_a_stale_version_is_412_and_changes_nothing(
        registry, officer):
    create_department(registry, officer, "sport_dept", areas=["sport"])
    url = "/api/v1/departments/sport_dept"
    tag = registry.get(url).headers["ETag"]
    assert tag == '"0"' and registry.get(url).json()["version"] == 0

    first = registry.patch(url, officer, json={"areas": ["sport", "tourism"]},
                           headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"1"'
    before = db_state(registry.db)
    second = registry.patch(url, officer, json={"contact_person": "Jan Nowak"},
                            headers={"If-Match": tag})
    assert second.status_code == 412, second.text
    assert second.json()["error"]["code"] == "stale"
    assert second.headers["ETag"] == '"1"'
    assert db_state(registry.db) == before

    third = registry.patch(url, officer, json={"contact_person": "Jan Nowak"},
                           headers={"If-Match": '"1"'})
    assert third.status_code == 200, third.text
    assert registry.get(url).json()["areas"] == ["sport", "tourism"]
