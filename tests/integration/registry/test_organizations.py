"""Organisations: registration, verification and status, uniqueness, search,
what the public may see, pagination, and who may change an organisation."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

import pytest
from registry_helpers import (
    ORGANIZATIONS_PATH,
    assert_error,
    dashed,
    db_state,
    fresh_krs,
    fresh_nip,
    organization_body,
    register,
    register_verified,
    wait_for_count,
)

from registry.service import RegistryService

REGISTERED = "registry.organization.registered"


def org_path(organization_id: str, action: str = "") -> str:
    return f"{ORGANIZATIONS_PATH}/{organization_id}" + (f"/{action}" if action else "")


# --- registration ----------------------------------------------------------------------


def test_registering_an_organisation_answers_201_with_digits_only_and_status_pending(
        registry, token):
    nip = fresh_nip()
    response = registry.post(ORGANIZATIONS_PATH, token("ngo"), json=organization_body(
        nip=" " + dashed(nip) + " ", regon="123-456-785", krs="12 345"))

    assert response.status_code == 201, response.text
    organization = response.json()
    assert organization["id"]
    assert organization["status"] == "pending"
    assert organization["nip"] == nip
    assert organization["regon"] == "123456785"
    assert organization["krs"] == "0000012345"
    assert organization["name"] == "Stowarzyszenie Przyjaciół Łąk"
    stored = registry.db["organizations"].find_one({"_id": organization["id"]})
    assert stored["nip"] == nip and stored["status"] == "pending"


def test_registration_keeps_address_representatives_and_public_benefit_status(
        registry, token, officer):
    organization = register(registry, token("ngo"), address={
        "street": "Piotrkowska 100", "postal_code": "90-001", "city": "Łódź"},
        representatives=[{"name": "Maria Wiśniewska", "function": "Prezes"}],
        public_benefit_status={"granted": True, "since": "2019-05-01"},
        district="Śródmieście", website="https://laki.example.pl")

    read = registry.get(org_path(organization["id"]), officer).json()
    assert read["address"] == {"street": "Piotrkowska 100", "postal_code": "90-001",
                               "city": "Łódź"}
    assert read["representatives"][0]["name"] == "Maria Wiśniewska"
    assert read["public_benefit_status"] == {"granted": True, "since": "2019-05-01"}
    assert read["district"] == "Śródmieście"


def test_registration_publishes_organization_registered_as_a_cloudevent(
        registry, token, events):
    correlation = f"test-{uuid.uuid4()}"
    response = registry.post(ORGANIZATIONS_PATH, token("ngo"), json=organization_body(),
                             headers={"X-Correlation-Id": correlation})
    assert response.status_code == 201, response.text
    assert response.headers["X-Correlation-Id"] == correlation
    organization = response.json()

    (event,) = events.wait_for(REGISTERED)
    assert event["specversion"] == "1.0"
    assert uuid.UUID(event["id"])
    assert event["source"] == "/wspolpraca/registry"
    assert event["type"] == REGISTERED
    assert event["subject"] == organization["id"]
    assert datetime.fromisoformat(event["time"].replace("Z", "+00:00")).tzinfo is not None
    assert event["datacontenttype"] == "application/json"
    assert event["correlationid"] == correlation
    assert isinstance(event["causationid"], str) and event["causationid"]
    assert event["data"]["id"] == organization["id"]
    assert event["data"]["nip"] == organization["nip"]
    assert event["data"]["status"] == "pending"
    assert "representatives" not in event["data"]


def test_without_a_correlation_header_events_still_carry_correlation_and_causation(
        registry, token, events):
    response = registry.post(ORGANIZATIONS_PATH, token("ngo"), json=organization_body())
    assert response.status_code == 201, response.text

    (event,) = events.wait_for(REGISTERED)
    assert event["correlationid"] == response.headers["X-Correlation-Id"]
    assert event["causationid"]


def test_an_officer_verifies_a_pending_organisation(registry, token, officer, events):
    organization = register(registry, token("ngo"))

    response = registry.post(org_path(organization["id"], "verify"), officer)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "verified"
    assert response.json()["verified_at"]
    (event,) = events.wait_for("registry.organization.verified")
    assert event["subject"] == organization["id"]
    assert event["data"]["status"] == "verified"
    (registered,) = events.wait_for(REGISTERED)
    assert registered["id"] != event["id"]


def test_suspend_reinstate_and_archive_each_record_their_reason_and_publish_an_event(
        registry, token, officer, events):
    organization = register_verified(registry, token("ngo"), officer)
    path = org_path(organization["id"])

    suspended = registry.post(f"{path}/suspend", officer, json={"reason": "Brak sprawozdania"})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert suspended.json()["status_reason"] == "Brak sprawozdania"

    reinstated = registry.post(f"{path}/reinstate", officer)
    assert reinstated.status_code == 200, reinstated.text
    assert reinstated.json()["status"] == "verified"

    archived = registry.post(f"{path}/archive", officer, json={"reason": "Likwidacja"})
    assert archived.status_code == 200, archived.text
    assert archived.json()["status"] == "archived"
    assert archived.json()["status_reason"] == "Likwidacja"

    (suspend_event,) = events.wait_for("registry.organization.suspended")
    assert suspend_event["data"]["reason"] == "Brak sprawozdania"
    assert suspend_event["subject"] == organization["id"]
    events.wait_for("registry.organization.reinstated")
    (archive_event,) = events.wait_for("registry.organization.archived")
    assert archive_event["data"]["reason"] == "Likwidacja"


@pytest.mark.parametrize(
    ("steps", "action", "body"),
    [
        ([], "suspend", {"reason": "x"}),
        ([], "reinstate", None),
        (["verify"], "verify", None),
        (["verify"], "reinstate", None),
        (["verify", "suspend"], "suspend", {"reason": "x"}),
        (["verify", "suspend"], "verify", None),
        (["archive"], "verify", None),
        (["archive"], "archive", {"reason": "x"}),
        (["verify", "archive"], "suspend", {"reason": "x"}),
        (["verify", "archive"], "reinstate", None),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, list) else None,
)
def test_a_transition_the_status_does_not_allow_is_409_and_changes_nothing(
        registry, token, officer, events, steps, action, body):
    organization = register(registry, token("ngo"))
    for step in steps:
        payload = {"reason": "powód"} if step in ("suspend", "archive") else None
        response = registry.post(org_path(organization["id"], step), officer, json=payload)
        assert response.status_code == 200, response.text
    before_events = len(wait_for_count(events, 1 + len(steps)))
    before = db_state(registry.db)

    response = registry.post(org_path(organization["id"], action), officer, json=body)

    assert_error(response, 409, "invalid_transition")
    assert db_state(registry.db) == before
    assert len(events.settle()) == before_events


@pytest.mark.parametrize("action", ["suspend", "archive"])
def test_suspending_or_archiving_needs_a_reason(registry, token, officer, action):
    organization = register_verified(registry, token("ngo"), officer)
    before = db_state(registry.db)

    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = registry.post(org_path(organization["id"], action), officer, json=body)
        assert_error(response, 422, fields=("reason",))
    assert db_state(registry.db) == before


def test_status_changes_are_for_officers_only(registry, token, officer):
    organization = register(registry, token("ngo"))
    own = token("ngo", org_id=organization["id"])

    assert_error(registry.post(org_path(organization["id"], "verify"), own), 403, "forbidden")
    assert_error(registry.post(org_path(organization["id"], "verify"),
                               token("department", department="culture_dept")), 403)
    assert registry.db["organizations"].find_one({"_id": organization["id"]})["status"] \
        == "pending"


def test_a_status_change_of_an_unknown_organisation_is_404(registry, officer):
    assert_error(registry.post(org_path("0123456789abcdef01234567", "verify"), officer), 404)


# --- uniqueness ------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", [str, dashed, lambda nip: " ".join(nip)],
                         ids=["same", "dashes", "spaces"])
def test_a_nip_already_registered_is_409_whatever_its_spelling(
        registry, token, events, spelling):
    nip = fresh_nip()
    register(registry, token("ngo"), nip=nip)
    events.wait_for(REGISTERED)
    before = db_state(registry.db)

    response = registry.post(ORGANIZATIONS_PATH, token("ngo"),
                             json=organization_body(nip=spelling(nip), name="Inna Fundacja"))

    assert_error(response, 409, "duplicate_nip", fields=("nip",))
    assert db_state(registry.db) == before
    assert len(events.settle()) == 1


@pytest.mark.parametrize("spelling", ["0000712345", "712345", "0000-712-345", " 712 345 "])
def test_a_krs_already_registered_is_409_whatever_its_spelling(
        registry, token, events, spelling):
    register(registry, token("ngo"), krs="712345")
    events.wait_for(REGISTERED)
    before = db_state(registry.db)

    response = registry.post(ORGANIZATIONS_PATH, token("ngo"),
                             json=organization_body(krs=spelling, name="Inna Fundacja"))

    assert_error(response, 409, "duplicate_krs", fields=("krs",))
    assert db_state(registry.db) == before
    assert len(events.settle()) == 1


def test_many_organisations_without_krs_may_be_registered(registry, token):
    for _ in range(3):
        assert register(registry, token("ngo"), krs=...)["krs"] is None
    assert register(registry, token("ngo"), krs=None)["krs"] is None


def test_changing_krs_to_one_already_registered_is_409(registry, token, officer):
    krs = fresh_krs()
    register(registry, token("ngo"), krs=krs)
    other = register(registry, token("ngo"))
    before = db_state(registry.db)

    response = registry.patch(org_path(other["id"]), officer, json={"krs": krs})

    assert_error(response, 409, "duplicate_krs", fields=("krs",))
    assert db_state(registry.db) == before


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_registrations_with_the_same_nip_give_one_201_and_one_409(
        registry, token, events, round_):
    nip = fresh_nip()
    start = threading.Barrier(2)
    answers: list = []

    def attempt(spelling: str) -> None:
        start.wait()
        answers.append(registry.request(
            "POST", ORGANIZATIONS_PATH, token("ngo"),
            json=organization_body(nip=spelling)))

    threads = [threading.Thread(target=attempt, args=(s,)) for s in (nip, dashed(nip))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    conflict = next(r for r in answers if r.status_code == 409)
    assert_error(conflict, 409, "duplicate_nip")
    assert registry.db["organizations"].count_documents({"nip": nip}) == 1
    events.wait_for(REGISTERED)
    assert len(events.settle()) == 1


# --- search ----------------------------------------------------------------------------


@pytest.fixture
def city(registry, token, officer):
    """Verified organisations of a small city, and one still pending."""
    made = {}
    for key, name, areas, district in [
        ("laki", "Fundacja Zielone Łąki", ["ecology"], "Śródmieście"),
        ("przyjaciele", "Towarzystwo Przyjaciół Dzieci", ["children_and_youth", "education"],
         "Bałuty"),
        ("sport", "Klub Sportowy Orzeł", ["sport"], "Bałuty"),
        ("nawias", "Fundacja (Nowa) Kultura.* 100%", ["culture"], "Widzew"),
    ]:
        made[key] = register_verified(registry, token("ngo"), officer, name=name, areas=areas,
                                      district=district)
    made["pending"] = register(registry, token("ngo"), name="Stowarzyszenie Łąki Pending",
                               areas=["ecology"], district="Śródmieście")
    return made


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("laki", ["Fundacja Zielone Łąki"]),
        ("ŁĄKI", ["Fundacja Zielone Łąki"]),
        ("zielone łąki", ["Fundacja Zielone Łąki"]),
        ("PRZYJACIOL", ["Towarzystwo Przyjaciół Dzieci"]),
        ("przyjaciół dzieci", ["Towarzystwo Przyjaciół Dzieci"]),
        ("orzel", ["Klub Sportowy Orzeł"]),
        ("fundacja", ["Fundacja (Nowa) Kultura.* 100%", "Fundacja Zielone Łąki"]),
        ("nieistniejąca", []),
    ],
)
def test_search_by_name_ignores_case_and_polish_diacritics(registry, officer, city, q,
                                                           expected):
    response = registry.get(ORGANIZATIONS_PATH, officer, params={"q": q, "status": "verified"})
    assert names(response) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        (".*", []),
        (".", []),
        ("(", ["Fundacja (Nowa) Kultura.* 100%"]),
        (")", []),
        ("[a-z]+", []),
        ("^", []),
        ("\\", []),
        ("a|b", []),
        ("(nowa", ["Fundacja (Nowa) Kultura.* 100%"]),
        ("kultura.*", ["Fundacja (Nowa) Kultura.* 100%"]),
        ("100%", ["Fundacja (Nowa) Kultura.* 100%"]),
    ],
)
def test_regex_metacharacters_in_q_are_taken_literally(registry, city, q, expected):
    response = registry.get(ORGANIZATIONS_PATH, params={"q": q})
    assert names(response) == expected


def test_organisations_stored_before_word_prefixes_are_found_after_a_restart(
        start_service, registry, token, officer):
    older = register_verified(registry, token("ngo"), officer, name="Fundacja Dawna Przystań")
    registry.db["organizations"].update_one({"_id": older["id"]},
                                            {"$unset": {"name_prefixes": ""}})
    registry.stop()

    restarted = start_service(RegistryService, mongo_database=registry.settings.mongo_database)

    stored = restarted.db["organizations"].find_one({"_id": older["id"]})
    assert "przyst" in stored["name_prefixes"]
    assert names(restarted.get(ORGANIZATIONS_PATH, params={"q": "przystan"})) == [
        "Fundacja Dawna Przystań"]


def test_search_by_area_status_and_district(registry, officer, city):
    assert names(registry.get(ORGANIZATIONS_PATH, officer, params={"area": "education"})) \
        == ["Towarzystwo Przyjaciół Dzieci"]
    assert names(registry.get(ORGANIZATIONS_PATH, officer, params={"area": "ecology"})) \
        == ["Fundacja Zielone Łąki", "Stowarzyszenie Łąki Pending"]
    assert names(registry.get(ORGANIZATIONS_PATH, officer, params={"status": "pending"})) \
        == ["Stowarzyszenie Łąki Pending"]
    assert names(registry.get(ORGANIZATIONS_PATH, officer, params={"district": "baluty"})) \
        == ["Klub Sportowy Orzeł", "Towarzystwo Przyjaciół Dzieci"]
    assert names(registry.get(ORGANIZATIONS_PATH, officer,
                              params={"district": "Bałuty", "area": "sport"})) \
        == ["Klub Sportowy Orzeł"]
    assert names(registry.get(ORGANIZATIONS_PATH, officer,
                              params={"q": "laki", "status": "pending"})) \
        == ["Stowarzyszenie Łąki Pending"]


def test_the_public_sees_only_verified_organisations_and_no_representatives(
        registry, token, officer):
    person = {"name": "Maria Wiśniewska", "function": "Prezes", "email": "maria@example.pl",
              "phone": "+48 600 100 200"}
    verified = register_verified(registry, token("ngo"), officer, name="Fundacja Jawna",
                                 representatives=[person], phone="+48 42 000 00 00")
    pending = register(registry, token("ngo"), name="Fundacja Oczekująca",
                       representatives=[person])

    for params in ({"status": "pending"}, {"status": "archived"}):
        # a filter the public cannot use is refused, never answered with the verified ones
        assert_error(registry.get(ORGANIZATIONS_PATH, params=params), 403, "forbidden")
    for params in ({}, {"status": "verified"}, {"q": "fundacja"}):
        listed = registry.get(ORGANIZATIONS_PATH, params=params)
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert [i["id"] for i in items] == [verified["id"]], params
        for item in items:
            assert item["status"] == "verified"
            assert "representatives" not in item
            assert "phone" not in item

    one = registry.get(org_path(verified["id"]))
    assert one.status_code == 200, one.text
    assert "representatives" not in one.json()
    assert "Maria" not in one.text
    assert_error(registry.get(org_path(pending["id"])), 404)


def test_an_ngo_token_lists_only_verified_organisations_too(registry, token, officer):
    pending = register(registry, token("ngo"))
    verified = register_verified(registry, token("ngo"), officer)
    ngo = token("ngo", org_id=pending["id"])
    assert_error(registry.get(ORGANIZATIONS_PATH, ngo, params={"status": "pending"}), 403)
    listed = registry.get(ORGANIZATIONS_PATH, ngo)
    assert [i["id"] for i in listed.json()["items"]] == [verified["id"]]


def test_the_representative_and_officers_see_a_pending_organisation_in_full(
        registry, token, officer):
    person = {"name": "Maria Wiśniewska", "function": "Prezes"}
    pending = register(registry, token("ngo"), representatives=[person])

    for reader in (officer, token("ngo", org_id=pending["id"])):
        response = registry.get(org_path(pending["id"]), reader)
        assert response.status_code == 200, response.text
        assert response.json()["representatives"][0]["name"] == "Maria Wiśniewska"
    assert_error(registry.get(org_path(pending["id"]), token("ngo", org_id="x" * 24)), 404)


def test_paging_with_limit_and_cursor_returns_every_item_exactly_once(
        registry, token, officer):
    created = [register(registry, token("ngo"), name=f"Fundacja Numer {i}")["id"]
               for i in range(7)]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = registry.get(ORGANIZATIONS_PATH, officer, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        assert len(page["items"]) <= 3
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert pages == 3
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))


def test_a_page_that_ends_exactly_at_the_last_item_has_no_next_cursor(
        registry, token, officer):
    for i in range(4):
        register(registry, token("ngo"), name=f"Fundacja Numer {i}")
    first = registry.get(ORGANIZATIONS_PATH, officer, params={"limit": 2}).json()
    second = registry.get(ORGANIZATIONS_PATH, officer,
                          params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    empty = registry.get(ORGANIZATIONS_PATH, officer, params={"status": "archived"}).json()
    assert empty == {"items": [], "next_cursor": None}


# --- changing an organisation ------------------------------------------------------------


def test_a_representative_changes_its_own_organisation_and_updated_lists_changed_fields(
        registry, token, events):
    organization = register(registry, token("ngo"))
    own = token("ngo", org_id=organization["id"])

    response = registry.patch(org_path(organization["id"]), own, json={
        "name": "Stowarzyszenie Przyjaciół Łąk i Pól", "areas": ["ecology", "education"],
        "email": "biuro@laki.example.pl"})

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["name"] == "Stowarzyszenie Przyjaciół Łąk i Pól"
    assert changed["areas"] == ["ecology", "education"]
    assert changed["version"] == organization["version"] + 1
    (event,) = events.wait_for("registry.organization.updated")
    assert event["subject"] == organization["id"]
    assert event["data"]["changed_fields"] == ["areas", "name"]
    assert event["data"]["name"] == "Stowarzyszenie Przyjaciół Łąk i Pól"
    found = registry.get(ORGANIZATIONS_PATH, token("officer"), params={"q": "pol"}).json()
    assert [i["id"] for i in found["items"]] == [organization["id"]]


def test_a_representative_may_not_change_another_organisation(registry, token, events):
    mine = register(registry, token("ngo"))
    theirs = register(registry, token("ngo"), name="Cudza Fundacja")
    events.wait_for(REGISTERED, count=2)
    before = db_state(registry.db)

    for who in (token("ngo", org_id=mine["id"]), token("ngo")):
        response = registry.patch(org_path(theirs["id"]), who, json={"name": "Przejęta"})
        assert_error(response, 403, "forbidden")

    assert db_state(registry.db) == before
    assert len(events.settle()) == 2


def test_an_officer_may_change_any_organisation(registry, token, officer, events):
    organization = register_verified(registry, token("ngo"), officer)

    response = registry.patch(org_path(organization["id"]), officer,
                              json={"district": "Widzew", "krs": "0000123456"})

    assert response.status_code == 200, response.text
    assert response.json()["district"] == "Widzew"
    assert response.json()["status"] == "verified"
    (event,) = events.wait_for("registry.organization.updated")
    assert event["data"]["changed_fields"] == ["district", "krs"]


def test_an_update_that_changes_nothing_publishes_nothing(registry, token, officer, events):
    organization = register(registry, token("ngo"))
    events.wait_for(REGISTERED)

    response = registry.patch(org_path(organization["id"]), officer,
                              json={"name": organization["name"]})

    assert response.status_code == 200, response.text
    assert response.json()["version"] == organization["version"]
    assert [e["type"] for e in events.settle()] == [REGISTERED]


def test_changing_an_unknown_organisation_is_404(registry, officer):
    assert_error(registry.patch(org_path("0123456789abcdef01234567"), officer,
                                json={"name": "Nowa nazwa"}), 404)



# --- what sends a verified organisation back to verification (issue 15, item 6) --------------


def test_a_verified_organisation_renamed_by_itself_goes_back_to_verification(
        registry, token, officer, events):
    organization = register_verified(registry, token("ngo"), officer)
    own = token("ngo", org_id=organization["id"])
    events.wait_for("registry.organization.verified")

    response = registry.patch(org_path(organization["id"]), own,
                              json={"name": "=HYPERLINK(\"http://evil.example\")",
                                    "phone": "+48 600 000 000"})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending"
    (updated,) = events.wait_for("registry.organization.updated")
    (returned,) = events.wait_for("registry.organization.returned_to_verification")
    assert updated["data"]["status"] == returned["data"]["status"] == "pending"
    assert "nazwa" in returned["data"]["reason"]
    assert returned["data"]["changed_by"] and returned["data"]["version"] == \
        updated["data"]["version"]
    # no longer among the verified the public sees, until an officer verifies it again
    public = registry.get(ORGANIZATIONS_PATH, params={"q": "hyperlink"}).json()["items"]
    assert public == []
    again = registry.post(f"{org_path(organization['id'])}/verify", officer)
    assert again.status_code == 200 and again.json()["status"] == "verified"


@pytest.mark.parametrize("change,back", [
    ({"krs": "0000999999"}, True),
    ({"areas": ["culture", "sport", "ecology"]}, True),  # a new area: competitions in it
    ({"legal_form": "foundation"}, True),
    ({"areas": ["culture"]}, False),                     # dropping an area narrows it
    ({"email": "nowy@fundacja.example.pl", "district": "Bałuty"}, False),  # contact data
])
def test_what_a_representative_changes_decides_whether_it_is_verified_again(
        registry, token, officer, change, back):
    organization = register_verified(registry, token("ngo"), officer,
                                     areas=["culture", "sport"])
    own = token("ngo", org_id=organization["id"])
    response = registry.patch(org_path(organization["id"]), own, json=change)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == ("pending" if back else "verified")
