"""`bench_consumer`: the idempotent consumer the throughput benchmark measures.

A deliberately small second service: it handles `registry.organization.registered`
with the project's own `event_handler` (dedupe by event id, retries, DLQ) and
records each event in its own `seen` collection inside `self.db.transaction(...)`,
so the effect and the dedupe mark commit together - the same unit of work a real
consumer service does. `seen` holds one document per event id; the benchmark
counts it.
"""

from __future__ import annotations

from wspolpraca.consumer import event_handler
from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.mongo import Collection, Mongo, Transaction

SEEN = "seen"
SERVICE_NAME = "bench_consumer"
HANDLER_NAME = "record_registration"
# nameko's queue name for a SERVICE_POOL event handler
QUEUE = f"evt-registry-organization.registered--{SERVICE_NAME}.{HANDLER_NAME}"


class BenchConsumer:
    name = SERVICE_NAME

    db = Mongo([Collection(SEEN)])

    # every effect is in the transaction, which itself refuses a duplicate
    @event_handler("registry", "organization.registered", precheck=False)
    def record_registration(self, event: CloudEvent) -> None:
        def work(tx: Transaction) -> None:
            tx.db[SEEN].insert_one(
                {"_id": event.id, "subject": event.subject, "received_at": utcnow()},
                session=tx.session,
            )

        self.db.transaction(work)
