"""Tokens (issue 10, security): expiry, audience and signature checked; `alg: none` and
algorithm confusion refused; RS256 by a configured public key and by a JWKS URL, with the
identity provider rotating its keys by `kid`."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from wspolpraca.auth import decode_token
from wspolpraca.config import DEVELOPMENT_JWT_SECRET, ConfigurationError, load_settings
from wspolpraca.errors import DomainError

ENV = {"MONGO_URI": "mongodb://db:27017/"}


def settings(**env):
    return load_settings("registry", {**ENV, **env})


def claims(**overrides):
    now = int(time.time())
    return {"sub": "u1", "roles": ["officer"], "aud": "wspolpraca", "iat": now,
            "exp": now + 60, **overrides}


def refused(token: str, config) -> DomainError:
    with pytest.raises(DomainError) as caught:
        decode_token(token, config)
    assert caught.value.status == 401
    return caught.value


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(payload: dict) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."


@pytest.fixture(scope="module")
def rsa_keys():
    """Two RSA key pairs (PEM private, PEM public)."""
    pairs = []
    for _ in range(2):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()
        pairs.append((private_pem, public_pem))
    return pairs


# --- HS256 ---------------------------------------------------------------------------------

def test_a_valid_hs256_token_is_accepted():
    token = jwt.encode(claims(), DEVELOPMENT_JWT_SECRET, algorithm="HS256")
    assert decode_token(token, settings()).roles == {"officer"}


def test_an_expired_token_is_refused_as_expired():
    token = jwt.encode(claims(exp=int(time.time()) - 120), DEVELOPMENT_JWT_SECRET,
                       algorithm="HS256")
    assert "wygasł" in refused(token, settings()).message


@pytest.mark.parametrize("payload", [
    claims(aud="another-system"),
    {k: v for k, v in claims().items() if k != "aud"},
    {k: v for k, v in claims().items() if k != "exp"},
])
def test_a_token_for_another_audience_or_without_one_or_without_expiry_is_refused(payload):
    refused(jwt.encode(payload, DEVELOPMENT_JWT_SECRET, algorithm="HS256"), settings())


def test_the_configured_audience_is_the_one_expected():
    config = settings(WSPOLPRACA_JWT_AUDIENCE="miasto")
    refused(jwt.encode(claims(), DEVELOPMENT_JWT_SECRET, algorithm="HS256"), config)
    assert decode_token(jwt.encode(claims(aud="miasto"), DEVELOPMENT_JWT_SECRET,
                                   algorithm="HS256"), config).sub == "u1"


def test_a_wrong_signature_is_refused():
    refused(jwt.encode(claims(), "another-secret-" * 3, algorithm="HS256"), settings())
    good = jwt.encode(claims(), DEVELOPMENT_JWT_SECRET, algorithm="HS256")
    head, body, signature = good.split(".")
    tampered = _b64({**claims(), "roles": ["admin"]})
    refused(f"{head}.{tampered}.{signature}", settings())


def test_alg_none_is_refused_whatever_is_configured(rsa_keys):
    token = unsigned(claims(roles=["admin"]))
    refused(token, settings())
    refused(token, settings(WSPOLPRACA_JWT_PUBLIC_KEY=rsa_keys[0][1]))


# --- RS256 by public key --------------------------------------------------------------------

def test_rs256_with_the_configured_public_key(rsa_keys):
    (private, public), (other_private, _) = rsa_keys
    config = settings(WSPOLPRACA_JWT_PUBLIC_KEY=public)
    assert decode_token(jwt.encode(claims(), private, algorithm="RS256"), config).sub == "u1"
    refused(jwt.encode(claims(), other_private, algorithm="RS256"), config)
    refused(jwt.encode(claims(exp=int(time.time()) - 120), private, algorithm="RS256"), config)
    refused(jwt.encode(claims(aud="x"), private, algorithm="RS256"), config)
    # a development HS256 token is no longer accepted once a public key is configured
    refused(jwt.encode(claims(), DEVELOPMENT_JWT_SECRET, algorithm="HS256"), config)


def test_algorithm_confusion_hs256_keyed_by_the_public_key_is_refused(rsa_keys):
    public = rsa_keys[0][1]
    import hashlib
    import hmac

    head = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(claims(roles=["admin"]))
    mac = hmac.new(public.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    refused(f"{head}.{body}.{signature}", settings(WSPOLPRACA_JWT_PUBLIC_KEY=public))


# --- RS256 by JWKS --------------------------------------------------------------------------

class JwksServer:
    """A local identity provider's `/.well-known/jwks.json`, counting the fetches."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.fetches += 1
                payload = json.dumps({"keys": owner.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, *keys: tuple[str, str]) -> None:
        """`(kid, public PEM)` pairs."""
        jwks = []
        for kid, public in keys:
            jwk = json.loads(RSAAlgorithm.to_jwk(
                serialization.load_pem_public_key(public.encode())))
            jwks.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        self.keys = jwks

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks():
    server = JwksServer()
    yield server
    server.stop()


def test_rs256_through_jwks_with_key_rotation_by_kid(rsa_keys, jwks):
    (old_private, old_public), (new_private, new_public) = rsa_keys
    jwks.publish(("k1", old_public))
    config = settings(WSPOLPRACA_JWT_JWKS_URL=jwks.url, WSPOLPRACA_JWT_JWKS_COOLDOWN_SECONDS="0")

    def signed(private, kid, **overrides):
        return jwt.encode(claims(**overrides), private, algorithm="RS256",
                          headers={"kid": kid})

    assert decode_token(signed(old_private, "k1"), config).sub == "u1"
    assert decode_token(signed(old_private, "k1", sub="u2"), config).sub == "u2"
    assert jwks.fetches == 1, "the key set is cached between tokens"
    refused(signed(old_private, "k1", exp=int(time.time()) - 120), config)
    refused(signed(old_private, "k1", aud="x"), config)
    refused(signed(new_private, "k1"), config)          # signed by a key that is not k1

    # the provider rotates: k2 appears, then k1 is withdrawn
    jwks.publish(("k1", old_public), ("k2", new_public))
    assert decode_token(signed(new_private, "k2"), config).sub == "u1"
    assert jwks.fetches == 2, "an unknown kid fetches the key set again"
    jwks.publish(("k2", new_public))
    refused(signed(new_private, "unknown"), config)     # fetches, still unknown
    refused(signed(old_private, "k1"), config)          # k1 withdrawn: gone from the set
    assert decode_token(signed(new_private, "k2"), config).sub == "u1"
    refused(unsigned(claims()), config)
    refused(jwt.encode(claims(), DEVELOPMENT_JWT_SECRET, algorithm="HS256",
                       headers={"kid": "k2"}), config)


def test_made_up_kids_do_not_make_every_request_fetch_the_key_set(rsa_keys, jwks):
    private, public = rsa_keys[0]
    jwks.publish(("k1", public))
    config = settings(WSPOLPRACA_JWT_JWKS_URL=jwks.url, WSPOLPRACA_JWT_JWKS_COOLDOWN_SECONDS="600")
    assert decode_token(jwt.encode(claims(), private, algorithm="RS256",
                                   headers={"kid": "k1"}), config)
    for n in range(5):
        refused(jwt.encode(claims(), private, algorithm="RS256", headers={"kid": f"x{n}"}),
                config)
    assert jwks.fetches == 1


def test_an_unreachable_jwks_endpoint_refuses_within_the_timeout(rsa_keys):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)            # accepts the connection, never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/jwks.json"
        config = settings(WSPOLPRACA_JWT_JWKS_URL=url,
                          WSPOLPRACA_JWT_JWKS_TIMEOUT_SECONDS="0.5")
        token = jwt.encode(claims(), rsa_keys[0][0], algorithm="RS256", headers={"kid": "k"})
        refused(token, config)
    finally:
        silent.close()


