"""Pure functions that turn validated input into stored records and event payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry import domain
from wspolpraca.areas import validate_areas
from wspolpraca.pagination import new_id
from wspolpraca.payloads import record_payload
from wspolpraca.repository import first_version

ORGANIZATION_EVENT_FIELDS = ("name", "legal_form", "nip", "regon", "krs", "areas", "email",
                             "district", "status", "public_benefit_status", "version")


def _identifiers(data: dict[str, Any]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    if "nip" in data:
        checked["nip"] = domain.validate_nip(data["nip"])
    for name, validate in (("regon", domain.validate_regon), ("krs", domain.validate_krs)):
        if name in data:
            checked[name] = validate(data[name]) if data[name] else None
    return checked


def _public_benefit(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if not value:
        return None
    since = value.get("since")
    return {"granted": bool(value["granted"]), "since": since.isoformat() if since else None}


def _searchable(record: dict[str, Any]) -> None:
    record["name_key"] = domain.search_key(record["name"])
    record["name_prefixes"] = domain.word_prefixes(record["name_key"])
    record["district_key"] = domain.search_key(record["district"]) if record.get("district") \
        else None


def new_organization(data: dict[str, Any], registered_by: str, now: datetime) -> dict[str, Any]:
    record = {
        **data,
        **_identifiers(data),
        "public_benefit_status": _public_benefit(data.get("public_benefit_status")),
        "_id": new_id(),
        "name": data["name"].strip(),
        "legal_form": domain.parse_legal_form(data["legal_form"]).value,
        "areas": validate_areas(data["areas"]),
        "status": domain.OrganizationStatus.PENDING.value,
        "status_reason": None,
        "verified_at": None,
        **first_version(now, "registered_by", registered_by),
    }
    _searchable(record)
    return record


def updated_organization(current: dict[str, Any], changes: dict[str, Any],
                         now: datetime) -> tuple[dict[str, Any], list[str]]:
    """The organisation with `changes` applied, and the names of the fields that changed."""
    checked = {**changes, **_identifiers(changes)}
    if "areas" in checked:
        checked["areas"] = validate_areas(checked["areas"])
    if "legal_form" in checked:
        checked["legal_form"] = domain.parse_legal_form(checked["legal_form"]).value
    if "name" in checked:
        checked["name"] = checked["name"].strip()
    if "public_benefit_status" in checked:
        checked["public_benefit_status"] = _public_benefit(checked["public_benefit_status"])
    changed = sorted(k for k, v in checked.items() if current.get(k) != v)
    record = {**current, **checked, "updated_at": now, "version": current["version"] + 1}
    _searchable(record)
    return record, changed


def with_status(current: dict[str, Any], status: str, reason: str | None,
                now: datetime) -> dict[str, Any]:
    record = {**current, "status": status, "status_reason": reason, "updated_at": now,
              "version": current["version"] + 1}
    if status == domain.OrganizationStatus.VERIFIED.value and not current.get("verified_at"):
        record["verified_at"] = now
    return record


def organization_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What events say about an organisation: no representatives' personal data."""
    payload = {"id": record["_id"], **{k: record.get(k) for k in ORGANIZATION_EVENT_FIELDS}}
    payload.update(extra)
    return payload


def new_department(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "_id": data["code"],
        "name": data["name"].strip(),
        "areas": validate_areas(data["areas"]) if data["areas"] else [],
        "contact_person": data["contact_person"],
        "email": data["email"],
        "created_at": now,
        "updated_at": now,
        "version": 0,
    }


def department_payload(record: dict[str, Any]) -> dict[str, Any]:
    return {"code": record["_id"], "name": record["name"], "areas": record["areas"],
            "contact_person": record["contact_person"], "email": record["email"]}


def new_inquiry(data: dict[str, Any], deadline: datetime, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "subject": data["subject"].strip(),
        "text": data["text"],
        "area": data["area"],
        "name": data["name"],
        "email": data["email"],
        "organization_id": data.get("organization_id"),
        "department": None,
        "assignee": None,
        "status": domain.InquiryStatus.RECEIVED.value,
        "received_at": now,
        "deadline": deadline,
        "answer": None,
        "answered_at": None,
        "closed_at": None,
        "overdue_reported": False,
    }


def inquiry_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return record_payload(record, """
        subject area organization_id? department? status received_at:time deadline:time
    """, **extra)
