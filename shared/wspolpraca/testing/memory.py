"""A fake unit of work for unit tests of command handlers: in-memory repositories with the
shared base's interface (get, find_one, find, add, replace, save) and a list of the events
emitted, so the orchestration is tested without RabbitMQ or a database.

Queries match by equality of top-level fields only; a service's fake repository adds
its own finders in Python. Nothing here is used outside tests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from wspolpraca.errors import Conflict, NotFound
from wspolpraca.repository import CONCURRENT_UPDATE


@dataclass(frozen=True)
class Emitted:
    routing_key: str
    subject: str
    data: dict[str, Any]


class MemoryRepository:
    """Records by id, copied in and out as a database would; versions checked like the
    shared base when `versioned`."""

    not_found = "Nie znaleziono."
    versioned = False

    def __init__(self, *records: dict[str, Any]) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        for record in records:
            self.records[record["_id"]] = copy.deepcopy(record)

    def _matches(self, record: dict[str, Any], query: dict[str, Any]) -> bool:
        return all(record.get(key) == value for key, value in query.items())

    def get(self, record_id: str, **match: Any) -> dict[str, Any]:
        found = self.find_one({"_id": record_id, **match})
        if found is None:
            raise NotFound(self.not_found)
        return found

    def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        found = self.find(query)
        return found[0] if found else None

    def find(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for r in self.records.values() if self._matches(r, query)]

    def add(self, record: dict[str, Any]) -> None:
        if record["_id"] in self.records:
            raise Conflict("duplicate_id", "Już istnieje.")
        self.records[record["_id"]] = copy.deepcopy(record)

    def replace(self, record: dict[str, Any], expected_version: int) -> None:
        stored = self.records.get(record["_id"])
        if stored is None or stored.get("version") != expected_version:
            raise Conflict("concurrent_update", CONCURRENT_UPDATE)
        record["version"] = expected_version + 1
        self.records[record["_id"]] = copy.deepcopy(record)

    def save(self, record: dict[str, Any]) -> None:
        if self.versioned:
            self.replace(record, record["version"])
        else:
            self.records[record["_id"]] = copy.deepcopy(record)


class FakeUnitOfWork:
    """Repositories given by name (`FakeUnitOfWork(organizations=...)`) and `emitted`."""

    def __init__(self, **repositories: MemoryRepository) -> None:
        self.emitted: list[Emitted] = []
        for name, repository in repositories.items():
            setattr(self, name, repository)

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> Emitted:
        event = Emitted(routing_key, subject, copy.deepcopy(data))
        self.emitted.append(event)
        return event

    @property
    def routing_keys(self) -> list[str]:
        return [event.routing_key for event in self.emitted]
