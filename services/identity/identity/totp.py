"""The TOTP second factor (RFC 6238: six digits, 30-second steps, SHA-1, as every
authenticator app reads it) through `cryptography`'s maintained implementation."""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

DIGITS = 6
STEP_SECONDS = 30
SECRET_BYTES = 20          # 160 bits, RFC 4226's recommendation
DRIFT_STEPS = 1            # a code of the step before or after is still accepted
ISSUER = "Współpraca"


def new_secret() -> str:
    """A fresh shared secret, base32 without padding (what otpauth:// URIs carry)."""
    return base64.b32encode(os.urandom(SECRET_BYTES)).decode("ascii").rstrip("=")


def _totp(secret: str) -> TOTP:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return TOTP(key, DIGITS, SHA1(), STEP_SECONDS)


def provisioning_uri(secret: str, account_name: str) -> str:
    return _totp(secret).get_provisioning_uri(account_name, ISSUER)


def step_of(at: float) -> int:
    return int(at // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return _totp(secret).generate(step * STEP_SECONDS).decode("ascii")


def matching_step(secret: str, code: str, at: float, last_step: int | None) -> int | None:
    """The time step `code` belongs to (within the allowed drift), or None. A step at or
    before `last_step` (already used) never matches again: a code cannot be replayed."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    now = step_of(at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        try:
            totp.verify(code.encode("ascii"), step * STEP_SECONDS)
        except InvalidToken:
            continue
        return step
    return None
