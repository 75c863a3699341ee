"""Pure builders of the stored documents and event payloads of non-financial cooperation.

Payloads of events worth a calendar entry (booking approved, patronage granted, training
published) carry `title` or `name`, `starts_at`, `ends_at` and `place`, so the
notifications service can build calendar feeds from them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry import cooperation_domain as rules
from registry.domain import search_key
from wspolpraca.areas import validate_areas
from wspolpraca.pagination import new_id
from wspolpraca.payloads import record_payload
from wspolpraca.repository import first_version


def _ms(moment: datetime) -> datetime:
    """MongoDB keeps milliseconds: store what will be read back."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- resources and bookings ------------------------------------------------------------


def new_resource(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    hours = data.get("opening_hours")
    windows = rules.parse_opening_hours(hours) if hours is not None else None
    return {
        **data,
        "_id": new_id(),
        "opening_hours": None if windows is None else [
            {"day": w.day, "opens": _clock(w.opens), "closes": _clock(w.closes)}
            for w in windows],
        "district_key": search_key(data["district"]) if data.get("district") else None,
        "booking_version": 0,
        "created_at": now,
        "updated_at": now,
        "version": 0,
    }


RESOURCE_EVENT_FIELDS = ("name", "kind", "address", "district", "capacity", "department",
                         "accessibility", "included", "opening_hours")


def updated_resource(current: dict[str, Any], changes: dict[str, Any],
                     now: datetime) -> tuple[dict[str, Any], list[str]]:
    """The resource with `changes` applied, and the names of the fields that changed."""
    checked = dict(changes)
    if checked.get("opening_hours") is not None:
        checked["opening_hours"] = [
            {"day": w.day, "opens": _clock(w.opens), "closes": _clock(w.closes)}
            for w in rules.parse_opening_hours(checked["opening_hours"])]
    changed = sorted(k for k, v in checked.items() if current.get(k) != v)
    record = {**current, **checked, "updated_at": now}
    record["district_key"] = search_key(record["district"]) if record.get("district") else None
    return record, changed


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def resource_windows(resource: dict[str, Any]) -> list[rules.Window] | None:
    hours = resource.get("opening_hours")
    return None if hours is None else rules.parse_opening_hours(hours)


def place_of(resource: dict[str, Any]) -> str:
    return f"{resource['name']}, {resource['address']}"


def resource_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    payload = {"id": record["_id"], **{k: record.get(k) for k in RESOURCE_EVENT_FIELDS}}
    payload.update(extra)
    return payload


def new_booking(data: dict[str, Any], resource: dict[str, Any], organization: dict[str, Any],
                requested_by: str, now: datetime) -> dict[str, Any]:
    starts_at, ends_at = _ms(data["starts_at"]), _ms(data["ends_at"])
    return {
        "_id": new_id(),
        "resource_id": resource["_id"],
        "resource_name": resource["name"],
        "resource_kind": resource["kind"],
        "department": resource["department"],
        "place": place_of(resource),
        "organization_id": organization["_id"],
        "organization_name": organization["name"],
        "purpose": data["purpose"],
        "attendees": data.get("attendees"),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "hours": rules.booking_hours(starts_at, ends_at),
        "status": rules.BookingStatus.REQUESTED.value,
        "requested_by": requested_by,
        **dict.fromkeys(("reason", "decided_by")),  # until it is decided
        "created_at": now,
        "updated_at": now,
    }


def booking_payload(record: dict[str, Any]) -> dict[str, Any]:
    return record_payload(record, """
        resource_id resource_name resource_kind department organization_id organization_name
        title=purpose place starts_at:time ends_at:time hours status reason
    """)


# --- patronages ------------------------------------------------------------------------


def new_patronage(data: dict[str, Any], organization: dict[str, Any], now: datetime) -> dict:
    return {
        **data,
        "_id": new_id(),
        "organization_name": organization["name"],
        "starts_at": _ms(data["starts_at"]),
        "ends_at": _ms(data["ends_at"]),
        "areas": validate_areas(data["areas"]),
        "status": rules.PatronageStatus.REQUESTED.value,
        **dict.fromkeys(("reason", "decided_by", "decided_at")),  # until it is decided
        "created_at": now,
    }


def patronage_payload(record: dict[str, Any]) -> dict[str, Any]:
    return record_payload(record, """
        organization_id organization_name kind name starts_at:time ends_at:time place areas
        status reason
    """)


# --- trainings -------------------------------------------------------------------------


def new_training(data: dict[str, Any], published_by: str, now: datetime) -> dict[str, Any]:
    return {
        **data,
        "_id": new_id(),
        "starts_at": _ms(data["starts_at"]),
        "ends_at": _ms(data["ends_at"]),
        "seats_taken": 0,
        "waiting": 0,
        "queue_length": 0,
        "attended": None,
        "status": rules.TrainingStatus.PUBLISHED.value,
        "reason": None,
        **first_version(now, "published_by", published_by, updated=False),
    }


def training_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return record_payload(record, """
        title kind topic place starts_at:time ends_at:time seats seats_taken waiting status
        version
    """, **extra)


def new_registration(training: dict[str, Any], person: str, data: dict[str, Any],
                     organization_id: str | None, status: rules.RegistrationStatus,
                     queue_number: int, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "training_id": training["_id"],
        "person": person,
        "name": data["name"],
        "email": data["email"],
        "organization_id": organization_id,
        "status": status.value,
        "queue_number": queue_number,
        "attended": None,
        "registered_at": now,
        "updated_at": now,
    }


def registration_payload(record: dict[str, Any], promoted: bool = False) -> dict[str, Any]:
    return record_payload(record, "person email organization_id status promoted", promoted=promoted)


# --- partnerships and volunteering -----------------------------------------------------


def new_partnership(data: dict[str, Any], parties: list[dict[str, Any]], signed_by: str,
                    now: datetime) -> dict[str, Any]:
    return {
        **data,
        "_id": new_id(),
        "parties": parties,
        "organization_ids": [p["organization_id"] for p in parties if p["organization_id"]],
        "areas": validate_areas(data["areas"]),
        "starts_on": _day(data["starts_on"]),
        "ends_on": _day(data.get("ends_on")),
        "signed_by": signed_by,
        "created_at": now,
    }


def partnership_payload(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("kind", "title", "goal", "parties", "areas", "starts_on",
                                   "ends_on")} | {"id": record["_id"]}


def new_volunteering(data: dict[str, Any], organization: dict[str, Any],
                     now: datetime) -> dict[str, Any]:
    return {
        **data,
        "_id": new_id(),
        "organization_name": organization["name"],
        "areas": validate_areas(data["areas"]),
        "district_key": search_key(data["district"]),
        "starts_on": _day(data.get("starts_on")),
        "ends_on": _day(data.get("ends_on")),
        "created_at": now,
    }


def volunteering_payload(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("organization_id", "organization_name", "title", "areas",
                                   "district", "volunteers_needed", "starts_on",
                                   "ends_on")} | {"id": record["_id"]}
