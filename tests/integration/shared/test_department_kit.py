"""The department consumer kit (examples/department_consumer) against the real broker.

The department queue is declared in the test's own vhost as infra/rabbitmq/definitions.json
declares it: durable, no arguments, bound to `registry.events` by `inquiry.*`, with a `.dlq`
companion and the per-queue dead-letter policy.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pika
import pytest
import requests

from wspolpraca.envelope import CloudEvent
from wspolpraca.secantus import free_port
from wspolpraca.testing.rabbit import queue_depth, queue_messages
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

KIT = Path(__file__).resolve().parents[3] / "examples" / "department_consumer"
DEFINITIONS = Path(__file__).resolve().parents[3] / "infra" / "rabbitmq" / "definitions.json"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"department_kit_{name}", KIT / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kit = _load("consumer")
receiver = _load("webhook_receiver")


def _vhost(amqp_uri: str) -> str:
    return unquote(urlsplit(amqp_uri).path[1:]) or "/"


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60).stdout


@pytest.fixture
def department_queue(amqp_uri) -> str:
    """A department queue declared as definitions.json declares `dept.culture.inquiries`."""
    definitions = json.loads(DEFINITIONS.read_text(encoding="utf-8"))
    model = next(q for q in definitions["queues"] if q["name"] == "dept.culture.inquiries")
    binding = next(b for b in definitions["bindings"]
                   if b["destination"] == "dept.culture.inquiries")
    policy = next(p for p in definitions["policies"]
                  if p["name"] == "dead-letter.dept.culture.inquiries")

    queue = f"dept.kit_{uuid.uuid4().hex[:8]}.inquiries"
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.exchange_declare(binding["source"], exchange_type="topic", durable=True)
    for name in (queue, f"{queue}.dlq"):
        channel.queue_declare(name, durable=model["durable"], auto_delete=model["auto_delete"],
                              arguments=model["arguments"])
    channel.queue_bind(queue, binding["source"], routing_key=binding["routing_key"])
    connection.close()
    definition = dict(policy["definition"], **{"dead-letter-routing-key": f"{queue}.dlq"})
    _rabbitmqctl("set_policy", "-p", _vhost(amqp_uri), "--apply-to", policy["apply-to"],
                 "--priority", str(policy["priority"]), f"dead-letter.{queue}",
                 "^" + queue.replace(".", r"\.") + "$", json.dumps(definition))
    return queue


def publish(amqp_uri: str, event: CloudEvent | bytes, routing_key: str = "inquiry.routed",
            copies: int = 1) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    body = event if isinstance(event, bytes) else json.dumps(event.to_dict()).encode()
    for _ in range(copies):
        channel.basic_publish("registry.events", routing_key, body,
                              pika.BasicProperties(content_type="application/json",
                                                   delivery_mode=2))
    connection.close()


def an_inquiry() -> CloudEvent:
    return CloudEvent(service="registry", routing_key="inquiry.routed", subject="inq-1",
                      data={"id": "inq-1", "department": "culture"})




class Recorder:
    """A handler that records the events it handled, in the kit's SQLite transaction too."""

    def __init__(self, fail: set[str] = frozenset(), later: dict[str, int] | None = None):
        self.handled: list[str] = []
        self.fail = fail
        self.later = dict(later or {})
        self.lock = threading.Lock()

    def __call__(self, event: dict, db: sqlite3.Connection) -> None:
        if event["id"] in self.fail:
            raise RuntimeError("the department's system rejects this event")
        if self.later.get(event["id"], 0) > 0:
            self.later[event["id"]] -= 1
            raise kit.TryLater("the department's system is down")
        db.execute("CREATE TABLE IF NOT EXISTS inquiries (id TEXT, subject TEXT)")
        db.execute("INSERT INTO inquiries VALUES (?, ?)", (event["id"], event["subject"]))
        with self.lock:
            self.handled.append(event["id"])


@pytest.fixture
def run_consumer(amqp_uri, tmp_path):
    running: list[tuple[object, threading.Thread]] = []

    def start(queue: str, handler, **options):
        consumer = kit.DepartmentConsumer(
            amqp_uri, queue, handler, state_path=str(tmp_path / "processed.sqlite3"),
            prefetch=5, initial_backoff=0.2, retry_pause=0.1,
            connection_name=f"kit-test-{uuid.uuid4().hex[:8]}", **options)
        thread = threading.Thread(target=consumer.run, daemon=True)
        thread.start()
        running.append((consumer, thread))
        wait_until(lambda: consumer.connections >= 1)
        return consumer, thread

    yield start
    for consumer, thread in running:
        consumer.stop()
        thread.join(10)


