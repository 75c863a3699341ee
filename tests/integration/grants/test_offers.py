"""Offers: the organisation projection from registry events, the formal check, the
deadline to the second, amendments, withdrawal, and who sees which offers."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pika
from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    assert_error,
    db_state,
    offer_body,
)

from wspolpraca.testing.waiting import wait_until


def offers_path(competition_id: str) -> str:
    return f"{COMPETITIONS}/{competition_id}/offers"


def test_a_verified_organisation_submits_an_offer_that_passes_the_formal_check(
        grants, officer, token, events, given):
    org_id, ngo = given.organization()
    partner_id, _ = given.organization()
    given.programme()
    competition = given.competition()

    offer = given.offer(ngo, competition["id"], org_id, partners=[partner_id])
    assert offer["status"] == "submitted" and offer["partners"] == [partner_id]
    assert offer["own_contribution"]["volunteer_work"] == {
        "hours": "10.00", "hourly_rate": "40.00", "value": "400.00"}
    stored = grants.db["offers"].find_one({"_id": offer["id"]})
    assert stored["requested_amount"] == "9000.00"
    submitted = events.wait_for("grants.offer.submitted")[0]
    assert submitted["data"]["organization_id"] == org_id
    assert submitted["data"]["own_contribution"] == {"financial": "500.00",
                                                     "non_financial": "500.00"}

    # amended until the deadline, re-checked
    amended = offer_body(org_id, requested_amount="8000.00", total_cost="9000.00",
                         cost_items=[{"name": "Scena", "amount": "9000.00"}])
    del amended["organization_id"]
    response = grants.patch(f"{OFFERS}/{offer['id']}", ngo, json=amended)
    assert response.status_code == 200, response.text
    assert response.json()["requested_amount"] == "8000.00"
    assert_error(grants.patch(f"{OFFERS}/{offer['id']}", ngo,
                              json={**amended, "total_cost": "9000.01"}), 422,
                 "sums_do_not_add_up")

    # the partner organisation sees the joint offer; another organisation does not
    partner_token = token("ngo", org_id=partner_id)
    assert grants.get(f"{OFFERS}/{offer['id']}", partner_token).status_code == 200
    stranger_id, stranger = given.organization()
    assert_error(grants.get(f"{OFFERS}/{offer['id']}", stranger), 404)
    assert grants.get(OFFERS, stranger).json()["items"] == []
    assert [o["id"] for o in grants.get(OFFERS, ngo).json()["items"]] == [offer["id"]]
    assert_error(grants.get(f"{OFFERS}/{offer['id']}"), 401)
    assert_error(grants.patch(f"{OFFERS}/{offer['id']}", stranger, json=amended), 404)

    # withdrawn
    response = grants.post(f"{OFFERS}/{offer['id']}/withdraw", ngo)
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert events.wait_for("grants.offer.withdrawn")[0]["subject"] == offer["id"]
    assert_error(grants.post(f"{OFFERS}/{offer['id']}/withdraw", ngo), 409, "invalid_state")


def test_offers_failing_the_formal_check_are_refused_naming_the_field(
        grants, officer, token, events, given):
    org_id, ngo = given.organization()
    pending_id, pending = given.organization(verify=False)
    sport_id, sport = given.organization(areas=["sport"])
    given.programme()
    competition = given.competition(budget="20000.00")
    path = offers_path(competition["id"])
    events.wait_for("grants.competition.announced")
    before = db_state(grants.db)

    cases = [
        (offer_body(org_id, total_cost="10000.01"), "sums_do_not_add_up", "total_cost"),
        (offer_body(org_id, requested_amount="9000.01"), "sums_do_not_add_up",
         "requested_amount"),
        (offer_body(org_id, requested_amount="9000.01", own_contribution={
            "financial": "499.99", "non_financial": "500.00"}), "own_contribution_too_low",
         "own_contribution"),
        (offer_body(org_id, requested_amount="20000.01", total_cost="22000.01",
                    own_contribution={"financial": "2000.00", "non_financial": "0.00"},
                    cost_items=[{"name": "x", "amount": "22000.01"}]),
         "requested_exceeds_budget", "requested_amount"),
        (offer_body(org_id, task_start="2000-01-01"), "task_dates_outside_competition",
         "task_start"),
        (offer_body(org_id, own_contribution={
            "financial": "500.00", "non_financial": "500.00",
            "volunteer_work": {"hours": "10", "hourly_rate": "50.01"}}),
         "volunteer_work_exceeds_non_financial", "own_contribution.non_financial"),
        (offer_body(org_id, requested_amount=9000.0), "validation_failed", "requested_amount"),
        (offer_body(org_id, colour="red"), "validation_failed", "colour"),
        (offer_body(org_id, partners=[pending_id]), "organization_not_eligible", "partners.0"),
    ]
    for body, code, field in cases:
        assert_error(grants.post(path, ngo, json=body), 422, code, (field,))
    assert_error(grants.post(path, pending, json=offer_body(pending_id)), 422,
                 "organization_not_eligible", ("organization_id",))
    assert_error(grants.post(path, sport, json=offer_body(sport_id)), 422,
                 "organization_not_eligible", ("organization_id",))
    assert_error(grants.post(path, ngo, json=offer_body(sport_id)), 403)
    assert_error(grants.post(path, officer, json=offer_body(org_id)), 403)
    assert_error(grants.post(offers_path("0" * 24), ngo, json=offer_body(org_id)), 404)
    assert db_state(grants.db) == before
    assert events.settle() == events.of_type("grants.programme.drafted") + events.of_type(
        "grants.programme.adopted") + events.of_type("grants.competition.announced")


def test_an_offer_one_second_after_the_deadline_is_refused(
        grants, officer, token, events, given):
    org_id, ngo = given.organization()
    given.programme()
    competition = given.competition()
    offer = given.offer(ngo, competition["id"], org_id)
    given.deadline_passed(competition["id"], seconds=1)
    before = db_state(grants.db)
    assert_error(grants.post(offers_path(competition["id"]), ngo, json=offer_body(org_id)),
                 409, "deadline_passed")
    assert_error(grants.post(f"{OFFERS}/{offer['id']}/withdraw", ngo), 409, "deadline_passed")
    amended = {k: v for k, v in offer_body(org_id).items() if k != "organization_id"}
    assert_error(grants.patch(f"{OFFERS}/{offer['id']}", ngo, json=amended), 409,
                 "deadline_passed")
    assert db_state(grants.db) == before
    # after the deadline the competition closes, and an officer may reject an offer formally
    response = grants.post(f"{COMPETITIONS}/{competition['id']}/close", officer)
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert events.wait_for("grants.competition.closed")[0]["data"]["offers_submitted"] == 1
    assert_error(grants.post(offers_path(competition["id"]), ngo, json=offer_body(org_id)),
                 409, "competition_not_open")
    response = grants.post(f"{OFFERS}/{offer['id']}/reject", officer,
                           json={"reason": "Brak podpisów osób upoważnionych."})
    assert response.status_code == 200 and response.json()["status"] == "rejected_formally"
    rejected = events.wait_for("grants.offer.rejected_formally")[0]
    assert rejected["data"]["reason"] == "Brak podpisów osób upoważnionych."


def test_closing_before_the_deadline_is_refused(grants, officer, given):
    given.programme()
    competition = given.competition()
    assert_error(grants.post(f"{COMPETITIONS}/{competition['id']}/close", officer), 409,
                 "deadline_not_passed")


def publish(amqp_uri: str, routing_key: str, org_id: str, status: str, when: datetime,
            areas=("culture",)) -> None:
    body = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/wspolpraca/registry",
            "type": f"registry.{routing_key}", "subject": org_id,
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "datacontenttype": "application/json", "correlationid": "test",
            "causationid": "test",
            "data": {"id": org_id, "name": "Klub", "status": status, "areas": list(areas)}}
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare("registry.events", exchange_type="topic", durable=True)
    channel.basic_publish("registry.events", routing_key, json.dumps(body),
                          pika.BasicProperties(content_type="application/json",
                                               delivery_mode=2))
    connection.close()


def test_the_projection_tolerates_events_out_of_order_and_follows_suspension(
        grants, amqp_uri):
    org_id = "665f1c2a9b1e8a00000000aa"
    now = datetime.now(UTC)
    publish(amqp_uri, "organization.suspended", org_id, "suspended", now)
    wait_until(lambda: grants.db["organizations"].find_one({"_id": org_id}),
               what="projection")
    # the earlier verification arrives late and does not overwrite the suspension
    publish(amqp_uri, "organization.verified", org_id, "verified", now - timedelta(seconds=5))
    wait_until(lambda: grants.db["processed_events"].count_documents({}) == 2, what="handled")
    assert grants.db["organizations"].find_one({"_id": org_id})["status"] == "suspended"
    publish(amqp_uri, "organization.reinstated", org_id, "verified", now + timedelta(seconds=5),
            areas=("culture", "sport"))
    wait_until(lambda: grants.db["organizations"].find_one({"_id": org_id})["areas"] == [
        "culture", "sport"], what="reinstatement")
    assert grants.db["organizations"].find_one({"_id": org_id})["status"] == "verified"
    assert grants.db["processed_events"].count_documents({}) == 3
