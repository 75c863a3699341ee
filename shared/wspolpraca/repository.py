"""The one repository base: a collection read and written inside a unit of work.

Every service's repositories subclass `Repository` (name the collection and the Polish
"not found" message). Records carry a `version`; `replace` writes the new state only if
nobody changed the record since it was read (optimistic concurrency), so two officers acting
at once cannot overwrite each other: the later one gets 409 `concurrent_update`.
"""

from __future__ import annotations

from typing import Any

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

    def get(self, record_id: str, **match: Any) -> dict[str, Any]:
        """The record, or 404 with the repository's message (also when `match` differs)."""
        found = self.collection.find_one({"_id": record_id, **match}, session=self.session)
        if found is None:
            raise NotFound(self.not_found)
        return found

    def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        return self.collection.find_one(query, session=self.session)

    def find(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.collection.find(query, session=self.session))

    def add(self, record: dict[str, Any]) -> None:
        self.collection.insert_one(record, session=self.session)

    def replace(self, record: dict[str, Any], expected_version: int) -> None:
        """Write the new state if nobody changed it since it was read."""
        result = self.collection.replace_one(
            {"_id": record["_id"], "version": expected_version},
            {**record, "version": expected_version + 1}, session=self.session)
        if result.matched_count != 1:
            raise Conflict("concurrent_update", CONCURRENT_UPDATE)
        record["version"] = expected_version + 1

    def save(self, record: dict[str, Any]) -> None:
        """Write the record read in this unit of work, checked against its version."""
        self.replace(record, record["version"])


class UnversionedRepository(Repository):
    """A collection whose records carry no `version` (written by one writer at a time, or
    serialised by another document of the same transaction): `save` replaces the record."""

    def save(self, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": record["_id"]}, record, session=self.session)


def collection_repository(name: str, collection_name: str, not_found: str, *,
                          versioned: bool = True) -> type[Repository]:
    """A repository that needs nothing but the base's methods: its collection and "not
    found" message (`Councils = collection_repository("Councils", COUNCILS, "Nie ma takiej
    rady.", versioned=False)`)."""
    base = Repository if versioned else UnversionedRepository
    return type(name, (base,), {"collection_name": collection_name, "not_found": not_found,
                                "__module__": base.__module__})