def test_an_event_delivered_twice_is_handled_once(amqp_uri, department_queue, run_consumer,
                                                  tmp_path):
    recorder = Recorder()
    run_consumer(department_queue, recorder)
    event, sentinel = an_inquiry(), an_inquiry()
    publish(amqp_uri, event, copies=2)
    publish(amqp_uri, sentinel)  # handled after both copies: one consumer, in order
    wait_until(lambda: sentinel.id in recorder.handled)
    assert recorder.handled == [event.id, sentinel.id]
    db = sqlite3.connect(tmp_path / "processed.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM inquiries WHERE id = ?", (event.id,)).fetchone() == (1,)
    assert db.execute("SELECT COUNT(*) FROM processed_events").fetchone() == (2,)


def test_the_consumer_survives_a_forced_connection_close(amqp_uri, department_queue,
                                                         run_consumer):
    recorder = Recorder()
    consumer, thread = run_consumer(department_queue, recorder)
    first = an_inquiry()
    publish(amqp_uri, first)
    wait_until(lambda: first.id in recorder.handled)

    listed = _rabbitmqctl("list_connections", "-p", _vhost(amqp_uri), "pid",
                          "client_properties")
    pids = [line.split("\t")[0] for line in listed.splitlines()
            if consumer.connection_name in line]
    assert len(pids) == 1, listed
    _rabbitmqctl("close_connection", pids[0], "test: forced close")

    second = an_inquiry()
    publish(amqp_uri, second)
    wait_until(lambda: second.id in recorder.handled)
    assert consumer.connections >= 2 and thread.is_alive()
    assert recorder.handled == [first.id, second.id]


def test_a_failing_event_goes_to_the_dead_letter_queue(amqp_uri, department_queue,
                                                       run_consumer):
    bad, good = an_inquiry(), an_inquiry()
    recorder = Recorder(fail={bad.id})
    run_consumer(department_queue, recorder)
    publish(amqp_uri, bad)
    publish(amqp_uri, b'{"not": "a cloud event"}')
    publish(amqp_uri, good)
    wait_until(lambda: good.id in recorder.handled)
    parked: list = []
    wait_until(lambda: parked.extend(queue_messages(amqp_uri, f"{department_queue}.dlq"))
               or len(parked) >= 2)
    assert [body.get("id") for body, _ in parked] == [bad.id, None]
    assert all(headers["x-death"][0]["queue"] == department_queue for _, headers in parked)


def test_a_temporary_failure_is_retried_until_it_succeeds(amqp_uri, department_queue,
                                                          run_consumer):
    event = an_inquiry()
    recorder = Recorder(later={event.id: 2})
    run_consumer(department_queue, recorder)
    publish(amqp_uri, event)
    wait_until(lambda: event.id in recorder.handled)
    assert recorder.later[event.id] == 0


def test_stop_is_graceful(amqp_uri, department_queue, run_consumer):
    recorder = Recorder()
    consumer, thread = run_consumer(department_queue, recorder)
    consumer.stop()
    thread.join(10)
    assert not thread.is_alive()
    # Nothing is lost while no consumer runs: the durable queue keeps the event.
    event = an_inquiry()
    publish(amqp_uri, event)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    depth = connection.channel().queue_declare(department_queue, passive=True)
    connection.close()
    assert depth.method.message_count == 1


def test_the_consumer_only_checks_that_the_queue_exists(amqp_uri, tmp_path):
    queue = f"dept.missing_{uuid.uuid4().hex[:6]}.x"
    consumer = kit.DepartmentConsumer(amqp_uri, queue, Recorder(),
                                      state_path=str(tmp_path / "s.sqlite3"),
                                      initial_backoff=0.05, max_backoff=0.1)
    with pytest.raises(kit.QueueMissing) as missing:
        consumer.run()  # at once: no reconnecting for ever
    assert str(missing.value) == (f"queue {queue} does not exist: ask the platform's "
                                  "operators, or use --declare on a local broker")
    assert consumer.connections == 0, "a missing queue must not be created by the consumer"


def run_kit(amqp_uri: str, *args: str, **options) -> subprocess.Popen:
    """`python consumer.py ...` as a department runs it."""
    return subprocess.Popen([sys.executable, str(KIT / "consumer.py"), *args],
                            env={**os.environ, "AMQP_URI": amqp_uri}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)


