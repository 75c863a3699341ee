"""Accounts: registration confirmed from a real SMTP server through the notifications service,
no enumeration, weak passwords, throttled sign-in, password reset, staff invitations."""

from __future__ import annotations

import re

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from identity_helpers import (
    PASSWORD,
    active_account,
    authorize,
    new_email,
    oauth_session,
    sign_in,
    web_client,
)
from notifications_helpers import FAST, SmtpServer

from notifications.service import NotificationsService
from wspolpraca.testing.waiting import wait_until

LINK = re.compile(r"http://\S+/oauth2/(?:confirm|reset)\?token=[A-Za-z0-9_-]+")


def mail_to(smtp: SmtpServer, address: str, subject: str) -> str:
    found: list[str] = []

    def arrived() -> bool:
        for message in smtp.messages():
            if message["To"] == address and message["Subject"] == subject:
                found.append(message.get_body(("plain",)).get_content())
                return True
        return False

    wait_until(arrived, timeout=60, what=f"{subject!r} to {address}")
    return found[0]


def test_register_confirm_by_email_and_sign_in(start_service, identity, admin_token, tmp_path):
    smtp = SmtpServer(tmp_path / "mail").start()
    try:
        start_service(NotificationsService, extra={**FAST, "smtp_host": "127.0.0.1",
                                                   "smtp_port": smtp.port})
        email = new_email("ngo")
        body = {"email": email, "name": "Ewa Kowalska", "password": PASSWORD}
        first = identity.post("/api/v1/accounts", json=body)
        assert first.status_code == 201, first.text
        assert "id" not in first.json()
        client = web_client(identity, admin_token)
        refused, _ = authorize(identity, oauth_session(identity, client), requests.Session(),
                               email)
        assert refused.status_code == 401  # not confirmed yet: like a wrong password

        # the same address again: the same answer, and an email to the owner instead
        again = identity.post("/api/v1/accounts", json={**body, "password": "inne hasło 123"})
        assert (again.status_code, again.json()) == (201, first.json())
        text = mail_to(smtp, email, "Potwierdź adres e-mail")
        assert PASSWORD not in text
        confirmed = requests.get(LINK.search(text).group(0), timeout=10)
        assert confirmed.status_code == 200 and "potwierdzony" in confirmed.text
        assert mail_to(smtp, email, "Ktoś próbował założyć konto na Twój adres")
        used_twice = requests.get(LINK.search(text).group(0), timeout=10)
        assert used_twice.status_code == 410

        assert sign_in(identity, client, email).token["access_token"]

        # a forgotten password: the reset link by email
        reset = identity.post("/api/v1/accounts/password-reset", json={"email": email})
        assert reset.status_code == 202
        unknown = identity.post("/api/v1/accounts/password-reset",
                                json={"email": new_email()})
        assert (unknown.status_code, unknown.json()) == (202, reset.json())
        token = LINK.search(mail_to(smtp, email, "Ustaw nowe hasło")).group(0).split("=")[1]
        changed = identity.post("/api/v1/accounts/password",
                                json={"token": token, "password": "Nowe hasło do platformy"})
        assert changed.status_code == 200, changed.text
        assert sign_in(identity, client, email, "Nowe hasło do platformy").token
    finally:
        smtp.stop()


def test_a_weak_password_is_422_naming_password_and_stores_nothing(identity):
    email = new_email()
    answer = identity.post("/api/v1/accounts", json={
        "email": email, "name": "Jan", "password": "qwertyuiop"})
    assert answer.status_code == 422 and "password" in answer.json()["error"]["fields"]
    assert identity.db["accounts"].find_one({"email": email}) is None
    assert identity.post("/api/v1/accounts", json={
        "email": email, "name": "Jan", "password": PASSWORD, "admin": True}).status_code == 422


