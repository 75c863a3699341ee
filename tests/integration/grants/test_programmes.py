"""Cooperation programmes: drafting, adoption, funds per area, bad input."""

from __future__ import annotations

from grants_helpers import (
    PROGRAMMES,
    YEAR,
    adopted_programme,
    assert_error,
    db_state,
    programme_body,
)

from wspolpraca.testing.answers import created


def test_a_programme_is_drafted_and_adopted_with_its_events(grants, officer, events):
    programme = created(grants.post(PROGRAMMES, officer, json=programme_body()))
    assert programme["status"] == "draft"
    assert programme["total_funds"] == "250000.00"
    assert programme["adoption_deadline"] == f"{YEAR - 1}-11-30"
    assert programme["funds"][0] == {"area": "culture", "amount": "200000.00",
                                     "committed": "0.00", "remaining": "200000.00"}
    stored = grants.db["programmes"].find_one({"_id": programme["id"]})
    assert stored["funds"][0]["amount"] == "200000.00"  # money is a string, never a float
    assert stored["funds"][0]["planned_grosze"] == 20_000_000

    assert grants.post(f"{PROGRAMMES}/{programme['id']}/consult", officer).json()[
        "status"] == "consulted"
    adopted = grants.post(f"{PROGRAMMES}/{programme['id']}/adopt", officer)
    assert adopted.status_code == 200 and adopted.json()["status"] == "adopted"
    assert_error(grants.post(f"{PROGRAMMES}/{programme['id']}/adopt", officer), 409,
                 "invalid_state")

    drafted = events.wait_for("grants.programme.drafted")[0]
    assert drafted["subject"] == programme["id"]
    assert drafted["data"]["funds"][1] == {"area": "sport", "amount": "50000.00"}
    assert events.wait_for("grants.programme.adopted")[0]["data"]["status"] == "adopted"


def test_one_programme_per_year(grants, officer):
    adopted_programme(grants, officer)
    assert_error(grants.post(PROGRAMMES, officer, json=programme_body()), 409, "duplicate_year",
                 ("year",))


def test_bad_programmes_change_nothing_and_send_nothing(grants, officer, token, events):
    before = db_state(grants.db)
    assert_error(grants.post(PROGRAMMES, officer, json=programme_body(
        funds=[{"area": "culture", "amount": 1000.5}])), 422, "validation_failed",
        ("funds.0.amount",))
    assert_error(grants.post(PROGRAMMES, officer, json=programme_body(
        funds=[{"area": "culture", "amount": "1.00"}, {"area": "culture", "amount": "2.00"}])),
        422, "duplicate_area", ("funds.1.area",))
    assert_error(grants.post(PROGRAMMES, officer, json=programme_body(
        funds=[{"area": "cooking", "amount": "1.00"}])), 422, "validation_failed")
    assert_error(grants.post(PROGRAMMES, officer, json=programme_body(budget="1.00")), 422,
                 "validation_failed", ("budget",))
    assert_error(grants.post(PROGRAMMES, officer, data="{not json",
                             headers={"Content-Type": "application/json"}), 400,
                 "malformed_json")
    assert_error(grants.post(PROGRAMMES, None, json=programme_body()), 401)
    assert_error(grants.post(PROGRAMMES, token("ngo"), json=programme_body()), 403)
    assert db_state(grants.db) == before
    assert events.settle() == []


def test_a_programme_not_adopted_by_30_november_is_flagged(grants, officer):
    response = grants.post(PROGRAMMES, officer, json=programme_body(year=2020))
    assert response.status_code == 201
    assert response.json()["warnings"][0].startswith("programme_not_adopted_by_deadline")
    listed = grants.get(f"{PROGRAMMES}?year=2020", officer).json()["items"]
    assert [p["year"] for p in listed] == [2020]


def test_openapi_and_domain_metrics_are_served(grants, officer):
    adopted_programme(grants, officer)
    spec = grants.get("/api/v1/openapi.json")
    assert spec.status_code == 200, spec.text
    paths = spec.json()["paths"]
    for path in ("/api/v1/programmes", "/api/v1/competitions/{id}/announce",
                 "/api/v1/small-grants/{id}/comments", "/api/v1/contracts/{id}/settle"):
        assert path in paths, sorted(paths)
    metrics = grants.get("/metrics").text
    assert "wspolpraca_grants_money_awarded_pln" in metrics
    assert 'route="/api/v1/programmes/<id>/adopt"' in metrics or "/adopt" in metrics


