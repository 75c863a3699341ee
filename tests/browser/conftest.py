"""The whole city as processes, demo data, and Debian's Chromium driven by Playwright.

`city` (once per run): a SecantusDB server and a RabbitMQ vhost of the run's own, the broker
topology of infra/rabbitmq/definitions.json, an SMTP server (aiosmtpd) for the notifications'
email, identity (the services verify its tokens by its JWKS), the five services and the portal,
each `python -m wspolpraca.runner <name>` on a free port;
then `scripts/demo.py` fills it through the public APIs, as `make demo` does, and a consultation
open to residents is added for the comment form. `browser`: Chromium from Debian
(`make chromium`), launched by Playwright with `executable_path`; each test's `page` records
every request the page makes, so a test can check none left the portal's origin.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from wspolpraca import topology
from wspolpraca.auth import mint_token
from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.secantus import SecantusServer, free_port
from wspolpraca.testing.processes import stop_processes
from wspolpraca.testing.rabbit import Vhost, broker_reachable
from wspolpraca.testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
SERVICES = ("identity", "registry", "grants", "consultations", "notifications", "reporting",
            "portal")
ADMIN_EMAIL = "admin@browser.example.org"
ADMIN_PASSWORD = "Przegladarka-admin-2026!"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 640}


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.browser)


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("no chromium: `make chromium` (infra/scripts/ensure-chromium.sh)")
        pytest.skip("no chromium: `make chromium` installs Debian's")
    return found


def wait_for(check, timeout: float, what: str, interval: float = 0.2) -> None:
    wait_until(check, timeout=timeout, interval=interval, what=what)


class City:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: list = []
        self.ports = {service: free_port() for service in SERVICES}
        self.database: SecantusServer | None = None
        self.vhost: Vhost | None = None
        self.smtp: subprocess.Popen | None = None
        self.smtp_port = free_port()
        self.maildir = workdir / "maildir"

    @property
    def portal(self) -> str:
        return f"http://127.0.0.1:{self.ports['portal']}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self) -> City:
        self.database = SecantusServer(self.workdir / "secantus", log_path=self.workdir /
                                       "secantus.log").start()
        self.vhost = Vhost("wspolpraca-browser").create()
        _, problem = topology.apply(self.vhost.uri)
        assert problem is None, problem
        for folder in ("tmp", "new", "cur"):
            (self.maildir / folder).mkdir(parents=True, exist_ok=True)
        self.smtp = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.smtp_port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.env = {**os.environ, "MONGO_URI": self.database.uri, "AMQP_URI": self.vhost.uri,
                    "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET, "WSPOLPRACA_TIMERS": "off",
                    "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp_port),
                    "NOTIFICATIONS_POLL_SECONDS": "0.2", "EMAIL_RETRY_SECONDS": "0.5",
                    "WSPOLPRACA_PUBLIC_URL": self.portal, "WSPOLPRACA_PORTAL_URL": self.portal}
        for service, port in self.ports.items():
            self.env[f"WSPOLPRACA_HTTP_PORT_{service.upper()}"] = str(port)
        # identity as production runs it: the services verify its tokens through its JWKS
        # (the development secret's HS256 tokens of the set-up stay accepted beside them)
        issuer = self.url("identity")
        self.env.update({"WSPOLPRACA_IDENTITY_ISSUER": issuer, "WSPOLPRACA_JWT_ISSUER": issuer,
                         "WSPOLPRACA_JWT_JWKS_URL": f"{issuer}/oauth2/jwks",
                         "WSPOLPRACA_ADMIN_EMAIL": ADMIN_EMAIL,
                         "WSPOLPRACA_ADMIN_PASSWORD": ADMIN_PASSWORD})
        for service in SERVICES:
            log = open(self.workdir / f"{service}.log", "wb")
            self.logs.append(log)
            self.processes[service] = subprocess.Popen(
                [sys.executable, "-m", "wspolpraca.runner", service], env=self.env,
                stdout=log, stderr=subprocess.STDOUT)
        for service in SERVICES:
            wait_for(lambda s=service: self.ready(s), 90, f"{service} ready")
        return self

    def ready(self, service: str) -> bool:
        if self.processes[service].poll() is not None:
            log = (self.workdir / f"{service}.log").read_text(errors="replace")
            raise AssertionError(f"{service} exited: {log[-3000:]}")
        try:
            return requests.get(self.url(service) + "/health/ready", timeout=2).ok
        except requests.RequestException:  # not listening yet, or busy starting
            return False

    def seed(self) -> dict:
        """The demo city (scripts/demo.py through the APIs), plus what the tests need open."""
        env = {**self.env, "REGISTRY": self.url("registry"), "GRANTS": self.url("grants"),
               "CONSULTATIONS": self.url("consultations"),
               "NOTIFICATIONS": self.url("notifications"), "REPORTING": self.url("reporting"),
               "IDENTITY": self.url("identity"), "PORTAL": self.portal}
        demo = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py")], env=env,
                              cwd=self.workdir, capture_output=True, text=True, timeout=900)
        assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
        officer = {"Authorization": "Bearer " + mint_token("browser-officer", ["officer"])}
        now = datetime.now(UTC)
        opened = requests.post(self.url("consultations") + "/api/v1/consultations", json={
            "title": "Projekt uchwały o zasadach udostępniania lokali organizacjom",
            "subject": "Zasady użyczania lokali miejskich organizacjom pozarządowym na "
                       "działalność statutową.",
            "draft_text": "§ 1. Miasto użycza lokale organizacjom pożytku publicznego.\n"
                          "§ 2. Pierwszeństwo mają organizacje działające na rzecz seniorów.",
            "sections": ["§ 1. Zasady ogólne", "§ 2. Pierwszeństwo"],
            "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=14)).isoformat(),
            "residents_may_comment": True}, headers=officer, timeout=30)
        assert opened.status_code == 201, opened.text
        return {"consultation": opened.json()["id"]}

    def mail(self) -> list:
        """The messages the notifications service sent, as parsed emails."""
        import email
        import email.policy
        import mailbox

        box = mailbox.Maildir(str(self.maildir), create=False)
        return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
                for key in box.keys()]

    def link_in_mail(self, address: str, path: str, timeout: float = 30) -> str:
        """The first link to `path` (a regular expression of its path and query) in an email
        to `address`, once it has arrived (it leaves through notifications' outbox)."""
        import re

        def find() -> str | None:
            for message in self.mail():
                if address in str(message["To"]):
                    body = message.get_body(preferencelist=("plain", "html")).get_content()
                    found = re.search(r"https?://[^\s\"'<>]+" + path + r"[^\s\"'<>]*", body)
                    if found:
                        return found[0].replace("&amp;", "&")
            return None

        wait_for(lambda: find() is not None, timeout, f"an email to {address} with {path}")
        return find() or ""

    def stop(self) -> None:
        stop_processes(self.processes.values())
        for log in self.logs:
            log.close()
        if self.smtp is not None and self.smtp.poll() is None:
            self.smtp.terminate()
            self.smtp.wait(10)
        if self.database is not None:
            self.database.stop()
        if self.vhost is not None:
            self.vhost.delete()


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Iterator[City]:
    chromium()
    if not broker_reachable():
        pytest.fail("RabbitMQ is not answering on 127.0.0.1:5672 (`make rabbitmq`)")
    running = City(tmp_path_factory.mktemp("city"))
    try:
        running.start()
        running.seeded = running.seed()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser(city):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium())
        yield launched
        launched.close()


