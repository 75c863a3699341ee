"""What the portal's unit tests stand in for, written once."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from portal.signin import SignInFailed, Tokens

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
