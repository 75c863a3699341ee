"""Notifications fan-out: E events × S webhook subscriptions, and a slow receiver's effect.

```
.venv/bin/python bench/notifications_fanout.py [--events 100] [--subscriptions 100]
                                               [--slow-seconds 1.0] [--concurrency 50]
                                               [--history 100000] [--timeout 900]
```

RabbitMQ must run on 127.0.0.1:5672 and SecantusDB be installed (`make install`). The run
makes its own vhost and SecantusDB server and removes both. The notifications service runs
in this process (eventlet); the webhook receivers run in a second process
(`notifications_receiver.py`), so receiving does not compete with the dispatcher's green
threads.

First the **baseline**: the same E × S signed bodies POSTed to the same receiver by
`--concurrency` green threads, each with its own `requests.Session` (what a sender without a
delivery log could do); every rate below is also printed as a ratio to it.

Then the rounds, each E events published to `registry.events` (`inquiry.closed`, which has no
default recipients, so every delivery is a webhook of a subscription):

1. **all fast**: S subscriptions, every receiver answers at once. Prints deliveries per second
   from the first publish to the last delivery received (E × S deliveries, each recorded,
   claimed, signed, POSTed and marked sent with its `notification.sent` event).
2. **one slow**: the same with one of the S receivers sleeping `--slow-seconds` per request.
   Prints the deliveries per second of the S − 1 fast receivers, and the ratio to round 1: the
   slow receiver's effect on the others (1.0 = none). The slow subscription holds at most
   `per_subscription_concurrency` (4) dispatcher slots of `--concurrency`, so the ratio stays
   near 1 while the slots are not exhausted. The round then waits for the slow receiver's E
   deliveries too, which cannot take less than E × slow-seconds / 4 (25 s at the defaults),
   and prints how long they took against that floor.
3. **with history** (with `--history N`, N > 0): N past deliveries (sent, with their events, as
   the service records them) are written straight into the `deliveries` collection, then
   round 1 runs again, twice: their rates against round 1's show whether the cost per
   delivery grows with the delivery log (target: within 20 %); the first of them also pays
   for the database settling the N documents just written.

Every wait is bounded by `--timeout` seconds per round; a round that runs out prints what
was delivered by then and the run exits with status 1 (never hangs). The figures go to
bench/results/notifications-<timestamp>.json (`result`), the file bench/suite.py reads.
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import pika  # noqa: E402
import pymongo.monitoring  # noqa: E402
import requests  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

from notifications import domain  # noqa: E402
from notifications.channels import signature_headers  # noqa: E402
from notifications.dispatcher import encode_event  # noqa: E402
from notifications.service import NotificationsService  # noqa: E402
from wspolpraca.auth import mint_token  # noqa: E402
from wspolpraca.envelope import CloudEvent  # noqa: E402
from wspolpraca.secantus import SecantusServer, free_port  # noqa: E402
from wspolpraca.testing.plugin import make_settings  # noqa: E402
from wspolpraca.testing.rabbit import Vhost, broker_reachable  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PER_SUBSCRIPTION = 4   # the service's default WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION
# issue #19's targets: round 1 / the plain POST loop, round 2's fast ones / round 1, with
# history / without
TARGET_TO_BASELINE = 0.5
TARGET_SLOW = 0.8
TARGET_HISTORY = 0.8


def result(args, base: dict, fast: dict, slow: dict, history: dict | None,
           history_again: dict | None) -> dict:
    """What bench/suite.py reads: every round, and the ratios of issue #19 (with history:
    the second round after the prefill is the one judged, the first also pays for the database
    settling the N documents the bench wrote at once)."""
    outcome: dict = {
        "args": {k: v for k, v in vars(args).items() if k != "profile"},
        "machine": {"cores": os.cpu_count(), "load_average_at_start": LOAD_AT_START},
        "baseline": base, "fast": fast,
        "slow": {**slow, "floor_seconds": args.events * args.slow_seconds / PER_SUBSCRIPTION},
        "ratio_to_baseline": round(fast["rate"] / base["rate"], 4),
        "ratio_slow": round(slow["rate"] / fast["rate"], 4),
        "targets": {"to_baseline": TARGET_TO_BASELINE, "slow": TARGET_SLOW,
                    "history": TARGET_HISTORY},
    }
    if history is not None and history_again is not None:
        outcome.update(history=history, history_again=history_again,
                       ratio_history_first=round(history["rate"] / fast["rate"], 4),
                       ratio_history=round(history_again["rate"] / fast["rate"], 4))
    return outcome


def save(outcome: dict) -> Path:
    """bench/results/notifications-<timestamp>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"notifications-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(outcome, indent=2, default=str) + "\n")
    print(f"results: {out.relative_to(HERE.parent)}", flush=True)
    return out


