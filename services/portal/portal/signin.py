"""Signing in to the portal: OpenID Connect authorization code + PKCE (S256) against the
identity service (or the city's own provider), through Authlib's requests client; ID tokens
checked with joserfc against the provider's JWKS (issuer, audience, expiry, `nonce`).

The portal is the public client `wspolpraca-portal` (identity registers it in every
installation with the redirect URI `WSPOLPRACA_PORTAL_URL` + `/logowanie/powrot`). Endpoints the
browser visits (authorization, end session) are the provider's public ones from discovery; the
portal's own calls (token, JWKS) go to `PORTAL_IDENTITY_URL` when it is set (inside a cluster
the public address may not be reachable from the portal).

The tokens stay on the server, in the session store (`portal.sessions`): the browser holds only
a random session id in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from portal.backend import Unavailable
from wspolpraca.config import SERVICE_PORTS

log = logging.getLogger(__name__)

CLIENT_ID = "wspolpraca-portal"
CALLBACK = "/logowanie/powrot"
SCOPE = "openid profile email offline_access"
REFRESH_MARGIN = 60          # seconds: an access token this close to expiry is refreshed first
DISCOVERY_TTL = 300.0        # seconds the provider's metadata and keys are reused
TIMEOUT = (2.0, 10.0)
ACCESS_CLAIMS = ("roles", "org_id", "department")


# what Authlib's client raises for an error answer, and requests for no answer
CLIENT_ERRORS = (AuthlibBaseError, requests.RequestException, ValueError, KeyError)


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or used (state, nonce, token, refresh)."""


