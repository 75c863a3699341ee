"""Calling a running service's entrypoint directly from a test (a timer's method, say)."""

from __future__ import annotations

from typing import Any

from nameko.testing.services import entrypoint_hook


def run_entrypoint(service: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run the entrypoint `name` of `service` (what `start_service` returns) once, in its
    container as nameko would; its result."""
    with entrypoint_hook(service.container, name) as call:
        return call(*args, **kwargs)
