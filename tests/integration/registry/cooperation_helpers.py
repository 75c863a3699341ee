"""Helpers of the tests of non-financial cooperation: departments, resources, verified
organisations and times in the city's zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from registry_helpers import create_department, register, register_verified

CITY = ZoneInfo("Europe/Warsaw")
RESOURCES_PATH = "/api/v1/resources"
BOOKINGS_PATH = "/api/v1/bookings"
PATRONAGES_PATH = "/api/v1/patronages"
TRAININGS_PATH = "/api/v1/trainings"
PARTNERSHIPS_PATH = "/api/v1/partnerships"
VOLUNTEERING_PATH = "/api/v1/volunteering"

ALL_DAYS = [{"day": d, "opens": "00:00", "closes": "24:00"}
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


def local(days: int, hour: int, minute: int = 0) -> datetime:
    """`days` from today at `hour`:`minute` city time."""
    today = datetime.now(CITY).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=CITY)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def resource_body(department: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Sala konferencyjna w Centrum Organizacji Pozarządowych",
        "kind": "room",
        "address": "ul. Piotrkowska 113, 90-430 Łódź",
        "district": "Śródmieście",
        "capacity": 40,
        "department": department,
        "accessibility": ["winda", "toaleta dla osób z niepełnosprawnością"],
        "included": ["rzutnik", "nagłośnienie"],
        "opening_hours": ALL_DAYS,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def create_resource(registry, token: str, department: str, **overrides: Any) -> dict:
    response = registry.post(RESOURCES_PATH, token, json=resource_body(department, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def booking_body(organization_id: str, starts: datetime, ends: datetime,
                 **overrides: Any) -> dict[str, Any]:
    body = {"organization_id": organization_id, "purpose": "Walne zebranie członków",
            "starts_at": iso(starts), "ends_at": iso(ends)}
    body.update(overrides)
    return body


class Ngo:
    """A verified organisation and the token of its representative."""

    def __init__(self, registry, token_factory, officer: str, verified: bool = True,
                 **overrides: Any) -> None:
        first = token_factory("ngo")
        make = register_verified if verified else register
        args = (registry, first, officer) if verified else (registry, first)
        self.organization = make(*args, **overrides)
        self.id = self.organization["id"]
        self.token = token_factory("ngo", org_id=self.id)


def setup_department(registry, officer: str, code: str = "culture_dept") -> str:
    existing = registry.get(f"/api/v1/departments/{code}")
    if existing.status_code == 404:
        create_department(registry, officer, code)
    return code
