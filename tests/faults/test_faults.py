"""Fault injection: a stream of commands while every service is SIGKILLed and restarted,
RabbitMQ is restarted and the database is restarted; then nothing accepted is lost and
nothing is doubled.

The five services run as real processes on a RabbitMQ node and a SecantusDB server of this
test's own. The driver is a careful client: a command whose outcome it does not know (the
connection reset, a 5xx while a server restarts) is retried only after it has checked that
the command did not land (by its natural key: the NIP, the offer's title, the comment's
text), so a retry cannot double it. It counts as accepted what got a 2xx, plus what it found
had landed although the answer was lost ("recovered").

Then it counts: the state of every accepted command is stored; every event of those commands
reached every consumer once (its `processed_events` record, the reporting event log, the
organisation projections); the reporting figures equal the commands accepted.
"""

from __future__ import annotations

import json
import os
import queue
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from pymongo import MongoClient

from wspolpraca.auth import mint_token
from wspolpraca.secantus import SecantusServer
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.waiting import wait_until

from .harness import SERVICES, City, RabbitNode, Tap

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("WSPOLPRACA_FAULTS"),
                       reason="about 3 minutes of faults: `make faults` runs it"),
]

WARSAW = ZoneInfo("Europe/Warsaw")
REGISTRATIONS, OFFERS, COMMENTS = 200, 150, 150
SEED_ORGANIZATIONS = 10
CLIENTS = 6
OFFICER = mint_token("faults-officer", ["officer"])
# (type of the command's event, the services that consume it)
CONSUMERS = {
    "registry.organization.registered": ("grants", "consultations", "notifications",
                                         "reporting"),
    "grants.offer.submitted": ("reporting",),
    "consultations.consultation.comment_submitted": ("reporting",),
}


@pytest.fixture(scope="module")
def rabbit_node():
    node = RabbitNode().start()
    yield node
    node.destroy()


@pytest.fixture
def secantus(tmp_path):
    server = SecantusServer(tmp_path / "db", log_path=tmp_path / "secantus.log").start()
    yield server
    server.stop()


@pytest.fixture
def city(secantus, rabbit_node, tmp_path):
    tap = Tap(rabbit_node.uri)
    running = City(secantus.uri, rabbit_node.uri, tmp_path)
    running.tap = tap
    try:
        running.start()
        wait_until(lambda: consuming(rabbit_node), timeout=60, interval=0.5,
                   what="every event handler's queue consumed")
        yield running
    finally:
        running.stop()


_last_state: dict = {}


def consuming(node: RabbitNode) -> bool:
    """Every handler's queue has its consumer, and no new queue appeared since last time."""
    queues = {name: v for name, v in node.queues().items()
              if name.startswith("evt-") and ".retry." not in name and not name.endswith(".dlq")}
    state = (len(queues), all(consumers > 0 for _, consumers in queues.values()))
    stable = state == _last_state.get("state") and state[1] and state[0] > 0
    _last_state["state"] = state
    return stable


# --- commands --------------------------------------------------------------------------------

class Rejected(Exception):
    pass


@dataclass
class Command:
    kind: str
    service: str
    path: str
    body: dict
    token: str | None
    key: dict                     # the natural key: (collection, query) that finds it stored
    collection: str
    outcome: str = ""             # accepted | recovered | rejected
    attempts: int = 0
    unknown: int = 0
    id: str | None = None
    idempotency_key: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class Tally:
    done: int = 0
    started: int = 0
    released: int = 0   # how many commands the clients may start (the faults pace them)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rejected: list = field(default_factory=list)


