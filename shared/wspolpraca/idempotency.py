"""Idempotency keys: a write sent twice (a double click, a client retrying after a lost
answer) takes effect once, and the second answer repeats the first.

A client sends `Idempotency-Key: <its own random key>` with a POST, PUT, PATCH or DELETE.
The key, scoped to the caller and the request's method and path, is stored as a mark inside
the same transaction as the request's effect (`wspolpraca.mongo.Store.transaction`), so the
effect and the mark commit or vanish together: two requests with one key cannot both commit.
After the answer is computed, the entry point stores it beside the mark; the same key again
then gets that answer replayed (`Idempotent-Replayed: true`), the same key with another body
gets 422, and the same key while the first request still runs gets 409 with `Retry-After`.

Marks are kept `RETENTION` (24 hours, as payment APIs do) and purged by the outbox relay.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, DomainError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
COLLECTION = "idempotency_keys"
INDEXES = (IndexModel([("created_at", ASCENDING)], name="created_at"),)
RETENTION = timedelta(hours=24)
# how long a mark without its answer means "still running" (a request's own deadline is less)
ANSWER_WINDOW = timedelta(seconds=60)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


class KeyInUse(Conflict):
    """The key's mark exists: the request was made before (replay it) or still runs."""

    def __init__(self) -> None:
        super().__init__("request_in_progress",
                         "To samo żądanie jest właśnie przetwarzane; spróbuj ponownie za chwilę.",
                         field=HEADER)


def requested_key(headers: Any, method: str) -> str | None:
    """The client's key of a write, checked; None when the request has none."""
    supplied = headers.get(HEADER)
    if supplied is None or method not in UNSAFE_METHODS:
        return None
    if not _VALID.match(supplied):
        raise DomainError("invalid_idempotency_key",
                          "Klucz Idempotency-Key ma od 8 do 128 znaków: litery, cyfry i . _ : -",
                          field=HEADER)
    return supplied


def scoped(caller: str, method: str, path: str, key: str) -> str:
    """The mark's id: one caller's key for one method and path (keys never collide across
    callers, and a leaked key cannot replay another person's answer)."""
    return hashlib.sha256(f"{caller}\n{method}\n{path}\n{key}".encode()).hexdigest()


def fingerprint(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def mark(db: Database, session: ClientSession, mark_id: str, body_fingerprint: str) -> None:
    """Inside the request's transaction: the key is taken, or `KeyInUse`."""
    try:
        db[COLLECTION].insert_one({"_id": mark_id, "fingerprint": body_fingerprint,
                                   "created_at": utcnow()}, session=session)
    except DuplicateKeyError:
        raise KeyInUse() from None


def earlier_answer(db: Database, mark_id: str,
                   body_fingerprint: str) -> tuple[int, Any] | None:
    """The stored answer to the same request (status, JSON body); None when the key is new.

    Raises 422 when the key was used for another body, `KeyInUse` while the first request
    has not answered yet.
    """
    found = db[COLLECTION].find_one({"_id": mark_id})
    if found is None:
        return None
    if found["fingerprint"] != body_fingerprint:
        raise DomainError("idempotency_key_reused",
                          "Ten klucz Idempotency-Key użyto już dla innego żądania.",
                          field=HEADER)
    if "status" not in found:
        if utcnow() - found["created_at"] < ANSWER_WINDOW:
            raise KeyInUse()
        # committed, but the answer was never stored (the process stopped in between)
        raise Conflict("request_already_done",
                       "To żądanie już wykonano; odśwież stronę, aby zobaczyć wynik.",
                       field=HEADER)
    return found["status"], json.loads(found["body"])


def remember(db: Database, mark_id: str, status: int, body: bytes) -> None:
    """Store the answer beside the mark (nothing when the request left no mark)."""
    try:
        db[COLLECTION].update_one({"_id": mark_id, "status": {"$exists": False}},
                                  {"$set": {"status": status, "body": body.decode()}})
    except PyMongoError:  # the effect committed; a retry then waits for `KeyInUse` to clear
        pass


def purge(db: Database) -> None:
    db[COLLECTION].delete_many({"created_at": {"$lt": utcnow() - RETENTION}})
