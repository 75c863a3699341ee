"""What the fault tests kill and restart: a RabbitMQ node of their own, a SecantusDB server,
the five services as real processes (`python -m wspolpraca.runner <service>`).

The RabbitMQ node is a second `rabbitmq-server` instance of the Debian package, with its own
node name, ports, data and logs in a temporary directory and no plugins, so restarting it
never disturbs the node on 5672 that everything else uses.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pika
import requests

from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.secantus import free_port
from wspolpraca.testing.waiting import wait_until

SERVICES = ("registry", "grants", "consultations", "notifications", "reporting")




class RabbitNode:
    """A dedicated RabbitMQ node: `start()`, `stop()`, `restart()`, `uri`."""

    def __init__(self) -> None:
        # rabbitmq-server drops to the rabbitmq user: the directory must be open to it
        self.base = Path(tempfile.mkdtemp(prefix="faults-rabbit-"))
        self.base.chmod(0o777)
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"faults-{uuid.uuid4().hex[:8]}@localhost"
        config = self.base / "rabbitmq.conf"
        config.write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        plugins = self.base / "enabled_plugins"
        plugins.write_text("[].\n")  # no management, no prometheus
        for path in (config, plugins):
            path.chmod(0o666)
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
            "RABBITMQ_PID_FILE": str(self.base / "node.pid"),
        }

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(["rabbitmqctl", "-q", "-n", self.name, *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def start(self, timeout: float = 120.0) -> RabbitNode:
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True,
                       capture_output=True, timeout=60)
        # await_startup fails at once until the node has registered with epmd
        wait_until(lambda: self.ctl("await_startup", "--timeout", "30").returncode == 0,
                   timeout=timeout, interval=1.0, what=f"RabbitMQ node {self.name} up")
        return self

    def stop(self) -> None:
        self.ctl("stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def queues(self) -> dict[str, tuple[int, int]]:
        """{queue: (messages, consumers)}."""
        listing = self.ctl("list_queues", "name", "messages", "consumers", timeout=60)
        found = {}
        for line in listing.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].isdigit():
                found[parts[0]] = (int(parts[1]), int(parts[2]))
        return found

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


class Tap:
    """A durable queue bound to every service's exchange: each copy the relays published."""

    QUEUE = "faults.tap"

    def __init__(self, amqp_uri: str) -> None:
        self.amqp_uri = amqp_uri
        connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        channel = connection.channel()
        channel.queue_declare(self.QUEUE, durable=True)
        for service in SERVICES:
            channel.exchange_declare(f"{service}.events", exchange_type="topic", durable=True)
            channel.queue_bind(self.QUEUE, f"{service}.events", routing_key="#")
        connection.close()

    def drain(self) -> list[str]:
        """The message ids of every copy, once the queue is empty."""
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_uri))
        channel = connection.channel()
        ids = []
        while True:
            method, properties, _ = channel.basic_get(self.QUEUE, auto_ack=True)
            if method is None:
                break
            ids.append(properties.message_id)
        connection.close()
        return ids


class ServiceProcess:
    def __init__(self, service: str, env: dict[str, str], port: int, log_dir: Path) -> None:
        self.service = service
        self.env = env
        self.port = port
        self.log_path = log_dir / f"{service}.log"
        self.process: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "wspolpraca.runner", self.service], env=self.env,
                stdout=log, stderr=subprocess.STDOUT)

    def ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"{self.service} exited: {self.log()[-3000:]}")
        try:
            return requests.get(self.base + "/health/ready", timeout=2).ok
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float = 90.0) -> None:
        wait_until(self.ready, timeout=timeout, what=f"{self.service} ready")

    def kill(self) -> None:
        """SIGKILL: no clean stop, in-flight requests and events cut off."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's samples with these labels (0 when unreachable)."""
        try:
            text = requests.get(self.base + "/metrics", timeout=3).text
        except requests.RequestException:
            return -1.0
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{"):
                continue
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total


class City:
    """The five services against one database server and one broker."""

    def __init__(self, mongo_uri: str, amqp_uri: str, workdir: Path) -> None:
        suffix = uuid.uuid4().hex[:6]
        self.databases = {s: f"faults_{s}_{suffix}" for s in SERVICES}
        env = {**os.environ, "AMQP_URI": amqp_uri, "WSPOLPRACA_TIMERS": "off",
               "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET,
               # a database restart must not exhaust a handler's retries
               "WSPOLPRACA_RETRY_DELAYS": "1,3,10",
               # hundreds of anonymous comments from one address: the limit is not under test
               "WSPOLPRACA_RATE_LIMIT_WRITES": "0",
               "NOTIFICATIONS_POLL_SECONDS": "0.5",
               "WSPOLPRACA_PUBLIC_URL": "https://wspolpraca.test"}
        env.pop("MONGO_URI", None)
        self.ports = {s: free_port() for s in SERVICES}
        for service in SERVICES:
            env[f"MONGO_URI_{service.upper()}"] = mongo_uri.replace(
                "/?", f"/{self.databases[service]}?")
            env[f"WSPOLPRACA_HTTP_PORT_{service.upper()}"] = str(self.ports[service])
        self.services = {s: ServiceProcess(s, env, self.ports[s], workdir) for s in SERVICES}

    def start(self) -> None:
        for process in self.services.values():
            process.start()
        for process in self.services.values():
            process.wait_ready()

    def stop(self) -> None:
        for process in self.services.values():
            process.stop()
