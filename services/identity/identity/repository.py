"""MongoDB access of the identity service: collections, indexes, and the repositories the
command handlers read and write through (in a unit of work, identity/unit.py).

Every secret a browser or client holds (session cookies, authorization codes, refresh tokens,
one-time links, client secrets) is stored only as its SHA-256 hash: they are long random
values, so a fast hash is enough, and a copy of the database gives nobody a usable one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from identity import domain, keys
from wspolpraca import pagination
from wspolpraca.errors import Conflict
from wspolpraca.leases import acquire_lease, release_lease
from wspolpraca.mongo import Collection, DomainGauge, count_by
from wspolpraca.organizations import ORGANIZATION_DIRECTORY, ORGANIZATIONS
from wspolpraca.repository import Repository


def already_requested() -> Conflict:
    """A second open request of one person for one organisation."""
    return Conflict("already_requested", "Wniosek o reprezentowanie tej organizacji już "
                    "złożono.", "organization_id")

ACCOUNTS = "accounts"
CLIENTS = "clients"
SESSIONS = "sessions"
CODES = "authorization_codes"
REFRESH_TOKENS = "refresh_tokens"
ONE_TIME = "one_time_tokens"
THROTTLE = "throttle"
REPRESENTATIONS = "representations"
AUDIT = "audit_log"

COLLECTIONS = (
    Collection(ACCOUNTS, (IndexModel([("email", ASCENDING)], name="email", unique=True),)),
    Collection(CLIENTS, (IndexModel([("department", ASCENDING)], name="department"),)),
    Collection(SESSIONS, (IndexModel([("account_id", ASCENDING)], name="account"),)),
    Collection(CODES, (IndexModel([("client_id", ASCENDING), ("nonce", ASCENDING)],
                                  name="client_nonce"),)),
    Collection(REFRESH_TOKENS, (
        IndexModel([("family", ASCENDING)], name="family"),
        IndexModel([("session_id", ASCENDING)], name="session"),
        IndexModel([("account_id", ASCENDING)], name="account"),
    )),
    Collection(ONE_TIME, (IndexModel([("account_id", ASCENDING)], name="account"),)),
    Collection(THROTTLE),
    Collection(REPRESENTATIONS, (
        IndexModel([("account_id", ASCENDING), ("status", ASCENDING)], name="person"),
        IndexModel([("organization_id", ASCENDING), ("status", ASCENDING)],
                   name="organization"),
        # one open (requested or granted) representation per person and organisation
        IndexModel([("account_id", ASCENDING), ("organization_id", ASCENDING)],
                   name="one_open", unique=True,
                   partialFilterExpression={"open": True}),
    )),
    Collection(AUDIT, (IndexModel([("at", ASCENDING)], name="at"),
                       IndexModel([("account_id", ASCENDING), ("at", ASCENDING)],
                                  name="account"))),
    keys.COLLECTION,
    ORGANIZATION_DIRECTORY,
)

GAUGES = (
    DomainGauge("wspolpraca_identity_accounts", "Accounts by status.", ("status",),
                lambda db: count_by(db, ACCOUNTS, "status", "status")),
    DomainGauge("wspolpraca_identity_representations", "Representations by status.",
                ("status",), lambda db: count_by(db, REPRESENTATIONS, "status", "status")),
)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_id() -> str:
    return pagination.new_id()


def granted_organizations(db: Database, account_id: str, session=None) -> list[str]:
    found = db[REPRESENTATIONS].find(
        {"account_id": account_id, "status": domain.RepresentationStatus.GRANTED},
        {"organization_id": 1}, session=session).sort("_id", 1)
    return [r["organization_id"] for r in found]


AUDIT_RETENTION_LEASE = "identity-audit-retention"


def remove_expired_audit(db: Database, now: datetime, retention: timedelta, owner: str,
                         lease_seconds: float) -> int | None:
    """Delete the audit log's lines older than `retention`: by one instance at a time (the
    one holding the lease), None when another holds it."""
    if not acquire_lease(db, AUDIT_RETENTION_LEASE, owner, lease_seconds):
        return None
    try:
        return db[AUDIT].delete_many({"at": {"$lt": now - retention}}).deleted_count
    finally:
        release_lease(db, AUDIT_RETENTION_LEASE, owner)


# --- the repositories (read and written inside a unit of work, identity/unit.py) -----------
class IdentityRepository(Repository):
    """Identity's records carry no version: each change is one conditional `$set`."""

    def by_id(self, record_id: str) -> dict[str, Any] | None:
        return self.find_one({"_id": record_id})

    def update(self, record_id: str, changes: dict[str, Any], *,
               unset: tuple[str, ...] = (), match: dict[str, Any] | None = None) -> bool:
        """Set `changes` (and remove `unset`) on the record if it still matches `match`;
        True when it was changed."""
        update: dict[str, Any] = {"$set": changes}
        if unset:
            update["$unset"] = {name: "" for name in unset}
        return self.collection.update_one({"_id": record_id, **(match or {})}, update,
                                          session=self.session).modified_count == 1


