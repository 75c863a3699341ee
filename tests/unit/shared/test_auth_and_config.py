import time

import jwt
import pytest

from wspolpraca.auth import decode_token, mint_token, principal_from_header
from wspolpraca.config import (
    DEVELOPMENT_JWT_SECRET,
    ConfigurationError,
    load_settings,
    resolve_mongo,
)
from wspolpraca.errors import DomainError

ENV = {"MONGO_URI": "mongodb://db:27017/?replicaSet=rs0"}


def settings(**env):
    return load_settings("registry", {**ENV, **env})


def test_a_minted_token_carries_roles_organisation_and_department():
    principal = decode_token(mint_token("u1", ["ngo"], org_id="o1"), settings())
    assert principal.sub == "u1" and principal.roles == {"ngo"} and principal.org_id == "o1"
    assert principal.has_any(("ngo",)) and not principal.has_any(("officer",))


def test_admin_passes_every_role_check():
    assert decode_token(mint_token("a", ["admin"]), settings()).has_any(("officer",))


@pytest.mark.parametrize("token", [
    jwt.encode({"sub": "u", "roles": ["officer"], "aud": "wspolpraca",
                "exp": int(time.time()) - 120}, DEVELOPMENT_JWT_SECRET, algorithm="HS256"),
    jwt.encode({"sub": "u", "roles": ["officer"], "aud": "other",
                "exp": int(time.time()) + 60}, DEVELOPMENT_JWT_SECRET, algorithm="HS256"),
    jwt.encode({"sub": "u", "roles": ["officer"], "aud": "wspolpraca",
                "exp": int(time.time()) + 60}, "x" * 40, algorithm="HS256"),
    jwt.encode({"roles": ["officer"], "aud": "wspolpraca",
                "exp": int(time.time()) + 60}, DEVELOPMENT_JWT_SECRET, algorithm="HS256"),
    "not-a-jwt",
])
def test_expired_foreign_forged_or_malformed_tokens_are_unauthorized(token):
    with pytest.raises(DomainError) as refused:
        decode_token(token, settings())
    assert refused.value.status == 401


def test_a_header_that_is_not_bearer_is_unauthorized():
    with pytest.raises(DomainError):
        principal_from_header("Basic abc", settings())
    assert principal_from_header(None, settings()) is None


def test_production_refuses_to_start_without_a_secret():
    with pytest.raises(ConfigurationError):
        settings(WSPOLPRACA_ENV="production")
    strong = "0123456789abcdef0123456789abcdef"
    assert settings(WSPOLPRACA_ENV="production", WSPOLPRACA_JWT_SECRET=strong).production


@pytest.mark.parametrize("secret", [
    "s", "31-bytes-is-one-byte-too-short!",            # short
    DEVELOPMENT_JWT_SECRET, "dev-only-jwt-secret-change-me",   # documented
])
def test_production_refuses_a_short_or_documented_jwt_secret(secret):
    """Issue 15 item 7: compose's old default (`dev-only-jwt-secret-change-me`) was accepted."""
    with pytest.raises(ConfigurationError):
        settings(WSPOLPRACA_ENV="production", WSPOLPRACA_JWT_SECRET=secret)
    assert settings(WSPOLPRACA_JWT_SECRET=secret).jwt_secret == secret  # development: any


def test_development_helpers_mint_with_the_configured_secret_audience_and_issuer(monkeypatch):
    """Issue 15 item 7: `make demo` signed with the development secret whatever was set."""

    monkeypatch.setenv("WSPOLPRACA_JWT_SECRET", "the-city-s-own-secret-0123456789abcdef")
    monkeypatch.setenv("WSPOLPRACA_JWT_AUDIENCE", "city-aud")
    monkeypatch.setenv("WSPOLPRACA_JWT_ISSUER", "https://id.city.example")
    token = mint_token("u1", ["officer"])
    claims = jwt.decode(token, "the-city-s-own-secret-0123456789abcdef",
                          algorithms=["HS256"], audience="city-aud",
                          issuer="https://id.city.example")
    assert claims["sub"] == "u1"
    configured = load_settings("registry", {"MONGO_URI": "mongodb://db:27017/",
                                            "WSPOLPRACA_JWT_SECRET":
                                            "the-city-s-own-secret-0123456789abcdef",
                                            "WSPOLPRACA_JWT_AUDIENCE": "city-aud",
                                            "WSPOLPRACA_JWT_ISSUER": "https://id.city.example"})
    assert decode_token(token, configured).roles == {"officer"}


def test_the_demo_mints_with_the_configured_secret(monkeypatch):
    import importlib.util
    from pathlib import Path


    monkeypatch.setenv("WSPOLPRACA_JWT_SECRET", "the-city-s-own-secret-0123456789abcdef")
    path = Path(__file__).resolve().parents[3] / "scripts" / "demo.py"
    spec = importlib.util.spec_from_file_location("demo_under_test", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    jwt.decode(demo.OFFICER, "the-city-s-own-secret-0123456789abcdef",
                 algorithms=["HS256"], audience="wspolpraca")
    jwt.decode(demo.ngo_token({"id": "a" * 24}), "the-city-s-own-secret-0123456789abcdef",
                 algorithms=["HS256"], audience="wspolpraca")


def test_each_service_uses_its_own_uri_or_a_database_named_after_it():
    assert resolve_mongo("grants", {"MONGO_URI_GRANTS": "mongodb://h/grants_db?x=1"}) == (
        "mongodb://h/grants_db?x=1", "grants_db")
    assert resolve_mongo("grants", ENV)[1] == "grants"
    with pytest.raises(ConfigurationError):
        resolve_mongo("grants", {})


def test_ports_follow_the_design_and_can_be_overridden():
    assert settings().http_port == 8001
    assert settings(WSPOLPRACA_HTTP_PORT_REGISTRY="9001").http_port == 9001
    assert settings(WSPOLPRACA_RETRY_DELAYS="1,2").consumer_retry_delays == (1.0, 2.0)


def test_a_representative_acts_for_its_own_organisation_and_a_department_runs_its_own():
    from wspolpraca.auth import Principal

    ngo = Principal("u", frozenset({"ngo"}), org_id="o1")
    assert ngo.acts_for("o1") and not ngo.acts_for("o2") and not ngo.acts_for(None)
    assert Principal("a", frozenset({"admin"})).acts_for("o2")
    culture = Principal("d", frozenset({"department"}), department="culture")
    assert culture.runs("culture") and not culture.runs("sport") and not culture.runs(None)
    assert Principal("o", frozenset({"officer"})).runs(None)
    assert not Principal("n", frozenset({"ngo"}), department="culture").runs("culture")


def test_the_local_run_points_the_services_at_identitys_jwks_keeping_the_dev_secret():
    from wspolpraca.local import identity_environment

    env = identity_environment({})
    assert env["WSPOLPRACA_JWT_JWKS_URL"] == "http://127.0.0.1:8006/oauth2/jwks"
    assert env["WSPOLPRACA_JWT_ISSUER"] == "http://127.0.0.1:8006"
    assert env["WSPOLPRACA_JWT_SECRET"] == DEVELOPMENT_JWT_SECRET
    settings = load_settings("grants", {"MONGO_URI": "mongodb://db/", **env})
    assert settings.jwt_jwks_url and settings.jwt_secret and settings.jwt_issuer
    production = identity_environment({"WSPOLPRACA_ENV": "production"})
    assert "WSPOLPRACA_JWT_SECRET" not in production
    # a city's own provider is left as configured
    assert identity_environment({"WSPOLPRACA_JWT_JWKS_URL": "https://login.example/jwks"}) == {}
