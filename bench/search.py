"""Registry search: 20,000 organisations, 50 concurrent clients, p50/p99, in one run.

    .venv/bin/python bench/search.py [--organizations N] [--clients C] [--requests R]

1. Baseline: raw pymongo. C threads run the very query the registry builds for
   `GET /api/v1/organizations?q=...` (`registry.repository.organization_query`, first page
   of 20 in id order) straight against the same SecantusDB server.
2. Ours: the registry as a real process (`python -m wspolpraca.runner registry`); C
   client threads send R public searches over HTTP (`?q=<word start>`, folded and not,
   sometimes with an area), so each request pays JSON, validation, the query and the
   public view.

It prints p50/p99 for both, the ratio of our p99 to the baseline's, and the verdict
against the target (p99 < 50 ms). The organisations are written straight into the
registry's database with the registry's own record builder (verified, searchable keys
filled), so loading 20,000 takes seconds, not the minutes 20,000 POSTs would.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from datetime import UTC, datetime

import harness
import requests
from pymongo import ASCENDING, MongoClient
from throughput import (
    BenchFailure,
    Process,
    nips,
    percentiles,
    registry_ready,
    wait_until,
)

from registry import records
from registry.repository import COLLECTIONS, ORGANIZATIONS, organization_query
from wspolpraca.areas import area_codes
from wspolpraca.mongo import ensure_schema
from wspolpraca.secantus import free_port

TARGET_P99_SECONDS = 0.050
PAGE = 20

FORMS = ("Stowarzyszenie", "Fundacja", "Klub Sportowy", "Spółdzielnia Socjalna",
         "Towarzystwo", "Związek")
SUBJECTS = ("Przyjaciół", "Miłośników", "Pomocy", "Rozwoju", "Wspierania", "Ochrony",
            "Edukacji", "Kultury", "Sportu", "Seniorów")
OBJECTS = ("Łąk", "Dzieci", "Zwierząt", "Żoliborza", "Pragi", "Mokotowa", "Wisły", "Teatru",
           "Muzyki", "Książki", "Zdrowia", "Rodziny", "Gór", "Przyrody", "Historii")
# typed the way people type: start of a word, with or without Polish letters
QUERIES = ("fund", "stow", "przyj", "milos", "miłoś", "pomocy", "rozw", "łąk", "lak",
           "zoliborz", "praga", "mokot", "wisl", "teatr", "muzyk", "ksiazk", "zdrow",
           "rodzin", "gór", "przyrod", "histor", "klub sport", "spoldzielnia", "towarzystwo",
           "kultury", "sportu", "seniorow", "dzieci", "zwierz", "edukac")


def organizations(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    areas = sorted(area_codes())
    now = datetime.now(UTC)
    docs = []
    for index, nip in enumerate(nips(count, seed)):
        name = (f"{rng.choice(FORMS)} {rng.choice(SUBJECTS)} {rng.choice(OBJECTS)} "
                f"nr {index}")
        record = records.new_organization(
            {"name": name, "legal_form": "association", "nip": nip,
             "areas": rng.sample(areas, 2), "email": f"biuro{index}@ngo.example.pl"},
            "bench", now)
        record.update(status="verified", verified_at=now)
        docs.append(record)
    return docs


def run_clients(clients: int, total: int, one_request) -> dict:
    """`total` calls of `one_request(rng)` spread over `clients` threads; latencies."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(number: int) -> None:
        rng = random.Random(number)
        own: list[float] = []
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            try:
                one_request(rng)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            own.append(time.perf_counter() - started)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise BenchFailure(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return {"requests": len(latencies), "seconds": round(wall, 2),
            "rate": round(len(latencies) / wall, 1), **percentiles(latencies)}


def query_params(rng: random.Random) -> dict:
    params = {"q": rng.choice(QUERIES)}
    if rng.random() < 0.2:
        params["area"] = rng.choice(sorted(area_codes()))
    return params


def run(args, bench: harness.Bench) -> dict:
    secantus, vhost, stack, workdir = bench.secantus, bench.vhost, bench.stack, bench.workdir
    mongo = MongoClient(secantus.uri, tz_aware=True, maxPoolSize=args.clients + 5)
    stack.callback(mongo.close)
    db = mongo["registry"]
    ensure_schema(db, COLLECTIONS)
    docs = organizations(args.organizations, args.seed)
    for begin in range(0, len(docs), 2000):
        db[ORGANIZATIONS].insert_many(docs[begin:begin + 2000], ordered=False)
    print(f"  {len(docs):,} verified organisations loaded", flush=True)

    collection = db[ORGANIZATIONS]

    def raw(rng: random.Random) -> None:
        params = query_params(rng)
        query = organization_query(params["q"], params.get("area"), "verified", None)
        list(collection.find(query).sort("_id", ASCENDING).limit(PAGE + 1))

    run_clients(args.clients, min(200, args.requests), raw)  # warm the server's caches
    baseline = run_clients(args.clients, args.requests, raw)
    print(f"  baseline p50 {baseline['p50'] * 1000:.1f} ms, p99 {baseline['p99'] * 1000:.1f} ms",
          flush=True)

    port = free_port()
    env = {**os.environ, "MONGO_URI": secantus.uri, "AMQP_URI": vhost.uri,
           "WSPOLPRACA_HTTP_PORT_REGISTRY": str(port), "WSPOLPRACA_TIMERS": "off",
           "PYTHONUNBUFFERED": "1"}
    env.pop("MONGO_URI_REGISTRY", None)
    registry = Process("registry", [sys.executable, "-m", "wspolpraca.runner", "registry",
                                    "--log-level", "WARNING"], env, workdir / "registry.log")
    stack.callback(registry.stop)
    base_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: registry_ready(base_url), 90, "registry /health/ready", (registry,))
    local = threading.local()
    found: list[int] = []

    def search(rng: random.Random) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.get(base_url + "/api/v1/organizations", params=query_params(rng),
                               timeout=30)
        if response.status_code != 200:
            raise BenchFailure(f"HTTP {response.status_code}: {response.text[:200]}")
        found.append(len(response.json()["items"]))

    run_clients(args.clients, min(200, args.requests), search)
    registry.check_alive()
    found.clear()
    ours = run_clients(args.clients, args.requests, search)
    ours["mean_items"] = round(sum(found) / len(found), 1)
    print(f"  ours p50 {ours['p50'] * 1000:.1f} ms, p99 {ours['p99'] * 1000:.1f} ms", flush=True)
    return {"baseline": baseline, "ours": ours}


