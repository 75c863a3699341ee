"""Two registry processes, each with its own search index: a change through one is found by the
other's search within a second, both ways, whichever holds the relay's lease; a replica started
again loads what changed while it was down.

Each process is a replica as a Deployment runs it (`python -m wspolpraca.runner registry`), on one
database and one RabbitMQ vhost. Its gauge `wspolpraca_registry_search_index_organizations` says
its index is loaded (it is -1 while searches still go to the database), so the searches below are
the index's answers.
"""

from __future__ import annotations

import os
import time

import pytest
import requests

from wspolpraca.auth import mint_token
from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.secantus import free_port
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.processes import ServiceProcess
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

INDEXED = "wspolpraca_registry_search_index_organizations"
OFFICER = mint_token("search-test", ["officer"])


def headers(token: str = OFFICER) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(replica: ServiceProcess, name: str) -> str:
    response = requests.post(replica.url + "/api/v1/organizations", headers=headers(
        mint_token("search-test", ["ngo"])), json={
        "name": name, "legal_form": "association", "nip": fresh_nip(), "areas": ["culture"],
        "email": "biuro@replika.example.pl"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def found(replica: ServiceProcess, q: str, public: bool = False) -> list[str]:
    response = requests.get(replica.url + "/api/v1/organizations", params={"q": q},
                            headers={} if public else headers(), timeout=10)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def seen_within_a_second(replica: ServiceProcess, q: str, expected: list[str],
                         public: bool = False) -> float:
    started = time.monotonic()
    wait_until(lambda: found(replica, q, public) == expected, timeout=1.0, interval=0.02)
    return time.monotonic() - started


def loaded(replica: ServiceProcess, count: int) -> None:
    wait_until(lambda: replica.answers() and replica.metric(INDEXED) == count, timeout=60,
               interval=0.2)


def test_a_change_through_one_replica_is_found_by_the_others_search_within_a_second(
        mongo_uri, amqp_uri):
    database = f"registry_search_{os.getpid()}_{free_port()}"
    env = {**os.environ, "AMQP_URI": amqp_uri,
           "MONGO_URI_REGISTRY": mongo_uri.replace("/?", f"/{database}?"),
           "WSPOLPRACA_TIMERS": "off", "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET}
    a = ServiceProcess("registry", env, "search-a")
    b = ServiceProcess("registry", env, "search-b")
    started = [a, b]
    try:
        loaded(a, 0)
        loaded(b, 0)
        # registered through each: found by the other (one of the two relays holds the lease,
        # so one direction waits for no relay at all)
        first = register(a, "Stowarzyszenie Przyjaciół Łąk")
        seen_within_a_second(b, "przyjaciol", ["Stowarzyszenie Przyjaciół Łąk"])
        second = register(b, "Fundacja Miłośników Wisły")
        seen_within_a_second(a, "milosnikow", ["Fundacja Miłośników Wisły"])
        assert found(a, "przyjaciol") == ["Stowarzyszenie Przyjaciół Łąk"]  # its own write

        # a status change through one: the other's public search shows it
        assert found(b, "przyjaciol", public=True) == []
        verified = requests.post(f"{a.url}/api/v1/organizations/{first}/verify",
                                 headers=headers(), timeout=30)
        assert verified.status_code == 200, verified.text
        seen_within_a_second(b, "przyjaciol", ["Stowarzyszenie Przyjaciół Łąk"], public=True)

        # a new name through the other: the old one is no longer found, the new one is
        renamed = requests.patch(f"{b.url}/api/v1/organizations/{second}", headers=headers(),
                                 json={"name": "Fundacja Ochrony Wisły"}, timeout=30)
        assert renamed.status_code == 200, renamed.text
        seen_within_a_second(a, "ochrony", ["Fundacja Ochrony Wisły"])
        assert found(a, "milosnikow") == []

        # b stops; what changes meanwhile is in its index once it runs again
        b.stop()
        third = register(a, "Klub Sportowy Orzeł")
        requests.post(f"{a.url}/api/v1/organizations/{second}/verify", headers=headers(),
                      timeout=30).raise_for_status()
        b = ServiceProcess("registry", env, "search-b-again")
        started.append(b)
        loaded(b, 3)
        assert found(b, "orzel") == ["Klub Sportowy Orzeł"]
        public = requests.get(b.url + "/api/v1/organizations", timeout=10).json()
        assert [item["id"] for item in public["items"]] == sorted([first, second])
        assert third not in [item["id"] for item in public["items"]]  # pending: not public
    finally:
        for replica in started:
            replica.stop()
