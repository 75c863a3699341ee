"""The portal's public pages over the demo city at 20 concurrent clients: p95 page time and its
ratio to the p95 of the slowest API call the page makes, both measured in the same run.

    .venv/bin/python bench/portal_pages.py [--clients C] [--requests R] [--page PATH ...]

The city: a SecantusDB server and a RabbitMQ vhost of the run's own (broker topology applied),
the five services and the portal as processes (`python -m wspolpraca.runner <name>`), filled by
`scripts/demo.py --time-travel` through the public APIs, as `make demo` does (so there are
resolved competitions with results, awarded small grants, a council and a consultation).

For each page, in turn:
1. Baseline: each public API call the page makes (the same path and query the portal sends),
   C client threads, R requests; the slowest call's p95 is the page's baseline.
2. Ours: the page from the portal, C client threads, R requests.

Ratio = page p95 / slowest API p95; target <= 1.5 for every page (the portal should add little
on top of its backends). Each side is warmed up first; the portal's caches (docs/portal.md,
"Caching") are warm then, as they are on a site that people use.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import harness
import requests
from search import run_clients
from throughput import ROOT, BenchFailure, Process, wait_until

from wspolpraca import topology
from wspolpraca.secantus import free_port

TARGET_RATIO = 1.5
SERVICES = ("registry", "grants", "consultations", "notifications", "reporting")
LIST = {"limit": 100}  # what `Backends.items` asks for on its first page


def ready(url: str) -> bool:
    try:
        return requests.get(url + "/health/ready", timeout=2).ok
    except requests.RequestException:
        return False


def first(url: str, **params) -> dict:
    items = requests.get(url, params={"limit": 100, **params}, timeout=30).json()["items"]
    if not items:
        every = requests.get(url, params={"limit": 100}, timeout=30).json()["items"]
        raise BenchFailure(f"the demo city has nothing at {url} {params}; there are "
                           f"{[i.get('status') for i in every]}")
    return items[0]


def pages(urls: dict[str, str]) -> list[tuple[str, list[tuple[str, str, dict]]]]:
    """(page path, [(service, API path, query)]): each public page and the calls it makes
    (services/portal/portal/service.py), with the demo city's ids."""
    grants, registry = urls["grants"], urls["registry"]
    resolved = first(grants + "/api/v1/competitions", status="resolved")
    results = requests.get(f"{grants}/api/v1/competitions/{resolved['id']}/results",
                           timeout=30).json()["items"]
    org = first(registry + "/api/v1/organizations")
    consultation = first(urls["consultations"] + "/api/v1/consultations")
    councils = requests.get(urls["consultations"] + "/api/v1/councils", params=LIST,
                            timeout=30).json()["items"]
    calendar = ("notifications", "/api/v1/calendar.ics", {})
    return [
        ("/", [("grants", "/api/v1/competitions", {**LIST, "status": "announced"}),
               ("grants", "/api/v1/small-grants", {**LIST, "status": "published"}),
               ("consultations", "/api/v1/consultations", {**LIST, "status": "open"}),
               calendar]),
        ("/konkursy", [("grants", "/api/v1/competitions", LIST)]),
        (f"/konkursy/{resolved['id']}", [
            ("grants", f"/api/v1/competitions/{resolved['id']}", {}),
            ("grants", f"/api/v1/competitions/{resolved['id']}/results", {}),
            *[("registry", f"/api/v1/organizations/{r['organization_id']}", {})
              for r in results]]),
        ("/organizacje", [("registry", "/api/v1/organizations",
                           {"limit": 20, "status": "verified"})]),
        ("/organizacje?q=fundacja", [("registry", "/api/v1/organizations",
                                      {"limit": 20, "status": "verified", "q": "fundacja"})]),
        (f"/organizacje/{org['id']}", [("registry", f"/api/v1/organizations/{org['id']}", {})]),
        ("/konsultacje", [("consultations", "/api/v1/consultations", LIST)]),
        (f"/konsultacje/{consultation['id']}", [
            ("consultations", f"/api/v1/consultations/{consultation['id']}", {}),
            ("consultations", f"/api/v1/consultations/{consultation['id']}/comments", LIST)]),
        ("/male-granty", [("grants", "/api/v1/small-grants", {**LIST, "status": "published"}),
                          ("grants", "/api/v1/small-grants", {**LIST, "status": "awarded"})]),
        ("/rada", [("consultations", "/api/v1/councils", LIST),
                   *[("consultations", f"/api/v1/councils/{c['id']}/{what}", LIST)
                     for c in councils for what in ("meetings", "opinion-requests")]]),
        ("/kalendarz", [calendar]),
        ("/sprawozdania", [("reporting", "/api/v1/open-data", {})]),
    ]


def getter(url: str, params: dict | None = None):
    local = threading.local()

    def get(_rng) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        response = session.get(url, params=params, timeout=30)
        if response.status_code != 200:
            raise BenchFailure(f"{url} {params}: HTTP {response.status_code}")
        response.content  # noqa: B018 - read the whole body, as the portal does
    return get


