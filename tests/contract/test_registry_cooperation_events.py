"""The catalogue entries of the registry's non-financial cooperation events (issue 11):
city resources and bookings, patronages, trainings, partnerships and volunteering.

Example events by hand, other shapes the code produces, and values the catalogue refuses.
That the services publish exactly these shapes is checked by test_event_catalogue.py over
everything the integration tests published.
"""

from __future__ import annotations

from typing import Any

from wspolpraca.testing.event_examples import CatalogueExamples

ORG_ID = "665f1c2a9b1e8a0012345678"
OTHER_ORG_ID = "665f1c2a9b1e8a0012345679"
RESOURCE_ID = "665f1c2a9b1e8a00000000aa"
BOOKING_ID = "665f1c2a9b1e8a00000000bb"
PATRONAGE_ID = "665f1c2a9b1e8a00000000cc"
TRAINING_ID = "665f1c2a9b1e8a00000000dd"
REGISTRATION_ID = "665f1c2a9b1e8a00000000ee"
PARTNERSHIP_ID = "665f1c2a9b1e8a00000000ff"
NEED_ID = "665f1c2a9b1e8a0000000100"
STARTS = "2025-06-14T08:00:00.000Z"
ENDS = "2025-06-14T11:00:00.000Z"


def resource(**changes: Any) -> dict[str, Any]:
    return {
        "id": RESOURCE_ID,
        "name": "Sala konferencyjna",
        "kind": "room",
        "address": "ul. Piotrkowska 113, 90-430 Łódź",
        "district": "Śródmieście",
        "capacity": 40,
        "department": "culture_dept",
        "accessibility": ["winda"],
        "included": ["rzutnik"],
        "opening_hours": [{"day": "mon", "opens": "08:00", "closes": "20:00"},
                          {"day": "sat", "opens": "10:00", "closes": "24:00"}],
    } | changes


def booking(**changes: Any) -> dict[str, Any]:
    return {
        "id": BOOKING_ID,
        "resource_id": RESOURCE_ID,
        "resource_name": "Sala konferencyjna",
        "resource_kind": "room",
        "department": "culture_dept",
        "organization_id": ORG_ID,
        "organization_name": "Stowarzyszenie Przyjaciół Łąk",
        "title": "Walne zebranie członków",
        "place": "Sala konferencyjna, ul. Piotrkowska 113, 90-430 Łódź",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "hours": 3.0,
        "status": "requested",
        "reason": None,
    } | changes


def patronage(**changes: Any) -> dict[str, Any]:
    return {
        "id": PATRONAGE_ID,
        "organization_id": ORG_ID,
        "organization_name": "Stowarzyszenie Przyjaciół Łąk",
        "kind": "patronage",
        "name": "Festiwal Łąk Miejskich",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "place": "Park Źródliska",
        "areas": ["ecology"],
        "status": "requested",
        "reason": None,
    } | changes


def training(**changes: Any) -> dict[str, Any]:
    return {
        "id": TRAINING_ID,
        "title": "Jak napisać ofertę",
        "kind": "training",
        "topic": "project_writing",
        "place": "Centrum Organizacji Pozarządowych",
        "starts_at": STARTS,
        "ends_at": ENDS,
        "seats": 20,
        "seats_taken": 3,
        "waiting": 0,
        "status": "published",
        "version": 4,
    } | changes


def registration(**changes: Any) -> dict[str, Any]:
    return {"id": REGISTRATION_ID, "person": "user-1a2b3c", "email": "osoba@ngo.example.pl",
            "organization_id": ORG_ID, "status": "registered", "promoted": False} | changes


def partnership(**changes: Any) -> dict[str, Any]:
    return {
        "id": PARTNERSHIP_ID,
        "kind": "agreement",
        "title": "Porozumienie na rzecz seniorów",
        "goal": "Wspólny klub seniora.",
        "parties": [{"kind": "city", "organization_id": None, "name": "Miasto"},
                    {"kind": "organization", "organization_id": ORG_ID,
                     "name": "Stowarzyszenie Przyjaciół Łąk"}],
        "areas": ["seniors"],
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
    } | changes


def volunteering(**changes: Any) -> dict[str, Any]:
    return {
        "id": NEED_ID,
        "organization_id": ORG_ID,
        "organization_name": "Stowarzyszenie Przyjaciół Łąk",
        "title": "Wolontariusze do sprzątania parku",
        "areas": ["ecology", "volunteering"],
        "district": "Bałuty",
        "volunteers_needed": 10,
        "starts_on": "2025-04-01",
        "ends_on": None,
    } | changes


