"""A department's (or an NGO's) receiver of wspolpraca webhooks: verify, then handle.

The notifications service POSTs each CloudEvent as JSON with

    X-Wspolpraca-Signature: sha256=<hex HMAC-SHA256 of the raw request body, keyed by the secret>
    X-Wspolpraca-Timestamp: <Unix seconds when this attempt was sent>
    X-Wspolpraca-Signature-Timestamped: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">

(the secret is shown once, when the subscription is created). Verify over the *raw bytes* of
the body, before parsing it: re-serialised JSON would not match. Compare with
`hmac.compare_digest` (constant time). `verify` checks the timestamped signature and refuses a
delivery sent further than `max_age` (5 minutes) from now, so a captured request cannot be
replayed later: its timestamp is signed, so it cannot be refreshed without the secret.
`require_timestamp=False` also accepts a delivery that carries only the body signature (from
a platform older than the timestamp); leave it on otherwise. Deliveries are retried (each
attempt with a new timestamp), and the same event may arrive twice: deduplicate by the
`X-Wspolpraca-Delivery` header or the CloudEvent `id` (see consumer.py's `ProcessedEvents`).

    WEBHOOK_SECRET=... python webhook_receiver.py --port 8090

Only the standard library is needed.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("webhook_receiver")

SIGNATURE_HEADER = "X-Wspolpraca-Signature"
TIMESTAMP_HEADER = "X-Wspolpraca-Timestamp"
TIMESTAMPED_SIGNATURE_HEADER = "X-Wspolpraca-Signature-Timestamped"
MAX_AGE_SECONDS = 300.0
MAX_BODY_BYTES = 1_000_000


def sign(secret: str | bytes, body: bytes) -> str:
    """The header value the platform sends for `body`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str | bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


def sign_timestamped(secret: str | bytes, timestamp: str, body: bytes) -> str:
    """The timestamped header value the platform sends for `body` sent at `timestamp`."""
    return sign(secret, timestamp.encode() + b"." + body)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def verify(secret: str | bytes, body: bytes, headers: Mapping[str, str], *,
           max_age: float = MAX_AGE_SECONDS, now: float | None = None,
           require_timestamp: bool = True) -> str | None:
    """None if the delivery is authentic and fresh, otherwise why it is refused."""
    if not signature_is_valid(secret, body, _header(headers, SIGNATURE_HEADER)):
        return "bad signature"
    stamp = _header(headers, TIMESTAMP_HEADER)
    stamped = _header(headers, TIMESTAMPED_SIGNATURE_HEADER)
    if stamp is None and stamped is None:
        return "missing timestamp" if require_timestamp else None
    if stamp is None or not stamp.strip().isdigit():
        return "bad timestamp"
    stamp = stamp.strip()
    if not stamped or not hmac.compare_digest(sign_timestamped(secret, stamp, body).encode(),
                                              stamped.strip().encode()):
        return "bad timestamped signature"
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > max_age:
        return "stale delivery"
    return None


def handle(event: dict) -> None:
    """The receiver's work for one event (deduplicate by event["id"])."""
    log.info("%s %s", event.get("type"), event.get("id"))


def make_handler(secret: str | bytes):
    class WebhookHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self._answer(413, "too large")
                return
            body = self.rfile.read(length)
            problem = verify(secret, body, self.headers)
            if problem:
                log.warning("refused a delivery: %s", problem)
                self._answer(401, problem)
                return
            try:
                handle(json.loads(body))
            except Exception:
                log.exception("handling failed; the platform will retry")
                self._answer(500, "failed")
                return
            self._answer(204, "")

        def _answer(self, status: int, text: str) -> None:
            payload = text.encode()
            self.send_response(status)
            if payload:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args) -> None:
            log.debug(format, *args)

    return WebhookHandler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Receive signed wspolpraca webhooks.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    secret = os.environ["WEBHOOK_SECRET"]
    server = ThreadingHTTPServer((args.host, args.port), make_handler(secret))
    log.info("listening on %s:%d", args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
