"""Costs that stay flat as the city's data grows (issue #19, item 5): each read path measured
at two sizes of its data, x1 and x10, in one run; the cost per operation at each, their ratio.

    .venv/bin/python bench/growth.py [--base N] [--requests R]

The city: registry, notifications and reporting as processes (`python -m wspolpraca.runner`)
on a SecantusDB server and a RabbitMQ vhost of the run's own. It is filled through the public
APIs only, so the data is what the services themselves make of it: N inquiries (each routed to
the culture department, so notifications keeps an inbox item and a webhook delivery for each,
to a local receiver, and reporting projects each event), N organisations, N calendar entries.
Then each path is measured (one client, R requests after a warm-up, median and p95), the data
grows to 10 x N, and each path is measured again.

Ratio = median at x10 / median at x1; a path whose cost per operation grows more than 1.5 x
is a defect to fix or to explain in docs/performance.md. The annual report's first PDF after
a process start is measured once per size (reporting restarted, then one request); besides its
growth it must take under 5 s at each size (`first_pdf` in the results).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import harness
import requests
from throughput import BenchFailure, Process, percentiles, wait_until

from wspolpraca import topology
from wspolpraca.auth import mint_token
from wspolpraca.secantus import free_port
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.stubs import JsonHandler, serve

TARGET_GROWTH = 1.5
FIRST_PDF = "the annual report's first PDF after a start"
# a calendar app polling: If-None-Match with the feed's current ETag (304 while unchanged)
CALENDAR_REVALIDATED = "the calendar feed, If-None-Match (304)"
FIRST_PDF_LIMIT = 5.0  # seconds, at each size (issue #19)
PAGE = 20  # lists are asked for one page of this size: full at both sizes (--base >= PAGE)
SERVICES = ("registry", "notifications", "reporting")
DEPARTMENT = "culture_dept"
OFFICER = mint_token("bench-officer", ["officer"])
DEPT = mint_token("bench-dept", ["department"], department=DEPARTMENT)
NGO = mint_token("bench-ngo", ["ngo"])


class Receiver:
    """A local webhook receiver answering 200 and counting."""

    def __init__(self) -> None:
        self.count = 0
        lock = threading.Lock()
        receiver = self

        class Handler(JsonHandler):
            def on_post(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.count += 1
                self.send_json(200, {})

        self.server, base = serve(Handler)
        self.url = base + "/hook"

    def stop(self) -> None:
        self.server.shutdown()


class City:
    def __init__(self, bench: harness.Bench) -> None:
        _, problem = topology.apply(bench.vhost.uri)
        if problem is not None:
            raise BenchFailure(f"broker topology: {problem}")
        self.bench = bench
        ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        self.env = {**os.environ, "MONGO_URI": bench.secantus.uri, "AMQP_URI": bench.vhost.uri,
                    "WSPOLPRACA_TIMERS": "off", "PYTHONUNBUFFERED": "1",
                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()),
                    "WSPOLPRACA_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8",
                    "NOTIFICATIONS_POLL_SECONDS": "0.1", "WSPOLPRACA_RATE_LIMIT_WRITES": "0"}
        for name, port in ports.items():
            self.env[f"WSPOLPRACA_HTTP_PORT_{name.upper()}"] = str(port)
            self.env.pop(f"MONGO_URI_{name.upper()}", None)
        self.processes: dict[str, Process] = {}
        for name in SERVICES:
            self.start(name)
        for name in SERVICES:
            self.wait_ready(name)
        self.session = requests.Session()

    def start(self, name: str) -> None:
        process = Process(name, [sys.executable, "-m", "wspolpraca.runner", name,
                                 "--log-level", "WARNING"], self.env,
                          self.bench.workdir / f"{name}.log")
        self.bench.stack.callback(process.stop)
        self.processes[name] = process

    def wait_ready(self, name: str) -> None:
        def ready() -> bool:
            try:
                return requests.get(self.urls[name] + "/health/ready", timeout=2).ok
            except requests.RequestException:
                return False
        wait_until(ready, 120, f"{name} /health/ready", list(self.processes.values()))

    def call(self, method: str, service: str, path: str, token: str | None = None,
             expect: int = 200, headers: dict[str, str] | None = None,
             **kwargs) -> requests.Response:
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        response = self.session.request(method, self.urls[service] + path, headers=headers,
                                        timeout=60, **kwargs)
        if response.status_code != expect:
            raise BenchFailure(f"{method} {service} {path}: {response.status_code} "
                               f"{response.text[:300]}")
        return response


def seed(city: City, start: int, stop: int, clients: int = 8) -> None:
    """Inquiries, organisations and calendar entries number `start` to `stop`."""
    local = threading.local()

    def post(service: str, path: str, body: dict, token: str | None) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = session.post(city.urls[service] + path, json=body, headers=headers,
                                timeout=60)
        if response.status_code >= 300:
            raise BenchFailure(f"seeding {path}: {response.status_code} {response.text[:300]}")

    day = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)

    def one(n: int) -> None:
        post("registry", "/api/v1/inquiries", {
            "subject": f"Sala na próby nr {n}", "text": "Czy możemy korzystać z sali?",
            "area": "culture", "name": "Jan Kowalski", "email": "jan@chor.example.pl"}, None)
        post("registry", "/api/v1/organizations", {
            "name": f"Stowarzyszenie Wzrostu nr {n}", "legal_form": "association",
            "nip": fresh_nip(), "areas": ["culture"], "email": f"biuro{n}@wzrost.example.pl"},
            NGO)
        post("notifications", "/api/v1/calendar/events", {
            "title": f"Spotkanie nr {n}", "starts_at": (day + timedelta(hours=n)).isoformat(),
            "areas": ["culture"]}, OFFICER)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(start, stop)))


def settled(city: City, receiver: Receiver, inquiries: int) -> None:
    """Wait until notifications and reporting have handled every event of the seeding."""
    year = datetime.now(UTC).year

    def inbox() -> int:
        return city.call("GET", "notifications", "/api/v1/inbox/unread-count", DEPT).json()[
            "unread"]

    def reported() -> int:
        summary = city.call("GET", "reporting", "/api/v1/stats/summary",
                            params={"year": year}).json()
        return int((summary.get("inquiries") or {}).get("received", 0))

    wait_until(lambda: inbox() >= inquiries, 900, f"{inquiries} inbox items",
               list(city.processes.values()))
    wait_until(lambda: receiver.count >= inquiries, 900, f"{inquiries} webhook deliveries",
               list(city.processes.values()))
    wait_until(lambda: reported() >= inquiries, 900, f"reporting to count {inquiries} "
               "inquiries", list(city.processes.values()))


def paths(city: City, subscription: str) -> list[tuple[str, str, str, dict, str | None]]:
    year = datetime.now(UTC).year
    return [
        ("inquiries, routed to a department", "registry", "/api/v1/inquiries",
         {"status": "routed", "department": DEPARTMENT, "limit": PAGE}, OFFICER),
        ("organisations, by area and status", "registry", "/api/v1/organizations",
         {"area": "culture", "status": "pending", "limit": PAGE}, OFFICER),
        ("the calendar feed (iCalendar)", "notifications", "/api/v1/calendar.ics", {}, None),
        (CALENDAR_REVALIDATED, "notifications", "/api/v1/calendar.ics", {}, None),
        ("the inbox, unread first page", "notifications", "/api/v1/inbox",
         {"unread": "true", "limit": PAGE}, DEPT),
        ("the delivery log", "notifications", f"/api/v1/subscriptions/{subscription}/deliveries",
         {"limit": PAGE}, DEPT),
        ("the annual report (JSON)", "reporting", f"/api/v1/reports/annual/{year}",
         {"format": "json"}, None),
    ]


def measure(city: City, requests_per_path: int, subscription: str) -> dict[str, dict]:
    measured = {}
    for name, service, path, params, token in paths(city, subscription):
        headers, expect = {}, 200
        if name == CALENDAR_REVALIDATED:
            tag = city.call("GET", service, path, token, params=params).headers.get("ETag")
            if tag:
                headers, expect = {"If-None-Match": tag}, 304
        for _ in range(3):  # warm-up
            city.call("GET", service, path, token, expect, params=params, headers=headers)
        latencies = []
        for _ in range(requests_per_path):
            started = time.perf_counter()
            city.call("GET", service, path, token, expect, params=params,  # noqa: B018
                      headers=headers).content
            latencies.append(time.perf_counter() - started)
        measured[name] = {"median": round(statistics.median(latencies), 4),
                          **percentiles(latencies)}
    return measured


def first_pdf(city: City) -> float:
    """Seconds of the annual report's first PDF after reporting starts."""
    city.processes["reporting"].stop()
    city.start("reporting")
    city.wait_ready("reporting")
    year = datetime.now(UTC).year
    started = time.perf_counter()
    response = city.call("GET", "reporting", f"/api/v1/reports/annual/{year}",
                         params={"format": "pdf"})
    if not response.content.startswith(b"%PDF"):
        raise BenchFailure("the annual report's PDF is not a PDF")
    return round(time.perf_counter() - started, 3)


