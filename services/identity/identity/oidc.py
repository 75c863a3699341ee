"""The OpenID Connect provider, built from Authlib's server classes (nothing of the protocol is
our own): authorization code with PKCE S256 (`OpenIDCode` adds the ID token), refresh tokens
with rotation and reuse detection, client credentials for department systems, RFC 9068 JWT
access tokens, RP-initiated logout.

Authlib's framework integrations are for Flask and Django; `IdentityServer` is the same thin
adapter for werkzeug's request and response, which nameko's http entrypoint uses. A server is
built per request around that request's `Store`, so nothing of one worker leaks into another.
"""

from __future__ import annotations

import hmac
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc.jwk import KeySet
from werkzeug.wrappers import Request, Response

from identity import domain, repository
from identity.config import CLI_CLIENT_ID, PORTAL_CALLBACK, PORTAL_CLIENT_ID, IdentitySettings
from identity.keys import ALGORITHM, KeyRing, jwks
from identity.repository import digest
from identity.unit import IdentityUnit, immediate
from wspolpraca.envelope import utcnow
from wspolpraca.mongo import Store

CODE_LIFETIME = timedelta(minutes=5)
SCOPES = ("openid", "profile", "email", "offline_access")


# --- werkzeug requests for Authlib --------------------------------------------------------
class _Payload(OAuth2Payload):
    def __init__(self, request: Request) -> None:
        self._request = request

    @property
    def data(self):
        return self._request.values

    @cached_property
    def datalist(self):
        values = defaultdict(list)
        for key in self.data:
            values[key].extend(self.data.getlist(key))
        return values


class WerkzeugOAuth2Request(OAuth2Request):
    """The request as Authlib sees it, at its public address (the issuer's: behind a proxy
    the service itself is reached over plain HTTP)."""

    def __init__(self, request: Request, issuer: str) -> None:
        query = request.query_string.decode("latin-1")
        uri = f"{issuer}{request.path}" + (f"?{query}" if query else "")
        super().__init__(method=request.method, uri=uri, headers=request.headers)
        self._request = request
        self.payload = _Payload(request)

    @property
    def args(self):
        return self._request.args

    @property
    def form(self):
        return self._request.form


class _JsonPayload(JsonPayload):
    def __init__(self, request: Request) -> None:
        self._request = request

    @property
    def data(self):
        return self._request.get_json(silent=True) or {}


class WerkzeugJsonRequest(JsonRequest):
    def __init__(self, request: Request, issuer: str) -> None:
        super().__init__(request.method, f"{issuer}{request.path}", request.headers)
        self.payload = _JsonPayload(request)


# --- models -------------------------------------------------------------------------------
def is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost")


def redirect_matches(registered: list[str], uri: str, loopback_any_port: bool) -> bool:
    """Exact match; a native client's loopback URI matches on any port (RFC 8252 §7.3)."""
    if uri in registered:
        return True
    if not loopback_any_port or not is_loopback(uri):
        return False
    asked = urlsplit(uri)
    for candidate in registered:
        known = urlsplit(candidate)
        if (is_loopback(candidate) and known.hostname == asked.hostname
                and known.path == asked.path and not asked.query and not asked.fragment
                and not asked.username and not asked.password):
            return True
    return False


