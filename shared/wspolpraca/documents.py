"""Documents (PDF, XLSX) rendered off the eventlet hub.

eventlet runs every request and event consumer of a service in one OS thread: a PDF that
takes a second to lay out would stop them all (health checks included) for that second.
`off_the_hub` runs the rendering in a native thread of eventlet's pool (`tpool`), so the
hub goes on serving while it works, one rendering at a time (fontconfig and pango are not
fully thread-safe). Only pure rendering belongs there: no database, no network (those use
the hub's green sockets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from eventlet import patcher, tpool

T = TypeVar("T")

_RENDERING = patcher.original("threading").Lock()


def _alone(render: Callable[..., T], *args: Any) -> T:
    with _RENDERING:
        return render(*args)


def off_the_hub(render: Callable[..., T], *args: Any) -> T:
    """`render(*args)` in a native thread; the calling greenthread waits, the others run."""
    return tpool.execute(_alone, render, *args)
