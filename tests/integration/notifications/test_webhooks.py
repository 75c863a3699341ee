"""Webhook subscriptions against a real local HTTP receiver: signature, retries, dead
letters, the delivery log, suspension, slow receivers, duplicates."""

from __future__ import annotations

import json
import logging
import time

import pytest
from notifications_helpers import all_delivered, publish, routed_inquiry

from notifications.domain import signature_valid, timestamped_signature_valid
from wspolpraca.testing.sync import wait_handled
from wspolpraca.testing.waiting import wait_until

SUBSCRIPTIONS = "/api/v1/subscriptions"


def subscribe(service, token, url, event_types=("registry.inquiry.routed",), **extra):
    response = service.post(SUBSCRIPTIONS, token, json={
        "channel": "webhook", "target": url, "event_types": list(event_types), **extra})
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(service, token, subscription_id, **params):
    response = service.get(f"{SUBSCRIPTIONS}/{subscription_id}/deliveries", token,
                           params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.fixture
def dept(token):
    return token("department", department="culture")


def test_a_subscription_shows_its_secret_once_and_never_again(notifications, dept, receiver):
    created = subscribe(notifications, dept, receiver.url + "/ok", for_department=True)
    assert len(created["secret"]) >= 32
    assert created["owner"] == "dept:culture" and created["status"] == "active"
    again = notifications.get(f"{SUBSCRIPTIONS}/{created['id']}", dept).json()
    assert "secret" not in again and again["id"] == created["id"]
    listed = notifications.get(SUBSCRIPTIONS, dept).json()["items"]
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize("body, field", [
    ({"target": "ftp://dept.example.pl/hook"}, "target"),
    ({"target": "file:///etc/passwd"}, "target"),
    ({"event_types": ["inquiry.routed"]}, "event_types"),
    ({"event_types": []}, "event_types"),
    ({"channel": "pigeon"}, "channel"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_subscription_is_refused_and_nothing_is_stored(notifications, dept, body, field):
    request = {"channel": "webhook", "target": "https://dept.example.pl/hook",
               "event_types": ["registry.inquiry.routed"], **body}
    response = notifications.post(SUBSCRIPTIONS, dept, json=request)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert notifications.db["subscriptions"].count_documents({}) == 0


def test_a_webhook_pointing_at_the_service_itself_is_refused(notifications, dept):
    own = notifications.base_url + "/api/v1/inbox"
    response = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "webhook", "target": own, "event_types": ["registry.*"]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_target"


def test_subscribing_needs_a_token(notifications, receiver):
    response = notifications.post(SUBSCRIPTIONS, json={
        "channel": "webhook", "target": receiver.url + "/ok", "event_types": ["registry.*"]})
    assert response.status_code == 401


def test_a_department_webhook_gets_the_signed_cloudevent_once(notifications, dept, receiver,
                                                              amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/ok", for_department=True)
    event = routed_inquiry()
    publish(amqp_uri, event)
    publish(amqp_uri, event)  # redelivered: nothing is sent twice
    [request] = wait_until(lambda: receiver.at("/ok"))
    body = request["body"]
    assert signature_valid(created["secret"], body, request["headers"]["X-Wspolpraca-Signature"])
    assert timestamped_signature_valid(
        created["secret"], body, request["headers"]["X-Wspolpraca-Timestamp"],
        request["headers"]["X-Wspolpraca-Signature-Timestamped"], now=time.time())
    sent = json.loads(body)
    assert sent["id"] == event.id and sent["type"] == "registry.inquiry.routed"
    assert sent["data"]["department"] == "culture" and sent["specversion"] == "1.0"
    [logged] = wait_until(lambda: deliveries(notifications, dept, created["id"],
                                             status="sent"))
    assert request["headers"]["X-Wspolpraca-Delivery"] == logged["id"]
    assert logged["attempts"] == 1 and logged["last_error"] is None
    wait_handled(notifications, event)
    all_delivered(notifications)
    assert len(receiver.at("/ok")) == 1
    assert notifications.db["deliveries"].count_documents({"channel": "webhook"}) == 1
    assert created["secret"] not in json.dumps(
        list(notifications.db["deliveries"].find({}, {"_id": 0})), default=str)


def test_a_filter_by_area_keeps_other_areas_out(notifications, dept, receiver, amqp_uri):
    subscribe(notifications, dept, receiver.url + "/ok", areas=["sport"])
    events = [routed_inquiry(area="culture"),
              routed_inquiry(area="sport", id="665f1c2a9b1e8a0087650000")]
    for event in events:
        publish(amqp_uri, event)
    wait_until(lambda: receiver.at("/ok"))
    wait_handled(notifications, *events)
    all_delivered(notifications)
    [only] = receiver.at("/ok")
    assert json.loads(only["body"])["data"]["area"] == "sport"


def test_a_failing_receiver_is_retried_with_backoff_then_dead_lettered(
        notifications, dept, receiver, amqp_uri, listen, caplog):
    caplog.set_level(logging.DEBUG)
    failed = listen("notifications", "notification.failed")
    created = subscribe(notifications, dept, receiver.url + "/fail")
    publish(amqp_uri, routed_inquiry())
    [dead] = wait_until(lambda: deliveries(notifications, dept, created["id"], status="dead"))
    assert dead["attempts"] == 3 and dead["last_status_code"] == 500
    assert dead["last_error"] == "HTTP 500"
    attempts = receiver.at("/fail")
    assert len(attempts) == 3
    gaps = [b["at"] - a["at"] for a, b in zip(attempts, attempts[1:], strict=False)]
    assert all(gap >= 0.02 for gap in gaps)  # backoff: base 0.05 s, at least half of it
    [event] = failed.wait_for("notifications.notification.failed")
    assert event["data"]["delivery_id"] == dead["id"]
    assert event["data"]["last_status_code"] == 500
    assert "target" not in event["data"]
    # the secret and the signatures made with it are in no log record (the dead letter is),
    # even at DEBUG; pymongo's command log (which shows stored documents) is kept at WARNING
    # by the services' logging set-up (`wspolpraca.logs.configure`), so it is left out here
    records = [r for r in caplog.records if not r.name.startswith("pymongo")]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in records)
    assert dead["id"] in logged
    signatures = {r["headers"]["X-Wspolpraca-Signature"] for r in attempts}
    assert all(secret not in logged for secret in {created["secret"], *signatures})


def test_a_receiver_answering_404_is_not_retried(notifications, dept, receiver, amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/gone")
    publish(amqp_uri, routed_inquiry())
    [dead] = wait_until(lambda: deliveries(notifications, dept, created["id"], status="dead"))
    assert dead["attempts"] == 1 and dead["last_status_code"] == 404
    all_delivered(notifications)
    assert len(receiver.at("/gone")) == 1


def test_a_receiver_answering_429_is_retried(notifications, dept, receiver, amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/busy")
    publish(amqp_uri, routed_inquiry())
    [dead] = wait_until(lambda: deliveries(notifications, dept, created["id"], status="dead"))
    assert dead["attempts"] == 3 and dead["last_status_code"] == 429
    assert len(receiver.at("/busy")) == 3


def _webhook_attempts(service) -> dict[str, float]:
    """wspolpraca_notification_deliveries_total of webhooks by outcome (process-wide)."""
    from prometheus_client.parser import text_string_to_metric_families

    families = text_string_to_metric_families(service.get("/metrics").text)
    family = next(f for f in families if f.name == "wspolpraca_notification_deliveries")
    return {s.labels["outcome"]: s.value for s in family.samples if s.name.endswith("_total")
            and s.labels["channel"] == "webhook" and s.labels["service"] == "notifications"}


def test_a_receiver_that_recovers_gets_the_event(notifications, dept, receiver, amqp_uri):
    before = _webhook_attempts(notifications)
    receiver.flaky_failures = 2
    created = subscribe(notifications, dept, receiver.url + "/flaky")
    publish(amqp_uri, routed_inquiry())
    [sent] = wait_until(lambda: deliveries(notifications, dept, created["id"], status="sent"))
    assert sent["attempts"] == 3
    assert len(receiver.at("/flaky")) == 3
    after = _webhook_attempts(notifications)
    assert {k: after[k] - before[k] for k in after} == {"sent": 1, "failed": 2, "dead": 0}


def test_a_subscription_that_keeps_failing_is_suspended_and_its_owner_told(
        notifications, dept, receiver, amqp_uri, smtp):
    created = subscribe(notifications, dept, receiver.url + "/gone", for_department=True,
                        owner_email="it@kultura.example.pl")
    events = [routed_inquiry(id=f"665f1c2a9b1e8a008765000{number}") for number in range(3)]
    for number, event in enumerate(events):
        publish(amqp_uri, event)
        if number < 2:
            wait_until(lambda n=number: len(deliveries(notifications, dept, created["id"],
                                                       status="dead")) == n + 1)
    subscription = wait_until(lambda: (s := notifications.get(
        f"{SUBSCRIPTIONS}/{created['id']}", dept).json())["status"] == "suspended" and s)
    assert subscription["consecutive_failures"] == 2
    inbox = notifications.get("/api/v1/inbox", dept).json()["items"]
    assert any(i["title"] == "Subskrypcja zawieszona po nieudanych doręczeniach" for i in inbox)
    [mail] = wait_until(lambda: smtp.to("it@kultura.example.pl"))
    assert "zawieszona" in mail["Subject"]
    wait_handled(notifications, *events)
    all_delivered(notifications)
    assert len(receiver.at("/gone")) == 2  # the third event is not sent while suspended
    resumed = notifications.post(f"{SUBSCRIPTIONS}/{created['id']}/resume", dept)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"


def test_a_dead_delivery_can_be_sent_again(notifications, dept, receiver, amqp_uri):
    receiver.flaky_failures = 3
    created = subscribe(notifications, dept, receiver.url + "/flaky")
    publish(amqp_uri, routed_inquiry())
    [dead] = wait_until(lambda: deliveries(notifications, dept, created["id"], status="dead"))
    again = notifications.post(f"{SUBSCRIPTIONS}/{created['id']}/deliveries/{dead['id']}/retry",
                               dept)
    assert again.status_code == 200, again.text
    wait_until(lambda: deliveries(notifications, dept, created["id"], status="sent"))


def test_a_slow_receiver_does_not_slow_the_others(start_notifications, dept, receiver,
                                                  amqp_uri):
    # four senders in all, at most two per subscription: five events for the slow receiver
    # could otherwise take every sender
    service = start_notifications(webhook_timeout=10.0, dispatcher_concurrency=4,
                                  per_subscription_concurrency=2)
    receiver.slow_seconds = 3.0
    subscribe(service, dept, receiver.url + "/slow")
    subscribe(service, dept, receiver.url + "/ok")
    for number in range(5):
        publish(amqp_uri, routed_inquiry(id=f"665f1c2a9b1e8a008765100{number}"))
    wait_until(lambda: len(receiver.at("/ok")) == 5, timeout=10)
    # every fast delivery went out while the slow receiver was still holding its requests
    assert 1 <= len(receiver.at("/slow")) <= 2
    assert receiver.slow_answered == 0


def test_someone_elses_subscription_is_not_visible(notifications, dept, token, receiver):
    created = subscribe(notifications, dept, receiver.url + "/ok")
    other = token("ngo", org_id="665f1c2a9b1e8a0012345678")
    assert notifications.get(f"{SUBSCRIPTIONS}/{created['id']}", other).status_code == 404
    assert notifications.get(f"{SUBSCRIPTIONS}/{created['id']}/deliveries",
                             other).status_code == 404
    assert notifications.post(f"{SUBSCRIPTIONS}/{created['id']}/cancel",
                              other).status_code == 404
