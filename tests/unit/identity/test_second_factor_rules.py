"""The TOTP second factor: who needs it, and what a code is worth (RFC 6238, through
`cryptography`)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from identity import totp
from identity.domain import needs_second_factor

AT = 1_796_000_000.0  # a moment in December 2026


def test_staff_need_a_second_factor_and_others_only_once_they_enrolled():
    for roles in (["officer"], ["admin"], ["department"], ["committee", "officer"]):
        assert needs_second_factor(roles)
    for roles in ([], ["committee"], ["ngo"]):
        assert not needs_second_factor(roles)
    assert needs_second_factor([], enrolled=True)


def test_the_enrolment_uri_is_what_an_authenticator_app_reads():
    secret = totp.new_secret()
    uri = urlsplit(totp.provisioning_uri(secret, "anna@example.org"))
    query = parse_qs(uri.query)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert query["secret"] == [secret] and query["digits"] == ["6"]
    assert query["issuer"] == ["Współpraca"]
    assert len(secret) == 32   # 160 bits in base32


def test_a_code_of_this_step_or_a_neighbouring_one_is_accepted_once():
    secret = totp.new_secret()
    now = totp.step_of(AT)
    assert totp.matching_step(secret, totp.code_at(secret, now), AT, None) == now
    assert totp.matching_step(secret, totp.code_at(secret, now - 1), AT, None) == now - 1
    assert totp.matching_step(secret, totp.code_at(secret, now + 1), AT, None) == now + 1
    # a used step never matches again: the code cannot be replayed
    assert totp.matching_step(secret, totp.code_at(secret, now), AT, now) is None
    assert totp.matching_step(secret, totp.code_at(secret, now + 1), AT, now) == now + 1


def test_old_foreign_or_malformed_codes_are_refused():
    secret = totp.new_secret()
    now = totp.step_of(AT)
    assert totp.matching_step(secret, totp.code_at(secret, now - 3), AT, None) is None
    assert totp.matching_step(secret, totp.code_at(totp.new_secret(), now), AT, None) is None
    for code in ("", "12345", "1234567", "abcdef"):
        assert totp.matching_step(secret, code, AT, None) is None
    spaced = totp.code_at(secret, now)
    assert totp.matching_step(secret, f"{spaced[:3]} {spaced[3:]}", AT, None) == now


def test_a_sealed_secret_is_not_the_secret_and_opens_only_with_its_key_for_its_account():
    box = totp.SecretBox(b"a-long-random-key-0123456789abcdef")
    secret = totp.new_secret()
    sealed = box.seal(secret, "account-1")
    assert secret not in sealed and sealed != box.seal(secret, "account-1")  # a fresh nonce
    assert box.open(sealed, "account-1") == secret
    with pytest.raises(ValueError):
        box.open(sealed, "account-2")          # copied onto another account
    with pytest.raises(ValueError):
        totp.SecretBox(b"another-key-0123456789abcdef0123").open(sealed, "account-1")
    with pytest.raises(ValueError):
        box.open("v0." + sealed.partition(".")[2], "account-1")


def test_production_needs_its_own_long_totp_key():
    from identity.config import DEVELOPMENT_TOTP_KEY, load_identity_settings
    from wspolpraca.config import ConfigurationError, load_settings

    strong = {"WSPOLPRACA_IDENTITY_KEY_PASSPHRASE": "p" * 40}
    production = {"MONGO_URI": "mongodb://db/", "WSPOLPRACA_ENV": "production",
                  "WSPOLPRACA_JWT_JWKS_URL": "https://login.example/jwks"}
    settings = load_settings("identity", production)
    for bad in ({}, {"WSPOLPRACA_IDENTITY_TOTP_KEY": DEVELOPMENT_TOTP_KEY},
                {"WSPOLPRACA_IDENTITY_TOTP_KEY": "short"}):
        with pytest.raises(ConfigurationError, match="WSPOLPRACA_IDENTITY_TOTP_KEY"):
            load_identity_settings(settings, {**strong, **bad})
    good = load_identity_settings(settings, {**strong, "WSPOLPRACA_IDENTITY_TOTP_KEY": "k" * 40})
    assert good.totp_key == b"k" * 40
    development = load_settings("identity", {"MONGO_URI": "mongodb://db/"})
    assert load_identity_settings(development, {}).totp_key == DEVELOPMENT_TOTP_KEY.encode()