EXAMPLES: dict[str, dict[str, Any]] = {
    "registry.resource.created": resource(),
    "registry.resource.updated": resource(capacity=60, changed_fields=["capacity",
                                                                       "opening_hours"]),
    "registry.booking.requested": booking(),
    "registry.booking.approved": booking(status="approved"),
    "registry.booking.refused": booking(status="refused", reason="Remont sali."),
    "registry.booking.cancelled": booking(status="cancelled", reason="Zebranie przeniesione."),
    "registry.patronage.requested": patronage(),
    "registry.patronage.granted": patronage(status="granted"),
    "registry.patronage.refused": patronage(status="refused", reason="Wydarzenie komercyjne."),
    "registry.training.published": training(seats_taken=0),
    "registry.training.registered": training(registration=registration()),
    "registry.training.unregistered": training(
        registration=registration(status="unregistered")),
    "registry.training.attendance_recorded": training(attended=3, attended_by_organization=[
        {"organization_id": ORG_ID, "registered": 2, "attended": 1}]),
    "registry.training.cancelled": training(
        status="cancelled", reason="Choroba prowadzącej.",
        registrations=[registration(), registration(status="waitlisted")]),
    "registry.partnership.signed": partnership(),
    "registry.volunteering.posted": volunteering(),
}

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("registry.resource.created", resource(kind="equipment", district=None, capacity=None,
                                           accessibility=[], included=[], opening_hours=None)),
    ("registry.resource.updated", resource(opening_hours=None, changed_fields=["description"])),
    ("registry.booking.cancelled", booking(status="cancelled", reason=None)),
    ("registry.booking.requested", booking(hours=0.5, resource_kind="equipment")),
    ("registry.patronage.requested", patronage(kind="promotion")),
    ("registry.training.registered", training(
        seats_taken=20, waiting=1,
        registration=registration(status="waitlisted", organization_id=None))),
    ("registry.training.registered", training(registration=registration(promoted=True))),
    ("registry.training.attendance_recorded", training(attended=0)),
    ("registry.training.attendance_recorded", training(attended=0,
                                                       attended_by_organization=[])),
    ("registry.training.cancelled", training(status="cancelled", reason="Brak sali.")),
    ("registry.training.published", {k: v for k, v in training().items() if k != "version"}),
    ("registry.partnership.signed", partnership(
        kind="joint_project", ends_on=None,
        parties=[{"kind": "organization", "organization_id": ORG_ID, "name": "A"},
                 {"kind": "organization", "organization_id": OTHER_ORG_ID, "name": "B"}])),
    ("registry.volunteering.posted", volunteering(starts_on=None, ends_on="2025-05-01")),
]

WRONG_VALUES: list[tuple[str, str, Any]] = [
    ("registry.resource.created", "kind", "vehicle"),
    ("registry.resource.created", "capacity", 0),
    ("registry.resource.created", "department", "Culture Dept"),
    ("registry.resource.created", "opening_hours", [{"day": "mon", "opens": "8:00",
                                                     "closes": "20:00"}]),
    ("registry.resource.updated", "changed_fields", []),
    ("registry.resource.updated", "changed_fields", ["department"]),
    ("registry.booking.requested", "status", "approved"),
    ("registry.booking.requested", "starts_at", "2025-06-14T10:00:00+02:00"),
    ("registry.booking.requested", "hours", 0),
    ("registry.booking.requested", "hours", "3"),
    ("registry.booking.approved", "organization_id", "not-an-id"),
    ("registry.booking.refused", "reason", None),
    ("registry.booking.refused", "status", "cancelled"),
    ("registry.booking.cancelled", "status", "approved"),
    ("registry.patronage.requested", "kind", "sponsorship"),
    ("registry.patronage.requested", "areas", []),
    ("registry.patronage.granted", "status", "requested"),
    ("registry.patronage.refused", "reason", ""),
    ("registry.training.published", "seats", 0),
    ("registry.training.published", "seats_taken", -1),
    ("registry.training.published", "status", "cancelled"),
    ("registry.training.registered", "registration", registration(status="maybe")),
    ("registry.training.registered", "registration", registration(email="nope")),
    ("registry.training.attendance_recorded", "attended", -1),
    ("registry.training.attendance_recorded", "attended_by_organization",
     [{"organization_id": ORG_ID, "registered": 1}]),
    ("registry.training.attendance_recorded", "attended_by_organization",
     [{"organization_id": ORG_ID, "registered": 1, "attended": 1, "name": "Jan"}]),
    ("registry.training.cancelled", "reason", None),
    ("registry.training.cancelled", "registrations", [registration(email="nope")]),
    ("registry.training.published", "version", 0),
    ("registry.partnership.signed", "parties", [{"kind": "city", "organization_id": None,
                                                 "name": "Miasto"}]),
    ("registry.partnership.signed", "starts_on", "1 Jan 2025"),
    ("registry.volunteering.posted", "volunteers_needed", 0),
    ("registry.volunteering.posted", "district", ""),
]


class TestRegistryCooperationEvents(CatalogueExamples):
    examples = EXAMPLES
    variants = VARIANTS
    wrong_values = WRONG_VALUES
    extra_field = ("contact_phone", "+48 600 000 000")
    # added later (additively): a training's record version, the people a cancellation tells,
    # the attendance per organisation
    optional = frozenset({"version", "registrations", "attended_by_organization"})
    complete = False  # the registry's other events are examples of test_event_catalogue.py
