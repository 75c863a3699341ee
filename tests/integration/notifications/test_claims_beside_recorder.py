"""Claims, releases and lease renewals that meet the success recorder's open transaction
(issue #19, sends left unrecorded under load).

Each of them writes to many deliveries outside any unit of work. Alone, such a write that
meets another transaction's uncommitted write to one of its deliveries is retried inside
SecantusDB while it holds the collection's lock, so the recorder's next statement waits for
it and it waits for the recorder: under load, sends stayed unrecorded until their leases ran
out. In a transaction of its own the conflict is refused at once and the driver tries again,
so the recorder's transaction goes on and commits, and then the claim, release or renewal
is done. Synchronised on the refused command, never on time.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from pymongo import MongoClient, monitoring

from notifications import repository
from notifications.domain import DeliveryStatus
from notifications.repository import DELIVERIES
from wspolpraca.envelope import utcnow

REFUSED_WITHIN = 30.0   # a bound for a failure's report only: a refusal comes at once


class Refusals(monitoring.CommandListener):
    """Sets `refused` when a write to the deliveries fails (its conflict was refused)."""

    def __init__(self) -> None:
        self.refused = threading.Event()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        if event.command_name == "update":
            self.refused.set()


def _renew(db, ids: list[str]) -> Callable[[], object]:
    return lambda: repository.renew_claims(db, {"mine": ids}, utcnow(),
                                           utcnow() + timedelta(minutes=5))


def _release(db, ids: list[str]) -> Callable[[], object]:
    return lambda: repository.release(db, ids, "mine")


def _claim(db, ids: list[str]) -> Callable[[], object]:
    return lambda: repository.claim_batch(db, ids, utcnow(), utcnow() + timedelta(minutes=5),
                                          "mine")


def _stored(ids: list[str], status: DeliveryStatus) -> list[dict]:
    now = utcnow()
    claimed = status is DeliveryStatus.SENDING
    return [{"_id": i, "status": status.value, "channel": "webhook",
             "next_attempt_at": now - timedelta(seconds=1), "created_at": now,
             "claim": "mine" if claimed else None,
             "claimed_until": now + timedelta(minutes=1) if claimed else None} for i in ids]


@pytest.mark.parametrize(("write", "status", "after"), [
    (_renew, DeliveryStatus.SENDING, DeliveryStatus.SENDING),
    (_release, DeliveryStatus.SENDING, DeliveryStatus.PENDING),
    (_claim, DeliveryStatus.PENDING, DeliveryStatus.SENDING),
], ids=["renewal", "release", "claim"])
def test_a_write_to_many_deliveries_waits_for_the_recorders_transaction_instead_of_blocking_it(
        mongo_client, mongo_uri, write, status, after):
    name = f"claimtest_{uuid.uuid4().hex[:8]}"
    db = mongo_client[name]
    ids = [uuid.uuid4().hex for _ in range(4)]
    db[DELIVERIES].insert_many(_stored(ids, status))
    refusals = Refusals()
    other = MongoClient(mongo_uri, tz_aware=True, event_listeners=[refusals])
    finished = threading.Event()
    failures: list[Exception] = []

    def run() -> None:
        try:
            write(other[name], ids)()
        except Exception as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            finished.set()

    try:
        with mongo_client.start_session() as session:
            session.start_transaction()
            # the recorder's first statement: a delivery of the batch, uncommitted
            db[DELIVERIES].update_one({"_id": ids[0]}, {"$set": {"touched": True}},
                                      session=session)
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            assert refusals.refused.wait(REFUSED_WITHIN), (
                "the write met the open transaction and was not refused: it holds the "
                "collection while the server retries it")
            # the recorder's next statement and its commit are not held up by it
            db[DELIVERIES].update_one({"_id": ids[1]}, {"$set": {"touched": True}},
                                      session=session)
            session.commit_transaction()
        assert finished.wait(REFUSED_WITHIN), "the write was not done after the commit"
        assert not failures, failures
        stored = list(db[DELIVERIES].find({"_id": {"$in": ids}}))
        assert {d["status"] for d in stored} == {after.value}
        assert sum(bool(d.get("touched")) for d in stored) == 2
    finally:
        other.close()
        mongo_client.drop_database(name)


def test_a_renewal_leaves_out_what_this_process_is_recording(mongo_client):
    name = f"claimtest_{uuid.uuid4().hex[:8]}"
    db = mongo_client[name]
    ids = [uuid.uuid4().hex for _ in range(3)]
    db[DELIVERIES].insert_many(_stored(ids, DeliveryStatus.SENDING))
    before = {d["_id"]: d["claimed_until"] for d in db[DELIVERIES].find()}
    try:
        renewed = repository.renew_claims(db, {"mine": ids}, utcnow(),
                                          utcnow() + timedelta(minutes=5),
                                          busy=lambda: {ids[0]})
        assert renewed == set(ids[1:])
        after = {d["_id"]: d["claimed_until"] for d in db[DELIVERIES].find()}
        assert after[ids[0]] == before[ids[0]]
        assert all(after[i] > before[i] for i in ids[1:])
    finally:
        mongo_client.drop_database(name)
