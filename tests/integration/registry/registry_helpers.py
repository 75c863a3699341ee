"""Helpers shared by the registry's integration tests: valid identifiers, request
bodies, error-shape checks and a snapshot of the registry's database."""

from __future__ import annotations

import itertools
from typing import Any

from wspolpraca.testing.answers import assert_error as assert_error  # the tests' import
from wspolpraca.testing.answers import body_with, created
from wspolpraca.testing.answers import db_state as snapshot
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.waiting import wait_until

ORGANIZATIONS_PATH = "/api/v1/organizations"
DEPARTMENTS_PATH = "/api/v1/departments"
INQUIRIES_PATH = "/api/v1/inquiries"

STATE_COLLECTIONS = ("organizations", "departments", "inquiries")



def dashed(nip: str) -> str:
    """A NIP written the way people type it: 526-025-02-74."""
    return f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"


_krs = itertools.count(700_001)


def fresh_krs() -> str:
    return str(next(_krs))


def organization_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Stowarzyszenie Przyjaciół Łąk",
        "legal_form": "association",
        "nip": fresh_nip(),
        "regon": "123456785",
        "areas": ["ecology"],
        "email": "biuro@laki.example.pl",
    }
    return body_with(body, overrides)


def register(registry, token: str, **overrides: Any) -> dict[str, Any]:
    return created(registry.post(ORGANIZATIONS_PATH, token, json=organization_body(**overrides)))


def register_verified(registry, ngo_token: str, officer: str, **overrides: Any) -> dict:
    organization = register(registry, ngo_token, **overrides)
    response = registry.post(f"{ORGANIZATIONS_PATH}/{organization['id']}/verify", officer)
    assert response.status_code == 200, response.text
    return response.json()


def department_body(code: str = "culture_dept", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "name": "Wydział Kultury",
        "areas": ["culture"],
        "contact_person": "Anna Nowak",
        "email": "kultura@um.example.pl",
    }
    return body_with(body, overrides)


def create_department(registry, officer: str, code: str = "culture_dept",
                      **overrides: Any) -> dict[str, Any]:
    return created(registry.post(DEPARTMENTS_PATH, officer,
                                 json=department_body(code, **overrides)))


def inquiry_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Dostęp do sali na próby chóru",
        "text": "Czy możemy korzystać z sali w domu kultury w czwartki?",
        "area": "culture",
        "name": "Jan Kowalski",
        "email": "jan@chor.example.pl",
    }
    return body_with(body, overrides)


def file_inquiry(registry, token: str | None = None, **overrides: Any) -> dict[str, Any]:
    return created(registry.post(INQUIRIES_PATH, token, json=inquiry_body(**overrides)))


def db_state(db) -> dict[str, Any]:
    return snapshot(db, STATE_COLLECTIONS)


def db_counts(db) -> dict[str, int]:
    return {name: db[name].count_documents({}) for name in (*STATE_COLLECTIONS, "outbox")}


def wait_for_count(listener, count: int, timeout: float = 15.0) -> list[dict]:
    """Block until the listener holds at least `count` events; return them all."""
    def enough() -> list[dict]:
        with listener._lock:
            return list(listener.messages) if len(listener.messages) >= count else []

    try:
        return wait_until(enough, timeout=timeout, interval=0.02)
    except AssertionError:
        raise AssertionError(f"expected {count} events, got "
                             f"{[m.get('type') for m in listener.messages]}") from None