def run(args, bench: harness.Bench) -> dict:
    city = City(bench)
    receiver = Receiver()
    bench.stack.callback(receiver.stop)
    city.call("POST", "registry", "/api/v1/departments", OFFICER, expect=201, json={
        "code": DEPARTMENT, "name": "Wydział Kultury", "areas": ["culture"],
        "contact_person": "Anna Nowak", "email": "kultura@um.example.pl"})
    subscription = city.call("POST", "notifications", "/api/v1/subscriptions", DEPT,
                             expect=201, json={
                                 "channel": "webhook", "target": receiver.url,
                                 "for_department": True,
                                 "event_types": ["registry.inquiry.routed"]}).json()["id"]
    sizes: dict[str, dict] = {}
    done = 0
    for label, size in (("x1", args.base), ("x10", args.base * 10)):
        print(f"  filling to {size} inquiries, organisations and calendar entries ...",
              flush=True)
        seed(city, done, size)
        done = size
        settled(city, receiver, size)
        sizes[label] = measure(city, args.requests, subscription)
        sizes[label][FIRST_PDF] = {"median": first_pdf(city)}
    rows = []
    for name in sizes["x1"]:
        small, large = sizes["x1"][name]["median"], sizes["x10"][name]["median"]
        ratio = round(large / small, 2) if small else None
        rows.append({"path": name, "x1": small, "x10": large, "ratio": ratio,
                     "verdict": "PASS" if ratio is not None and ratio <= TARGET_GROWTH
                     else "GROWS"})
        print(f"  {name:<48} x1 {small * 1000:8.1f} ms   x10 {large * 1000:8.1f} ms   "
              f"ratio {ratio}", flush=True)
    return {"base": args.base, "sizes": sizes, "paths": rows,
            "first_pdf": {"x1": sizes["x1"][FIRST_PDF]["median"],
                          "x10": sizes["x10"][FIRST_PDF]["median"],
                          "limit_seconds": FIRST_PDF_LIMIT}}


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("bench/growth.py", __doc__)
    parser.add_argument("--base", type=int, default=300, help="N, the x1 size (default 300)")
    parser.add_argument("--requests", type=int, default=30, help="per path and size")
    args = parser.parse_args(argv)
    if args.base < PAGE:
        parser.error(f"--base must be at least {PAGE} (a full page at x1)")
    print(f"growth: x1 = {args.base}, x10 = {args.base * 10}, {args.requests} requests per "
          "path and size", flush=True)
    outcome = harness.run_measured(run, args)
    if outcome is None:
        return 1
    worst = max(outcome["paths"], key=lambda p: p["ratio"] or 0)
    outcome.update(args=vars(args), target=TARGET_GROWTH, worst_path=worst["path"],
                   worst_ratio=worst["ratio"])
    harness.print_rows([("worst path", worst["path"]),
                        ("its cost x10 / x1", f"{worst['ratio']}"),
                        ("target", f"<= {TARGET_GROWTH}"),
                        ("verdict", "PASS" if (worst["ratio"] or 0) <= TARGET_GROWTH
                         else "GROWS")])
    harness.save("growth", outcome)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
