"""Throughput benchmark: raw pika versus our durable event path, in one run.

    .venv/bin/python bench/throughput.py [--events N] [--concurrency C]

1. Baseline: raw pika. A publisher with `confirm_delivery()` (one confirm per
   message) sends N persistent CloudEvent-sized messages to a durable queue; a
   consumer in a second process (own connection, manual acks, prefetch 100)
   takes them. Rate = N / (first publish -> last consume).
2. Durable path: the registry service as a real process (`python -m
   wspolpraca.runner registry`) and `bench_consumer` (bench/consumer_service.py,
   the project's idempotent `event_handler`: by default `keyed_by_event`, one insert
   keyed by the event id that is its own processed mark; `--consumer transaction`: the
   processed mark and the insert in one transaction) as another. C client threads
   POST N organisations; each commits the organisation and its outbox record, the
   relay publishes with confirms, the consumer records the event.
   Rate = N / (first request -> consumer's `seen` holds N events).

3. The real peer (issue #19): the way nameko-examples builds it (bench/peer_service.py):
   nameko's `@http` -> a MongoDB transaction with the same document -> commit -> nameko's
   `EventDispatcher` -> nameko's `@event_handler` doing its own transaction. Same bodies,
   same clients, same servers, same run. No outbox, no processed marks: what durability
   costs is the difference. Target: durable >= 0.8 x peer; raw pika stays printed for
   context. Each path's database round trips per event are counted from SecantusDB's
   `serverStatus` (requests during the measured phase, the benchmark's own polls taken off).

It prints the rates and their ratios (see bench/README.md) and
writes the figures to bench/results/throughput-<timestamp>.json. The ratio never
fails the run; lost events, HTTP errors or a crashed process do (exit 1).
Everything runs on its own RabbitMQ vhost and a fresh SecantusDB in a temp dir,
both removed at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pika
import requests
from pymongo import MongoClient

from wspolpraca.auth import mint_token
from wspolpraca.envelope import CloudEvent
from wspolpraca.pagination import new_id
from wspolpraca.secantus import SecantusServer, free_port, secantus_binary
from wspolpraca.testing.identifiers import nips_from, regon_from
from wspolpraca.testing.rabbit import Vhost, broker_reachable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
TARGET_RATIO = 0.8  # durable / the nameko-examples peer
PIKA_CONTEXT_RATIO = 0.5  # durable / raw pika: printed for context (the old goal)

BASELINE_QUEUE = "bench.baseline"
CONSUMER_DB = "bench_consumer"
REGISTRY_DB = "registry"
# must match bench/consumer_service.py (not imported here: it pulls in nameko)
CONSUMER_QUEUE = "evt-registry-organization.registered--bench_consumer.record_registration"
# must match bench/peer_service.py (not imported: it monkey-patches with eventlet)
PEER_QUEUE = "evt-peer_registry-organization.registered--peer_consumer.record_registration"
PEER_PRODUCER_DB, PEER_CONSUMER_DB = "peer_registry", "peer_consumer"



class BenchFailure(RuntimeError):
    """Something broke: the run's figures are not to be trusted."""


# --- test data -------------------------------------------------------------------
def nips(count: int, seed: int) -> list[str]:
    """`count` distinct valid NIPs, counting up from a random nine-digit start."""
    return nips_from(random.Random(seed).randrange(100_000_000, 900_000_000), count)


def registration(index: int, nip: str) -> dict:
    """A realistic POST /api/v1/organizations body (its event is about 600-700 bytes)."""
    return {
        "name": f"Stowarzyszenie Przyjaciół Łąk i Pól nr {index}",
        "legal_form": "association",
        "nip": nip,
        "regon": regon_from(index),
        "areas": ["culture", "education", "seniors"],
        "email": f"biuro{index}@laki.example.pl",
        "phone": "+48 22 123 45 67",
        "website": "https://laki.example.pl",
        "address": {"street": "ul. Łąkowa 12/3", "postal_code": "00-950", "city": "Warszawa"},
        "district": "Śródmieście",
        "representatives": [{"name": "Anna Kowalska", "function": "prezeska",
                             "email": "anna.kowalska@laki.example.pl"}],
        "public_benefit_status": {"granted": True, "since": "2015-06-01"},
    }


def sample_event_body() -> bytes:
    """What the relay publishes for one registration, as the baseline's message."""
    body = registration(1000, nips(1, 0)[0])
    organization_id = new_id()  # the registry's ids are ObjectId strings
    data = {"id": organization_id, **{k: body.get(k) for k in (
        "name", "legal_form", "nip", "regon", "krs", "areas", "email", "district")},
        "status": "pending", "public_benefit_status": {"granted": True, "since": "2015-06-01"}}
    event = CloudEvent(service="registry", routing_key="organization.registered",
                       subject=organization_id, data=data, correlation_id=str(uuid.uuid4()))
    return json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


# --- measuring helpers -----------------------------------------------------------
def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 4)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 4),
            "mean": round(statistics.fmean(ordered), 4)}


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) / _TICKS, int(fields[12]) / _TICKS  # ppid, user, sys


