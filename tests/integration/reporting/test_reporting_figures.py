"""Real events through RabbitMQ: organisations through the registry's API, grants and
consultations events published to their exchanges; then the figures."""

from __future__ import annotations

import csv
import io

from reporting_factory import awarded, comment, competition, consultation, oid
from reporting_helpers import fill, logged, publish, summary

from reporting.rebuild import rebuild
from wspolpraca.testing.waiting import wait_until


def test_the_figures_follow_the_events(registry, reporting, amqp_uri, token, officer):
    org_a, org_b, _ = fill(registry, reporting, amqp_uri, token, officer)
    s = summary(reporting)
    assert s["year"] == 2026
    assert s["organizations"]["registered"] == 2
    assert s["organizations"]["verified"] == 1
    assert s["competitions"] == {"announced": 1, "resolved": 1, "cancelled": 0}
    assert (s["offers"]["submitted"], s["offers"]["funded"], s["offers"]["not_funded"]) == \
        (2, 1, 1)
    assert s["money"]["requested"] == "50000.00"
    assert s["money"]["awarded"] == "15000.50"
    assert s["small_grants"]["submitted"] == 1
    assert s["small_grants"]["awarded"] == 1
    assert s["small_grants"]["amount"] == "7999.99"
    assert s["consultations"]["held"] == 1
    assert s["consultations"]["comments"] == 2
    assert (s["contracts"]["signed"], s["contracts"]["amount"]) == (1, "15000.50")
    assert {"district": "ochota", "organizations_registered": 1} in s["by_district"]
    assert len(s["months"]) == 12

    grants = reporting.get("/api/v1/stats/grants?year=2026").json()
    assert grants["total"] == "23000.49"
    names = {o["name"]: o["amount"] for o in grants["organizations"]}
    assert names == {"Stowarzyszenie Teatr Ochota": "15000.50", "Fundacja Ławka": "7999.99"}
    only = reporting.get("/api/v1/stats/grants?year=2026&area=sport").json()
    assert only["total"] == "7999.99"
    by_org = reporting.get(f"/api/v1/stats/grants?organization_id={org_a['id']}&year=2026")
    assert by_org.json()["total"] == "15000.50"


def test_bad_input_is_refused_and_an_empty_year_is_zeros(reporting):
    for query in ("year=abc", "year=1800", "year=2026&colour=red"):
        response = reporting.get(f"/api/v1/stats/summary?{query}")
        assert response.status_code == 422, query
        assert response.json()["error"]["code"] == "validation_failed"
    assert reporting.get("/api/v1/stats/grants?area=nowhere").status_code == 422
    empty = summary(reporting, 2019)
    assert empty["offers"]["submitted"] == 0
    assert empty["money"] == {"requested": "0.00", "awarded": "0.00",
                              "by_mode": {"supporting": "0.00", "entrusting": "0.00"}}
    assert reporting.get("/api/v1/open-data/nothing.csv").status_code == 404
    assert reporting.get("/api/v1/open-data/competitions.xml").status_code == 422


def test_open_data_has_no_personal_data(registry, reporting, amqp_uri, token, officer):
    fill(registry, reporting, amqp_uri, token, officer)
    dictionary = reporting.get("/api/v1/open-data").json()
    names = {d["name"] for d in dictionary["datasets"]}
    assert names == {"organizations", "competitions", "results", "small_grants",
                     "consultations", "councils"}
    for dataset in names:
        as_json = reporting.get(f"/api/v1/open-data/{dataset}.json")
        as_csv = reporting.get(f"/api/v1/open-data/{dataset}.csv")
        assert as_json.status_code == 200 and as_csv.status_code == 200
        assert as_csv.headers["Content-Type"].startswith("text/csv")
        fields = [f["name"] for f in next(d for d in dictionary["datasets"]
                                          if d["name"] == dataset)["fields"]]
        assert next(csv.reader(io.StringIO(as_csv.text))) == fields
        for text in (as_json.text, as_csv.text):
            assert "@" not in text, dataset  # no e-mail address anywhere
            assert "email" not in text and "representative" not in text
    organizations = reporting.get("/api/v1/open-data/organizations.json").json()["items"]
    assert [o["name"] for o in organizations] == ["Stowarzyszenie Teatr Ochota"]  # verified
    results = reporting.get("/api/v1/open-data/results.json?year=2026").json()["items"]
    assert {(r["result"], r["awarded_amount"]) for r in results} == {
        ("funded", "15000.50"), ("not_funded", "0.00")}
    assert reporting.get("/api/v1/open-data/results.json?year=2019").json()["items"] == []


