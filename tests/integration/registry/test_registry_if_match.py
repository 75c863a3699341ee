"""Issue #18: an organisation's profile, a resource and a department answer GET with their
version as ETag; a PATCH with a stale If-Match answers 412 `stale` and changes nothing; without
If-Match as before."""

from __future__ import annotations

from typing import Any

from cooperation_helpers import create_resource, setup_department
from registry_helpers import create_department, db_state, register_verified

ORGANIZATIONS = "/api/v1/organizations"


def saved_then_stale(registry, url: str, tag: str, first: tuple[str, dict[str, Any]],
                     second: tuple[str, dict[str, Any]]) -> Any:
    """Two people edit the record read at `tag`: the first change is saved (a new ETag), the
    second, from the same version, is 412 `stale` with the current ETag and changes nothing.
    The first's answer."""
    saved = registry.patch(url, first[0], json=first[1], headers={"If-Match": tag})
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == f'"{saved.json()["version"]}"' != tag
    before = db_state(registry.db)
    stale = registry.patch(url, second[0], json=second[1], headers={"If-Match": tag})
    assert stale.status_code == 412, stale.text
    assert (stale.json()["error"]["code"], stale.json()["error"]["fields"]) == ("stale", {})
    assert stale.headers["ETag"] == saved.headers["ETag"]
    assert db_state(registry.db) == before
    return saved


def test_an_organisation_edited_from_a_stale_version_is_412_and_changes_nothing(
        registry, token, officer):
    organization = register_verified(registry, token("ngo"), officer)
    url = f"{ORGANIZATIONS}/{organization['id']}"
    own = token("ngo", org_id=organization["id"])
    tag = registry.get(url, own).headers["ETag"]

    saved_then_stale(registry, url, tag, (own, {"email": "biuro@pierwsza.example.pl"}),
                     (officer, {"email": "biuro@druga.example.pl"}))

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

    saved_then_stale(registry, url, tag, (officer, {"capacity": 60}),
                     (manager, {"capacity": 25}))
    assert registry.get(url).json()["capacity"] == 60


def test_a_department_edited_from_a_stale_version_is_412_and_changes_nothing(
        registry, officer):
    create_department(registry, officer, "sport_dept", areas=["sport"])
    url = "/api/v1/departments/sport_dept"
    tag = registry.get(url).headers["ETag"]
    assert tag == '"0"'

    saved = saved_then_stale(registry, url, tag, (officer, {"areas": ["sport", "tourism"]}),
                             (officer, {"contact_person": "Jan Nowak"}))

    again = registry.patch(url, officer, json={"contact_person": "Jan Nowak"},
                           headers={"If-Match": saved.headers["ETag"]})
    assert again.status_code == 200, again.text
    assert (again.json()["areas"], again.json()["version"]) == (["sport", "tourism"], 2)