class Driver:
    def __init__(self, city: City, client: MongoClient) -> None:
        self.city = city
        self.client = client
        self.http = threading.local()
        self.tally = Tally()

    def session(self) -> requests.Session:
        if not hasattr(self.http, "session"):
            self.http.session = requests.Session()
        return self.http.session

    def db(self, service: str):
        return self.client[self.city.databases[service]]

    def landed(self, command: Command) -> bool | None:
        """Is the command's state stored? None while the database does not answer."""
        try:
            found = self.db(command.service)[command.collection].find_one(command.key,
                                                                           {"_id": 1})
        except Exception:  # noqa: BLE001 - the database is restarting
            return None
        if found is not None:
            command.id = found["_id"]
        return found is not None

    def post(self, command: Command) -> requests.Response:
        # the same key on every attempt: a request still running when its client gave up
        # cannot commit beside the retry (wspolpraca.idempotency)
        headers = {"Idempotency-Key": command.idempotency_key}
        if command.token:
            headers["Authorization"] = f"Bearer {command.token}"
        return self.session().post(self.city.services[command.service].base + command.path,
                                   json=command.body, headers=headers, timeout=60)

    def run(self, command: Command) -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            command.attempts += 1
            try:
                response = self.post(command)
            except requests.RequestException:
                response = None  # reset, refused, timed out: the outcome is unknown
            if response is not None and response.status_code < 300:
                command.outcome, command.id = "accepted", response.json()["id"]
                return
            if response is not None and response.status_code < 500 and not (
                    command.kind == "registration" and response.status_code == 409) and not (
                    response.status_code == 409 and response.json().get("error", {}).get(
                        "code") in ("request_in_progress", "request_already_done")):
                command.outcome = "rejected"
                raise Rejected(f"{command.kind} -> {response.status_code}: "
                               f"{response.text[:500]}")
            # unknown (a 409 "NIP taken", or "the same request runs"): did an earlier one land?
            command.unknown += 1
            while (landed := self.landed(command)) is None:
                time.sleep(0.3)
            if landed:
                command.outcome = "recovered"
                return
            time.sleep(0.3)
        raise AssertionError(f"{command.kind} did not go through in 240 s")

    def worker(self, commands: queue.Queue) -> None:
        while True:
            while self.tally.started >= self.tally.released and not commands.empty():
                time.sleep(0.02)
            try:
                command = commands.get_nowait()
            except queue.Empty:
                return
            with self.tally.lock:
                self.tally.started += 1
            try:
                self.run(command)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                with self.tally.lock:
                    self.tally.rejected.append(f"{exc}")
            with self.tally.lock:
                self.tally.done += 1


