"""What the portal's unit tests stand in for, written once."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from portal.sessions import Session
from portal.signin import SignInFailed, Tokens
from portal.web import Site

WAIT = 10.0   # seconds a step may take before the test fails


class RotatingIdentity:
    """Rotates the refresh token; a reused one revokes the family (as identity's oidc.py).
    Holds each refresh until the test releases it (`entered`: one has begun)."""

    def __init__(self) -> None:
        self.calls = 0
        self.used: list[str] = []
        self.entered = threading.Event()
        self.release = threading.Event()

    def refresh(self, tokens: Tokens) -> Tokens:
        self.calls += 1
        self.entered.set()
        assert self.release.wait(WAIT)
        if tokens.refresh_token in self.used:
            raise SignInFailed("refresh token reused: family revoked")
        self.used.append(tokens.refresh_token or "")
        return replace(tokens, access_token=f"access-{self.calls}",
                       refresh_token=f"refresh-{self.calls}", expires_at=time.time() + 300)


class Answers:
    """A fake backend's `personal`: `answer` gives what the service answers; the keywords a
    newer `_call` may add (`if_match`; `tagged`: the answer with its ETag) are taken too."""

    def personal(self, method, service, path, token, *, tagged=False, if_match=None, **kw):
        found = self.answer(method, service, path, token, **kw)
        return (found, None) if tagged else found


def signed_in(roles: list[str], **claims: Any) -> Session:
    """A session of someone signed in with `roles` (and any other claims: org_id, sub)."""
    return Session("s", tokens=Tokens(access_token="t", refresh_token=None, id_token="",
                                      expires_at=2**40, claims={"roles": roles, **claims}))


def site_on(backends: Any) -> Site:
    """The portal's Site with a fake backend in place of the services."""
    site = Site("sekret", urls={}, provider=SimpleNamespace(issuer="http://id.example"))
    site.backends = backends
    return site
