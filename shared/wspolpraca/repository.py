"""The one repository base: a collection read and written inside a unit of work.

Every service's repositories subclass `Repository` (name the collection and the Polish
"not found" message). Records carry a `version`; `replace` writes the new state only if
nobody changed the record since it was read (optimistic concurrency), so two officers acting
at once cannot overwrite each other: the later one gets 409 `concurrent_update`.

A request's `If-Match` (wspolpraca.conditional) is checked here too, for every endpoint at
once: the one record it is about (its id in the request's path, of this collection when the
endpoint names one), if its version is not one `If-Match` accepts
answers 412 `stale`, when it is read (`get`) and, atomically, when it is written (`replace`
filters on the version `If-Match` named).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wspolpraca import conditional
from wspolpraca.errors import Conflict, NotFound
from wspolpraca.mongo import Transaction

CONCURRENT_UPDATE = "Zmieniono to w międzyczasie; spróbuj ponownie."


class Repository:
    collection_name = ""
    not_found = "Nie znaleziono."

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.collection = tx.db[self.collection_name]
        self.session = tx.session

    @property
    def precondition(self) -> conditional.Precondition | None:
        """The request's `If-Match`, when it sent one (a timer's or an event's worker, and a
        unit test's fake transaction, have none), until the record it is about was written
        in this transaction (read again afterwards, it has its new version)."""
        store = getattr(self.tx, "store", None)
        return conditional.from_worker(getattr(store, "worker_data", None))

    def _written(self) -> set[str]:
        """The ids of the records this transaction wrote past their If-Match."""
        written = getattr(self.tx, "if_match_written", None)
        if written is None:
            written = set()
            try:
                self.tx.if_match_written = written  # type: ignore[attr-defined]
            except AttributeError:   # a fake transaction that takes no attribute
                pass
        return written

    def get(self, record_id: str, **match: Any) -> dict[str, Any]:
        """The record, or 404 with the repository's message (also when `match` differs)."""
        found = self.collection.find_one({"_id": record_id, **match}, session=self.session)
        if found is None:
            raise NotFound(self.not_found)
        precondition = self.precondition
        if precondition is not None and found["_id"] not in self._written():
            precondition.check(found, self.collection_name)
        return found

    def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return self.collection.find_one(query, session=self.session)

    def find(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.collection.find(query, session=self.session))

    def add(self, record: dict[str, Any]) -> None:
        self.collection.insert_one(record, session=self.session)

    def update(self, query: dict[str, Any], change: dict[str, Any], *,
               upsert: bool = False) -> Any:
        """A partial write (`$inc`, `$set`, ...) of a versioned record, which bumps its
        `version` in the same update: every change of the record changes its ETag, so an
        `If-Match` read before it is stale after it (a record from before it carried a
        version gets version 1). The pymongo `UpdateResult`."""
        bumped = {**change, "$inc": {**change.get("$inc", {}), "version": 1}}
        return self.collection.update_one(query, bumped, upsert=upsert, session=self.session)

    def replace(self, record: dict[str, Any], expected_version: int) -> None:
        """Write the new state if nobody changed it since it was read (and, for the record a
        request's `If-Match` names, if that is the version it named: else 412)."""
        precondition = self.precondition
        concerned = precondition is not None \
            and precondition.applies_to(record["_id"], self.collection_name) \
            and record["_id"] not in self._written()
        if concerned and not precondition.matches(expected_version):  # type: ignore[union-attr]
            raise conditional.Stale(expected_version)
        # a record from before it carried a version counts as version 0
        version: Any = {"$in": [0, None]} if expected_version == 0 else expected_version
        result = self.collection.replace_one(
            {"_id": record["_id"], "version": version},
            {**record, "version": expected_version + 1}, session=self.session)
        if result.matched_count != 1:
            raise Conflict("concurrent_update", CONCURRENT_UPDATE)
        record["version"] = expected_version + 1
        if concerned:
            self._written().add(record["_id"])

    def save(self, record: dict[str, Any]) -> None:
        """Write the record read in this unit of work, checked against its version."""
        self.replace(record, record.get("version", 0))


def first_version(now: datetime, by: str, who: str, *, at: str = "created_at",
                  updated: bool = True) -> dict[str, Any]:
    """The stamps a new versioned record ends with: who made it (under `by`: `created_by`,
    `registered_by`, ...) and when (under `at`), `updated_at` (now; `updated=False` for a kind
    that keeps no such stamp) and version 1."""
    stamps: dict[str, Any] = {by: who, at: now}
    if updated:
        stamps["updated_at"] = now
    return {**stamps, "version": 1}


def backfill_versions(collection: Any) -> None:
    """A collection's `migrate`: records written before they carried a version get version 0
    (their GET then answers an ETag for `If-Match`)."""
    collection.update_many({"version": {"$exists": False}}, {"$set": {"version": 0}})


class UnversionedRepository(Repository):
    """A collection whose records carry no `version` (written by one writer at a time, or
    serialised by another document of the same transaction): `save` replaces the record."""

    def update(self, query: dict[str, Any], change: dict[str, Any], *,
               upsert: bool = False) -> Any:
        """A partial write: the record carries no version to bump."""
        return self.collection.update_one(query, change, upsert=upsert, session=self.session)

    def save(self, record: dict[str, Any]) -> None:
        precondition = self.precondition
        if precondition is not None:
            precondition.check(record, self.collection_name)
        self.collection.replace_one({"_id": record["_id"]}, record, session=self.session)


def collection_repository(name: str, collection_name: str, not_found: str, *,
                          versioned: bool = True) -> type[Repository]:
    """A repository that needs nothing but the base's methods: its collection and "not
    found" message (`Councils = collection_repository("Councils", COUNCILS, "Nie ma takiej
    rady.", versioned=False)`)."""
    base = Repository if versioned else UnversionedRepository
    return type(name, (base,), {"collection_name": collection_name, "not_found": not_found,
                                "__module__": base.__module__})
