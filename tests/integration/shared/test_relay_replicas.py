"""Two instances of a service on one database: their outbox relays publish each event once.

Two registry processes (as two replicas of a Deployment would run) share one database and one
RabbitMQ vhost. Organisations are registered through both; the lease in `locks` lets one relay
publish, so a consumer sees every `organization.registered` exactly once (counted by AMQP message
id, which is the event id). Then the lease holder is killed (SIGKILL: no clean hand-over) and the
survivor's relay takes over once the lease expires, publishing what is registered afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
import requests

from wspolpraca.auth import mint_token
from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.relay import LEASE_SECONDS
from wspolpraca.secantus import free_port
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.processes import wait_ready
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered"
LEASE = "outbox-relay:registry"


class Replica:
    def __init__(self, env: dict, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wspolpraca.runner", "registry"],
            env={**env, "WSPOLPRACA_HTTP_PORT_REGISTRY": str(self.port),
                 "WSPOLPRACA_INSTANCE": name},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        wait_ready(self.url, self.process, timeout)

    def register(self, count: int) -> list[str]:
        token = mint_token("relay-test", ["ngo"])
        ids = []
        for n in range(count):
            response = requests.post(
                self.url + "/api/v1/organizations",
                headers={"Authorization": f"Bearer {token}"},
                json={"name": f"Stowarzyszenie Repliki {self.name} {n}",
                      "legal_form": "association", "nip": fresh_nip(), "areas": ["culture"],
                      "email": f"biuro{n}@{self.name}.example.pl"},
                timeout=30)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
        return ids

    def published(self) -> float:
        """This instance's own count of events its relay published (its /metrics)."""
        text = requests.get(self.url + "/metrics", timeout=10).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("wspolpraca_events_published_total{")
                   and f'type="{EVENT}"' in line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait(condition, timeout: float, what: str) -> None:
    wait_until(condition, timeout=timeout, interval=0.1, what=what)


def _counts_by_message_id(listener) -> Counter:
    with listener._lock:
        return Counter(props.message_id for props, body in
                       zip(listener.properties, listener.messages, strict=True)
                       if body.get("type") == EVENT)


def test_two_relays_publish_each_event_once_and_the_survivor_takes_over(
        mongo_uri, amqp_uri, listen, mongo_client):
    database = f"registry_replicas_{os.getpid()}_{free_port()}"
    env = {**os.environ, "AMQP_URI": amqp_uri,
           "MONGO_URI_REGISTRY": mongo_uri.replace("/?", f"/{database}?"),
           "WSPOLPRACA_TIMERS": "off", "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET}
    db = mongo_client[database]
    events = listen("registry")
    replicas = {name: Replica(env, name) for name in ("replica-a", "replica-b")}
    try:
        for replica in replicas.values():
            replica.wait_ready()
        # 1. both instances take requests; one relay publishes them all, each once
        registered = replicas["replica-a"].register(15) + replicas["replica-b"].register(15)
        _wait(lambda: db["outbox"].count_documents({"status": "pending"}) == 0, 60,
              "the outbox to drain")
        events.wait_for(EVENT, count=len(registered), timeout=30)
        holder = db["locks"].find_one({"_id": LEASE})["owner"]
        survivor = next(name for name in replicas if name != holder)
        assert replicas[holder].published() == len(registered)
        assert replicas[survivor].published() == 0

        # 2. the lease holder dies without giving the lease back
        replicas[holder].process.send_signal(signal.SIGKILL)
        replicas[holder].process.wait()
        later = replicas[survivor].register(10)
        _wait(lambda: replicas[survivor].published() == len(later), LEASE_SECONDS * 4,
              "the survivor's relay to take over")
        events.wait_for(EVENT, count=len(registered) + len(later), timeout=30)
        assert db["locks"].find_one({"_id": LEASE})["owner"] == survivor
        events.settle(db)

        counts = _counts_by_message_id(events)
        outbox_ids = {doc["_id"] for doc in db["outbox"].find({"type": EVENT})}
        assert set(counts) == outbox_ids and len(outbox_ids) == len(registered) + len(later)
        assert {n for n in counts.values()} == {1}, "an event was published twice"
        subjects = {body["subject"] for body in events.of_type(EVENT)}
        assert subjects == set(registered) | set(later)
    finally:
        for replica in replicas.values():
            replica.stop()
