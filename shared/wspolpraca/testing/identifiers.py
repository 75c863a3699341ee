"""Valid, distinct Polish identifiers for tests and benchmarks.

The check digits are computed here on purpose, independently of registry's validators, so that
the tests check the validators against a second implementation of the statutory algorithms.
"""

from __future__ import annotations

import hashlib
import itertools

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_REGON_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)
_seeds = itertools.count(510_000_001)


def nip_from(base: int) -> str | None:
    """The valid NIP whose first nine digits are `base`, or None if no check digit fits."""
    digits = f"{base:09d}"
    check = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
    return None if check == 10 else digits + str(check)


def fresh_nip() -> str:
    """A NIP with a valid check digit, never the same one twice in a process."""
    while True:
        candidate = nip_from(next(_seeds))
        if candidate is not None:
            return candidate


def nip_for(text: str) -> str:
    """A valid NIP drawn from `text` (the same text, the same NIP): the first digit 1 to 9, the
    next eight from its SHA-256, hashed again with a counter while no check digit fits."""
    for counter in itertools.count():
        number = int(hashlib.sha256(f"{text}/{counter}".encode()).hexdigest(), 16)
        candidate = nip_from((1 + number % 9) * 10**8 + (number // 9) % 10**8)
        if candidate is not None:
            return candidate
    raise AssertionError("unreachable")


def nips_from(start: int, count: int) -> list[str]:
    """`count` distinct valid NIPs, the first nine digits counting up from `start`."""
    found: list[str] = []
    for base in itertools.count(start):
        if len(found) == count:
            return found
        candidate = nip_from(base)
        if candidate is not None:
            found.append(candidate)
    raise AssertionError("unreachable")


def regon_from(index: int) -> str:
    """A valid nine-digit REGON for any non-negative `index`."""
    digits = f"{10_000_000 + index % 89_999_999:08d}"
    check = sum(int(d) * w for d, w in zip(digits, _REGON_WEIGHTS, strict=True)) % 11 % 10
    return digits + str(check)
