"""Who receives which event, on the real broker and database (issue 15 item 1, issue 23):
an NGO may not subscribe to council members, receives public events without personal
data and only its own affairs; a department's webhook only its department's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from notifications_helpers import all_delivered, publish, routed_inquiry, send

from notifications.domain import signature_valid
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.testing.waiting import wait_until

SUBSCRIPTIONS = "/api/v1/subscriptions"
OUR_ORG = "665f1c2a9b1e8a0000000011"
RIVAL_ORG = "665f1c2a9b1e8a0000000012"


def subscribe(service, token, url, event_types, **extra):
    return service.post(SUBSCRIPTIONS, token, json={
        "channel": "webhook", "target": url, "event_types": list(event_types), **extra})


def cancelled_training():
    start = utcnow() + timedelta(days=3)
    return {"id": "665f1c2a9b1e8a00000000f1", "title": "Księgowość w NGO", "kind": "training",
            "topic": "Sprawozdanie", "place": "Sala 3", "starts_at": format_time(start),
            "ends_at": format_time(start + timedelta(hours=3)), "seats": 2, "seats_taken": 2,
            "waiting": 0, "status": "cancelled", "version": 3, "reason": "Choroba",
            "registrations": [
                {"id": "665f1c2a9b1e8a0000000101", "person": "user-anna",
                 "email": "anna.nowak@example.pl", "organization_id": RIVAL_ORG,
                 "status": "registered", "promoted": False},
                {"id": "665f1c2a9b1e8a0000000102", "person": "user-jan",
                 "email": "jan.kowalski@example.pl", "organization_id": None,
                 "status": "registered", "promoted": False}]}


def booking(department, organization_id=OUR_ORG, status="requested", number=1):
    start = utcnow() + timedelta(days=10)
    return {"id": f"665f1c2a9b1e8a00000000d{number}", "resource_id": "665f1c2a9b1e8a00000000d0",
            "resource_name": "Sala gimnastyczna", "resource_kind": "room",
            "department": department, "organization_id": organization_id,
            "organization_name": "Klub <Sportowy>", "title": "Trening", "place": "ul. Długa 1",
            "starts_at": format_time(start), "ends_at": format_time(start + timedelta(hours=2)),
            "hours": 2, "status": status, "reason": None}


@pytest.fixture
def ngo(token):
    return token("ngo", org_id=OUR_ORG)


def test_an_ngo_webhook_for_council_members_is_refused_and_nothing_is_stored(
        notifications, ngo, receiver):
    response = subscribe(notifications, ngo, receiver.url + "/ok",
                         ["consultations.council.member_appointed",
                          "consultations.consultation.opened"])
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "forbidden_event_types"
    assert error["fields"] == {"event_types": ["consultations.council.member_appointed"]}
    assert notifications.db["subscriptions"].count_documents({}) == 0


@pytest.mark.parametrize("event_type, code", [
    ("registry.booking.requestd", "unknown_event_type"),
    ("booking.approved", "unknown_event_type"),  # a routing key, not the full type
    ("notifications.notification.failed", "undeliverable_event_type"),
])
def test_a_type_that_would_never_come_is_refused_naming_it(notifications, ngo, receiver,
                                                           event_type, code):
    response = subscribe(notifications, ngo, receiver.url + "/ok", [event_type])
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["fields"] == {"event_types": [event_type]}


def test_an_ngo_gets_a_public_event_without_anyones_email_signed_as_sent(
        notifications, ngo, receiver, amqp_uri):
    created = subscribe(notifications, ngo, receiver.url + "/ok",
                        ["registry.training.cancelled"]).json()
    event = send(amqp_uri, "registry", "training.cancelled", "665f1c2a9b1e8a00000000f1",
                 cancelled_training())
    [request] = wait_until(lambda: receiver.at("/ok"))
    body = request["body"]
    assert b"@example.pl" not in body and b"user-anna" not in body
    assert signature_valid(created["secret"], body, request["headers"]["X-Wspolpraca-Signature"])
    sent = json.loads(body)
    assert sent["id"] == event.id and sent["data"]["reason"] == "Choroba"
    assert [r["id"] for r in sent["data"]["registrations"]] == [
        "665f1c2a9b1e8a0000000101", "665f1c2a9b1e8a0000000102"]
    assert sent["redacted"] == "registrations[].email,registrations[].person"


def test_an_officer_gets_the_same_event_as_it_is(notifications, token, receiver, amqp_uri):
    subscribe(notifications, token("officer"), receiver.url + "/ok",
              ["registry.training.cancelled"])
    send(amqp_uri, "registry", "training.cancelled", "665f1c2a9b1e8a00000000f1",
         cancelled_training())
    [request] = wait_until(lambda: receiver.at("/ok"))
    assert b"anna.nowak@example.pl" in request["body"]


def test_an_ngo_gets_its_own_bookings_and_never_a_rivals(notifications, ngo, receiver,
                                                         amqp_uri):
    assert subscribe(notifications, ngo, receiver.url + "/ok",
                     ["registry.booking.*"]).status_code == 201
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d2",
         booking("sport", RIVAL_ORG, number=2))
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d1",
         booking("sport", OUR_ORG, number=1))
    [request] = wait_until(lambda: receiver.at("/ok"))
    assert json.loads(request["body"])["data"]["organization_id"] == OUR_ORG
    # the rival's was handled too (before ours, on the same queue), and gave nothing
    assert wait_until(lambda: notifications.db["processed_events"].count_documents({}) >= 2)
    all_delivered(notifications)
    assert len(receiver.at("/ok")) == 1


def test_a_sport_webhook_gets_sports_booking_requests_and_not_cultures_inquiries(
        notifications, token, receiver, amqp_uri):
    """Issue 23: `for_department` is the default for a department's token."""
    sport = token("department", department="sport")
    created = subscribe(notifications, sport, receiver.url + "/sport",
                        ["registry.inquiry.routed", "registry.booking.requested"])
    assert created.status_code == 201, created.text
    assert created.json()["owner"] == "dept:sport" and created.json()["for_department"]
    publish(amqp_uri, routed_inquiry(department="culture", area="culture"))
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d3",
         booking("culture", number=3))
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d1",
         booking("sport", number=1))
    [request] = wait_until(lambda: receiver.at("/sport"))
    sent = json.loads(request["body"])
    assert (sent["type"], sent["data"]["department"]) == ("registry.booking.requested", "sport")
    assert wait_until(lambda: notifications.db["processed_events"].count_documents({}) >= 3)
    all_delivered(notifications)
    assert len(receiver.at("/sport")) == 1
    # without subscribing, the department and the liaison office hear of the request
    inbox = notifications.get("/api/v1/inbox", sport).json()["items"]
    assert [i["event_type"] for i in inbox] == ["registry.booking.requested"]
    office = notifications.get("/api/v1/inbox", token("officer")).json()["items"]
    assert sorted(i["event_type"] for i in office) == ["registry.booking.requested"] * 2


