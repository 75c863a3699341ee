"""A stub of a service's JSON API for tests: a local HTTP server on a free port."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonHandler(BaseHTTPRequestHandler):
    """Subclass with `on_get`/`on_post` answering through `send_json`; it logs nothing."""

    def do_GET(self) -> None:
        self.on_get()

    def do_POST(self) -> None:
        self.on_post()

    def on_get(self) -> None:
        self.send_json(405, {"error": {"code": "method_not_allowed", "message": "GET"}})

    def on_post(self) -> None:
        self.send_json(405, {"error": {"code": "method_not_allowed", "message": "POST"}})

    def send_json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_json(self) -> Any:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"null")

    def log_message(self, *args) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    """The stub answering on 127.0.0.1 in a thread of its own; the server and its base URL
    (`server.shutdown()` ends it)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
