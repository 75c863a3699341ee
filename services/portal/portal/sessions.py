"""The portal's sessions: a random id in the browser's cookie, everything else on the server.

The cookie (`portal_session`) holds only a random 256-bit id: HttpOnly, SameSite=Lax, Secure
behind HTTPS, no Max-Age (it ends with the browser). The store keeps, per id, the sign-in in
progress (`state`, `nonce`, the PKCE verifier), the person's tokens and the organisations they
may act for, in the portal's own MongoDB database (`MONGO_URI_PORTAL`, or `MONGO_URI` and the
database `portal`, as every service's): every replica of the portal sees the same sessions,
and a restart or a rolling update signs nobody out.

- A session document's `_id` is the SHA-256 of the cookie's id (a copy of the database gives no
  cookie to replay); the tokens and the sign-in in progress are encrypted at rest with Fernet
  (`cryptography`: AES-128-CBC and HMAC-SHA256) under a key derived from PORTAL_SECRET by HKDF.
  A session whose tokens no longer decrypt (the secret changed) is simply signed out.
- Idle expiry (`IDLE_SECONDS`, 12 h as identity's own session): checked on every read, and a TTL
  index on `touched` removes what nobody reads again (MongoDB's TTL monitor and SecantusDB's
  sweep both honour it); `purge` does the same by a query at most every `PURGE_EVERY` seconds
  per replica, a backstop for a server that does not. `touched` is written at most every
  `TOUCH_EVERY` seconds, not on every request.
- Refreshing the tokens is a compare-and-set on the stored session: identity rotates refresh
  tokens and revokes the whole family when a rotated one is used twice, so one replica claims
  the refresh (a short lease on the session's current `version`), asks identity, and stores the
  new tokens with the next version; a replica that lost the claim waits for that version and
  uses the winner's tokens. Two replicas never send the same refresh token.

Forms posted without a valid session (`FormStash`) are kept the same way (collection
`stashed_forms`, encrypted, one hour): taking one is a single `find_one_and_delete`, so the
one-time key works once whichever replica the person comes back to.

`MemorySessionStore` and `MemoryFormStash` keep the same things in one process: the unit tests
of the pages use them; the portal itself always runs on the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.database import Database

from portal.signin import Pending, SignInFailed, Tokens
from wspolpraca.database import Collection

log = logging.getLogger(__name__)

COOKIE = "portal_session"
IDLE_SECONDS = 12 * 3600   # as identity's own session
LIMIT = 20_000             # sessions kept in memory (tests); past it the longest idle go first
TOUCH_EVERY = 60.0         # seconds: `touched` is written no more often than this
PURGE_EVERY = 600.0        # seconds between two purges of expired records by one replica
LEASE_SECONDS = 30.0       # how long a replica's claim to refresh a session's tokens holds
REFRESH_WAIT = 35.0        # how long a request waits for another replica's refresh
POLL_SECONDS = 0.05        # how often it looks whether that refresh is done
STASH_SECONDS = 3600.0     # a form kept for the person signing in again

SESSIONS = "sessions"
STASHED_FORMS = "stashed_forms"
COLLECTIONS = (
    Collection(SESSIONS, (IndexModel([("touched", ASCENDING)], name="idle_expiry",
                                     expireAfterSeconds=int(IDLE_SECONDS)),)),
    Collection(STASHED_FORMS, (IndexModel([("stored", ASCENDING)], name="stash_expiry",
                                          expireAfterSeconds=int(STASH_SECONDS)),)),
)


@dataclass
class Session:
    id: str
    pending: Pending | None = None
    tokens: Tokens | None = None
    touched: float = field(default_factory=time.monotonic)
    # the organisations the person may act for, read once after signing in: [(id, name)]
    organisations: list[tuple[str, str]] = field(default_factory=list)
    # the stored session's version this copy was read at (the refresh's compare-and-set)
    version: int = 0
    # MemorySessionStore's: one refresh of the tokens at a time in the process (made when the
    # session is, so it is eventlet's green lock once the runner has monkey-patched `threading`)
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


Refresh = Callable[[Tokens], Tokens]


def expiring(tokens: Tokens, margin: float) -> bool:
    return tokens.expires_at - margin <= time.time()


def digest(secret_id: str) -> str:
    """What the database keeps of a cookie's id or a stash key: its SHA-256."""
    return hashlib.sha256(secret_id.encode()).hexdigest()


