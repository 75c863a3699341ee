"""Issue #18: an organisation's profile answers GET with its version as ETag; a PATCH with a
stale If-Match answers 412 `stale` and changes nothing; without If-Match as before."""

from __future__ import annotations

from registry_helpers import db_state, register_verified

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
