"""The transactional outbox and its relay against the real broker and database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta

import requests
from pymongo.client_session import ClientSession
from pymongo.errors import OperationFailure

from wspolpraca.auth import mint_token
from wspolpraca.config import DEVELOPMENT_JWT_SECRET
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError
from wspolpraca.http import api
from wspolpraca.leases import acquire_lease, release_lease
from wspolpraca.mongo import Collection, Mongo
from wspolpraca.secantus import free_port
from wspolpraca.testing.processes import wait_ready


class Flaky:
    name = "flaky"
    db = Mongo([Collection("things")])

    @api("POST", "/things/<mode>")
    def create(self, request, mode):
        def work(tx):
            tx.db["things"].insert_one({"mode": mode}, session=tx.session)
            tx.emit("thing.created", mode, {"mode": mode})
            if mode == "refused":
                raise DomainError("refused", "Odmowa.")
            if mode == "crash":
                raise RuntimeError("boom")
            return {"ok": True}

        return 201, self.db.transaction(work)


def test_a_committed_change_publishes_its_event(start_service, listen):
    events = listen("flaky")
    flaky = start_service(Flaky)
    assert flaky.post("/things/ok").status_code == 201
    [event] = events.wait_for("flaky.thing.created")
    assert event["data"] == {"mode": "ok"}
    assert flaky.db["outbox"].find_one({"_id": event["id"]})["status"] == "sent"


def test_a_change_that_is_rolled_back_never_publishes_its_event(start_service, listen):
    events = listen("flaky")
    flaky = start_service(Flaky)
    refused = flaky.post("/things/refused")
    assert refused.status_code == 422
    crashed = flaky.post("/things/crash")
    assert crashed.status_code == 500
    assert crashed.json()["error"]["code"] == "internal_error"
    assert "boom" not in crashed.text
    assert flaky.db["things"].count_documents({}) == 0
    assert flaky.db["outbox"].count_documents({}) == 0
    assert events.settle() == []


def test_a_commit_that_landed_although_its_answer_was_lost_is_not_done_again(
        start_service, listen, monkeypatch):
    """The database restarts under a commit: the commit is stored, pymongo gets an error,
    and the server, having lost the transaction, answers NoSuchTransaction to the retried
    commit, so with_transaction runs the work again. The work must not be done twice."""
    events = listen("flaky")
    flaky = start_service(Flaky)
    real_commit = ClientSession.commit_transaction
    lost = []

    def commit_and_lose_the_answer(session):
        real_commit(session)
        if not lost:
            lost.append(True)
            raise OperationFailure("Transaction was lost", code=251, details={
                "errorLabels": ["TransientTransactionError"], "code": 251})

    monkeypatch.setattr(ClientSession, "commit_transaction", commit_and_lose_the_answer)
    assert flaky.post("/things/ok").status_code == 201
    assert lost
    assert flaky.db["things"].count_documents({}) == 1
    events.wait_for("flaky.thing.created")
    assert len(events.settle()) == 1


def test_only_one_relay_holds_the_lease_until_it_expires(mongo_client):
    db = mongo_client["lease_test"]
    assert acquire_lease(db, "relay", "a", 30)
    assert not acquire_lease(db, "relay", "b", 30)
    assert acquire_lease(db, "relay", "a", 30)  # renewal
    db["locks"].update_one({"_id": "relay"},
                           {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}})
    assert acquire_lease(db, "relay", "b", 30)
    release_lease(db, "relay", "a")  # not the holder: changes nothing
    assert not acquire_lease(db, "relay", "a", 30)
    release_lease(db, "relay", "b")  # a relay that stops hands over at once
    assert acquire_lease(db, "relay", "a", 30)


def _start_registry(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "wspolpraca.runner", "registry"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(port: int, timeout: float = 30) -> None:
    wait_ready(f"http://127.0.0.1:{port}", timeout=timeout)


def test_an_event_committed_before_the_relay_died_goes_out_after_restart(
        mongo_uri, amqp_uri, listen, mongo_client):
    port = free_port()
    database = f"registry_restart_{os.getpid()}_{port}"
    env = {**os.environ, "AMQP_URI": amqp_uri,
           "MONGO_URI_REGISTRY": mongo_uri.replace("/?", f"/{database}?"),
           "WSPOLPRACA_HTTP_PORT_REGISTRY": str(port), "WSPOLPRACA_TIMERS": "off",
           "WSPOLPRACA_JWT_SECRET": DEVELOPMENT_JWT_SECRET}
    events = listen("registry")
    # 1. the change commits, but the process dies before any relay publishes it
    first = _start_registry({**env, "WSPOLPRACA_RELAY": "off"})
    try:
        _wait_ready(port)
        response = requests.post(
            f"http://127.0.0.1:{port}/api/v1/organizations",
            headers={"Authorization": f"Bearer {mint_token('u1', ['ngo'])}"},
            json={"name": "Fundacja Po Restarcie", "legal_form": "foundation",
                  "nip": "1234563218", "areas": ["culture"], "email": "a@b.pl"},
            timeout=10)
        assert response.status_code == 201, response.text
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert events.settle() == []
    assert mongo_client[database]["outbox"].count_documents({"status": "pending"}) == 1
    # 2. after a restart the relay publishes it, once
    second = _start_registry(env)
    try:
        [event] = events.wait_for("registry.organization.registered", timeout=30)
        assert event["subject"] == response.json()["id"]
        events.settle(mongo_client[database])
        assert len(events.of_type("registry.organization.registered")) == 1
    finally:
        second.terminate()
        second.wait(20)
