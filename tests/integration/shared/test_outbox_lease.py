"""The relay lease under a stalled broker (issue 15, item 11): the lease outlives the worst
batch, is renewed while a publish waits for its confirms, and is checked before anything is
marked sent, so a relay that stalled past its lease neither publishes beside the new holder nor
marks what the holder now owns. Synchronised on events and database marks, never on sleeps."""

from __future__ import annotations

import threading

import pytest

from wspolpraca import relay as outbox
from wspolpraca.leases import LOCKS
from wspolpraca.outbox import OUTBOX
from wspolpraca.relay import ConfirmingPublisher, LeaseLost, OutboxRelay
from wspolpraca.testing.outbox import pending_records
from wspolpraca.testing.plugin import make_settings
from wspolpraca.testing.rabbit import EventListener
from wspolpraca.testing.waiting import wait_until


class StalledPublisher(ConfirmingPublisher):
    """Publishes for real, then holds back the broker's confirms until `release` is set,
    as a broker under memory or disk alarm does."""

    stalled = threading.Event()
    release = threading.Event()

    def _drain(self, timeout: float) -> None:
        StalledPublisher.stalled.set()
        if not StalledPublisher.release.wait(min(timeout, 0.05)):
            raise TimeoutError
        super()._drain(timeout)


def _records(db, count: int) -> list[str]:
    return pending_records(db, count, "leasetest")


def test_the_lease_outlives_a_publish_waiting_for_all_its_confirms():
    assert outbox.LEASE_SECONDS > outbox.CONFIRM_TIMEOUT
    assert outbox.LEASE_RENEW_SECONDS < outbox.LEASE_SECONDS / 3


@pytest.fixture
def stalled():
    StalledPublisher.stalled.clear()
    StalledPublisher.release.clear()
    yield StalledPublisher
    StalledPublisher.release.set()


def _setup(mongo_client, mongo_uri, amqp_uri):
    settings = make_settings("leasetest", mongo_uri, amqp_uri)
    db = mongo_client[settings.mongo_database]
    db[OUTBOX].create_index([("status", 1), ("created_at", 1), ("seq", 1)])
    return settings, db


def _take_over(db, relay: OutboxRelay, by: OutboxRelay) -> None:
    """What a second relay does once the first one's lease expired."""
    db[LOCKS].update_one({"_id": relay.lease_name}, {"$set": {"owner": by.owner}})


def test_a_stalled_publish_renews_the_lease_and_is_abandoned_once_it_is_lost(
        mongo_client, mongo_uri, amqp_uri, monkeypatch, stalled):
    monkeypatch.setattr(outbox, "LEASE_RENEW_SECONDS", 0.0)  # renew at every confirm wait
    settings, db = _setup(mongo_client, mongo_uri, amqp_uri)
    listener = EventListener(amqp_uri, "leasetest").start()
    ids = _records(db, 5)
    first, second = OutboxRelay(settings, db), OutboxRelay(settings, db)
    first.publisher_class = StalledPublisher
    outcome: dict[str, object] = {}

    def publish() -> None:
        try:
            outcome["published"] = first.publish_pending()
        except Exception as exc:  # noqa: BLE001 - the test reads it
            outcome["error"] = exc

    try:
        assert first._hold_lease()
        granted = db[LOCKS].find_one({"_id": first.lease_name})["expires_at"]
        worker = threading.Thread(target=publish)
        worker.start()
        assert stalled.stalled.wait(30)
        # renewed while the publish waits for its confirms: the second relay stays out
        wait_until(lambda: db[LOCKS].find_one({"_id": first.lease_name})["expires_at"]
                   > granted, timeout=30)
        assert not second._hold_lease()

        # the stall outlives the lease: the second relay takes over, and the first one, at
        # its next renewal, abandons the batch instead of waiting on and marking it
        _take_over(db, first, by=second)
        worker.join(30)
        assert not worker.is_alive()
        assert isinstance(outcome.get("error"), LeaseLost), outcome
        assert first._unmarked == [] and not first._hold_lease()

        assert second._hold_lease()
        assert second.publish_pending() == 5
        second.flush_marks()
        marked = {r["_id"]: r.get("sent_by") for r in db[OUTBOX].find({"_id": {"$in": ids}})}
        assert marked == {event_id: second.owner for event_id in ids}
        listener.wait_for("leasetest.thing.created", count=5)
    finally:
        stalled.release.set()
        first.stop()
        second.stop()
        listener.stop()


def test_confirmed_events_are_not_marked_by_a_relay_that_lost_its_lease(
        mongo_client, mongo_uri, amqp_uri):
    settings, db = _setup(mongo_client, mongo_uri, amqp_uri)
    ids = _records(db, 3)
    first, second = OutboxRelay(settings, db), OutboxRelay(settings, db)
    try:
        assert first._hold_lease()
        records = list(db[OUTBOX].find({"_id": {"$in": ids}}))
        assert first._publish(records) == 3  # confirmed, not yet marked
        _take_over(db, first, by=second)
        with pytest.raises(LeaseLost):
            first.flush_marks()
        assert db[OUTBOX].count_documents({"_id": {"$in": ids}, "status": "pending"}) == 3
        assert first._unmarked == []
        assert second._hold_lease() and second.publish_pending() == 3
        second.flush_marks()
        assert db[OUTBOX].count_documents({"_id": {"$in": ids}, "sent_by": second.owner}) == 3
    finally:
        first.stop()
        second.stop()
