"""The second factor on the Polish sign-in page: a staff account gets no token (no code, no
session) with its password alone; it enrols a TOTP on its first sign-in, the enrolment URI is
shown only until a code confirms it, and a code is accepted once."""

from __future__ import annotations

import time

import requests
from identity_helpers import (
    PASSWORD,
    TOTP_SECRETS,
    active_account,
    authorize,
    code_of,
    csrf_of,
    enrolment_secret,
    new_email,
    oauth_session,
    second_step,
    sign_in,
    step_of,
    web_client,
)

from identity import totp
from identity.config import DEVELOPMENT_TOTP_KEY
from identity.handlers import SealTotpSecrets, seal_plain_totp_secrets
from identity.unit import run_now
from identity.web import SESSION_COOKIE


def development_box() -> totp.SecretBox:
    return totp.SecretBox(DEVELOPMENT_TOTP_KEY.encode("utf-8"))


def wrong_code(secret: str) -> str:
    """A code no step around now accepts."""
    now = totp.step_of(time.time())
    valid = {totp.code_at(secret, step) for step in range(now - 2, now + 3)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def password_step(identity, client, email: str, browser: requests.Session,
                  password: str = PASSWORD):
    session = oauth_session(identity, client)
    url, _state = session.create_authorization_url(identity.url("/oauth2/authorize"),
                                                   code_verifier="v" * 50)
    form = browser.get(url, timeout=30)
    answer = browser.post(url, data={"email": email, "password": password,
                                     "csrf_token": csrf_of(form.text)},
                          allow_redirects=False, timeout=30)
    return url, answer


def test_a_staff_account_gets_no_token_without_its_second_factor(identity, admin_token):
    client = web_client(identity, admin_token)
    officer = active_account(identity, roles=["officer"], name="Anna Pełnomocnik")
    browser = requests.Session()
    url, answer = password_step(identity, client, officer["email"], browser)
    # the password alone: the second step's page, no code, no session
    assert answer.status_code == 200 and 'name="step"' in answer.text
    assert "Kod z aplikacji" in answer.text
    secret = enrolment_secret(answer.text)
    assert secret and "otpauth://totp/" in answer.text
    assert SESSION_COOKIE not in browser.cookies and "Location" not in answer.headers
    again = browser.get(url, allow_redirects=False, timeout=30)
    assert again.status_code == 200 and 'name="password"' in again.text   # not signed in
    # a wrong code: the page again, still no code
    wrong = second_step(browser, url, officer["email"], answer.text, code=wrong_code(secret))
    assert wrong.status_code == 401 and "Nieprawidłowy kod" in wrong.text
    assert "Location" not in wrong.headers
    # a step that is not the one issued is refused
    forged = browser.post(url, data={"step": "nie-ten", "code": totp.code_at(
        secret, totp.step_of(time.time())), "csrf_token": csrf_of(wrong.text)},
        allow_redirects=False, timeout=30)
    assert forged.status_code == 400 and "Location" not in forged.headers
    # the right code of the enrolled secret: the code, and the token
    right = second_step(browser, url, officer["email"], wrong.text)
    assert code_of(right)["code"] and SESSION_COOKIE in browser.cookies
    stored = identity.db["accounts"].find_one({"_id": officer["_id"]})
    assert stored["totp"]["enabled"] is True
    # kept sealed: the stored document holds no plain secret, and the sealed one opens only
    # with the service's key, for this account
    assert secret not in repr(stored) and "secret" not in stored["totp"]
    assert development_box().open(stored["totp"]["sealed"], officer["_id"]) == secret
    kinds = {e["kind"] for e in identity.db["audit_log"].find({"account_id": officer["_id"]})}
    assert {"second_factor_failed", "second_factor_enrolled"} <= kinds


def test_enrolled_the_uri_is_never_shown_again_and_a_code_works_once(identity, admin_token):
    client = web_client(identity, admin_token)
    officer = active_account(identity, roles=["officer"])
    first = sign_in(identity, client, officer["email"])
    assert first.token["access_token"]
    browser = requests.Session()
    url, answer = password_step(identity, client, officer["email"], browser)
    assert answer.status_code == 200 and enrolment_secret(answer.text) is None
    # the code the first sign-in used is refused (a replay), the next one accepted
    from identity_helpers import _LAST_STEP

    used = totp.code_at(TOTP_SECRETS[officer["email"]], _LAST_STEP[officer["email"]])
    replay = second_step(browser, url, officer["email"], answer.text, code=used)
    assert replay.status_code == 401
    assert code_of(second_step(browser, url, officer["email"], replay.text))["code"]
    assert step_of(replay.text)


def test_a_person_without_a_staff_role_signs_in_with_the_password(identity, admin_token):
    client = web_client(identity, admin_token)
    person = active_account(identity, roles=["committee"])
    session = oauth_session(identity, client)
    answer, _verifier = authorize(identity, session, requests.Session(), person["email"])
    assert code_of(answer)["code"]
    assert "totp" not in identity.db["accounts"].find_one({"_id": person["_id"]})


def test_plain_secrets_of_an_older_version_are_sealed_and_still_sign_in(identity, admin_token):
    client = web_client(identity, admin_token)
    officer = active_account(identity, roles=["officer"])
    sign_in(identity, client, officer["email"])      # enrolled (sealed)
    secret = TOTP_SECRETS[officer["email"]]
    # as an older version stored it: in plain text
    identity.db["accounts"].update_one({"_id": officer["_id"]}, {
        "$set": {"totp.secret": secret}, "$unset": {"totp.sealed": ""}})
    assert run_now(identity.db, seal_plain_totp_secrets,
                   SealTotpSecrets(development_box())) == 1
    stored = identity.db["accounts"].find_one({"_id": officer["_id"]})
    assert secret not in repr(stored)
    assert run_now(identity.db, seal_plain_totp_secrets,
                   SealTotpSecrets(development_box())) == 0   # idempotent
    # the next sign-in asks for the code of the same secret, and no enrolment again
    browser = requests.Session()
    url, answer = password_step(identity, client, officer["email"], browser)
    assert 'name="step"' in answer.text and enrolment_secret(answer.text) is None
    assert code_of(second_step(browser, url, officer["email"], answer.text))["code"]


def test_an_officer_the_admin_created_enrols_at_the_first_sign_in(identity, admin_token):
    """End to end: the admin creates the account, the officer sets a password from the link,
    signs in, is shown the otpauth:// URI (for the QR code), confirms a code and gets a token;
    the next sign-in asks for the code and shows no URI."""
    email, password = new_email("urzedniczka"), "Urząd Miasta na Wiosnę"
    created = identity.post("/api/v1/accounts/staff", admin_token, json={
        "email": email, "name": "Ewa Urzędniczka", "roles": ["officer"]})
    assert created.status_code == 201, created.text
    token = created.json()["set_password_url"].split("token=")[1]
    assert identity.post("/api/v1/accounts/password", json={
        "token": token, "password": password}).status_code == 200
    client = web_client(identity, admin_token)
    browser = requests.Session()
    url, first = password_step(identity, client, email, browser, password)
    assert first.status_code == 200 and "otpauth://totp/" in first.text
    assert enrolment_secret(first.text)
    assert code_of(second_step(browser, url, email, first.text))["code"]
    again = requests.Session()
    url, second = password_step(identity, client, email, again, password)
    assert second.status_code == 200 and 'name="step"' in second.text
    assert "otpauth://" not in second.text and SESSION_COOKIE not in again.cookies
    assert code_of(second_step(again, url, email, second.text))["code"]


def test_a_secret_sealed_under_another_key_is_refused_without_an_error(identity, admin_token):
    client = web_client(identity, admin_token)
    officer = active_account(identity, roles=["officer"])
    browser = requests.Session()
    url, answer = password_step(identity, client, officer["email"], browser)
    other = totp.SecretBox(b"another-key-0123456789abcdef0123456789")
    identity.db["accounts"].update_one({"_id": officer["_id"]}, {"$set": {
        "totp.sealed": other.seal(enrolment_secret(answer.text), officer["_id"])}})
    refused = second_step(browser, url, officer["email"], answer.text)
    assert refused.status_code == 503 and "Skontaktuj się z administratorem" in refused.text
    assert "Location" not in refused.headers and SESSION_COOKIE not in browser.cookies