class Sealer:
    """Encrypts what the store keeps of a person (tokens, a sign-in in progress, a form):
    Fernet under a key derived from PORTAL_SECRET (HKDF-SHA256, its own `info`, so the key
    is none of the secret's other uses)."""

    def __init__(self, secret: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"wspolpraca-portal-sessions").derive(secret.encode())
        self.fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, value: Any) -> str:
        return self.fernet.encrypt(json.dumps(value).encode()).decode()

    def open(self, sealed: str | None) -> Any:
        if not sealed:
            return None
        try:
            return json.loads(self.fernet.decrypt(sealed.encode()))
        except (InvalidToken, ValueError):
            log.info("a stored session no longer decrypts (PORTAL_SECRET changed?)")
            return None


def _now() -> datetime:
    return datetime.now(UTC)


class SessionStore:
    """The sessions in the portal's database, shared by its replicas (see the module)."""

    def __init__(self, db: Database, secret: str, idle: float = IDLE_SECONDS,
                 margin: float = 60.0, on_wait: Callable[[], None] | None = None) -> None:
        self.records = db[SESSIONS]
        self.sealer = Sealer(secret)
        self.idle = idle
        self.margin = margin               # signin.REFRESH_MARGIN
        self.on_wait = on_wait             # tests: told when a request waits for a refresh
        self.replica = secrets.token_hex(8)
        self.purged: float | None = None   # when this replica last purged (monotonic)

    # --- reading ---------------------------------------------------------------------------
    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        record = self.records.find_one({"_id": digest(session_id)})
        if record is None:
            return None
        touched = _aware(record["touched"])
        now = _now()
        if touched + timedelta(seconds=self.idle) < now:
            self.records.delete_one({"_id": record["_id"], "touched": record["touched"]})
            return None
        if touched + timedelta(seconds=TOUCH_EVERY) < now:
            self.records.update_one({"_id": record["_id"]}, {"$set": {"touched": now}})
        return self._session(session_id, record)

    def _session(self, session_id: str, record: dict[str, Any]) -> Session:
        session = Session(id=session_id, version=int(record.get("version", 0)))
        self._adopt(session, record)
        return session

    def _adopt(self, session: Session, record: dict[str, Any]) -> None:
        pending = self.sealer.open(record.get("pending"))
        tokens = self.sealer.open(record.get("tokens"))
        session.pending = Pending(**pending) if pending else None
        session.tokens = Tokens(**tokens) if tokens else None
        session.organisations = [(o[0], o[1]) for o in record.get("organisations") or []]
        session.version = int(record.get("version", 0))

    # --- writing ---------------------------------------------------------------------------
    def new(self) -> Session:
        self.purge()
        session = Session(id=secrets.token_urlsafe(32))
        self.records.insert_one({"_id": digest(session.id), "touched": _now(), "version": 0,
                                 "pending": None, "tokens": None, "organisations": [],
                                 "refreshing": None})
        return session

    def start_sign_in(self, session: Session, pending: Pending) -> None:
        session.pending = pending
        self.records.update_one({"_id": digest(session.id)}, {"$set": {
            "pending": self.sealer.seal(asdict(pending)), "touched": _now()}}, upsert=True)

    def signed_in(self, session: Session, tokens: Tokens) -> None:
        """The person signed in: a new id for the session (no session fixation), the sign-in
        in progress gone, the tokens kept."""
        old = digest(session.id)
        session.id = secrets.token_urlsafe(32)
        session.pending, session.tokens = None, tokens
        session.version += 1
        self.records.insert_one({"_id": digest(session.id), "touched": _now(),
                                 "version": session.version, "pending": None,
                                 "tokens": self.sealer.seal(asdict(tokens)),
                                 "organisations": [list(o) for o in session.organisations],
                                 "refreshing": None})
        self.records.delete_one({"_id": old})

    def set_organisations(self, session: Session, organisations: list[tuple[str, str]]) -> None:
        session.organisations = organisations
        self.records.update_one({"_id": digest(session.id)}, {"$set": {
            "organisations": [list(o) for o in organisations]}})

    def drop_tokens(self, session: Session) -> None:
        """The tokens were refused: the person signs in again (the session stays)."""
        session.tokens = None
        session.version += 1
        self.records.update_one({"_id": digest(session.id)}, {
            "$set": {"tokens": None, "refreshing": None}, "$inc": {"version": 1}})

    def end(self, session: Session) -> None:
        self.records.delete_one({"_id": digest(session.id)})

    def purge(self) -> int:
        """Delete what expired (where no TTL monitor does), at most every PURGE_EVERY s."""
        if self.purged is not None and time.monotonic() < self.purged + PURGE_EVERY:
            return 0
        self.purged = time.monotonic()
        return self.records.delete_many(
            {"touched": {"$lt": _now() - timedelta(seconds=self.idle)}}).deleted_count

    # --- refreshing the tokens: a compare-and-set on the stored session ---------------------
    def refresh(self, session: Session, refresh: Refresh) -> None:
        """Fresh tokens in `session` (or None: signed out). This replica refreshes when it
        claims the session's current version; otherwise it waits for the replica that did and
        takes its tokens. Raises SignInFailed when this replica's refresh was refused."""
        key = digest(session.id)
        deadline = time.monotonic() + REFRESH_WAIT
        while session.tokens is not None and expiring(session.tokens, self.margin):
            now = _now()
            claim = f"{self.replica}:{secrets.token_hex(8)}"
            claimed = self.records.find_one_and_update(
                {"_id": key, "version": session.version,
                 "$or": [{"refreshing": None}, {"refreshing.until": {"$lt": now}}]},
                {"$set": {"refreshing": {"by": claim,
                                         "until": now + timedelta(seconds=LEASE_SECONDS)}}},
                return_document=ReturnDocument.AFTER)
            if claimed is not None:
                self._refresh_claimed(session, key, claim, refresh)
                return
            record = self.records.find_one({"_id": key})
            if record is None:                  # ended meanwhile (signed out elsewhere)
                session.tokens = None
                return
            if int(record.get("version", 0)) != session.version:
                self._adopt(session, record)    # another replica's refresh: its tokens
                continue
            if time.monotonic() > deadline:
                raise SignInFailed("refresh: another replica's refresh did not finish")
            if self.on_wait is not None:
                self.on_wait()
            time.sleep(POLL_SECONDS)            # eventlet's sleep under the runner

    def _refresh_claimed(self, session: Session, key: str, claim: str,
                         refresh: Refresh) -> None:
        assert session.tokens is not None
        try:
            tokens = refresh(session.tokens)
        except Exception as exc:
            # refused, or failed after identity may already have rotated the refresh token
            # (reading its keys, a malformed answer): the claim is released and the tokens
            # dropped, so no replica sends that refresh token again (identity would revoke
            # the family) and nobody waits for the lease to run out; the person signs in again
            session.tokens = None
            session.version += 1
            self.records.update_one({"_id": key, "refreshing.by": claim}, {
                "$set": {"tokens": None, "refreshing": None}, "$inc": {"version": 1}})
            if isinstance(exc, SignInFailed):
                raise
            raise SignInFailed(f"refresh failed: {type(exc).__name__}") from exc
        session.tokens = tokens
        session.version += 1
        done = self.records.update_one({"_id": key, "refreshing.by": claim}, {
            "$set": {"tokens": self.sealer.seal(asdict(tokens)), "refreshing": None,
                     "touched": _now()},
            "$inc": {"version": 1}})
        if done.matched_count != 1:   # the lease ran out meanwhile (a very slow identity)
            log.warning("a token refresh outlived its lease; its tokens are kept by this "
                        "request only")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class MemorySessionStore:
    """The same operations on sessions kept in this process (the pages' unit tests)."""

    def __init__(self, idle: float = IDLE_SECONDS, limit: int = LIMIT,
                 margin: float = 60.0) -> None:
        self.idle = idle
        self.limit = limit
        self.margin = margin
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

    def start_sign_in(self, session: Session, pending: Pending) -> None:
        session.pending = pending
        with self.lock:
            self.sessions[session.id] = session

    def signed_in(self, session: Session, tokens: Tokens) -> None:
        with self.lock:
            self.sessions.pop(session.id, None)
            session.id = secrets.token_urlsafe(32)
            session.pending, session.tokens = None, tokens
            self.sessions[session.id] = session

    def set_organisations(self, session: Session, organisations: list[tuple[str, str]]) -> None:
        session.organisations = organisations

    def drop_tokens(self, session: Session) -> None:
        session.tokens = None

    def end(self, session: Session) -> None:
        with self.lock:
            self.sessions.pop(session.id, None)

    def refresh(self, session: Session, refresh: Refresh) -> None:
        """One refresh per session at a time: a request that waited for another's refresh
        uses the tokens it got, or none when that refresh failed."""
        with session.refresh_lock:
            if session.tokens is None or not expiring(session.tokens, self.margin):
                return
            try:
                session.tokens = refresh(session.tokens)
            except SignInFailed:
                session.tokens = None
                raise


