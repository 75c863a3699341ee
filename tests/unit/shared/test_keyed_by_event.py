"""`Store.insert_keyed_by_event`: only for a handler declared `keyed_by_event=True`, one
document under the event's id (the redelivery case against the real database:
tests/integration/shared/test_idempotent_consumer.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from wspolpraca import context
from wspolpraca.processed import AlreadyProcessed
from wspolpraca.unit_of_work import Store


class FakeCollection:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def insert_one(self, document: dict[str, Any]) -> None:
        if document["_id"] in self.documents:
            raise DuplicateKeyError("E11000 duplicate key error")
        self.documents[document["_id"]] = document


def store(worker_data: dict[str, Any]) -> tuple[Store, dict[str, FakeCollection]]:
    collections: dict[str, FakeCollection] = {}
    db = type("DB", (), {"__getitem__": lambda self, name: collections.setdefault(
        name, FakeCollection())})()
    provider = SimpleNamespace(db=db, client=None, settings=SimpleNamespace(service="sink"))
    return Store(provider, worker_data), collections


def keyed_worker(event_id: str = "ev-1") -> dict[str, Any]:
    return {context.EVENT_ID: event_id, context.CONSUMER: "q", context.KEYED_BY_EVENT: True}


def test_the_document_is_stored_under_the_event_id_and_is_the_processed_mark() -> None:
    data = keyed_worker()
    db, collections = store(data)
    db.insert_keyed_by_event("seen", {"subject": "org-1"})
    assert collections["seen"].documents == {"ev-1": {"_id": "ev-1", "subject": "org-1"}}
    assert data[context.PROCESSED_RECORDED] is True  # the consumer writes no other mark


def test_a_redelivered_event_is_already_processed() -> None:
    first, collections = store(keyed_worker())
    first.insert_keyed_by_event("seen", {"subject": "org-1"})
    again = Store(first.provider, keyed_worker())
    with pytest.raises(AlreadyProcessed):
        again.insert_keyed_by_event("seen", {"subject": "org-1"})
    assert len(collections["seen"].documents) == 1


def test_a_handler_not_declared_keyed_cannot_use_it() -> None:
    db, collections = store({context.EVENT_ID: "ev-1", context.CONSUMER: "q"})
    with pytest.raises(RuntimeError, match="keyed_by_event=True"):
        db.insert_keyed_by_event("seen", {"subject": "org-1"})
    assert not collections


def test_one_keyed_write_per_event_and_under_its_id() -> None:
    db, _ = store(keyed_worker())
    with pytest.raises(ValueError):
        db.insert_keyed_by_event("seen", {"_id": "other"})
    db.insert_keyed_by_event("seen", {})
    with pytest.raises(RuntimeError, match="one document"):
        db.insert_keyed_by_event("other", {})