class Accounts(IdentityRepository):
    collection_name = ACCOUNTS
    not_found = "Nie ma takiego konta."

    def by_email(self, email: str) -> dict[str, Any] | None:
        return self.find_one({"email": domain.normalize_email(email)})

    def any_admin(self) -> bool:
        return self.collection.find_one({"roles": "admin"}, {"_id": 1},
                                        session=self.session) is not None

    def add_roles(self, account_id: str, roles: list[str]) -> None:
        self.collection.update_one({"_id": account_id},
                                   {"$addToSet": {"roles": {"$each": roles}}},
                                   session=self.session)

    def add_role_by_email(self, email: str, role: str) -> None:
        self.collection.update_one({"email": domain.normalize_email(email)},
                                   {"$addToSet": {"roles": role}}, session=self.session)

    def with_plain_totp(self) -> list[dict[str, Any]]:
        """Accounts whose TOTP secret an older version stored in plain text."""
        return list(self.collection.find({"totp.secret": {"$exists": True}}, {"totp": 1},
                                         session=self.session))


class Clients(IdentityRepository):
    collection_name = CLIENTS

    def active(self, client_id: str) -> dict[str, Any] | None:
        """The client unless it was disabled."""
        return self.find_one({"_id": client_id, "disabled": {"$ne": True}})

    def ensure(self, client: dict[str, Any], kind: str, now: datetime) -> None:
        """The client as configured (created once, its settings kept current)."""
        self.collection.update_one(
            {"_id": client["_id"]},
            {"$set": {k: v for k, v in client.items() if k != "_id"},
             "$setOnInsert": {"created_at": now, "kind": kind}},
            upsert=True, session=self.session)


class Sessions(IdentityRepository):
    collection_name = SESSIONS

    def ids_of(self, account_id: str) -> list[str]:
        return [s["_id"] for s in self.find({"account_id": account_id})]

    def end(self, session_ids: list[str]) -> None:
        self.collection.delete_many({"_id": {"$in": session_ids}}, session=self.session)


class AuthorizationCodes(IdentityRepository):
    """The authorization codes (kept hashed) between the sign-in and the token request."""

    collection_name = CODES

    def of_client(self, code: str, client_id: str) -> dict[str, Any] | None:
        return self.find_one({"_id": digest(code), "client_id": client_id})

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        return self.find_one({"client_id": client_id, "nonce": nonce}) is not None

    def remove(self, record_id: str) -> None:
        self.collection.delete_one({"_id": record_id}, session=self.session)


class RefreshTokens(IdentityRepository):
    collection_name = REFRESH_TOKENS

    def _revoke(self, match: dict[str, Any], reason: str, **stamp: Any) -> None:
        self.collection.update_many({**match, "revoked": False},
                                    {"$set": {"revoked": True, "revoked_reason": reason,
                                              **stamp}}, session=self.session)

    def revoke_all(self, account_id: str, reason: str) -> None:
        self._revoke({"account_id": account_id}, reason)

    def revoke_family(self, family: str, reason: str, now: datetime) -> None:
        """Every token of the family (a retired one presented again)."""
        self._revoke({"family": family}, reason, revoked_at=now)

    def revoke_of_sessions(self, session_ids: list[str], reason: str, now: datetime) -> None:
        self._revoke({"session_id": {"$in": session_ids}}, reason, revoked_at=now)

    def retire(self, record_id: str, now: datetime) -> bool:
        """Mark the token rotated; False when it already was (refreshed twice at once)."""
        return self.update(record_id, {"rotated": True, "rotated_at": now},
                           match={"rotated": {"$ne": True}})


