"""Calling a running service's entrypoint directly from a test (a timer's method, say)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter
from typing import Any

from nameko.testing.services import entrypoint_hook


def run_entrypoint(service: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run the entrypoint `name` of `service` (what `start_service` returns) once, in its
    container as nameko would; its result."""
    with entrypoint_hook(service.container, name) as call:
        return call(*args, **kwargs)


def run_at_once(replicas: Sequence[Any], name: str) -> list[Any]:
    """Run the entrypoint `name` once in each of `replicas` (services on one database), all
    released together as the timers of several pods fire at once; their results in order.

    One call per container: nameko's `entrypoint_hook` waits for the container's first worker
    of the method, so two calls on one container would share a result."""
    ready = threading.Barrier(len(replicas))

    def fire(replica: Any) -> Any:
        with entrypoint_hook(replica.container, name) as call:
            ready.wait(timeout=30)
            return call()

    with ThreadPoolExecutor(len(replicas)) as pool:
        return list(pool.map(fire, replicas))


def in_lockstep(monkeypatch: Any, module: Any, name: str, parties: int = 2,
                key: Callable[[Any], Hashable] = attrgetter("record_id")) -> None:
    """Make `parties` replicas run the handler `module.name` on each record together: the
    first call for a record (`key` of the command: a timer's `Due` has its `record_id`, while
    its `now` differs between replicas) waits until every replica called it for the same
    record, so their transactions read the record at once and race to write it (retried
    attempts go straight through). Without it, one replica's timer tends to trail the other's
    and only ever finds the records already done, never racing it."""
    handler = getattr(module, name)
    lock = threading.Lock()
    barriers: dict[Any, threading.Barrier] = {}
    released: set[Any] = set()

    def together(command: Any, *args: Any, **kwargs: Any) -> Any:
        record = key(command)
        with lock:
            barrier = barriers.setdefault(record, threading.Barrier(parties))
            first = record not in released
        if first:
            barrier.wait(timeout=30)
            with lock:
                released.add(record)
        return handler(command, *args, **kwargs)

    monkeypatch.setattr(module, name, together)
