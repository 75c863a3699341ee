"""A fresh RabbitMQ virtual host per test session, and an event listener."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import uuid
from urllib.parse import quote

from pymongo.database import Database

from wspolpraca import broker
from wspolpraca.queues import events_exchange
from wspolpraca.testing.sync import (
    is_sentinel,
    running_services,
    sentinel,
    wait_outboxes_drained,
)
from wspolpraca.testing.waiting import wait_until

BROKER_HOST = "127.0.0.1"
BROKER_PORT = 5672


def broker_reachable(host: str = BROKER_HOST, port: int = BROKER_PORT) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


class Vhost:
    """A virtual host of its own, so tests never see another run's messages."""

    def __init__(self, prefix: str = "wspolpraca-test") -> None:
        self.name = f"{prefix}-{uuid.uuid4().hex[:10]}"

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@{BROKER_HOST}:{BROKER_PORT}/{quote(self.name, safe='')}"

    def create(self) -> Vhost:
        rabbitmqctl("add_vhost", self.name)
        rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
        return self

    def delete(self) -> None:
        try:
            rabbitmqctl("delete_vhost", self.name)
        except subprocess.CalledProcessError:
            pass


class EventListener:
    """Collects the events one service publishes, through a queue of its own.

    Bind it before acting; `wait_for` blocks until the wanted events arrived.
    """

    def __init__(self, amqp_uri: str, service: str, routing_key: str = "#") -> None:
        self.amqp_uri = amqp_uri
        self.service = service
        self.exchange = events_exchange(service)
        self.routing_key = routing_key
        self.messages: list[dict] = []
        self.properties: list = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._sentinels: set[str] = set()
        self._stop = False
        self.queue = f"test-listener-{uuid.uuid4().hex[:8]}"
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> EventListener:
        self._thread.start()
        if not self._ready.wait(20):
            raise RuntimeError("event listener did not start")
        return self

    def _run(self) -> None:
        with broker.connection(self.amqp_uri) as connection:
            channel = connection.channel()
            channel.exchange_declare(self.exchange, "topic", durable=True, auto_delete=False)
            channel.queue_declare(self.queue, exclusive=True, auto_delete=False)
            channel.queue_bind(self.queue, self.exchange, routing_key=self.routing_key)
            self._ready.set()
            while not self._stop:
                message = channel.basic_get(self.queue, no_ack=True)
                if message is None:
                    time.sleep(0.02)
                    continue
                if is_sentinel(message):
                    with self._lock:
                        self._sentinels.add(message.message_id)
                    continue
                with self._lock:
                    self.messages.append(json.loads(message.body))
                    # the AMQP message: its properties read as attributes (`.message_id`)
                    self.properties.append(message)

    def stop(self) -> None:
        self._stop = True
        self._thread.join(10)

    def of_type(self, event_type: str) -> list[dict]:
        with self._lock:
            return [m for m in self.messages if m.get("type") == event_type]

    def wait_for(self, event_type: str, count: int = 1, timeout: float = 15.0) -> list[dict]:
        def enough() -> list[dict]:
            found = self.of_type(event_type)
            return found if len(found) >= count else []

        try:
            return wait_until(enough, timeout=timeout)
        except AssertionError:
            raise AssertionError(
                f"expected {count} {event_type} event(s), got {len(self.of_type(event_type))}; "
                f"seen: {[m.get('type') for m in self.messages]}") from None

    def sync(self, timeout: float = 15.0) -> None:
        """Send a sentinel through this listener's queue and wait for it: every event that was
        in the queue before it has been collected."""
        marker = sentinel(self.amqp_uri, self.queue)

        def arrived() -> bool:
            with self._lock:
                return marker in self._sentinels

        wait_until(arrived, timeout=timeout, interval=0.02,
                   what=f"the sentinel through {self.queue}")

    def settle(self, *outboxes: Database, timeout: float = 30.0) -> list[dict]:
        """All events, once every event the service committed so far has been collected: its
        outboxes (the databases given, else those of the services of that name this process
        runs) have nothing pending, and a sentinel sent after that came through the queue."""
        databases = outboxes or [running.db for running in running_services(self.service)]
        wait_outboxes_drained(databases, timeout=timeout)
        self.sync(timeout=timeout)
        with self._lock:
            return list(self.messages)


def delete_queues(amqp_uri: str, queues: list[str]) -> None:
    """Delete queues (missing ones are fine), so that a service started by a later test of the
    session does not consume what was published into this test's durable queues.

    The deletes are pipelined on one channel (a service like notifications declares about 300
    queues: one round trip each took seconds per test), then one synchronous call returns once
    the broker has done them all; should the broker close the channel, they go one by one."""
    if not queues:
        return
    with broker.connection(amqp_uri) as connection:
        try:
            channel = connection.channel()
            for queue in queues:
                channel.queue_delete(queue, nowait=True)
            channel.basic_qos(0, 0, False)  # answered after every delete sent before it
            return
        except broker.ChannelError:
            pass
        channel = connection.channel()
        for queue in queues:
            try:
                channel.queue_delete(queue)
            except broker.ChannelError:  # the broker closed the channel
                channel = connection.channel()


def _decoded(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return body  # a poison message need not be JSON


def queue_messages(amqp_uri: str, queue: str) -> list[tuple[dict, dict]]:
    """Drain a queue (e.g. a DLQ): [(body, headers)], bodies decoded when they are JSON."""
    found = []
    with broker.connection(amqp_uri) as connection:
        channel = connection.channel()
        while True:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                break
            found.append((_decoded(message.body), dict(message.headers or {})))
    return found


def queue_depth(amqp_uri: str, queue: str) -> int:
    """The messages ready in `queue` (a passive declare: a missing queue raises)."""
    with broker.connection(amqp_uri) as connection:
        return connection.channel().queue_declare(queue, passive=True).message_count