def portal_url(env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    port = env.get("WSPOLPRACA_HTTP_PORT_PORTAL") or SERVICE_PORTS["portal"]
    return (env.get("WSPOLPRACA_PORTAL_URL") or f"http://127.0.0.1:{port}").rstrip("/")


def identity_urls(env: dict[str, str] | None = None) -> tuple[str, str]:
    """(the issuer, the address the portal itself reaches the provider at)."""
    env = os.environ if env is None else env
    port = env.get("WSPOLPRACA_HTTP_PORT_IDENTITY") or SERVICE_PORTS["identity"]
    internal = (env.get("PORTAL_IDENTITY_URL") or f"http://127.0.0.1:{port}").rstrip("/")
    issuer = (env.get("WSPOLPRACA_JWT_ISSUER") or env.get("WSPOLPRACA_IDENTITY_ISSUER")
              or internal).rstrip("/")
    return issuer, internal


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    id_token: str
    expires_at: float
    claims: dict[str, Any]        # the ID token's: sub, name, email, roles, org_id, sid


@dataclass
class Pending:
    """What a sign-in started: checked when the provider sends the person back."""

    state: str
    nonce: str
    code_verifier: str
    next: str


class Provider:
    """The OpenID provider as the portal uses it."""

    def __init__(self, issuer: str, internal: str, redirect_uri: str,
                 client_id: str = CLIENT_ID) -> None:
        self.issuer = issuer
        self.internal = internal
        self.redirect_uri = redirect_uri
        self.client_id = client_id
        self.lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    @classmethod
    def from_environment(cls) -> Provider:
        issuer, internal = identity_urls()
        return cls(issuer, internal, portal_url() + CALLBACK)

    def _fetch(self, url: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=TIMEOUT)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("identity unavailable: %s: %s", url, type(exc).__name__)
            raise Unavailable("identity", type(exc).__name__) from None

    def back_channel(self, url: str) -> str:
        """The provider's URL as the portal itself reaches it."""
        if url.startswith(self.issuer):
            return self.internal + url[len(self.issuer):]
        return url

    @property
    def metadata(self) -> dict[str, Any]:
        with self.lock:
            return self._metadata_unlocked()

    def _metadata_unlocked(self) -> dict[str, Any]:
        if self._metadata is None or self._metadata[0] < time.monotonic():
            found = self._fetch(f"{self.internal}/.well-known/openid-configuration")
            self._metadata = (time.monotonic() + DISCOVERY_TTL, found)
        return self._metadata[1]

    def keys(self, refresh: bool = False) -> KeySet:
        with self.lock:
            if refresh or self._keys is None or self._keys[0] < time.monotonic():
                url = self.back_channel(self._metadata_unlocked()["jwks_uri"])
                self._keys = (time.monotonic() + DISCOVERY_TTL,
                              KeySet.import_key_set(self._fetch(url)))
            return self._keys[1]

    def client(self, **kwargs: Any) -> OAuth2Session:
        return OAuth2Session(self.client_id, scope=SCOPE, redirect_uri=self.redirect_uri,
                             code_challenge_method="S256", token_endpoint_auth_method="none",
                             default_timeout=TIMEOUT, **kwargs)

    # --- the flow ------------------------------------------------------------------------
    def start(self, next_path: str, **extra: str) -> tuple[str, Pending]:
        """The authorization URL to send the browser to, and what to check on its return.
        `extra`: `org_id` (the organisation the session acts for), `prompt`."""
        pending = Pending(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                          code_verifier=secrets.token_urlsafe(48), next=safe_next(next_path))
        url, _ = self.client().create_authorization_url(
            self.metadata["authorization_endpoint"], state=pending.state,
            code_verifier=pending.code_verifier, nonce=pending.nonce, ui_locales="pl", **extra)
        return url, pending

    def finish(self, pending: Pending, query: dict[str, str]) -> Tokens:
        """The provider sent the person back: check `state`, exchange the code (with the PKCE
        verifier), check the ID token and its `nonce`."""
        if not query.get("state") or not secrets.compare_digest(query["state"], pending.state):
            raise SignInFailed("state")
        if query.get("error") or not query.get("code"):
            raise SignInFailed(query.get("error") or "no code")
        try:
            token = self.client().fetch_token(
                self.back_channel(self.metadata["token_endpoint"]), grant_type=
                "authorization_code", code=query["code"], code_verifier=pending.code_verifier)
        except CLIENT_ERRORS as exc:
            raise SignInFailed(f"token: {type(exc).__name__}") from None
        return self.tokens(token, nonce=pending.nonce)

    def tokens(self, token: dict[str, Any], nonce: str | None,
               previous: Tokens | None = None) -> Tokens:
        id_token = token.get("id_token") or (previous.id_token if previous else "")
        claims = self.check_id_token(id_token, nonce) if token.get("id_token") else (
            previous.claims if previous else {})
        if not claims:
            raise SignInFailed("no ID token")
        # what the person may do now is the access token's (roles, org_id, department)
        claims = {k: v for k, v in claims.items() if k not in ACCESS_CLAIMS}
        claims.update(self.access_claims(token["access_token"]))
        expires_in = int(token.get("expires_in") or 300)
        return Tokens(access_token=token["access_token"],
                      refresh_token=token.get("refresh_token")
                      or (previous.refresh_token if previous else None),
                      id_token=id_token, expires_at=time.time() + expires_in, claims=claims)

    def check_id_token(self, id_token: str, nonce: str | None) -> dict[str, Any]:
        try:
            try:
                decoded = jwt.decode(id_token, self.keys())
            except JoseError:  # a key rolled over since we read the set
                decoded = jwt.decode(id_token, self.keys(refresh=True))
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "exp": {"essential": True}, "sub": {"essential": True}}
            if nonce is not None:
                options["nonce"] = {"essential": True, "value": nonce}
            jwt.JWTClaimsRegistry(leeway=30, **options).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise SignInFailed(f"ID token: {exc}") from None
        return dict(decoded.claims)

    def access_claims(self, access_token: str) -> dict[str, Any]:
        """What the access token says the person may do now (roles, org_id): verified as the
        ID token is; the services check it again on every call."""
        try:
            claims = jwt.decode(access_token, self.keys()).claims
        except (JoseError, ValueError):
            return {}
        return {k: claims[k] for k in ACCESS_CLAIMS if k in claims}

    def refresh(self, tokens: Tokens) -> Tokens:
        """A new access token from the refresh token (rotated by the provider)."""
        if not tokens.refresh_token:
            raise SignInFailed("no refresh token")
        try:
            token = self.client().refresh_token(
                self.back_channel(self.metadata["token_endpoint"]),
                refresh_token=tokens.refresh_token)
        except CLIENT_ERRORS as exc:
            raise SignInFailed(f"refresh: {type(exc).__name__}") from None
        return self.tokens(dict(token), nonce=None, previous=tokens)

    def logout_url(self, tokens: Tokens | None, after: str) -> str | None:
        """RP-initiated logout at the provider (its session ends too), back to `after`."""
        endpoint = self.metadata.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {"client_id": self.client_id, "post_logout_redirect_uri": after}
        if tokens is not None and tokens.id_token:
            query["id_token_hint"] = tokens.id_token
        return f"{endpoint}?{urlencode(query)}"


def safe_next(path: str | None) -> str:
    """Only a path of the portal (never another site: no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path \
            or path.startswith(("/logowanie", "/rejestracja", "/wyloguj")):
        return "/moja-organizacja"
    return path
