"""The two delivery events of notifications against the AsyncAPI catalogue: hand-made
examples of `notification.sent` and `notification.failed` validate, and the catalogue refuses
each with a field missing, a field too many or a value out of range (`test_event_catalogue.py`
checks what the services really published)."""

from __future__ import annotations

from typing import Any, ClassVar

from wspolpraca.testing.event_examples import CatalogueExamples

DELIVERY_ID = "3f2a9c0d1e4b5a6978877665544332a1"
EVENT_ID = "0b7f3c52-2f44-4d7e-9d55-3f0c7a1b2c3d"
SUBSCRIPTION_ID = "665f1c2a9b1e8a0012345678"


def sent(**changes: Any) -> dict[str, Any]:
    return {"delivery_id": DELIVERY_ID, "event_id": EVENT_ID,
            "event_type": "registry.inquiry.routed", "channel": "webhook",
            "subscription_id": SUBSCRIPTION_ID, "attempts": 1, "status": "sent"} | changes


def failed(**changes: Any) -> dict[str, Any]:
    return {**sent(), "attempts": 8, "status": "dead", "last_error": "HTTP 500",
            "last_status_code": 500, "subscription_suspended": False,
            "consecutive_failures": 1} | changes


SENT, FAILED = "notifications.notification.sent", "notifications.notification.failed"


class TestNotificationsEvents(CatalogueExamples):
    """The two types, each an example; other shapes the dispatcher sends; refused values."""

    examples: ClassVar[dict[str, dict[str, Any]]] = {SENT: sent(), FAILED: failed()}
    variants: ClassVar[list[tuple[str, dict[str, Any]]]] = [
        (SENT, sent(channel="email", subscription_id=None)),
        (FAILED, failed(last_error="timeout after 10s", last_status_code=None,
                        subscription_suspended=True, consecutive_failures=5)),
        (FAILED, failed(channel="email", subscription_id=None,
                        last_error="SMTP refused: SMTPRecipientsRefused", last_status_code=None,
                        consecutive_failures=0)),
    ]
    wrong_values: ClassVar[list[tuple[str, str, Any]]] = [
        (SENT, "channel", "inbox"), (SENT, "status", "dead"), (SENT, "attempts", 0),
        (SENT, "delivery_id", "not-a-delivery"), (SENT, "event_type", "inquiry.routed"),
        (FAILED, "status", "sent"), (FAILED, "last_error", "x" * 501),
        (FAILED, "consecutive_failures", -1),
    ]
    extra_field = ("target", "https://dept.example.pl/hook")
    subject_of = staticmethod(lambda data: DELIVERY_ID)


event = TestNotificationsEvents.event


def test_the_subject_is_the_delivery_id(catalogue):
    wrong = event(SENT, sent())
    wrong["subject"] = "665f1c2a9b1e8a0012345678"
    assert catalogue.validate(wrong) != []


def test_the_source_must_be_the_notifications_service(catalogue):
    wrong = event(SENT, sent())
    wrong["source"] = "/wspolpraca/grants"
    assert catalogue.validate(wrong) != []
