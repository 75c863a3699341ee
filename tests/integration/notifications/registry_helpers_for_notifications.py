"""A valid organisation body for the registry (its own helpers live in another test folder)."""

from __future__ import annotations

import itertools
from typing import Any

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_seeds = itertools.count(300_000_001)


def fresh_nip() -> str:
    while True:
        digits = f"{next(_seeds):09d}"
        remainder = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
        if remainder != 10:
            return digits + str(remainder)


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
