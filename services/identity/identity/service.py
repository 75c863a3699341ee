"""The identity service: accounts, representations and the OpenID Connect provider.

Entry points parse, check the role and call one function: a command handler of
`identity/handlers.py` (through the unit of work of `identity/unit.py`) or a query of
`identity/queries.py`; the rules are in `domain.py`, the protocol in `oidc.py` (Authlib's
server classes, whose calls stay here as protocol plumbing), the pages in `web.py`.
"""

from __future__ import annotations

import logging
import sys
import uuid
from contextlib import suppress
from datetime import timedelta
from typing import Any

from authlib.oauth2 import OAuth2Error
from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Request, Response

from identity import domain, handlers, keys, oidc, queries, repository, totp
from identity.config import IdentitySettings, load_identity_settings
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
from identity.unit import HandlesIdentityCommands, run_now
from identity.web import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    csrf_token,
    csrf_valid,
    identity_api,
    message_page,
    page,
    set_cookie,
    sign_in_headers,
)
from wspolpraca.config import settings_of
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, Forbidden, Unauthorized
from wspolpraca.http import PUBLIC, json_response
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo
from wspolpraca.organizations import OrganizationDirectoryMixin
from wspolpraca.pagination import PageQuery
from wspolpraca.service_layer import Submit
from wspolpraca.timers import scheduled

log = logging.getLogger(__name__)

ADMIN = ("admin",)
INVITERS = ("officer", "department")  # who appoints committees and councils
STAFF = ("officer",)   # admin passes every role check
ANYONE_SIGNED_IN = PUBLIC  # checked in the handler: a resident has no role at all
REGISTERED_MESSAGE = ("Jeśli adres jest poprawny, wysłaliśmy na niego wiadomość z linkiem "
                      "potwierdzającym. Link jest ważny 48 godzin.")
SIGN_IN_FAILED = "Nieprawidłowy e-mail lub hasło."
SECOND_FACTOR_FAILED = "Nieprawidłowy kod. Wpisz aktualny kod z aplikacji."
SECOND_FACTOR_BROKEN = ("Nie można sprawdzić kodu z aplikacji. Skontaktuj się z "
                        "administratorem platformy.")
AUDIT_RETENTION_CHECK_SECONDS = 3600
AUDIT_RETENTION_LEASE_SECONDS = 600


def signed_in(request) -> Any:
    if request.principal is None:
        raise Unauthorized()
    return request.principal


def too_many_attempts(wait: int) -> str:
    return f"Zbyt wiele nieudanych prób. Spróbuj ponownie za {wait} s."


class Bootstrap(DependencyProvider):
    """At start: a signing key, the `wspolpraca-cli` and `wspolpraca-portal` public clients
    (the portal's redirect URI under WSPOLPRACA_PORTAL_URL), the first admin (from
    WSPOLPRACA_ADMIN_EMAIL/PASSWORD, or with a one-time password printed once), and TOTP
    secrets of older versions sealed."""

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)
        self.identity = load_identity_settings(self.settings)
        self.keyring = keys.KeyRing(self.identity.key_passphrase)
        self.totp_box = totp.SecretBox(self.identity.totp_key)
        self.instance = uuid.uuid4().hex   # this instance, as a lease's owner

    def start(self) -> None:
        mongo = next(d for d in self.container.dependencies if isinstance(d, Mongo))
        self.keyring.ensure(mongo.db)
        password = run_now(mongo.db, handlers.bootstrap,
                           handlers.Start(self.identity, self.totp_box))
        if password is not None:  # once, to the operator's terminal (never into the JSON log)
            email = self.identity.admin_email or "admin@wspolpraca.localhost"
            print(f"identity: the first admin is {email} with the one-time password "
                  f"{password} (set WSPOLPRACA_ADMIN_EMAIL/PASSWORD to choose them)",
                  file=sys.stderr, flush=True)

    def get_dependency(self, worker_ctx) -> Bootstrap:
        return self


