"""Registry search: 20,000 organisations; an open-loop load and the most searches per second.

    .venv/bin/python bench/search.py [--organizations N] [--clients C] [--rate R]
                                     [--requests N] [--seconds S] [--quick]

The organisations are written straight into the registry's database with the registry's own
record builder (verified, searchable keys filled); the registry runs as a real process
(`python -m wspolpraca.runner registry`) and answers from its in-memory search index once that
is loaded (its gauge `wspolpraca_registry_search_index_organizations`). In one run:

1. Before, for context: the database query the registry ran until the index
   (`registry.repository.organization_query`, first page of 20 in id order), one client
   against the same SecantusDB server: what each search cost, and its ceiling.
2. Open loop: C clients, each paced so that together they offer R searches per second
   (`?q=<word start>`, folded and not, sometimes with an area); a search's latency is counted
   from the moment it was scheduled, not sent, so queueing behind a slow answer shows.
   Target: p99 < 50 ms at 100 searches/s over 50 clients.
3. Most searches per second against the most requests per second of a trivial endpoint of
   the same process (`/health/live`: HTTP and JSON, no worker, no database) and of an API
   endpoint without the database (`/api/v1/areas`), each in a closed loop of a few clients
   for S seconds. Target: searches/s >= 0.8 x the trivial endpoint's requests/s.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import harness
import requests
from pymongo import ASCENDING, MongoClient
from rss import rss_mib
from throughput import (
    BenchFailure,
    CpuMeter,
    nips,
    percentiles,
    registry_ready,
    service_env,
    service_process,
    timed_threads,
    wait_until,
)

from registry import records
from registry.repository import COLLECTIONS, ORGANIZATIONS, organization_query
from wspolpraca.areas import area_codes
from wspolpraca.mongo import ensure_schema
from wspolpraca.secantus import free_port

TARGET_P99_SECONDS = 0.050
TARGET_MAX_RATIO = 0.8
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


def timed_calls(clients: int, one_request, moments) -> dict:
    """`clients` threads; thread n calls `one_request(rng)` once for each moment that
    `moments(n)` yields, and a call's latency runs from its moment to its answer."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        rng = random.Random(number)
        own: list[float] = []
        for moment in moments(number):
            try:
                one_request(rng)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            own.append(time.perf_counter() - moment)
        with lock:
            latencies.extend(own)

    wall = _threads(clients, worker)
    if errors:
        raise BenchFailure(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return {"requests": len(latencies), "seconds": round(wall, 2),
            "rate": round(len(latencies) / wall, 1), **percentiles(latencies)}


def run_clients(clients: int, total: int, one_request) -> dict:
    """Closed loop: `total` calls spread over `clients` threads, each sent when the thread's
    previous one was answered."""
    lock = threading.Lock()
    counter = iter(range(total))

    def moments(number: int):
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            yield time.perf_counter()

    return timed_calls(clients, one_request, moments)


def open_loop(clients: int, rate: float, total: int, one_request) -> dict:
    """Each of `clients` threads sends at its own schedule (together `rate` per second, evenly
    interleaved); a latency runs from the scheduled send to the answer."""
    per_client = max(1, total // clients)
    interval = clients / rate
    begin = time.perf_counter() + 0.5

    def moments(number: int):
        for k in range(per_client):
            scheduled = begin + number / rate + k * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            yield scheduled

    return {**timed_calls(clients, one_request, moments), "offered_rate": rate}


def saturate(clients: int, seconds: float, one_request) -> dict:
    """As many calls as `clients` threads make back to back in `seconds`; the rate."""
    done = [0] * clients
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    def worker(number: int) -> None:
        rng = random.Random(number)
        while time.perf_counter() < deadline:
            try:
                one_request(rng)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                return
            done[number] += 1

    wall = _threads(clients, worker)
    if errors:
        raise BenchFailure(f"{len(errors)} failed requests, e.g. {errors[:3]}")
    return {"requests": sum(done), "seconds": round(wall, 2), "rate": round(sum(done) / wall, 1)}


def _threads(count: int, worker) -> float:
    return timed_threads([threading.Thread(target=worker, args=(n,)) for n in range(count)])


def query_params(rng: random.Random) -> dict:
    params = {"q": rng.choice(QUERIES)}
    if rng.random() < 0.2:
        params["area"] = rng.choice(sorted(area_codes()))
    return params


def run(args, bench: harness.Bench) -> dict:
    secantus, vhost, stack, workdir = bench.secantus, bench.vhost, bench.stack, bench.workdir
    mongo = MongoClient(secantus.uri, tz_aware=True)
    stack.callback(mongo.close)
    db = mongo["registry"]
    ensure_schema(db, COLLECTIONS)
    docs = organizations(args.organizations, args.seed)
    for begin in range(0, len(docs), 2000):
        db[ORGANIZATIONS].insert_many(docs[begin:begin + 2000], ordered=False)
    del docs
    print(f"  {args.organizations:,} verified organisations loaded", flush=True)

    collection = db[ORGANIZATIONS]

    def raw(rng: random.Random) -> None:
        params = query_params(rng)
        query = organization_query(params["q"], params.get("area"), "verified", None)
        list(collection.find(query).sort("_id", ASCENDING).limit(PAGE + 1))

    before = run_clients(1, args.database_queries, raw)
    print(f"  before, the database query, one client: p50 {before['p50'] * 1000:.1f} ms, "
          f"p99 {before['p99'] * 1000:.1f} ms, {before['rate']:.1f}/s", flush=True)

    port = free_port()
    registry = service_process("registry", service_env("registry", secantus.uri, vhost.uri, port),
                               "WARNING", workdir / "registry.log")
    stack.callback(registry.stop)
    base_url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    wait_until(lambda: registry_ready(base_url), 90, "registry /health/ready", (registry,))
    wait_until(lambda: indexed(base_url) >= args.organizations, 120,
               "the registry's search index", (registry,))
    load_seconds = time.perf_counter() - started
    rss_loaded = rss_mib(registry.pid)
    print(f"  registry ready with its index loaded in {load_seconds:.1f}s, "
          f"RSS {rss_loaded:.1f} MiB", flush=True)
    local = threading.local()
    found: list[int] = []

    def session() -> requests.Session:
        own = getattr(local, "session", None)
        if own is None:
            own = local.session = requests.Session()
        return own

    def search(rng: random.Random) -> None:
        response = session().get(base_url + "/api/v1/organizations",
                                 params=query_params(rng), timeout=30)
        if response.status_code != 200:
            raise BenchFailure(f"HTTP {response.status_code}: {response.text[:200]}")
        found.append(len(response.json()["items"]))

    def trivial(path: str):
        def call(rng: random.Random) -> None:
            response = session().get(base_url + path, timeout=30)
            if response.status_code != 200:
                raise BenchFailure(f"HTTP {response.status_code}: {response.text[:200]}")
            response.json()
        return call

    run_clients(args.clients, min(200, args.requests), search)  # warm up
    registry.check_alive()
    found.clear()
    paced = open_loop(args.clients, args.rate, args.requests, search)
    paced["mean_items"] = round(sum(found) / len(found), 1)
    print(f"  open loop, {args.rate:.0f}/s offered over {args.clients} clients: "
          f"p50 {paced['p50'] * 1000:.1f} ms, p99 {paced['p99'] * 1000:.1f} ms", flush=True)

    most: dict[str, dict] = {}
    for what, call in (("live", trivial("/health/live")), ("search", search),
                       ("areas", trivial("/api/v1/areas"))):
        # what each request cost the registry process and this client, in CPU: the rate
        # follows the machine's other load, the CPU per request much less
        meter = CpuMeter({"registry": registry.pid})
        profiler = py_spy(registry.pid, args.profile, what, args.seconds)
        meter.start()
        most[what] = saturate(args.saturating_clients, args.seconds, call)
        used = meter.stop()
        if profiler is not None:
            profiler.wait(timeout=60)
        done = max(most[what]["requests"], 1)
        most[what]["cpu_ms_per_request"] = {
            name: round(seconds * 1000 / done, 3)
            for name, seconds in used["cpu_seconds"].items()}
        most[what]["system_ms_per_request"] = {
            name: round(seconds * 1000 / done, 3)
            for name, seconds in used["of_which_system"].items()}
        most[what]["machine_cores_busy"] = used["machine_cores_busy"]
        print(f"  most {what}: {most[what]['rate']:,.1f}/s; CPU ms per request: registry "
              f"{most[what]['cpu_ms_per_request']['registry']:.3f} (of which the kernel "
              f"{most[what]['system_ms_per_request']['registry']:.3f}), this client "
              f"{most[what]['cpu_ms_per_request']['bench client']:.3f} "
              f"(machine {used['machine_cores_busy']} cores busy)", flush=True)
    registry.check_alive()
    rss_after = rss_mib(registry.pid)
    print(f"  registry RSS after the searches {rss_after:.1f} MiB", flush=True)
    return {"before": before, "open_loop": paced, "most": most,
            "index_load_seconds": round(load_seconds, 1),
            "rss_mib": {"loaded": round(rss_loaded, 1), "after": round(rss_after, 1)},
            "max_ratio": round(most["search"]["rate"] / most["live"]["rate"], 3),
            "max_ratio_api": round(most["search"]["rate"] / most["areas"]["rate"], 3),
            # the same ratio from the registry's CPU per request (live's ÷ search's): what
            # the rates would give if the server alone were the limit
            "cpu_ratio": round(most["live"]["cpu_ms_per_request"]["registry"]
                               / max(most["search"]["cpu_ms_per_request"]["registry"],
                                     1e-9), 3)}


def py_spy(pid: int, out_dir: str | None, what: str,
           seconds: float) -> subprocess.Popen | None:
    """With --profile DIR: py-spy samples the registry during the closed loop of `what`
    (DIR/<what>.txt, collapsed stacks: `sort` them, or feed them to a flame graph)."""
    if not out_dir:
        return None
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")), "record",
         "--pid", str(pid), "--format", "raw", "--rate", "250", "--nonblocking",
         "--duration", str(max(1, int(seconds))), "-o", str(Path(out_dir) / f"{what}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def indexed(base_url: str) -> float:
    """The registry's gauge of organisations in its search index (-1 while it loads)."""
    try:
        text = requests.get(base_url + "/metrics", timeout=5).text
    except requests.RequestException:
        return -1
    for line in text.splitlines():
        if line.startswith("wspolpraca_registry_search_index_organizations"):
            return float(line.rsplit(" ", 1)[1])
    return -1


def report(outcome: dict) -> str:
    before, paced, most = outcome["before"], outcome["open_loop"], outcome["most"]
    p99_ok = paced["p99"] < TARGET_P99_SECONDS
    ratio_ok = outcome["max_ratio"] >= TARGET_MAX_RATIO
    rows = [
        ("before: database query, 1 client, p50 / p99",
         f"{before['p50'] * 1000:.1f} / {before['p99'] * 1000:.1f} ms"),
        ("before: database query, 1 client, per second", f"{before['rate']:,.1f}"),
        (f"open loop {paced['offered_rate']:.0f}/s, p50 / p99",
         f"{paced['p50'] * 1000:.1f} / {paced['p99'] * 1000:.1f} ms"),
        ("open loop: answered per second", f"{paced['rate']:,.1f}"),
        ("most searches per second", f"{most['search']['rate']:,.1f}"),
        ("most /health/live per second", f"{most['live']['rate']:,.1f}"),
        ("most /api/v1/areas per second", f"{most['areas']['rate']:,.1f}"),
        ("ratio searches / live (target >= 0.8)", f"{outcome['max_ratio']:.2f}"),
        ("ratio searches / areas", f"{outcome['max_ratio_api']:.2f}"),
        *((f"registry CPU per request, {what}",
           f"{most[what]['cpu_ms_per_request']['registry']:.3f} ms")
          for what in ("live", "search", "areas")),
        ("ratio of registry CPU, live / search", f"{outcome['cpu_ratio']:.2f}"),
        ("registry RSS, index loaded / after (< 150 MiB)",
         f"{outcome['rss_mib']['loaded']:.0f} / {outcome['rss_mib']['after']:.0f} MiB"),
        ("target p99", f"< {TARGET_P99_SECONDS * 1000:.0f} ms"),
        ("verdict", "PASS" if p99_ok and ratio_ok else
         "ABOVE TARGET" if not p99_ok else "BELOW RATIO"),
    ]
    return "\n".join(f"{label:<48}{value:>22}" for label, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench/search.py", __doc__)
    parser.add_argument("--organizations", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0, help="searches/s offered")
    parser.add_argument("--requests", type=int, default=3000, help="searches of the open loop")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="of each closed loop measuring the most per second")
    parser.add_argument("--saturating-clients", type=int, default=4)
    parser.add_argument("--database-queries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="DIR",
                        help="py-spy record the registry during each closed loop (needs py-spy)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 organisations, 600 searches, 4 s loops")
    args = parser.parse_args(argv)
    if args.quick:
        args.organizations, args.requests, args.seconds = 2000, 600, 4.0
    print(f"search: {args.organizations:,} organisations, {args.clients} clients at "
          f"{args.rate:.0f}/s, {args.requests:,} searches ...", flush=True)
    with harness.infrastructure() as bench:
        try:
            outcome = run(args, bench)
        except BenchFailure as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    outcome["args"] = vars(args)
    outcome["target_p99_seconds"] = TARGET_P99_SECONDS
    outcome["target_max_ratio"] = TARGET_MAX_RATIO
    print(report(outcome))
    harness.save("search", outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