def test_wrong_password_and_unknown_email_answer_alike_then_429(identity, admin_token):
    client = web_client(identity, admin_token)
    account = active_account(identity)
    wrong, _ = authorize(identity, oauth_session(identity, client), requests.Session(),
                         account["email"], "not the password")
    unknown, _ = authorize(identity, oauth_session(identity, client), requests.Session(),
                           new_email(), "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Nieprawidłowy e-mail lub hasło." in wrong.text
    assert "Nieprawidłowy e-mail lub hasło." in unknown.text
    for _ in range(4):  # five failures in all lock the account
        authorize(identity, oauth_session(identity, client), requests.Session(),
                  account["email"], "not the password")
    last, _ = authorize(identity, oauth_session(identity, client), requests.Session(),
                        account["email"], "not the password")
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    # even the right password waits until the lock ends
    locked, _ = authorize(identity, oauth_session(identity, client), requests.Session(),
                          account["email"])
    assert locked.status_code == 429


def test_the_admin_invites_an_officer_who_sets_a_password(identity, admin_token):
    email = new_email("urzednik")
    created = identity.post("/api/v1/accounts/staff", admin_token, json={
        "email": email, "name": "Piotr Urzędnik", "roles": ["officer"]})
    assert created.status_code == 201, created.text
    token = created.json()["set_password_url"].split("token=")[1]
    assert identity.post("/api/v1/accounts/password", json={
        "token": token, "password": "Urząd Miasta na Wiosnę"}).status_code == 200
    client = web_client(identity, admin_token)
    signed = sign_in(identity, client, email, "Urząd Miasta na Wiosnę")
    import jwt

    claims = jwt.decode(signed.token["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["officer"]
    assert identity.post("/api/v1/accounts/staff", signed.token["access_token"], json={
        "email": new_email(), "name": "X", "roles": ["admin"]}).status_code == 403


def test_a_person_exports_and_deletes_their_account(identity, admin_token):
    client = web_client(identity, admin_token)
    account = active_account(identity, name="Zofia Usuwająca")
    signed = sign_in(identity, client, account["email"])
    access = signed.token["access_token"]
    export = identity.get("/api/v1/accounts/me/export", access)
    assert export.status_code == 200, export.text
    assert export.json()["account"]["email"] == account["email"]
    assert export.json()["audit_log"][0]["kind"] == "signed_in"
    assert "password_hash" not in export.text
    assert identity.request("DELETE", "/api/v1/accounts/me", access).status_code == 204
    stored = identity.db["accounts"].find_one({"_id": account["_id"]})
    assert account["email"] not in str(stored) and "Zofia" not in str(stored)
    assert stored["status"] == "disabled" and stored["password_hash"] is None
    refused, _ = authorize(identity, oauth_session(identity, client), requests.Session(),
                           account["email"])
    assert refused.status_code == 401
    with pytest.raises(OAuthError):
        signed.session.refresh_token(identity.url("/oauth2/token"),
                                     refresh_token=signed.token["refresh_token"])
    # the address is free again
    assert identity.post("/api/v1/accounts", json={
        "email": account["email"], "name": "Zofia", "password": PASSWORD}).status_code == 201


def test_an_officer_invites_a_committee_member_who_gets_the_link_by_email(
        start_service, identity, admin_token, tmp_path):
    """From a competition's (or council's) page: the officer invites by email; the person sets
    a password through the emailed link and signs in as a committee member; the answer's
    `account_id` is the `user_id` the committee is appointed with."""
    smtp = SmtpServer(tmp_path / "mail").start()
    try:
        start_service(NotificationsService, extra={**FAST, "smtp_host": "127.0.0.1",
                                                   "smtp_port": smtp.port})
        client = web_client(identity, admin_token)
        officer = sign_in(identity, client, active_account(identity, roles=["officer"])["email"])
        access = officer.token["access_token"]
        email = new_email("komisja")
        invited = identity.post("/api/v1/accounts/invitations", access, json={
            "email": email, "name": "Jan Komisyjny", "roles": ["committee"]})
        assert invited.status_code == 201, invited.text
        answer = invited.json()
        assert answer["status"] == "invited" and answer["roles"] == ["committee"]
        assert "set_password_url" not in answer   # the link goes to the person only
        text = mail_to(smtp, email, "Zaproszenie do platformy współpracy")
        token = LINK.search(text).group(0).split("token=")[1]
        assert identity.post("/api/v1/accounts/password", json={
            "token": token, "password": "Komisja oceni oferty w maju"}).status_code == 200
        member = sign_in(identity, client, email, "Komisja oceni oferty w maju")
        import jwt

        claims = jwt.decode(member.token["access_token"], options={"verify_signature": False})
        assert claims["sub"] == answer["account_id"] and claims["roles"] == ["committee"]
        # the same address again (another competition): the same account, no new email
        again = identity.post("/api/v1/accounts/invitations", access, json={
            "email": email, "name": "Jan Komisyjny", "roles": ["committee"]})
        assert again.status_code == 201
        assert (again.json()["account_id"], again.json()["status"]) == (
            answer["account_id"], "existing")
        # a council member who already has an account: kept as it is, no role granted
        resident = active_account(identity, name="Maria Radna")
        council = identity.post("/api/v1/accounts/invitations", access, json={
            "email": resident["email"], "name": "Maria Radna"})
        assert council.json()["account_id"] == resident["_id"]
        assert council.json()["roles"] == []
        # only the committee role can be granted this way; an NGO cannot invite at all
        wider = identity.post("/api/v1/accounts/invitations", access, json={
            "email": new_email(), "name": "X", "roles": ["officer"]})
        assert wider.status_code == 422 and "roles" in wider.text
        assert identity.post("/api/v1/accounts/invitations", member.token["access_token"],
                             json={"email": new_email(), "name": "X"}).status_code == 403
        kinds = [e["kind"] for e in identity.db["audit_log"].find(
            {"account_id": answer["account_id"]})]
        assert kinds.count("roles_granted") == 1
        invitations = [m for m in smtp.messages() if m["To"] == email]
        assert len(invitations) == 1
    finally:
        smtp.stop()
