"""MongoDB access of the identity service: collections, indexes and the few queries.

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

from identity import domain, keys
from wspolpraca import pagination
from wspolpraca.leases import acquire_lease, release_lease
from wspolpraca.mongo import Collection, DomainGauge, count_by
from wspolpraca.organizations import ORGANIZATION_DIRECTORY

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


def account_by_email(db: Database, email: str, session=None) -> dict[str, Any] | None:
    return db[ACCOUNTS].find_one({"email": domain.normalize_email(email)}, session=session)


def granted_organizations(db: Database, account_id: str, session=None) -> list[str]:
    found = db[REPRESENTATIONS].find(
        {"account_id": account_id, "status": domain.RepresentationStatus.GRANTED},
        {"organization_id": 1}, session=session).sort("_id", 1)
    return [r["organization_id"] for r in found]


def audit(db: Database, kind: str, at: datetime, *, account_id: str | None = None,
          address: str | None = None, session=None, **details: Any) -> None:
    """One line of the audit log (sign-ins, role and representation changes)."""
    db[AUDIT].insert_one({"_id": new_id(), "kind": kind, "at": at, "account_id": account_id,
                          "address": address, **details}, session=session)


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
