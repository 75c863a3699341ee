"""A city's year end to end: the five services as real processes (`python -m
wspolpraca.runner <service>`) on the test session's SecantusDB (a database per service) and
RabbitMQ vhost, driven only through HTTP and AMQP, as a department's system would.

Steps that wait for a date are not waited for: as `TIME_TRAVEL=1 make demo` does, the test
moves its own records' deadlines a second into the past in its own database (the competition's
deadline for offers, the small grant's comment period) and goes on. The competition is then
closed by the grants service's timer (shortened to half a second here), the committee declares
no conflict of interest and scores, the results are confirmed, the contract is signed, the task
report submitted and accepted and the contract settled; the small grant is awarded.
Notifications go to a real SMTP server (aiosmtpd, its own process) and a local webhook
receiver; the department queues are declared and bound as the local run does it, from
infra/rabbitmq/definitions.json (wspolpraca.topology).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import io
import json
import mailbox
import os
import re
import socket
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from pymongo import MongoClient
from pypdf import PdfReader

from wspolpraca import polish, topology
from wspolpraca.auth import mint_token
from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.polish import as_spaces
from wspolpraca.secantus import free_port
from wspolpraca.testing.identifiers import nip_for
from wspolpraca.testing.processes import stop_process, stop_processes
from wspolpraca.testing.rabbit import Vhost, queue_messages
from wspolpraca.testing.waiting import wait_until

LINK_SECRET = "e2e-link-secret-3f9c1b7a"
SMTP_PASSWORD = "e2e-smtp-password-8d2e4c6f"
PHONE = "+48 601 234 567"

pytestmark = pytest.mark.integration

SERVICES = ("registry", "grants", "consultations", "notifications", "reporting")
WARSAW = ZoneInfo("Europe/Warsaw")


# --- the outside world: a webhook receiver, an SMTP server, a department's queues ------------

class _Record(BaseHTTPRequestHandler):
    """Keeps every POST (path, headers, body) on its server's `Receiver`, answers 200."""

    server: _RecordingServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.receiver.keep(self.path, dict(self.headers), self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


class Receiver:
    """A department's webhook endpoint: what was delivered to it, in order."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = _RecordingServer(("127.0.0.1", free_port()), _Record)
        self.server.receiver = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keep(self, path: str, headers: dict, body: bytes) -> None:
        with self.lock:
            self.requests.append({"path": path, "headers": headers, "body": body})

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.requests)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpServer:
    """aiosmtpd in its own process, writing what arrives to a maildir."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, timeout=15)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.3) as sock:
                return sock.recv(3) == b"220"
        except OSError:
            return False

    def messages(self) -> list[email.message.EmailMessage]:
        if not (self.directory / "new").exists():
            return []
        box = mailbox.Maildir(str(self.directory), create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
                for key in box.keys()]

    def stop(self) -> None:
        stop_process(self.process)


def drain(amqp_uri: str, queue: str) -> list[dict]:
    return [body for body, _ in queue_messages(amqp_uri, queue)]


# --- the city: five processes ----------------------------------------------------------------

class Api:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None = None, body=None,
             expect: int | tuple[int, ...] = 200, retry_422: bool = False,
             **params) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        def answer() -> requests.Response:
            return self.http.request(method, self.base + path, headers=headers, json=body,
                                     params=params, timeout=30)

        response = answer()
        if retry_422 and response.status_code == 422:
            # another service's events take a moment to arrive (organisations projected)
            try:
                [response] = wait_until(
                    lambda: [again] if (again := answer()).status_code != 422 else [],
                    timeout=20, interval=0.25)
            except AssertionError:
                pass  # still 422: the assertion below says so, with the answer
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert response.status_code in expected, \
            f"{method} {path} -> {response.status_code}: {response.text[:1000]}"
        return response.json() if "json" in response.headers.get("Content-Type", "") else {}

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token, **kw)

    def post(self, path, token=None, body=None, expect=201, **kw):
        return self.call("POST", path, token, body, expect=expect, **kw)


