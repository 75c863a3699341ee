"""A competition year of the grants service: offers submitted, scored, ranked, resolved.

    .venv/bin/python bench/grants_year.py [--offers 6000] [--competitions 20]
                                          [--concurrency 16] [--assessors 1]

Everything runs against the grants service as a real process (`python -m
wspolpraca.runner grants`) on a fresh SecantusDB server in a temp dir and a RabbitMQ
vhost of its own, both removed at the end (also on Ctrl-C):

0. setup (not timed): `--organizations` verified organisations, published by the bench
   as the registry's `organization.registered` and `organization.verified` CloudEvents
   to `registry.events` (validated against infra/asyncapi/asyncapi.yaml first) and
   projected by grants; a programme with funds for every area, adopted; `--competitions`
   competitions across areas, announced (through HTTP).
1. submission: every organisation submits one offer to each competition
   (`--offers` in all) through POST /api/v1/competitions/<id>/offers from C client
   threads. Rate = offers / (first request -> last response).
2. evaluation: the deadlines are moved into the past (in the database, as the tests do:
   the clock has moved on), every competition is closed, gets a committee of
   `--members` officials, each declares no conflict of interest, and the officer
   distributes the offers among them (`distribute`, `--assessors` per offer).
3. scoring: every assigned (offer, member) pair is scored on every criterion through
   POST /api/v1/offers/<id>/scores from C threads. Rate = scores / time.
4. ranking: GET /api/v1/competitions/<id>/ranking for every competition (time).
5. results: the proposed awards confirmed through POST .../results (time).

Total = offers / (first submission -> last results confirmed). Baseline, in the same
run on the same server: the same offer documents (read back from grants) inserted
with raw pymongo `insert_one` from C threads into another database; the submission
rate is also printed as a ratio of it. The fair baseline (issue #19, item 4): the same
offers, each in one raw pymongo transaction with its `offer.submitted` outbox record;
the submission's ratio to it, and both sides' database round trips per offer. Exit 1
when anything failed: an HTTP error, a count that is off (offers, scores, ranked,
funded + not funded), events left unpublished in the outbox or a dead service.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pika
import requests
from pymongo import MongoClient
from throughput import (
    BenchFailure,
    CpuMeter,
    begin,
    finish,
    guarded,
    nips,
    percentiles,
    queue_state,
    registry_ready,
    service_env,
    service_process,
    timed_threads,
    wait_until,
)

from grants.repository import COLLECTIONS as GRANTS_COLLECTIONS
from wspolpraca.auth import mint_token
from wspolpraca.envelope import CloudEvent, format_time
from wspolpraca.outbox import OUTBOX_COLLECTION
from wspolpraca.pagination import new_id
from wspolpraca.secantus import SecantusServer, free_port
from wspolpraca.testing.contract import load_catalogue
from wspolpraca.testing.identifiers import regon_from
from wspolpraca.testing.rabbit import Vhost

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CATALOGUE = ROOT / "infra" / "asyncapi" / "asyncapi.yaml"
WARSAW = ZoneInfo("Europe/Warsaw")
GRANTS_DB = "grants"
BASELINE_DB = "bench_baseline"
AREAS = ("culture", "sport", "education", "seniors", "health", "ecology", "charity",
         "disability", "children_and_youth", "tourism")
CRITERIA = [{"name": "Jakość merytoryczna", "max_points": 10},
            {"name": "Koszty realizacji", "max_points": 5},
            {"name": "Doświadczenie oferenta", "max_points": 5}]
REQUESTED = Decimal("9000.00")
OFFICER = "bench-officer"


# grants' projection of the registry's organisations (wspolpraca.organizations), one handler
# bound to organization.*: nameko's queue name for it
PROJECTION_QUEUE = "evt-registry-organization.*--grants.on_organization_event"


# --- organisations, as the registry announces them --------------------------------
def organization_events(count: int, seed: int) -> list[CloudEvent]:
    events = []
    registered_at = datetime.now(UTC) - timedelta(minutes=5)
    for index, nip in enumerate(nips(count, seed)):
        org_id = new_id()
        data = {"id": org_id, "name": f"Stowarzyszenie Przyjaciół Łąk nr {index}",
                "legal_form": "association", "nip": nip, "regon": regon_from(index)[:9],
                "krs": f"{index + 1:010d}", "areas": list(AREAS),
                "email": f"biuro{index}@laki.example.pl", "district": "Śródmieście",
                "status": "pending",
                "public_benefit_status": {"granted": True, "since": "2015-06-01"},
                "version": 1}
        events.append(CloudEvent("registry", "organization.registered", org_id, data,
                                 time=format_time(registered_at)))
        verified_at = format_time(registered_at + timedelta(seconds=1))
        events.append(CloudEvent("registry", "organization.verified", org_id, {
            **data, "status": "verified", "version": 2, "reason": None,
            "changed_by": OFFICER, "changed_at": verified_at}, time=verified_at))
    return events


def publish(amqp_uri: str, events: list[CloudEvent]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.exchange_declare("registry.events", "topic", durable=True)
        channel.confirm_delivery()
        for event in events:
            channel.basic_publish(
                "registry.events", event.routing_key,
                json.dumps(event.to_dict(), ensure_ascii=False).encode(),
                pika.BasicProperties(delivery_mode=2, content_type="application/json",
                                     content_encoding="utf-8", message_id=event.id,
                                     type=event.type))
    finally:
        connection.close()


# --- request bodies ----------------------------------------------------------------
def deadline_in(days: int) -> str:
    day = datetime.now(WARSAW).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 12, tzinfo=WARSAW).isoformat()


def competition_body(index: int, area: str, year: int, offers: int) -> dict:
    # half of the requested money: the ranking decides who gets it
    budget = REQUESTED * max(offers, 1) / 2
    return {
        "title": f"Konkurs {index + 1}: zadania publiczne ({area})", "area": area,
        "mode": "supporting", "budget": f"{budget:.2f}",
        "submission_deadline": deadline_in(25), "task_start": f"{year}-03-01",
        "task_end": f"{year}-10-31", "min_own_contribution_pct": "10", "criteria": CRITERIA,
        "task_description": "Zadania w dzielnicach", "award_rules": "Zgodnie z programem",
        "delivery_conditions": "Dostępność dla osób z niepełnosprawnościami",
        "funds_spent_this_year": "80000.00", "funds_spent_last_year": "75000.00",
    }


# an organisation's offers are different tasks with different costs, as in a city's year
# (the same task twice is what the double-funding check of issue #22 stops at the results)
TASKS = ("Festiwal sąsiedzki", "Warsztaty plastyczne dla dzieci", "Turniej szachowy",
         "Kino plenerowe", "Spacery historyczne", "Koncert chóru", "Zajęcia dla seniorów",
         "Dzień otwarty biblioteki", "Rajd rowerowy", "Teatr podwórkowy", "Kurs pierwszej pomocy")
COSTS = ("Scena", "Honoraria", "Materiały", "Wynajem sali", "Transport", "Nagrody",
         "Druk plakatów", "Catering", "Ubezpieczenie", "Nagłośnienie", "Koordynacja")


def offer_body(org_id: str, index: int, year: int, task: int = 0) -> dict:
    """Offer `index`; `task` tells an organisation's offers apart (its competition's number:
    up to len(TASKS) competitions, no organisation offers one task twice)."""
    first = 3000 + (index * 37) % 4000
    return {
        "organization_id": org_id, "title": f"{TASKS[task % len(TASKS)]} ({index})",
        "requested_amount": f"{REQUESTED:.2f}",
        "own_contribution": {"financial": "500.00", "non_financial": "500.00",
                             "volunteer_work": {"hours": "10", "hourly_rate": "40.00"}},
        "total_cost": "10000.00", "task_start": f"{year}-03-01", "task_end": f"{year}-10-31",
        "cost_items": [{"name": COSTS[task % len(COSTS)], "amount": f"{first}.00"},
                       {"name": COSTS[(task + 5) % len(COSTS)],
                        "amount": f"{10000 - first}.00"}],
    }


def score_body(offer_id: str, user_id: str) -> dict:
    spread = sum(map(ord, offer_id + user_id))
    return {"scores": [{"criterion": c["name"], "points": spread % (c["max_points"] + 1)}
                       for c in CRITERIA]}


# --- HTTP --------------------------------------------------------------------------
class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def call(self, method: str, path: str, token: str, json_body=None,
             expect: int = 200) -> dict:
        response = self.session.request(method, self.base_url + path, json=json_body,
                                        headers={"Authorization": f"Bearer {token}"},
                                        timeout=120)
        if response.status_code != expect:
            raise BenchFailure(f"{method} {path}: {response.status_code} "
                               f"{response.text[:500]}")
        return response.json()


def run_parallel(base_url: str, requests_todo: list[tuple[str, str, dict]],
                 concurrency: int, expect: int) -> dict:
    """POST each (path, token, body) from `concurrency` threads; timing and failures."""
    lock = threading.Lock()
    todo = iter(requests_todo)
    go = threading.Event()
    latencies: list[float] = []
    failures: list[str] = []
    finished = [0.0]

    def worker() -> None:
        with requests.Session() as session:
            go.wait()
            while True:
                with lock:
                    item = next(todo, None)
                if item is None:
                    return
                path, token, body = item
                sent = time.monotonic()
                try:
                    response = session.post(base_url + path, json=body, timeout=120,
                                            headers={"Authorization": f"Bearer {token}"})
                    failed = None if response.status_code == expect else \
                        f"{response.status_code}: {response.text[:300]}"
                except requests.RequestException as exc:
                    failed = f"{type(exc).__name__}: {exc}"
                done = time.monotonic()
                with lock:
                    if failed:
                        failures.append(f"POST {path} {failed}")
                    else:
                        latencies.append(done - sent)
                    finished[0] = max(finished[0], done)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    go.set()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    seconds = max(finished[0], started) - started
    return {"requests": len(requests_todo), "ok": len(latencies), "errors": len(failures),
            "error_samples": failures[:5], "seconds": round(seconds, 3),
            "rate": round(len(latencies) / seconds, 1) if seconds else None,
            "latency": percentiles(latencies)}


def database_requests(uri: str) -> tuple[int, dict[str, int]]:
    """Requests the database server has answered since it started, the request that reads
    them included, and its opcounters by kind (serverStatus)."""
    client = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        status = client.admin.command("serverStatus")
        return (int(status["network"]["numRequests"]),
                {k: int(v) for k, v in (status.get("opcounters") or {}).items()})
    finally:
        client.close()


def per_unit(before: tuple[int, dict[str, int]], after: tuple[int, dict[str, int]],
             units: int) -> tuple[float, dict[str, float]]:
    """Round trips per unit between two `database_requests` (the read of `before` taken
    off), and the opcounters per unit."""
    kinds = {k: round((after[1].get(k, 0) - before[1].get(k, 0)) / units, 2)
             for k in after[1]}
    return round((after[0] - before[0] - 1) / units, 2), {k: v for k, v in kinds.items() if v}


def raw_transactions(uri: str, pairs: list[tuple[dict, dict]], concurrency: int,
                     server_pid: int | None = None) -> dict:
    """The fair baseline (issue #19, item 4): the same writes as a submission, each offer in
    one raw pymongo transaction with its `offer.submitted` outbox record (the submission
    updates no counter of the competition), from C threads, round trips counted."""
    client = MongoClient(uri, tz_aware=True, maxPoolSize=concurrency + 2)
    try:
        db = client[BASELINE_DB]
        client.drop_database(BASELINE_DB)
        # the indexes grants keeps on both collections, the same cost per write
        for collection in (*GRANTS_COLLECTIONS, OUTBOX_COLLECTION):
            if collection.name in ("offers", "outbox"):
                db.create_collection(collection.name)
                if collection.indexes:
                    db[collection.name].create_indexes(list(collection.indexes))
        lock = threading.Lock()
        todo = iter(pairs)

        def write(offer: dict, record: dict, session) -> None:
            db["offers"].insert_one(offer, session=session)
            db["outbox"].insert_one(record, session=session)

        def worker() -> None:
            while True:
                with lock:
                    pair = next(todo, None)
                if pair is None:
                    return
                with client.start_session() as session:
                    session.with_transaction(partial(write, *pair))

        before = database_requests(uri)
        cpu = CpuMeter({"secantusdb": server_pid})
        cpu.start()
        seconds = timed_threads([threading.Thread(target=worker, daemon=True)
                                 for _ in range(concurrency)])
        usage = cpu.stop()
        trips, kinds = per_unit(before, database_requests(uri), len(pairs))
        inserted = db["offers"].estimated_document_count()
        recorded = db["outbox"].estimated_document_count()
        client.drop_database(BASELINE_DB)
    finally:
        client.close()
    if inserted != len(pairs) or recorded != len(pairs):
        raise BenchFailure(f"transaction baseline: {inserted} offers and {recorded} outbox "
                           f"records of {len(pairs)}")
    return {"transactions": inserted, "seconds": round(seconds, 3),
            "rate": round(inserted / seconds, 1),
            "round_trips_per_offer": trips, "opcounters_per_offer": kinds,
            "cpu": usage, "cpu_ms_per_offer": cpu_ms(usage, inserted)}


def cpu_ms(usage: dict, units: int) -> dict[str, float]:
    """A CpuMeter's CPU seconds per process as milliseconds per unit (less swayed by the
    machine's other load than a rate)."""
    return {name: round(1000 * seconds / units, 2)
            for name, seconds in usage["cpu_seconds"].items() if units}


def raw_inserts(uri: str, documents: list[dict], concurrency: int) -> dict:
    """The baseline: the same documents, one `insert_one` each, from C threads."""
    client = MongoClient(uri, tz_aware=True, maxPoolSize=concurrency + 2)
    try:
        collection = client[BASELINE_DB]["offers"]
        collection.drop()
        lock = threading.Lock()
        todo = iter(documents)

        def worker() -> None:
            while True:
                with lock:
                    document = next(todo, None)
                if document is None:
                    return
                collection.insert_one(document)

        seconds = timed_threads([threading.Thread(target=worker, daemon=True)
                                 for _ in range(concurrency)])
        inserted = collection.estimated_document_count()
        client.drop_database(BASELINE_DB)
    finally:
        client.close()
    if inserted != len(documents):
        raise BenchFailure(f"baseline: {inserted} of {len(documents)} documents inserted")
    return {"documents": inserted, "seconds": round(seconds, 3),
            "rate": round(inserted / seconds, 1)}


# --- the year --------------------------------------------------------------------
def parallel_phase(phase: str, unit: str, grants, base_url: str,
                   requests_todo: list[tuple[str, str, dict]], concurrency: int) -> dict:
    """`run_parallel` (each POST answered 201), then grants still alive and no request failed;
    the rate printed as `unit`/s."""
    outcome = run_parallel(base_url, requests_todo, concurrency, 201)
    grants.check_alive()
    if outcome["errors"]:
        raise BenchFailure(f"{phase}: {outcome['errors']} failed, e.g. "
                           f"{outcome['error_samples']}")
    print(f"   {outcome['rate']:,.1f} {unit}/s", flush=True)
    return outcome


def run_year(args, workdir: Path, stack: ExitStack) -> dict:
    vhost = Vhost(prefix="wspolpraca-bench").create()
    stack.callback(vhost.delete)
    secantus = SecantusServer(workdir / "secantus", log_path=workdir / "secantus.log")
    stack.callback(secantus.stop)
    secantus.start()
    mongo = MongoClient(secantus.uri, tz_aware=True)
    stack.callback(mongo.close)
    db = mongo[GRANTS_DB]

    port = free_port()
    grants = service_process("grants", service_env("grants", secantus.uri, vhost.uri, port),
                             args.service_log_level, workdir / "grants.log")
    stack.callback(grants.stop)
    base_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: registry_ready(base_url), 60, "grants /health/ready", (grants,))
    wait_until(lambda: (queue_state(vhost.uri, PROJECTION_QUEUE) or (0, 0))[1] >= 1,
               60, f"grants to consume {PROJECTION_QUEUE}", (grants,))

    # 0. setup: organisations (events), programme, competitions
    setup_started = time.monotonic()
    events = organization_events(args.organizations, args.seed)
    catalogue = load_catalogue(CATALOGUE)
    for event in events[:2]:
        errors = catalogue.validate(event.to_dict())
        if errors:
            raise BenchFailure(f"{event.type} does not match the catalogue: {errors}")
    publish(vhost.uri, events)
    orgs = [e.subject for e in events if e.routing_key == "organization.verified"]
    wait_until(lambda: db["organizations"].count_documents({"status": "verified"})
               >= len(orgs), 120, f"grants to project {len(orgs)} verified organisations",
               (grants,))

    api = Api(base_url)
    officer = mint_token(OFFICER, ["officer"])
    year = datetime.now(WARSAW).year + 1
    per_competition = [args.offers // args.competitions + (i < args.offers % args.competitions)
                       for i in range(args.competitions)]
    bodies = [competition_body(i, AREAS[i % len(AREAS)], year, per_competition[i])
              for i in range(args.competitions)]
    funds: dict[str, Decimal] = {}
    for body in bodies:
        funds[body["area"]] = funds.get(body["area"], Decimal(0)) + Decimal(body["budget"])
    programme = api.call("POST", "/api/v1/programmes", officer, {
        "year": year, "title": f"Program współpracy na {year} rok",
        "goals": ["Wzmacnianie aktywności obywatelskiej"],
        "priority_tasks": [{"area": a, "task": "Zadania publiczne"} for a in funds],
        "funds": [{"area": a, "amount": f"{amount:.2f}"} for a, amount in funds.items()]},
        expect=201)
    api.call("POST", f"/api/v1/programmes/{programme['id']}/adopt", officer)
    competitions = []
    for body in bodies:
        created = api.call("POST", "/api/v1/competitions", officer, body, expect=201)
        api.call("POST", f"/api/v1/competitions/{created['id']}/announce", officer)
        competitions.append(created["id"])
    setup_seconds = time.monotonic() - setup_started

    # 1. submission
    org_tokens = {org: mint_token(f"rep-{org}", ["ngo"], org_id=org) for org in orgs}
    submissions = []
    for number, (cid, count) in enumerate(zip(competitions, per_competition, strict=True)):
        for index in range(count):
            org = orgs[index % len(orgs)]
            submissions.append((f"/api/v1/competitions/{cid}/offers", org_tokens[org],
                                offer_body(org, len(submissions), year, number + index)))
    # interleave the competitions, as offers arrive in a real year
    random.Random(args.seed).shuffle(submissions)
    print(f"1. submission: {len(submissions)} offers to {len(competitions)} competitions "
          f"from {args.concurrency} clients ...", flush=True)
    requests_before = database_requests(secantus.uri)
    cpu = CpuMeter({"secantusdb": secantus.process.pid if secantus.process else None,
                    "grants": grants.pid})
    cpu.start()
    year_started = time.monotonic()
    submission = parallel_phase("submission", "offers", grants, base_url, submissions,
                                args.concurrency)
    submission["cpu"] = cpu.stop()
    submission["cpu_ms_per_offer"] = cpu_ms(submission["cpu"], len(submissions))
    # every request the server answered meanwhile (the relay's included), per offer
    submission["round_trips_per_offer"], submission["opcounters_per_offer"] = per_unit(
        requests_before, database_requests(secantus.uri), len(submissions))

    # 2. close, committees, declarations, distribution
    print("2. evaluation: close, committees, declarations, distribution ...", flush=True)
    evaluation_started = time.monotonic()
    db["competitions"].update_many({"_id": {"$in": competitions}}, {"$set": {
        "submission_deadline": datetime.now(UTC) - timedelta(seconds=1)}})
    members = [f"evaluator-{i + 1}" for i in range(args.members)]
    member_tokens = {m: mint_token(m, ["committee"]) for m in members}
    pairs: list[tuple[str, str]] = []
    for cid in competitions:
        api.call("POST", f"/api/v1/competitions/{cid}/close", officer)
        api.call("POST", f"/api/v1/competitions/{cid}/committee", officer, {"members": [
            {"user_id": m, "name": f"Urzędnik {m}", "kind": "official"} for m in members]},
            expect=201)
        for member in members:
            api.call("POST", f"/api/v1/competitions/{cid}/committee/declaration",
                     member_tokens[member], {"no_conflict_of_interest": True})
        assigned = api.call("POST", f"/api/v1/competitions/{cid}/committee/assignments",
                            officer, {"distribute": {"user_ids": members,
                                                     "per_offer": args.assessors}})
        pairs += [(offer_id, m["user_id"]) for m in assigned["members"]
                  for offer_id in m["assigned_offers"]]
    evaluation_seconds = time.monotonic() - evaluation_started
    if len(pairs) != len(submissions) * args.assessors:
        raise BenchFailure(f"distribution: {len(pairs)} assignments, expected "
                           f"{len(submissions) * args.assessors}")

    # 3. scoring
    print(f"3. scoring: {len(pairs)} scores on {len(CRITERIA)} criteria ...", flush=True)
    random.Random(args.seed).shuffle(pairs)
    scoring = parallel_phase("scoring", "scores", grants, base_url, [
        (f"/api/v1/offers/{offer_id}/scores", member_tokens[user_id],
         score_body(offer_id, user_id)) for offer_id, user_id in pairs], args.concurrency)

    # 4. ranking
    print("4. ranking ...", flush=True)
    ranking_started = time.monotonic()
    rankings = {cid: api.call("GET", f"/api/v1/competitions/{cid}/ranking", officer)
                for cid in competitions}
    ranking_seconds = time.monotonic() - ranking_started

    # 5. results
    print("5. results ...", flush=True)
    results_started = time.monotonic()
    awarded = Decimal(0)
    funded = 0
    for cid in competitions:
        items = rankings[cid]["items"]
        if len(items) != per_competition[competitions.index(cid)] or any(
                i["scored_by"] != args.assessors for i in items):
            raise BenchFailure(f"ranking of {cid}: {len(items)} offers, scored by "
                               f"{sorted({i['scored_by'] for i in items})}")
        api.call("POST", f"/api/v1/competitions/{cid}/results", officer, {"awards": [
            {"offer_id": i["offer_id"], "amount": i["proposed_amount"]} for i in items]})
        awarded += sum((Decimal(i["proposed_amount"]) for i in items), Decimal(0))
        funded += sum(1 for i in items if Decimal(i["proposed_amount"]) > 0)
    year_finished = time.monotonic()
    results_seconds = year_finished - results_started

    # checks: every offer decided, every score stored, every event published
    problems = []
    offers_total = db["offers"].count_documents({"competition_id": {"$in": competitions}})
    decided = db["offers"].count_documents({"status": {"$in": ["funded", "not_funded"]}})
    scores = db["scores"].count_documents({})
    if offers_total != len(submissions) or decided != len(submissions):
        problems.append(f"{offers_total} offers stored, {decided} decided, expected "
                        f"{len(submissions)}")
    if scores != len(pairs):
        problems.append(f"{scores} scores stored, expected {len(pairs)}")
    resolved = db["competitions"].count_documents({"status": "resolved"})
    if resolved != len(competitions):
        problems.append(f"{resolved} of {len(competitions)} competitions resolved")
    try:
        wait_until(lambda: db["outbox"].count_documents({"status": {"$ne": "sent"}}) == 0,
                   120, "the relay to publish every event", (grants,))
    except BenchFailure as exc:
        problems.append(str(exc))
    outbox = db["outbox"].count_documents({})
    grants.check_alive()

    # baseline: the same offer documents, raw inserts into the same server
    print(f"baseline: {len(submissions)} raw pymongo inserts of the same documents ...",
          flush=True)
    documents = list(db["offers"].find({"competition_id": {"$in": competitions}}))
    baseline = raw_inserts(secantus.uri, documents, args.concurrency)
    records = {r["body"]["subject"]: r for r in db["outbox"].find(
        {"type": "grants.offer.submitted"})}
    pairs = [(d, records[d["_id"]]) for d in documents if d["_id"] in records]
    print(f"baseline: {len(pairs)} raw pymongo transactions (offer + outbox record) ...",
          flush=True)
    transactions = raw_transactions(secantus.uri, pairs, args.concurrency,
                                    secantus.process.pid if secantus.process else None)

    total_seconds = year_finished - year_started
    return {
        "organizations": len(orgs), "competitions": len(competitions),
        "offers": len(submissions), "scores": len(pairs), "members": args.members,
        "assessors_per_offer": args.assessors, "concurrency": args.concurrency,
        "setup_seconds": round(setup_seconds, 2),
        "submission": submission,
        "evaluation_seconds": round(evaluation_seconds, 2),
        "scoring": scoring,
        "ranking": {"seconds": round(ranking_seconds, 3),
                    "per_competition": round(ranking_seconds / len(competitions), 3)},
        "results": {"seconds": round(results_seconds, 3), "funded": funded,
                    "not_funded": len(submissions) - funded, "awarded": f"{awarded:.2f}"},
        "total": {"seconds": round(total_seconds, 2),
                  "rate": round(len(submissions) / total_seconds, 1)},
        "events_published": outbox,
        "baseline": baseline,
        "ratio_submission": round(submission["rate"] / baseline["rate"], 4),
        "baseline_transaction": transactions,
        "ratio_submission_transaction": round(submission["rate"] / transactions["rate"], 4),
        "ratio_total": round(len(submissions) / total_seconds / baseline["rate"], 4),
        "problems": problems,
    }


