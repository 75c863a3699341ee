"""pytest fixtures: a real SecantusDB server, a fresh RabbitMQ vhost, running services.

Load with `pytest_plugins = ["wspolpraca.testing.plugin"]` in a conftest.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator

import pytest
import requests
from kombu.mixins import ConsumerMixin
from nameko.containers import ServiceContainer
from pymongo import MongoClient

from wspolpraca.auth import mint_token
from wspolpraca.config import DEFAULT_AUDIENCE, DEVELOPMENT_JWT_SECRET, Settings
from wspolpraca.secantus import SecantusServer, free_port
from wspolpraca.testing.rabbit import EventListener, Vhost, broker_reachable, delete_queues
from wspolpraca.testing.sync import service_started, service_stopped


@pytest.fixture(scope="session")
def secantus() -> Iterator[SecantusServer]:
    with tempfile.TemporaryDirectory(prefix="secantus-test-") as storage:
        server = SecantusServer(storage).start()
        yield server
        server.stop()


@pytest.fixture(scope="session")
def mongo_uri(secantus: SecantusServer) -> str:
    return secantus.uri


@pytest.fixture(scope="session")
def mongo_client(mongo_uri: str) -> Iterator[MongoClient]:
    client = MongoClient(mongo_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def amqp_uri() -> Iterator[str]:
    if not broker_reachable():
        pytest.fail("RabbitMQ is not answering on 127.0.0.1:5672 (`make test` starts it)")
    vhost = Vhost().create()
    yield vhost.uri
    vhost.delete()


def make_settings(service: str, mongo_uri: str, amqp_uri: str, **overrides) -> Settings:
    values = dict(
        service=service,
        amqp_uri=amqp_uri,
        mongo_uri=mongo_uri,
        mongo_database=f"{service}_{uuid.uuid4().hex[:8]}",
        http_port=free_port(),
        jwt_secret=DEVELOPMENT_JWT_SECRET,
        max_workers=20,
        relay_poll_seconds=0.1,
        timers_enabled=False,
        consumer_retry_delays=(0.2, 0.4),
        rate_limit_writes=0,  # tests write fast from one address; the limit's own tests set it
    )
    values.update(overrides)
    return Settings(**values)


class RunningService:
    def __init__(self, container: ServiceContainer, settings: Settings) -> None:
        self.container = container
        self.settings = settings
        self.base_url = f"http://127.0.0.1:{settings.http_port}"
        self.http = requests.Session()
        self.client = MongoClient(settings.mongo_uri, tz_aware=True)
        self.db = self.client[settings.mongo_database]

    def stop(self) -> None:
        service_stopped(self)
        self.container.stop()
        self.client.close()

    def queues(self) -> list[str]:
        """The broker queues this service's entrypoints declared (with retry and DLQ queues)."""
        names = set()
        for entrypoint in self.container.entrypoints:
            for queue in [getattr(entrypoint, "queue", None),
                          getattr(entrypoint, "dead_letter_queue", None),
                          *getattr(entrypoint, "retry_queues", [])]:
                if queue is not None and getattr(queue, "name", None):
                    names.add(queue.name)
        return sorted(names)

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.url(path), headers=headers, timeout=30, **kwargs)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def post(self, path, token=None, **kw):
        return self.request("POST", path, token, **kw)

    def patch(self, path, token=None, **kw):
        return self.request("PATCH", path, token, **kw)

    def put(self, path, token=None, **kw):
        return self.request("PUT", path, token, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token, **kw)


# A service's queue consumer (kombu's ConsumerMixin) looks for consumers to cancel between two
# waits for a message of up to `safety_interval` (1 s by default), so stopping a service that
# consumes events waited two of them: two seconds per test that starts one, hundreds of times.
# The services the tests run in this process look every 50 ms instead.
CONSUMER_WAKE_SECONDS = 0.05
_consume = ConsumerMixin.consume


def _consume_waking_often(self, *args, safety_interval: float = CONSUMER_WAKE_SECONDS, **kwargs):
    return _consume(self, *args, safety_interval=safety_interval, **kwargs)


ConsumerMixin.consume = _consume_waking_often


def run_service(service_cls, mongo_uri: str, amqp_uri: str, **overrides) -> RunningService:
    """Start `service_cls` in this process on the test database and vhost; end it with
    `stop_services`, never with `stop` alone."""
    settings = make_settings(service_cls.name, mongo_uri, amqp_uri, **overrides)
    container = ServiceContainer(service_cls, settings.nameko_config())
    container.start()
    running = RunningService(container, settings)
    service_started(running)
    return running


def stop_services(started: list[RunningService], amqp_uri: str) -> None:
    """Stop the services (last started first) and delete the queues they declared: the session
    shares one vhost, and a durable queue left behind would keep collecting other tests' events
    for the next test that starts the same service."""
    for running in reversed(started):
        running.stop()
    delete_queues(amqp_uri, sorted({q for running in started for q in running.queues()}))


@pytest.fixture
def start_service(mongo_uri: str, amqp_uri: str):
    """`start_service(ServiceClass, **settings_overrides) -> RunningService`."""
    started: list[RunningService] = []

    def start(service_cls, **overrides) -> RunningService:
        running = run_service(service_cls, mongo_uri, amqp_uri, **overrides)
        started.append(running)
        return running

    yield start
    stop_services(started, amqp_uri)


@pytest.fixture
def listen(amqp_uri: str):
    """`listen("registry") -> EventListener` bound to that service's events."""
    listeners: list[EventListener] = []

    def start(service: str, routing_key: str = "#") -> EventListener:
        listener = EventListener(amqp_uri, service, routing_key).start()
        listeners.append(listener)
        return listener

    yield start
    for listener in listeners:
        listener.stop()


@pytest.fixture(scope="session")
def token():
    """`token("officer")`, `token("ngo", org_id=...)`: a development JWT."""

    def mint(*roles: str, sub: str | None = None, **claims) -> str:
        claims.setdefault("secret", DEVELOPMENT_JWT_SECRET)  # what make_settings configures
        claims.setdefault("audience", DEFAULT_AUDIENCE)
        return mint_token(sub or f"user-{uuid.uuid4().hex[:6]}", list(roles), **claims)

    return mint
