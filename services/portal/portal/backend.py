"""The portal's client of the five services' public APIs: HTTP with timeouts, nothing else.

Base URLs come from the environment (`PORTAL_<SERVICE>_URL`), defaulting to the local ports
(`WSPOLPRACA_HTTP_PORT_<SERVICE>` or DESIGN.md's 8001–8005). A backend that does not answer, or
answers 5xx, raises `Unavailable` naming it: a page shows that part as unavailable and renders
the rest. The public pages call public endpoints without a token (`get`, `post`: cached); the
workspaces call as the signed-in person with their token (`personal`: never cached).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from wspolpraca.config import SERVICE_PORTS

log = logging.getLogger(__name__)

BACKENDS = ("registry", "grants", "consultations", "notifications", "reporting")
# the workspaces also ask identity (representations) with the person's token
PERSONAL_BACKENDS = (*BACKENDS, "identity")
# a write whose Idempotency-Key is still being served (409 request_in_progress) is asked
# again, up to IN_PROGRESS_ATTEMPTS times IN_PROGRESS_WAIT seconds apart
IN_PROGRESS_ATTEMPTS = 20
IN_PROGRESS_WAIT = 0.25

# what a person reads when a backend is down: "Lista konkursów jest chwilowo niedostępna"
BACKEND_NAMES = {
    "registry": "baza organizacji",
    "grants": "konkursy i małe granty",
    "consultations": "konsultacje i rada",
    "notifications": "kalendarz i newsletter",
    "reporting": "sprawozdania i dane otwarte",
    "identity": "konta i logowanie",
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
    for service in PERSONAL_BACKENDS:
        own = env.get(f"PORTAL_{service.upper()}_URL")
        port = env.get(f"WSPOLPRACA_HTTP_PORT_{service.upper()}") or SERVICE_PORTS[service]
        urls[service] = (own or f"http://127.0.0.1:{port}").rstrip("/")
    return urls


def cache_seconds(env: dict[str, str] | None = None) -> float:
    """How long a public answer is reused (`PORTAL_CACHE_SECONDS`, default 2; 0 turns it off)."""
    value = (os.environ if env is None else env).get("PORTAL_CACHE_SECONDS", "2")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 2.0


class MicroCache:
    """Public GET answers reused for a few seconds: under load many people read the same
    pages, and each answer would be asked again within the second. Only successful answers
    are kept; a write the portal passes to a service drops that service's answers at once (the
    person who wrote sees it); writes elsewhere show after at most `ttl` seconds, plus one
    refresh: when an answer expires, one request asks the service again while the others keep
    the expired answer (up to `ttl` more), so they do not all ask at once."""

    LIMIT = 2000  # entries; past it the cache starts again (public pages, few distinct URLs)

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.entries: dict[tuple, tuple[float, Any]] = {}
        self.refreshing: set[tuple] = set()

    def lookup(self, key: tuple) -> tuple[Any, bool]:
        """(the answer or None, whether this caller must ask the service and `put` it)."""
        found = self.entries.get(key)
        moment = time.monotonic()
        if found is None or found[0] + self.ttl <= moment:
            return None, True
        if found[0] > moment or key in self.refreshing:
            return found[1], False
        self.refreshing.add(key)  # the first after expiry refreshes, the others keep it
        return found[1], True

    def put(self, key: tuple, value: Any) -> None:
        if self.ttl <= 0:
            return
        if len(self.entries) >= self.LIMIT:
            self.entries = {}
        self.entries[key] = (time.monotonic() + self.ttl, value)

    def done(self, key: tuple) -> None:
        self.refreshing.discard(key)

    def drop(self, service: str) -> None:
        self.entries = {k: v for k, v in self.entries.items() if k[0] != service}


class Backends:
    def __init__(self, urls: dict[str, str], connect_timeout: float = 2.0,
                 read_timeout: float = 10.0, cache_ttl: float | None = None) -> None:
        self.urls = urls
        self.timeout = (connect_timeout, read_timeout)
        self._local = threading.local()  # one session per (green) thread
        self.cache = MicroCache(cache_seconds() if cache_ttl is None else cache_ttl)

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(self, method: str, service: str, path: str, *, params: Any = None,
                json: Any = None, stream: bool = False, read_timeout: float | None = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        url = self.urls[service] + path
        timeout = (self.timeout[0], read_timeout or self.timeout[1])
        started = time.perf_counter()
        try:
            response = self.http.request(method, url, params=params, json=json,
                                         timeout=timeout, stream=stream, headers=headers)
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
        key = (service, path, tuple(sorted((k, str(v)) for k, v in clean.items())))
        return self._cached(key, lambda: self.request("GET", service, path,
                                                      params=clean).json())

    def content(self, service: str, path: str) -> bytes:
        """A small public document's bytes (the calendar feed a page reads), cached as `get`."""
        return self._cached((service, path, "content"),
                            lambda: self.request("GET", service, path).content)

    def _cached(self, key: tuple, ask: Callable[[], Any]) -> Any:
        found, refresh = self.cache.lookup(key)
        if not refresh:
            return found
        try:
            found = ask()
            self.cache.put(key, found)
        finally:
            self.cache.done(key)
        return found

    def post(self, service: str, path: str, body: dict,
             idempotency_key: str | None = None) -> Any:
        """A public form's write (no token); the cache of the service dropped, so the writer
        sees what they wrote on the next page."""
        return self.write("POST", service, path, {}, json=body,
                          idempotency_key=idempotency_key)

    def personal(self, method: str, service: str, path: str, token: str, *,
                 params: dict[str, Any] | None = None, json: Any = None,
                 idempotency_key: str | None = None, if_match: str | None = None,
                 tagged: bool = False) -> Any:
        """A call as the signed-in person (their bearer token): never cached; a write drops
        the service's public answers, as `post` does. `if_match`: the record's ETag an edit
        form was rendered from (412 when it changed since); `tagged`: the answer and its
        ETag."""
        return self.write(method, service, path, {"Authorization": f"Bearer {token}"},
                          params=params, json=json, idempotency_key=idempotency_key,
                          if_match=if_match, tagged=tagged)

    def write(self, method: str, service: str, path: str, headers: dict[str, str], *,
              params: dict[str, Any] | None = None, json: Any = None,
              idempotency_key: str | None = None, if_match: str | None = None,
              tagged: bool = False) -> Any:
        """`idempotency_key`: the form's key, made when it was rendered, so that a double
        click submits once."""
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if if_match:
            headers["If-Match"] = if_match
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            for attempt in range(IN_PROGRESS_ATTEMPTS):
                try:
                    response = self.request(method, service, path, params=clean, json=json,
                                            headers=headers)
                    break
                except Rejected as exc:
                    # the same key's first request still runs (a double click): its answer
                    # is replayed to this one as soon as it is written
                    if exc.code != "request_in_progress" or not idempotency_key \
                            or attempt == IN_PROGRESS_ATTEMPTS - 1:
                        raise
                    time.sleep(IN_PROGRESS_WAIT)
        finally:
            if method != "GET":
                self.cache.drop(service)
        answer = response.json() if response.content else {}
        return (answer, response.headers.get("ETag")) if tagged else answer

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
