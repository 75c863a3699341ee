"""JWT bearer authentication and roles (DESIGN.md, "Authentication and roles")."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import jwt
from jwt import PyJWKClient

from wspolpraca.config import DEFAULT_AUDIENCE, DEVELOPMENT_JWT_SECRET, Settings
from wspolpraca.errors import Forbidden, Unauthorized

ROLES = ("admin", "officer", "department", "ngo", "committee")


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str] = field(default_factory=frozenset)
    org_id: str | None = None
    department: str | None = None
    email: str | None = None      # the account's own address, when the token says it

    def has_any(self, roles: tuple[str, ...] | frozenset[str]) -> bool:
        return "admin" in self.roles or bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & {"admin", "officer"})

    def require(self, *roles: str) -> None:
        if not self.has_any(roles):
            raise Forbidden()

    def acts_for(self, organization_id: str | None) -> bool:
        """The representative of this organisation (an admin acts for any)."""
        return "admin" in self.roles or (
            self.org_id is not None and self.org_id == organization_id)

    def runs(self, department: str | None) -> bool:
        """Staff, or the department that owns the thing (`department` None: staff only)."""
        return self.is_staff or (
            "department" in self.roles and department is not None
            and self.department == department)


def check_speaks_for(principal: Principal | None, organization_id: str | None) -> None:
    """A public form (a comment, an inquiry) may name an organisation only when that
    organisation's representative sends it: 401 for the anonymous (signing in would help),
    403 for anyone else, staff included (an officer is not the organisation's voice)."""
    if organization_id is None:
        return
    if principal is None:
        raise Unauthorized("W imieniu organizacji występuje jej przedstawiciel po "
                           "zalogowaniu.")
    if not principal.acts_for(organization_id):
        raise Forbidden("Możesz występować tylko w imieniu organizacji, którą reprezentujesz.")


_jwks_clients: dict[tuple[str, float, float, float], PyJWKClient] = {}
_jwks_lock = threading.Lock()


def jwks_client(settings: Settings) -> PyJWKClient:
    """One client per JWKS URL and process: the key set is cached for
    `jwt_jwks_cache_seconds`, and a token signed with a `kid` not in the cache makes it fetch
    the set again (the identity provider rotated its keys), at most once per
    `jwt_jwks_cooldown_seconds`, so tokens with made-up kids cannot flood the provider."""
    assert settings.jwt_jwks_url
    cache_key = (settings.jwt_jwks_url, settings.jwt_jwks_timeout,
                 settings.jwt_jwks_cache_seconds, settings.jwt_jwks_cooldown_seconds)
    with _jwks_lock:
        client = _jwks_clients.get(cache_key)
        if client is None:
            client = PyJWKClient(settings.jwt_jwks_url, cache_jwk_set=True,
                                 lifespan=settings.jwt_jwks_cache_seconds,
                                 timeout=settings.jwt_jwks_timeout,
                                 cooldown_duration=settings.jwt_jwks_cooldown_seconds)
            _jwks_clients[cache_key] = client
        return client


def _verification_key(token: str, settings: Settings) -> tuple[object, list[str], bool]:
    """The key, the only algorithm accepted with it, and whether `iss` is required (when one
    is configured): always for the identity provider's keys, and for HS256 where the secret
    is the only key (then it is the provider's); beside a JWKS or public key, HS256 tokens are
    development tokens and their `iss` is checked only where they carry one.

    The token's header only chooses among the keys configured, each bound to its algorithm:
    HS256 with the shared secret (development, tests, `make token`), RS256 with the identity
    provider's JWKS or public key; never `none`, never HS256 with a public key as its secret.
    With both a secret and a JWKS (the local run) both kinds of token are accepted."""
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        raise Unauthorized("Niepoprawny token.") from None
    only_secret = not (settings.jwt_jwks_url or settings.jwt_public_key)
    if algorithm == "HS256" and settings.jwt_secret:
        return settings.jwt_secret, ["HS256"], only_secret
    if settings.jwt_jwks_url:
        try:
            return (jwks_client(settings).get_signing_key_from_jwt(token).key, ["RS256"],
                    True)
        except jwt.PyJWKClientConnectionError:
            raise Unauthorized("Nie można teraz sprawdzić tokenu (dostawca tożsamości "
                               "nie odpowiada).") from None
        except jwt.PyJWTError:
            raise Unauthorized("Niepoprawny token.") from None
    if settings.jwt_public_key:
        return settings.jwt_public_key, ["RS256"], True
    if settings.jwt_secret:
        return settings.jwt_secret, ["HS256"], only_secret
    raise Unauthorized("Niepoprawny token.")


# The longest a claim that reaches a query may be (ids are 24 or 32 hex digits, department
# codes short snake_case words); anything longer is not a real identifier.
MAX_CLAIM_LENGTH = 128


def _text_claim(claims: dict, name: str, *, required: bool = False) -> str | None:
    """A claim that must be a short non-empty string (or absent, when not required): a
    number, a list or an object in `org_id` or `department` would reach a MongoDB query as
    an operator or a type the code does not expect."""
    value = claims.get(name)
    if value is None and not required:
        return None
    if (not isinstance(value, str) or not value.strip() or len(value) > MAX_CLAIM_LENGTH
            or any(ord(c) < 32 for c in value)):
        raise Unauthorized(f"Niepoprawne pole „{name}” w tokenie: oczekiwano krótkiego "
                           "napisu.")
    return value


def decode_claims(token: str, key: object, algorithms: list[str], settings: Settings,
                  issuer_required: bool) -> dict:
    """The verified claims: signature, `exp`, `aud` (with `jwt_leeway_seconds` of clock
    skew) and, when `WSPOLPRACA_JWT_ISSUER` is set, `iss`: required on the identity
    provider's tokens (`issuer_required`), checked where present on the development HS256
    tokens accepted beside them in the local run."""
    issuer = settings.jwt_issuer
    if issuer and not issuer_required:
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthorized("Niepoprawny token.") from None
        if "iss" not in unverified:
            issuer = None
    required = ["sub", "exp", "aud", *(["iss"] if issuer else [])]
    try:
        return jwt.decode(token, key, algorithms=algorithms, audience=settings.jwt_audience,
                          issuer=issuer, leeway=settings.jwt_leeway_seconds,
                          options={"require": required})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Token wygasł.") from None
    except jwt.InvalidIssuerError:
        raise Unauthorized("Token wystawił nieznany wystawca.") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("Niepoprawny token.") from None


def principal_from_claims(claims: dict) -> Principal:
    roles = claims.get("roles")
    if roles is None:
        roles = []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("Niepoprawne role w tokenie.")
    return Principal(
        sub=_text_claim(claims, "sub", required=True) or "",
        roles=frozenset(r for r in roles if r in ROLES),
        org_id=_text_claim(claims, "org_id"),
        department=_text_claim(claims, "department"),
        email=claims["email"] if isinstance(claims.get("email"), str) else None,
    )


def decode_token(token: str, settings: Settings) -> Principal:
    key, algorithms, check_issuer = _verification_key(token, settings)
    return principal_from_claims(decode_claims(token, key, algorithms, settings, check_issuer))


def principal_from_header(header: str | None, settings: Settings) -> Principal | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Oczekiwano nagłówka Authorization: Bearer <token>.")
    return decode_token(token.strip(), settings)


def mint_token(
    sub: str,
    roles: list[str],
    *,
    org_id: str | None = None,
    department: str | None = None,
    email: str | None = None,
    secret: str | None = None,
    audience: str | None = None,
    issuer: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """An HS256 token. What is not given comes from the configuration the services read
    (`WSPOLPRACA_JWT_SECRET`, `WSPOLPRACA_JWT_AUDIENCE`, `WSPOLPRACA_JWT_ISSUER`), so `make
    token`, `make demo` and every development helper work against a system started with its
    own secret; with none set, the documented development secret."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    secret = secret or os.environ.get("WSPOLPRACA_JWT_SECRET") or DEVELOPMENT_JWT_SECRET
    audience = audience or os.environ.get("WSPOLPRACA_JWT_AUDIENCE") or DEFAULT_AUDIENCE
    issuer = issuer or os.environ.get("WSPOLPRACA_JWT_ISSUER") or None
    claims: dict = {"sub": sub, "roles": roles, "aud": audience,
                    "iat": int(time.time()), "exp": int(time.time()) + ttl_seconds}
    if issuer:
        claims["iss"] = issuer
    if org_id:
        claims["org_id"] = org_id
    if department:
        claims["department"] = department
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm="HS256")