MEASURES = [
    {"name": "Organizacje, które otrzymały dotacje", "unit": "szt.", "target": "40",
     "indicator": "organizations_cooperating"},
    {"name": "Środki przyznane na kulturę", "unit": "zł", "target": "200000.00",
     "area": "culture", "indicator": "funds_awarded"},
    {"name": "Zadowolenie uczestników", "unit": "%", "target": 80},
]


def test_a_programme_carries_its_resolution_priority_tasks_and_measures(
        grants, officer, events):
    body = programme_body(resolution={"number": "XL/1234/2025", "date": f"{YEAR - 1}-11-20"},
                          measures=MEASURES)
    programme = created(grants.post(PROGRAMMES, officer, json=body))
    assert programme["resolution"] == {"number": "XL/1234/2025", "date": f"{YEAR - 1}-11-20"}
    assert [m["target"] for m in programme["measures"]] == ["40.00", "200000.00", "80.00"]
    assert programme["measures"][2]["indicator"] is None
    assert programme["measures"][2]["area"] is None
    adopted = grants.post(f"{PROGRAMMES}/{programme['id']}/adopt", officer)
    assert adopted.status_code == 200, adopted.text
    for kind in ("drafted", "adopted"):
        data = events.wait_for(f"grants.programme.{kind}")[0]["data"]
        assert data["resolution"] == {"number": "XL/1234/2025", "date": f"{YEAR - 1}-11-20"}
        assert data["priority_tasks"] == [{"area": "culture", "task": "Festiwale osiedlowe"}]
        assert data["measures"][1] == {"name": "Środki przyznane na kulturę", "unit": "zł",
                                       "target": "200000.00", "area": "culture",
                                       "indicator": "funds_awarded"}


def test_a_measure_with_an_unknown_indicator_area_or_no_target_is_refused(grants, officer):
    for measure, field in (({**MEASURES[0], "indicator": "happiness"}, "indicator"),
                           ({**MEASURES[0], "area": "mars"}, "area"),
                           ({"name": "Cel", "unit": "szt."}, "target"),
                           ({**MEASURES[0], "target": 1.5}, "target")):
        response = grants.post(PROGRAMMES, officer, json=programme_body(measures=[measure]))
        assert response.status_code == 422, response.text
        assert f"measures.0.{field}" in response.json()["error"]["fields"], response.text
    assert grants.db["programmes"].count_documents({}) == 0


def test_a_draft_programme_is_edited_before_its_consultation(grants, officer, token, events):
    programme = grants.post(PROGRAMMES, officer, json=programme_body()).json()
    url = f"{PROGRAMMES}/{programme['id']}"
    response = grants.patch(url, officer, json={
        "title": "Program współpracy (poprawiony)",
        "funds": [{"area": "culture", "amount": "120000.00"}]})
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["title"] == "Program współpracy (poprawiony)"
    assert edited["total_funds"] == "120000.00" and edited["year"] == programme["year"]
    assert edited["goals"] == programme["goals"]  # what the body does not give stays
    updated = events.wait_for("grants.programme.updated")[0]
    assert updated["subject"] == programme["id"]
    assert updated["data"]["funds"] == [{"area": "culture", "amount": "120000.00"}]

    before = db_state(grants.db)
    assert_error(grants.patch(url, officer, json={}), 422, "validation_failed")
    assert_error(grants.patch(url, officer, json={"funds": []}), 422, "no_funds", ("funds",))
    assert_error(grants.patch(url, token("department"), json={"title": "Inny tytuł"}), 403)
    assert_error(grants.patch(f"{PROGRAMMES}/unknown", officer, json={"title": "Inny tytuł"}),
                 404)
    assert db_state(grants.db) == before

    grants.post(f"{url}/consult", officer)
    assert_error(grants.patch(url, officer, json={"title": "Po konsultacjach"}), 409,
                 "invalid_state")
    assert grants.get(url, officer).json()["title"] == "Program współpracy (poprawiony)"