def test_the_kit_exits_at_once_on_a_missing_queue_and_is_quiet(amqp_uri, tmp_path):
    queue = f"dept.missing_{uuid.uuid4().hex[:6]}.inquiries"
    for verbose in ((), ("-v",)):
        kit_run = run_kit(amqp_uri, queue, "--state", str(tmp_path / "s.sqlite3"), *verbose)
        out, err = kit_run.communicate(timeout=60)
        assert kit_run.returncode == 2, (out, err)
        assert (f"queue {queue} does not exist: ask the platform's operators, or use "
                "--declare on a local broker") in err
        assert "reconnecting" not in err
        # pika's own INFO lines only with -v
        assert ("Pika version" in err) == bool(verbose), err


def test_with_department_only_its_events_are_handled_and_the_rest_skipped(
        amqp_uri, department_queue, run_consumer):
    recorder = Recorder()
    consumer, thread = run_consumer(department_queue, recorder, department="culture")
    sport = CloudEvent(service="registry", routing_key="inquiry.routed", subject="inq-2",
                       data={"id": "inq-2", "department": "sport"})
    culture = an_inquiry()
    publish(amqp_uri, sport)
    publish(amqp_uri, b"not json")
    publish(amqp_uri, culture)
    wait_until(lambda: culture.id in recorder.handled)
    assert recorder.handled == [culture.id]
    assert consumer.counts == {"handled": 1, "duplicates": 0, "skipped": 1, "dead-lettered": 1}
    assert consumer.summary().endswith(
        "1 handled, 1 skipped (other departments), 1 dead-lettered, "
        "0 duplicates acknowledged again")
    consumer.stop()
    thread.join(10)
    assert queue_depth(amqp_uri, department_queue) == 0  # the skipped one was acknowledged


def test_with_department_the_kit_keeps_what_the_departments_webhook_would_receive(tmp_path):
    """Issue 23: `--department` and a department's own subscription (`for_department`) mean
    the same "what concerns my department", for every type of the catalogue: its inquiries and
    bookings, the competitions it runs and the liaison office's own, and city-wide events (an
    organisation's, a consultation's), which a department's organisations queue would
    otherwise skip whole."""
    from notifications import audience
    from notifications.carriers import catalogue_types
    from notifications.personal_data import CATALOGUE

    class NoProjection:
        def department_of(self, competition_id: str) -> None:
            return None

        def committee(self, competition_id: str) -> list[str]:
            return []

    sport = audience.Reader(user=None, roles=frozenset({"department"}), department="sport",
                            for_department=True)
    consumer = kit.DepartmentConsumer("amqp://guest:guest@127.0.0.1:5672/", "dept.sport.any",
                                      lambda event, db: None,
                                      state_path=str(tmp_path / "s.sqlite3"), department="sport")
    types = [t for t in catalogue_types(CATALOGUE.read_text(encoding="utf-8"))
             if audience.RULES[t].deliverable]
    disagree = []
    for event_type in types:
        for data in ({"department": "sport"}, {"department": "culture"},
                     {"department": "liaison_office"}, {"department": None}, {}):
            webhook = audience.may_receive(sport, event_type, data, NoProjection()) is not None
            if consumer.concerns_us({"type": event_type, "data": data}) != webhook:
                disagree.append((event_type, data, webhook))
    assert not disagree
    assert consumer.concerns_us({"type": "registry.organization.registered",
                                 "data": {"id": "o"}})
    assert not consumer.concerns_us({"type": "registry.booking.requested",
                                     "data": {"department": "culture"}})


def test_the_kit_prints_a_summary_when_stopped(amqp_uri, department_queue, tmp_path):
    state = tmp_path / "processed.sqlite3"
    kit_run = run_kit(amqp_uri, department_queue, "--state", str(state),
                      "--department", "culture")
    try:
        publish(amqp_uri, CloudEvent(service="registry", routing_key="inquiry.routed",
                                     subject="inq-2", data={"department": "sport"}))
        culture = an_inquiry()
        publish(amqp_uri, culture)

        def handled() -> bool:  # the skipped one came first: one consumer, in order
            try:
                with sqlite3.connect(state) as db:
                    return db.execute("SELECT COUNT(*) FROM processed_events WHERE event_id = ?",
                                      (culture.id,)).fetchone() == (1,)
            except sqlite3.OperationalError:  # the kit has not created its table yet
                return False
        wait_until(handled)
    finally:
        kit_run.send_signal(signal.SIGINT)
        out, err = kit_run.communicate(timeout=60)
    assert kit_run.returncode == 0, err
    lines = [line for line in err.splitlines() if "stopped:" in line]
    assert len(lines) == 1 and "1 handled, 1 skipped (other departments), 0 dead-lettered" \
        in lines[0], err


