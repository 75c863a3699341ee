"""The event catalogue (infra/asyncapi/asyncapi.yaml) and the events the services publish.

The catalogue tests run anywhere. The last two check the events the other tests of this
session made the services publish (every outbox on the test SecantusDB server): after the
integration tests (`pytest tests/integration tests/contract`; the root conftest runs
tests/contract last) that is everything those tests made the services publish. Alone, the
contract tests make the services publish events of their own first (`own_events`, conftest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from wspolpraca.testing.contract import (
    PROJECT_SERVICES,
    published_events,
    published_records,
    service_suites_in_session,
)
from wspolpraca.testing.event_examples import CatalogueExamples

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_PATH = ROOT / "infra" / "asyncapi" / "asyncapi.yaml"


# --- example events, by hand, for every registry type ---------------------------------------

ORG_ID = "665f1c2a9b1e8a0012345678"
INQUIRY_ID = "665f1c2a9b1e8a0087654321"
TIME = "2025-03-04T10:15:30.123Z"
DEADLINE = "2025-03-18T10:15:30.123Z"


def organization(**changes: Any) -> dict[str, Any]:
    return {
        "id": ORG_ID,
        "name": "Stowarzyszenie Przyjaciół Łąk",
        "legal_form": "association",
        "nip": "5260250274",
        "regon": "123456785",
        "krs": "0000012345",
        "areas": ["ecology", "education"],
        "email": "biuro@laki.example.pl",
        "district": "Śródmieście",
        "status": "pending",
        "public_benefit_status": {"granted": True, "since": "2019-05-01"},
        "version": 1,
    } | changes


def status_change(status: str, reason: str | None) -> dict[str, Any]:
    return organization(status=status, reason=reason, changed_by="user-officer",
                        changed_at=TIME)


def department(**changes: Any) -> dict[str, Any]:
    return {
        "code": "social_policy",
        "name": "Wydział Polityki Społecznej",
        "areas": ["social_assistance", "seniors"],
        "contact_person": "Anna Nowak",
        "email": "wps@um.example.pl",
    } | changes


def inquiry(**changes: Any) -> dict[str, Any]:
    return {
        "id": INQUIRY_ID,
        "subject": "Termin konkursu na 2026",
        "area": "seniors",
        "organization_id": None,
        "department": None,
        "status": "received",
        "received_at": TIME,
        "deadline": DEADLINE,
    } | changes


EXAMPLES: dict[str, dict[str, Any]] = {
    "registry.organization.registered": organization(),
    "registry.organization.updated": organization(
        status="verified", changed_fields=["areas", "phone"]),
    "registry.organization.verified": status_change("verified", None),
    "registry.organization.suspended": status_change("suspended", "Brak sprawozdania."),
    "registry.organization.returned_to_verification": status_change(
        "pending", "Organizacja zmieniła dane sprawdzane przy weryfikacji (nazwa); wymaga "
        "ponownej weryfikacji."),
    "registry.organization.reinstated": status_change("verified", None),
    "registry.organization.archived": status_change("archived", "Likwidacja."),
    "registry.department.created": department(),
    "registry.department.updated": department(changed_fields=["areas", "name"]),
    "registry.inquiry.received": inquiry(),
    "registry.inquiry.routed": inquiry(status="routed", department="social_policy"),
    "registry.inquiry.assigned": inquiry(status="assigned", department="social_policy",
                                         assignee="Jan Kowalski"),
    "registry.inquiry.answered": inquiry(
        status="answered", organization_id=ORG_ID, answer="Konkurs ogłosimy w styczniu.",
        answered_at=TIME, contact_email="jan@example.pl", on_time=True),
    "registry.inquiry.closed": inquiry(status="closed", department="social_policy"),
    "registry.inquiry.overdue": inquiry(status="routed", department="social_policy",
                                        days_overdue=3),
}

# Other shapes the code produces: nullable fields null, optional parts left out.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("registry.organization.registered", organization(
        regon=None, krs=None, district=None, public_benefit_status=None)),
    ("registry.organization.registered", organization(
        regon="12345678512347", public_benefit_status={"granted": False, "since": None})),
    ("registry.organization.updated", organization(
        status="archived", changed_fields=["public_benefit_status"],
        public_benefit_status=None)),
    ("registry.department.created", department(areas=[])),
    ("registry.department.updated", department(changed_fields=[])),
    ("registry.inquiry.received", inquiry(organization_id=ORG_ID)),
    ("registry.inquiry.assigned", inquiry(status="assigned", assignee="Jan Kowalski")),
    ("registry.inquiry.answered", inquiry(
        status="answered", answer="Tak.", answered_at=DEADLINE,
        contact_email="a@b.pl", on_time=False)),
    ("registry.inquiry.overdue", inquiry(days_overdue=0)),
]

# Values the catalogue refuses: (type, data key, value).
WRONG_VALUES: list[tuple[str, str, Any]] = [
    ("registry.organization.registered", "status", "verified"),
    ("registry.organization.registered", "regon", "12345"),
    ("registry.organization.registered", "regon", 123456785),
    ("registry.organization.registered", "nip", "526-025-02-74"),
    ("registry.organization.registered", "krs", "12345"),
    ("registry.organization.registered", "areas", []),
    ("registry.organization.registered", "legal_form", "company"),
    ("registry.organization.registered", "public_benefit_status", {"granted": True}),
    ("registry.organization.registered", "public_benefit_status",
     {"granted": True, "since": "1 May 2019"}),
    ("registry.organization.registered", "public_benefit_status",
     {"granted": "yes", "since": None}),
    ("registry.organization.updated", "changed_fields", []),
    ("registry.organization.updated", "changed_fields", ["nip"]),
    ("registry.organization.verified", "reason", "why not"),
    ("registry.organization.suspended", "reason", None),
    ("registry.organization.suspended", "status", "verified"),
    ("registry.organization.archived", "changed_at", "2025-03-04 10:15"),
    ("registry.department.created", "code", "Social Policy"),
    ("registry.department.updated", "changed_fields", ["code"]),
    ("registry.inquiry.received", "department", "social_policy"),
    ("registry.inquiry.received", "organization_id", "not-an-object-id"),
    ("registry.inquiry.routed", "department", None),
    ("registry.inquiry.assigned", "assignee", None),
    ("registry.inquiry.answered", "on_time", "yes"),
    ("registry.inquiry.answered", "answered_at", "2025-02-30T10:00:00Z"),
    ("registry.inquiry.overdue", "days_overdue", -1),
    ("registry.inquiry.overdue", "days_overdue", 1.5),
    ("registry.inquiry.overdue", "status", "answered"),
]


# --- (a) the catalogue itself ---------------------------------------------------------------


def test_catalogue_is_an_asyncapi_3_document():
    document = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert str(document["asyncapi"]).startswith("3.")
    assert document["info"]["title"] and document["info"]["version"] == "1.0.0"
    assert "dataschema" in document["info"]["description"]
    assert {server["protocol"] for server in document["servers"].values()} == {"amqp"}
    for operation_id, operation in document["operations"].items():
        assert operation["action"] == "send", operation_id


def test_every_ref_in_the_catalogue_resolves(catalogue):
    assert catalogue.broken_refs() == []


def test_every_message_schema_is_a_valid_json_schema(catalogue):
    assert catalogue.event_types()
    for event_type in catalogue.event_types():
        Draft202012Validator.check_schema(catalogue.schema_for(event_type))


def test_every_event_is_routed_to_its_service_exchange_by_its_type(catalogue):
    for event_type in catalogue.event_types():
        service = event_type.split(".", 1)[0]
        exchange, routing_key = catalogue.route_of(event_type)
        assert exchange == f"{service}.events", event_type
        assert event_type == f"{service}.{routing_key}", event_type


# Non-financial cooperation (issue 11); their examples are in test_registry_cooperation_events.py.
REGISTRY_COOPERATION_TYPES = (
    "registry.resource.created",
    "registry.resource.updated",
    "registry.booking.requested",
    "registry.booking.approved",
    "registry.booking.refused",
    "registry.booking.cancelled",
    "registry.patronage.requested",
    "registry.patronage.granted",
    "registry.patronage.refused",
    "registry.training.published",
    "registry.training.registered",
    "registry.training.unregistered",
    "registry.training.attendance_recorded",
    "registry.training.cancelled",
    "registry.partnership.signed",
    "registry.volunteering.posted",
)


def test_the_registry_events_are_catalogued(catalogue):
    catalogued = {t for t in catalogue.event_types() if t.startswith("registry.")}
    assert catalogued == set(EXAMPLES) | set(REGISTRY_COOPERATION_TYPES)


# --- (b) example events ---------------------------------------------------------------------


class TestRegistryEvents(CatalogueExamples):
    examples = EXAMPLES
    variants = VARIANTS
    wrong_values = WRONG_VALUES
    extra_field = ("representatives", [{"name": "Jan Kowalski"}])
    complete = False  # with the cooperation types, above
    subject_of = staticmethod(lambda data: data.get("id") or data.get("code"))


event = TestRegistryEvents.event


@pytest.mark.parametrize("event_type", sorted(EXAMPLES))
def test_another_type_does_not_validate_against_the_schema(catalogue, event_type):
    types = sorted(EXAMPLES)
    other = types[(types.index(event_type) + 1) % len(types)]
    wrong = event(event_type, EXAMPLES[event_type])
    wrong["type"] = other
    # the schema of a type accepts only that type ...
    assert not Draft202012Validator(catalogue.schema_for(event_type)).is_valid(wrong)
    # ... and the other type's schema refuses this type's data
    assert any(error.startswith("data") for error in catalogue.validate(wrong))


def test_an_unknown_type_is_an_error(catalogue):
    unknown = event("registry.organization.deleted", {"id": ORG_ID})
    assert catalogue.validate(unknown) == [
        "type: unknown event type 'registry.organization.deleted': not in the catalogue"]
    assert catalogue.schema_for("registry.organization.deleted") is None


@pytest.mark.parametrize(("attribute", "value"), [
    ("specversion", "0.3"),
    ("id", "42"),
    ("source", "/wspolpraca/grants"),
    ("subject", ""),
    ("time", "2025-03-04T10:15:30+01:00"),
    ("time", "yesterday"),
    ("datacontenttype", "text/plain"),
    ("correlationid", "has spaces"),
    ("causationid", None),
    ("data", []),
    ("dataschema", "not a uri"),
    ("traceparent", "00-abc"),
])
def test_a_broken_envelope_does_not_validate(catalogue, attribute, value):
    broken = event("registry.inquiry.received", EXAMPLES["registry.inquiry.received"])
    broken[attribute] = value
    assert catalogue.validate(broken) != []


def test_an_envelope_may_name_its_dataschema(catalogue):
    with_schema = event("registry.inquiry.received", EXAMPLES["registry.inquiry.received"])
    with_schema["dataschema"] = ("https://wspolpraca.example.pl/asyncapi.yaml"
                                 "#/components/messages/registry.inquiry.received")
    assert catalogue.validate(with_schema) == []


# --- (c), (d) what the services published in this session ------------------------------------


def test_every_published_event_matches_the_catalogue(mongo_client, catalogue, own_events):
    records = published_records(mongo_client, PROJECT_SERVICES)
    assert records, "no service published an event in this session"
    violations = []
    for record in records:
        body = record.get("body")
        problems = catalogue.validate(body)
        event_type = body.get("type") if isinstance(body, dict) else None
        route = catalogue.route_of(event_type) if isinstance(event_type, str) else None
        if route is not None and route != (record.get("exchange"), record.get("routing_key")):
            problems.append(f"published to {record.get('exchange')!r} with routing key "
                            f"{record.get('routing_key')!r}, catalogued as {route}")
        if problems:
            violations.append(f"{event_type} {record.get('_id')} ({record['database']}):\n    "
                              + "\n    ".join(problems))
    assert not violations, (
        f"{len(violations)} of {len(records)} published events do not match "
        f"{CATALOGUE_PATH.relative_to(ROOT)}:\n" + "\n".join(violations))


def test_every_catalogued_event_was_published_by_the_tests(mongo_client, catalogue, request,
                                                          own_events):
    """Each service whose integration suite ran must have published every catalogued type;
    alone, the contract tests' own events must all have been published (and be catalogued)."""
    services = service_suites_in_session(request.session)
    events = [e for e in published_events(mongo_client, PROJECT_SERVICES) if isinstance(e, dict)]
    published = {e.get("type") for e in events}
    if not services:
        assert own_events, "no service integration suite ran, and no events of the tests' own"
        assert own_events <= set(catalogue.event_types()), own_events - set(
            catalogue.event_types())
        assert not own_events - published, f"never published: {sorted(own_events - published)}"
        return
    missing = [t for t in catalogue.event_types()
               if t.split(".", 1)[0] in services and t not in published]
    assert not missing, (
        f"the integration tests never made the services publish {len(missing)} catalogued "
        "event types: " + ", ".join(missing))