def report(outcome: dict) -> str:
    base, ours = outcome["baseline"], outcome["ours"]
    ratio = ours["p99"] / base["p99"] if base["p99"] else float("inf")
    verdict = "PASS" if ours["p99"] < TARGET_P99_SECONDS else "ABOVE TARGET"
    rows = [
        ("baseline: raw pymongo, same query, p50 / p99",
         f"{base['p50'] * 1000:.1f} / {base['p99'] * 1000:.1f} ms"),
        ("ours: HTTP search, p50 / p99",
         f"{ours['p50'] * 1000:.1f} / {ours['p99'] * 1000:.1f} ms"),
        ("ours: requests per second", f"{ours['rate']:,.1f}"),
        ("ratio p99 ours / baseline", f"{ratio:.2f}"),
        ("target p99", f"< {TARGET_P99_SECONDS * 1000:.0f} ms"),
        ("verdict", verdict),
    ]
    return "\n".join(f"{label:<48}{value:>22}" for label, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench/search.py", __doc__)
    parser.add_argument("--organizations", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"search: {args.organizations:,} organisations, {args.clients} clients, "
          f"{args.requests:,} requests per side ...", flush=True)
    with harness.infrastructure() as bench:
        try:
            outcome = run(args, bench)
        except BenchFailure as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    outcome["args"] = vars(args)
    outcome["p99_ratio"] = round(outcome["ours"]["p99"] / outcome["baseline"]["p99"], 3)
    outcome["target_p99_seconds"] = TARGET_P99_SECONDS
    print(report(outcome))
    harness.save("search", outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