LOAD_AT_START = os.getloadavg()


class CommandCounter(pymongo.monitoring.CommandListener):
    """SecantusDB commands by name, from every client of this process (the service's and the
    bench's): `pymongo.monitoring.register`ed before any client exists."""

    COUNTED = ("insert", "update", "delete", "findAndModify", "find", "commitTransaction")

    def __init__(self) -> None:
        from collections import Counter

        self.counts: Counter[str] = Counter()

    def started(self, event) -> None:
        if event.command_name in self.COUNTED:
            self.counts[event.command_name] += 1

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass

    def snapshot(self) -> dict[str, int]:
        return dict(self.counts)


COMMANDS = CommandCounter()


def wait_for(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"not done within {timeout}s")


def subscriber(number: int) -> str:
    """The token of the subscription's owner: one owner per webhook, as S subscribers of a
    city would be (an owner may hold at most NOTIFICATIONS_MAX_SUBSCRIPTIONS_PER_OWNER, 50)."""
    return mint_token(f"bench-subscriber-{number}", ["officer"])


def stats(receiver: str) -> dict[str, list[float]]:
    return requests.get(f"{receiver}/stats", timeout=5).json()


def publish_events(amqp_uri: str, count: int, round_name: str) -> float:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.exchange_declare("registry.events", exchange_type="topic", durable=True)
    started = time.time()
    for number in range(count):
        event = CloudEvent(service="registry", routing_key="inquiry.closed",
                           subject=f"{number:024x}",
                           data={"id": f"{number:024x}", "subject": f"{round_name} {number}",
                                 "area": "culture", "status": "closed"})
        channel.basic_publish("registry.events", "inquiry.closed",
                              json.dumps(event.to_dict()).encode(),
                              pika.BasicProperties(content_type="application/json",
                                                   delivery_mode=2, message_id=event.id))
    connection.close()
    return started


def baseline(receiver: str, events: int, subscriptions: int, concurrency: int) -> dict:
    """The same signed bodies POSTed by `concurrency` green threads with a requests.Session
    each: what sending costs without recording, claiming and marking deliveries."""
    from eventlet.greenpool import GreenPool

    secret = "baseline-secret"
    work: list[tuple[str, bytes, dict[str, str]]] = []
    for number in range(events):
        event = CloudEvent(service="registry", routing_key="inquiry.closed",
                           subject=f"{number:024x}",
                           data={"id": f"{number:024x}", "subject": f"baseline {number}",
                                 "area": "culture", "status": "closed"}).to_dict()
        body = encode_event(event)
        for subscription in range(subscriptions):
            work.append((f"{receiver}/base/{subscription}", body, {
                "Content-Type": "application/cloudevents+json; charset=utf-8",
                **signature_headers(secret, body),
                domain.DELIVERY_HEADER: f"{number}-{subscription}",
                domain.EVENT_TYPE_HEADER: event["type"]}))
    queue = iter(work)
    failures = []

    def sender() -> None:
        session = requests.Session()
        for url, body, headers in queue:
            response = session.post(url, data=body, headers=headers, timeout=30)
            if response.status_code != 200:
                failures.append(response.status_code)

    pool = GreenPool(concurrency)
    started = time.time()
    for _ in range(concurrency):
        pool.spawn_n(sender)
    pool.waitall()
    seconds = time.time() - started
    if failures:
        raise RuntimeError(f"baseline: {len(failures)} POSTs failed")
    return {"deliveries": len(work), "seconds": seconds, "rate": len(work) / seconds}


