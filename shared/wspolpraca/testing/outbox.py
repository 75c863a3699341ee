"""Outbox records written straight into a test's database, as a committed transaction
leaves them for the relay."""

from __future__ import annotations

import uuid

from wspolpraca.envelope import utcnow
from wspolpraca.outbox import OUTBOX


def pending_records(db, count: int, service: str) -> list[str]:
    """`count` pending records of `<service>.thing.created` in order; their event ids."""
    now = utcnow()
    ids = []
    for seq in range(count):
        event_id = str(uuid.uuid4())
        ids.append(event_id)
        db[OUTBOX].insert_one({
            "_id": event_id, "status": "pending", "created_at": now, "seq": seq,
            "type": f"{service}.thing.created", "exchange": f"{service}.events",
            "routing_key": "thing.created",
            "body": {"id": event_id, "type": f"{service}.thing.created", "data": {"n": seq}},
        })
    return ids