def tree_cpu(root: int) -> tuple[float, float]:
    """(user, system) CPU seconds used so far by `root` and its live descendants."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found:
                table[int(entry.name)] = found
    user = system = 0.0
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in table:
            user += table[pid][1]
            system += table[pid][2]
            todo.extend(p for p, row in table.items() if row[0] == pid)
    return user, system


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq, steal)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def rabbitmq_pid() -> int | None:
    try:
        out = subprocess.run(["rabbitmqctl", "status", "--formatter", "json"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        return int(json.loads(out)["pid"])
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return None


class CpuMeter:
    """CPU seconds per component between `start()` and `stop()`."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = {name: pid for name, pid in pids.items() if pid}
        self._start: dict[str, float] = {}
        self._wall = 0.0

    def _sample(self) -> dict[str, tuple[float, float]]:
        sample = {name: tree_cpu(pid) for name, pid in self.pids.items()}
        own = os.times()
        sample["bench client"] = (own.user, own.system)
        sample["whole machine"] = (machine_busy(), 0.0)
        return sample

    def start(self) -> None:
        self._start, self._wall = self._sample(), time.monotonic()

    def stop(self) -> dict:
        end, wall = self._sample(), time.monotonic() - self._wall
        used, system = {}, {}
        for name, (user_end, sys_end) in end.items():
            user_start, sys_start = self._start.get(name, (0.0, 0.0))
            used[name] = round(user_end - user_start + sys_end - sys_start, 2)
            system[name] = round(sys_end - sys_start, 2)
        machine = used.pop("whole machine")
        system.pop("whole machine")
        ours = sum(used.values())
        return {"wall_seconds": round(wall, 2), "cpu_seconds": used,
                "of_which_system": system,
                "cores_busy": round(ours / wall, 2) if wall else None,
                # kernel work outside process context and anything else running on the box
                "other_cpu_seconds": round(max(machine - ours, 0.0), 2),
                "machine_cores_busy": round(machine / wall, 2) if wall else None}


