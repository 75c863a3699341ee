"""What identity adds to the shared http helpers: its own tokens verified with its own keys,
endpoints that read no bearer token (the OAuth endpoints authenticate clients their own way),
server-rendered Polish pages, cookies and CSRF, password hashes."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import replace
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Request, Response

from wspolpraca.auth import Principal, decode_claims, decode_token, principal_from_claims
from wspolpraca.errors import Unauthorized
from wspolpraca.http import HttpApi
from wspolpraca.mongo import Mongo

SESSION_COOKIE = "wspolpraca_sid"
CSRF_COOKIE = "wspolpraca_csrf"


# --- passwords ------------------------------------------------------------------------------
HASHER = PasswordHasher()  # argon2id with the RFC 9106 low-memory parameters


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; an unknown account is checked against a dummy hash, so
    that both answers take the same time."""
    try:
        return HASHER.verify(stored_hash or _dummy_hash(), password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


# --- tokens -------------------------------------------------------------------------------
class IdentityApi(HttpApi):
    """`@identity_api(...)`: like `api`, but bearer tokens signed by identity's own keys are
    checked against its database (never its own JWKS over HTTP); `bearer=False` reads
    no Authorization header at all (the token endpoint takes HTTP Basic client credentials)."""

    def __init__(self, method: str, url: str, *, bearer: bool = True, **kwargs) -> None:
        super().__init__(method, url, **kwargs)
        self.bearer = bearer

    def authenticate(self, request: Request) -> Principal | None:
        if not self.bearer:
            return None
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Oczekiwano nagłówka Authorization: Bearer <token>.")
        return self.principal(token.strip())

    def principal(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("Niepoprawny token.") from None
        if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
            return decode_token(token, self.settings)  # a development HS256 token, say
        return principal_from_claims(self.own_claims(token, header["kid"]))

    def setup(self) -> None:
        super().setup()
        from identity.config import load_identity_settings

        self.identity = load_identity_settings(self.settings)
        # identity's own tokens carry its issuer, checked even where the environment names none
        self.own_settings = replace(self.settings, jwt_issuer=self.identity.issuer)

    def own_claims(self, token: str, kid: str) -> dict:
        from identity.keys import PUBLISHED, SIGNING_KEYS

        mongo = next(d for d in self.container.dependencies if isinstance(d, Mongo))
        record = mongo.db[SIGNING_KEYS].find_one(
            {"_id": kid, "status": {"$in": list(PUBLISHED)}}, {"public_jwk": 1})
        if record is None:
            raise Unauthorized("Niepoprawny token.")
        key = jwt.PyJWK(record["public_jwk"]).key
        return decode_claims(token, key, ["RS256"], self.own_settings, True)


identity_api = IdentityApi.decorator


# --- pages --------------------------------------------------------------------------------
_pages = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                     autoescape=select_autoescape(["html"]))

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def page(template: str, status: int = 200, headers: dict | None = None,
         **values) -> Response:
    values.setdefault("errors", {})
    body = _pages.get_template(template).render(**values)
    return Response(body, status=status, mimetype="text/html",
                    headers={**SECURITY_HEADERS, **(headers or {})})


def sign_in_headers(redirect_uri: str | None, headers: dict | None = None) -> dict:
    """The sign-in pages post to themselves and are answered with a redirect to the client's
    redirect URI; browsers check `form-action` on that redirect too, so the page allows the
    origin of the URI the client registered exactly (Authlib has checked it by then)."""
    found = {**(headers or {})}
    parts = urlsplit(redirect_uri or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        origin = f"{parts.scheme}://{parts.netloc}"
        found["Content-Security-Policy"] = SECURITY_HEADERS["Content-Security-Policy"].replace(
            "form-action 'self'", f"form-action 'self' {origin}")
    return found


def message_page(title: str, message: str, status: int = 200, **values) -> Response:
    return page("message.html", status, title=title, message=message, **values)


def csrf_token(request: Request) -> str:
    """The double-submit token: the cookie's value (a new one when there is none)."""
    current = request.cookies.get(CSRF_COOKIE, "")
    return current if len(current) >= 32 else secrets.token_urlsafe(32)


def csrf_valid(request: Request) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get("csrf_token", "")
    return len(cookie) >= 32 and hmac.compare_digest(cookie, sent)


def set_cookie(response: Response, name: str, value: str, *, secure: bool,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True,
                        samesite="Lax")


def client_address(request: Request) -> str:
    """The caller's address (the proxy's `X-Real-IP` when it sets one)."""
    return request.headers.get("X-Real-IP") or request.remote_addr or "unknown"