def test_a_sport_email_subscription_gets_sports_booking_requests_and_its_address_by_default(
        notifications, token, smtp, amqp_uri):
    """Issue 23: `registry.booking.requested` by email too, to the department managing the
    resource: by its own subscription (never culture's booking), and without subscribing at
    the department's address from the registry."""
    send(amqp_uri, "registry", "department.created", "sport", {
        "code": "sport", "name": "Wydział Sportu", "areas": ["sport"],
        "contact_person": "Paweł Zieliński", "email": "sport@um.example.pl"})
    wait_until(lambda: notifications.db["processed_events"].count_documents({}) >= 1)
    sport = token("department", department="sport", email="dyzur@sport.example.pl")
    created = notifications.post(SUBSCRIPTIONS, sport, json={
        "channel": "email", "target": "dyzur@sport.example.pl",
        "event_types": ["registry.booking.requested"]})
    assert created.status_code == 201, created.text
    assert created.json()["owner"] == "dept:sport"
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d3",
         booking("culture", number=3))
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d1",
         booking("sport", number=1))
    # culture's came first on the same queue: once ours is mailed, culture's gave nothing
    wait_until(lambda: smtp.to("dyzur@sport.example.pl", "registry.booking.requested"))
    wait_until(lambda: smtp.to("sport@um.example.pl", "registry.booking.requested"))
    assert wait_until(lambda: notifications.db["processed_events"].count_documents({}) >= 3)
    all_delivered(notifications)
    assert len(smtp.to("dyzur@sport.example.pl")) == 1
    assert len(smtp.to("sport@um.example.pl")) == 1


