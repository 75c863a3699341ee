"""Valid, distinct Polish identifiers for tests."""

from __future__ import annotations

import itertools

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_seeds = itertools.count(510_000_001)


def fresh_nip() -> str:
    """A NIP with a valid check digit, never the same one twice in a process."""
    while True:
        digits = f"{next(_seeds):09d}"
        check = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return digits + str(check)
