"""A city year of one organisation's cooperation as the services' events (shapes per
infra/asyncapi), for the unit and integration tests of reporting/cooperation.py."""

from __future__ import annotations

from reporting_factory import (
    awarded,
    comment,
    competition,
    contract,
    event,
    offer,
    oid,
    organization,
    small_grant,
    task_report,
)

ORG, OTHER = "org-camp", "org-other"


def booking(kind: str, booking_id: str, org: str, time: str, hours: float = 3.0):
    return event("registry", f"booking.{kind}", {
        "id": oid(booking_id), "resource_id": oid("room-1"), "resource_name": "Sala 101",
        "resource_kind": "room", "department": "culture", "organization_id": oid(org),
        "organization_name": "Fundacja", "title": "Próba", "place": "Ratusz",
        "starts_at": "2026-05-10T10:00:00Z", "ends_at": "2026-05-10T13:00:00Z",
        "hours": hours, "status": kind, "reason": None}, time=time)


def patronage(kind: str, patronage_id: str, org: str, time: str):
    return event("registry", f"patronage.{kind}", {
        "id": oid(patronage_id), "organization_id": oid(org), "organization_name": "Fundacja",
        "kind": "patronage", "name": "Festyn rodzinny", "starts_at": "2026-06-01T10:00:00Z",
        "ends_at": "2026-06-01T18:00:00Z", "place": "Park", "areas": ["culture"],
        "status": kind, "reason": None}, time=time)


def training(kind: str, registration_id: str, org: str, time: str, version: int):
    return event("registry", f"training.{kind}", {
        "id": oid("training-1"), "title": "Rozliczanie dotacji", "kind": "training",
        "topic": "finanse", "place": "Ratusz", "starts_at": "2026-03-03T09:00:00Z",
        "ends_at": "2026-03-03T12:00:00Z", "seats": 20, "seats_taken": 1, "waiting": 0,
        "version": version, "status": "published",
        "registration": {"id": oid(registration_id), "person": "user-1",
                         "email": "osoba@example.pl", "organization_id": oid(org),
                         "status": "registered" if kind == "registered" else "unregistered",
                         "promoted": False}}, time=time)


def training_attendance(org: str, attended: int, time: str, version: int):
    """The attendance of `training(...)`'s training, per organisation (a correction comes
    with a higher version)."""
    data = {k: v for k, v in training("registered", "r-0", org, time, version).data.items()
            if k != "registration"}
    return event("registry", "training.attendance_recorded", {
        **data, "attended": attended, "attended_by_organization": [
            {"organization_id": oid(org), "registered": 1, "attended": attended}]}, time=time)


def training_cancelled(time: str):
    """The training of `training(...)`, cancelled (registry's TrainingCancelledData)."""
    data = {k: v for k, v in training("registered", "r-0", ORG, time, 9).data.items()
            if k not in ("registration", "version")}
    return event("registry", "training.cancelled",
                 {**data, "status": "cancelled", "reason": "Prowadzący zachorował."},
                 time=time)


def partnership(time: str):
    return event("registry", "partnership.signed", {
        "id": oid("partnership-1"), "kind": "agreement", "title": "Razem dla Bałut",
        "goal": "Wspólne działania", "areas": ["culture"], "starts_on": "2026-02-01",
        "ends_on": "2026-12-31",
        "parties": [{"organization_id": oid(ORG)}, {"organization_id": oid(OTHER)}]},
        time=time)


def volunteering(time: str):
    return event("registry", "volunteering.posted", {
        "id": oid("vol-1"), "organization_id": oid(ORG), "organization_name": "Fundacja",
        "title": "Opiekunowie kolonii", "areas": ["culture"], "district": "baluty",
        "volunteers_needed": 4, "starts_on": "2026-07-01", "ends_on": "2026-08-31"},
        time=time)


def org_comment(time: str):
    found = comment("com-org", "con-1", time)
    found.data["organization_id"] = oid(ORG)
    found.data["author_kind"] = "organization"
    return found


def council(time: str):
    return event("consultations", "council.created", {
        "id": oid("council-1"), "name": "Rada Działalności Pożytku Publicznego",
        "kind": "public_benefit_council", "term_start": "2026-01-20", "term_end": "2029-01-19",
        "request_id": None, "members": [
            {"id": oid("m-1"), "name": "Jan Kowalski", "side": "ngo",
             "organization_id": oid(ORG)},
            {"id": oid("m-2"), "name": "Anna Nowak", "side": "city", "organization_id": None}]},
        time=time)


