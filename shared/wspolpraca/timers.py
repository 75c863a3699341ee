"""The one way a service runs something on a timer: nameko's `@timer`, doing nothing (and
answering 0) in a process whose timers are off (`WSPOLPRACA_TIMERS=0`, the tests, which
run the entry point themselves with `run_entrypoint`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from nameko.timer import timer


def scheduled(interval: float) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """`@timer(interval=...)` on a method of a service with a `db` (`wspolpraca.mongo.Mongo`)
    whose settings say whether timers run; the method answers how much it did."""

    def decorate(method: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(method)
        def when_enabled(self: Any, *args: Any, **kwargs: Any) -> int:
            if not self.db.provider.settings.timers_enabled:
                return 0
            return method(self, *args, **kwargs)

        return timer(interval=interval)(when_enabled)

    return decorate
