"""The identity service: accounts, representations and the OpenID Connect provider.

Entry points parse, check the role and call one handler; the rules are in `domain.py`, the
protocol in `oidc.py` (Authlib's server classes).
"""

from __future__ import annotations

import logging
import secrets
import sys
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Request, Response

from identity import domain, keys, oidc, repository, totp
from identity.config import IdentitySettings, load_identity_settings
from identity.repository import (
    ACCOUNTS,
    CLIENTS,
    ONE_TIME,
    REPRESENTATIONS,
    SESSIONS,
    THROTTLE,
    digest,
)
from identity.schemas import (
    AccountCreatedSchema,
    AccountCreateSchema,
    AccountQuerySchema,
    AccountSchema,
    ClientCreatedSchema,
    ClientCreateSchema,
    ClientSchema,
    ConfirmSchema,
    InvitationSchema,
    InvitedSchema,
    OptionalReasonSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    ReasonSchema,
    RegisteredSchema,
    RepresentationCreateSchema,
    RepresentationQuerySchema,
    RepresentationSchema,
    StaffCreateSchema,
)
from identity.web import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    csrf_token,
    csrf_valid,
    hash_password,
    identity_api,
    message_page,
    page,
    set_cookie,
    sign_in_headers,
    verify_password,
)
from wspolpraca.config import settings_of
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from wspolpraca.http import PUBLIC, json_response
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.organizations import ORGANIZATIONS, OrganizationDirectoryMixin
from wspolpraca.pagination import Page, PageQuery, paginate

log = logging.getLogger(__name__)

ADMIN = ("admin",)
INVITERS = ("officer", "department")  # who appoints committees and councils
STAFF = ("officer",)   # admin passes every role check
ANYONE_SIGNED_IN = PUBLIC  # checked in the handler: a resident has no role at all
REGISTERED_MESSAGE = ("Jeśli adres jest poprawny, wysłaliśmy na niego wiadomość z linkiem "
                      "potwierdzającym. Link jest ważny 48 godzin.")
SIGN_IN_FAILED = "Nieprawidłowy e-mail lub hasło."
SECOND_FACTOR_FAILED = "Nieprawidłowy kod. Wpisz aktualny kod z aplikacji."
SECOND_FACTOR_STEP = "second_factor"
SECOND_FACTOR_MINUTES = 5   # between the password and the code
AUDIT_RETENTION_CHECK_SECONDS = 3600
AUDIT_RETENTION_LEASE_SECONDS = 600


def signed_in(request) -> Any:
    if request.principal is None:
        raise Unauthorized()
    return request.principal


class Bootstrap(DependencyProvider):
    """At start: a signing key, the `wspolpraca-cli` and `wspolpraca-portal` public clients
    (the portal's redirect URI under WSPOLPRACA_PORTAL_URL), and the first admin
    (from WSPOLPRACA_ADMIN_EMAIL/PASSWORD, or with a one-time password printed once)."""

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)
        self.identity = load_identity_settings(self.settings)
        self.keyring = keys.KeyRing(self.identity.key_passphrase)
        self.instance = uuid.uuid4().hex   # this instance, as a lease's owner

    def start(self) -> None:
        mongo = next(d for d in self.container.dependencies if isinstance(d, Mongo))
        db = mongo.db
        self.keyring.ensure(db)
        for client, kind in ((oidc.CLI_CLIENT, "native"),
                             (oidc.portal_client(self.identity.portal_url), "web")):
            db[CLIENTS].update_one({"_id": client["_id"]},
                                   {"$set": {k: v for k, v in client.items() if k != "_id"},
                                    "$setOnInsert": {"created_at": utcnow(), "kind": kind}},
                                   upsert=True)
        if db[ACCOUNTS].find_one({"roles": "admin"}, {"_id": 1}) is None:
            self.first_admin(db)

    def first_admin(self, db) -> None:
        email = self.identity.admin_email or "admin@wspolpraca.localhost"
        password = self.identity.admin_password
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(18)
        now = utcnow()
        try:
            db[ACCOUNTS].insert_one(new_account(email, "Administrator", hash_password(password),
                                                now, status=domain.AccountStatus.ACTIVE,
                                                roles=["admin"], confirmed_at=now,
                                                must_change_password=generated))
        except DuplicateKeyError:
            db[ACCOUNTS].update_one({"email": domain.normalize_email(email)},
                                    {"$addToSet": {"roles": "admin"}})
            return
        if generated:  # once, to the operator's terminal (never into the JSON log)
            print(f"identity: the first admin is {email} with the one-time password "
                  f"{password} (set WSPOLPRACA_ADMIN_EMAIL/PASSWORD to choose them)",
                  file=sys.stderr, flush=True)

    def get_dependency(self, worker_ctx) -> Bootstrap:
        return self


def new_account(email: str, name: str, password_hash: str | None, now, *, status: str,
                roles: list[str] | None = None, department: str | None = None,
                confirmed_at=None, must_change_password: bool = False) -> dict[str, Any]:
    return {"_id": repository.new_id(), "email": domain.normalize_email(email), "name": name,
            "password_hash": password_hash, "status": status, "roles": roles or [],
            "department": department, "created_at": now, "confirmed_at": confirmed_at,
            "must_change_password": must_change_password}


def one_time(tx: Transaction, purpose: str, account_id: str, valid_for: timedelta) -> str:
    """A one-time link's token (kept only hashed), valid for `valid_for`."""
    token = repository.new_secret()
    now = utcnow()
    tx.db[ONE_TIME].insert_one({"_id": digest(token), "purpose": purpose,
                                "account_id": account_id, "created_at": now,
                                "expires_at": now + valid_for}, session=tx.session)
    return token


