"""Leases in a service's `locks` collection: one holder at a time for a job that scaled-out
instances must not run together (the outbox relay, identity's audit retention). A lease
expires unless its holder renews it."""

from __future__ import annotations

from datetime import timedelta

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from wspolpraca.database import Collection
from wspolpraca.envelope import utcnow

LOCKS = "locks"
LOCKS_COLLECTION = Collection(LOCKS)


def acquire_lease(db: Database, name: str, owner: str, seconds: float) -> bool:
    now = utcnow()
    try:
        db[LOCKS].find_one_and_update(
            {"_id": name, "$or": [{"owner": owner}, {"expires_at": {"$lt": now}}]},
            {"$set": {"owner": owner, "expires_at": now + timedelta(seconds=seconds)}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False  # somebody else holds an unexpired lease
    return True


def release_lease(db: Database, name: str, owner: str) -> None:
    db[LOCKS].delete_one({"_id": name, "owner": owner})