def test_a_duplicate_changes_nothing(registry, reporting, amqp_uri, token, officer):
    _, _, events = fill(registry, reporting, amqp_uri, token, officer)
    before, count = summary(reporting), logged(reporting)
    publish(amqp_uri, events[:4])
    marker = consultation("opened", "con-marker", "2026-06-01T08:00:00Z")
    publish(amqp_uri, [marker])
    wait_until(lambda: logged(reporting) == count + 1)
    after = summary(reporting)
    assert after["consultations"]["held"] == before["consultations"]["held"] + 1
    after["consultations"]["held"] -= 1
    assert after == before


def test_a_poison_event_is_parked_and_the_projections_go_on(reporting, amqp_uri):
    from reporting_helpers import queue_name

    from wspolpraca.testing.rabbit import queue_messages

    bad_amount = awarded("off-x", "comp-x", "org-x", "2026-03-01T00:00:00Z", "lots")
    no_envelope = ("grants.events", {"type": "grants.offer.submitted", "id": "broken"})
    good = competition("announced", "comp-ok", "2026-01-15T10:00:00Z")
    publish(amqp_uri, [bad_amount, no_envelope, good])
    wait_until(lambda: summary(reporting)["competitions"]["announced"] == 1)
    parked = wait_until(lambda: queue_messages(amqp_uri, queue_name("grants") + ".dlq")
                        or None, timeout=20)
    ids = {body.get("id") for body, _ in parked}
    if len(parked) < 2:
        parked += wait_until(lambda: queue_messages(amqp_uri, queue_name("grants") + ".dlq")
                             or None, timeout=20)
        ids = {body.get("id") for body, _ in parked}
    assert ids == {bad_amount.id, "broken"}
    assert reporting.db["events"].find_one({"_id": bad_amount.id}) is None
    assert reporting.db["offers"].find_one({"_id": oid("off-x")}) is None


def test_a_rebuild_gives_equal_figures_and_loses_no_event_arriving_meanwhile(
        registry, reporting, amqp_uri, token, officer, monkeypatch, capsys):
    import threading

    from reporting.rebuild import main

    fill(registry, reporting, amqp_uri, token, officer)
    before = summary(reporting)
    grants_before = reporting.get("/api/v1/stats/grants?year=2026").json()
    annual_before = reporting.get("/api/v1/reports/annual/2026?format=csv").content
    host = reporting.settings.mongo_uri.split("/?")[0]
    monkeypatch.setenv("MONGO_URI_REPORTING",
                       f"{host}/{reporting.settings.mongo_database}?directConnection=true")
    assert main([]) == 0  # `python -m reporting.rebuild`
    output = capsys.readouterr()
    assert f"from {logged(reporting)} events" in output.out
    assert "100%" in output.err  # the progress bar
    assert summary(reporting) == before
    assert reporting.get("/api/v1/reports/annual/2026?format=csv").content == annual_before
    assert reporting.get("/api/v1/stats/grants?year=2026").json() == grants_before

    # now with comments arriving while the rebuild runs
    extra = [comment(f"live-{i}", "con-1", "2026-07-01T08:00:00Z") for i in range(60)]
    count = logged(reporting)

    def keep_publishing():
        for i in range(0, len(extra), 5):
            publish(amqp_uri, extra[i:i + 5])

    publisher = threading.Thread(target=keep_publishing)
    publisher.start()
    rebuild(reporting.db, out=None)
    publisher.join()
    wait_until(lambda: logged(reporting) == count + len(extra))
    expected = before["consultations"]["comments"] + len(extra)
    wait_until(lambda: summary(reporting)["consultations"]["comments"] == expected)
    rebuild(reporting.db, out=None)
    assert summary(reporting)["consultations"]["comments"] == expected
