"""Driving identity as a person and a relying party would: a browser (a requests session
keeping cookies) on the sign-in page, and Authlib's OAuth2Session as the OIDC client."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from pymongo.database import Database

from identity.web import hash_password

PASSWORD = "Zielona-łąka-nad-Wisłą"
WEB_REDIRECT = "https://portal.example.org/callback"
WEB_LOGOUT = "https://portal.example.org/wylogowano"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return unescape(found.group(1))


def new_email(prefix: str = "osoba") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.org"


def active_account(identity, *, email: str | None = None, name: str = "Anna Nowak",
                   roles: list[str] | None = None, department: str | None = None,
                   password: str = PASSWORD) -> dict:
    """An active account stored directly (the registration flow has tests of its own)."""
    from identity.handlers import new_account
    from wspolpraca.envelope import utcnow

    now = utcnow()
    account = new_account(email or new_email(), name, hash_password(password), now,
                          status="active", roles=roles, department=department,
                          confirmed_at=now)
    identity.db["accounts"].insert_one(account)
    return account


def web_client(identity, admin_token: str, **overrides) -> dict:
    body = {"name": "Portal", "kind": "web", "redirect_uris": [WEB_REDIRECT],
            "post_logout_redirect_uris": [WEB_LOGOUT], **overrides}
    response = identity.post("/api/v1/clients", admin_token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


@dataclass
class SignIn:
    session: OAuth2Session
    browser: requests.Session
    token: dict
    verifier: str


def oauth_session(identity, client: dict, **kwargs) -> OAuth2Session:
    return OAuth2Session(client["client_id"], client.get("client_secret"),
                         redirect_uri=kwargs.pop("redirect_uri", WEB_REDIRECT),
                         scope=kwargs.pop("scope", "openid profile email"),
                         code_challenge_method="S256",
                         token_endpoint_auth_method=kwargs.pop(
                             "auth_method", "client_secret_basic" if client.get(
                                 "client_secret") else "none"), **kwargs)


def authorize(identity, session: OAuth2Session, browser: requests.Session, email: str,
              password: str = PASSWORD, **params) -> tuple[requests.Response, str]:
    """Open the authorization URL and fill in the sign-in form: the answer (a redirect with
    the code, or the page again) and the PKCE verifier used."""
    verifier = secrets.token_urlsafe(48)
    url, _state = session.create_authorization_url(
        identity.url("/oauth2/authorize"), code_verifier=verifier, **params)
    form = browser.get(url, allow_redirects=False, timeout=30)
    if form.status_code in (302, 303):  # a signed-in browser: the code at once
        return form, verifier
    assert form.status_code == 200, form.text
    answer = browser.post(url, data={"email": email, "password": password,
                                     "csrf_token": csrf_of(form.text)},
                          allow_redirects=False, timeout=30)
    if answer.status_code == 200 and 'name="step"' in answer.text:
        answer = second_step(browser, url, email, answer.text)
    return answer, verifier


# the TOTP secrets of the staff accounts the tests enrolled, by email, and the last step used
TOTP_SECRETS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def step_of(html: str) -> str:
    found = re.search(r'name="step" value="([^"]+)"', html)
    assert found, html
    return unescape(found.group(1))


def enrolment_secret(html: str) -> str | None:
    found = re.search(r'<code id="otpauth">([^<]+)</code>', html)
    if not found:
        return None
    return parse_qs(urlsplit(unescape(found.group(1))).query)["secret"][0]


def totp_code(email: str) -> str:
    """The account's current code as an authenticator app shows it (the next step's if this
    one was used already: a code is accepted once)."""
    from identity import totp

    now = totp.step_of(time.time())
    step = max(now, _LAST_STEP.get(email, now - 1) + 1)
    _LAST_STEP[email] = step
    return totp.code_at(TOTP_SECRETS[email], step)


def second_step(browser: requests.Session, url: str, email: str, html: str,
                code: str | None = None) -> requests.Response:
    """The sign-in's second step of a staff account: enrols on the first sign-in (the page
    shows the otpauth:// URI once), then types the current code."""
    secret = enrolment_secret(html)
    if secret:
        TOTP_SECRETS[email] = secret
        _LAST_STEP.pop(email, None)
    return browser.post(url, data={"step": step_of(html), "csrf_token": csrf_of(html),
                                   "code": code or totp_code(email)},
                        allow_redirects=False, timeout=30)


def code_of(answer: requests.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return {k: v[0] for k, v in query.items()}


def sign_in(identity, client: dict, email: str, password: str = PASSWORD,
            browser: requests.Session | None = None, scope: str = "openid profile email",
            **params) -> SignIn:
    browser = browser or requests.Session()
    session = oauth_session(identity, client, scope=scope)
    answer, verifier = authorize(identity, session, browser, email, password,
                                 nonce=secrets.token_urlsafe(8), **params)
    token = session.fetch_token(identity.url("/oauth2/token"),
                                authorization_response=answer.headers["Location"],
                                code_verifier=verifier)
    return SignIn(session, browser, token, verifier)


def stored(db: Database, collection: str, **query) -> list[dict]:
    return list(db[collection].find(query))
