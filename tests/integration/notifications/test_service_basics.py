"""The service's built-in routes, and the dispatcher's claim that keeps sending single."""

from __future__ import annotations

from datetime import timedelta

from notifications import repository
from wspolpraca.envelope import utcnow
from wspolpraca.testing.waiting import wait_until


def test_health_openapi_and_metrics(notifications):
    assert notifications.get("/health/live").status_code == 200
    assert notifications.get("/health/ready").status_code == 200
    paths = notifications.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/subscriptions", "/api/v1/subscriptions/{id}/deliveries",
                 "/api/v1/inbox", "/api/v1/inbox/unread-count", "/api/v1/calendar.ics",
                 "/api/v1/subscriptions/unsubscribe"):
        assert path in paths, path
    metrics = notifications.get("/metrics").text
    assert "wspolpraca_notifications_subscriptions" in metrics


def test_a_due_delivery_is_claimed_by_one_dispatcher_only(start_notifications):
    service = start_notifications(dispatcher_enabled=False)
    now = utcnow()
    service.db["deliveries"].insert_one({
        "_id": "d" * 32, "status": "pending", "next_attempt_at": now - timedelta(seconds=1),
        "claimed_until": None, "channel": "webhook"})
    lease = now + timedelta(seconds=30)
    assert repository.due_delivery_ids(service.db, now, 10) == ["d" * 32]
    assert repository.claim(service.db, "d" * 32, now, lease)["status"] == "sending"
    assert repository.claim(service.db, "d" * 32, now, lease) is None
    assert repository.due_delivery_ids(service.db, now, 10) == []
    # a dispatcher that died while sending: its claim expires and the delivery is taken again
    later = lease + timedelta(seconds=1)
    assert repository.claim(service.db, "d" * 32, later, later + timedelta(seconds=30))


def test_the_organisation_projection_keeps_the_highest_version(notifications, amqp_uri):
    from notifications_helpers import publish

    from wspolpraca.envelope import CloudEvent

    org = "665f1c2a9b1e8a0000000009"

    def event(routing_key, version, email):
        return CloudEvent(service="registry", routing_key=routing_key, subject=org, data={
            "id": org, "name": "Fundacja", "email": email, "areas": ["culture"],
            "status": "verified", "version": version})

    publish(amqp_uri, event("organization.updated", 3, "nowy@fundacja.example.pl"))
    wait_until(lambda: notifications.db["organizations"].find_one({"_id": org}))
    publish(amqp_uri, event("organization.verified", 2, "stary@fundacja.example.pl"))
    wait_until(lambda: notifications.db["processed_events"].count_documents({}) == 2)
    stored = notifications.db["organizations"].find_one({"_id": org})
    assert stored["version"] == 3 and stored["email"] == "nowy@fundacja.example.pl"
