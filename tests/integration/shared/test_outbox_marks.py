"""The relay marks confirmed events sent a statement of `MARK_STATEMENT` ids at a time (issue
#19, item 3): every confirmed record is marked, however many statements that takes, and a
record another relay already marked keeps that relay's mark."""

from __future__ import annotations

from wspolpraca import relay as outbox
from wspolpraca.envelope import utcnow
from wspolpraca.outbox import OUTBOX
from wspolpraca.relay import OutboxRelay
from wspolpraca.testing.outbox import pending_records
from wspolpraca.testing.plugin import make_settings


def _records(db, count: int) -> list[str]:
    return pending_records(db, count, "markstest")


def test_every_confirmed_event_is_marked_sent_once_across_several_statements(
        mongo_client, mongo_uri, amqp_uri, monkeypatch):
    monkeypatch.setattr(outbox, "MARK_STATEMENT", 4)
    settings = make_settings("markstest", mongo_uri, amqp_uri)
    db = mongo_client[settings.mongo_database]
    ids = _records(db, 11)
    earlier = {"status": "sent", "sent_at": utcnow(), "sent_by": "an-earlier-relay"}
    db[OUTBOX].update_one({"_id": ids[5]}, {"$set": earlier})
    relay = OutboxRelay(settings, db)
    try:
        assert relay._hold_lease()
        records = list(db[OUTBOX].find({"_id": {"$in": ids}}))
        assert relay._publish(records) == 11  # confirmed, not yet marked
        relay.flush_marks()
        assert relay._unmarked == []
        marked = {r["_id"]: (r["status"], r["sent_by"]) for r in db[OUTBOX].find(
            {"_id": {"$in": ids}})}
        assert marked == {event_id: ("sent", "an-earlier-relay" if event_id == ids[5]
                                     else relay.owner) for event_id in ids}
        kept = db[OUTBOX].find_one({"_id": ids[5]})
        assert abs((kept["sent_at"] - earlier["sent_at"]).total_seconds()) < 0.001
    finally:
        relay.stop()
