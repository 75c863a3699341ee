"""pymongo 4.16+ dropped eventlet from its test matrix; this proves our pinned range works
under `eventlet.monkey_patch()` on the paths the services use."""

from __future__ import annotations

import eventlet
import pymongo
import pytest
from eventlet.patcher import is_monkey_patched
from pymongo import MongoClient
from pymongo.errors import DuplicateKeyError

GREEN_THREADS = 100


@pytest.fixture
def db(mongo_uri):
    client = MongoClient(mongo_uri, tz_aware=True, maxPoolSize=50)
    name = f"eventlet_{eventlet.getcurrent().__hash__() % 10**8}"
    database = client[name]
    database.create_collection("docs")
    database.create_collection("outbox")
    database["docs"].create_index("key", unique=True)
    yield client, database
    client.drop_database(name)
    client.close()


def test_the_tests_run_monkey_patched_like_the_services():
    assert all(is_monkey_patched(module) for module in ("socket", "thread", "select", "time"))
    assert pymongo.version_tuple[:2] >= (4, 15)


def test_concurrent_transactions_from_green_threads_all_commit(db):
    client, database = db

    def write(i: int) -> None:
        with client.start_session() as session:
            def work(s):
                database["docs"].insert_one({"key": f"k{i}"}, session=s)
                database["outbox"].insert_one({"event": i}, session=s)
            session.with_transaction(work)

    pool = eventlet.GreenPool(GREEN_THREADS)
    list(pool.imap(write, range(GREEN_THREADS)))
    assert database["docs"].count_documents({}) == GREEN_THREADS
    assert database["outbox"].count_documents({}) == GREEN_THREADS


def test_a_unique_index_lets_exactly_one_of_many_racing_green_threads_win(db):
    client, database = db
    outcomes: list[str] = []

    def register(_: int) -> None:
        try:
            with client.start_session() as session:
                def work(s):
                    database["docs"].insert_one({"key": "same"}, session=s)
                    database["outbox"].insert_one({"event": "same"}, session=s)
                session.with_transaction(work)
            outcomes.append("won")
        except DuplicateKeyError:
            outcomes.append("duplicate")

    pool = eventlet.GreenPool(20)
    list(pool.imap(register, range(20)))
    assert outcomes.count("won") == 1
    assert database["outbox"].count_documents({}) == 1  # the losers' events rolled back


def test_an_aborted_transaction_leaves_nothing_behind(db):
    client, database = db
    with pytest.raises(RuntimeError), client.start_session() as session:
        def work(s):
            database["docs"].insert_one({"key": "gone"}, session=s)
            database["outbox"].insert_one({"event": "gone"}, session=s)
            raise RuntimeError("abort")
        session.with_transaction(work)
    assert database["docs"].count_documents({}) == 0
    assert database["outbox"].count_documents({}) == 0


def test_an_eventlet_timeout_cuts_a_wait_without_breaking_the_pool(db):
    client, database = db
    with pytest.raises(eventlet.Timeout), eventlet.Timeout(0.001):
        for _ in range(10_000):
            database["docs"].find_one({"key": "absent"})
    assert database["docs"].insert_one({"key": "after"}).acknowledged
    assert database["docs"].count_documents({"key": "after"}) == 1