def report(r: dict) -> str:
    width = 52
    sub, sc, base = r["submission"], r["scoring"], r["baseline"]
    tx = r["baseline_transaction"]
    rows = [
        ("1. submission (HTTP, formal check, outbox)",
         f"{sub['rate']:>10,.1f} offers/s  ({sub['seconds']:.1f} s)"),
        ("2. close + committee + declarations + distribute",
         f"{r['evaluation_seconds']:>10.2f} s"),
        ("3. scoring (every criterion)", f"{sc['rate']:>10,.1f} scores/s  ({sc['seconds']:.1f} s)"),
        ("4. ranking (all competitions)",
         f"{r['ranking']['seconds']:>10.2f} s  ({r['ranking']['per_competition']:.3f} s each)"),
        ("5. results confirmed", f"{r['results']['seconds']:>10.2f} s"),
        ("total: first offer -> last results",
         f"{r['total']['rate']:>10,.1f} offers/s  ({r['total']['seconds']:.1f} s)"),
        ("baseline: raw pymongo insert_one, same docs",
         f"{base['rate']:>10,.1f} inserts/s  ({base['seconds']:.1f} s)"),
        ("ratio submission / baseline", f"{r['ratio_submission']:>10.3f}"),
        ("baseline: raw pymongo transaction, offer + outbox",
         f"{tx['rate']:>10,.1f} offers/s  ({tx['seconds']:.1f} s)"),
        ("ratio submission / transaction (target 0.8)",
         f"{r['ratio_submission_transaction']:>10.3f}"),
        ("database round trips per offer: submission / tx",
         f"{sub['round_trips_per_offer']:>10.2f} / {tx['round_trips_per_offer']:.2f}"),
        ("SecantusDB CPU ms per offer: submission / tx",
         f"{sub['cpu_ms_per_offer'].get('secantusdb', 0):>10.2f} / "
         f"{tx['cpu_ms_per_offer'].get('secantusdb', 0):.2f}"),
        ("grants service CPU ms per offer (submission)",
         f"{sub['cpu_ms_per_offer'].get('grants', 0):>10.2f}"),
        ("ratio total / baseline", f"{r['ratio_total']:>10.3f}"),
    ]
    lines = ["", "=" * 78, "grants: a competition year", "=" * 78]
    lines += [f"{name:<{width}}{value}" for name, value in rows]
    lines += [
        "-" * 78,
        f"{r['offers']} offers from {r['organizations']} organisations in "
        f"{r['competitions']} competitions; {r['members']} members, {r['assessors_per_offer']} "
        f"assessor(s) per offer, {len(CRITERIA)} criteria; {r['concurrency']} clients; "
        f"{os.cpu_count()} cores",
        f"latency p50/p95: submission {sub['latency'].get('p50')}/{sub['latency'].get('p95')} s,"
        f" scoring {sc['latency'].get('p50')}/{sc['latency'].get('p95')} s",
        f"opcounters per offer: submission {sub['opcounters_per_offer']}, transaction "
        f"{tx['opcounters_per_offer']}",
        f"setup {r['setup_seconds']} s (not counted); funded {r['results']['funded']}, not "
        f"funded {r['results']['not_funded']}, awarded {r['results']['awarded']} PLN; "
        f"{r['events_published']} events published",
        "=" * 78,
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/grants_year.py", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int, default=6000, help="offers in all (6000)")
    parser.add_argument("--competitions", type=int, default=20, help="competitions (20)")
    parser.add_argument("--organizations", type=int, default=None,
                        help="verified organisations (default: offers per competition, each "
                             "files one offer per competition)")
    parser.add_argument("--members", type=int, default=3, help="committee members (3)")
    parser.add_argument("--assessors", type=int, default=1,
                        help="members scoring each offer (1)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (16)")
    parser.add_argument("--service-log-level", default="INFO")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if min(args.offers, args.competitions, args.members, args.assessors,
           args.concurrency) < 1 or args.offers < args.competitions:
        parser.error("every count must be positive, and offers >= competitions")
    if args.assessors > args.members:
        parser.error("--assessors cannot exceed --members")
    if args.organizations is None:
        args.organizations = -(-args.offers // args.competitions)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if (begun := begin()) is None:
        return 2
    started, stamp, workdir = begun
    outcome: dict = {"started": started.isoformat(timespec="seconds"),
                     "args": vars(args)}

    def work(stack: ExitStack) -> str | None:
        print(f"work dir {workdir}; starting SecantusDB, a RabbitMQ vhost and grants ...",
              flush=True)
        outcome["year"] = run_year(args, workdir, stack)
        return "; ".join(outcome["year"]["problems"]) or None

    interrupted, failed = guarded("grants-year", stamp, workdir, args.keep, outcome, work)
    if interrupted:
        return 130

    if "year" in outcome:
        print(report(outcome["year"]))
    return finish("grants-year", stamp, outcome, failed)


if __name__ == "__main__":
    raise SystemExit(main())
