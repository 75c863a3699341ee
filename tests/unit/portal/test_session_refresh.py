"""Two requests of one session with an expiring access token (autosave and the live sums
posted together): the tokens are refreshed once and both requests go on signed in. Identity
rotates refresh tokens and treats a second use of the old one as reuse (it revokes the whole
family), so a second refresh would sign the person out."""

from __future__ import annotations

import threading
import time

from portal_fakes import WAIT, RotatingIdentity

from portal.sessions import MemorySessionStore
from portal.signin import Tokens
from portal.web import Redirect
from portal.workspaces import WorkspacesMixin


class _Site:
    def __init__(self) -> None:
        self.provider = RotatingIdentity()
        self.sessions = MemorySessionStore()


class _CountingLock:
    """The session's lock, telling the test when a request waits for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting = threading.Semaphore(0)

    def __enter__(self) -> None:
        self.waiting.release()
        self.lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


class _Get:
    method = "GET"
    path = full_path = "/moja-organizacja"

    def __init__(self, session) -> None:
        self.session = session


def test_two_requests_with_an_expiring_token_refresh_once_and_both_go_on() -> None:
    pages = WorkspacesMixin()
    pages.site = _Site()
    identity = pages.site.provider
    session = MemorySessionStore().new()
    session.tokens = Tokens("access-0", "refresh-0", "id", time.time() + 10,
                            {"sub": "sub-1", "roles": ["ngo"]})
    lock = session.refresh_lock = _CountingLock()
    answers: dict[str, object] = {}

    def request(name: str) -> None:
        try:
            answers[name] = pages._me(_Get(session)).tokens
        except Redirect as exc:   # to sign in: the race was lost
            answers[name] = exc

    first = threading.Thread(target=request, args=("first",))
    first.start()
    assert identity.entered.wait(WAIT)          # the first is refreshing
    second = threading.Thread(target=request, args=("second",))
    second.start()
    assert lock.waiting.acquire(timeout=WAIT)   # the first's turn
    assert lock.waiting.acquire(timeout=WAIT)   # the second waits for it
    identity.release.set()
    first.join(WAIT)
    second.join(WAIT)

    assert identity.calls == 1
    assert isinstance(answers["first"], Tokens) and isinstance(answers["second"], Tokens)
    assert answers["first"].access_token == answers["second"].access_token == "access-1"
    assert session.tokens is not None and session.tokens.refresh_token == "refresh-1"


def test_a_request_that_waited_for_a_failed_refresh_signs_in_again() -> None:
    pages = WorkspacesMixin()
    pages.site = _Site()
    session = MemorySessionStore().new()
    session.tokens = Tokens("access-0", "refresh-0", "id", time.time() + 10, {"sub": "s"})
    pages.site.provider.release.set()
    pages.site.provider.used.append("refresh-0")   # already revoked
    for _ in range(2):
        try:
            pages._me(_Get(session))
        except Redirect as exc:
            assert exc.location.startswith("/logowanie?next=/moja-organizacja")
        else:
            raise AssertionError("not sent to sign in")
    assert pages.site.provider.calls == 1