def start_city(bench: harness.Bench) -> tuple[dict[str, str], str]:
    _, problem = topology.apply(bench.vhost.uri)
    if problem is not None:
        raise BenchFailure(f"broker topology: {problem}")
    ports = {name: free_port() for name in (*SERVICES, "portal")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {**os.environ, "MONGO_URI": bench.secantus.uri, "AMQP_URI": bench.vhost.uri,
           "WSPOLPRACA_TIMERS": "off", "PYTHONUNBUFFERED": "1",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()),  # nothing listens: no mail
           "WSPOLPRACA_PUBLIC_URL": urls["portal"], "WSPOLPRACA_PORTAL_URL": urls["portal"]}
    for name, port in ports.items():
        env[f"WSPOLPRACA_HTTP_PORT_{name.upper()}"] = str(port)
        env.pop(f"MONGO_URI_{name.upper()}", None)
        env.pop(f"PORTAL_{name.upper()}_URL", None)
    processes = []
    for name in (*SERVICES, "portal"):
        process = Process(name, [sys.executable, "-m", "wspolpraca.runner", name,
                                 "--log-level", "WARNING"], env, bench.workdir / f"{name}.log")
        bench.stack.callback(process.stop)
        processes.append(process)
    for name in (*SERVICES, "portal"):
        wait_until(lambda n=name: ready(urls[n]), 120, f"{name} /health/ready", processes)
    demo_env = {**env, **{name.upper(): urls[name] for name in SERVICES},
                "IDENTITY": f"http://127.0.0.1:{free_port()}"}  # no identity: no accounts
    demo = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py"), "--time-travel"],
                          env=demo_env, cwd=bench.workdir, capture_output=True, text=True,
                          timeout=900)
    if demo.returncode != 0:
        raise BenchFailure(f"scripts/demo.py failed:\n{demo.stdout[-2000:]}{demo.stderr[-2000:]}")
    (bench.workdir / "demo.log").write_text(demo.stdout + demo.stderr)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "portal-demo.log").write_text(demo.stdout + demo.stderr)
    print("  the demo city is filled (scripts/demo.py --time-travel)", flush=True)
    return urls, urls.pop("portal")


def run(args, bench: harness.Bench) -> dict:
    urls, portal = start_city(bench)
    measured = []
    for path, calls in pages(urls):
        if args.page and path not in args.page:
            continue
        apis = []
        for service, api_path, params in calls:
            get = getter(urls[service] + api_path, params)
            run_clients(args.clients, min(args.clients * 2, args.requests), get)  # warm up
            figures = run_clients(args.clients, args.requests, get)
            apis.append({"service": service, "path": api_path, "params": params, **figures})
        slowest = max(apis, key=lambda a: a["p95"])
        get = getter(portal + path)
        run_clients(args.clients, min(args.clients * 2, args.requests), get)  # warm up
        ours = run_clients(args.clients, args.requests, get)
        ratio = round(ours["p95"] / slowest["p95"], 3)
        measured.append({"page": path, "page_p95": ours["p95"], "ours": ours,
                         "slowest_api": f"{slowest['service']} {slowest['path']}",
                         "slowest_api_p95": slowest["p95"], "apis": apis, "ratio": ratio})
        print(f"  {path:<40} p95 {ours['p95'] * 1000:7.1f} ms   slowest API "
              f"{slowest['p95'] * 1000:7.1f} ms ({slowest['service']} {slowest['path']})   "
              f"ratio {ratio:.2f}", flush=True)
    return {"pages": measured}


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench/portal_pages.py", __doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per page and per API call")
    parser.add_argument("--page", action="append", default=[],
                        help="measure only this page (its path as listed; repeatable)")
    args = parser.parse_args(argv)
    print(f"portal: {args.clients} clients, {args.requests} requests per page and per API call",
          flush=True)
    def demo_said(bench: harness.Bench) -> None:
        demo = bench.workdir / "demo.log"
        if demo.exists():
            print("scripts/demo.py said:\n" + demo.read_text()[-3000:], file=sys.stderr)

    outcome = harness.run_measured(run, args, demo_said)
    if outcome is None:
        return 1
    worst = max(outcome["pages"], key=lambda p: p["ratio"])
    outcome.update(args=vars(args), target_ratio=TARGET_RATIO, worst_page=worst["page"],
                   worst_ratio=worst["ratio"])
    verdict = "PASS" if worst["ratio"] <= TARGET_RATIO else "ABOVE TARGET"
    harness.print_rows([("worst page", worst["page"]),
                        ("its p95 / slowest API call's p95",
                         f"{worst['page_p95'] * 1000:.1f} / {worst['slowest_api_p95'] * 1000:.1f}"
                         " ms"),
                        ("ratio", f"{worst['ratio']:.2f}"), ("target", f"<= {TARGET_RATIO}"),
                        ("verdict", verdict)])
    harness.save("portal", outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
