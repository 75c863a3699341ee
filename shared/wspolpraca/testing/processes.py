"""Services run as processes in the tests that need real processes (the e2e year, the portal's
browser tests)."""

from __future__ import annotations

import signal
import subprocess
import sys
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


class ServiceProcess:
    """One service as its own process (`python -m wspolpraca.runner <service>`), as one replica
    of a Deployment runs: its HTTP port and instance name of its own, the rest from `env`."""

    def __init__(self, service: str, env: dict[str, str], name: str) -> None:
        from wspolpraca.secantus import free_port

        self.service = service
        self.name = name
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wspolpraca.runner", service],
            env={**env, f"WSPOLPRACA_HTTP_PORT_{service.upper()}": str(self.port),
                 "WSPOLPRACA_INSTANCE": name},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        """Ready (/health/ready), and still running (AssertionError once it exited)."""
        import requests

        assert self.process.poll() is None, f"{self.name} exited"
        try:
            return requests.get(self.url + "/health/ready", timeout=2).ok
        except requests.ConnectionError:
            return False

    def metric(self, name: str) -> float | None:
        """The value of an unlabelled series on its /metrics, None when it is not there."""
        import requests

        for line in requests.get(self.url + "/metrics", timeout=10).text.splitlines():
            series, _, value = line.rpartition(" ")
            if series.split("{", 1)[0] == name:
                return float(value)
        return None

    def stop(self) -> None:
        stop_process(self.process)
