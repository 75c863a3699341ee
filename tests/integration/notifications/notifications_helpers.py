"""Helpers of the notifications integration tests: a real local HTTP receiver, a real SMTP
server (aiosmtpd, in its own process so it can be stopped and started again), publishing
CloudEvents and polling."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pika

from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.secantus import free_port
from wspolpraca.testing.contract import load_catalogue
from wspolpraca.testing.waiting import wait_until

# Small delays so that retries, dead letters and suspension happen within a test.
FAST = {
    "retry_base_seconds": 0.05,
    "retry_cap_seconds": 0.2,
    "max_attempts": 3,
    "suspend_after": 2,
    "dispatcher_poll_seconds": 0.05,
    "email_retry_seconds": 0.2,
    "webhook_timeout": 1.0,
    "smtp_timeout": 1.0,
    "public_url": "https://wspolpraca.test",
}




# --- waiting for the dispatcher ---------------------------------------------------------------

def dispatcher_of(service):
    return next(d for d in service.container.dependencies if type(d).__name__ == "Dispatcher")


def all_delivered(service) -> None:
    """Wait until every delivery recorded so far had its attempt: none is due, none claimed, none
    in flight in the dispatcher (each is sent, dead, or waits for a later retry). What the
    receivers and the mailbox hold then is all that was sent; with `wait_handled` first (the
    events consumed), what the test asserts did not arrive will not arrive."""
    dispatcher = dispatcher_of(service)

    def idle() -> bool:
        waiting = service.db["deliveries"].count_documents({"$or": [
            {"status": "sending"},
            {"status": "pending", "next_attempt_at": {"$lte": utcnow()}}]})
        return waiting == 0 and not dispatcher.in_flight

    wait_until(idle, what="the dispatcher had nothing due, claimed or in flight")


# --- HTTP receiver ----------------------------------------------------------------------------

class Receiver:
    """Answers by path: /ok 200, /fail 500, /gone 404, /busy 429, /slow (sleeps, then 200),
    /flaky (500 for the first `flaky_failures` requests, then 200), /trickle (200, then its
    body a byte at a time, slowly), /huge (200 and a body of a gigabyte, as fast as the
    sender reads; `huge_written` counts what got out), /dated and /dated-busy (200 / 503 with
    `retry_after` as the Retry-After header)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.slow_answered = 0
        self.lock = threading.Lock()
        self.slow_seconds = 3.0
        self.flaky_failures = 2
        self.huge_written = 0
        self.hung_up = 0
        self.trickled = 0
        self.retry_after = "Tue, 04 Mar 2025 10:01:00 -0000"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body, "at": time.monotonic()})
                    seen = sum(1 for r in receiver.requests if r["path"] == self.path)
                status = 200
                if self.path.startswith("/fail"):
                    status = 500
                elif self.path.startswith("/gone"):
                    status = 404
                elif self.path.startswith("/busy"):
                    status = 429
                elif self.path.startswith("/slow"):
                    time.sleep(receiver.slow_seconds)
                    with receiver.lock:
                        receiver.slow_answered += 1
                elif self.path.startswith("/flaky"):
                    status = 500 if seen <= receiver.flaky_failures else 200
                elif self.path.startswith(("/trickle", "/huge")):
                    self._stream(self.path.startswith("/huge"))
                    return
                elif self.path.startswith("/dated"):
                    status = 503 if self.path.startswith("/dated-busy") else 200
                    self.send_response(status)
                    self.send_header("Retry-After", receiver.retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _stream(self, huge: bool) -> None:
                size = 1 << 30
                self.send_response(200)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                chunk = b"x" * 65536
                try:
                    for _ in range(size // len(chunk) if huge else 600):
                        if huge:
                            self.wfile.write(chunk)
                            with receiver.lock:
                                receiver.huge_written += len(chunk)
                        else:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            with receiver.lock:
                                receiver.trickled += 1
                            time.sleep(0.1)
                except OSError:
                    with receiver.lock:   # the sender hung up: what these paths are for
                        receiver.hung_up += 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def at(self, path: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]


# --- SMTP server ------------------------------------------------------------------------------

def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (and localhost), made with the openssl CLI:
    (certificate, key). The certificate is its own CA, so it is also the CA file to trust."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """A real SMTP server (aiosmtpd) writing what arrives to a maildir; with `login`, it
    requires that login, and with `tls` (`starttls` or `ssl`, given `certificate`) TLS."""

    def __init__(self, directory: Path, login: tuple[str, str] | None = None,
                 tls: str = "none", certificate: tuple[Path, Path] | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.login = login
        self.tls = tls
        self.certificate = certificate
        self.process: subprocess.Popen | None = None

    def start(self) -> SmtpServer:
        if self.login:
            command = [sys.executable, str(Path(__file__).with_name("smtp_auth_server.py")),
                       str(self.port), str(self.directory), *self.login]
            if self.tls != "none":
                assert self.certificate, "TLS needs a certificate"
                command += [self.tls, *map(str, self.certificate)]
        else:
            command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
                       "-c", "aiosmtpd.handlers.Mailbox", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(self._answers, timeout=10)
        return self

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                if self.tls == "ssl":
                    import ssl

                    context = ssl.create_default_context(cafile=str(self.certificate[0]))
                    with context.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
                        return tls.recv(3) == b"220"
                return sock.recv(3) == b"220"
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(self) -> list[email.message.EmailMessage]:
        if not (self.directory / "new").exists():
            return []
        box = mailbox.Maildir(str(self.directory), create=False)
        found = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
                 for key in box.keys()]
        return sorted(found, key=lambda m: str(m["Date"]))

    def to(self, address: str, event_type: str | None = None
           ) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if m["To"] == address
                and (event_type is None or m["X-Wspolpraca-Event-Type"] == event_type)]


def text_of(message: email.message.EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


# --- events -----------------------------------------------------------------------------------

def publish(amqp_uri: str, event: CloudEvent) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.exchange_declare(event.exchange, exchange_type="topic", durable=True)
        channel.basic_publish(event.exchange, event.routing_key,
                              json.dumps(event.to_dict()).encode(),
                              pika.BasicProperties(content_type="application/json",
                                                   delivery_mode=2, message_id=event.id))
    finally:
        connection.close()


CATALOGUE = load_catalogue(Path(__file__).resolve().parents[3] / "infra" / "asyncapi"
                           / "asyncapi.yaml")


def send(amqp_uri: str, service: str, routing_key: str, subject: str, data: dict
         ) -> CloudEvent:
    """Publish an event whose body the catalogue accepts (the test would be wrong otherwise)."""
    event = CloudEvent(service=service, routing_key=routing_key, subject=subject, data=data)
    assert CATALOGUE.validate(event.to_dict()) == [], CATALOGUE.validate(event.to_dict())
    publish(amqp_uri, event)
    return event


def organization(org_id: str, email: str, areas: list[str], status: str = "verified",
                 name: str | None = None) -> dict:
    """The registry's `organization.*` body of an organisation (as projected: its address and
    areas decide who hears of it)."""
    return {"id": org_id, "name": name or f"Organizacja {org_id[-1]}",
            "legal_form": "association", "nip": "5260250274", "regon": None, "krs": None,
            "areas": areas, "email": email, "district": None, "status": status,
            "public_benefit_status": None, "version": 2, "reason": None,
            "changed_by": "user-officer", "changed_at": "2027-03-01T10:00:00.000Z"}


def routed_inquiry(department: str = "culture", area: str = "culture",
                   **data) -> CloudEvent:
    payload = {"id": "665f1c2a9b1e8a0087654321", "subject": "Sala na próby chóru",
               "area": area, "organization_id": None, "department": department,
               "status": "routed", "received_at": "2025-03-04T10:15:30.123Z",
               "deadline": "2025-03-18T10:15:30.123Z", **data}
    return CloudEvent(service="registry", routing_key="inquiry.routed",
                      subject=payload["id"], data=payload)


def feed(service, token=None) -> list[str]:
    """The summaries of the public calendar's entries, or of a member's personal feed."""
    from urllib.parse import urlsplit

    from icalendar import Calendar

    if token is None:
        body = service.get("/api/v1/calendar.ics").content
    else:
        url = service.get("/api/v1/calendar/feed", token).json()["url"]
        parts = urlsplit(url)
        body = service.get(f"{parts.path}?{parts.query}").content
    return sorted(str(e["summary"]) for e in Calendar.from_ical(body).walk("VEVENT"))
