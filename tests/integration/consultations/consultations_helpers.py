"""Helpers of the consultations service's integration tests: request bodies, clock
shifting in the database, error-shape checks and database snapshots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from wspolpraca.testing.answers import assert_error as assert_error  # the tests' import
from wspolpraca.testing.answers import body_with, created
from wspolpraca.testing.answers import db_state as snapshot

CONSULTATIONS = "/api/v1/consultations"
COUNCILS = "/api/v1/councils"
STATE_COLLECTIONS = ("consultations", "comments", "councils", "council_requests",
                     "council_meetings", "opinion_requests")


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def org_id() -> str:
    return str(ObjectId())


def consultation_body(**overrides: Any) -> dict[str, Any]:
    opens = now() - timedelta(minutes=1)
    body: dict[str, Any] = {
        "title": "Projekt programu współpracy na 2027 rok",
        "subject": "Roczny program współpracy miasta z organizacjami pozarządowymi",
        "opens_at": iso(opens),
        "closes_at": iso(opens + timedelta(days=14)),
        "sections": ["§ 1 Cele", "§ 2 Zadania priorytetowe"],
        "forms": ["written_comments", "meeting", "online_form"],
        "draft_text": "§ 1. Celem programu jest ...",
    }
    return body_with(body, overrides)


def open_consultation(service, officer: str, **overrides: Any) -> dict[str, Any]:
    return created(service.post(CONSULTATIONS, officer, json=consultation_body(**overrides)))


def comment(service, consultation_id: str, token: str | None, **body: Any):
    return service.post(f"{CONSULTATIONS}/{consultation_id}/comments", token, json=body)


def shift_consultation(service, consultation_id: str, closes_at: datetime) -> None:
    """Move the consultation in time so that it closes at `closes_at` (after 7 days)."""
    service.db["consultations"].update_one(
        {"_id": consultation_id},
        {"$set": {"opens_at": closes_at - timedelta(days=7), "closes_at": closes_at}})


def council_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Rada Działalności Pożytku Publicznego Miasta",
        "kind": "public_benefit_council",
        "term_start": "2026-03-01",
        "members": [
            {"name": "Anna Nowak", "side": "ngo", "organization_id": org_id()},
            {"name": "Piotr Wiśniewski", "side": "ngo", "organization_id": org_id()},
            {"name": "Jan Kowalski", "side": "city"},
            {"name": "Maria Zielińska", "side": "city"},
        ],
    }
    return body_with(body, overrides)


def create_council(service, officer: str, **overrides: Any) -> dict[str, Any]:
    return created(service.post(COUNCILS, officer, json=council_body(**overrides)))


def db_state(db) -> dict[str, Any]:
    return snapshot(db, STATE_COLLECTIONS)


def publish_organizations(amqp_uri: str, service, count: int = 1, status: str = "verified",
                          areas: tuple[str, ...] = ("culture",), ids: list[str] | None = None,
                          time_: str | None = None) -> list[str]:
    """Organisations as the registry announces them (CloudEvents on `registry.events`),
    once the service has handled the events."""
    import json

    import pika

    from wspolpraca.envelope import CloudEvent
    from wspolpraca.testing.waiting import wait_until

    ids = ids or [org_id() for _ in range(count)]
    handled = service.db["processed_events"].count_documents({})
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.exchange_declare("registry.events", exchange_type="topic", durable=True)
    routing_key = "organization.registered" if status == "pending" else f"organization.{status}"
    for number, organization in enumerate(ids):
        event = CloudEvent(service="registry", routing_key=routing_key, subject=organization,
                           data={"id": organization, "name": f"Stowarzyszenie nr {number}",
                                 "legal_form": "association", "nip": "5260250274",
                                 "regon": None, "krs": None, "areas": list(areas),
                                 "email": "biuro@example.pl", "district": None,
                                 "status": status, "public_benefit_status": None},
                           **({"time": time_} if time_ else {}))
        channel.basic_publish("registry.events", routing_key,
                              json.dumps(event.to_dict()).encode(),
                              pika.BasicProperties(content_type="application/json",
                                                   delivery_mode=2))
    connection.close()
    wait_until(lambda: service.db["processed_events"].count_documents({}) >= handled + len(ids),
               timeout=15, what="the projection to receive the organisations")
    return ids
