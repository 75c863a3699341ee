"""The portal's client of the five services' public APIs: HTTP with timeouts, nothing else.

Base URLs come from the environment (`PORTAL_<SERVICE>_URL`), defaulting to the local ports
(`WSPOLPRACA_HTTP_PORT_<SERVICE>` or DESIGN.md's 8001–8005). A backend that does not answer, or
answers 5xx, raises `Unavailable` naming it: a page shows that part as unavailable and renders
the rest. The portal calls only public endpoints, without a token.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from wspolpraca.config import SERVICE_PORTS

log = logging.getLogger(__name__)

BACKENDS = ("registry", "grants", "consultations", "notifications", "reporting")

# what a person reads when a backend is down: "Lista konkursów jest chwilowo niedostępna"
BACKEND_NAMES = {
    "registry": "baza organizacji",
    "grants": "konkursy i małe granty",
    "consultations": "konsultacje i rada",
    "notifications": "kalendarz i newsletter",
    "reporting": "sprawozdania i dane otwarte",
}


class Unavailable(Exception):
    """A backend did not answer in time, or answered with a server error."""

    def __init__(self, service: str, reason: str = "") -> None:
        super().__init__(f"{service} unavailable: {reason}")
        self.service = service
        self.what = BACKEND_NAMES.get(service, service)


class NotFound(Exception):
    """The backend answered 404: the page does not exist (or is not public)."""


@dataclass
class Rejected(Exception):
    """A 4xx other than 404 with the API's error body (e.g. 422 with `fields`)."""

    status: int
    code: str
    message: str
    fields: dict[str, list[str]]


def base_urls(env: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if env is None else env)
    urls = {}
    for service in BACKENDS:
        own = env.get(f"PORTAL_{service.upper()}_URL")
        port = env.get(f"WSPOLPRACA_HTTP_PORT_{service.upper()}") or SERVICE_PORTS[service]
        urls[service] = (own or f"http://127.0.0.1:{port}").rstrip("/")
    return urls


class Backends:
    def __init__(self, urls: dict[str, str], connect_timeout: float = 2.0,
                 read_timeout: float = 10.0) -> None:
        self.urls = urls
        self.timeout = (connect_timeout, read_timeout)
        self._local = threading.local()  # one session per (green) thread

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(self, method: str, service: str, path: str, *, params: Any = None,
                json: Any = None, stream: bool = False,
                read_timeout: float | None = None) -> requests.Response:
        url = self.urls[service] + path
        timeout = (self.timeout[0], read_timeout or self.timeout[1])
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, params=params, json=json,
                                         timeout=timeout, stream=stream)
        except requests.RequestException as exc:
            log.warning("backend %s unavailable: %s %s: %s", service, method, path,
                        type(exc).__name__)
            raise Unavailable(service, type(exc).__name__) from None
        log.debug("backend %s %s %s -> %s in %.1f ms", service, method, path,
                  response.status_code, (time.perf_counter() - started) * 1000)
        if response.status_code >= 500:
            raise Unavailable(service, f"HTTP {response.status_code}")
        if response.status_code == 404:
            raise NotFound(path)
        if response.status_code >= 400:
            try:
                error = response.json().get("error", {})
            except ValueError:
                error = {}
            raise Rejected(response.status_code, error.get("code", "error"),
                           error.get("message", ""), error.get("fields") or {})
        return response

    def get(self, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        return self.request("GET", service, path, params=clean).json()

    def post(self, service: str, path: str, body: dict) -> Any:
        response = self.request("POST", service, path, json=body)
        return response.json() if response.content else {}

    def items(self, service: str, path: str, limit: int = 100, pages: int = 5,
              **params: Any) -> list[dict]:
        """Up to `pages` pages of a list endpoint, followed by cursor."""
        found: list[dict] = []
        cursor = None
        for _ in range(pages):
            page = self.get(service, path, limit=limit, cursor=cursor, **params)
            found.extend(page.get("items", []))
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return found

    def stream(self, service: str, path: str, **params: Any) -> tuple[requests.Response,
                                                                       Iterator[bytes]]:
        """A download passed through (the annual report, open data, the calendar)."""
        response = self.request("GET", service, path, params=params, stream=True,
                                read_timeout=120)
        return response, response.iter_content(64 * 1024)
