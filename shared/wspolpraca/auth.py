"""JWT bearer authentication and roles (DESIGN.md, "Authentication and roles")."""

from __future__ import annotations

import sys
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
    """The key, the only algorithm accepted with it, and whether `iss` is checked.

    The token's header only chooses among the keys configured, each bound to its algorithm:
    HS256 with the shared secret (development, tests, `make token`), RS256 with the identity
    provider's JWKS or public key; never `none`, never HS256 with a public key as its secret.
    With both a secret and a JWKS (the local run) both kinds of token are accepted."""
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        raise Unauthorized("Niepoprawny token.") from None
    if algorithm == "HS256" and settings.jwt_secret:
        return settings.jwt_secret, ["HS256"], False
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
        return settings.jwt_secret, ["HS256"], False
    raise Unauthorized("Niepoprawny token.")


def decode_claims(token: str, key: object, algorithms: list[str], settings: Settings,
                  check_issuer: bool) -> dict:
    """The verified claims: signature, `exp`, `aud` and, for the identity provider's tokens
    when `WSPOLPRACA_JWT_ISSUER` is set, `iss`."""
    issuer = settings.jwt_issuer if check_issuer else None
    required = ["sub", "exp", "aud", *(["iss"] if issuer else [])]
    try:
        return jwt.decode(token, key, algorithms=algorithms, audience=settings.jwt_audience,
                          issuer=issuer, options={"require": required})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Token wygasł.") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("Niepoprawny token.") from None


def principal_from_claims(claims: dict) -> Principal:
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("Niepoprawne role w tokenie.")
    return Principal(
        sub=str(claims["sub"]),
        roles=frozenset(r for r in roles if r in ROLES),
        org_id=claims.get("org_id"),
        department=claims.get("department"),
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
    secret: str = DEVELOPMENT_JWT_SECRET,
    audience: str = DEFAULT_AUDIENCE,
    ttl_seconds: int = 8 * 3600,
) -> str:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    claims: dict = {"sub": sub, "roles": roles, "aud": audience,
                    "iat": int(time.time()), "exp": int(time.time()) + ttl_seconds}
    if org_id:
        claims["org_id"] = org_id
    if department:
        claims["department"] = department
    return jwt.encode(claims, secret, algorithm="HS256")


def main(argv: list[str] | None = None) -> int:
    """`python -m wspolpraca.auth --role officer ...`: the CLI's `wspolpraca-admin token`."""
    from wspolpraca.cli import run

    return run(["token", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