# --- secrets only from the environment -------------------------------------------------------

def test_production_refuses_the_development_secret_or_no_key_at_all(rsa_keys):
    with pytest.raises(ConfigurationError):
        settings(WSPOLPRACA_ENV="production")
    with pytest.raises(ConfigurationError):
        settings(WSPOLPRACA_ENV="production", WSPOLPRACA_JWT_SECRET=DEVELOPMENT_JWT_SECRET)
    assert settings(WSPOLPRACA_ENV="production",
                    WSPOLPRACA_JWT_PUBLIC_KEY=rsa_keys[0][1]).jwt_secret is None
    assert settings(WSPOLPRACA_ENV="production",
                    WSPOLPRACA_JWT_JWKS_URL="https://idp.example/jwks").jwt_secret is None
    vault = "s3cr3t-from-the-vault-0123456789abcdef"
    assert settings(WSPOLPRACA_ENV="production",
                    WSPOLPRACA_JWT_SECRET=vault).jwt_secret == vault


def test_outside_production_the_documented_development_secret_is_the_default():
    assert settings().jwt_secret == DEVELOPMENT_JWT_SECRET


# --- issuer, leeway and claim types (issue 15, item 12c) -----------------------------------

def hs(**overrides) -> str:
    return jwt.encode(claims(**overrides), DEVELOPMENT_JWT_SECRET, algorithm="HS256")