class AccountsMixin(HandlesIdentityCommands):
    boot: Bootstrap

    @property
    def identity(self) -> IdentitySettings:
        return self.boot.identity

    def invitation(self, request, body) -> handlers.Invite:
        """The request's staff account or member invitation: the settings, who asks, the
        body."""
        return handlers.Invite(self.identity, request.principal, body)

    @identity_api("POST", "/api/v1/accounts", body=AccountCreateSchema,
                  response=RegisteredSchema, status=201, bearer=False,
                  summary="Register (NGO representatives, residents): the account is "
                          "unconfirmed until the emailed link is followed. A known address "
                          "gets the same answer (and its owner an email instead).")
    def register(self, request, body):
        with suppress(DuplicateKeyError):  # the same address at the same moment: same answer
            self.handle(handlers.register_account,
                        handlers.RegisterAccount(self.identity, body))
        return {"email": domain.normalize_email(body["email"]),
                "status": domain.AccountStatus.UNCONFIRMED.value,
                "message": REGISTERED_MESSAGE}

    @identity_api("POST", "/api/v1/accounts/confirm", body=ConfirmSchema,
                  response=AccountSchema, bearer=False,
                  summary="Confirm an email address with the token of the emailed link")
    def confirm_api(self, request, body):
        return self.handle(handlers.confirm, handlers.Confirm(body["token"]))

    @identity_api("GET", "/oauth2/confirm", bearer=False,
                  summary="The emailed confirmation link (a Polish page)")
    def confirm_page(self, request):
        try:
            self.handle(handlers.confirm, handlers.Confirm(request.args.get("token", "")))
        except DomainError as exc:
            return message_page("Potwierdzenie adresu e-mail", exc.message, 410, alert=True)
        return message_page("Adres potwierdzony",
                            "Dziękujemy, adres e-mail został potwierdzony. Możesz się "
                            "zalogować.")

    @identity_api("POST", "/api/v1/accounts/password-reset", body=PasswordResetRequestSchema,
                  status=202, bearer=False,
                  summary="Ask for a password reset link (the same answer for any address)")
    def request_reset(self, request, body):
        self.handle(handlers.request_reset, handlers.RequestReset(self.identity, body["email"]))
        return {"message": "Jeśli konto z tym adresem istnieje, wysłaliśmy link do ustawienia "
                           "nowego hasła."}

    @identity_api("POST", "/api/v1/accounts/password", body=PasswordResetSchema,
                  response=AccountSchema, bearer=False,
                  summary="Set a new password with the token of a reset (or invitation) link")
    def reset_api(self, request, body):
        return self.handle(handlers.reset_password,
                           handlers.SetPassword(body["token"], body["password"]))

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
            self.handle(handlers.reset_password,
                        handlers.SetPassword(token, request.form.get("password", "")))
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
        return self.handle(handlers.create_staff_account, self.invitation(request, body))

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
        return self.handle(handlers.invite_member, self.invitation(request, body))

    @identity_api("GET", "/api/v1/accounts", roles=ADMIN, query=AccountQuerySchema,
                  response=AccountSchema, summary="Accounts (admin), by email")
    def list_accounts(self, request, query):
        return queries.accounts(self.db.db, query)

    @identity_api("GET", "/api/v1/accounts/me", response=AccountSchema,
                  summary="The signed-in person's account")
    def me(self, request):
        return queries.my_account(self.db.db, signed_in(request))

    @identity_api("GET", "/api/v1/accounts/me/export",
                  summary="Everything stored about the signed-in person (GDPR art. 15, 20)")
    def export(self, request):
        return queries.export(self.db.db, signed_in(request))

    @identity_api("DELETE", "/api/v1/accounts/me",
                  summary="Delete one's account (GDPR art. 17): the personal data are erased, "
                          "representations end; what the law requires the city to keep "
                          "(signed offers) stays in the other services, detached from the "
                          "person")
    def delete_me(self, request):
        self.handle(handlers.delete_me, handlers.DeleteAccount(signed_in(request).sub))
        return Response(status=204)


class ClientsMixin(HandlesIdentityCommands):
    @identity_api("POST", "/api/v1/clients", roles=ADMIN, body=ClientCreateSchema,
                  response=ClientCreatedSchema, status=201,
                  summary="Register a client (admin): a department's system or a web "
                          "application. The secret is shown once and kept only hashed.")
    def create_client(self, request, body):
        return self.handle(handlers.create_client, Submit(request.principal, body))

    @identity_api("GET", "/api/v1/clients", roles=ADMIN, query=PageQuery,
                  response=ClientSchema, summary="The registered clients (admin)")
    def list_clients(self, request, query):
        return queries.clients(self.db.db, query)


class RepresentationsMixin(HandlesIdentityCommands):
    def decide(self, request, id: str, action: str, reason: str | None) -> dict[str, Any]:
        return queries.representation_view(self.db.db, self.handle(
            handlers.decide_as, handlers.DecideAs(signed_in(request), id, action, reason)))

    @identity_api("POST", "/api/v1/representations", roles=ANYONE_SIGNED_IN,
                  body=RepresentationCreateSchema, response=RepresentationSchema, status=201,
                  summary="Ask to represent an organisation of the registry")
    def request_representation(self, request, body):
        return queries.representation_view(self.db.db, self.handle(
            handlers.ask_to_represent,
            handlers.RequestRepresentation(signed_in(request), body["organization_id"])))

    @identity_api("GET", "/api/v1/representations", roles=ANYONE_SIGNED_IN,
                  query=RepresentationQuerySchema, response=RepresentationSchema,
                  summary="Representations: the officer's all, a representative's of their "
                          "organisations, a person's own")
    def list_representations(self, request, query):
        return queries.representations(self.db.db, signed_in(request), query)

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