# --- processes -------------------------------------------------------------------
class Process:
    """A child process in its own session, stopped by SIGTERM, then killed."""

    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise BenchFailure(f"{self.name} exited with {self.popen.returncode}; "
                               f"its last log lines:\n{tail(self.log_path)}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        self._log.close()


def service_env(service: str, mongo_uri: str, amqp_uri: str, port: int) -> dict[str, str]:
    """The environment of one service's process: this database server and vhost, its HTTP
    port, timers off."""
    env = {**os.environ, "MONGO_URI": mongo_uri, "AMQP_URI": amqp_uri,
           f"WSPOLPRACA_HTTP_PORT_{service.upper()}": str(port), "WSPOLPRACA_TIMERS": "off",
           "PYTHONUNBUFFERED": "1"}
    env.pop(f"MONGO_URI_{service.upper()}", None)
    return env


def service_process(service: str, env: dict[str, str], log_level: str, log_path: Path,
                    commands: Commands | None = None) -> Process:
    """`python -m wspolpraca.runner <service>` started with `env`, logging to `log_path`."""
    argv = ["-m", "wspolpraca.runner", service, "--log-level", log_level]
    if commands is not None:
        return commands.process(service, argv, env, log_path)
    return Process(service, [sys.executable, *argv], env, log_path)


class Commands:
    """`--commands`: each service process of a path runs under bench/commands.py, which counts
    its database commands by kind with their round-trip time; zeroed when the measured phase
    begins, collected when it ends."""

    def __init__(self, workdir: Path, label: str) -> None:
        self.workdir, self.label = workdir, label
        self.processes: dict[str, tuple[Process, Path]] = {}

    def process(self, name: str, argv: list[str], env: dict[str, str],
                log_path: Path) -> Process:
        out = self.workdir / f"commands-{self.label}-{name}.json"
        started = Process(name, [sys.executable, str(BENCH / "commands.py"), *argv],
                          {**env, "BENCH_COMMANDS_OUT": str(out)}, log_path)
        self.processes[name] = (started, out)
        return started

    def start(self) -> None:
        for process, _ in self.processes.values():
            os.kill(process.pid, signal.SIGUSR1)

    def stop(self, events: int) -> list[dict]:
        from commands import summarize

        for process, out in self.processes.values():
            out.unlink(missing_ok=True)
            os.kill(process.pid, signal.SIGUSR2)
        wait_until(lambda: all(out.exists() for _, out in self.processes.values()), 30,
                   f"{self.label}'s command counts")
        return summarize({name: out for name, (_, out) in self.processes.items()}, events)


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class Profiler:
    """py-spy on the service processes during the measured phase (--py-spy DIR)."""

    def __init__(self, out_dir: Path | None) -> None:
        self.out_dir = out_dir
        self.procs: list[subprocess.Popen] = []

    def start(self, targets: dict[str, int]) -> None:
        if self.out_dir is None:
            return
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in targets.items():
            # collapsed stacks, one per line with a sample count: grep/sort them, or
            # load them into speedscope or inferno for a flame graph
            self.procs.append(subprocess.Popen(
                [exe, "record", "--pid", str(pid), "--rate", "200", "--nonblocking",
                 "--format", "raw", "-o", str(self.out_dir / f"{name}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


# --- baseline: raw pika --------------------------------------------------------
def _baseline_consumer(amqp_uri: str, queue: str, count: int, ready, results) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)
    channel.basic_qos(prefetch_count=100)
    seen: set[str] = set()
    stamps = {"first": None, "last": None}

    def on_message(ch, method, properties, body):
        if stamps["first"] is None:
            stamps["first"] = time.monotonic()
        json.loads(body)
        seen.add(properties.message_id)
        ch.basic_ack(method.delivery_tag)
        if len(seen) >= count:
            stamps["last"] = time.monotonic()
            ch.stop_consuming()

    channel.basic_consume(queue, on_message, auto_ack=False)
    ready.set()
    channel.start_consuming()
    results.put({"distinct": len(seen), **stamps})
    connection.close()


def run_baseline(amqp_uri: str, count: int, body: bytes, rabbit: int | None) -> dict:
    setup = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    setup.channel().queue_declare(BASELINE_QUEUE, durable=True)
    setup.close()

    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    consumer = context.Process(target=_baseline_consumer, name="baseline-consumer",
                               args=(amqp_uri, BASELINE_QUEUE, count, ready, results))
    consumer.start()
    try:
        if not ready.wait(30):
            raise BenchFailure("the baseline consumer did not start")
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        channel = connection.channel()
        channel.confirm_delivery()
        cpu = CpuMeter({"rabbitmq": rabbit, "baseline consumer": consumer.pid})
        cpu.start()
        started = time.monotonic()
        for _ in range(count):
            channel.basic_publish(
                "", BASELINE_QUEUE, body,
                pika.BasicProperties(delivery_mode=2, content_type="application/json",
                                     message_id=str(uuid.uuid4()),
                                     type="registry.organization.registered"),
            )
        published = time.monotonic()
        connection.close()
        timeout = max(60.0, count / 100)
        try:
            outcome = results.get(timeout=timeout)
        except Exception as exc:  # queue.Empty
            raise BenchFailure(f"the baseline consumer did not get {count} messages "
                               f"in {timeout:.0f}s") from exc
        usage = cpu.stop()
        consumer.join(10)
    finally:
        if consumer.is_alive():
            consumer.terminate()
            consumer.join(5)
    if outcome["distinct"] != count:
        raise BenchFailure(f"baseline: {outcome['distinct']} of {count} messages consumed")
    elapsed = outcome["last"] - started
    return {
        "events": count,
        "message_bytes": len(body),
        "seconds": round(elapsed, 3),
        "rate": round(count / elapsed, 1),
        "publish_rate": round(count / (published - started), 1),
        "cpu": usage,
    }


# --- durable path --------------------------------------------------------------
class Clients:
    """C threads, one requests.Session each, POSTing registrations from a shared list."""

    def __init__(self, url: str, token: str, concurrency: int) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.concurrency = concurrency

    def run(self, bodies: list[dict]) -> dict:
        lock = threading.Lock()
        todo = iter(bodies)
        go = threading.Event()
        done: list[tuple[float, float, int, str | None]] = []
        failures: list[str] = []

        def worker() -> None:
            with requests.Session() as session:
                go.wait()
                while True:
                    with lock:
                        body = next(todo, None)
                    if body is None:
                        return
                    sent = time.monotonic()
                    try:
                        response = session.post(self.url, json=body, headers=self.headers,
                                                timeout=60)
                        status = response.status_code
                        org_id = response.json().get("id") if status == 201 else None
                        if status != 201:
                            failures.append(f"{status}: {response.text[:300]}")
                    except (requests.RequestException, ValueError) as exc:
                        status, org_id = 0, None
                        failures.append(f"{type(exc).__name__}: {exc}")
                    with lock:
                        done.append((sent, time.monotonic(), status, org_id))

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.concurrency)]
        for thread in threads:
            thread.start()
        started, started_wall = time.monotonic(), time.time()
        go.set()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
        finished = max((d[1] for d in done), default=started)
        ok = [d for d in done if d[2] == 201]
        return {
            "started": started,
            "started_wall": started_wall,
            "seconds": finished - started,
            "completed": len(done),
            "ok": len(ok),
            "errors": len(done) - len(ok),
            "error_samples": failures[:5],
            "latency": percentiles([d[1] - d[0] for d in ok]),
            "organization_ids": [d[3] for d in ok],
        }


def timed_threads(threads: list[threading.Thread]) -> float:
    """Start the threads and wait for them all; the seconds that took."""
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def wait_until(predicate, timeout: float, what: str, alive=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in alive:
            process.check_alive()
        if predicate():
            return
        time.sleep(0.2)
    raise BenchFailure(f"timed out after {timeout:.0f}s waiting for {what}")


def registry_ready(base_url: str) -> bool:
    try:
        return requests.get(base_url + "/health/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def queue_state(amqp_uri: str, queue: str) -> tuple[int, int] | None:
    """(messages, consumers) of a queue, or None if it does not exist."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        declared = connection.channel().queue_declare(queue, passive=True)
        return declared.method.message_count, declared.method.consumer_count
    except pika.exceptions.ChannelClosedByBroker:
        return None
    finally:
        if connection.is_open:
            connection.close()


def wait_consumed(seen, target: int, processes, stall_timeout: float,
                  poll: float) -> float:
    """Poll the consumer's `seen` count until it reaches `target`; the moment it did.

    Counting is not free on SecantusDB (about 6 ms of its CPU per 1,000 documents),
    so the poll interval adapts: about half the expected time to completion,
    between `poll` and 2 s. The precise end comes from the consumer's own
    timestamps afterwards; this only detects completion.
    """
    last_count, last_progress = -1, time.monotonic()
    previous: tuple[float, int] | None = None
    while True:
        count = seen.estimated_document_count()
        now = time.monotonic()
        if count >= target:
            return now
        if count != last_count:
            last_count, last_progress = count, now
        elif now - last_progress > stall_timeout:
            raise BenchFailure(f"consumer stalled at {count}/{target} events for "
                               f"{stall_timeout:.0f}s")
        for process in processes:
            process.check_alive()
        interval = 0.5
        if previous is not None and count > previous[1]:
            rate = (count - previous[1]) / (now - previous[0])
            interval = (target - count) / rate / 2
        previous = (now, count)
        time.sleep(min(2.0, max(poll, interval)))


def warm_up(label: str, clients: Clients, bodies: list[dict], seen, args,
            processes) -> None:
    """The first `args.warmup` registrations, all consumed, before measuring: connection pools,
    code paths and the relay's producer warmed."""
    if not args.warmup:
        return
    warm = clients.run(bodies[:args.warmup])
    if warm["errors"]:
        raise BenchFailure(f"{label}: {warm['errors']} failed requests, e.g. "
                           f"{warm['error_samples']}")
    wait_consumed(seen, args.warmup, processes, args.stall_timeout, args.poll)


def scrape_http_duration(base_url: str) -> tuple[float, float] | None:
    """(sum, count) of server-side durations of POST /api/v1/organizations (/metrics)."""
    try:
        text = requests.get(base_url + "/metrics", timeout=10).text
    except requests.RequestException:
        return None
    values = {}
    for kind in ("sum", "count"):
        match = re.search(
            rf'wspolpraca_http_request_duration_seconds_{kind}\{{[^}}]*method="POST"'
            rf'[^}}]*route="/api/v1/organizations"[^}}]*\}} ([0-9.e+-]+)', text)
        if not match:
            return None
        values[kind] = float(match.group(1))
    return values["sum"], values["count"]


def run_durable(args, amqp_uri: str, registry_db: SecantusServer, consumer_db: SecantusServer,
                workdir: Path, rabbit: int | None, stack: ExitStack, profiler: Profiler) -> dict:
    port = free_port()
    env = service_env("registry", registry_db.uri, amqp_uri, port)
    if args.max_workers:
        env["WSPOLPRACA_MAX_WORKERS"] = str(args.max_workers)
    # the consumer first, so its queue is bound before the relay publishes anything
    commands = Commands(workdir, "durable") if args.commands else None
    consumer_env = {**env, "MONGO_URI": consumer_db.uri, "BENCH_CONSUMER_DB": CONSUMER_DB,
                    "BENCH_CONSUMER_MODE": args.consumer}
    consumer_argv = [str(BENCH / "run_consumer.py")]
    if commands is not None:
        consumer = commands.process("bench_consumer", consumer_argv, consumer_env,
                                    workdir / "consumer.log")
    else:
        consumer = Process("bench_consumer", [sys.executable, *consumer_argv], consumer_env,
                           workdir / "consumer.log")
    stack.callback(consumer.stop)
    registry = service_process("registry", env, args.service_log_level, workdir / "registry.log",
                               commands)
    stack.callback(registry.stop)
    processes = (consumer, registry)

    base_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: (queue_state(amqp_uri, CONSUMER_QUEUE) or (0, 0))[1] >= 1, 60,
               "bench_consumer to consume its queue", processes)
    wait_until(lambda: registry_ready(base_url), 60, "registry /health/ready", processes)

    token = mint_token("bench-officer", ["officer", "ngo"])
    clients = Clients(base_url + "/api/v1/organizations", token, args.concurrency)
    registry_mongo = MongoClient(registry_db.uri, tz_aware=True)
    stack.callback(registry_mongo.close)
    consumer_mongo = MongoClient(consumer_db.uri, tz_aware=True)
    stack.callback(consumer_mongo.close)
    seen_collection = consumer_mongo[CONSUMER_DB]["seen"]
    seen = CountedCollection(seen_collection)
    outbox = registry_mongo[REGISTRY_DB]["outbox"]
    servers = [registry_db] if consumer_db is registry_db else [registry_db, consumer_db]

    numbers = nips(args.warmup + args.events, seed=args.seed)
    bodies = [registration(i, nip) for i, nip in enumerate(numbers)]

    warm_up("warm-up", clients, bodies, seen, args, processes)
    http_before = scrape_http_duration(base_url) or (0.0, 0.0)

    databases = {"secantusdb": registry_db.process.pid}
    if consumer_db is not registry_db:
        databases = {"secantusdb (registry)": registry_db.process.pid,
                     "secantusdb (consumer)": consumer_db.process.pid}
    cpu = CpuMeter({"registry": registry.pid, "bench_consumer": consumer.pid, **databases,
                    "rabbitmq": rabbit})
    requests_before, seen.polls = [database_requests(db) for db in servers], 0
    if commands is not None:
        commands.start()
    cpu.start()
    profiler.start({"registry": registry.pid, "bench_consumer": consumer.pid,
                    **{name.replace(" (", "-").rstrip(")"): pid
                       for name, pid in databases.items()}})
    try:
        http = clients.run(bodies[args.warmup:])
        consumed_at = wait_consumed(seen, args.warmup + http["ok"], processes,
                                    args.stall_timeout, args.poll)
    finally:
        profiler.stop()
    usage = cpu.stop()
    by_command = commands.stop(http["ok"]) if commands is not None else None
    trips = sum(round_trips(db, before, seen.polls if db is consumer_db else 0, http["ok"])
                for db, before in zip(servers, requests_before, strict=True))
    started, started_wall = http["started"], http["started_wall"]
    since = datetime.fromtimestamp(started_wall, UTC)

    # what happened to each registration: outbox (relay) and consumer timestamps
    time.sleep(0.5)  # let any duplicate delivery land before counting
    records = {r["_id"]: r for r in outbox.find(
        {"created_at": {"$gte": since}, "type": "registry.organization.registered"},
        {"created_at": 1, "sent_at": 1, "status": 1, "body.subject": 1})}
    consumed = {s["_id"]: s for s in seen_collection.find({"received_at": {"$gte": since}})}
    problems = []
    if http["errors"]:
        problems.append(f"{http['errors']} HTTP requests failed, e.g. {http['error_samples']}")
    expected = set(http["organization_ids"])
    subjects = {r["body"]["subject"] for r in records.values()}
    if expected - subjects:
        problems.append(f"{len(expected - subjects)} registrations have no outbox record")
    unsent = [i for i, r in records.items() if r.get("status") != "sent"]
    if unsent:
        problems.append(f"{len(unsent)} outbox records not marked sent")
    missing = set(records) - set(consumed)
    if missing:
        problems.append(f"{len(missing)} published events never reached the consumer")
    if {c["subject"] for c in consumed.values()} != subjects:
        problems.append("the consumer saw events the registry did not emit (or vice versa)")
    processed = consumer_mongo[CONSUMER_DB]["processed_events"].count_documents({})
    total_seen = seen_collection.count_documents({})
    # a keyed consumer's `seen` document is its own processed mark (keyed by the event id)
    expected_marks = total_seen if args.consumer == "transaction" else 0
    if processed != expected_marks:
        problems.append(f"processed_events ({processed}) != {expected_marks} "
                        f"(seen {total_seen}, consumer {args.consumer})")
    state = queue_state(amqp_uri, CONSUMER_QUEUE + ".dlq")
    if state and state[0]:
        problems.append(f"{state[0]} events dead-lettered")

    def offset(moment: datetime) -> float:
        return moment.timestamp() - started_wall

    sent_at = [offset(r["sent_at"]) for r in records.values() if r.get("sent_at")]
    received = [offset(c["received_at"]) for c in consumed.values()]
    relay_lag = [(r["sent_at"] - r["created_at"]).total_seconds()
                 for r in records.values() if r.get("sent_at")]
    end_to_end = [(consumed[i]["received_at"] - r["created_at"]).total_seconds()
                  for i, r in records.items() if i in consumed]
    count = http["ok"]
    polled = consumed_at - started
    # the moment the N-th event was committed by the consumer (its own clock stamp);
    # the poll only detected it, up to one poll interval later
    elapsed = max(received) if received and len(consumed) >= count else polled
    sample = outbox.find({"created_at": {"$gte": since}}, {"body": 1}).limit(50)
    event_sizes = [len(json.dumps(r["body"], ensure_ascii=False, separators=(",", ":")).encode())
                   for r in sample]
    return {
        "events": count,
        "concurrency": args.concurrency,
        "max_workers": args.max_workers or "service default (20)",
        "consumer": args.consumer,
        "consumer_db": "separate" if consumer_db is not registry_db else "shared",
        "warmup": args.warmup,
        "event_bytes": round(statistics.fmean(event_sizes)) if event_sizes else None,
        "seconds": round(elapsed, 3),
        "rate": round(count / elapsed, 1) if elapsed else None,
        "http": {
            "completed": http["completed"],
            "errors": http["errors"],
            "seconds": round(http["seconds"], 3),
            "rate": round(http["completed"] / http["seconds"], 1) if http["seconds"] else None,
            "latency": http["latency"],
            "server_mean": _delta_mean(http_before, scrape_http_duration(base_url)),
        },
        "stages_done_at": {  # seconds after the first request
            "http": round(http["seconds"], 3),
            "relay_published": round(max(sent_at), 3) if sent_at else None,
            "consumer_committed": round(max(received), 3) if received else None,
            "consumer_count_polled": round(polled, 3),
        },
        "db_round_trips_per_event": round(trips, 2),
        "commands": by_command,
        "relay_lag": percentiles(relay_lag),
        "end_to_end_lag": percentiles(end_to_end),
        "cpu": usage,
        "problems": problems,
    }


def _delta_mean(before: tuple[float, float],
                after: tuple[float, float] | None) -> float | None:
    """Mean of the measured requests only (the histogram also holds the warm-up)."""
    if after is None or after[1] <= before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 4)


def database_requests(server: SecantusServer) -> int:
    """Requests the database server has answered since it started (serverStatus)."""
    client = MongoClient(server.uri, serverSelectionTimeoutMS=5000)
    try:
        return int(client.admin.command("serverStatus")["network"]["numRequests"])
    finally:
        client.close()


class CountedCollection:
    """The benchmark's own polls of a collection, counted to take them off the round trips."""

    def __init__(self, collection) -> None:
        self.collection = collection
        self.polls = 0

    def estimated_document_count(self) -> int:
        self.polls += 1
        return self.collection.estimated_document_count()


def round_trips(server: SecantusServer, before: int, polls: int, events: int) -> float:
    # + 1: the serverStatus request that read `before`
    return round((database_requests(server) - before - polls - 1) / max(events, 1), 2)


# --- the peer: nameko-examples' way ----------------------------------------------
def run_peer(args, amqp_uri: str, db: SecantusServer, workdir: Path, rabbit: int | None,
             stack: ExitStack, profiler: Profiler | None = None) -> dict:
    port = free_port()
    env = {**os.environ, "MONGO_URI": db.uri, "AMQP_URI": amqp_uri, "PYTHONUNBUFFERED": "1",
           "PEER_MAX_WORKERS": str(args.max_workers or 20)}
    script = str(BENCH / "peer_service.py")
    commands = Commands(workdir, "peer") if args.commands else None

    def start(name: str, argv: list[str], env: dict[str, str], log_path: Path) -> Process:
        if commands is not None:
            return commands.process(name, argv, env, log_path)
        return Process(name, [sys.executable, *argv], env, log_path)

    consumer = start("peer_consumer", [script, "consumer"],
                     {**env, "PEER_DB": PEER_CONSUMER_DB}, workdir / "peer-consumer.log")
    stack.callback(consumer.stop)
    producer = start("peer_registry", [script, "producer"],
                     {**env, "PEER_DB": PEER_PRODUCER_DB, "PEER_HTTP_PORT": str(port)},
                     workdir / "peer-producer.log")
    stack.callback(producer.stop)
    processes = (consumer, producer)
    base_url = f"http://127.0.0.1:{port}"

    def producer_ready() -> bool:
        try:
            return requests.get(base_url + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_until(lambda: (queue_state(amqp_uri, PEER_QUEUE) or (0, 0))[1] >= 1, 60,
               "peer_consumer to consume its queue", processes)
    wait_until(producer_ready, 60, "peer_registry to answer", processes)
    clients = Clients(base_url + "/api/v1/organizations", "peer", args.concurrency)
    mongo = MongoClient(db.uri, tz_aware=True)
    stack.callback(mongo.close)
    seen = CountedCollection(mongo[PEER_CONSUMER_DB]["seen"])
    numbers = nips(args.warmup + args.events, seed=args.seed + 1)
    bodies = [registration(i, nip) for i, nip in enumerate(numbers)]
    warm_up("peer warm-up", clients, bodies, seen, args, processes)
    cpu = CpuMeter({"peer_registry": producer.pid, "peer_consumer": consumer.pid,
                    "secantusdb": db.process.pid, "rabbitmq": rabbit})
    requests_before, seen.polls = database_requests(db), 0
    if commands is not None:
        commands.start()
    cpu.start()
    if profiler is not None:
        profiler.start({"peer_registry": producer.pid, "peer_consumer": consumer.pid,
                        "peer-secantusdb": db.process.pid})
    try:
        http = clients.run(bodies[args.warmup:])
        wait_consumed(seen, args.warmup + http["ok"], processes, args.stall_timeout, args.poll)
    finally:
        if profiler is not None:
            profiler.stop()
    usage = cpu.stop()
    by_command = commands.stop(http["ok"]) if commands is not None else None
    trips = round_trips(db, requests_before, seen.polls, http["ok"])
    since = datetime.fromtimestamp(http["started_wall"], UTC)
    received = [(s["received_at"].timestamp() - http["started_wall"])
                for s in mongo[PEER_CONSUMER_DB]["seen"].find({"received_at": {"$gte": since}},
                                                              {"received_at": 1})]
    problems = []
    if http["errors"]:
        problems.append(f"peer: {http['errors']} HTTP requests failed, e.g. "
                        f"{http['error_samples']}")
    if len(received) != http["ok"]:
        problems.append(f"peer: {len(received)} of {http['ok']} events reached its consumer")
    elapsed = max(received) if received else http["seconds"]
    return {"events": http["ok"], "seconds": round(elapsed, 3),
            "rate": round(http["ok"] / elapsed, 1) if elapsed else None,
            "http": {"rate": round(http["completed"] / http["seconds"], 1)
                     if http["seconds"] else None, "latency": http["latency"]},
            "db_round_trips_per_event": trips, "commands": by_command, "cpu": usage,
            "problems": problems}


# --- report --------------------------------------------------------------------
def report(results: dict) -> str:
    base, durable, peer = results.get("baseline"), results["durable"], results.get("peer")
    ratio = results.get("ratio")
    http = durable["http"]
    stages = durable["stages_done_at"]
    cpu = durable["cpu"]
    width = 48
    rows = []
    if base:
        rows.append(("baseline: raw pika, confirm per message", f"{base['rate']:>10,.1f} msgs/s"))
    if peer:
        rows.append(("peer: nameko-examples' way (no outbox)", f"{peer['rate']:>10,.1f} events/s"))
    rows.append(("durable: HTTP -> outbox -> relay -> consumer",
                 f"{durable['rate']:>10,.1f} events/s"))
    if ratio is not None:
        rows.append(("ratio durable / raw pika (context)", f"{ratio:>10.3f}"))
    if results.get("ratio_to_peer") is not None:
        rows += [("ratio durable / peer", f"{results['ratio_to_peer']:>10.3f}"),
                 ("target", f"{TARGET_RATIO:>10.3f}"),
                 ("verdict", f"{results['verdict']:>10}")]
    if peer:
        rows.append(("database round trips per event: durable / peer",
                     f"{durable['db_round_trips_per_event']:>6} / "
                     f"{peer['db_round_trips_per_event']}"))
    lines = ["", "=" * 72, f"wspolpraca throughput benchmark  ({results['started']})",
             "=" * 72]
    lines += [f"{name:<{width}}{value}" for name, value in rows]
    lines += [
        "-" * 72,
        f"events {durable['events']} (+{durable['warmup']} warm-up), concurrency "
        f"{durable['concurrency']}, max_workers {durable['max_workers']}, "
        f"consumer db {durable['consumer_db']}",
    ]
    if base:
        lines.append(f"baseline: {base['events']} msgs of {base['message_bytes']} B in "
                     f"{base['seconds']:.2f}s (publisher alone {base['publish_rate']:,.0f} "
                     f"msgs/s; {base['cpu']['cores_busy']} cores busy)")
    lines += [
        f"durable: events of {durable['event_bytes']} B, {durable['seconds']:.2f}s from the "
        f"first request to the last consumer commit",
        f"  HTTP only: {http['rate']:,.1f} requests/s, latency p50 {http['latency'].get('p50')}s"
        f" p95 {http['latency'].get('p95')}s, server mean {http['server_mean']}s, "
        f"errors {http['errors']}",
        f"  stages done after (s): HTTP {stages['http']}, relay {stages['relay_published']}, "
        f"consumer {stages['consumer_committed']} (count polled {stages['consumer_count_polled']})",
        f"  relay lag (commit -> marked sent) p50 {durable['relay_lag'].get('p50')}s "
        f"p95 {durable['relay_lag'].get('p95')}s max {durable['relay_lag'].get('max')}s",
        f"  end-to-end (commit -> consumer) p50 {durable['end_to_end_lag'].get('p50')}s "
        f"p95 {durable['end_to_end_lag'].get('p95')}s max {durable['end_to_end_lag'].get('max')}s",
        f"  CPU ms per event ({cpu['cores_busy']} of {os.cpu_count()} cores busy): " + ", ".join(
            f"{name} {seconds * 1000 / max(durable['events'], 1):.2f}"
            for name, seconds in cpu["cpu_seconds"].items()),
        f"  whole machine {cpu['machine_cores_busy']} cores busy; CPU outside the measured "
        f"processes {cpu['other_cpu_seconds']}s" + (
            "  (!) other load on the machine: figures are noisy"
            if cpu["other_cpu_seconds"] > 0.15 * cpu["wall_seconds"] else ""),
        "=" * 72,
    ]
    if durable.get("commands") is not None:
        from commands import table

        lines.append(table("durable", durable["commands"]))
        if peer and peer.get("commands") is not None:
            lines.append(table("peer", peer["commands"]))
        lines.append("=" * 72)
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/throughput.py", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=6000,
                        help="N: messages / registrations per path (default 6000)")
    parser.add_argument("--concurrency", type=int, default=32,
                        help="C: concurrent HTTP clients (default 32)")
    parser.add_argument("--max-workers", type=int, default=None,
                        help="WSPOLPRACA_MAX_WORKERS for both services (default: theirs, 20)")
    parser.add_argument("--warmup", type=int, default=200,
                        help="registrations sent and consumed before measuring (default 200)")
    parser.add_argument("--poll", type=float, default=0.1,
                        help="shortest interval between counts of the consumer's collection "
                             "(the interval adapts to the expected time left)")
    parser.add_argument("--stall-timeout", type=float, default=60.0,
                        help="fail when the consumer makes no progress for this long")
    parser.add_argument("--service-log-level", default="INFO",
                        help="log level of the registry process (default INFO, as deployed)")
    parser.add_argument("--py-spy", type=Path, default=None, metavar="DIR",
                        help="profile registry, consumer and SecantusDB with py-spy "
                             "(raw collapsed stacks in DIR)")
    parser.add_argument("--separate-consumer-db", action="store_true",
                        help="give bench_consumer its own SecantusDB server (as a deployment "
                             "with MONGO_URI_<SERVICE> per service would)")
    parser.add_argument("--consumer", choices=("keyed", "transaction"), default="keyed",
                        help="bench_consumer's handler: one insert keyed by the event id, its "
                             "own processed mark (keyed), or the unit of work with a processed "
                             "mark and a transaction (bench/consumer_service.py)")
    parser.add_argument("--skip-baseline", action="store_true",
                        help="no raw pika run (its ratio is context only)")
    parser.add_argument("--skip-peer", action="store_true",
                        help="no nameko-examples peer (durable path only, for profiling)")
    parser.add_argument("--commands", action="store_true",
                        help="count each service process's database commands by kind with "
                             "their round-trip time (bench/commands.py) and print them per "
                             "event for each path")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (service logs, SecantusDB files)")
    args = parser.parse_args(argv)
    if args.events < 1 or args.concurrency < 1:
        parser.error("--events and --concurrency must be positive")
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    return args


def _terminate(signum, frame):
    raise KeyboardInterrupt


def begin() -> tuple[datetime, str, Path] | None:
    """A benchmark's start: Ctrl-C and SIGTERM stop it cleanly (also in the background, where
    SIGINT arrives ignored), the broker and SecantusDB are there; (its start, the start as a
    file-name stamp, a temp dir), or None without a broker."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not broker_reachable():
        print("RabbitMQ is not answering on 127.0.0.1:5672", file=sys.stderr)
        return None
    secantus_binary()  # fails early with the install hint
    started = datetime.now(UTC)
    return (started, started.strftime("%Y%m%dT%H%M%SZ"),
            Path(tempfile.mkdtemp(prefix="wspolpraca-bench-")))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if (begun := begin()) is None:
        return 2
    started, stamp, workdir = begun
    results: dict = {"started": started.isoformat(timespec="seconds"),
                     "target_ratio": TARGET_RATIO,
                     "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0],
                                 "load_average_at_start": os.getloadavg()},
                     "args": {k: (str(v) if isinstance(v, Path) else v)
                              for k, v in vars(args).items()}}

    def work(stack: ExitStack) -> str | None:
        print(f"work dir {workdir}; starting SecantusDB and a RabbitMQ vhost ...",
              flush=True)
        vhost = Vhost(prefix="wspolpraca-bench").create()
        stack.callback(vhost.delete)
        secantus = SecantusServer(workdir / "secantus", log_path=workdir / "secantus.log")
        stack.callback(secantus.stop)
        secantus.start()
        consumer_db = secantus
        if args.separate_consumer_db:
            consumer_db = SecantusServer(workdir / "secantus-consumer",
                                         log_path=workdir / "secantus-consumer.log")
            stack.callback(consumer_db.stop)
            consumer_db.start()
        rabbit = rabbitmq_pid()
        profiler = Profiler(args.py_spy)
        stack.callback(profiler.stop)

        body = sample_event_body()
        if not args.skip_baseline:
            print(f"baseline: raw pika, {args.events} confirmed persistent messages of "
                  f"{len(body)} B ...", flush=True)
            results["baseline"] = run_baseline(vhost.uri, args.events, body, rabbit)
            print(f"  {results['baseline']['rate']:,.1f} msgs/s", flush=True)
        print(f"durable path: {args.events} registrations from {args.concurrency} "
              f"clients (+{args.warmup} warm-up) ...", flush=True)
        results["durable"] = run_durable(args, vhost.uri, secantus, consumer_db, workdir,
                                         rabbit, stack, profiler)
        print(f"  {results['durable']['rate']:,.1f} events/s", flush=True)
        if not args.skip_peer:
            print(f"peer: nameko-examples' way, {args.events} registrations ...",
                  flush=True)
            results["peer"] = run_peer(args, vhost.uri, secantus, workdir, rabbit, stack,
                                       profiler)
            print(f"  {results['peer']['rate']:,.1f} events/s", flush=True)
        problems = results["durable"]["problems"] + results.get("peer", {}).get(
            "problems", [])
        return "; ".join(problems) or None

    interrupted, failed = guarded("throughput", stamp, workdir, args.keep, results, work)
    if interrupted:
        return 130

    if "baseline" in results and "durable" in results:
        results["ratio"] = round(results["durable"]["rate"] / results["baseline"]["rate"], 4)
    if "peer" in results and "durable" in results:
        results["ratio_to_peer"] = round(results["durable"]["rate"] / results["peer"]["rate"], 4)
        results["verdict"] = ("PASS" if results["ratio_to_peer"] >= TARGET_RATIO
                              else "BELOW TARGET")
    if "durable" in results:
        print(report(results))
    return finish("throughput", stamp, results, failed)


def guarded(name: str, stamp: str, workdir: Path, keep: bool, results: dict,
            work: Callable[[ExitStack], str | None]) -> tuple[bool, str | None]:
    """Run a benchmark's `work` (it starts what it needs on the stack and answers what failed,
    or None) so that everything it started stops, also on Ctrl-C or SIGTERM, and the logs of a
    failed run are kept under bench/results/<name>-<stamp>-logs; (interrupted, what failed)."""
    failed: str | None = None
    with ExitStack() as stack:
        try:
            if not keep:
                stack.callback(shutil.rmtree, workdir, ignore_errors=True)
            failed = work(stack)
        except KeyboardInterrupt:
            print("\ninterrupted: stopping everything ...", file=sys.stderr, flush=True)
            return True, None
        except BenchFailure as exc:
            failed = str(exc)
        except Exception as exc:  # noqa: BLE001 - report, keep the logs, clean up
            traceback.print_exc()
            failed = f"{type(exc).__name__}: {exc}"
        finally:
            if keep:
                results["work_dir"] = str(workdir)
            if failed:
                kept = RESULTS / f"{name}-{stamp}-logs"
                kept.mkdir(parents=True, exist_ok=True)
                for log in workdir.glob("*.log"):
                    shutil.copy(log, kept / log.name)
                results["logs_kept"] = str(kept)
            # stop the services (ExitStack) before printing; Ctrl-C here must not leak them
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return False, failed


def finish(name: str, stamp: str, results: dict, failed: str | None) -> int:
    """Write bench/results/<name>-<stamp>.json (with the failure, if any); the exit code."""
    if failed:
        results["failure"] = failed
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}-{stamp}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"results: {out.relative_to(ROOT)}")
    if failed:
        print(f"FAILED: {failed}\nlogs: {results.get('logs_kept')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