class Requests:
    """Every request a page made, to check that none left the portal's origin."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.urls: list[str] = []

    def __call__(self, request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        mine = urlsplit(self.origin).netloc
        return [u for u in self.urls if urlsplit(u).scheme not in ("data", "blob")
                and urlsplit(u).netloc != mine]


@pytest.fixture
def context_factory(browser, city):
    made = []

    def make(**options):
        context = browser.new_context(base_url=city.portal, locale="pl-PL",
                                      timezone_id="Europe/Warsaw", **options)
        context.set_default_timeout(20000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


class CspViolations:
    """What the Content-Security-Policy refused on a page, as Chromium reports it in the
    console ("Refused to ...", "... violates the following Content Security Policy ...")."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __call__(self, message) -> None:
        text = getattr(message, "text", None) or getattr(message, "message", "") or ""
        if "Content Security Policy" in text:
            self.messages.append(text)


@pytest.fixture
def page(context_factory, city):
    context = context_factory(viewport=DESKTOP)
    opened = context.new_page()
    opened.requests = Requests(city.portal)
    opened.on("request", opened.requests)
    opened.csp_violations = CspViolations()
    opened.on("console", opened.csp_violations)
    opened.on("pageerror", lambda error: opened.csp_violations(error))
    return opened


def screenshot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, timeout=60000)
    return path


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