def seed(city: City, year: int, salt: str) -> dict:
    """Before the faults: a programme, an announced competition, an open consultation and a
    few verified organisations that submit the offers."""
    def post(service, path, body=None, token=OFFICER, expect=201):
        response = requests.post(city.services[service].base + path, json=body,
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert response.status_code == expect, f"{path}: {response.status_code} {response.text}"
        return response.json()

    programme = post("grants", "/api/v1/programmes", {
        "year": year, "title": f"Program współpracy na {year} rok",
        "funds": [{"area": "culture", "amount": "100000000.00"}]})
    post("grants", f"/api/v1/programmes/{programme['id']}/adopt", expect=200)
    deadline_day = datetime.now(WARSAW).date() + timedelta(days=25)
    competition = post("grants", "/api/v1/competitions", {
        "title": "Festiwale osiedlowe", "area": "culture", "mode": "supporting",
        "budget": "50000000.00", "submission_deadline": datetime(
            deadline_day.year, deadline_day.month, deadline_day.day, 12,
            tzinfo=WARSAW).isoformat(),
        "task_start": f"{year}-03-01", "task_end": f"{year}-10-31",
        "min_own_contribution_pct": "10", "criteria": [{"name": "Jakość", "max_points": 10}]})
    post("grants", f"/api/v1/competitions/{competition['id']}/announce", expect=200)
    now = datetime.now(UTC).replace(microsecond=0)
    consultation = post("consultations", "/api/v1/consultations", {
        "title": "Projekt uchwały o budżecie obywatelskim", "subject": "Budżet obywatelski",
        "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=14)).isoformat(),
        "residents_may_comment": True})
    orgs = []
    for n in range(SEED_ORGANIZATIONS):
        org = post("registry", "/api/v1/organizations", {
            "name": f"Fundacja Zasiewu nr {n}", "legal_form": "foundation",
            "nip": fresh_nip(), "areas": ["culture"],
            "email": f"biuro{n}@zasiew.example.pl"}, token=mint_token("seed", ["ngo"]))
        post("registry", f"/api/v1/organizations/{org['id']}/verify", expect=200)
        orgs.append(org["id"])
    grants_db = MongoClient(city_mongo_uri(city), tz_aware=True)[city.databases["grants"]]
    wait_until(lambda: grants_db["organizations"].count_documents(
        {"_id": {"$in": orgs}, "status": "verified"}) == len(orgs), timeout=60,
        what="the seed organisations verified in grants' projection")
    return {"competition": competition["id"], "consultation": consultation["id"], "orgs": orgs}


def city_mongo_uri(city: City) -> str:
    uri = city.services["registry"].env["MONGO_URI_REGISTRY"]
    return uri.replace(f"/{city.databases['registry']}?", "/?")


def commands(seeded: dict, year: int, salt: str) -> list[Command]:
    made: list[Command] = []
    for n in range(REGISTRATIONS):
        number = fresh_nip()
        made.append(Command(
            "registration", "registry", "/api/v1/organizations",
            {"name": f"Stowarzyszenie Próbne nr {n}", "legal_form": "association",
             "nip": number, "areas": ["culture"], "email": f"biuro{n}@proba.example.pl"},
            mint_token(f"ngo-{n}", ["ngo"]), {"nip": number}, "organizations"))
    for n in range(OFFERS):
        org = seeded["orgs"][n % len(seeded["orgs"])]
        title = f"Festiwal próbny {salt} nr {n}"
        made.append(Command(
            "offer", "grants", f"/api/v1/competitions/{seeded['competition']}/offers",
            {"organization_id": org, "title": title, "requested_amount": "1000.00",
             "own_contribution": {"financial": "200.00", "non_financial": "0.00"},
             "total_cost": "1200.00", "task_start": f"{year}-03-01",
             "task_end": f"{year}-10-31", "cost_items": [{"name": "Scena", "amount": "1200.00"}]},
            mint_token(f"seed-{org}", ["ngo"], org_id=org), {"title": title}, "offers"))
    for n in range(COMMENTS):
        text = f"Uwaga mieszkańca {salt} nr {n}"
        made.append(Command(
            "comment", "consultations", f"/api/v1/consultations/{seeded['consultation']}/comments",
            {"author": f"Mieszkaniec {n}", "text": text}, None, {"text": text}, "comments"))
    random.Random(salt).shuffle(made)
    return made


# --- faults ----------------------------------------------------------------------------------

class Duplicates:
    """Duplicates the consumers suppressed, from their metrics: scraped while they run and
    summed over each process's life (a restarted process starts its counters at zero)."""

    def __init__(self, city: City) -> None:
        self.city = city
        self.banked: Counter = Counter()
        self.current: Counter = Counter()
        self.stopped = threading.Event()

    def scrape(self) -> None:
        for service in SERVICES:
            value = self.city.services[service].metric("wspolpraca_events_consumed_total",
                                                       outcome="duplicate")
            if value < 0:
                continue
            if value < self.current[service]:
                self.banked[service] += self.current[service]
            self.current[service] = value

    def run(self) -> None:
        while not self.stopped.is_set():
            self.scrape()
            self.stopped.wait(0.3)

    def total(self) -> int:
        self.scrape()
        return int(sum(self.banked.values()) + sum(self.current.values()))


def inject_faults(city: City, node: RabbitNode, db: SecantusServer, tally: Tally,
                  total: int, log: list[str]) -> None:
    """Each fault strikes while commands are in flight: the stream is released in slices,
    and the next slice goes out as the fault strikes, so it runs through the recovery."""
    def kill_and_restart(service: str) -> None:
        city.services[service].kill()
        city.services[service].start()
        city.services[service].wait_ready(120)

    def restart_broker() -> None:
        node.restart()
        for process in city.services.values():
            process.wait_ready(120)

    def restart_database() -> None:
        db.stop()
        db.start()
        for process in city.services.values():
            process.wait_ready(120)

    faults = [(f"SIGKILL {s}", lambda s=s: kill_and_restart(s)) for s in SERVICES]
    faults += [("RabbitMQ restart", restart_broker), ("SecantusDB restart", restart_database)]
    slice_size = total // (len(faults) + 1)
    tally.released = slice_size
    for name, fault in faults:
        # strike before the slice is through: a few commands are still in flight
        wait_until(lambda: tally.done >= tally.released - 4, timeout=300, interval=0.02)
        log.append(f"{name} at {tally.done} done, {tally.started - tally.done} in flight")
        print(f"{time.strftime('%H:%M:%S')} {log[-1]}", flush=True)
        tally.released = min(total, tally.released + slice_size)
        fault()
    tally.released = total
    log.append(f"faults over at {tally.done}")


# --- the test --------------------------------------------------------------------------------

def test_no_accepted_command_is_lost_or_doubled_under_faults(city, rabbit_node, secantus):
    client = MongoClient(secantus.uri, tz_aware=True, serverSelectionTimeoutMS=3000)
    salt = f"{time.time_ns()}"
    year = datetime.now(WARSAW).year + 1
    seeded = seed(city, year, salt)
    stream = commands(seeded, year, salt)
    driver = Driver(city, client)
    pending: queue.Queue = queue.Queue()
    for command in stream:
        pending.put(command)
    duplicates = Duplicates(city)
    scraper = threading.Thread(target=duplicates.run, daemon=True)
    scraper.start()
    faults_log: list[str] = []
    fault_errors: list[BaseException] = []

    def faults():
        try:
            inject_faults(city, rabbit_node, secantus, driver.tally, len(stream), faults_log)
        except BaseException as exc:  # noqa: BLE001 - reported below
            fault_errors.append(exc)
        finally:
            driver.tally.released = len(stream)  # never leave the clients waiting

    injector = threading.Thread(target=faults, daemon=True)
    clients = [threading.Thread(target=driver.worker, args=(pending,), daemon=True)
               for _ in range(CLIENTS)]
    injector.start()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(600)
    injector.join(300)
    print(f"{time.strftime('%H:%M:%S')} stream done: {driver.tally.done}", flush=True)
    assert not fault_errors, fault_errors
    assert not driver.tally.rejected, driver.tally.rejected[:5]

    accepted = [c for c in stream if c.outcome in ("accepted", "recovered")]
    assert len(accepted) == len(stream)
    by_kind = Counter(c.kind for c in accepted)

    # every accepted command's state is stored, once
    def db(service):
        return client[city.databases[service]]

    stored = Counter()
    for command in accepted:
        count = db(command.service)[command.collection].count_documents(command.key)
        assert count == 1, f"{command.kind} {command.key} stored {count} times"
        stored[command.kind] += 1

    # every event of those commands was published and reached each of its consumers
    ids_of = {"registration": ("registry", "organization.registered"),
              "offer": ("grants", "offer.submitted"),
              "comment": ("consultations", "consultation.comment_submitted")}
    events: dict[str, str] = {}   # event id -> type
    for kind, (service, routing_key) in ids_of.items():
        subjects = [c.id for c in accepted if c.kind == kind]
        if kind == "comment":
            # a comment's event has the consultation as its subject; its data names the comment
            query = {"routing_key": routing_key, "body.data.id": {"$in": subjects}}
        else:
            query = {"routing_key": routing_key, "body.subject": {"$in": subjects}}
        found = list(db(service)["outbox"].find(query, {"type": 1}))
        assert len(found) == len(subjects), f"{kind}: {len(found)} events for {len(subjects)}"
        events.update({r["_id"]: r["type"] for r in found})

    def all_published() -> bool:
        return all(db(s)["outbox"].count_documents({"status": "pending"}) == 0
                   for s in SERVICES)

    wait_until(all_published, timeout=120, what="every outbox published")
    print(f"{time.strftime('%H:%M:%S')} every outbox published", flush=True)

    def processed(service: str) -> Counter:
        seen: Counter = Counter()
        for record in db(service)["processed_events"].find({}, {"_id": 1}):
            seen[record["_id"].rsplit(":", 1)[1]] += 1
        return seen

    expected_deliveries = sum(len(CONSUMERS[t]) for t in events.values())

    def delivered() -> int:
        seen = {s: processed(s) for s in {s for v in CONSUMERS.values() for s in v}}
        return sum(1 for event_id, event_type in events.items()
                   for s in CONSUMERS[event_type] if seen[s][event_id] >= 1)

    try:
        wait_until(lambda: delivered() == expected_deliveries, timeout=180, interval=1.0,
                   what="every event at every consumer")
    finally:
        dlqs = {q: m for q, (m, _) in rabbit_node.queues().items()
                if q.endswith(".dlq") and m}
    assert not dlqs, f"events parked: {dlqs}"
    seen = {s: processed(s) for s in ("grants", "consultations", "notifications", "reporting")}
    for event_id, event_type in events.items():
        for service in CONSUMERS[event_type]:
            assert seen[service][event_id] == 1, (service, event_type, event_id)

    # each effect once: the reporting event log, the organisation projections
    reporting = db("reporting")
    assert reporting["events"].count_documents({"_id": {"$in": list(events)}}) == len(events)
    org_ids = [c.id for c in accepted if c.kind == "registration"] + seeded["orgs"]
    for service in ("grants", "consultations", "notifications"):
        assert db(service)["organizations"].count_documents(
            {"_id": {"$in": org_ids}}) == len(org_ids), service

    # the reporting figures equal the commands accepted
    this_year = datetime.now(UTC).year

    def summary(y: int) -> dict:
        response = requests.get(city.services["reporting"].base + "/api/v1/stats/summary",
                                params={"year": y}, timeout=30)
        return response.json()

    now_figures, next_figures = summary(this_year), summary(year)
    assert now_figures["organizations"]["registered"] == by_kind["registration"] + \
        SEED_ORGANIZATIONS, now_figures["organizations"]
    assert now_figures["consultations"]["comments"] == by_kind["comment"], \
        now_figures["consultations"]
    assert next_figures["offers"]["submitted"] == by_kind["offer"], next_figures["offers"]
    assert next_figures["money"]["requested"] == f"{1000 * by_kind['offer']:.2f}"

    copies = Counter(city.tap.drain())
    figures = {
        "commands": len(stream),
        "accepted": len(accepted),
        "accepted_2xx": sum(1 for c in accepted if c.outcome == "accepted"),
        "recovered_after_lost_answer": sum(1 for c in accepted if c.outcome == "recovered"),
        "retried_unknown_outcomes": sum(c.unknown for c in stream),
        "by_kind": dict(by_kind),
        "stored": sum(stored.values()),
        "events": len(events),
        "deliveries_expected": expected_deliveries,
        "delivered": delivered(),
        "published_copies": sum(copies[i] for i in events),
        "republished_duplicates": sum(copies[i] - 1 for i in events if copies[i] > 1),
        "duplicates_suppressed": duplicates.total(),
        "reporting": {"registered": now_figures["organizations"]["registered"],
                      "offers_submitted": next_figures["offers"]["submitted"],
                      "comments": now_figures["consultations"]["comments"]},
        "lost": expected_deliveries - delivered() + len(accepted) - sum(stored.values()),
        "faults": faults_log,
    }
    duplicates.stopped.set()
    print("\nFAULTS " + json.dumps(figures, ensure_ascii=False, indent=1))
    assert figures["lost"] == 0
    assert figures["published_copies"] >= len(events)
