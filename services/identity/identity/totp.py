"""The TOTP second factor (RFC 6238: six digits, 30-second steps, SHA-1, as every
authenticator app reads it) through `cryptography`'s maintained implementation.

The shared secret is kept encrypted at rest (`SecretBox`: AES-256-GCM, the key derived with
HKDF from WSPOLPRACA_IDENTITY_TOTP_KEY, the account's id as associated data so that a sealed
secret copied onto another account does not open): a copy of the database gives nobody a
second factor.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA1, SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

DIGITS = 6
STEP_SECONDS = 30
SECRET_BYTES = 20          # 160 bits, RFC 4226's recommendation
DRIFT_STEPS = 1            # a code of the step before or after is still accepted
ISSUER = "Współpraca"
SEALED_VERSION = "v1"
NONCE_BYTES = 12           # AES-GCM's standard nonce, random per sealing


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


class SecretBox:
    """Seals and opens TOTP secrets with AES-256-GCM under a key derived from the configured
    one (any long random string; HKDF makes it a 256-bit key)."""

    def __init__(self, key_material: bytes) -> None:
        key = HKDF(algorithm=SHA256(), length=32, salt=None,
                   info=b"wspolpraca identity totp secret").derive(key_material)
        self._aead = AESGCM(key)

    def seal(self, secret: str, account_id: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode("ascii"), account_id.encode("utf-8"))
        return f"{SEALED_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, sealed: str, account_id: str) -> str:
        """The secret; ValueError when it was sealed under another key or for another
        account, or was altered."""
        version, _, body = sealed.partition(".")
        if version != SEALED_VERSION:
            raise ValueError(f"unknown sealed TOTP secret format {version!r}")
        raw = base64.urlsafe_b64decode(body)
        try:
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                       account_id.encode("utf-8"))
        except InvalidTag as error:
            raise ValueError("the TOTP secret does not open with this key") from error
        return plain.decode("ascii")
