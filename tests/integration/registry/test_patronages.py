"""The mayor's patronage and the city's promotion: a verified organisation asks in time,
the officer grants (public, in the calendar) or refuses with a reason."""

from __future__ import annotations

import pytest
from cooperation_helpers import PATRONAGES_PATH, Ngo, iso, local
from registry_helpers import assert_error

from wspolpraca.envelope import format_time

REQUESTED = "registry.patronage.requested"
GRANTED = "registry.patronage.granted"
REFUSED = "registry.patronage.refused"


@pytest.fixture
def ngo(registry, token, officer, events):
    return Ngo(registry, token, officer)


def patronage_body(organization_id: str, **overrides):
    body = {
        "organization_id": organization_id,
        "kind": "patronage",
        "name": "Festiwal Łąk Miejskich",
        "starts_at": iso(local(30, 12)),
        "ends_at": iso(local(30, 18)),
        "place": "Park Źródliska",
        "audience": "Mieszkańcy, rodziny z dziećmi, około 2000 osób",
        "justification": "Wydarzenie promuje bioróżnorodność w mieście.",
        "areas": ["ecology"],
    }
    body.update(overrides)
    return body


def ask(registry, ngo: Ngo, **overrides) -> dict:
    response = registry.post(PATRONAGES_PATH, ngo.token, json=patronage_body(ngo.id, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_granted_patronage_is_public_and_goes_into_the_calendar(registry, ngo, officer,
                                                                  events):
    asked = ask(registry, ngo)
    assert asked["status"] == "requested"
    (requested,) = events.wait_for(REQUESTED)
    assert requested["data"]["organization_id"] == ngo.id
    # not public yet
    assert registry.get(PATRONAGES_PATH).json()["items"] == []
    assert_error(registry.get(f"{PATRONAGES_PATH}/{asked['id']}"), 404)
    own = registry.get(PATRONAGES_PATH, ngo.token, params={"organization_id": ngo.id}).json()
    assert [p["status"] for p in own["items"]] == ["requested"]

    response = registry.post(f"{PATRONAGES_PATH}/{asked['id']}/grant", officer)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "granted"
    (granted,) = events.wait_for(GRANTED)
    data = granted["data"]
    assert (data["name"], data["place"]) == ("Festiwal Łąk Miejskich", "Park Źródliska")
    assert (data["starts_at"], data["ends_at"]) == (format_time(local(30, 12)),
                                                    format_time(local(30, 18)))
    public = registry.get(PATRONAGES_PATH).json()["items"]
    assert [p["id"] for p in public] == [asked["id"]]
    assert "justification" not in public[0]
    one = registry.get(f"{PATRONAGES_PATH}/{asked['id']}").json()
    assert one["id"] == asked["id"] and "justification" not in one
    assert_error(registry.post(f"{PATRONAGES_PATH}/{asked['id']}/grant", officer), 409,
                 "invalid_transition")


def test_the_officer_refuses_with_a_reason(registry, ngo, officer, events):
    asked = ask(registry, ngo, kind="promotion")
    path = f"{PATRONAGES_PATH}/{asked['id']}/refuse"
    assert_error(registry.post(path, officer, json={}), 422, fields=("reason",))
    assert_error(registry.post(path, ngo.token, json={"reason": "x"}), 403)

    response = registry.post(path, officer, json={"reason": "Wydarzenie ma charakter "
                                                            "komercyjny."})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "refused"
    (refused,) = events.wait_for(REFUSED)
    assert refused["data"]["reason"] == "Wydarzenie ma charakter komercyjny."
    assert registry.get(PATRONAGES_PATH).json()["items"] == []
    mine = registry.get(f"{PATRONAGES_PATH}/{asked['id']}", ngo.token).json()
    assert mine["reason"] == "Wydarzenie ma charakter komercyjny."


def test_refused_requests_change_nothing(registry, ngo, token, officer):
    unverified = Ngo(registry, token, officer, verified=False)
    cases = [
        (ngo.token, patronage_body(ngo.id, starts_at=iso(local(3, 12)),
                                   ends_at=iso(local(3, 14))), 422, "request_too_late"),
        (ngo.token, patronage_body(ngo.id, starts_at=iso(local(-3, 12)),
                                   ends_at=iso(local(-3, 14))), 422, "event_in_the_past"),
        (ngo.token, patronage_body(ngo.id, ends_at=iso(local(29, 12))), 422, "invalid_period"),
        (ngo.token, patronage_body(ngo.id, areas=["no_such_area"]), 422, "unknown_area"),
        (ngo.token, patronage_body(ngo.id, name=" "), 422, None),
        (ngo.token, patronage_body(unverified.id), 403, None),
        (unverified.token, patronage_body(unverified.id), 409, "organization_not_verified"),
        (officer, patronage_body(ngo.id), 403, None),
        (None, patronage_body(ngo.id), 401, None),
    ]
    for who, body, status, code in cases:
        assert_error(registry.post(PATRONAGES_PATH, who, json=body), status, code)
    assert registry.db["patronages"].count_documents({}) == 0