def test_the_issuer_is_checked_when_one_is_configured():
    configured = settings(WSPOLPRACA_JWT_ISSUER="https://id.city.example")
    assert decode_token(hs(iss="https://id.city.example"), configured).sub == "u1"
    assert "wystawca" in refused(hs(iss="https://evil.example"), configured).message
    refused(hs(), configured)  # no issuer at all
    assert decode_token(hs(iss="https://anything.example"), settings()).sub == "u1"


def test_a_small_clock_skew_is_allowed_and_configurable():
    now = int(time.time())
    late = hs(exp=now - 5)
    assert decode_token(late, settings()).sub == "u1"  # 30 s leeway by default
    refused(late, settings(WSPOLPRACA_JWT_LEEWAY_SECONDS="0"))
    refused(hs(exp=now - 120), settings())
    early = hs(nbf=now + 10, iat=now + 10)
    assert decode_token(early, settings()).sub == "u1"


@pytest.mark.parametrize("claim,value", [
    ("org_id", {"$ne": None}), ("org_id", ["a", "b"]), ("org_id", 42), ("org_id", ""),
    ("org_id", "x" * 500), ("department", {"$gt": ""}), ("department", 7),
    ("department", True), ("sub", 12), ("sub", {"id": 1}), ("sub", ""),
    ("roles", "officer"), ("roles", {"officer": True}), ("roles", [1]),
])
def test_claims_of_the_wrong_type_are_refused_before_they_reach_a_query(claim, value):
    error = refused(hs(**{claim: value}), settings())
    if claim != "sub":  # PyJWT itself refuses a `sub` that is not a string
        assert claim in error.message or "role" in error.message


# --- the local run: identity's JWKS and the development secret side by side -----------------

def test_with_a_jwks_and_a_secret_both_kinds_of_token_are_accepted(rsa_keys, jwks):
    (private, public), (other_private, _) = rsa_keys
    jwks.publish(("k1", public))
    config = settings(WSPOLPRACA_JWT_JWKS_URL=jwks.url,
                      WSPOLPRACA_JWT_SECRET=DEVELOPMENT_JWT_SECRET)
    rs256 = jwt.encode(claims(), private, algorithm="RS256", headers={"kid": "k1"})
    assert decode_token(rs256, config).sub == "u1"
    assert decode_token(jwt.encode(claims(sub="dev"), DEVELOPMENT_JWT_SECRET,
                                   algorithm="HS256"), config).sub == "dev"
    refused(jwt.encode(claims(), "another secret", algorithm="HS256"), config)
    refused(jwt.encode(claims(), other_private, algorithm="RS256", headers={"kid": "k1"}),
            config)
    refused(unsigned(claims()), config)


def test_the_identity_providers_issuer_is_checked_when_configured(rsa_keys, jwks):
    private, public = rsa_keys[0]
    jwks.publish(("k1", public))
    config = settings(WSPOLPRACA_JWT_JWKS_URL=jwks.url,
                      WSPOLPRACA_JWT_ISSUER="https://login.miasto.example")

    def signed(**overrides):
        return jwt.encode(claims(**overrides), private, algorithm="RS256",
                          headers={"kid": "k1"})

    assert decode_token(signed(iss="https://login.miasto.example"), config).sub == "u1"
    refused(signed(iss="https://elsewhere.example"), config)
    refused(signed(), config)  # no iss at all
