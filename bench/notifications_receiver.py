"""A webhook receiver for bench/notifications_fanout.py, in its own process.

`python bench/notifications_receiver.py PORT SLOW_SECONDS`: answers 200 to every POST, after
SLOW_SECONDS for paths starting with /slow; GET /stats returns, per path prefix (the path
without its last segment), the count of requests and the first and last arrival times, and
under "repeated" how many requests carried an `X-Wspolpraca-Delivery` id that had arrived
before (a delivery sent twice).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATS: dict[str, list[float]] = {}
SEEN: set[str] = set()
REPEATED = [0]
LOCK = threading.Lock()


def main() -> None:
    port, slow = int(sys.argv[1]), float(sys.argv[2])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path.startswith("/slow"):
                time.sleep(slow)
            now = time.time()
            group = self.path.rsplit("/", 1)[0]
            delivery = self.headers.get("X-Wspolpraca-Delivery")
            with LOCK:
                if delivery in SEEN:
                    REPEATED[0] += 1
                elif delivery:
                    SEEN.add(delivery)
                entry = STATS.setdefault(group, [0, now, now])
                entry[0] += 1
                entry[2] = now
            self._answer(200, b"")

        def do_GET(self):
            with LOCK:
                body = json.dumps({**STATS, "repeated": [REPEATED[0], 0, 0]}).encode()
            self._answer(200, body)

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        # listen(5), the default, drops connections when 50 senders connect at once; each
        # dropped SYN is retried after 1, 2, 4, 8, 16 s, which put 25-30 s tails into rounds
        request_queue_size = 1024
        daemon_threads = True

    server = Server(("127.0.0.1", port), Handler)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
