"""Services run as processes in the tests that need real processes (the e2e year, the portal's
browser tests)."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterable


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