@dataclass
class Stashed:
    path: str           # the page the form was on (it comes back there)
    items: list[tuple[str, str]]
    sub: str | None     # the person who typed it, when the portal still knew them
    stored: float = field(default_factory=time.monotonic)
    action: str = ""    # where the form posted (a page with several forms fills that one)


class _Taken:
    """What both stashes give back: a kept form's fields, taken once."""

    def take_form(self, key: str | None, path: str, sub: str | None,
                  action: str | None = None) -> Stashed | None:
        raise NotImplementedError

    def take(self, key: str | None, path: str, sub: str | None) -> list[tuple[str, str]] | None:
        """The form's fields kept under `key` for `path` (once), or None."""
        found = self.take_form(key, path, sub)
        return found.items if found else None


class FormStash(_Taken):
    """What a form held when its POST arrived without a valid session (expired, the refresh
    refused): kept in the portal's database under a random one-time key for `ttl` seconds,
    so the person signs in again and comes back to the form filled in, on any replica. The
    key travels in the address back to the form; it is taken once, for that form's path only.
    """

    def __init__(self, db: Database, secret: str, ttl: float = STASH_SECONDS) -> None:
        self.kept = db[STASHED_FORMS]
        self.sealer = Sealer(secret)
        self.ttl = ttl
        self.purged: float | None = None

    def put(self, path: str, items: list[tuple[str, str]], sub: str | None = None,
            action: str = "") -> str:
        if self.purged is None or time.monotonic() > self.purged + PURGE_EVERY:
            self.purged = time.monotonic()
            self.kept.delete_many({"stored": {"$lt": _now() - timedelta(seconds=self.ttl)}})
        key = secrets.token_urlsafe(24)
        self.kept.insert_one({"_id": digest(key), "path": path, "sub": sub or None,
                              "action": action or path, "stored": _now(),
                              "items": self.sealer.seal([list(i) for i in items])})
        return key

    def take_form(self, key: str | None, path: str, sub: str | None,
                  action: str | None = None) -> Stashed | None:
        """The form kept under `key` for the page `path` (once), with where it posted; with
        `action`, only a form that posted there (another form of the page may take it)."""
        if not key:
            return None
        query: dict[str, Any] = {
            "_id": digest(key), "path": path,
            "stored": {"$gte": _now() - timedelta(seconds=self.ttl)},
            "$or": [{"sub": None}, *([{"sub": sub}] if sub else [])]}
        if action is not None:
            query["action"] = action
        found = self.kept.find_one_and_delete(query)
        if found is None:
            return None
        items = self.sealer.open(found["items"]) or []
        return Stashed(found["path"], [(k, v) for k, v in items], found["sub"],
                       action=found["action"])


class MemoryFormStash(_Taken):
    """The same in this process (the pages' unit tests)."""

    def __init__(self, ttl: float = STASH_SECONDS, limit: int = 5_000) -> None:
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

    def take_form(self, key: str | None, path: str, sub: str | None,
                  action: str | None = None) -> Stashed | None:
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
