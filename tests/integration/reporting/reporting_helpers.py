"""Helpers of the reporting integration tests: publishing CloudEvents as the other
services do, waiting for the projections, and organisations through the registry."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pika
from reporting_factory import (
    awarded,
    comment,
    competition,
    consultation,
    contract,
    offer,
    small_grant,
)

from wspolpraca.envelope import CloudEvent
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.waiting import wait_until

SUMMARY = "/api/v1/stats/summary"


def queue_name(source: str) -> str:
    """nameko's queue of the reporting handler bound to `<source>.events` with "#"."""
    return f"evt-{source}-#--reporting.on_{source}_event"


def publish(amqp_uri: str, events: Iterable[CloudEvent | tuple[str, dict]]) -> None:
    """Publish persistent, confirmed, to each event's exchange (`<service>.events`);
    a `(exchange, body)` pair publishes a raw body (a poison message)."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    for item in events:
        if isinstance(item, CloudEvent):
            exchange, routing_key, body = item.exchange, item.routing_key, item.to_dict()
        else:
            exchange, body = item
            routing_key = str(body.get("type", "x.y")).split(".", 1)[-1]
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        channel.basic_publish(
            exchange, routing_key, json.dumps(body).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                 message_id=str(body.get("id"))))
    connection.close()




def logged(reporting) -> int:
    return reporting.db["events"].count_documents({})


def summary(reporting, year: int = 2026) -> dict:
    response = reporting.get(f"{SUMMARY}?year={year}")
    assert response.status_code == 200, response.text
    return response.json()


def register(registry, token: str, name: str, *, district: str | None = None,
             verify_with: str | None = None) -> dict:
    body = {"name": name, "legal_form": "association", "nip": fresh_nip(),
            "areas": ["culture"], "email": "zarzad@tajne.example.pl"}
    if district:
        body["district"] = district
    response = registry.post("/api/v1/organizations", token, json=body)
    assert response.status_code == 201, response.text
    organization = response.json()
    if verify_with:
        response = registry.post(f"/api/v1/organizations/{organization['id']}/verify",
                                 verify_with)
        assert response.status_code == 200, response.text
        organization = response.json()
    return organization


def grants_story(org_a: str, org_b: str) -> list:
    return [
        competition("announced", "comp-1", "2026-01-15T10:00:00Z"),
        offer("submitted", "off-1", "comp-1", org_a, "2026-02-01T10:00:00Z"),
        offer("submitted", "off-2", "comp-1", org_b, "2026-02-02T10:00:00Z",
              requested="30000.00"),
        awarded("off-1", "comp-1", org_a, "2026-03-20T10:00:00Z", "15000.50"),
        offer("not_funded", "off-2", "comp-1", org_b, "2026-03-20T10:00:01Z",
              requested="30000.00"),
        competition("resolved", "comp-1", "2026-03-20T10:00:02Z", awarded="15000.50",
                    funded=1, not_funded=1),
        contract("signed", "k-1", "off-1", org_a, "2026-03-25T10:00:00Z"),
        small_grant("submitted", "sg-1", org_b, "2026-04-01T10:00:00Z"),
        small_grant("published", "sg-1", org_b, "2026-04-02T10:00:00Z",
                    comments_until="2026-04-09", published_at="2026-04-02T10:00:00Z"),
        small_grant("awarded", "sg-1", org_b, "2026-04-12T10:00:00Z",
                    awarded_amount="7999.99", comments_until="2026-04-09"),
        consultation("opened", "con-1", "2026-02-01T08:00:00Z"),
        comment("com-1", "con-1", "2026-02-05T08:00:00Z"),
        comment("com-2", "con-1", "2026-02-06T08:00:00Z"),
    ]


def fill(registry, reporting, amqp_uri, token, officer):
    ngo = token("ngo")
    org_a = register(registry, ngo, "Stowarzyszenie Teatr Ochota", district="ochota",
                     verify_with=officer)
    org_b = register(registry, ngo, "Fundacja Ławka")
    events = grants_story(org_a["id"], org_b["id"])
    # the award before the offer it funds: order must not matter
    events[1], events[3] = events[3], events[1]
    publish(amqp_uri, events)
    wait_until(lambda: logged(reporting) >= len(events) + 3)  # + registered x2, verified
    return org_a, org_b, events