def use_one_time(tx: Transaction, purpose: str, token: str) -> dict[str, Any]:
    record = tx.db[ONE_TIME].find_one_and_delete({"_id": digest(token), "purpose": purpose},
                                                 session=tx.session)
    if record is None or record["expires_at"] <= utcnow():
        raise DomainError("invalid_link", "Link jest nieprawidłowy, został już użyty albo "
                          "wygasł.", field="token", status=422)
    account = tx.db[ACCOUNTS].find_one({"_id": record["account_id"]}, session=tx.session)
    if account is None:
        raise NotFound("Nie ma takiego konta.")
    return account


class AccountsMixin:
    db: Mongo
    boot: Bootstrap

    @property
    def identity(self) -> IdentitySettings:
        return self.boot.identity

    def link(self, path: str, **params: str) -> str:
        return f"{self.identity.public_url}{path}?{urlencode(params)}"

    @identity_api("POST", "/api/v1/accounts", body=AccountCreateSchema,
                  response=RegisteredSchema, status=201, bearer=False,
                  summary="Register (NGO representatives, residents): the account is "
                          "unconfirmed until the emailed link is followed. A known address "
                          "gets the same answer (and its owner an email instead).")
    def register(self, request, body):
        email = domain.normalize_email(body["email"])
        domain.check_password(body["password"], email=email, name=body["name"])
        password_hash = hash_password(body["password"])

        def work(tx: Transaction) -> None:
            now = utcnow()
            known = repository.account_by_email(tx.db, email, tx.session)
            if known is not None:
                tx.emit("account.registration_repeated", known["_id"], {
                    "account_id": known["_id"], "email": known["email"], "name": known["name"],
                    "sign_in_url": f"{self.identity.public_url}/oauth2/authorize",
                    "reset_url": f"{self.identity.public_url}/oauth2/reset"})
                return
            account = new_account(email, body["name"], password_hash, now,
                                  status=domain.AccountStatus.UNCONFIRMED)
            tx.db[ACCOUNTS].insert_one(account, session=tx.session)
            token = one_time(tx, "confirm", account["_id"], domain.CONFIRMATION_VALID_FOR)
            tx.emit("account.registered", account["_id"], {
                "account_id": account["_id"], "email": email, "name": body["name"],
                "confirmation_url": self.link("/oauth2/confirm", token=token),
                "expires_at": format_time(now + domain.CONFIRMATION_VALID_FOR)})

        try:
            self.db.transaction(work)
        except DuplicateKeyError:
            pass  # registered at the same moment by another request: the same answer
        return {"email": email, "status": domain.AccountStatus.UNCONFIRMED.value,
                "message": REGISTERED_MESSAGE}

    def confirm(self, token: str) -> dict[str, Any]:
        def work(tx: Transaction) -> dict[str, Any]:
            account = use_one_time(tx, "confirm", token)
            if account["status"] == domain.AccountStatus.UNCONFIRMED:
                now = utcnow()
                account.update(status=domain.AccountStatus.ACTIVE.value, confirmed_at=now)
                tx.db[ACCOUNTS].update_one({"_id": account["_id"]}, {"$set": {
                    "status": account["status"], "confirmed_at": now}}, session=tx.session)
                tx.emit("account.confirmed", account["_id"], {"account_id": account["_id"]})
            return account

        return self.db.transaction(work)

    @identity_api("POST", "/api/v1/accounts/confirm", body=ConfirmSchema,
                  response=AccountSchema, bearer=False,
                  summary="Confirm an email address with the token of the emailed link")
    def confirm_api(self, request, body):
        return self.confirm(body["token"])

    @identity_api("GET", "/oauth2/confirm", bearer=False,
                  summary="The emailed confirmation link (a Polish page)")
    def confirm_page(self, request):
        try:
            self.confirm(request.args.get("token", ""))
        except DomainError as exc:
            return message_page("Potwierdzenie adresu e-mail", exc.message, 410, alert=True)
        return message_page("Adres potwierdzony",
                            "Dziękujemy, adres e-mail został potwierdzony. Możesz się "
                            "zalogować.")

    @identity_api("POST", "/api/v1/accounts/password-reset", body=PasswordResetRequestSchema,
                  status=202, bearer=False,
                  summary="Ask for a password reset link (the same answer for any address)")
    def request_reset(self, request, body):
        email = domain.normalize_email(body["email"])

        def work(tx: Transaction) -> None:
            account = repository.account_by_email(tx.db, email, tx.session)
            if account is None or account["status"] == domain.AccountStatus.DISABLED:
                return
            token = one_time(tx, "reset", account["_id"], domain.RESET_VALID_FOR)
            tx.emit("account.password_reset_requested", account["_id"], {
                "account_id": account["_id"], "email": account["email"],
                "name": account["name"],
                "reset_url": self.link("/oauth2/reset", token=token),
                "expires_at": format_time(utcnow() + domain.RESET_VALID_FOR)})

        self.db.transaction(work)
        return {"message": "Jeśli konto z tym adresem istnieje, wysłaliśmy link do ustawienia "
                           "nowego hasła."}

    def set_password(self, token: str, password: str) -> dict[str, Any]:
        def work(tx: Transaction) -> dict[str, Any]:
            account = use_one_time(tx, "reset", token)
            domain.check_password(password, email=account["email"], name=account["name"])
            changes: dict[str, Any] = {"password_hash": hash_password(password),
                                       "must_change_password": False}
            if account["status"] == domain.AccountStatus.UNCONFIRMED:
                changes.update(status=domain.AccountStatus.ACTIVE.value,
                               confirmed_at=utcnow())  # the link proved the address
            tx.db[ACCOUNTS].update_one({"_id": account["_id"]}, {"$set": changes},
                                       session=tx.session)
            repository.audit(tx.db, "password_changed", utcnow(), account_id=account["_id"],
                             session=tx.session)
            account.update(changes)
            return account

        account = self.db.transaction(work)
        # every session and refresh token of the account ends with the old password
        sessions = [s["_id"] for s in self.db[SESSIONS].find({"account_id": account["_id"]})]
        oidc.end_sessions(self.db.db, sessions)
        self.db[repository.REFRESH_TOKENS].update_many(
            {"account_id": account["_id"], "revoked": False},
            {"$set": {"revoked": True, "revoked_reason": "password_changed"}})
        return account

    @identity_api("POST", "/api/v1/accounts/password", body=PasswordResetSchema,
                  response=AccountSchema, bearer=False,
                  summary="Set a new password with the token of a reset (or invitation) link")
    def reset_api(self, request, body):
        return self.set_password(body["token"], body["password"])

    @identity_api("GET", "/oauth2/reset", bearer=False,
                  summary="The page of the emailed reset link: a new password")
    def reset_page(self, request):
        token = request.args.get("token", "")
        csrf = csrf_token(request)
        response = page("password.html", title="Nowe hasło", action="/oauth2/reset",
                        token=token, csrf_token=csrf)
        set_cookie(response, CSRF_COOKIE, csrf, secure=self.identity.secure_cookies)
        return response

    @identity_api("POST", "/oauth2/reset", bearer=False, forms=True,
                  summary="Set the new password (the form of the reset page)")
    def reset_form(self, request):
        token = request.form.get("token", "")
        csrf = csrf_token(request)
        if not csrf_valid(request):
            return message_page("Nowe hasło", "Formularz wygasł. Otwórz link z wiadomości "
                                "jeszcze raz.", 400, alert=True)
        try:
            self.set_password(token, request.form.get("password", ""))
        except DomainError as exc:
            errors = {"password": exc.fields.get("password", [exc.message])[0]} \
                if "password" in exc.fields else {}
            return page("password.html", 422, title="Nowe hasło", action="/oauth2/reset",
                        token=token, csrf_token=csrf, errors=errors,
                        message=None if errors else exc.message)
        return message_page("Hasło zmienione", "Nowe hasło zostało ustawione. Możesz się "
                            "zalogować.")

    @identity_api("POST", "/api/v1/accounts/staff", roles=ADMIN, body=StaffCreateSchema,
                  response=AccountCreatedSchema, status=201,
                  summary="Create an account (admin): officer, department, committee, or "
                          "without a role; the person sets a password through the emailed "
                          "link")
    def create_staff(self, request, body):
        if "department" in body["roles"] and not body.get("department"):
            raise DomainError("department_required", "Konto wydziału wymaga kodu wydziału.",
                              field="department")

        password = body.get("password")
        if password is not None:
            domain.check_password(password, email=body["email"], name=body["name"])
        password_hash = hash_password(password) if password is not None else None

        def work(tx: Transaction) -> dict[str, Any]:
            now = utcnow()
            if repository.account_by_email(tx.db, body["email"], tx.session) is not None:
                raise Conflict("email_taken", "Konto z tym adresem już istnieje.", "email")
            account = new_account(body["email"], body["name"], password_hash, now,
                                  status=domain.AccountStatus.UNCONFIRMED,
                                  roles=sorted(set(body["roles"])),
                                  department=body.get("department"))
            if password_hash is not None:  # seeded: active at once, no link
                account.update(status=domain.AccountStatus.ACTIVE.value, confirmed_at=now)
            tx.db[ACCOUNTS].insert_one(account, session=tx.session)
            repository.audit(tx.db, "roles_granted", now, account_id=account["_id"],
                             by=request.principal.sub, roles=account["roles"],
                             session=tx.session)
            if password_hash is not None:
                return account
            return {**account, "set_password_url": self.invite(tx, account, now)}

        return self.db.transaction(work)

    def invite(self, tx: Transaction, account: dict[str, Any], now) -> str:
        """The one-time link (7 days) the person sets a password with, emailed through the
        event `account.invited`; the link."""
        token = one_time(tx, "reset", account["_id"], timedelta(days=domain.INVITATION_DAYS))
        url = self.link("/oauth2/reset", token=token)
        tx.emit("account.invited", account["_id"], {
            "account_id": account["_id"], "email": account["email"], "name": account["name"],
            "roles": account["roles"], "set_password_url": url,
            "expires_at": format_time(now + timedelta(days=domain.INVITATION_DAYS))})
        return url

    @identity_api("POST", "/api/v1/accounts/invitations", roles=INVITERS, body=InvitationSchema,
                  response=InvitedSchema, status=201,
                  summary="Invite a committee or council member (the officer, or the department "
                          "running a competition, from the competition's or council's page): a "
                          "new address gets an account and an emailed one-time link to set a "
                          "password (7 days); a known one keeps its account (`status: "
                          "existing`, the role added). Either way the answer's `account_id` is "
                          "the `user_id` to appoint: grants' `POST /api/v1/competitions/{id}/"
                          "committee`, consultations' `POST /api/v1/councils/{id}/members`")
    def invite_member(self, request, body):
        roles = sorted(set(body["roles"]))

        def work(tx: Transaction) -> dict[str, Any]:
            now = utcnow()
            account = repository.account_by_email(tx.db, body["email"], tx.session)
            if account is None:
                account = new_account(body["email"], body["name"], None, now,
                                      status=domain.AccountStatus.UNCONFIRMED, roles=roles)
                tx.db[ACCOUNTS].insert_one(account, session=tx.session)
                status, granted = "invited", roles
            elif account["status"] == domain.AccountStatus.DISABLED:
                raise Conflict("account_disabled", "To konto jest zablokowane: zaproszenie "
                               "nie jest możliwe. Skontaktuj się z administratorem.", "email")
            else:
                status = "existing"
                granted = [r for r in roles if r not in account["roles"]]
                if granted:
                    tx.db[ACCOUNTS].update_one({"_id": account["_id"]}, {
                        "$addToSet": {"roles": {"$each": granted}}}, session=tx.session)
                    account = {**account, "roles": sorted({*account["roles"], *granted})}
            if granted:
                repository.audit(tx.db, "roles_granted", now, account_id=account["_id"],
                                 by=request.principal.sub, roles=granted, session=tx.session)
            # never signed in yet (invited before, or registered and unconfirmed): a new link
            if account["status"] == domain.AccountStatus.UNCONFIRMED:
                self.invite(tx, account, now)
            return {**account, "status": status, "account_id": account["_id"]}

        return self.db.transaction(work)

    @identity_api("GET", "/api/v1/accounts", roles=ADMIN, query=AccountQuerySchema,
                  response=AccountSchema, summary="Accounts (admin), by email")
    def list_accounts(self, request, query):
        found = {"email": domain.normalize_email(query["email"])} if query.get("email") else {}
        return paginate(self.db[ACCOUNTS], found, query["limit"], query["cursor"])

    @identity_api("GET", "/api/v1/accounts/me", response=AccountSchema,
                  summary="The signed-in person's account")
    def me(self, request):
        account = self.db[ACCOUNTS].find_one({"_id": signed_in(request).sub})
        if account is None:
            raise NotFound("Nie ma takiego konta.")
        return account

    @identity_api("GET", "/api/v1/accounts/me/export",
                  summary="Everything stored about the signed-in person (GDPR art. 15, 20)")
    def export(self, request):
        sub = signed_in(request).sub
        account = self.db[ACCOUNTS].find_one({"_id": sub}, {"password_hash": 0})
        if account is None:
            raise NotFound("Nie ma takiego konta.")
        return {
            "account": AccountSchema().dump(account),
            "representations": RepresentationSchema(many=True).dump(
                self.db[REPRESENTATIONS].find({"account_id": sub})),
            "sessions": [{"created_at": format_time(s["created_at"]),
                          "expires_at": format_time(s["expires_at"])}
                         for s in self.db[SESSIONS].find({"account_id": sub})],
            "audit_log": [{"kind": a["kind"], "at": format_time(a["at"]),
                           "address": a.get("address")}
                          for a in self.db[repository.AUDIT].find({"account_id": sub})],
        }


    @identity_api("DELETE", "/api/v1/accounts/me",
                  summary="Delete one's account (GDPR art. 17): the personal data are erased, "
                          "representations end; what the law requires the city to keep "
                          "(signed offers) stays in the other services, detached from the "
                          "person")
    def delete_me(self, request):
        sub = signed_in(request).sub

        def work(tx: Transaction) -> None:
            account = tx.db[ACCOUNTS].find_one({"_id": sub}, session=tx.session)
            if account is None:
                raise NotFound("Nie ma takiego konta.")
            now = utcnow()
            # every representation ends with the account (account.deleted says so: no
            # representation event, which would carry the erased person's address)
            erased = {"name": "Konto usunięte", "email": f"usuniete-{sub}@invalid"}
            tx.db[REPRESENTATIONS].update_many({"account_id": sub}, {"$set": {
                **erased, "open": False}}, session=tx.session)
            tx.db[REPRESENTATIONS].update_many(
                {"account_id": sub, "status": {"$in": [s.value for s in
                                                      domain.OPEN_REPRESENTATION]}},
                {"$set": {"status": domain.RepresentationStatus.WITHDRAWN.value,
                          "decided_at": now, "decided_by": sub}}, session=tx.session)
            tx.db[ACCOUNTS].update_one({"_id": sub}, {"$set": {
                **erased, "password_hash": None, "department": None, "roles": [],
                "status": domain.AccountStatus.DISABLED.value, "deleted_at": now}},
                session=tx.session)
            tx.db[ONE_TIME].delete_many({"account_id": sub}, session=tx.session)
            tx.emit("account.deleted", sub, {"account_id": sub})

        self.db.transaction(work)
        sessions = [s["_id"] for s in self.db[SESSIONS].find({"account_id": sub})]
        oidc.end_sessions(self.db.db, sessions)
        self.db[repository.REFRESH_TOKENS].update_many(
            {"account_id": sub, "revoked": False},
            {"$set": {"revoked": True, "revoked_reason": "account_deleted"}})
        return Response(status=204)


