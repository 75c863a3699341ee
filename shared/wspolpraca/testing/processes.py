"""Services run as processes in the tests that need real processes (the e2e year, the portal's
browser tests)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterable

import requests

from wspolpraca.testing.waiting import wait_until


def stop_process(process: subprocess.Popen, signalled: bool = False) -> None:
    """SIGTERM (once: a second one makes a nameko runner stop twice), 20 s, then SIGKILL."""
    if process.poll() is None:
        if not signalled:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_processes(processes: Iterable[subprocess.Popen]) -> None:
    """SIGTERM to all at once (they stop in parallel), then each gets 20 s before SIGKILL."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        stop_process(process, signalled=True)


def wait_ready(base_url: str, process: subprocess.Popen | None = None,
               timeout: float = 30.0) -> requests.Response:
    """Wait until the service at `base_url` answers its readiness probe (and fail at once when
    its `process` exited); return that answer."""

    def ready() -> requests.Response | None:
        assert process is None or process.poll() is None, f"{base_url}: the process exited"
        try:
            response = requests.get(base_url + "/health/ready", timeout=2)
        except requests.ConnectionError:
            return None
        return response if response.ok else None

    return wait_until(ready, timeout=timeout, interval=0.1, what=f"{base_url} to be ready")