class City:
    def __init__(self, mongo_uri: str, amqp_uri: str, workdir: Path) -> None:
        self.amqp_uri = amqp_uri
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: list = []
        self.ports = {service: free_port() for service in SERVICES}
        self.receiver = Receiver()
        self.smtp = SmtpServer(workdir / "maildir")
        suffix = uuid.uuid4().hex[:8]
        self.env = {**os.environ, "AMQP_URI": amqp_uri, "WSPOLPRACA_TIMERS": "off",
                    "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET,
                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp.port),
                    "NOTIFICATIONS_POLL_SECONDS": "0.1", "EMAIL_RETRY_SECONDS": "0.5",
                    "WEBHOOK_RETRY_BASE_SECONDS": "0.1", "WEBHOOK_RETRY_CAP_SECONDS": "0.5",
                    "WSPOLPRACA_PUBLIC_URL": "https://wspolpraca.test",
                    # secrets the logs must never show (the SMTP server asks for no login)
                    "NOTIFICATIONS_LINK_SECRET": LINK_SECRET, "SMTP_PASSWORD": SMTP_PASSWORD}
        # only grants runs its timers (closing competitions past their deadline), quickly
        self.service_env = {"grants": {"WSPOLPRACA_TIMERS": "on",
                                       "GRANTS_COMPETITION_CHECK_SECONDS": "0.5"}}
        self.env.pop("MONGO_URI", None)
        for service in SERVICES:
            self.env[f"MONGO_URI_{service.upper()}"] = mongo_uri.replace(
                "/?", f"/e2e_{service}_{suffix}?")
            self.env[f"WSPOLPRACA_HTTP_PORT_{service.upper()}"] = str(self.ports[service])
        self.api = {service: Api(port) for service, port in self.ports.items()}

    def start(self) -> City:
        for service in SERVICES:
            log = open(self.workdir / f"{service}.log", "wb")
            self.logs.append(log)
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "wspolpraca.runner", service],
                env={**self.env, **self.service_env.get(service, {})},
                stdout=log, stderr=subprocess.STDOUT)
        for service in SERVICES:
            wait_until(lambda s=service: self._ready(s), timeout=60)
        wait_until(self._consuming, timeout=30, interval=0.5)
        return self

    def _consuming(self) -> bool:
        """Every event handler's queue is consumed, and no new one appeared for a while:
        /health/ready answers before nameko has bound them all (see the report), and an event
        published to an exchange before its queue is bound is lost."""
        vhost = unquote(urlsplit(self.amqp_uri).path.lstrip("/"))
        listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name",
                                  "consumers"], capture_output=True, text=True, timeout=60)
        queues = [line.split("\t") for line in listing.stdout.splitlines()
                  if line.startswith("evt-") and ".retry." not in line
                  and ".dlq" not in line.split("\t")[0]]
        state = (len(queues), all(q[1] != "0" for q in queues))
        stable = state == getattr(self, "_last_state", None) and state[1] and state[0] > 0
        self._last_state = state
        return stable

    def _ready(self, service: str) -> bool:
        if self.processes[service].poll() is not None:
            raise AssertionError(f"{service} exited: {self.log(service)[-3000:]}")
        try:
            return requests.get(f"{self.api[service].base}/health/ready", timeout=2).ok
        except requests.ConnectionError:
            return False

    def move_into_the_past(self, service: str, collection: str, record_id: str,
                           field: str) -> None:
        """Time travel in this test's own database: `field` of one record a second ago."""
        uri = self.env[f"MONGO_URI_{service.upper()}"]
        with MongoClient(uri) as client:
            database = client.get_default_database()
            result = database[collection].update_one(
                {"_id": record_id},
                {"$set": {field: datetime.now(UTC) - timedelta(seconds=1)}})
        assert result.matched_count == 1, f"{collection} {record_id} not found"

    def log(self, service: str) -> str:
        return (self.workdir / f"{service}.log").read_text(errors="replace")

    def stop(self) -> dict[str, int]:
        """SIGTERM to all, then each gets 20 s before it is killed; the exit codes."""
        stop_processes(self.processes.values())
        for log in self.logs:
            log.close()
        self.logs = []
        if self.smtp.process.poll() is None:
            self.smtp.stop()
            self.receiver.stop()
        return {service: process.returncode for service, process in self.processes.items()}