class OneTimeTokens(IdentityRepository):
    """One-time links and steps, kept only hashed."""

    collection_name = ONE_TIME

    def issue(self, purpose: str, account_id: str, now: datetime,
              valid_for: timedelta) -> str:
        """A one-time token for `purpose`, valid for `valid_for`."""
        token = new_secret()
        self.add({"_id": digest(token), "purpose": purpose, "account_id": account_id,
                  "created_at": now, "expires_at": now + valid_for})
        return token

    def valid(self, purpose: str, token: str, now: datetime) -> dict[str, Any] | None:
        record = self.find_one({"_id": digest(token), "purpose": purpose})
        return record if record is not None and record["expires_at"] > now else None

    def take(self, purpose: str, token: str) -> dict[str, Any] | None:
        """The token's record, deleted (used once), or None."""
        return self.collection.find_one_and_delete({"_id": digest(token), "purpose": purpose},
                                                   session=self.session)

    def discard(self, token: str) -> None:
        self.collection.delete_one({"_id": digest(token)}, session=self.session)

    def discard_of(self, account_id: str) -> None:
        self.collection.delete_many({"account_id": account_id}, session=self.session)


class Throttle(IdentityRepository):
    collection_name = THROTTLE

    def state(self, key: str) -> domain.ThrottleState:
        record = self.by_id(key)
        if record is None:
            return domain.ThrottleState()
        return domain.ThrottleState(record.get("failures", 0), record.get("window_start"),
                                    record.get("locked_until"), record.get("lockouts", 0))

    def save_state(self, key: str, state: domain.ThrottleState) -> None:
        self.collection.replace_one({"_id": key}, {
            "failures": state.failures, "window_start": state.window_start,
            "locked_until": state.locked_until, "lockouts": state.lockouts}, upsert=True,
            session=self.session)

    def clear(self, key: str) -> None:
        self.collection.delete_one({"_id": key}, session=self.session)


class Representations(IdentityRepository):
    collection_name = REPRESENTATIONS
    not_found = "Nie ma takiego wniosku."

    def add(self, record: dict[str, Any]) -> None:
        """A new request; 409 `already_requested` while one of the person for the
        organisation is open (the unique index)."""
        try:
            super().add(record)
        except DuplicateKeyError:
            raise already_requested() from None

    def granted_organizations(self, account_id: str) -> list[str]:
        return granted_organizations(self.tx.db, account_id, self.session)

    def put(self, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": record["_id"]}, record, session=self.session)

    def end_all_of(self, account_id: str, erased: dict[str, Any], by: str,
                   now: datetime) -> None:
        """Every representation of a deleted account: the person erased, the open ones
        withdrawn."""
        self.collection.update_many({"account_id": account_id},
                                    {"$set": {**erased, "open": False}}, session=self.session)
        self.collection.update_many(
            {"account_id": account_id,
             "status": {"$in": [s.value for s in domain.OPEN_REPRESENTATION]}},
            {"$set": {"status": domain.RepresentationStatus.WITHDRAWN.value,
                      "decided_at": now, "decided_by": by}}, session=self.session)


class AuditLog(IdentityRepository):
    collection_name = AUDIT

    def record(self, kind: str, at: datetime, *, account_id: str | None = None,
               address: str | None = None, **details: Any) -> None:
        """One line of the audit log (sign-ins, role and representation changes)."""
        self.add({"_id": new_id(), "kind": kind, "at": at, "account_id": account_id,
                  "address": address, **details})


class Organizations(IdentityRepository):
    """The registry's organisations as identity keeps them (the directory projection)."""

    collection_name = ORGANIZATIONS

    def exists(self, organization_id: str) -> bool:
        return self.collection.find_one({"_id": organization_id}, {"_id": 1},
                                        session=self.session) is not None
