"""The notifications service's events in the catalogue (`infra/asyncapi/asyncapi.yaml`):
an example of every type validates, a missing or extra field or a wrong value does not.
(What the integration tests made the service publish is checked by
`test_event_catalogue.py` for every service.)"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from wspolpraca.envelope import CloudEvent
from wspolpraca.testing.contract import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_PATH = ROOT / "infra" / "asyncapi" / "asyncapi.yaml"

DELIVERY_ID = "3f2a9c0d1e4b5a6978877665544332a1"
EVENT_ID = "0b7f3c52-2f44-4d7e-9d55-3f0c7a1b2c3d"
SUBSCRIPTION_ID = "665f1c2a9b1e8a0012345678"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_PATH)


def sent(**changes: Any) -> dict[str, Any]:
    data = {"delivery_id": DELIVERY_ID, "event_id": EVENT_ID,
            "event_type": "registry.inquiry.routed", "channel": "webhook",
            "subscription_id": SUBSCRIPTION_ID, "attempts": 1, "status": "sent"}
    data.update(changes)
    return data


def failed(**changes: Any) -> dict[str, Any]:
    data = {**sent(), "attempts": 8, "status": "dead", "last_error": "HTTP 500",
            "last_status_code": 500, "subscription_suspended": False,
            "consecutive_failures": 1}
    data.update(changes)
    return data


EXAMPLES: dict[str, dict[str, Any]] = {
    "notifications.notification.sent": sent(),
    "notifications.notification.failed": failed(),
}

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("notifications.notification.sent", sent(channel="email", subscription_id=None)),
    ("notifications.notification.failed", failed(
        last_error="timeout after 10s", last_status_code=None, subscription_suspended=True,
        consecutive_failures=5)),
    ("notifications.notification.failed", failed(
        channel="email", subscription_id=None, last_error="SMTP refused: SMTPRecipientsRefused",
        last_status_code=None, consecutive_failures=0)),
]

WRONG_VALUES: list[tuple[str, str, Any]] = [
    ("notifications.notification.sent", "channel", "inbox"),
    ("notifications.notification.sent", "status", "dead"),
    ("notifications.notification.sent", "attempts", 0),
    ("notifications.notification.sent", "delivery_id", "not-a-delivery"),
    ("notifications.notification.sent", "event_type", "inquiry.routed"),
    ("notifications.notification.failed", "status", "sent"),
    ("notifications.notification.failed", "last_error", "x" * 501),
    ("notifications.notification.failed", "consecutive_failures", -1),
]


def event(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    service, routing_key = event_type.split(".", 1)
    return CloudEvent(service=service, routing_key=routing_key, subject=DELIVERY_ID,
                      data=copy.deepcopy(data)).to_dict()


def test_the_notifications_events_are_catalogued(catalogue):
    catalogued = {t for t in catalogue.event_types() if t.startswith("notifications.")}
    assert catalogued == set(EXAMPLES)


def test_they_are_routed_to_the_notifications_exchange(catalogue):
    for event_type in EXAMPLES:
        assert catalogue.route_of(event_type) == ("notifications.events",
                                                  event_type.split(".", 1)[1])


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_the_example_validates(catalogue, event_type):
    assert catalogue.validate(event(event_type, EXAMPLES[event_type])) == []


@pytest.mark.parametrize(("event_type", "data"), VARIANTS,
                         ids=[f"{t}-{i}" for i, (t, _) in enumerate(VARIANTS)])
def test_other_shapes_the_code_produces_validate(catalogue, event_type, data):
    assert catalogue.validate(event(event_type, data)) == []


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_an_event_missing_a_data_key_does_not_validate(catalogue, event_type):
    for key in EXAMPLES[event_type]:
        data = {k: v for k, v in EXAMPLES[event_type].items() if k != key}
        errors = catalogue.validate(event(event_type, data))
        assert any(f"'{key}' is a required property" in error for error in errors), key


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_an_extra_field_in_data_does_not_validate(catalogue, event_type):
    data = {**EXAMPLES[event_type], "target": "https://dept.example.pl/hook"}
    errors = catalogue.validate(event(event_type, data))
    assert errors and all(error.startswith("data") for error in errors)


@pytest.mark.parametrize(("event_type", "key", "value"), WRONG_VALUES,
                         ids=[f"{t}-{k}-{i}" for i, (t, k, _) in enumerate(WRONG_VALUES)])
def test_a_wrong_value_does_not_validate(catalogue, event_type, key, value):
    data = {**EXAMPLES[event_type], key: value}
    errors = catalogue.validate(event(event_type, data))
    assert errors and all(error.startswith(f"data.{key}") for error in errors), errors


def test_the_subject_is_the_delivery_id(catalogue):
    wrong = event("notifications.notification.sent", sent())
    wrong["subject"] = "665f1c2a9b1e8a0012345678"
    assert catalogue.validate(wrong) != []


def test_the_source_must_be_the_notifications_service(catalogue):
    wrong = event("notifications.notification.sent", sent())
    wrong["source"] = "/wspolpraca/grants"
    assert catalogue.validate(wrong) != []
