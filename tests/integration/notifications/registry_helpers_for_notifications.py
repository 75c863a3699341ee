"""A valid organisation body for the registry (its own helpers live in another test folder)."""

from __future__ import annotations

from typing import Any

from wspolpraca.testing.identifiers import fresh_nip


def organization_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Stowarzyszenie Przyjaciół Łąk",
        "legal_form": "association",
        "nip": fresh_nip(),
        "areas": ["ecology"],
        "email": "biuro@laki.example.pl",
    }
    body.update(overrides)
    return body