@pytest.fixture(scope="module")
def city_vhost():
    """A vhost of the city's own: the durable queues its services declare would otherwise
    keep collecting the other tests' events after the city stops."""
    vhost = Vhost("wspolpraca-e2e").create()
    yield vhost.uri
    vhost.delete()


@pytest.fixture(scope="module")
def city(mongo_uri, city_vhost, tmp_path_factory):
    _, problem = topology.apply(city_vhost)  # what `make run` does on the local broker
    assert problem is None, problem
    running = City(mongo_uri, city_vhost, tmp_path_factory.mktemp("city"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def year_done(city):
    """Walks the year once; the tests below check what it left behind."""
    done = walk_the_year(city)
    after_the_deadlines(city, done)
    return done


# --- the year --------------------------------------------------------------------------------

def walk_the_year(city: City) -> dict:
    registry, grants = city.api["registry"], city.api["grants"]
    consultations, notifications = city.api["consultations"], city.api["notifications"]
    officer = mint_token("e2e-officer", ["officer"])
    culture_dept = mint_token("e2e-culture", ["department"], department="culture")
    year = datetime.now(WARSAW).year + 1
    done: dict = {"year": year}

    # the culture department's system subscribes to a signed webhook
    webhook = notifications.post("/api/v1/subscriptions", culture_dept, {
        "channel": "webhook", "target": city.receiver.url + "/culture",
        "event_types": ["registry.inquiry.routed"], "for_department": True})
    done["webhook_secret"] = webhook["secret"]

    registry.post("/api/v1/departments", officer, {
        "code": "culture", "name": "Wydział Kultury", "areas": ["culture"],
        "contact_person": "Michał Wiśniewski", "email": "kultura@um.example.pl"})

    # registration -> verification
    orgs = []
    for n in range(6):
        areas = ["culture"] if n < 5 else ["seniors", "culture"]
        org = registry.post("/api/v1/organizations", mint_token(f"e2e-ngo-{n}", ["ngo"]), {
            "name": f"Fundacja Miejska nr {n}", "legal_form": "foundation",
            "nip": nip_for(f"e2e/{uuid.uuid4()}/{n}"),
            "areas": areas, "email": f"biuro{n}@fundacja{n}.example.pl", "phone": PHONE})
        registry.post(f"/api/v1/organizations/{org['id']}/verify", officer, expect=200)
        orgs.append(org)
    done["orgs"] = orgs
    ngo = [mint_token(f"e2e-ngo-{n}", ["ngo"], org_id=o["id"]) for n, o in enumerate(orgs)]
    public = registry.get("/api/v1/organizations", q="Fundacja Miejska", limit=50)
    assert {o["id"] for o in public["items"]} == {o["id"] for o in orgs}

    def notifications_know_them_verified():
        """Who hears of a competition is decided when it is announced, from the notification
        service's own projection of the organisations: let the verifications reach it first
        (as they would in the minutes between an officer's verification and an announcement)."""
        return all("registry.organization.verified" in {
            i.get("type") or i.get("event_type") for i in
            notifications.get("/api/v1/inbox", token)["items"]} for token in ngo)

    wait_until(notifications_know_them_verified, timeout=60, interval=0.5)

    # the programme, its consultation, adoption
    programme = grants.post("/api/v1/programmes", officer, {
        "year": year, "title": f"Program współpracy na {year} rok",
        "funds": [{"area": "culture", "amount": "100000.00"},
                  {"area": "seniors", "amount": "20000.00"}]})
    grants.post(f"/api/v1/programmes/{programme['id']}/consult", officer, expect=200)
    now = datetime.now(UTC).replace(microsecond=0)
    consultation = consultations.post("/api/v1/consultations", officer, {
        "title": f"Projekt programu współpracy na {year} rok",
        "subject": "Roczny program współpracy", "act_kind": "cooperation_programme",
        "programme_id": programme["id"], "draft_text": "§ 1. Cele programu.",
        "sections": ["§ 1 Cele"], "forms": ["written_comments"],
        "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=14)).isoformat(),
        "addressees": {"scope": "all"}, "residents_may_comment": True})
    org_comment = consultations.post(
        f"/api/v1/consultations/{consultation['id']}/comments", ngo[5],
        {"author": "Ewa Malinowska", "organization_id": orgs[5]["id"],
         "text": "Dodać zadanie dla seniorów.", "section": "§ 1 Cele"}, retry_422=True)
    resident = consultations.post(f"/api/v1/consultations/{consultation['id']}/comments", None,
                                  {"author": "Jan Nowicki", "text": "Więcej kultury."})
    consultations.post(f"/api/v1/consultations/{consultation['id']}/close", officer, expect=200)
    for comment, decision in ((org_comment, "accepted"), (resident, "rejected")):
        consultations.post(f"/api/v1/consultations/{consultation['id']}/comments/"
                           f"{comment['id']}/answer", officer,
                           {"decision": decision, "reason": "Uzasadnienie."}, expect=200)
    consultations.post(f"/api/v1/consultations/{consultation['id']}/report/publish", officer,
                       expect=200)
    grants.post(f"/api/v1/programmes/{programme['id']}/adopt", officer, expect=200)

    # a competition announced, offers submitted (closing waits for its deadline)
    deadline_day = datetime.now(WARSAW).date() + timedelta(days=25)
    deadline = datetime(deadline_day.year, deadline_day.month, deadline_day.day, 12,
                        tzinfo=WARSAW).isoformat()
    competition = grants.post("/api/v1/competitions", officer, {
        "title": "Festiwale osiedlowe", "area": "culture", "mode": "supporting",
        "budget": "20000.00", "submission_deadline": deadline,
        "task_start": f"{year}-03-01", "task_end": f"{year}-10-31",
        "min_own_contribution_pct": "10",
        "criteria": [{"name": "Jakość", "max_points": 10}],
        "task_description": "Festiwale w dzielnicach", "award_rules": "Zgodnie z programem"})
    grants.post(f"/api/v1/competitions/{competition['id']}/announce", officer, expect=200)
    requested = ["9000.00", "8000.00"]
    for n, amount in enumerate(requested):
        grants.post(f"/api/v1/competitions/{competition['id']}/offers", ngo[n], {
            "organization_id": orgs[n]["id"], "title": f"Festiwal nr {n}",
            "requested_amount": amount,
            "own_contribution": {"financial": "2000.00", "non_financial": "0.00"},
            "total_cost": f"{Decimal(amount) + 2000}", "task_start": f"{year}-03-01",
            "task_end": f"{year}-10-31",
            "cost_items": [{"name": "Scena", "amount": f"{Decimal(amount) + 2000}"}]},
            retry_422=True)
    refused = grants.post(f"/api/v1/competitions/{competition['id']}/close", officer,
                          expect=409)
    assert refused["error"]["code"] == "deadline_not_passed"
    done["requested"] = sum(Decimal(a) for a in requested)

    # a small grant, published, commented by a resident
    small = grants.post("/api/v1/small-grants", ngo[2], {
        "organization_id": orgs[2]["id"], "area": "culture", "title": "Koncert w parku",
        "requested_amount": "5000.00",
        "own_contribution": {"financial": "100.00", "non_financial": "0.00"},
        "total_cost": "5100.00", "task_start": f"{year}-04-01", "task_end": f"{year}-06-29",
        "cost_items": [{"name": "Nagłośnienie", "amount": "5100.00"}]}, retry_422=True)
    grants.post(f"/api/v1/small-grants/{small['id']}/publish", officer, expect=200)
    grants.post(f"/api/v1/small-grants/{small['id']}/comments", None,
                {"author": "Jan Mieszkaniec", "text": "Świetny pomysł"})

    # the council, its opinion
    request = consultations.post("/api/v1/councils/requests", ngo[0], {
        "kind": "public_benefit_council", "name": "Rada Działalności Pożytku Publicznego",
        "supporters": [o["id"] for o in orgs[:5]], "justification": "Stały dialog."},
        retry_422=True)
    council = consultations.post("/api/v1/councils", officer, {
        "name": "Rada Działalności Pożytku Publicznego", "kind": "public_benefit_council",
        "term_start": datetime.now(WARSAW).date().isoformat(), "request_id": request["id"],
        "members": [{"name": "Anna Nowak", "side": "ngo", "organization_id": orgs[0]["id"]},
                    {"name": "Jan Kowalski", "side": "city"}]})
    opinion = consultations.post(f"/api/v1/councils/{council['id']}/opinion-requests", officer,
                                 {"subject": "Projekt programu współpracy",
                                  "consultation_id": consultation["id"]})
    consultations.post(f"/api/v1/councils/{council['id']}/opinion-requests/{opinion['id']}"
                       "/opinion", officer, {"opinion": "Pozytywna."}, expect=200)

    # inquiries: one routed to culture and answered by it, one waiting
    inquiry = registry.post("/api/v1/inquiries", None, {
        "subject": "Dotacja na festiwal", "text": "Czy można?", "area": "culture",
        "name": "Jan Pytający", "email": "jan@example.pl"})
    assert inquiry["department"] == "culture" and inquiry["status"] == "routed"
    registry.post(f"/api/v1/inquiries/{inquiry['id']}/answer", culture_dept,
                  {"answer": "Tak, w trybie małego grantu."}, expect=200)
    registry.post("/api/v1/inquiries", None, {
        "subject": "Klub seniora", "text": "Gdzie?", "area": "seniors",
        "name": "Maria Pytająca", "email": "maria@example.pl"})
    done.update(competition=competition, inquiry=inquiry, consultation=consultation,
                small_grant=small, programme=programme)
    return done


def after_the_deadlines(city: City, done: dict) -> None:
    """The steps that wait for a date, with the test's own deadlines moved into the past."""
    grants = city.api["grants"]
    officer = mint_token("e2e-officer", ["officer"])
    orgs, year = done["orgs"], done["year"]
    cid = done["competition"]["id"]

    # the deadline for offers passes: the grants service's timer closes the competition
    city.move_into_the_past("grants", "competitions", cid, "submission_deadline")

    def closed():
        return grants.get(f"/api/v1/competitions/{cid}", officer)["status"] == "closed"

    wait_until(closed, timeout=30)

    # the committee: two officials and an NGO member nominated by an organisation that did
    # not bid; each declares no conflict of interest, then scores every offer
    committee = [("e2e-official-1", "Anna Urzędniczka", "official"),
                 ("e2e-official-2", "Tomasz Referent", "official"),
                 ("e2e-ngo-member", "Barbara Społeczna", "ngo")]
    grants.post(f"/api/v1/competitions/{cid}/committee", officer, {
        "members": [{"user_id": user, "name": name, "kind": kind,
                     **({"organization_id": orgs[4]["id"]} if kind == "ngo" else {})}
                    for user, name, kind in committee]})
    members = [mint_token(user, ["committee"]) for user, _, _ in committee]
    offers = sorted(grants.get("/api/v1/offers", officer, competition_id=cid)["items"],
                    key=lambda o: o["requested_amount"], reverse=True)
    assert [o["organization_id"] for o in offers] == [orgs[0]["id"], orgs[1]["id"]]
    refused = grants.post(f"/api/v1/offers/{offers[0]['id']}/scores", members[0],
                          {"scores": [{"criterion": "Jakość", "points": 9}]}, expect=(403, 409))
    assert refused["error"]["code"]  # no score before the declaration
    for member in members:
        grants.post(f"/api/v1/competitions/{cid}/committee/declaration", member,
                    {"no_conflict_of_interest": True}, expect=200)
    for rank, offer in enumerate(offers):
        for member in members:
            grants.post(f"/api/v1/offers/{offer['id']}/scores", member,
                        {"scores": [{"criterion": "Jakość", "points": 9 - 4 * rank}]})

    # the results: the first offer funded in full, the second not
    funded, not_funded = offers
    grants.post(f"/api/v1/competitions/{cid}/results", officer, {"awards": [
        {"offer_id": funded["id"], "amount": funded["requested_amount"]},
        {"offer_id": not_funded["id"], "amount": "0.00"}]}, expect=(200, 201))
    assert grants.get(f"/api/v1/competitions/{cid}", officer)["status"] == "resolved"

    # the contract, the task report, the settlement (250.00 of the grant unspent, returned)
    amount = Decimal(funded["requested_amount"])
    first = (amount * Decimal("0.7")).quantize(Decimal("0.01"))
    today = datetime.now(WARSAW).date().isoformat()
    contract = grants.post("/api/v1/contracts", officer, {
        "offer_id": funded["id"], "signed_on": today,
        "schedule": [{"activity": "Festiwal", "starts_on": f"{year}-03-01",
                      "ends_on": f"{year}-10-31"}],
        "tranches": [{"amount": str(first), "due_on": f"{year}-03-01"},
                     {"amount": str(amount - first), "due_on": f"{year}-07-01"}]})
    grants.post(f"/api/v1/contracts/{contract['id']}/start", officer, expect=200)
    grants.post(f"/api/v1/contracts/{contract['id']}/report", mint_token(
        "e2e-ngo-0", ["ngo"], org_id=orgs[0]["id"]), {
        "achieved_results": "Trzy festiwale, 1200 uczestników.",
        "activities": "Festiwale w trzech dzielnicach.",
        "expenses": [{"source": "grant", "name": "Scena", "amount": str(amount - 250)},
                     {"source": "own_financial", "name": "Scena", "amount": "2000.00"}],
        "personal_contribution": "0.00", "in_kind_contribution": "0.00",
        "volunteer_hours": "40"}, expect=(200, 201))
    accepted = grants.post(f"/api/v1/contracts/{contract['id']}/report/accept", officer,
                           expect=200)
    settled = grants.post(f"/api/v1/contracts/{contract['id']}/settle", officer,
                          {"returned_amount": accepted.get("unused_amount", "250.00")},
                          expect=200)
    assert settled["status"] == "settled"

    # the small grant, after its 7 days of comments
    sid = done["small_grant"]["id"]
    city.move_into_the_past("grants", "small_grants", sid, "comments_until")
    awarded = grants.post(f"/api/v1/small-grants/{sid}/award", officer, expect=200)
    assert awarded["status"] == "awarded"
    done.update(funded=funded, not_funded=not_funded, contract=contract, awarded=amount,
                returned=Decimal(settled.get("returned_amount") or "250.00"))


# --- what the year left behind ---------------------------------------------------------------

def test_the_department_queue_receives_its_events(city, year_done):
    wanted = {"competitions": {"grants.competition.announced", "grants.competition.closed",
                               "grants.competition.resolved"},
              "inquiries": {"registry.inquiry.received", "registry.inquiry.routed",
                            "registry.inquiry.answered"}}
    seen: dict[str, list[dict]] = {"competitions": [], "inquiries": []}

    def arrived():
        for kind in seen:
            seen[kind] += drain(city.amqp_uri, f"dept.culture.{kind}")
        return all(wanted[k] <= {e["type"] for e in seen[k]} for k in wanted)

    wait_until(arrived)
    # (the session's vhost is shared with other tests: look at this year's records)
    competitions = seen["competitions"]
    assert {e["type"].split(".")[1] for e in competitions} == {"competition"}
    mine = [e for e in competitions if e["subject"] == year_done["competition"]["id"]]
    assert [e["type"] for e in mine] == ["grants.competition.announced",
                                         "grants.competition.closed",
                                         "grants.competition.resolved"]
    assert all(e["specversion"] == "1.0" and e["data"]["area"] == "culture" for e in mine)
    # both inquiries arrive (the queue is bound to inquiry.*), nothing else does
    assert {e["type"].split(".")[1] for e in seen["inquiries"]} == {"inquiry"}
    mine = [e for e in seen["inquiries"] if e["subject"] == year_done["inquiry"]["id"]]
    assert [e["type"] for e in mine] == ["registry.inquiry.received",
                                         "registry.inquiry.routed",
                                         "registry.inquiry.answered"]


def test_the_department_webhook_gets_signed_events(city, year_done):
    def routed():
        return [r for r in city.receiver.received()
                if r["headers"].get("X-Wspolpraca-Event-Type") == "registry.inquiry.routed"]

    [request] = wait_until(routed)
    expected = "sha256=" + hmac.new(year_done["webhook_secret"].encode(), request["body"],
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Wspolpraca-Signature"], expected)
    stamped = request["headers"]["X-Wspolpraca-Timestamp"].encode() + b"." + request["body"]
    expected = "sha256=" + hmac.new(year_done["webhook_secret"].encode(), stamped,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request["headers"]["X-Wspolpraca-Signature-Timestamped"],
                               expected)
    event = json.loads(request["body"])
    assert event["subject"] == year_done["inquiry"]["id"]
    assert event["data"]["department"] == "culture"
    assert request["headers"]["X-Wspolpraca-Delivery"]


def test_organisations_get_emails(city, year_done):
    orgs = year_done["orgs"]
    wanted = {("registry.organization.verified", o["email"]) for o in orgs}
    # every organisation of the area hears about the competition
    wanted |= {("grants.competition.announced", o["email"]) for o in orgs}
    # and the bidders hear about their results
    by_id = {o["id"]: o for o in orgs}
    wanted |= {("grants.grant.awarded", by_id[year_done["funded"]["organization_id"]]["email"]),
               ("grants.offer.not_funded",
                by_id[year_done["not_funded"]["organization_id"]]["email"])}

    def mailed():
        return {(m["X-Wspolpraca-Event-Type"], m["To"]) for m in city.smtp.messages()}

    try:
        wait_until(lambda: wanted <= mailed(), timeout=40)
    except AssertionError:
        inboxes = {o["email"]: [i.get("type") or i.get("event_type") for i in
                                city.api["notifications"].get(
                                    "/api/v1/inbox",
                                    mint_token(f"e2e-ngo-{n}", ["ngo"], org_id=o["id"]))["items"]]
                   for n, o in enumerate(orgs)}
        raise AssertionError(f"missing: {sorted(wanted - mailed())}; inboxes: {inboxes}") from None


def test_an_emails_unsubscribe_link_asks_first_and_then_unsubscribes(city, year_done):
    """A GET (a mail scanner) shows the Polish confirmation page; the form's POST
    unsubscribes; the link does not show the address (issue 15, item 12b)."""
    mail = wait_until(lambda: next((m for m in city.smtp.messages()
                                    if m["List-Unsubscribe"]), None), timeout=40)
    link = mail["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(link).query)["token"][0]
    year_done["unsubscribe_token"] = token
    assert mail["To"].split("@")[0] not in token
    notifications = city.api["notifications"]
    path = f"{urlsplit(link).path}?{urlsplit(link).query}"
    page = notifications.http.get(notifications.base + path, timeout=30)
    assert page.status_code == 200 and 'method="post"' in page.text, page.text[:500]
    done = notifications.http.post(notifications.base + path, timeout=30)
    assert done.status_code == 200 and "Wypisano" in done.text


def test_the_figures_match_what_was_done(city, year_done):
    reporting = city.api["reporting"]
    this_year = datetime.now(UTC).year
    expected_now = {
        ("organizations", "registered"): 6, ("organizations", "verified"): 6,
        ("consultations", "held"): 1, ("consultations", "comments"): 2,
        ("consultations", "reports_published"): 1,
        ("councils", "opinions_requested"): 1, ("councils", "opinions_issued"): 1,
        ("inquiries", "received"): 2, ("inquiries", "answered"): 1,
    }
    expected_next = {
        ("competitions", "announced"): 1, ("competitions", "resolved"): 1,
        ("offers", "submitted"): 2, ("offers", "funded"): 1, ("offers", "not_funded"): 1,
        ("money", "requested"): f"{year_done['requested']:.2f}",
        ("money", "awarded"): f"{year_done['awarded']:.2f}",
        ("small_grants", "submitted"): 1, ("small_grants", "awarded"): 1,
        ("small_grants", "amount"): "5000.00",
        # contracts, their reports and settlements belong to their task's programme year
        # (issue 21: one definition of the year), whenever they were signed or settled
        ("contracts", "signed"): 1, ("contracts", "amount"): f"{year_done['awarded']:.2f}",
        ("contracts", "reports_submitted"): 1, ("contracts", "reports_accepted"): 1,
        ("contracts", "settled"): 1, ("contracts", "returned"): f"{year_done['returned']:.2f}",
    }
    for year, expected in ((this_year, expected_now), (year_done["year"], expected_next)):
        def matches(year=year, expected=expected):
            summary = reporting.get("/api/v1/stats/summary", year=year)
            got = {key: summary[key[0]][key[1]] for key in expected}
            matches.last = got
            return got == expected

        try:
            wait_until(matches)
        except AssertionError:
            raise AssertionError(f"{year}: expected {expected}, got {matches.last}") from None
    report = reporting.get(f"/api/v1/reports/annual/{year_done['year']}")
    assert report["year"] == year_done["year"]
    assert report["summary"]["offers"]["submitted"] == 2
    assert report["summary"]["money"]["requested"] == f"{year_done['requested']:.2f}"
    assert report["summary"]["money"]["awarded"] == f"{year_done['awarded']:.2f}"
    assert report["summary"]["small_grants"]["amount"] == "5000.00"
    [culture] = [row for row in report["summary"]["by_area"] if row["area"] == "culture"]
    assert culture["competitions"] == 1 and culture["offers_submitted"] == 2
    assert culture["offers_funded"] == 1
    pdf = requests.get(f"{reporting.base}/api/v1/reports/annual/{year_done['year']}",
                       params={"format": "pdf"}, timeout=60)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = as_spaces(" ".join(page.extract_text()
                              for page in PdfReader(io.BytesIO(pdf.content)).pages))
    assert f"za rok {year_done['year']}" in text
    # the summary's money rows, formatted the Polish way (issue 21): requested and awarded
    # in competitions, the small grant
    for figure in (year_done["requested"], year_done["awarded"], Decimal("5000.00")):
        assert as_spaces(polish.money(figure)) in text, figure


def test_every_service_stops_cleanly_on_sigterm(city, year_done):
    # (a service still running 20 s after SIGTERM is killed, and its exit code is not 0)
    codes = city.stop()
    assert codes == dict.fromkeys(SERVICES, 0), {
        service: city.log(service)[-2000:] for service, code in codes.items() if code != 0}


def test_the_logs_hold_no_secrets_or_personal_data(city, year_done):
    """Every line the five services logged over the whole year and their stop: no secret
    (the JWT signing secret, the link secret, the SMTP password, a webhook's secret), no
    bearer token or signed link, no e-mail address or phone number of anybody."""
    secrets = {"the JWT secret": DEVELOPMENT_JWT_SECRET, "the link secret": LINK_SECRET,
               "the SMTP password": SMTP_PASSWORD,
               "a webhook secret": year_done["webhook_secret"]}
    for service in SERVICES:
        text = city.log(service)
        assert len(text.splitlines()) > 10, f"{service} logged (almost) nothing"
        for what, value in secrets.items():
            assert value not in text, f"{service} logged {what}"
        assert not re.search(r"eyJ[\w-]{10,}\.[\w-]{10,}\.", text), f"{service} logged a JWT"
        assert "token=" not in text, f"{service} logged a signed link"
        if year_done.get("unsubscribe_token"):
            assert year_done["unsubscribe_token"] not in text, f"{service} logged a token"
        addresses = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)
        assert addresses == [], f"{service} logged e-mail addresses: {sorted(set(addresses))}"
        assert PHONE not in text and "601234567" not in text.replace(" ", ""), \
            f"{service} logged a phone number"
