"""The outbox relay alone against raw pika, in one run.

    .venv/bin/python bench/relay.py [--events N]

1. Baseline: raw pika, as in bench/throughput.py: N persistent CloudEvents published with
   one confirm per message to a durable queue, taken by a consumer in a second process.
   Rate = N / (first publish -> last message consumed).
2. Ours: N committed outbox records are already in SecantusDB (written before the clock
   starts); the project's `OutboxRelay` publishes them in batches with pipelined confirms
   and marks them sent, to `registry.events` bound to a durable queue that the same kind
   of consumer empties. Rate = N / (first batch -> last message consumed), for the two ways
   records reach the relay: the sweep (read from the database, as after a crash or on
   another instance) and the in-memory hand-off after commit (the normal path).

Target: relay >= 0.9 x raw pika. The ratio never fails the run; lost messages do (exit 1).
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import uuid

import harness
import pika
from pymongo import MongoClient
from throughput import (
    BenchFailure,
    _baseline_consumer,
    nips,
    registration,
    run_baseline,
    sample_event_body,
)

from wspolpraca.config import Settings
from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.mongo import INFRASTRUCTURE_COLLECTIONS, ensure_schema
from wspolpraca.outbox import OUTBOX, outbox_record
from wspolpraca.pagination import new_id
from wspolpraca.relay import OutboxRelay

TARGET_RATIO = 0.9
ROUTING_KEY = "organization.registered"


def outbox_records(count: int) -> list[dict]:
    created = utcnow()
    found = []
    for index, nip in enumerate(nips(count, seed=count)):
        body = registration(index, nip)
        subject = new_id()
        event = CloudEvent(service="registry", routing_key=ROUTING_KEY, subject=subject,
                           data={"id": subject, "status": "pending",
                                 **{k: body[k] for k in ("name", "nip", "areas", "email")}},
                           correlation_id=str(uuid.uuid4()))
        found.append(outbox_record(event, created, index))
    return found


def run_relay(amqp_uri: str, mongo_uri: str, count: int, way: str) -> dict:
    queue = f"bench.relay.{way}"
    setup = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = setup.channel()
    channel.exchange_declare("registry.events", "topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, "registry.events", ROUTING_KEY)
    setup.close()

    client = MongoClient(mongo_uri, tz_aware=True)
    db = client[f"relay_{way}"]
    ensure_schema(db, INFRASTRUCTURE_COLLECTIONS)
    records = outbox_records(count)
    for begin in range(0, count, 2000):
        db[OUTBOX].insert_many(records[begin:begin + 2000], ordered=False)
    settings = Settings(service="registry", amqp_uri=amqp_uri, mongo_uri=mongo_uri,
                        mongo_database=db.name, http_port=0)
    relay = OutboxRelay(settings, db)

    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    consumer = context.Process(target=_baseline_consumer, name=f"relay-consumer-{way}",
                               args=(amqp_uri, queue, count, ready, results))
    consumer.start()
    try:
        if not ready.wait(30):
            raise BenchFailure("the relay's consumer did not start")
        started = time.monotonic()
        if way == "hand-off":
            relay.committed(records)
            while relay.relay_once():
                pass
        else:
            while relay.publish_pending():
                pass
        published = time.monotonic()
        outcome = results.get(timeout=max(60.0, count / 100))
        consumer.join(10)
    finally:
        relay.stop()
        if consumer.is_alive():
            consumer.terminate()
            consumer.join(5)
    pending = db[OUTBOX].count_documents({"status": "pending"})
    client.close()
    if outcome["distinct"] != count or pending:
        raise BenchFailure(f"relay ({way}): {outcome['distinct']} of {count} consumed, "
                           f"{pending} left pending")
    elapsed = outcome["last"] - started
    return {"events": count, "seconds": round(elapsed, 3), "rate": round(count / elapsed, 1),
            "publish_and_mark_rate": round(count / (published - started), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench/relay.py", __doc__)
    parser.add_argument("--events", type=int, default=6000)
    args = parser.parse_args(argv)
    outcome: dict = {"args": vars(args), "target_ratio": TARGET_RATIO}
    print(f"relay: {args.events:,} events per path ...", flush=True)
    with harness.infrastructure() as bench:
        try:
            outcome["baseline"] = run_baseline(bench.vhost.uri, args.events,
                                               sample_event_body(), None)
            for way in ("hand-off", "sweep"):
                outcome[way] = run_relay(bench.vhost.uri, bench.secantus.uri, args.events, way)
        except BenchFailure as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    base = outcome["baseline"]["rate"]
    rows = [("baseline: raw pika, confirm per message", f"{base:,.1f} msgs/s")]
    for way in ("hand-off", "sweep"):
        rate = outcome[way]["rate"]
        outcome[f"ratio_{way}"] = round(rate / base, 3)
        rows.append((f"relay ({way}) -> consumer", f"{rate:,.1f} events/s"))
        rows.append((f"ratio relay ({way}) / baseline", f"{rate / base:.3f}"))
    verdict = "PASS" if outcome["ratio_hand-off"] >= TARGET_RATIO else "BELOW TARGET"
    rows += [("target", f"{TARGET_RATIO:.3f}"), ("verdict (hand-off, the normal path)", verdict)]
    harness.print_rows(rows)
    harness.save("relay", outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
