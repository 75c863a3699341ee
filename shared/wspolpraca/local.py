"""The local run: `make run` starts the embedded database and every service.

`python -m wspolpraca.local run|status|stop`. RabbitMQ is expected on AMQP_URI
(`make run` starts the local broker first). Without MONGO_URI the embedded
SecantusDB server runs with its data under .data/, so a restart keeps
everything. Each service is its own process; Ctrl-C (or `make stop`) stops them
all cleanly, the database last.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from wspolpraca import topology
from wspolpraca.config import DEFAULT_AMQP_URI, DEVELOPMENT_JWT_SECRET, SERVICE_PORTS
from wspolpraca.secantus import SecantusServer

DATA = Path(os.environ.get("WSPOLPRACA_DATA", ".data"))
PIDFILE = DATA / "run.pid"
EMBEDDED_MONGO_PORT = int(os.environ.get("WSPOLPRACA_EMBEDDED_MONGO_PORT", "27027"))
# where the local run's SMTP server keeps the notifications' email (a maildir)
MAILDIR = DATA / "mail"
LOCAL_SMTP_PORT = 1025  # the notifications service's default SMTP_PORT


def installed_services() -> list[str]:
    return [name for name in SERVICE_PORTS if importlib.util.find_spec(name) is not None]


def say(message: str) -> None:
    print(json.dumps({"service": "local", "message": message}, ensure_ascii=False), flush=True)


def identity_environment(env: dict[str, str]) -> dict[str, str]:
    """The local run as production runs: the services verify identity's tokens through its
    JWKS (and check its issuer); outside production the development secret's HS256 tokens
    (`make token`, scripts) stay accepted beside them. A city's own provider, named by
    WSPOLPRACA_JWT_JWKS_URL, is left as configured."""
    if env.get("WSPOLPRACA_JWT_JWKS_URL") or env.get("WSPOLPRACA_JWT_PUBLIC_KEY"):
        return {}
    port = env.get("WSPOLPRACA_HTTP_PORT_IDENTITY", str(SERVICE_PORTS["identity"]))
    issuer = env.get("WSPOLPRACA_IDENTITY_ISSUER") or f"http://127.0.0.1:{port}"
    added = {"WSPOLPRACA_IDENTITY_ISSUER": issuer,
             "WSPOLPRACA_JWT_JWKS_URL": f"http://127.0.0.1:{port}/oauth2/jwks",
             "WSPOLPRACA_JWT_ISSUER": env.get("WSPOLPRACA_JWT_ISSUER") or issuer}
    if env.get("WSPOLPRACA_ENV", "development").lower() != "production":
        added["WSPOLPRACA_JWT_SECRET"] = env.get("WSPOLPRACA_JWT_SECRET") or \
            DEVELOPMENT_JWT_SECRET
    return added


class Supervisor:
    def __init__(self, services: list[str]) -> None:
        self.services = services
        self.children: dict[str, subprocess.Popen] = {}
        self.database: SecantusServer | None = None
        self.mail: subprocess.Popen | None = None
        self.stopping = False
        self.env = dict(os.environ)
        # links in emails (one-click unsubscribe, calendar feeds) are the notification service's
        # own paths: without the docker-compose proxy, its own address
        port = self.env.get("WSPOLPRACA_HTTP_PORT_NOTIFICATIONS", SERVICE_PORTS["notifications"])
        self.env.setdefault("WSPOLPRACA_PUBLIC_URL", f"http://127.0.0.1:{port}")
        if "identity" in services:
            self.env.update(identity_environment(self.env))

    def start_database(self) -> None:
        if self.env.get("MONGO_URI") or any(
                self.env.get(f"MONGO_URI_{s.upper()}") for s in self.services):
            return
        DATA.mkdir(parents=True, exist_ok=True)
        self.database = SecantusServer(DATA / "secantus", port=EMBEDDED_MONGO_PORT,
                                       log_path=DATA / "secantus.log").start()
        self.env["MONGO_URI"] = self.database.uri
        say(f"embedded SecantusDB on {self.database.uri} (data in {DATA / 'secantus'})")

    def start_mail(self) -> None:
        """Without SMTP_HOST the notifications service mails 127.0.0.1:1025: catch it there in a
        maildir under .data/mail (aiosmtpd, its own process), unless something (a Mailpit)
        already listens."""
        if self.env.get("SMTP_HOST") or "notifications" not in self.services:
            return
        port = int(self.env.get("SMTP_PORT") or LOCAL_SMTP_PORT)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                say(f"email: the SMTP server already on 127.0.0.1:{port}")
                return
        except OSError:
            pass
        if importlib.util.find_spec("aiosmtpd") is None:
            say(f"email: no SMTP server on 127.0.0.1:{port}; messages wait and are retried")
            return
        for folder in ("tmp", "new", "cur"):  # a maildir (aiosmtpd creates none of them)
            (MAILDIR / folder).mkdir(parents=True, exist_ok=True)
        self.mail = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(MAILDIR)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        say(f"email: SMTP on 127.0.0.1:{port}, every message kept in {MAILDIR}/new")

    def stop_mail(self) -> None:
        if self.mail is not None and self.mail.poll() is None:
            self.mail.terminate()
            try:
                self.mail.wait(10)
            except subprocess.TimeoutExpired:
                self.mail.kill()
                self.mail.wait()

    def declare_topology(self) -> subprocess.Popen | None:
        """The exchanges, department queues and bindings of infra/rabbitmq/definitions.json,
        before any service publishes (a department queue must exist before its events are);
        the dead-letter policies through the management API, or a `rabbitmqctl` left running
        while the services start (it takes seconds; `finish_topology` waits for it)."""
        amqp_uri = self.env.get("AMQP_URI", DEFAULT_AMQP_URI)
        definitions = topology.load(topology.DEFINITIONS, topology.vhost_of(amqp_uri))
        applied = topology.declare(amqp_uri, definitions)
        say(f"broker topology of {topology.DEFINITIONS.name}: {len(applied.created)} declared, "
            f"{len(applied.existing)} already there (left as they are), "
            f"{applied.bindings} bindings")
        if topology.set_policies_by_management_api(amqp_uri, definitions):
            say(f"{len(definitions['policies'])} dead-letter policies set (management API)")
            return None
        if not topology.local_broker(amqp_uri):
            say("dead-letter policies NOT set: the broker's management API does not answer")
            return None
        try:
            return topology.set_policies_by_rabbitmqctl(definitions)
        except OSError as exc:
            say(f"dead-letter policies NOT set: rabbitmqctl: {exc}")
            return None

    def finish_topology(self, process: subprocess.Popen | None) -> None:
        if process is None:
            return
        problem = topology.finish_rabbitmqctl(process)
        say("dead-letter policies set (rabbitmqctl import_definitions)" if problem is None
            else f"dead-letter policies NOT set: {problem}")

    def spawn(self, service: str) -> None:
        self.children[service] = subprocess.Popen(
            [sys.executable, "-m", "wspolpraca.runner", service], env=self.env)
        say(f"{service} started (pid {self.children[service].pid}, "
            f"http://127.0.0.1:{SERVICE_PORTS[service]})")

    def clean_start(self) -> None:
        """`make clean-run`: a new city. The data directory is moved aside (never deleted) and the
        platform's queues on the LOCAL broker are emptied, so no event of the former city reaches
        the new one's departments. Refused (NotLocalBroker) for a broker elsewhere."""
        from wspolpraca.dlq import queue_names

        amqp_uri = self.env.get("AMQP_URI", DEFAULT_AMQP_URI)
        if not topology.local_broker(amqp_uri):
            raise topology.NotLocalBroker(
                f"refusing a clean start: AMQP_URI points at {urlsplit(amqp_uri).hostname}, "
                "not a local broker (127.0.0.1, localhost, ::1); a clean start never empties "
                "the queues of a shared or production broker")
        if DATA.exists() and any(DATA.iterdir()):
            aside = DATA.with_name(f"{DATA.name}.before-clean-{time.strftime('%Y%m%d-%H%M%S')}")
            DATA.rename(aside)
            say(f"clean start: {DATA} moved to {aside} (delete it when not needed)")
        dropped = topology.purge_platform_queues(amqp_uri, queue_names(amqp_uri))
        say(f"clean start: {sum(dropped.values())} messages dropped from "
            f"{len(dropped)} platform queues on the local broker")

    def run(self, clean: bool = False) -> int:
        if "portal" in self.services:  # where a newcomer starts: the first line printed
            port = self.env.get("WSPOLPRACA_HTTP_PORT_PORTAL", SERVICE_PORTS["portal"])
            print(f"Portal: http://127.0.0.1:{port}/", flush=True)
        if clean:
            try:
                self.clean_start()
            except topology.NotLocalBroker as exc:
                say(str(exc))
                return 2
        DATA.mkdir(parents=True, exist_ok=True)
        PIDFILE.write_text(str(os.getpid()))
        signal.signal(signal.SIGINT, self._stop_signal)
        signal.signal(signal.SIGTERM, self._stop_signal)
        try:
            policies = self.declare_topology()
            self.start_database()
            self.start_mail()
            for service in self.services:
                self.spawn(service)
            self.finish_topology(policies)
            restarts: dict[str, list[float]] = {}
            while not self.stopping:
                time.sleep(0.5)
                for service, child in list(self.children.items()):
                    if child.poll() is None or self.stopping:
                        continue
                    recent = [t for t in restarts.get(service, []) if time.time() - t < 60]
                    if len(recent) >= 5:
                        say(f"{service} keeps failing (exit {child.returncode}); stopping all")
                        self.stopping = True
                        break
                    say(f"{service} exited with {child.returncode}; restarting")
                    restarts[service] = [*recent, time.time()]
                    self.spawn(service)
        finally:
            self.shutdown()
        return 0

    def _stop_signal(self, signum, frame) -> None:
        self.stopping = True

    def shutdown(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for service, child in self.children.items():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{service} did not stop in time; killed")
                child.kill()
                child.wait()
        self.stop_mail()
        if self.database is not None:
            self.database.stop()
        PIDFILE.unlink(missing_ok=True)
        say("stopped")


def status() -> int:
    worst = 0
    for service in installed_services():
        url = f"http://127.0.0.1:{SERVICE_PORTS[service]}/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                state = json.loads(response.read())["status"]
        except urllib.error.HTTPError as exc:
            state = f"not ready ({exc.code})"
            worst = 1
        except OSError:
            state = "down"
            worst = 1
        print(f"{service:<14} {url:<44} {state}")
    return worst


def stop() -> int:
    if not PIDFILE.exists():
        print("nothing to stop (no .data/run.pid)")
        return 0
    pid = int(PIDFILE.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        PIDFILE.unlink(missing_ok=True)
        print("the local run was not running")
        return 0
    for _ in range(60):
        if not PIDFILE.exists():
            print("stopped")
            return 0
        time.sleep(0.5)
    print("still stopping; check the `make run` terminal")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wspolpraca.local")
    parser.add_argument("command", choices=["run", "status", "stop"])
    parser.add_argument("--clean", action="store_true",
                        default=os.environ.get("WSPOLPRACA_CLEAN") == "1",
                        help="run: start a new city (move .data aside, empty the platform's "
                             "queues on the local broker; refused for any other broker)")
    args = parser.parse_args(argv)
    if args.command == "run":
        return Supervisor(installed_services()).run(clean=args.clean)
    return status() if args.command == "status" else stop()


if __name__ == "__main__":
    raise SystemExit(main())