class ClientsMixin:
    db: Mongo

    @identity_api("POST", "/api/v1/clients", roles=ADMIN, body=ClientCreateSchema,
                  response=ClientCreatedSchema, status=201,
                  summary="Register a client (admin): a department's system or a web "
                          "application. The secret is shown once and kept only hashed.")
    def create_client(self, request, body):
        if body["kind"] == "department":
            if not body.get("department"):
                raise DomainError("department_required", "Klient wydziału wymaga kodu "
                                  "wydziału.", field="department")
            grant_types = ["client_credentials"]
        else:
            if not body["redirect_uris"]:
                raise DomainError("redirect_uri_required", "Podaj co najmniej jeden adres "
                                  "powrotu.", field="redirect_uris")
            grant_types = ["authorization_code", "refresh_token"]
        secret = repository.new_secret()
        record = {"_id": f"{body['kind']}-{repository.new_id()}", "name": body["name"],
                  "kind": body["kind"], "department": body.get("department"),
                  "redirect_uris": body["redirect_uris"],
                  "post_logout_redirect_uris": body["post_logout_redirect_uris"],
                  "grant_types": grant_types,
                  "token_endpoint_auth_method": "client_secret_basic",
                  "secret_hash": digest(secret), "created_at": utcnow(),
                  "created_by": request.principal.sub}
        self.db[CLIENTS].insert_one(record)
        return {**record, "client_secret": secret}

    @identity_api("GET", "/api/v1/clients", roles=ADMIN, query=PageQuery,
                  response=ClientSchema, summary="The registered clients (admin)")
    def list_clients(self, request, query):
        return paginate(self.db[CLIENTS], {}, query["limit"], query["cursor"])