def city_year() -> list:
    return [
        organization("registered", ORG, "2026-01-05T09:00:00Z", "pending"),
        competition("announced", "comp-culture", "2026-01-15T10:00:00Z", department="culture"),
        competition("announced", "comp-sport", "2026-01-16T10:00:00Z", area="sport",
                    department="sport", budget="50000.00"),
        competition("announced", "comp-old", "2025-01-16T10:00:00Z", year=2025,
                    department="culture"),
        offer("submitted", "off-1", "comp-culture", ORG, "2026-02-01T10:00:00Z"),
        offer("submitted", "off-2", "comp-sport", ORG, "2026-02-02T10:00:00Z"),
        offer("submitted", "off-3", "comp-sport", OTHER, "2026-02-02T11:00:00Z"),
        offer("submitted", "off-4", "comp-culture", OTHER, "2026-02-03T11:00:00Z"),
        awarded("off-1", "comp-culture", ORG, "2026-03-20T10:00:00Z", "15000.00"),
        awarded("off-2", "comp-sport", ORG, "2026-03-21T10:00:00Z", "12000.00"),
        offer("not_funded", "off-3", "comp-sport", OTHER, "2026-03-21T10:00:01Z"),
        offer("withdrawn", "off-4", "comp-culture", OTHER, "2026-02-10T11:00:00Z"),
        competition("resolved", "comp-culture", "2026-03-20T10:00:02Z", awarded="15000.00",
                    funded=1, not_funded=0, department="culture"),
        contract("signed", "k-1", "off-1", ORG, "2026-03-25T10:00:00Z"),
        task_report("k-1", ORG, "2027-01-20T10:00:00Z"),
        contract("settled", "k-1", "off-1", ORG, "2027-02-01T10:00:00Z",
                 returned_amount="500.00", unused_due_on="2027-01-15"),
        contract("signed", "k-2", "off-2", ORG, "2026-03-26T10:00:00Z", amount="12000.00"),
        event("grants", "task_report.overdue", {
            "id": oid("k-2"), "offer_id": oid("off-2"), "competition_id": oid("comp-1"),
            "organization_id": oid(ORG), "amount": "12000.00", "task_start": "2026-04-01",
            "task_end": "2026-12-31", "report_due_on": "2027-01-30", "status": "report_due",
            "days_overdue": 1}, time="2027-01-31T08:00:00Z"),
        small_grant("submitted", "sg-1", ORG, "2026-04-01T10:00:00Z"),
        small_grant("published", "sg-1", ORG, "2026-04-02T10:00:00Z",
                    comments_until="2026-04-09", published_at="2026-04-02T10:00:00Z"),
        small_grant("awarded", "sg-1", ORG, "2026-04-12T10:00:00Z",
                    awarded_amount="8000.00", comments_until="2026-04-09"),
        small_grant("submitted", "sg-2", ORG, "2026-05-01T10:00:00Z"),  # not yet published
        booking("requested", "b-1", ORG, "2026-05-01T10:00:00Z"),
        booking("approved", "b-1", ORG, "2026-05-02T10:00:00Z"),
        booking("requested", "b-2", ORG, "2026-05-03T10:00:00Z"),
        booking("refused", "b-2", ORG, "2026-05-04T10:00:00Z"),
        patronage("requested", "p-1", ORG, "2026-05-05T10:00:00Z"),
        patronage("granted", "p-1", ORG, "2026-05-06T10:00:00Z"),
        training("registered", "r-1", ORG, "2026-02-20T10:00:00Z", 2),
        training("registered", "r-2", ORG, "2026-02-21T10:00:00Z", 3),
        training("unregistered", "r-2", ORG, "2026-02-22T10:00:00Z", 4),
        training_attendance(ORG, 0, "2026-03-03T13:00:00Z", 5),
        training_attendance(ORG, 1, "2026-03-03T12:30:00Z", 6),  # corrected (clock earlier)
        partnership("2026-02-01T10:00:00Z"),
        volunteering("2026-06-01T10:00:00Z"),
        org_comment("2026-02-05T08:00:00Z"),
        council("2026-01-20T10:00:00Z"),
    ]
