"""The command handlers of the identity service: plain functions `handler(command, uow)`
(the platform's one convention, `wspolpraca.service_layer`), which load through the unit's
repositories (identity/unit.py), apply the rules of identity/domain.py, save and emit. A
command is a frozen dataclass; what a handler needs of the service's configuration (the
settings, the TOTP box, the key ring) travels in it.

The entry points in identity/service.py call one function each: a handler run in a unit of
work (`self.handle`, or `self.handle_now` for the sign-in's bookkeeping, which writes one by
one), or one of the commands at the end of this module that need more than one unit (a
password change ends the sessions after it committed). The unit tests run the handlers with
an in-memory unit (tests/unit/identity/identity_fakes.py).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from pymongo.errors import DuplicateKeyError

from identity import domain, keys, oidc, repository, totp
from identity.config import IdentitySettings
from identity.unit import IdentityUnit
from identity.web import hash_password, verify_password
from wspolpraca.auth import Principal
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden
from wspolpraca.payloads import record_payload
from wspolpraca.service_layer import Submit

log = logging.getLogger(__name__)

Record = dict[str, Any]
SECOND_FACTOR_STEP = "second_factor"
SECOND_FACTOR_MINUTES = 5   # between the password and the code
INVALID_LINK = "Link jest nieprawidłowy, został już użyty albo wygasł."


def link(settings: IdentitySettings, path: str, **params: str) -> str:
    return f"{settings.public_url}{path}?{urlencode(params)}"


def new_account(email: str, name: str, password_hash: str | None, now, *, status: str,
                roles: list[str] | None = None, department: str | None = None,
                confirmed_at=None, must_change_password: bool = False) -> Record:
    return {"_id": repository.new_id(), "email": domain.normalize_email(email), "name": name,
            "password_hash": password_hash, "status": status, "roles": roles or [],
            "department": department, "created_at": now, "confirmed_at": confirmed_at,
            "must_change_password": must_change_password}


def use_one_time(uow: IdentityUnit, purpose: str, token: str) -> Record:
    """The account of a one-time link, the link used up; 422 when it is not valid."""
    record = uow.one_time.take(purpose, token)
    if record is None or record["expires_at"] <= utcnow():
        raise DomainError("invalid_link", INVALID_LINK, field="token", status=422)
    return uow.accounts.get(record["account_id"])


# --- bootstrap ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    settings: IdentitySettings
    box: totp.SecretBox


@dataclass(frozen=True)
class SealTotpSecrets:
    box: totp.SecretBox


def bootstrap(command: Start, uow: IdentityUnit) -> str | None:
    """At start: the `wspolpraca-cli` and `wspolpraca-portal` public clients, the first admin,
    plain TOTP secrets of older versions sealed. The first admin's one-time password when one
    was generated."""
    for client, kind in ((oidc.CLI_CLIENT, "native"),
                         (oidc.portal_client(command.settings.portal_url), "web")):
        uow.clients.ensure(client, kind, utcnow())
    generated = None
    if not uow.accounts.any_admin():
        generated = first_admin(uow, command.settings)
    seal_plain_totp_secrets(SealTotpSecrets(command.box), uow)
    return generated


def first_admin(uow: IdentityUnit, settings: IdentitySettings) -> str | None:
    """The first admin (WSPOLPRACA_ADMIN_EMAIL/PASSWORD); the generated one-time password
    when none was configured."""
    email = settings.admin_email or "admin@wspolpraca.localhost"
    password = settings.admin_password
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(18)
    now = utcnow()
    try:
        uow.accounts.add(new_account(email, "Administrator", hash_password(password), now,
                                     status=domain.AccountStatus.ACTIVE, roles=["admin"],
                                     confirmed_at=now, must_change_password=generated))
    except DuplicateKeyError:
        uow.accounts.add_role_by_email(email, "admin")
        return None
    return password if generated else None


def seal_plain_totp_secrets(command: SealTotpSecrets, uow: IdentityUnit) -> int:
    """Migration: TOTP secrets an older version stored in plain text are sealed (idempotent,
    one query when there is nothing to do); the number sealed."""
    sealed = 0
    for account in uow.accounts.with_plain_totp():
        plain = account["totp"]["secret"]
        sealed += uow.accounts.update(account["_id"],
                                      {"totp.sealed": command.box.seal(plain, account["_id"])},
                                      unset=("totp.secret",), match={"totp.secret": plain})
    if sealed:
        log.info("plain TOTP secrets sealed", extra={"sealed": sealed})
    return sealed


# --- accounts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Register:
    settings: IdentitySettings
    body: Record
    password_hash: str


def register(command: Register, uow: IdentityUnit) -> None:
    """A new unconfirmed account and its confirmation link; a known address gets an email
    instead (the same answer)."""
    settings, body = command.settings, command.body
    now = utcnow()
    email = domain.normalize_email(body["email"])
    known = uow.accounts.by_email(email)
    if known is not None:
        uow.emit("account.registration_repeated", known["_id"], {
            "account_id": known["_id"], "email": known["email"], "name": known["name"],
            "sign_in_url": f"{settings.public_url}/oauth2/authorize",
            "reset_url": f"{settings.public_url}/oauth2/reset"})
        return
    account = new_account(email, body["name"], command.password_hash, now,
                          status=domain.AccountStatus.UNCONFIRMED)
    uow.accounts.add(account)
    token = uow.one_time.issue("confirm", account["_id"], now, domain.CONFIRMATION_VALID_FOR)
    uow.emit("account.registered", account["_id"], {
        "account_id": account["_id"], "email": email, "name": body["name"],
        "confirmation_url": link(settings, "/oauth2/confirm", token=token),
        "expires_at": format_time(now + domain.CONFIRMATION_VALID_FOR)})


@dataclass(frozen=True)
class Confirm:
    token: str


def confirm(command: Confirm, uow: IdentityUnit) -> Record:
    account = use_one_time(uow, "confirm", command.token)
    if account["status"] == domain.AccountStatus.UNCONFIRMED:
        changes = {"status": domain.AccountStatus.ACTIVE.value, "confirmed_at": utcnow()}
        account.update(changes)
        uow.accounts.update(account["_id"], changes)
        uow.emit("account.confirmed", account["_id"], {"account_id": account["_id"]})
    return account


@dataclass(frozen=True)
class RequestReset:
    settings: IdentitySettings
    email: str


def request_reset(command: RequestReset, uow: IdentityUnit) -> None:
    account = uow.accounts.by_email(command.email)
    if account is None or account["status"] == domain.AccountStatus.DISABLED:
        return
    token = uow.one_time.issue("reset", account["_id"], utcnow(), domain.RESET_VALID_FOR)
    uow.emit("account.password_reset_requested", account["_id"], {
        "account_id": account["_id"], "email": account["email"], "name": account["name"],
        "reset_url": link(command.settings, "/oauth2/reset", token=token),
        "expires_at": format_time(utcnow() + domain.RESET_VALID_FOR)})


@dataclass(frozen=True)
class SetPassword:
    token: str
    password: str


def set_password(command: SetPassword, uow: IdentityUnit) -> Record:
    account = use_one_time(uow, "reset", command.token)
    domain.check_password(command.password, email=account["email"], name=account["name"])
    changes: Record = {"password_hash": hash_password(command.password),
                       "must_change_password": False}
    if account["status"] == domain.AccountStatus.UNCONFIRMED:
        changes.update(status=domain.AccountStatus.ACTIVE.value,
                       confirmed_at=utcnow())  # the link proved the address
    uow.accounts.update(account["_id"], changes)
    uow.audit.record("password_changed", utcnow(), account_id=account["_id"])
    account.update(changes)
    return account


@dataclass(frozen=True)
class EndSessions:
    account_id: str
    reason: str


def end_account_sessions(command: EndSessions, uow: IdentityUnit) -> None:
    """Every session and refresh token of the account ends (a new password, a deletion)."""
    oidc.end_sessions(uow, uow.sessions.ids_of(command.account_id))
    uow.refresh_tokens.revoke_all(command.account_id, command.reason)


def invite(uow: IdentityUnit, settings: IdentitySettings, account: Record,
           now: datetime) -> str:
    """The one-time link (7 days) the person sets a password with, emailed through the
    event `account.invited`; the link."""
    valid_for = timedelta(days=domain.INVITATION_DAYS)
    token = uow.one_time.issue("reset", account["_id"], now, valid_for)
    url = link(settings, "/oauth2/reset", token=token)
    uow.emit("account.invited", account["_id"], {
        "account_id": account["_id"], "email": account["email"], "name": account["name"],
        "roles": account["roles"], "set_password_url": url,
        "expires_at": format_time(now + valid_for)})
    return url


@dataclass(frozen=True)
class CreateStaff:
    settings: IdentitySettings
    principal: Principal
    body: Record
    password_hash: str | None


def create_staff(command: CreateStaff, uow: IdentityUnit) -> Record:
    """An account the admin creates: seeded with a password (active at once) or invited."""
    body, password_hash = command.body, command.password_hash
    now = utcnow()
    if uow.accounts.by_email(body["email"]) is not None:
        raise Conflict("email_taken", "Konto z tym adresem już istnieje.", "email")
    account = new_account(body["email"], body["name"], password_hash, now,
                          status=domain.AccountStatus.UNCONFIRMED,
                          roles=sorted(set(body["roles"])), department=body.get("department"))
    if password_hash is not None:  # seeded: active at once, no link
        account.update(status=domain.AccountStatus.ACTIVE.value, confirmed_at=now)
    uow.accounts.add(account)
    uow.audit.record("roles_granted", now, account_id=account["_id"],
                     by=command.principal.sub, roles=account["roles"])
    if password_hash is not None:
        return account
    return {**account, "set_password_url": invite(uow, command.settings, account, now)}


@dataclass(frozen=True)
class Invite:
    """Staff asking for someone's account (the admin's staff account, an officer's or a
    department's committee or council member): the settings (for the emailed link), who
    asks, the body."""
    settings: IdentitySettings
    principal: Principal
    body: Record


def invite_member(command: Invite, uow: IdentityUnit) -> Record:
    """A committee or council member: a new account invited, or a known one with the roles
    added (a new link while it was never confirmed)."""
    body = command.body
    roles = sorted(set(body["roles"]))
    now = utcnow()
    account = uow.accounts.by_email(body["email"])
    if account is None:
        account = new_account(body["email"], body["name"], None, now,
                              status=domain.AccountStatus.UNCONFIRMED, roles=roles)
        uow.accounts.add(account)
        status, granted = "invited", roles
    else:
        domain.check_invitable(account["status"])
        status = "existing"
        granted = domain.roles_to_add(account["roles"], roles)
        if granted:
            uow.accounts.add_roles(account["_id"], granted)
            account = {**account, "roles": sorted({*account["roles"], *granted})}
    if granted:
        uow.audit.record("roles_granted", now, account_id=account["_id"],
                         by=command.principal.sub, roles=granted)
    # never signed in yet (invited before, or registered and unconfirmed): a new link
    if account["status"] == domain.AccountStatus.UNCONFIRMED:
        invite(uow, command.settings, account, now)
    return {**account, "status": status, "account_id": account["_id"]}


@dataclass(frozen=True)
class DeleteAccount:
    account_id: str


def delete_account(command: DeleteAccount, uow: IdentityUnit) -> None:
    """GDPR art. 17: the personal data erased, every representation ended (account.deleted
    says so: no representation event, which would carry the erased person's address)."""
    account_id = command.account_id
    uow.accounts.get(account_id)
    now = utcnow()
    erased = {"name": "Konto usunięte", "email": f"usuniete-{account_id}@invalid"}
    uow.representations.end_all_of(account_id, erased, account_id, now)
    uow.accounts.update(account_id, {
        **erased, "password_hash": None, "department": None, "roles": [],
        "status": domain.AccountStatus.DISABLED.value, "deleted_at": now}, unset=("totp",))
    uow.one_time.discard_of(account_id)
    uow.emit("account.deleted", account_id, {"account_id": account_id})


# --- clients --------------------------------------------------------------------------------
def create_client(command: Submit, uow: IdentityUnit) -> Record:
    """A department's system or a web application; the secret is answered once, kept only
    hashed."""
    body = command.body
    grant_types = domain.client_grant_types(body["kind"], body.get("department"),
                                            body["redirect_uris"])
    secret = repository.new_secret()
    record = {"_id": f"{body['kind']}-{repository.new_id()}", "name": body["name"],
              "kind": body["kind"], "department": body.get("department"),
              "redirect_uris": body["redirect_uris"],
              "post_logout_redirect_uris": body["post_logout_redirect_uris"],
              "grant_types": grant_types, "token_endpoint_auth_method": "client_secret_basic",
              "secret_hash": repository.digest(secret), "created_at": utcnow(),
              "created_by": command.principal.sub}
    uow.clients.add(record)
    return {**record, "client_secret": secret}


@dataclass(frozen=True)
class RotateKeys:
    keyring: keys.KeyRing
    principal: Principal


def rotate_keys(command: RotateKeys, uow: IdentityUnit) -> None:
    key = command.keyring.rotate(uow.tx.db)
    uow.audit.record("keys_rotated", utcnow(), account_id=command.principal.sub, kid=key.kid)


# --- representations ------------------------------------------------------------------------
def representation_payload(record: Record) -> Record:
    return record_payload(record, """
        account_id organization_id status name email reason? requested_at:time
        decided_at?:time
    """)


@dataclass(frozen=True)
class RequestRepresentation:
    principal: Principal
    organization_id: str


def request_representation(command: RequestRepresentation, uow: IdentityUnit) -> Record:
    principal, organization_id = command.principal, command.organization_id
    account = uow.accounts.by_id(principal.sub)
    if account is None or not domain.may_sign_in(account["status"]):
        raise Forbidden("Konto nie jest aktywne.")
    now = utcnow()
    record = {"_id": repository.new_id(), "account_id": principal.sub, "name": account["name"],
              "email": account["email"], "organization_id": organization_id,
              "status": domain.RepresentationStatus.REQUESTED.value, "open": True,
              "reason": None, "requested_at": now, "decided_at": None, "decided_by": None}
    uow.representations.add(record)
    uow.emit("representation.requested", record["_id"], representation_payload(record))
    return record


@dataclass(frozen=True)
class Decide:
    actor: domain.Actor
    representation_id: str
    action: str
    reason: str | None


def decide(command: Decide, uow: IdentityUnit) -> Record:
    """Approve, refuse, withdraw or revoke a representation (who may: domain.check_may_decide)."""
    actor, representation_id, action = command.actor, command.representation_id, command.action
    reason = command.reason
    record = uow.representations.get(representation_id)
    domain.check_may_decide(actor, record["account_id"], record["organization_id"], action)
    status = domain.next_representation_status(record["status"], action)
    now = utcnow()
    record.update(status=status.value, open=status in domain.OPEN_REPRESENTATION,
                  reason=reason, decided_at=now, decided_by=actor.account_id)
    uow.representations.put(record)
    routing_key = domain.representation_event(action)
    if routing_key:
        uow.emit(routing_key, representation_id, representation_payload(record))
    uow.audit.record(f"representation_{status.value}", now, account_id=record["account_id"],
                     by=actor.account_id, organization_id=record["organization_id"])
    return record


def actor(principal: Principal, uow: IdentityUnit) -> domain.Actor:
    """The person as one who decides (a query in a unit: what they represent)."""
    return domain.Actor(principal.sub, principal.is_staff,
                        frozenset(uow.representations.granted_organizations(principal.sub)))


# --- signing in -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckCredentials:
    email: str
    password: str
    address: str


def check_credentials(command: CheckCredentials, uow: IdentityUnit) -> Record | int | None:
    """The account, None (wrong email or password: the same answer, the same work), or
    the seconds to wait (throttled per account and per client address)."""
    email, password, address = command.email, command.password, command.address
    now = utcnow()
    keys_ = {f"account:{email}": domain.ACCOUNT_THROTTLE,
             f"address:{address}": domain.ADDRESS_THROTTLE}
    states = {key: uow.throttle.state(key) for key in keys_}
    wait = max(domain.retry_after(state, now) for state in states.values())
    if wait:
        return wait
    account = uow.accounts.by_email(email)
    valid = verify_password(account.get("password_hash") if account else None, password)
    if valid and account is not None and domain.may_sign_in(account["status"]):
        uow.throttle.clear(f"account:{email}")
        uow.audit.record("signed_in", now, account_id=account["_id"], address=address)
        return account
    for key, policy in keys_.items():
        uow.throttle.save_state(key, domain.after_failure(states[key], policy, now))
    uow.audit.record("sign_in_failed", now, account_id=account["_id"] if account else None,
                     address=address)
    return None


@dataclass(frozen=True)
class SecondStep:
    """After the password, for an account that needs a second factor: the step's one-time
    token (the form carries it) and the enrolment URI while the account has no TOTP yet."""

    token: str
    enrol_uri: str | None


@dataclass(frozen=True)
class StartSecondFactor:
    box: totp.SecretBox
    account: Record


def start_second_factor(command: StartSecondFactor, uow: IdentityUnit) -> SecondStep:
    account = command.account
    token = uow.one_time.issue(SECOND_FACTOR_STEP, account["_id"], utcnow(),
                               timedelta(minutes=SECOND_FACTOR_MINUTES))
    return SecondStep(token, enrolment(uow, command.box, account))


def enrolment(uow: IdentityUnit, box: totp.SecretBox, account: Record) -> str | None:
    """The otpauth:// URI to show while the account has no confirmed TOTP (a new secret
    each time, until a code confirms one); None once enrolled: never shown again."""
    if (account.get("totp") or {}).get("enabled"):
        return None
    secret = totp.new_secret()
    uow.accounts.update(account["_id"], {"totp": {
        "sealed": box.seal(secret, account["_id"]), "enabled": False, "last_step": None}})
    return totp.provisioning_uri(secret, account["email"])


@dataclass(frozen=True)
class SecondFactor:
    """How the second step ended: `expired` (sign in again), `broken` (the secret does not
    open with the configured key), `throttled` (wait `wait` seconds), `failed` (a wrong code)
    or `passed` (the account is signed in)."""

    outcome: str
    account: Record | None = None
    enrol_uri: str | None = None
    wait: int = 0


@dataclass(frozen=True)
class CheckSecondFactor:
    box: totp.SecretBox
    step: str
    code: str
    address: str


def check_second_factor(command: CheckSecondFactor, uow: IdentityUnit) -> SecondFactor:
    """The sign-in's second step: the code of the account's TOTP (confirming it on the
    first sign-in); failures are throttled with the password's per-account policy."""
    box, step, code, address = command.box, command.step, command.code, command.address
    now = utcnow()
    record = uow.one_time.valid(SECOND_FACTOR_STEP, step, now)
    account = uow.accounts.by_id(record["account_id"]) if record is not None else None
    enrolment_ = (account or {}).get("totp") or {}
    if (account is None or not domain.may_sign_in(account["status"])
            or "sealed" not in enrolment_):   # (the second factor reset meanwhile)
        return SecondFactor("expired")
    try:
        secret = box.open(enrolment_["sealed"], account["_id"])
    except ValueError:   # sealed under another WSPOLPRACA_IDENTITY_TOTP_KEY
        log.error("a TOTP secret does not open with the configured key",
                  extra={"account_id": account["_id"]})
        return SecondFactor("broken", account)
    enrol_uri = (None if enrolment_.get("enabled") else
                 totp.provisioning_uri(secret, account["email"]))
    key = f"account:{account['email']}"
    state = uow.throttle.state(key)
    wait = domain.retry_after(state, now)
    if wait:
        return SecondFactor("throttled", account, enrol_uri, wait)
    matched = totp.matching_step(secret, code, now.timestamp(), enrolment_.get("last_step"))
    used = matched is not None and uow.accounts.update(
        account["_id"], {"totp.enabled": True, "totp.last_step": matched},
        match={"totp.sealed": enrolment_["sealed"],
               "totp.last_step": enrolment_.get("last_step")})
    if not used:
        uow.throttle.save_state(key, domain.after_failure(state, domain.ACCOUNT_THROTTLE, now))
        uow.audit.record("second_factor_failed", now, account_id=account["_id"],
                         address=address)
        return SecondFactor("failed", account, enrol_uri)
    uow.one_time.discard(step)
    uow.throttle.clear(key)
    if enrol_uri:
        uow.audit.record("second_factor_enrolled", now, account_id=account["_id"])
    return SecondFactor("passed", account, enrol_uri)


@dataclass(frozen=True)
class OpenSession:
    settings: IdentitySettings
    account: Record
    address: str


def open_session(command: OpenSession, uow: IdentityUnit) -> tuple[Record, str]:
    """A browser session (kept hashed) and its cookie's value."""
    cookie = repository.new_secret()
    now = utcnow()
    hours = command.settings.session_hours
    session = {"_id": repository.digest(cookie), "account_id": command.account["_id"],
               "created_at": now, "expires_at": now + timedelta(hours=hours),
               "address": command.address}
    uow.sessions.add(session)
    return session, cookie


# --- commands that check, then hand over to a handler above ---------------------------------
@dataclass(frozen=True)
class RegisterAccount:
    settings: IdentitySettings
    body: Record


def register_account(command: RegisterAccount, uow: IdentityUnit) -> None:
    """Registration: the password checked and hashed, then `register`. (A registration of the
    same address at the same moment fails on the unique email; the entry point gives it the
    same answer.)"""
    body = command.body
    email = domain.normalize_email(body["email"])
    domain.check_password(body["password"], email=email, name=body["name"])
    register(Register(command.settings, body, hash_password(body["password"])), uow)


def create_staff_account(command: Invite, uow: IdentityUnit) -> Record:
    """The admin's account: the roles and a seeded password checked, then `create_staff`."""
    body = command.body
    domain.check_staff_account(body["roles"], body.get("department"))
    password = body.get("password")
    if password is not None:
        domain.check_password(password, email=body["email"], name=body["name"])
    password_hash = hash_password(password) if password is not None else None
    return create_staff(CreateStaff(command.settings, command.principal, body, password_hash),
                        uow)


def reset_password(command: SetPassword, uow: IdentityUnit) -> Record:
    """A new password through a reset or invitation link; every session of the account ends
    once it committed."""
    account = set_password(command, uow)
    uow.after_commit(end_account_sessions, EndSessions(account["_id"], "password_changed"))
    return account


def delete_me(command: DeleteAccount, uow: IdentityUnit) -> None:
    """The account erased; every session of it ends once that committed."""
    delete_account(command, uow)
    uow.after_commit(end_account_sessions, EndSessions(command.account_id, "account_deleted"))


def ask_to_represent(command: RequestRepresentation, uow: IdentityUnit) -> Record:
    """A request to represent an organisation the registry knows (once: a second request is
    refused by the repository, 409 `already_requested`)."""
    if not uow.organizations.exists(command.organization_id):
        raise DomainError("unknown_organization", "Nie ma takiej organizacji w bazie.",
                          field="organization_id")
    return request_representation(command, uow)


@dataclass(frozen=True)
class DecideAs:
    principal: Principal
    representation_id: str
    action: str
    reason: str | None


def decide_as(command: DecideAs, uow: IdentityUnit) -> Record:
    """`decide` by the signed-in person, as what they represent."""
    return decide(Decide(actor(command.principal, uow), command.representation_id,
                         command.action, command.reason), uow)