class RepresentationsMixin:
    db: Mongo

    def actor(self, principal) -> domain.Actor:
        return domain.Actor(principal.sub, principal.is_staff, frozenset(
            repository.granted_organizations(self.db.db, principal.sub)))

    def view(self, record: dict[str, Any]) -> dict[str, Any]:
        organization = self.db[ORGANIZATIONS].find_one({"_id": record["organization_id"]},
                                                       {"name": 1})
        return {**record, "organization_name": organization["name"] if organization else None}

    @identity_api("POST", "/api/v1/representations", roles=ANYONE_SIGNED_IN,
                  body=RepresentationCreateSchema, response=RepresentationSchema, status=201,
                  summary="Ask to represent an organisation of the registry")
    def request_representation(self, request, body):
        principal = signed_in(request)
        organization_id = body["organization_id"]
        if self.db[ORGANIZATIONS].find_one({"_id": organization_id}, {"_id": 1}) is None:
            raise DomainError("unknown_organization", "Nie ma takiej organizacji w bazie.",
                              field="organization_id")

        def work(tx: Transaction) -> dict[str, Any]:
            account = tx.db[ACCOUNTS].find_one({"_id": principal.sub}, session=tx.session)
            if account is None or not domain.may_sign_in(account["status"]):
                raise Forbidden("Konto nie jest aktywne.")
            now = utcnow()
            record = {"_id": repository.new_id(), "account_id": principal.sub,
                      "name": account["name"], "email": account["email"],
                      "organization_id": organization_id,
                      "status": domain.RepresentationStatus.REQUESTED.value, "open": True,
                      "reason": None, "requested_at": now, "decided_at": None,
                      "decided_by": None}
            tx.db[REPRESENTATIONS].insert_one(record, session=tx.session)
            tx.emit("representation.requested", record["_id"], representation_payload(record))
            return record

        try:
            return self.view(self.db.transaction(work))
        except DuplicateKeyError:
            raise Conflict("already_requested", "Wniosek o reprezentowanie tej organizacji "
                           "już złożono.", "organization_id") from None

    @identity_api("GET", "/api/v1/representations", roles=ANYONE_SIGNED_IN,
                  query=RepresentationQuerySchema, response=RepresentationSchema,
                  summary="Representations: the officer's all, a representative's of their "
                          "organisations, a person's own")
    def list_representations(self, request, query):
        principal = signed_in(request)
        found: dict[str, Any] = {}
        if not principal.is_staff:
            represents = repository.granted_organizations(self.db.db, principal.sub)
            found = {"$or": [{"account_id": principal.sub},
                             {"organization_id": {"$in": represents}}]}
        for name in ("status", "organization_id"):
            if query.get(name):
                found[name] = query[name]
        page = paginate(self.db[REPRESENTATIONS], found, query["limit"], query["cursor"])
        return Page([self.view(r) for r in page.items], page.next_cursor)

    def decide(self, request, id: str, action: str, reason: str | None) -> dict[str, Any]:
        principal = signed_in(request)
        actor = self.actor(principal)

        def work(tx: Transaction) -> dict[str, Any]:
            record = tx.db[REPRESENTATIONS].find_one({"_id": id}, session=tx.session)
            if record is None:
                raise NotFound("Nie ma takiego wniosku.")
            domain.check_may_decide(actor, record["account_id"], record["organization_id"],
                                    action)
            status = domain.next_representation_status(record["status"], action)
            now = utcnow()
            record.update(status=status.value, open=status in domain.OPEN_REPRESENTATION,
                          reason=reason, decided_at=now, decided_by=principal.sub)
            tx.db[REPRESENTATIONS].replace_one({"_id": id}, record, session=tx.session)
            routing_key = domain.representation_event(action)
            if routing_key:
                tx.emit(routing_key, id, representation_payload(record))
            repository.audit(tx.db, f"representation_{status.value}", now,
                             account_id=record["account_id"], by=principal.sub,
                             organization_id=record["organization_id"], session=tx.session)
            return record

        return self.view(self.db.transaction(work))

    @identity_api("POST", "/api/v1/representations/<id>/approve", roles=ANYONE_SIGNED_IN,
                  response=RepresentationSchema,
                  summary="Grant (the officer or a representative of the organisation): the "
                          "person's next token carries org_id")
    def approve(self, request, id):
        return self.decide(request, id, domain.RepresentationAction.APPROVE, None)

    @identity_api("POST", "/api/v1/representations/<id>/refuse", roles=ANYONE_SIGNED_IN,
                  body=ReasonSchema, response=RepresentationSchema,
                  summary="Refuse with a reason")
    def refuse(self, request, id, body):
        return self.decide(request, id, domain.RepresentationAction.REFUSE, body["reason"])

    @identity_api("POST", "/api/v1/representations/<id>/withdraw", roles=ANYONE_SIGNED_IN,
                  response=RepresentationSchema,
                  summary="Withdraw one's own request or representation")
    def withdraw(self, request, id):
        return self.decide(request, id, domain.RepresentationAction.WITHDRAW, None)

    @identity_api("POST", "/api/v1/representations/<id>/revoke", roles=ANYONE_SIGNED_IN,
                  body=OptionalReasonSchema, response=RepresentationSchema,
                  summary="Revoke a granted representation (the officer or a fellow "
                          "representative)")
    def revoke(self, request, id, body):
        return self.decide(request, id, domain.RepresentationAction.REVOKE, body.get("reason"))