def prefill_history(db, count: int) -> float:
    """`count` past deliveries, sent, written straight into the delivery log (copies of the
    deliveries recorded so far, with new ids and older times). Returns the seconds taken."""
    import uuid
    from datetime import timedelta

    samples = list(db["deliveries"].find({}).limit(100))
    if not samples:
        raise RuntimeError("no deliveries to copy the history from")
    started = time.monotonic()
    batch = []
    for number in range(count):
        sample = samples[number % len(samples)]
        when = sample["created_at"] - timedelta(seconds=count - number)
        batch.append({**sample, "_id": uuid.uuid4().hex, "event_id": f"past-{number // 100}",
                      "status": "sent", "attempts": 1, "next_attempt_at": when,
                      "claimed_until": None, "claim": None, "created_at": when,
                      "updated_at": when, "sent_at": when})
        if len(batch) == 1000:
            db["deliveries"].insert_many(batch, ordered=False)
            batch = []
    if batch:
        db["deliveries"].insert_many(batch, ordered=False)
    return time.monotonic() - started


def receiver_counts(receiver: str, prefix: str) -> int:
    return sum(v[0] for k, v in stats(receiver).items() if k.startswith(prefix))


def run_round(service_url: str, receiver: str, amqp_uri: str, db, args,
              name: str, slow: bool) -> dict:
    if not args.profile:
        return one_round(service_url, receiver, amqp_uri, db, args, name, slow)
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return one_round(service_url, receiver, amqp_uri, db, args, name, slow)
    finally:
        profiler.disable()
        profiler.dump_stats(f"{args.profile}.{name}.prof")


