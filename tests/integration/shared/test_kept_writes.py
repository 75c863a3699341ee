"""`Transaction.later`: writes whose answers nobody reads, sent with the transaction's outbox
records in one round trip before the commit, on the real database."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from pymongo import DeleteOne, InsertOne, MongoClient, UpdateOne, monitoring

from wspolpraca.unit_of_work import Store, Transaction


class Commands(monitoring.CommandListener):
    """The commands a client sent, by name, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class Provider:
    """What a Store needs of the service's Mongo dependency."""

    def __init__(self, client: MongoClient, database: str) -> None:
        self.client = client
        self.db = client[database]
        self.settings = SimpleNamespace(service="kept")
        self.committed: list[list[dict[str, Any]]] = []

    def events_committed(self, records: list[dict[str, Any]]) -> None:
        self.committed.append(records)


@pytest.fixture
def store(mongo_uri):
    commands = Commands()
    client = MongoClient(mongo_uri, tz_aware=True, event_listeners=[commands])
    name = f"kept_{uuid.uuid4().hex[:8]}"
    for collection in ("things", "drafts", "guards", "outbox", "transaction_receipts"):
        client[name].create_collection(collection)
    provider = Provider(client, name)
    yield Store(provider, {}), provider, commands
    client.drop_database(name)
    client.close()


def test_kept_writes_and_the_event_go_in_one_round_trip_before_the_commit(store):
    store, provider, commands = store
    db = provider.db
    db["drafts"].insert_one({"_id": "draft"})

    def work(tx: Transaction) -> None:
        tx.db["things"].find_one({"_id": "x"}, session=tx.session)
        tx.later(InsertOne({"_id": "thing"}, namespace=tx.namespace("things")))
        tx.later(DeleteOne({"_id": "draft"}, namespace=tx.namespace("drafts")))
        tx.later(DeleteOne({"_id": "no draft"}, namespace=tx.namespace("drafts")))
        tx.later(UpdateOne({"_id": "guard"}, {"$inc": {"n": 1}}, upsert=True,
                           namespace=tx.namespace("guards")))
        tx.emit("thing.created", "thing", {"id": "thing"})
        # not written yet: a kept write is sent once the work is done
        assert tx.db["things"].find_one({"_id": "thing"}, session=tx.session) is None

    commands.names.clear()
    store.transaction(work)
    assert commands.names == ["find", "find", "bulkWrite", "commitTransaction"]
    assert db["things"].find_one({"_id": "thing"}) == {"_id": "thing"}
    assert db["drafts"].count_documents({}) == 0
    assert db["guards"].find_one({"_id": "guard"})["n"] == 1
    [[record]] = provider.committed
    assert db["outbox"].find_one({"_id": record["_id"]})["routing_key"] == "thing.created"


def test_a_kept_write_that_conflicts_retries_the_transaction(store):
    """Another writer changes the document after the transaction's snapshot: the kept write
    conflicts at the flush and the whole work runs again (a WriteConflict is transient)."""
    store, provider, _ = store
    db = provider.db
    db["guards"].insert_one({"_id": "guard", "n": 0})
    attempts: list[int] = []

    def work(tx: Transaction) -> None:
        attempts.append(1)
        tx.db["guards"].find_one({"_id": "guard"}, session=tx.session)  # the snapshot
        if len(attempts) == 1:
            db["guards"].update_one({"_id": "guard"}, {"$inc": {"n": 1}})  # not in tx
        tx.later(UpdateOne({"_id": "guard"}, {"$inc": {"n": 1}},
                           namespace=tx.namespace("guards")))
        tx.emit("guard.moved", "guard", {})

    store.transaction(work)
    assert len(attempts) == 2
    assert db["guards"].find_one({"_id": "guard"})["n"] == 2
    assert db["outbox"].count_documents({}) == 1


def test_kept_writes_that_start_the_transaction(store):
    """Nothing read first: the writes start the transaction (SecantusDB takes no
    `bulkWrite` as its first statement), one round trip per collection."""
    store, provider, commands = store
    db = provider.db

    def work(tx: Transaction) -> None:
        tx.later(InsertOne({"_id": "a"}, namespace=tx.namespace("things")))
        tx.later(InsertOne({"_id": "b"}, namespace=tx.namespace("things")))
        tx.later(UpdateOne({"_id": "guard"}, {"$inc": {"n": 1}}, upsert=True,
                           namespace=tx.namespace("guards")))
        tx.emit("thing.created", "a", {})

    commands.names.clear()
    store.transaction(work)
    assert commands.names == ["insert", "update", "insert", "commitTransaction"]
    assert db["things"].count_documents({}) == 2
    assert db["outbox"].count_documents({}) == 1
