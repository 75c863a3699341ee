"""Resident memory of each service after start and after work, in one run.

    .venv/bin/python bench/rss.py [--requests N]

Baseline: a bare nameko service with one HTTP entrypoint, started by the same runner
machinery (`python -c` with nameko, eventlet and pymongo imported): what any service of
ours costs before its own code. Ours: each of the five services as a real process
(`python -m wspolpraca.runner <service>`) on one SecantusDB and a RabbitMQ vhost, its RSS
read from /proc after /health/ready, and again after N requests to its public list,
OpenAPI and /metrics endpoints (and, for reporting, the annual report as PDF, which loads
Pillow and WeasyPrint). Target: < 150 MiB per service.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import harness
import requests
from throughput import BenchFailure, Process, wait_until

from wspolpraca.secantus import free_port

TARGET_MIB = 150.0
SERVICES = ("registry", "grants", "consultations", "notifications", "reporting")
WORK = {
    "registry": ["/api/v1/organizations", "/api/v1/areas", "/api/v1/trainings"],
    "grants": ["/api/v1/competitions", "/api/v1/small-grants"],
    "consultations": ["/api/v1/consultations", "/api/v1/councils"],
    "notifications": ["/api/v1/calendar.ics"],
    "reporting": [f"/api/v1/stats/summary?year={datetime.now(UTC).year}",
                  f"/api/v1/reports/annual/{datetime.now(UTC).year}?format=pdf"],
}
BARE_SERVICE = """
import eventlet; eventlet.monkey_patch()
import pymongo, kombu  # what every service of ours imports anyway
from nameko.runners import ServiceRunner
from nameko.web.handlers import http

class Bare:
    name = "bare"

    @http("GET", "/health/ready")
    def ready(self, request):
        return "ok"

runner = ServiceRunner({"AMQP_URI": "%(amqp)s", "WEB_SERVER_ADDRESS": "127.0.0.1:%(port)d"})
runner.add_service(Bare)
runner.start()
runner.wait()
"""


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchFailure(f"no VmRSS for {pid}")


def ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def run(args, bench: harness.Bench) -> dict:
    workdir, vhost, secantus, stack = bench.workdir, bench.vhost, bench.secantus, bench.stack
    port = free_port()
    bare = Process("bare", [sys.executable, "-c", BARE_SERVICE % {"amqp": vhost.uri,
                                                                    "port": port}],
                   dict(os.environ), workdir / "bare.log")
    stack.callback(bare.stop)
    wait_until(lambda: ready(f"http://127.0.0.1:{port}/health/ready"), 60, "the bare service",
               (bare,))
    for _ in range(args.requests):
        requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
    outcome = {"baseline": {"service": "bare nameko", "after_work_mib": round(rss_mib(bare.pid),
                                                                              1)}}
    bare.stop()

    env = {**os.environ, "MONGO_URI": secantus.uri, "AMQP_URI": vhost.uri,
           "WSPOLPRACA_TIMERS": "off", "PYTHONUNBUFFERED": "1"}
    for service in SERVICES:
        env.pop(f"MONGO_URI_{service.upper()}", None)
    ports = {service: free_port() for service in SERVICES}
    env.update({f"WSPOLPRACA_HTTP_PORT_{s.upper()}": str(p) for s, p in ports.items()})
    processes = {}
    for service in SERVICES:
        processes[service] = Process(service, [sys.executable, "-m", "wspolpraca.runner",
                                               service, "--log-level", "WARNING"],
                                     env, workdir / f"{service}.log")
        stack.callback(processes[service].stop)
    for service, port in ports.items():
        wait_until(lambda port=port: ready(f"http://127.0.0.1:{port}/health/ready"), 120,
                   f"{service} /health/ready", processes.values())
    time.sleep(1)
    services = {}
    for service, port in ports.items():
        started = rss_mib(processes[service].pid)
        base = f"http://127.0.0.1:{port}"
        paths = [*WORK[service], "/api/v1/openapi.json", "/metrics"]
        for index in range(args.requests):
            response = requests.get(base + paths[index % len(paths)], timeout=60)
            if response.status_code >= 500:
                raise BenchFailure(f"{service}: HTTP {response.status_code} on "
                                   f"{paths[index % len(paths)]}")
        services[service] = {"after_start_mib": round(started, 1),
                             "after_work_mib": round(rss_mib(processes[service].pid), 1)}
    outcome["services"] = services
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench/rss.py", __doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    print(f"rss: five services and a bare nameko service, {args.requests} requests each ...",
          flush=True)
    outcome = harness.run_measured(run, args)
    if outcome is None:
        return 1
    base = outcome["baseline"]["after_work_mib"]
    rows = [("baseline: bare nameko service", f"{base:.1f} MiB")]
    worst = 0.0
    for service, figures in outcome["services"].items():
        after = figures["after_work_mib"]
        worst = max(worst, after)
        rows.append((f"{service}: after start / after work",
                     f"{figures['after_start_mib']:.1f} / {after:.1f} MiB"))
        rows.append((f"{service}: ratio to baseline", f"{after / base:.2f}"))
    outcome["worst_mib"] = worst
    outcome["target_mib"] = TARGET_MIB
    rows += [("target per service", f"< {TARGET_MIB:.0f} MiB"),
             ("verdict", "PASS" if worst < TARGET_MIB else "ABOVE TARGET")]
    harness.print_rows(rows)
    harness.save("rss", outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