def one_round(service_url: str, receiver: str, amqp_uri: str, db, args,
              name: str, slow: bool) -> dict:
    db["subscriptions"].update_many({}, {"$set": {"status": "cancelled"}})
    for number in range(args.subscriptions):
        path = f"/slow/{name}/{number}" if slow and number == 0 else f"/fast/{name}/{number}"
        response = requests.post(f"{service_url}/api/v1/subscriptions", json={
            "channel": "webhook", "target": receiver + path,
            "event_types": ["registry.inquiry.closed"]},
            headers={"Authorization": f"Bearer {subscriber(number)}"}, timeout=30)
        response.raise_for_status()
    fast_subscriptions = args.subscriptions - (1 if slow else 0)
    expected = args.events * fast_subscriptions
    before = COMMANDS.snapshot()
    started = publish_events(amqp_uri, args.events, name)
    deadline = time.monotonic() + args.timeout

    def fast_done():
        groups = {k: v for k, v in stats(receiver).items() if k.startswith(f"/fast/{name}")}
        return groups if sum(v[0] for v in groups.values()) >= expected else None

    try:
        groups = wait_for(fast_done, timeout=deadline - time.monotonic())
    except TimeoutError:
        raise RoundIncomplete(
            f"{name}: {receiver_counts(receiver, f'/fast/{name}')} of {expected} fast "
            f"deliveries within {args.timeout:g} s") from None
    last = max(v[2] for v in groups.values())
    repeated = stats(receiver).get("repeated", [0])[0]
    if repeated:
        print(f"  {name}: {repeated} deliveries arrived a second time so far (all rounds; "
              f"receivers dedupe by X-Wspolpraca-Delivery)", flush=True)
    result = {"deliveries": expected, "seconds": last - started,
              "rate": expected / (last - started)}
    # where the round's time went: events consumed (deliveries recorded) and sent, seconds
    # after the first publish (once every fast delivery is recorded as sent: the recorder
    # may still be writing the last batch), and what took more than one attempt
    query = {"target": {"$regex": f"/{'slow|fast' if slow else 'fast'}/{name}/"}}
    try:
        wait_for(lambda: db["deliveries"].count_documents(
            {**query, "target": {"$regex": f"/fast/{name}/"}, "status": "sent"}) >= expected,
            timeout=30)
    except TimeoutError:
        left: dict[tuple, int] = {}
        for d in db["deliveries"].find({"target": {"$regex": f"/fast/{name}/"},
                                        "status": {"$ne": "sent"}},
                                       {"status": 1, "attempts": 1, "claim": 1}):
            key = (d.get("status"), d.get("attempts"), "claimed" if d.get("claim") else "-")
            left[key] = left.get(key, 0) + 1
        print(f"  {name}: not every fast delivery recorded as sent 30 s after the last "
              f"arrived; left by (status, attempts, claim): "
              f"{', '.join(f'{k}: {n}' for k, n in sorted(left.items(), key=str))}",
              flush=True)
    after = COMMANDS.snapshot()
    used = {k: after.get(k, 0) - before.get(k, 0) for k in CommandCounter.COUNTED}
    total = expected + (args.events if slow else 0)
    # (the bench's own waits use `aggregate`, not counted; every command below is the
    # service's: handling the events, the dispatcher, the recorder, the relay)
    print(f"  {name}: SecantusDB commands per delivery: "
          + ", ".join(f"{k} {v / total:.2f}" for k, v in used.items())
          + f" (all {sum(used.values()) / total:.2f})", flush=True)
    retried = [d.get("last_error") or d.get("status") for d in db["deliveries"].find(
        {**query, "attempts": {"$gt": 1}}, {"last_error": 1, "status": 1})]
    if retried:
        from collections import Counter

        print(f"  {name}: {len(retried)} deliveries took more than one attempt: "
              f"{dict(Counter(retried))}", flush=True)
    recorded = sorted((d["created_at"].timestamp() - started, d["sent_at"].timestamp() - started)
                      for d in db["deliveries"].find(
                          {**query, "status": "sent"}, {"created_at": 1, "sent_at": 1}))
    if recorded:
        made = sorted(r[0] for r in recorded)
        sent = sorted(r[1] for r in recorded)
        print(f"  {name}: recorded {made[0]:.1f}-{made[-1]:.1f} s, sent (recorded as sent) "
              f"{sent[0]:.1f}-{sent[len(sent) // 2]:.1f}-{sent[-1]:.1f} s after the first "
              f"publish (first, median, last)", flush=True)
    if slow:
        slow_by_then = receiver_counts(receiver, f"/slow/{name}")
        try:
            wait_for(lambda: receiver_counts(receiver, f"/slow/{name}") >= args.events,
                     timeout=max(deadline - time.monotonic(), 1.0), interval=0.25)
        except TimeoutError:
            raise RoundIncomplete(
                f"{name}: the slow receiver got {receiver_counts(receiver, f'/slow/{name}')}"
                f" of {args.events} within {args.timeout:g} s") from None
        slow_last = stats(receiver)[f"/slow/{name}"][2]
        result.update(slow_by_then=slow_by_then, slow_seconds=slow_last - started)
    return result


class RoundIncomplete(Exception):
    """A round ran out of its --timeout: what was done by then."""