class OpenIdMixin(HandlesIdentityCommands):
    """Discovery, keys, the sign-in page, tokens, userinfo and logout."""

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
        return json_response(queries.jwks(self.db.db),
                             headers={"Cache-Control": "public, max-age=60"})

    @identity_api("POST", "/oauth2/jwks/rotate", roles=ADMIN,
                  summary="Rotate the signing keys (admin): a new key signs from now on, the "
                          "previous one stays published until the next rotation")
    def rotate(self, request):
        self.handle_now(handlers.rotate_keys,
                        handlers.RotateKeys(self.boot.keyring, request.principal))
        return queries.jwks(self.db.db)

    # --- the sign-in page -------------------------------------------------------------------
    def browser_session(self, request: Request) -> dict[str, Any] | None:
        return queries.browser_session(self.db.db, request.cookies.get(SESSION_COOKIE))

    def grant_user(self, account: dict[str, Any], session: dict[str, Any],
                   request: Request) -> oidc.SignedIn:
        granted = queries.granted_organizations(self.db.db, account["_id"])
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
        # the browser's signed-in person first: the grant checks `prompt=none` against them
        # (no one signed in: `login_required` to the client, as OpenID Connect says)
        session = self.browser_session(request)
        account = None
        if session is not None and "login" not in request.args.get("prompt", "").split():
            account = queries.active_account(self.db.db, session["account_id"])
        try:
            grant = server.get_consent_grant(request=request, end_user=account)
        except OAuth2Error as error:
            return self.authorization_error(error)
        if account is not None:
            return self.issue_code(server, request, grant, account, session)
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
        outcome = self.handle_now(handlers.check_credentials,
                                  handlers.CheckCredentials(email, password, address))
        if isinstance(outcome, int):
            return self.sign_in_form(request, grant, 429, headers={"Retry-After": str(outcome)},
                                     message=too_many_attempts(outcome))
        if outcome is None:
            return self.sign_in_form(request, grant, 401, message=SIGN_IN_FAILED,
                                     errors={"password": SIGN_IN_FAILED})
        if domain.needs_second_factor(outcome.get("roles") or [],
                                      bool((outcome.get("totp") or {}).get("enabled"))):
            step = self.handle_now(handlers.start_second_factor,
                                   handlers.StartSecondFactor(self.boot.totp_box, outcome))
            return self.second_factor_form(request, step.enrol_uri, step.token)
        return self.signed_in_response(server, request, grant, outcome, address)

    def signed_in_response(self, server, request: Request, grant, account: dict[str, Any],
                           address: str) -> Response:
        session, cookie = self.handle_now(handlers.open_session,
                                          handlers.OpenSession(self.boot.identity, account,
                                                               address))
        response = self.issue_code(server, request, grant, account, session)
        set_cookie(response, SESSION_COOKIE, cookie, secure=self.boot.identity.secure_cookies,
                   max_age=self.boot.identity.session_hours * 3600)
        return response

    # --- the second factor (TOTP) -------------------------------------------------------------
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
        """The sign-in's second step (handlers.check_second_factor) as a page."""
        step = request.form.get("step", "")
        address = client_address(request)
        checked = self.handle_now(handlers.check_second_factor, handlers.CheckSecondFactor(
            self.boot.totp_box, step, request.form.get("code", ""), address))
        if checked.outcome == "expired":
            return self.sign_in_form(request, grant, 400, message="Logowanie wygasło. "
                                     "Zaloguj się jeszcze raz.")
        if checked.outcome == "broken":
            return self.sign_in_form(request, grant, 503, message=SECOND_FACTOR_BROKEN)
        if checked.outcome == "throttled":
            return self.second_factor_form(
                request, checked.enrol_uri, step, 429,
                headers={"Retry-After": str(checked.wait)},
                message=too_many_attempts(checked.wait))
        if checked.outcome == "failed":
            return self.second_factor_form(request, checked.enrol_uri, step, 401,
                                           message=SECOND_FACTOR_FAILED)
        return self.signed_in_response(server, request, grant, checked.account, address)

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
        account = queries.user_info_account(self.db.db, principal)
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


class IdentityService(AccountsMixin, ClientsMixin, RepresentationsMixin, OpenIdMixin,
                      OrganizationDirectoryMixin):
    name = "identity"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    boot = Bootstrap()
    log_context = WorkerLogContext()

    @scheduled(AUDIT_RETENTION_CHECK_SECONDS)
    def remove_expired_audit_entries(self) -> int:
        """The audit log keeps sign-ins and role changes WSPOLPRACA_IDENTITY_AUDIT_RETENTION_DAYS
        days; one instance at a time removes what is older."""
        return self.expire_audit(utcnow())

    def expire_audit(self, now) -> int:
        removed = repository.remove_expired_audit(
            self.db.db, now, timedelta(days=self.boot.identity.audit_retention_days),
            self.boot.instance, AUDIT_RETENTION_LEASE_SECONDS)
        if removed:
            log.info("audit log entries past retention removed", extra={"removed": removed})
        return removed or 0
