"""The service runner as a real process: readiness and a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.secantus import free_port
from wspolpraca.testing.processes import wait_ready
from wspolpraca.testing.rabbit import Vhost


def test_a_service_stops_cleanly_when_ctrl_c_and_then_sigterm_arrive(mongo_uri):
    vhost = Vhost("wspolpraca-runner").create()  # its queues must not outlive the test
    try:
        run_and_interrupt(mongo_uri, vhost.uri)
    finally:
        vhost.delete()


def run_and_interrupt(mongo_uri: str, amqp_uri: str) -> None:
    port = free_port()
    env = {**os.environ, "AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri,
           "WSPOLPRACA_HTTP_PORT_CONSULTATIONS": str(port), "WSPOLPRACA_TIMERS": "off",
           "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET}
    process = subprocess.Popen([sys.executable, "-m", "wspolpraca.runner", "consultations"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}", process)
        assert ready.json()["checks"]["consumers"] == "ok"  # its event queues are bound
        process.send_signal(signal.SIGINT)  # Ctrl-C on `make run` reaches every process
        process.send_signal(signal.SIGTERM)  # and the supervisor asks again
        assert process.wait(15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
