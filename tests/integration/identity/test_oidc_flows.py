"""A conformance-style suite of identity's OpenID Connect flows, driven by Authlib's client
(OAuth2Session with PKCE) over real HTTP."""

from __future__ import annotations

import secrets

import jwt
import pytest
import requests
from authlib.integrations.base_client import OAuthError
from identity_helpers import (
    WEB_LOGOUT,
    active_account,
    authorize,
    code_of,
    oauth_session,
    sign_in,
    web_client,
)


def test_discovery_names_the_endpoints_and_keys(identity):
    config = identity.get("/.well-known/openid-configuration").json()
    assert config["issuer"] == identity.base_url
    assert config["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(config["jwks_uri"], timeout=10).json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256" and "d" not in keys[0]


def test_code_with_pkce_gives_tokens_with_the_platform_claims(identity, admin_token):
    client = web_client(identity, admin_token)
    account = active_account(identity)
    signed = sign_in(identity, client, account["email"])
    jwks = jwt.PyJWKClient(identity.url("/oauth2/jwks"))
    access = signed.token["access_token"]
    claims = jwt.decode(access, jwks.get_signing_key_from_jwt(access).key, ["RS256"],
                        audience="wspolpraca", issuer=identity.base_url)
    assert claims["sub"] == account["_id"] and claims["roles"] == []
    assert claims["email"] == account["email"] and claims["exp"] - claims["iat"] <= 15 * 60
    id_token = jwt.decode(signed.token["id_token"], jwks.get_signing_key_from_jwt(
        signed.token["id_token"]).key, ["RS256"], audience=client["client_id"],
        issuer=identity.base_url)
    assert id_token["sub"] == account["_id"] and id_token["nonce"]
    info = identity.get("/oauth2/userinfo", access).json()
    assert info["email"] == account["email"]


def test_a_wrong_verifier_is_refused(identity, admin_token):
    client = web_client(identity, admin_token)
    account = active_account(identity)
    session = oauth_session(identity, client)
    answer, _verifier = authorize(identity, session, requests.Session(), account["email"])
    with pytest.raises(OAuthError) as refused:
        session.fetch_token(identity.url("/oauth2/token"),
                            authorization_response=answer.headers["Location"],
                            code_verifier="x" * 50)
    assert refused.value.error == "invalid_grant"


def test_an_unregistered_redirect_uri_is_never_followed(identity, admin_token):
    client = web_client(identity, admin_token)
    session = oauth_session(identity, client, redirect_uri="https://evil.example.com/cb")
    url, _ = session.create_authorization_url(identity.url("/oauth2/authorize"),
                                              code_verifier="v" * 50)
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 400 and "evil" not in answer.headers.get("Location", "")


def test_the_sign_in_page_is_polish_and_labelled(identity, admin_token):
    client = web_client(identity, admin_token)
    session = oauth_session(identity, client)
    url, _ = session.create_authorization_url(identity.url("/oauth2/authorize"),
                                              code_verifier="v" * 50)
    html = requests.get(url, timeout=10).text
    assert '<html lang="pl">' in html
    assert '<label for="email">E-mail</label>' in html
    assert '<label for="password">Hasło</label>' in html
    assert ">Zaloguj się</button>" in html


def test_refresh_rotates_and_a_reused_token_revokes_the_family(identity, admin_token):
    client = web_client(identity, admin_token)
    account = active_account(identity)
    signed = sign_in(identity, client, account["email"], scope="openid offline_access")
    first = signed.token["refresh_token"]
    second = signed.session.refresh_token(identity.url("/oauth2/token"), refresh_token=first)
    assert second["refresh_token"] != first
    with pytest.raises(OAuthError):  # the rotated token used again: reuse
        signed.session.refresh_token(identity.url("/oauth2/token"), refresh_token=first)
    with pytest.raises(OAuthError):  # and the whole family is revoked
        signed.session.refresh_token(identity.url("/oauth2/token"),
                                     refresh_token=second["refresh_token"])


def test_logout_ends_the_session_and_goes_back_only_to_a_registered_uri(identity,
                                                                        admin_token):
    client = web_client(identity, admin_token)
    account = active_account(identity)
    signed = sign_in(identity, client, account["email"])
    answer = signed.browser.get(identity.url("/oauth2/logout"), params={
        "id_token_hint": signed.token["id_token"], "post_logout_redirect_uri": WEB_LOGOUT,
        "state": "s1"}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{WEB_LOGOUT}?state=s1"
    with pytest.raises(OAuthError):  # the session's refresh tokens end with it
        signed.session.refresh_token(identity.url("/oauth2/token"),
                                     refresh_token=signed.token["refresh_token"])
    # the browser is asked to sign in again
    session = oauth_session(identity, client)
    again, _ = authorize(identity, session, signed.browser, account["email"], "wrong")
    assert again.status_code == 401
    elsewhere = signed.browser.get(identity.url("/oauth2/logout"), params={
        "id_token_hint": signed.token["id_token"],
        "post_logout_redirect_uri": "https://evil.example.com/"}, allow_redirects=False,
        timeout=10)
    assert elsewhere.status_code == 200  # no redirect to an unregistered address


def test_prompt_none_gives_a_signed_in_browser_its_code_and_anyone_else_login_required(
        identity, admin_token):
    """OpenID Connect's silent authentication (`prompt=none`): the portal asks it when a
    person picks another organisation, without showing a page."""
    client = web_client(identity, admin_token)
    account = active_account(identity)
    signed = sign_in(identity, client, account["email"])
    session = oauth_session(identity, client)
    url, _ = session.create_authorization_url(identity.url("/oauth2/authorize"),
                                              code_verifier=secrets.token_urlsafe(48),
                                              prompt="none", state="s2")
    silent = signed.browser.get(url, allow_redirects=False, timeout=10)
    answer = code_of(silent)
    assert answer["state"] == "s2" and answer.get("code") and "error" not in answer
    stranger = requests.get(url, allow_redirects=False, timeout=10)  # no session cookie
    refused = code_of(stranger)
    assert refused["error"] == "login_required" and refused["state"] == "s2"


def test_client_credentials_for_a_department(identity, admin_token):
    created = identity.post("/api/v1/clients", admin_token, json={
        "name": "System Wydziału Kultury", "kind": "department", "department": "kultura"})
    assert created.status_code == 201, created.text
    client = created.json()
    assert client["client_secret"]
    stored = identity.db["clients"].find_one({"_id": client["client_id"]})
    assert client["client_secret"] not in str(stored)
    session = OAuth2SessionFor(client)
    token = session.fetch_token(identity.url("/oauth2/token"), grant_type="client_credentials")
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["department"] and claims["department"] == "kultura"
    assert claims["aud"] == "wspolpraca" and "refresh_token" not in token


def OAuth2SessionFor(client):  # noqa: N802
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(client["client_id"], client["client_secret"])


def test_the_cli_client_signs_in_on_any_loopback_port(identity):
    account = active_account(identity)
    cli = {"client_id": "wspolpraca-cli"}
    signed = sign_in_cli(identity, cli, account["email"], 51234)
    assert signed["access_token"]


def sign_in_cli(identity, cli, email, port):
    session = oauth_session(identity, cli, redirect_uri=f"http://127.0.0.1:{port}/callback")
    answer, verifier = authorize(identity, session, requests.Session(), email)
    assert code_of(answer)["code"]
    return session.fetch_token(identity.url("/oauth2/token"),
                               authorization_response=answer.headers["Location"],
                               code_verifier=verifier)
