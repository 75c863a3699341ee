"""The read side of the identity service: what the GET endpoints (and the sign-in pages)
read. Plain functions of the database (no unit of work: reads need no transaction); the
command side writes through identity/handlers.py.
"""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from identity import domain, keys, repository
from identity.repository import ACCOUNTS, CLIENTS, REPRESENTATIONS, SESSIONS, digest
from identity.schemas import AccountSchema, RepresentationSchema
from wspolpraca.auth import Principal
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import NotFound, Unauthorized
from wspolpraca.organizations import ORGANIZATIONS
from wspolpraca.pagination import Page, paginate

Record = dict[str, Any]
NO_ACCOUNT = "Nie ma takiego konta."


def account(db: Database, account_id: str) -> Record | None:
    return db[ACCOUNTS].find_one({"_id": account_id})


def my_account(db: Database, principal: Principal) -> Record:
    found = account(db, principal.sub)
    if found is None:
        raise NotFound(NO_ACCOUNT)
    return found


def active_account(db: Database, account_id: str) -> Record | None:
    """The account while it may sign in."""
    found = account(db, account_id)
    return found if found is not None and domain.may_sign_in(found["status"]) else None


def user_info_account(db: Database, principal: Principal) -> Record:
    found = active_account(db, principal.sub)
    if found is None:
        raise Unauthorized("Konto nie jest aktywne.")
    return found


def accounts(db: Database, query: Record) -> Page:
    found = {"email": domain.normalize_email(query["email"])} if query.get("email") else {}
    return paginate(db[ACCOUNTS], found, query["limit"], query["cursor"])


def export(db: Database, principal: Principal) -> Record:
    """Everything stored about the person (GDPR art. 15, 20)."""
    sub = principal.sub
    found = db[ACCOUNTS].find_one({"_id": sub}, {"password_hash": 0})
    if found is None:
        raise NotFound(NO_ACCOUNT)
    return {
        "account": AccountSchema().dump(found),
        "representations": RepresentationSchema(many=True).dump(
            db[REPRESENTATIONS].find({"account_id": sub})),
        "sessions": [{"created_at": format_time(s["created_at"]),
                      "expires_at": format_time(s["expires_at"])}
                     for s in db[SESSIONS].find({"account_id": sub})],
        "audit_log": [{"kind": a["kind"], "at": format_time(a["at"]),
                       "address": a.get("address")}
                      for a in db[repository.AUDIT].find({"account_id": sub})],
    }


def clients(db: Database, query: Record) -> Page:
    return paginate(db[CLIENTS], {}, query["limit"], query["cursor"])


def jwks(db: Database) -> Record:
    return keys.jwks(db)


# --- representations ------------------------------------------------------------------------
def representation_view(db: Database, record: Record) -> Record:
    organization = db[ORGANIZATIONS].find_one({"_id": record["organization_id"]}, {"name": 1})
    return {**record, "organization_name": organization["name"] if organization else None}


def representations(db: Database, principal: Principal, query: Record) -> Page:
    """The officer's all, a representative's of their organisations, a person's own."""
    found: Record = {}
    if not principal.is_staff:
        represents = repository.granted_organizations(db, principal.sub)
        found = {"$or": [{"account_id": principal.sub},
                         {"organization_id": {"$in": represents}}]}
    for name in ("status", "organization_id"):
        if query.get(name):
            found[name] = query[name]
    page = paginate(db[REPRESENTATIONS], found, query["limit"], query["cursor"])
    return Page([representation_view(db, r) for r in page.items], page.next_cursor)


# --- signing in -----------------------------------------------------------------------------
def browser_session(db: Database, cookie: str | None) -> Record | None:
    """The browser's session (by its cookie) while it lasts."""
    if not cookie:
        return None
    session = db[SESSIONS].find_one({"_id": digest(cookie)})
    if session is None or session["expires_at"] <= utcnow():
        return None
    return session


def granted_organizations(db: Database, account_id: str) -> list[str]:
    return repository.granted_organizations(db, account_id)