def representation_payload(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["_id"], "account_id": record["account_id"],
            "organization_id": record["organization_id"], "status": record["status"],
            "name": record["name"], "email": record["email"], "reason": record.get("reason"),
            "requested_at": format_time(record["requested_at"]),
            "decided_at": format_time(record["decided_at"]) if record.get("decided_at")
            else None}


class OpenIdMixin:
    """Discovery, keys, the sign-in page, tokens, userinfo and logout."""

    db: Mongo
    boot: Bootstrap

    def server(self) -> oidc.IdentityServer:
        settings = self.db.provider.settings
        return oidc.IdentityServer(oidc.Context(self.db, self.boot.identity,
                                                self.boot.keyring, settings.jwt_audience))

    @identity_api("GET", "/.well-known/openid-configuration", bearer=False,
                  summary="OpenID Connect discovery")
    def discovery(self, request):
        return json_response(oidc.discovery(self.boot.identity),
                             headers={"Cache-Control": "public, max-age=300"})

    @identity_api("GET", "/oauth2/jwks", bearer=False,
                  summary="The signing keys (two during a rollover)")
    def jwks(self, request):
        return json_response(keys.jwks(self.db.db),
                             headers={"Cache-Control": "public, max-age=60"})

    @identity_api("POST", "/oauth2/jwks/rotate", roles=ADMIN,
                  summary="Rotate the signing keys (admin): a new key signs from now on, the "
                          "previous one stays published until the next rotation")
    def rotate(self, request):
        key = self.boot.keyring.rotate(self.db.db)
        repository.audit(self.db.db, "keys_rotated", utcnow(), account_id=request.principal.sub,
                         kid=key.kid)
        return keys.jwks(self.db.db)

    # --- the sign-in page -------------------------------------------------------------------
    def browser_session(self, request: Request) -> dict[str, Any] | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        session = self.db[SESSIONS].find_one({"_id": digest(cookie)})
        if session is None or session["expires_at"] <= utcnow():
            return None
        return session

    def grant_user(self, account: dict[str, Any], session: dict[str, Any],
                   request: Request) -> oidc.SignedIn:
        granted = repository.granted_organizations(self.db.db, account["_id"])
        org_id = domain.choose_organization(granted, request.args.get("org_id") or None)
        return oidc.SignedIn(account, org_id, session["_id"],
                             int(session["created_at"].timestamp()))

    def authorization_error(self, error: OAuth2Error) -> Response:
        """A bad client or redirect URI is told on our own page (never redirected)."""
        if getattr(error, "redirect_uri", None):
            return self.server().handle_error_response(None, error)
        return message_page("Błąd logowania", f"Nieprawidłowe żądanie logowania "
                            f"({error.error}: {error.description or ''}).", 400, alert=True)

    def sign_in_form(self, request: Request, grant, status: int = 200, *,
                     errors: dict | None = None, message: str | None = None,
                     headers: dict | None = None) -> Response:
        csrf = csrf_token(request)
        query = request.query_string.decode("ascii", "replace")
        response = page("signin.html", status,
                        headers=sign_in_headers(grant.redirect_uri, headers), title="Logowanie",
                        action=f"/oauth2/authorize?{query}", csrf_token=csrf,
                        email=request.form.get("email", ""), errors=errors or {},
                        message=message, client_name=grant.client.record.get("name"),
                        reset_url="/oauth2/reset-request")
        set_cookie(response, CSRF_COOKIE, csrf, secure=self.boot.identity.secure_cookies)
        return response

    def issue_code(self, server, request, grant, account, session) -> Response:
        try:
            user = self.grant_user(account, session, request)
        except Forbidden:
            user = None  # asked for an organisation the person does not represent
        return server.create_authorization_response(request, grant_user=user, grant=grant)

    @identity_api("GET", "/oauth2/authorize", bearer=False,
                  summary="The authorization endpoint (code + PKCE S256): the Polish sign-in "
                          "page, or the code at once for a signed-in browser. `org_id` "
                          "chooses the organisation the session acts for.")
    def authorize(self, request):
        server = self.server()
        try:
            grant = server.get_consent_grant(request=request, end_user=None)
        except OAuth2Error as error:
            return self.authorization_error(error)
        session = self.browser_session(request)
        prompt = request.args.get("prompt", "")
        if session is not None and "login" not in prompt.split():
            account = self.db[ACCOUNTS].find_one({"_id": session["account_id"]})
            if account is not None and domain.may_sign_in(account["status"]):
                return self.issue_code(server, request, grant, account, session)
        if "none" in prompt.split():
            from authlib.oauth2.rfc6749.errors import AccessDeniedError

            error = AccessDeniedError(redirect_uri=request.args.get("redirect_uri"))
            error.error = "login_required"
            error.state = request.args.get("state")
            return server.handle_error_response(None, error)
        return self.sign_in_form(request, grant)

    @identity_api("POST", "/oauth2/authorize", bearer=False, forms=True,
                  summary="The sign-in form: E-mail, Hasło, Zaloguj się; for staff a second "
                          "step, Kod z aplikacji (TOTP, enrolled on the first sign-in)")
    def sign_in(self, request):
        server = self.server()
        try:
            grant = server.get_consent_grant(request=request, end_user=None)
        except OAuth2Error as error:
            return self.authorization_error(error)
        if not csrf_valid(request):
            return self.sign_in_form(request, grant, 400, message="Formularz wygasł. "
                                     "Spróbuj zalogować się jeszcze raz.")
        if "step" in request.form:
            return self.second_factor(server, request, grant)
        email = domain.normalize_email(request.form.get("email", ""))
        password = request.form.get("password", "")
        errors = {}
        if not email:
            errors["email"] = "Podaj adres e-mail."
        if not password:
            errors["password"] = "Podaj hasło."
        if errors:
            return self.sign_in_form(request, grant, 422, errors=errors,
                                     message="Popraw zaznaczone pola.")
        address = client_address(request)
        outcome = self.check_credentials(email, password, address)
        if isinstance(outcome, int):
            return self.sign_in_form(
                request, grant, 429, headers={"Retry-After": str(outcome)},
                message=f"Zbyt wiele nieudanych prób. Spróbuj ponownie za {outcome} s.")
        if outcome is None:
            return self.sign_in_form(request, grant, 401, message=SIGN_IN_FAILED,
                                     errors={"password": SIGN_IN_FAILED})
        if domain.needs_second_factor(outcome.get("roles") or [],
                                      bool((outcome.get("totp") or {}).get("enabled"))):
            step = self.db.transaction(lambda tx: one_time(
                tx, SECOND_FACTOR_STEP, outcome["_id"],
                timedelta(minutes=SECOND_FACTOR_MINUTES)))
            return self.second_factor_form(request, self.enrolment(outcome), step)
        return self.signed_in_response(server, request, grant, outcome, address)

    def signed_in_response(self, server, request: Request, grant, account: dict[str, Any],
                           address: str) -> Response:
        session, cookie = self.open_session(account, address)
        response = self.issue_code(server, request, grant, account, session)
        set_cookie(response, SESSION_COOKIE, cookie, secure=self.boot.identity.secure_cookies,
                   max_age=self.boot.identity.session_hours * 3600)
        return response

    # --- the second factor (TOTP) -------------------------------------------------------------
    def enrolment(self, account: dict[str, Any]) -> str | None:
        """The otpauth:// URI to show while the account has no confirmed TOTP (a new secret
        each time, until a code confirms one); None once enrolled: never shown again."""
        if (account.get("totp") or {}).get("enabled"):
            return None
        secret = totp.new_secret()
        self.db[ACCOUNTS].update_one({"_id": account["_id"]}, {"$set": {"totp": {
            "secret": secret, "enabled": False, "last_step": None}}})
        return totp.provisioning_uri(secret, account["email"])

    def second_factor_form(self, request: Request, enrol_uri: str | None, step: str,
                           status: int = 200, *, message: str | None = None,
                           headers: dict | None = None) -> Response:
        redirect_uri = request.args.get("redirect_uri")  # checked by Authlib before this
        csrf = csrf_token(request)
        query = request.query_string.decode("ascii", "replace")
        response = page("totp.html", status, headers=sign_in_headers(redirect_uri, headers),
                        title="Logowanie: drugi krok",
                        action=f"/oauth2/authorize?{query}", csrf_token=csrf, step=step,
                        enrol_uri=enrol_uri, message=message)
        set_cookie(response, CSRF_COOKIE, csrf, secure=self.boot.identity.secure_cookies)
        return response

    def second_factor(self, server, request: Request, grant) -> Response:
        """The sign-in's second step: the code of the account's TOTP (confirming it on the
        first sign-in); failures are throttled with the password's per-account policy."""
        step = request.form.get("step", "")
        record = self.db[ONE_TIME].find_one({"_id": digest(step),
                                             "purpose": SECOND_FACTOR_STEP})
        now = utcnow()
        account = (self.db[ACCOUNTS].find_one({"_id": record["account_id"]})
                   if record is not None and record["expires_at"] > now else None)
        if account is None or not domain.may_sign_in(account["status"]):
            return self.sign_in_form(request, grant, 400, message="Logowanie wygasło. "
                                     "Zaloguj się jeszcze raz.")
        enrolment = account.get("totp") or {}
        enrol_uri = (None if enrolment.get("enabled") else
                     totp.provisioning_uri(enrolment["secret"], account["email"]))
        key = f"account:{account['email']}"
        state = throttle_state(self.db[THROTTLE].find_one({"_id": key}))
        wait = domain.retry_after(state, now)
        if wait:
            return self.second_factor_form(
                request, enrol_uri, step, 429, headers={"Retry-After": str(wait)},
                message=f"Zbyt wiele nieudanych prób. Spróbuj ponownie za {wait} s.")
        matched = totp.matching_step(enrolment["secret"], request.form.get("code", ""),
                                     now.timestamp(), enrolment.get("last_step"))
        used = matched is not None and self.db[ACCOUNTS].update_one(
            {"_id": account["_id"], "totp.secret": enrolment["secret"],
             "totp.last_step": enrolment.get("last_step")},
            {"$set": {"totp.enabled": True, "totp.last_step": matched}}).modified_count == 1
        if not used:
            self.save_throttle(key, domain.after_failure(state, domain.ACCOUNT_THROTTLE, now))
            repository.audit(self.db.db, "second_factor_failed", now,
                             account_id=account["_id"], address=client_address(request))
            return self.second_factor_form(request, enrol_uri, step, 401,
                                           message=SECOND_FACTOR_FAILED)
        self.db[ONE_TIME].delete_one({"_id": digest(step)})
        self.db[THROTTLE].delete_one({"_id": key})
        if enrol_uri:
            repository.audit(self.db.db, "second_factor_enrolled", now,
                             account_id=account["_id"])
        return self.signed_in_response(server, request, grant, account,
                                       client_address(request))

    def check_credentials(self, email: str, password: str, address: str
                          ) -> dict[str, Any] | int | None:
        """The account, None (wrong email or password: the same answer, the same work), or
        the seconds to wait (throttled per account and per client address)."""
        now = utcnow()
        keys_ = {f"account:{email}": domain.ACCOUNT_THROTTLE,
                 f"address:{address}": domain.ADDRESS_THROTTLE}
        states = {key: throttle_state(self.db[THROTTLE].find_one({"_id": key}))
                  for key in keys_}
        wait = max(domain.retry_after(state, now) for state in states.values())
        if wait:
            return wait
        account = repository.account_by_email(self.db.db, email)
        valid = verify_password(account.get("password_hash") if account else None, password)
        if valid and account is not None and domain.may_sign_in(account["status"]):
            self.db[THROTTLE].delete_one({"_id": f"account:{email}"})
            repository.audit(self.db.db, "signed_in", now, account_id=account["_id"],
                             address=address)
            return account
        for key, policy in keys_.items():
            self.save_throttle(key, domain.after_failure(states[key], policy, now))
        repository.audit(self.db.db, "sign_in_failed", now,
                         account_id=account["_id"] if account else None, address=address)
        return None

    def save_throttle(self, key: str, state: domain.ThrottleState) -> None:
        self.db[THROTTLE].replace_one({"_id": key}, {
            "failures": state.failures, "window_start": state.window_start,
            "locked_until": state.locked_until, "lockouts": state.lockouts}, upsert=True)

    def open_session(self, account: dict[str, Any], address: str
                     ) -> tuple[dict[str, Any], str]:
        cookie = repository.new_secret()
        now = utcnow()
        session = {"_id": digest(cookie), "account_id": account["_id"], "created_at": now,
                   "expires_at": now + timedelta(hours=self.boot.identity.session_hours),
                   "address": address}
        self.db[SESSIONS].insert_one(session)
        return session, cookie

    # --- tokens -----------------------------------------------------------------------------
    @identity_api("POST", "/oauth2/token", bearer=False, forms=True,
                  summary="The token endpoint: authorization_code (with code_verifier), "
                          "refresh_token (rotated), client_credentials (departments)")
    def token(self, request):
        response = self.server().create_token_response(request)
        response.headers["Cache-Control"] = "no-store"
        return response

    @identity_api("GET", "/oauth2/userinfo", roles=ANYONE_SIGNED_IN,
                  summary="The signed-in person's claims (bearer access token)")
    def userinfo(self, request):
        principal = signed_in(request)
        account = self.db[ACCOUNTS].find_one({"_id": principal.sub})
        if account is None or not domain.may_sign_in(account["status"]):
            raise Unauthorized("Konto nie jest aktywne.")
        return json_response(dict(oidc.user_info(account, "openid profile email",
                                                 principal.org_id)))

    # --- logout -----------------------------------------------------------------------------
    @identity_api("GET", "/oauth2/logout", bearer=False,
                  summary="RP-initiated logout: with an id_token_hint at once, otherwise "
                          "after the person confirms")
    def logout(self, request):
        return self.end_session(request, confirmed=False)

    @identity_api("POST", "/oauth2/logout", bearer=False, forms=True,
                  summary="RP-initiated logout (confirmed)")
    def logout_confirmed(self, request):
        return self.end_session(request, confirmed=csrf_valid(request))

    def end_session(self, request: Request, confirmed: bool) -> Response:
        server = self.server()
        try:
            logout = server.validate_endpoint_request("end_session", request)
        except OAuth2Error as error:
            return message_page("Wylogowanie", f"Nieprawidłowe żądanie wylogowania "
                                f"({error.description or error.error}).", 400, alert=True)
        session = self.browser_session(request)
        logout.request.browser_session = session["_id"] if session else None
        if logout.needs_confirmation and not confirmed:
            csrf = csrf_token(request)
            fields = [(k, v) for k, v in request.values.items(multi=True)
                      if k != "csrf_token"]
            response = page("logout.html", title="Wylogowanie", action="/oauth2/logout",
                            csrf_token=csrf, fields=fields)
            set_cookie(response, CSRF_COOKIE, csrf, secure=self.boot.identity.secure_cookies)
            return response
        response = server.create_endpoint_response("end_session", logout) or message_page(
            "Wylogowano", "Wylogowano. Możesz zamknąć tę kartę.")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def throttle_state(record: dict[str, Any] | None) -> domain.ThrottleState:
    if record is None:
        return domain.ThrottleState()
    return domain.ThrottleState(record.get("failures", 0), record.get("window_start"),
                                record.get("locked_until"), record.get("lockouts", 0))


class IdentityService(AccountsMixin, ClientsMixin, RepresentationsMixin, OpenIdMixin,
                      OrganizationDirectoryMixin):
    name = "identity"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    boot = Bootstrap()
    log_context = WorkerLogContext()

    @timer(interval=AUDIT_RETENTION_CHECK_SECONDS)
    def remove_expired_audit_entries(self) -> int:
        """The audit log keeps sign-ins and role changes WSPOLPRACA_IDENTITY_AUDIT_RETENTION_DAYS
        days; one instance at a time removes what is older."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.expire_audit(utcnow())

    def expire_audit(self, now) -> int:
        removed = repository.remove_expired_audit(
            self.db.db, now, timedelta(days=self.boot.identity.audit_retention_days),
            self.boot.instance, AUDIT_RETENTION_LEASE_SECONDS)
        if removed:
            log.info("audit log entries past retention removed", extra={"removed": removed})
        return removed or 0