def test_a_department_person_may_still_subscribe_for_themselves_to_every_department(
        notifications, token, receiver, amqp_uri):
    sport = token("department", department="sport")
    created = subscribe(notifications, sport, receiver.url + "/me",
                        ["registry.inquiry.routed"], for_department=False).json()
    assert created["owner"].startswith("user:")
    publish(amqp_uri, routed_inquiry(department="culture"))
    [request] = wait_until(lambda: receiver.at("/me"))
    assert json.loads(request["body"])["data"]["department"] == "culture"


def test_a_representative_whose_representation_ends_no_longer_gets_the_organisations_affairs(
        notifications, token, receiver, amqp_uri):
    """Issue 15 item 1, checked when a delivery is planned: the subscription was made with a
    token acting for the organisation; once identity revokes that representation, its own
    bookings stop reaching the person's webhook (public events still do)."""
    person = "665f1c2a9b1e8a00000000a7"
    ngo = token("ngo", sub=person, org_id=OUR_ORG)
    assert subscribe(notifications, ngo, receiver.url + "/ok",
                     ["registry.booking.requested", "registry.training.cancelled"]
                     ).status_code == 201
    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d1",
         booking("sport", number=1))
    wait_until(lambda: receiver.at("/ok"))

    send(amqp_uri, "identity", "representation.revoked", "665f1c2a9b1e8a00000000e1", {
        "id": "665f1c2a9b1e8a00000000e1", "account_id": person, "organization_id": OUR_ORG,
        "status": "revoked", "name": "Ewa Nowak", "email": "ewa@example.pl", "reason": None,
        "requested_at": format_time(utcnow()), "decided_at": format_time(utcnow())})
    wait_until(lambda: notifications.db["subscriptions"].find_one(
        {"reader.user": person, "reader.org_id": None}))

    send(amqp_uri, "registry", "booking.requested", "665f1c2a9b1e8a00000000d4",
         booking("sport", number=4))
    send(amqp_uri, "registry", "training.cancelled", "665f1c2a9b1e8a00000000f1",
         cancelled_training())
    # the training comes after the booking on the same queue: once it is here, the booking
    # was handled, and gave nothing
    wait_until(lambda: len(receiver.at("/ok")) == 2)
    all_delivered(notifications)
    types = [json.loads(r["body"])["type"] for r in receiver.at("/ok")]
    assert types == ["registry.booking.requested", "registry.training.cancelled"]


def test_a_deleted_accounts_own_subscriptions_stop(notifications, token, receiver, amqp_uri):
    """An account erased at its owner's request (identity.account.deleted) leaves no
    subscription delivering to it; a department's, made by the same person, stays."""
    person = "665f1c2a9b1e8a00000000a8"
    own = subscribe(notifications, token("officer", sub=person), receiver.url + "/own",
                    ["registry.training.cancelled"]).json()
    departments = subscribe(notifications, token("department", sub=person, department="sport"),
                            receiver.url + "/dept", ["registry.training.cancelled"]).json()

    send(amqp_uri, "identity", "account.deleted", person, {"account_id": person})
    wait_until(lambda: notifications.db["subscriptions"].find_one(
        {"_id": own["id"], "status": "cancelled"}))

    send(amqp_uri, "registry", "training.cancelled", "665f1c2a9b1e8a00000000f1",
         cancelled_training())
    wait_until(lambda: receiver.at("/dept"))
    all_delivered(notifications)
    assert receiver.at("/own") == []
    assert notifications.db["subscriptions"].find_one({"_id": departments["id"]})[
        "status"] == "active"