def main(argv: list[str] | None = None) -> int:
    pymongo.monitoring.register(COMMANDS)   # before any client: every command is counted
    parser = argparse.ArgumentParser(prog="bench/notifications_fanout.py")
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--subscriptions", type=int, default=100)
    parser.add_argument("--slow-seconds", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--history", type=int, default=0,
                        help="past deliveries written into the log before round 3 (0: no "
                             "round 3)")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="cProfile this process (the service, its dispatcher) during "
                             "each round and write the stats to PREFIX.<round>.prof")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    if not broker_reachable():
        print("RabbitMQ is not answering on 127.0.0.1:5672", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-notifications-") as workdir:
        secantus = SecantusServer(workdir).start()
        vhost = Vhost(prefix="wspolpraca-bench").create()
        port = free_port()
        receiver_process = subprocess.Popen(
            [sys.executable, str(HERE / "notifications_receiver.py"), str(port),
             str(args.slow_seconds)], stdout=subprocess.PIPE, text=True)
        container = None
        try:
            assert receiver_process.stdout.readline().strip() == "ready"
            receiver = f"http://127.0.0.1:{port}"
            settings = make_settings("notifications", secantus.uri, vhost.uri, extra={
                "dispatcher_poll_seconds": 0.05, "dispatcher_concurrency": args.concurrency,
                "webhook_timeout": args.slow_seconds + 10, "smtp_port": free_port(),
                "per_subscription_concurrency": PER_SUBSCRIPTION})
            container = ServiceContainer(NotificationsService, settings.nameko_config())
            container.start()
            service_url = f"http://127.0.0.1:{settings.http_port}"
            from pymongo import MongoClient

            db = MongoClient(secantus.uri)[settings.mongo_database]
            print(f"{args.events} events x {args.subscriptions} webhook subscriptions, "
                  f"dispatcher concurrency {args.concurrency}", flush=True)
            per_subscription = PER_SUBSCRIPTION
            base = baseline(receiver, args.events, args.subscriptions, args.concurrency)
            print(f"baseline:  {base['deliveries']:>6} POSTs      in {base['seconds']:7.2f} s "
                  f"{base['rate']:9.1f} POSTs/s (requests.Session, {args.concurrency} at a "
                  f"time)", flush=True)
            try:
                fast = run_round(service_url, receiver, vhost.uri, db, args, "fast",
                                 False)
                print(f"all fast:  {fast['deliveries']:>6} deliveries in "
                      f"{fast['seconds']:7.2f} s {fast['rate']:9.1f} deliveries/s "
                      f"(ratio to the baseline {fast['rate'] / base['rate']:.3f}, target "
                      f">= 0.5)", flush=True)
                slow = run_round(service_url, receiver, vhost.uri, db, args, "slow",
                                 True)
                floor = args.events * args.slow_seconds / per_subscription
                print(f"one slow:  {slow['deliveries']:>6} fast deliveries in "
                      f"{slow['seconds']:7.2f} s {slow['rate']:9.1f} deliveries/s "
                      f"(the slow receiver had {slow['slow_by_then']} of {args.events} by then)",
                      flush=True)
                print(f"slow receiver: {args.events} deliveries of {args.slow_seconds:g} s each "
                      f"done {slow['slow_seconds']:7.2f} s after the first publish (floor with "
                      f"{per_subscription} at a time: {floor:.2f} s)", flush=True)
                print(f"ratio fast deliveries/s with a slow receiver / without: "
                      f"{slow['rate'] / fast['rate']:.3f} (target >= 0.8)", flush=True)
                history = history_again = None
                if args.history > 0:
                    filled = prefill_history(db, args.history)
                    total = db["deliveries"].estimated_document_count()
                    print(f"history:   {args.history} past deliveries written in "
                          f"{filled:.1f} s ({total} in the log)", flush=True)
                    history = run_round(service_url, receiver, vhost.uri, db, args,
                                        "history", False)
                    # once more: the first round after writing N documents also pays for
                    # the database settling them (its checkpoint), the second does not
                    history_again = run_round(service_url, receiver, vhost.uri, db,
                                              args, "history2", False)
            except RoundIncomplete as exc:
                print(f"incomplete: {exc}", flush=True)
                return 1
            if history is not None:
                print(f"with history: {history['deliveries']:>6} deliveries in "
                      f"{history['seconds']:7.2f} s {history['rate']:9.1f} deliveries/s "
                      f"(ratio to the baseline {history['rate'] / base['rate']:.3f})")
                print(f"again:        {history_again['deliveries']:>6} deliveries in "
                      f"{history_again['seconds']:7.2f} s {history_again['rate']:9.1f} "
                      f"deliveries/s (ratio to the baseline "
                      f"{history_again['rate'] / base['rate']:.3f})")
                print(f"ratio deliveries/s with {args.history} past deliveries / with none: "
                      f"{history['rate'] / fast['rate']:.3f} first, "
                      f"{history_again['rate'] / fast['rate']:.3f} again (target >= 0.8)")
            save(result(args, base, fast, slow, history, history_again))
        finally:
            if container is not None:
                container.kill()
            receiver_process.terminate()
            receiver_process.wait(timeout=10)
            vhost.delete()
            secantus.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
