"""Helpers of the operator CLI's tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def database_uri(service) -> str:
    """MONGO_URI_<SERVICE> as an operator would set it: the server plus the database."""
    host = service.settings.mongo_uri.split("/?")[0].rstrip("/")
    return f"{host}/{service.settings.mongo_database}?directConnection=true"


def wait_until(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met in {timeout} s (last: {last!r})")
