"""Runs a SecantusDB server (a MongoDB wire-protocol server) as a separate process.

SecantusDB is GPL-licensed: it is only ever started as its own process from
its own virtual environment and spoken to over the wire, never imported.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient

SECANTUS_VERSION = "0.7.0b3"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def secantus_binary() -> str:
    explicit = os.environ.get("SECANTUSD")
    if explicit:
        return explicit
    for candidate in (
        Path(sys.prefix).parent / ".secantus" / "bin" / "secantusd-py",
        Path.cwd() / ".secantus" / "bin" / "secantusd-py",
    ):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("secantusd-py")
    if found:
        return found
    raise RuntimeError(
        "SecantusDB is not installed: run `make install` (it creates .secantus/ with "
        f"SecantusDB=={SECANTUS_VERSION}) or set SECANTUSD to its secantusd-py."
    )


class SecantusServer:
    def __init__(self, storage_path: str | Path, port: int | None = None,
                 log_path: str | Path | None = None) -> None:
        self.storage_path = str(storage_path)
        self.port = port or free_port()
        self.log_path = Path(log_path) if log_path else None
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 60.0) -> SecantusServer:
        Path(self.storage_path).mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [secantus_binary(), "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", self.storage_path, "--log-level", "WARNING"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"SecantusDB exited with {self.process.returncode}")
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=500) as client:
                    client.admin.command("ping")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.2)
        raise RuntimeError(f"SecantusDB did not answer on port {self.port} in {timeout}s")

    def stop(self, sig_timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(sig_timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
