"""The portal's sessions: a random id in the browser's cookie, everything else on the server.

The cookie (`portal_session`) holds only a random 256-bit id: HttpOnly, SameSite=Lax, Secure
behind HTTPS, no Max-Age (it ends with the browser). The store keeps, per id, the sign-in in
progress (`state`, `nonce`, the PKCE verifier) and the person's tokens. It lives in the
portal's process, bounded and idle-expiring: a restart signs people out (the provider's own
session signs them in again at one click). A city running several portal replicas routes a
browser to the same one (sticky sessions) or replaces `SessionStore` with a shared store.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from portal.signin import Pending, Tokens

COOKIE = "portal_session"
IDLE_SECONDS = 12 * 3600   # as identity's own session
LIMIT = 20_000             # sessions kept; past it the longest idle go first


@dataclass
class Session:
    id: str
    pending: Pending | None = None
    tokens: Tokens | None = None
    touched: float = field(default_factory=time.monotonic)
    # the organisations the person may act for, read once after signing in: [(id, name)]
    organisations: list[tuple[str, str]] = field(default_factory=list)
    # one refresh of the tokens at a time (htmx requests arrive together; identity revokes
    # the whole family when a rotated refresh token is used twice); made when the session is,
    # so it is eventlet's green lock once the runner has monkey-patched `threading`
    refresh_lock: Any = field(default_factory=lambda: threading.Lock(), repr=False,
                              compare=False)

    @property
    def signed_in(self) -> bool:
        return self.tokens is not None

    @property
    def claims(self) -> dict[str, Any]:
        return self.tokens.claims if self.tokens else {}

    @property
    def name(self) -> str:
        return self.claims.get("name") or self.claims.get("email") or ""

    @property
    def roles(self) -> list[str]:
        return list(self.claims.get("roles") or [])

    @property
    def org_id(self) -> str | None:
        return self.claims.get("org_id")

    def has(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles


class SessionStore:
    def __init__(self, idle: float = IDLE_SECONDS, limit: int = LIMIT) -> None:
        self.idle = idle
        self.limit = limit
        self.lock = threading.Lock()
        self.sessions: dict[str, Session] = {}

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self.lock:
            found = self.sessions.get(session_id)
            if found is None:
                return None
            if found.touched + self.idle < time.monotonic():
                del self.sessions[session_id]
                return None
            found.touched = time.monotonic()
            return found

    def new(self) -> Session:
        with self.lock:
            if len(self.sessions) >= self.limit:
                oldest = sorted(self.sessions.values(), key=lambda s: s.touched)
                for stale in oldest[: max(1, self.limit // 10)]:
                    del self.sessions[stale.id]
            session = Session(id=secrets.token_urlsafe(32))
            self.sessions[session.id] = session
            return session

    def renew(self, session: Session) -> Session:
        """A new id for the same person (after signing in: no session fixation)."""
        with self.lock:
            self.sessions.pop(session.id, None)
            session.id = secrets.token_urlsafe(32)
            self.sessions[session.id] = session
            return session

    def end(self, session: Session) -> None:
        with self.lock:
            self.sessions.pop(session.id, None)


@dataclass
class Stashed:
    path: str           # the page the form was on (it comes back there)
    items: list[tuple[str, str]]
    sub: str | None     # the person who typed it, when the portal still knew them
    stored: float = field(default_factory=time.monotonic)
    action: str = ""    # where the form posted (a page with several forms fills that one)


class FormStash:
    """What a form held when its POST arrived without a valid session (expired, the portal
    restarted, the refresh refused): kept on the server under a random one-time key for
    `ttl` seconds, so the person signs in again and comes back to the form filled in. The key
    travels in the address back to the form; it is taken once, for that form's path only."""

    def __init__(self, ttl: float = 3600, limit: int = 5_000) -> None:
        self.ttl = ttl
        self.limit = limit
        self.lock = threading.Lock()
        self.kept: dict[str, Stashed] = {}

    def put(self, path: str, items: list[tuple[str, str]], sub: str | None = None,
            action: str = "") -> str:
        with self.lock:
            now = time.monotonic()
            for key in [k for k, v in self.kept.items() if v.stored + self.ttl < now]:
                del self.kept[key]
            if len(self.kept) >= self.limit:
                oldest = min(self.kept, key=lambda k: self.kept[k].stored)
                del self.kept[oldest]
            key = secrets.token_urlsafe(24)
            self.kept[key] = Stashed(path, items, sub, action=action or path)
            return key

    def take(self, key: str | None, path: str, sub: str | None) -> list[tuple[str, str]] | None:
        """The form's fields kept under `key` for `path` (once), or None."""
        found = self.take_form(key, path, sub)
        return found.items if found else None

    def take_form(self, key: str | None, path: str, sub: str | None,
                  action: str | None = None) -> Stashed | None:
        """The form kept under `key` for the page `path` (once), with where it posted; with
        `action`, only a form that posted there (another form of the page may take it)."""
        if not key:
            return None
        with self.lock:
            found = self.kept.get(key)
            if found is None or found.path != path or (found.sub and found.sub != sub) \
                    or (action is not None and found.action != action):
                return None
            del self.kept[key]
            if found.stored + self.ttl < time.monotonic():
                return None
            return found
