"""Waiting in tests for what happens asynchronously (an event consumed, an email sent)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.05,
               what: str = "") -> T:
    """Call `check` until it returns something truthy, and return that; fail after `timeout`
    seconds, saying what was awaited (`what`, else the check's docstring) and its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            awaited = what or (check.__doc__ or "").strip() or repr(check)
            raise AssertionError(f"not true after {timeout} s: {awaited} (last: {value!r})")
        time.sleep(interval)