# --- webhook signatures -------------------------------------------------------------------------

SECRET = "s3cr3t-shown-once"
BODY = json.dumps(an_inquiry().to_dict()).encode()


NOW = 1_767_225_600  # a delivery's time of sending in these tests


def signed(secret: str = SECRET, body: bytes = BODY, at: int = NOW) -> dict[str, str]:
    """The headers the platform sends (notifications.channels.signature_headers)."""
    from notifications.channels import signature_headers

    return signature_headers(secret, body, now=at)


def test_a_correct_signature_is_accepted() -> None:
    header = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    headers = signed()
    assert headers["X-Wspolpraca-Signature"] == header
    stamped = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers["X-Wspolpraca-Signature-Timestamped"] == "sha256=" + stamped
    assert headers["X-Wspolpraca-Timestamp"] == str(NOW)
    assert receiver.verify(SECRET, BODY, headers, now=NOW) is None
    # a delivery from a platform before the timestamp, only when asked for
    assert receiver.verify(SECRET, BODY, {"X-Wspolpraca-Signature": header},
                           require_timestamp=False) is None
    assert receiver.verify(SECRET, BODY, {"X-Wspolpraca-Signature": header}) == (
        "missing timestamp")


@pytest.mark.parametrize("header", [
    None,
    "",
    "sha256=" + "0" * 64,
    "sha1=abc",
    "sha256=" + "a" * 10,
])
def test_a_wrong_or_missing_signature_is_refused(header) -> None:
    headers = signed()
    del headers["X-Wspolpraca-Signature"]
    if header is not None:
        headers["X-Wspolpraca-Signature"] = header
    assert receiver.verify(SECRET, BODY, headers, now=NOW) == "bad signature"


def test_a_signature_of_another_body_or_secret_is_refused() -> None:
    headers = signed()
    assert receiver.verify(SECRET, BODY + b" ", headers, now=NOW)
    assert receiver.verify("other-secret", BODY, headers, now=NOW)


def test_a_replayed_old_delivery_is_refused_even_with_a_fresh_timestamp() -> None:
    headers = {k.lower(): v for k, v in signed(at=1000).items()}   # header names any case
    assert receiver.verify(SECRET, BODY, headers, now=1000 + 299) is None
    assert receiver.verify(SECRET, BODY, headers, now=1000 - 299) is None
    assert receiver.verify(SECRET, BODY, headers, now=1000 + 301) == "stale delivery"
    # the attacker refreshes the timestamp: the timestamped signature no longer matches
    replayed = {**headers, "x-wspolpraca-timestamp": str(1000 + 301)}
    assert receiver.verify(SECRET, BODY, replayed, now=1000 + 301) == (
        "bad timestamped signature")
    # or drops the timestamped signature
    stripped = {k: v for k, v in replayed.items() if k != "x-wspolpraca-signature-timestamped"}
    assert receiver.verify(SECRET, BODY, stripped, now=1000 + 301) == (
        "bad timestamped signature")
    assert receiver.verify(SECRET, BODY, {**headers, "x-wspolpraca-timestamp": "yesterday"},
                           now=1000) == "bad timestamp"


def test_the_receiver_answers_204_to_a_signed_delivery_and_401_otherwise() -> None:
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), receiver.make_handler(SECRET))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        good = requests.post(url, data=BODY, timeout=10, headers=signed(at=int(time.time())))
        assert good.status_code == 204
        bad = requests.post(url, data=BODY, timeout=10,
                            headers=signed("wrong", at=int(time.time())))
        assert bad.status_code == 401
        replay = requests.post(url, data=BODY, timeout=10,
                               headers=signed(at=int(time.time()) - 3600))
        assert replay.status_code == 401 and replay.text == "stale delivery"
    finally:
        server.shutdown()
        server.server_close()


def test_a_dead_letter_is_replayed_with_the_operators_tool(amqp_uri, department_queue,
                                                          run_consumer):
    from wspolpraca.dlq import parked, replay

    event = an_inquiry()
    recorder = Recorder(fail={event.id})
    run_consumer(department_queue, recorder)
    publish(amqp_uri, event)
    wait_until(lambda: [m["message_id"] for m in parked(amqp_uri, department_queue)] != [])
    recorder.fail = set()  # the department fixed its system
    assert replay(amqp_uri, department_queue) == 1
    wait_until(lambda: event.id in recorder.handled)
    assert parked(amqp_uri, department_queue) == []
