"""The OpenID provider's storage steps (identity/oidc.py) through the unit's repositories,
with the in-memory unit: clients, authorization codes, refresh-token rotation and reuse
detection, logout. The protocol itself is Authlib's (tests/integration/identity)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from identity_fakes import FakeIdentityUnit

from identity import oidc, repository
from wspolpraca.envelope import utcnow


def context(uow: FakeIdentityUnit) -> oidc.Context:
    ctx = oidc.Context(store=None, settings=None, keyring=None, audience="wspolpraca")
    ctx.__dict__["uow"] = uow   # the cached unit, in memory
    return ctx


def grant(kind, uow: FakeIdentityUnit):
    found = kind.__new__(kind)
    found.server = SimpleNamespace(ctx=context(uow))
    return found


def token(uow: FakeIdentityUnit, secret: str, **fields) -> dict:
    now = utcnow()
    record = {"_id": repository.digest(secret), "family": "f1", "client_id": "portal",
              "account_id": "a1", "scope": "openid", "session_id": "s1", "org_id": None,
              "issued_at": now, "expires_at": now + timedelta(days=1), "revoked": False,
              **fields}
    uow.refresh_tokens.add(record)
    return record


def test_a_disabled_client_is_not_found():
    uow = FakeIdentityUnit()
    uow.clients.add({"_id": "web-1", "token_endpoint_auth_method": "none", "grant_types": []})
    uow.clients.add({"_id": "web-2", "disabled": True})
    assert oidc.query_client(uow, "web-1").client_id == "web-1"
    assert oidc.query_client(uow, "web-2") is None
    assert oidc.query_client(uow, None) is None


def test_a_code_is_found_for_its_client_until_it_expires_and_then_removed():
    uow = FakeIdentityUnit()
    codes = grant(oidc.CodeGrant, uow)
    base = {"client_id": "portal", "nonce": "n1", "redirect_uri": "https://p/cb"}
    uow.codes.add({"_id": repository.digest("c1"), **base,
                   "expires_at": utcnow() + timedelta(minutes=5)})
    uow.codes.add({"_id": repository.digest("old"), **base,
                   "expires_at": utcnow() - timedelta(seconds=1)})
    client = SimpleNamespace(client_id="portal")
    found = codes.query_authorization_code("c1", client)
    assert found.get_redirect_uri() == "https://p/cb"
    assert codes.query_authorization_code("c1", SimpleNamespace(client_id="other")) is None
    assert codes.query_authorization_code("old", client) is None
    assert uow.codes.nonce_used("portal", "n1") and not uow.codes.nonce_used("cli", "n1")
    codes.delete_authorization_code(found)
    assert codes.query_authorization_code("c1", client) is None


def test_a_refresh_token_is_retired_once_and_presented_again_revokes_its_family():
    uow = FakeIdentityUnit()
    refresh = grant(oidc.RefreshGrant, uow)
    token(uow, "r1")
    token(uow, "r2", family="f2")
    first = refresh.authenticate_refresh_token("r1")
    assert first is not None
    refresh.revoke_old_credential(first)
    assert uow.refresh_tokens.get(repository.digest("r1"))["rotated"] is True
    assert refresh.authenticate_refresh_token("r1") is None   # reuse
    assert uow.refresh_tokens.get(repository.digest("r1"))["revoked_reason"] == \
        "reuse_detected"
    assert uow.refresh_tokens.get(repository.digest("r2"))["revoked"] is False
    refresh.revoke_old_credential(first)   # refreshed twice at once: reuse as well
    assert refresh.authenticate_refresh_token("nobody") is None


def test_a_refresh_keeps_the_organisation_only_while_it_is_represented():
    uow = FakeIdentityUnit()
    uow.accounts.add({"_id": "a1", "email": "a@example.org", "status": "active"})
    uow.representations.add({"_id": "p1", "account_id": "a1", "organization_id": "o2",
                             "status": "granted", "open": True})
    refresh = grant(oidc.RefreshGrant, uow)
    user = refresh.authenticate_user(oidc.RefreshToken(token(uow, "r1", org_id="o1")))
    assert user.org_id == "o2"   # o1 no longer represented: the only one there is now
    uow.accounts.update("a1", {"status": "disabled"})
    assert refresh.authenticate_user(oidc.RefreshToken(token(uow, "r2"))) is None


def test_a_logout_ends_the_sessions_and_revokes_their_tokens_only():
    uow = FakeIdentityUnit()
    uow.sessions.add({"_id": "s1", "account_id": "a1"})
    uow.sessions.add({"_id": "s2", "account_id": "a1"})
    token(uow, "r1")
    token(uow, "r2", session_id="s2")
    oidc.end_sessions(uow, ["s1", None])
    assert sorted(uow.sessions.records) == ["s2"]
    assert uow.refresh_tokens.get(repository.digest("r1"))["revoked_reason"] == "logout"
    assert uow.refresh_tokens.get(repository.digest("r2"))["revoked"] is False
