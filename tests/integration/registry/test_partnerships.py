"""Partnerships between the city and organisations or among organisations, and
volunteering needs the public browses by area and district."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from cooperation_helpers import PARTNERSHIPS_PATH, VOLUNTEERING_PATH, Ngo
from registry_helpers import assert_error

SIGNED = "registry.partnership.signed"
POSTED = "registry.volunteering.posted"
TODAY = date.today()


@pytest.fixture
def ngo(registry, token, officer, events):
    return Ngo(registry, token, officer, name="Fundacja Dobrej Woli", areas=["volunteering"])


@pytest.fixture
def partner(registry, token, officer):
    return Ngo(registry, token, officer, name="Stowarzyszenie Sąsiedzkie")


def partnership_body(*parties, **overrides):
    body = {
        "kind": "agreement",
        "title": "Porozumienie o współpracy na rzecz seniorów",
        "goal": "Wspólne prowadzenie klubu seniora na Bałutach.",
        "parties": list(parties),
        "areas": ["seniors"],
        "starts_on": TODAY.isoformat(),
        "ends_on": (TODAY + timedelta(days=365)).isoformat(),
    }
    body.update(overrides)
    return body


def org(ngo: Ngo) -> dict:
    return {"kind": "organization", "organization_id": ngo.id}


CITY = {"kind": "city"}


def test_the_officer_records_a_partnership_of_the_city_and_an_organisation(
        registry, ngo, officer, events):
    response = registry.post(PARTNERSHIPS_PATH, officer, json=partnership_body(CITY, org(ngo)))

    assert response.status_code == 201, response.text
    partnership = response.json()
    assert [p["name"] for p in partnership["parties"]] == ["Miasto", "Fundacja Dobrej Woli"]
    (event,) = events.wait_for(SIGNED)
    assert event["data"]["parties"][1]["organization_id"] == ngo.id
    listed = registry.get(PARTNERSHIPS_PATH, params={"organization_id": ngo.id}).json()
    assert [p["id"] for p in listed["items"]] == [partnership["id"]]
    assert registry.get(PARTNERSHIPS_PATH, params={"area": "culture"}).json()["items"] == []
    assert registry.get(f"{PARTNERSHIPS_PATH}/{partnership['id']}").json()["goal"]


def test_organisations_record_their_own_joint_project(registry, ngo, partner, token, officer):
    body = partnership_body(org(ngo), org(partner), kind="joint_project", ends_on=None)
    response = registry.post(PARTNERSHIPS_PATH, partner.token, json=body)
    assert response.status_code == 201, response.text

    stranger = Ngo(registry, token, officer)
    assert_error(registry.post(PARTNERSHIPS_PATH, stranger.token, json=body), 403)
    unverified = Ngo(registry, token, officer, verified=False)
    assert_error(registry.post(PARTNERSHIPS_PATH, ngo.token,
                               json=partnership_body(org(ngo), org(unverified))),
                 409, "organization_not_verified")
    assert_error(registry.post(PARTNERSHIPS_PATH, ngo.token,
                               json=partnership_body(org(ngo))), 422, "too_few_parties")
    assert_error(registry.post(PARTNERSHIPS_PATH, ngo.token,
                               json=partnership_body(org(ngo), org(ngo))), 422,
                 "duplicate_party")
    assert_error(registry.post(PARTNERSHIPS_PATH, officer, json=partnership_body(
        CITY, org(ngo), ends_on=(TODAY - timedelta(days=1)).isoformat())), 422,
        "invalid_period")
    assert registry.db["partnerships"].count_documents({}) == 1


def volunteering_body(organization_id: str, **overrides):
    body = {
        "organization_id": organization_id,
        "title": "Wolontariusze do wydawania posiłków",
        "description": "Pomoc w jadłodajni w soboty rano.",
        "areas": ["social_assistance", "volunteering"],
        "district": "Bałuty",
        "volunteers_needed": 6,
        "starts_on": TODAY.isoformat(),
        "contact_email": "wolontariat@dobrawola.example.pl",
    }
    body.update(overrides)
    return body


def test_an_organisation_posts_a_volunteering_need_the_public_can_browse(
        registry, ngo, events, token, officer):
    response = registry.post(VOLUNTEERING_PATH, ngo.token, json=volunteering_body(ngo.id))

    assert response.status_code == 201, response.text
    need = response.json()
    assert need["organization_name"] == "Fundacja Dobrej Woli"
    (event,) = events.wait_for(POSTED)
    assert event["data"]["district"] == "Bałuty"
    found = registry.get(VOLUNTEERING_PATH, params={"area": "volunteering",
                                                    "district": "baluty"}).json()["items"]
    assert [n["id"] for n in found] == [need["id"]]
    assert registry.get(VOLUNTEERING_PATH, params={"district": "Widzew"}).json()["items"] == []
    assert registry.get(VOLUNTEERING_PATH, params={"area": "sport"}).json()["items"] == []
    assert registry.get(f"{VOLUNTEERING_PATH}/{need['id']}").json()["volunteers_needed"] == 6

    unverified = Ngo(registry, token, officer, verified=False)
    assert_error(registry.post(VOLUNTEERING_PATH, unverified.token,
                               json=volunteering_body(unverified.id)), 409,
                 "organization_not_verified")
    assert_error(registry.post(VOLUNTEERING_PATH, ngo.token,
                               json=volunteering_body(unverified.id)), 403)
    assert_error(registry.post(VOLUNTEERING_PATH, ngo.token, json=volunteering_body(
        ngo.id, ends_on=(TODAY - timedelta(days=1)).isoformat())), 422, "in_the_past")
    assert_error(registry.post(VOLUNTEERING_PATH, ngo.token,
                               json=volunteering_body(ngo.id, volunteers_needed=0)), 422,
                 fields=("volunteers_needed",))
    assert registry.db["volunteering_needs"].count_documents({}) == 1
