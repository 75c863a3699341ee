"""One organisation's cooperation and the departments' overview over HTTP, fed a city year of
events through the broker in a shuffled order with redeliveries (issue #22)."""

from __future__ import annotations

import random

from cooperation_events import ORG, city_year, training_cancelled
from reporting_factory import oid
from reporting_helpers import logged, publish

from wspolpraca.testing.waiting import wait_until


def test_the_organisation_history_and_the_departments_overview_over_http(
        reporting, amqp_uri, token, officer):
    events = city_year()
    shuffled = events + events[:5]
    random.Random(22).shuffle(shuffled)
    publish(amqp_uri, shuffled)
    wait_until(lambda: logged(reporting) >= len(events), what="the city year logged")
    path = f"/api/v1/stats/organizations/{oid(ORG)}"

    def council_seat_projected():
        return any(e["form"] == "council" for e in reporting.get(path, officer).json()[
            "history"])

    wait_until(council_seat_projected, what="every event projected")
    full = reporting.get(path, officer).json()
    assert full["scope"] == "full" and full["name"] == f"Fundacja {ORG}"
    assert full["departments"] == ["culture", "sport"]
    [year] = [y for y in full["years"] if y["year"] == 2026]
    assert (year["offers_funded"], year["awarded"], year["reports_late"],
            year["booking_hours"]) == (2, "35000.00", 1, 3.0)
    assert reporting.get(path, token("department", department="sport")).json()[
        "scope"] == "full"
    assert reporting.get(path, token("ngo", org_id=oid(ORG))).json()["scope"] == "full"
    public = reporting.get(path).json()
    assert public["scope"] == "public"
    assert "booking" not in {e["form"] for e in public["history"]}
    assert reporting.get(path, token("ngo", org_id=oid("someone"))).json()[
        "scope"] == "public"

    response = reporting.get("/api/v1/stats/departments?year=2026", officer)
    assert response.status_code == 200, response.text
    rows = {r["department"]: r for r in response.json()["departments"]}
    assert [s["organization_id"] for s in rows["sport"]["shared_organizations"]] == [oid(ORG)]
    assert reporting.get("/api/v1/stats/departments?year=2026",
                         token("department", department="sport")).status_code == 403
    assert reporting.get("/api/v1/stats/departments?year=1999", officer).status_code == 422
    assert reporting.get("/api/v1/stats/departments?year=2026&x=1", officer).status_code \
        == 422

    # the training is cancelled: it stays in the history, as cancelled, and counts no more
    publish(amqp_uri, [training_cancelled("2026-02-25T10:00:00Z")])

    def training_entry() -> dict:
        [entry] = [e for e in reporting.get(path, officer).json()["history"]
                   if e["form"] == "training"]
        return entry

    wait_until(lambda: training_entry()["status"] == "cancelled",
               what="the cancelled training in the history")
    [year] = [y for y in reporting.get(path, officer).json()["years"] if y["year"] == 2026]
    assert year["trainings"] == 0 and training_entry()["people_registered"] == 1