class Client(ClientMixin):
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.client_id = record["_id"]
        self.client_metadata = {
            "post_logout_redirect_uris": record.get("post_logout_redirect_uris") or []}

    @property
    def public(self) -> bool:
        return self.record["token_endpoint_auth_method"] == "none"

    @property
    def department(self) -> str | None:
        return self.record.get("department")

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.record.get("redirect_uris") or []
        return uris[0] if uris else None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return ""
        allowed = set(self.record.get("scopes") or SCOPES)
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_matches(self.record.get("redirect_uris") or [], redirect_uri,
                                bool(self.record.get("loopback_any_port")))

    def check_client_secret(self, client_secret: str) -> bool:
        stored = self.record.get("secret_hash")
        return bool(stored) and hmac.compare_digest(stored, digest(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method == self.record["token_endpoint_auth_method"]
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.record["grant_types"]

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.record["grant_types"]


@dataclass
class SignedIn:
    """The person a grant acts for: the account, the organisation this session acts for,
    and the browser session the tokens belong to."""

    account: dict[str, Any]
    org_id: str | None = None
    session_id: str | None = None
    auth_time: int | None = None

    def get_user_id(self) -> str:
        return self.account["_id"]


class AuthorizationCode(AuthorizationCodeMixin):
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.code_challenge = record.get("code_challenge")
        self.code_challenge_method = record.get("code_challenge_method")

    def get_redirect_uri(self) -> str:
        return self.record["redirect_uri"]

    def get_scope(self) -> str:
        return self.record["scope"]

    def get_nonce(self) -> str | None:
        return self.record.get("nonce")

    def get_auth_time(self) -> int | None:
        return self.record.get("auth_time")

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class RefreshToken(TokenMixin):
    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record

    def check_client(self, client: Client) -> bool:
        return self.record["client_id"] == client.get_client_id()

    def get_scope(self) -> str:
        return self.record["scope"]

    def get_expires_in(self) -> int:
        return int((self.record["expires_at"] - self.record["issued_at"]).total_seconds())

    def is_expired(self) -> bool:
        return self.record["expires_at"] <= utcnow()

    def is_revoked(self) -> bool:
        return bool(self.record.get("revoked"))


# --- the server ---------------------------------------------------------------------------
@dataclass
class Context:
    store: Store
    settings: IdentitySettings
    keyring: KeyRing
    audience: str
    now: datetime = field(default_factory=utcnow)

    @property
    def db(self):
        return self.store.db

    @cached_property
    def uow(self) -> IdentityUnit:
        """The repositories, writing one by one: the protocol's steps are Authlib's, each
        a single write (a code, a token, a retired token) that emits no event."""
        return immediate(self.store)


def query_client(uow: IdentityUnit, client_id: str | None) -> Client | None:
    if not client_id:
        return None
    record = uow.clients.active(client_id)
    return Client(record) if record else None


class IdentityServer(AuthorizationServer):
    def __init__(self, ctx: Context) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.ctx = ctx
        self.register_token_generator("default", AccessTokens(ctx))
        self.register_grant(CodeGrant, [PkceS256(required=True), IdTokens(ctx)])
        self.register_grant(RefreshGrant)
        self.register_grant(DepartmentCredentialsGrant)
        self.register_endpoint(Logout(ctx))

    def query_client(self, client_id):
        return query_client(self.ctx.uow, client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        refresh = token.get("refresh_token")
        if not refresh:
            return
        user: SignedIn = request.user
        previous: RefreshToken | None = getattr(request, "refresh_token", None)
        now = utcnow()
        family = previous.record["family"] if previous else repository.new_id()
        self.ctx.uow.refresh_tokens.add({
            "_id": digest(refresh), "family": family, "client_id": request.client.client_id,
            "account_id": user.get_user_id(), "scope": token.get("scope", ""),
            "org_id": user.org_id, "session_id": user.session_id, "auth_time": user.auth_time,
            "issued_at": now,
            "expires_at": now + timedelta(days=self.ctx.settings.refresh_token_days),
            "revoked": False})

    def create_oauth2_request(self, request) -> OAuth2Request:
        return WerkzeugOAuth2Request(request, self.ctx.settings.issuer)

    def create_json_request(self, request) -> JsonRequest:
        return WerkzeugJsonRequest(request, self.ctx.settings.issuer)

    def handle_response(self, status, body, headers) -> Response:
        if isinstance(body, dict):
            body = json.dumps(body)
        return Response(body, status=status, headers=headers)

    def send_signal(self, name, *args, **kwargs) -> None:
        return None


class AccessTokens(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens with the claims of DESIGN.md."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(issuer=ctx.settings.issuer, alg=ALGORITHM,
                         refresh_token_generator=lambda **kwargs: repository.new_secret(),
                         expires_generator=lambda client, grant_type:
                             ctx.settings.access_token_minutes * 60)
        self.ctx = ctx

    def get_jwks(self):
        # a set of one: joserfc then names the key's `kid` in the header
        return KeySet([self.ctx.keyring.active(self.ctx.db).private])

    def get_audiences(self, client, user, scope) -> str:
        return self.ctx.audience

    def get_auth_time(self, user) -> int | None:
        return user.auth_time if isinstance(user, SignedIn) else None

    def get_extra_claims(self, client: Client, grant_type, user, scope) -> dict[str, Any]:
        if user is None:  # a department's system (client credentials)
            return {"roles": [domain.Role.DEPARTMENT.value], "department": client.department}
        account = user.account
        claims: dict[str, Any] = {
            "roles": domain.token_roles(account.get("roles") or [], user.org_id),
            "email": account["email"], "name": account["name"]}
        if user.org_id:
            claims["org_id"] = user.org_id
        if account.get("department"):
            claims["department"] = account["department"]
        if user.session_id:
            claims["sid"] = user.session_id
        return claims


def _sign_header(ctx: Context) -> tuple[Any, str]:
    key = ctx.keyring.active(ctx.db)
    return key.private, key.kid


class PkceS256(CodeChallenge):
    """PKCE is required of every client, with S256 only (OAuth 2.1, RFC 8252 §8.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge' (PKCE S256 is required).",
                                      state=data.get("state"), redirect_uri=redirect_uri)
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.",
                                      state=data.get("state"), redirect_uri=redirect_uri)
        return super().validate_code_challenge(grant, redirect_uri)


class IdTokens(OpenIDCode):
    def __init__(self, ctx: Context) -> None:
        super().__init__(require_nonce=False)
        self.ctx = ctx

    def exists_nonce(self, nonce, request) -> bool:
        return self.ctx.uow.codes.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client):
        return _sign_header(self.ctx)[0]

    def get_client_algorithm(self, client) -> str:
        return ALGORITHM

    def get_encode_header(self, client) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": _sign_header(self.ctx)[1]}

    def get_client_claims(self, client) -> dict[str, Any]:
        now = int(time.time())
        return {"iss": self.ctx.settings.issuer, "aud": client.get_client_id(),
                "exp": now + self.ctx.settings.access_token_minutes * 60}

    def generate_user_info(self, user: SignedIn, scope) -> UserInfo:
        return user_info(user.account, scope, user.org_id, user.session_id)


def user_info(account: dict[str, Any], scope: str, org_id: str | None = None,
              session_id: str | None = None) -> UserInfo:
    scopes = set((scope or "").split())
    info = UserInfo(sub=account["_id"])
    if "profile" in scopes:
        info["name"] = account["name"]
    if "email" in scopes:
        info["email"] = account["email"]
        info["email_verified"] = account.get("confirmed_at") is not None
    info["roles"] = domain.token_roles(account.get("roles") or [], org_id)
    if org_id:
        info["org_id"] = org_id
    if account.get("department"):
        info["department"] = account["department"]
    if session_id:
        info["sid"] = session_id
    return info


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    @property
    def ctx(self) -> Context:
        return self.server.ctx

    def save_authorization_code(self, code: str, request) -> None:
        user: SignedIn = request.user
        data = request.payload.data
        self.ctx.uow.codes.add({
            "_id": digest(code), "client_id": request.client.client_id,
            "redirect_uri": request.payload.redirect_uri, "scope": request.payload.scope,
            "account_id": user.get_user_id(), "org_id": user.org_id,
            "session_id": user.session_id, "auth_time": user.auth_time,
            "nonce": data.get("nonce"), "code_challenge": data.get("code_challenge"),
            "code_challenge_method": data.get("code_challenge_method"),
            "expires_at": utcnow() + CODE_LIFETIME})

    def query_authorization_code(self, code: str, client: Client):
        record = self.ctx.uow.codes.of_client(code, client.client_id)
        if record is None or record["expires_at"] <= utcnow():
            return None
        return AuthorizationCode(record)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.ctx.uow.codes.remove(authorization_code.record["_id"])

    def authenticate_user(self, authorization_code: AuthorizationCode) -> SignedIn | None:
        record = authorization_code.record
        account = active_account(self.ctx.uow, record["account_id"])
        if account is None:
            return None
        return SignedIn(account, record.get("org_id"), record.get("session_id"),
                        record.get("auth_time"))


class RefreshGrant(grants.RefreshTokenGrant):
    """Rotation: every refresh gives a new refresh token and retires the old one. Reuse
    detection: a retired token presented again revokes its whole family (RFC 9700 §4.14)."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    @property
    def ctx(self) -> Context:
        return self.server.ctx

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        record = self.ctx.uow.refresh_tokens.by_id(digest(refresh_token))
        if record is None:
            return None
        if record.get("rotated"):
            self.ctx.uow.refresh_tokens.revoke_family(record["family"], "reuse_detected",
                                                      utcnow())
            return None
        token = RefreshToken(record)
        if token.is_revoked() or token.is_expired():
            return None
        return token

    def authenticate_user(self, refresh_token: RefreshToken) -> SignedIn | None:
        record = refresh_token.record
        account = active_account(self.ctx.uow, record["account_id"])
        if account is None:
            return None
        # the organisation chosen stays while it is represented; a session that had none
        # (or whose representation ended) acts for the only one there is now, if any
        granted = self.ctx.uow.representations.granted_organizations(account["_id"])
        org_id = record.get("org_id")
        if org_id not in granted:
            org_id = domain.choose_organization(granted, None)
        return SignedIn(account, org_id, record.get("session_id"), record.get("auth_time"))

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        tokens = self.ctx.uow.refresh_tokens
        if not tokens.retire(refresh_token.record["_id"], utcnow()):
            # refreshed twice at once: treat as reuse
            tokens.revoke_family(refresh_token.record["family"], "reuse_detected", utcnow())


def active_account(uow: IdentityUnit, account_id: str) -> dict[str, Any] | None:
    """The account a code or refresh token was issued to, while it may sign in."""
    account = uow.accounts.by_id(account_id)
    return account if account is not None and domain.may_sign_in(account["status"]) else None


class DepartmentCredentialsGrant(grants.ClientCredentialsGrant):
    """A department's system: its token carries `roles: ["department"]` and its code."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class Logout(EndSessionEndpoint):
    """RP-initiated logout: ends the browser session and revokes its refresh tokens; the
    person is sent back only to a `post_logout_redirect_uri` registered exactly."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def get_server_jwks(self):
        return jwks(self.ctx.db)

    def get_algorithms(self) -> list[str]:
        return [ALGORITHM]

    def end_session(self, end_session_request) -> None:
        claims = end_session_request.id_token_claims or {}
        session_ids = set()
        if claims.get("sid"):
            session_ids.add(claims["sid"])
        cookie_session = getattr(end_session_request.request, "browser_session", None)
        if cookie_session:
            session_ids.add(cookie_session)
        end_sessions(self.ctx.uow, session_ids)


def end_sessions(uow: IdentityUnit, session_ids) -> None:
    """The browser sessions end and their refresh tokens are revoked."""
    ids = [s for s in session_ids if s]
    if not ids:
        return
    uow.sessions.end(ids)
    uow.refresh_tokens.revoke_of_sessions(ids, "logout", utcnow())


def discovery(settings: IdentitySettings) -> dict[str, Any]:
    base = settings.issuer
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "userinfo_endpoint": f"{base}/oauth2/userinfo",
        "jwks_uri": f"{base}/oauth2/jwks",
        "end_session_endpoint": f"{base}/oauth2/logout",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post",
                                                  "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name",
                             "email", "email_verified", "roles", "org_id", "department",
                             "sid"],
        "ui_locales_supported": ["pl"],
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "authorization_response_iss_parameter_supported": False,
    }


CLI_CLIENT = {
    "_id": CLI_CLIENT_ID, "name": "wspolpraca-admin (wiersz poleceń)",
    "token_endpoint_auth_method": "none", "loopback_any_port": True,
    "redirect_uris": ["http://127.0.0.1/callback", "http://[::1]/callback",
                      "http://localhost/callback"],
    "post_logout_redirect_uris": [],
    "grant_types": ["authorization_code", "refresh_token"], "scopes": list(SCOPES),
}


def portal_client(portal_url: str) -> dict[str, Any]:
    """The portal, a public web client (PKCE S256, no secret to leak): its redirect URI and
    where it may send a person after signing out, exactly, under its public address
    (WSPOLPRACA_PORTAL_URL)."""
    return {
        "_id": PORTAL_CLIENT_ID, "name": "Portal współpracy z organizacjami",
        "token_endpoint_auth_method": "none", "loopback_any_port": False,
        "redirect_uris": [f"{portal_url}{PORTAL_CALLBACK}"],
        "post_logout_redirect_uris": [f"{portal_url}/"],
        "grant_types": ["authorization_code", "refresh_token"], "scopes": list(SCOPES),
    }
