"""A list filter the caller's token cannot use is refused (403, saying why), never silently
replaced by what the token may see."""

from __future__ import annotations

from cooperation_helpers import PATRONAGES_PATH, Ngo
from registry_helpers import (
    DEPARTMENTS_PATH,
    INQUIRIES_PATH,
    ORGANIZATIONS_PATH,
    assert_error,
    create_department,
    department_body,
    file_inquiry,
    register,
)


def test_a_department_asking_for_another_departments_inquiries_is_refused(
        registry, officer, token):
    create_department(registry, officer, "sport", areas=["sport"], name="Wydział Sportu")
    create_department(registry, officer, "culture", areas=["culture"])
    ours = file_inquiry(registry, area="sport")
    file_inquiry(registry, area="culture")
    sport = token("department", department="sport")

    error = assert_error(registry.get(f"{INQUIRIES_PATH}?department=culture", sport), 403,
                         "forbidden")
    assert "sport" in error["message"]
    for query in ("", "?department=sport"):
        listed = registry.get(f"{INQUIRIES_PATH}{query}", sport)
        assert listed.status_code == 200, listed.text
        assert [i["id"] for i in listed.json()["items"]] == [ours["id"]]
    # the office may ask for any department's
    listed = registry.get(f"{INQUIRIES_PATH}?department=culture", officer).json()["items"]
    assert [i["department"] for i in listed] == ["culture"]


def test_the_public_asking_for_unverified_organisations_is_refused(registry, officer, token):
    pending = register(registry, token("ngo"))
    for caller in (None, token("ngo", org_id=pending["id"]), token("department",
                                                                   department="sport")):
        assert_error(registry.get(f"{ORGANIZATIONS_PATH}?status=pending", caller), 403,
                     "forbidden")
        listed = registry.get(f"{ORGANIZATIONS_PATH}?status=verified", caller)
        assert listed.status_code == 200 and listed.json()["items"] == []
    listed = registry.get(f"{ORGANIZATIONS_PATH}?status=pending", officer).json()["items"]
    assert [o["id"] for o in listed] == [pending["id"]]


def test_asking_for_others_patronage_requests_is_refused(registry, token, officer):
    ngo = Ngo(registry, token, officer)
    other = Ngo(registry, token, officer, name="Stowarzyszenie Inne")
    for caller, query in ((None, "?status=requested"),
                          (other.token, f"?status=requested&organization_id={ngo.id}")):
        assert_error(registry.get(f"{PATRONAGES_PATH}{query}", caller), 403, "forbidden")
    own = registry.get(f"{PATRONAGES_PATH}?status=requested&organization_id={ngo.id}",
                       ngo.token)
    assert own.status_code == 200 and own.json()["items"] == []
    assert registry.get(f"{PATRONAGES_PATH}?status=granted").status_code == 200


def test_the_liaison_offices_code_is_not_a_departments(registry, officer):
    """Competitions the office runs itself say `liaison_office`: no department may take it."""
    response = registry.post(DEPARTMENTS_PATH, officer, json=department_body("liaison_office"))
    assert_error(response, 422, "validation_failed", ("code",))


def test_an_organisation_is_found_by_its_nip_as_typed(registry, officer, token):
    pending = register(registry, token("ngo"))
    digits = pending["nip"]
    typed = f"{digits[:3]}-{digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    # the public and NGOs: verified ones only, so nothing until the office verifies it
    assert registry.get(f"{ORGANIZATIONS_PATH}?nip={typed}").json()["items"] == []
    found = registry.get(f"{ORGANIZATIONS_PATH}?nip={typed}&status=pending", officer).json()
    assert [o["id"] for o in found["items"]] == [pending["id"]]
    verified = registry.post(f"{ORGANIZATIONS_PATH}/{pending['id']}/verify", officer)
    assert verified.status_code == 200, verified.text
    found = registry.get(f"{ORGANIZATIONS_PATH}?nip={digits}").json()["items"]
    assert [o["id"] for o in found] == [pending["id"]]
    # not a NIP: the field named, nothing listed
    error = assert_error(registry.get(f"{ORGANIZATIONS_PATH}?nip=123"), 422, "invalid_nip")
    assert "nip" in error["fields"]
