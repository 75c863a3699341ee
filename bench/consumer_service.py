"""`bench_consumer`: the idempotent consumer the throughput benchmark measures.

A deliberately small second service: it handles `registry.organization.registered`
with the project's own `event_handler` (dedupe by event id, retries, DLQ) and
records each event in its own `seen` collection inside `self.db.transaction(...)`,
so the effect and the dedupe mark commit together - the same unit of work a real
consumer service does. `seen` holds one document per event id; the benchmark
counts it.

`KeyedBenchConsumer` (the default, `--consumer keyed`) does the same effect the way a
handler whose whole effect is one document keyed by the event may
(`event_handler(..., keyed_by_event=True)`): one atomic insert whose duplicate key is the
processed mark, no transaction. `BenchConsumer` (`--consumer transaction`) is the general
unit of work: the processed mark, the insert and the commit.
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


class KeyedBenchConsumer:
    name = SERVICE_NAME

    db = Mongo([Collection(SEEN)])

    # the whole effect is one document keyed by the event: its duplicate key is the mark
    @event_handler("registry", "organization.registered", keyed_by_event=True)
    def record_registration(self, event: CloudEvent) -> None:
        self.db.insert_keyed_by_event(SEEN, {"subject": event.subject, "received_at": utcnow()})


CONSUMERS = {"transaction": BenchConsumer, "keyed": KeyedBenchConsumer}
