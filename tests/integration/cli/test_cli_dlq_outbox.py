"""`wspolpraca-admin dlq ...` on real queues of the session's vhost, `outbox` on real outboxes."""

from __future__ import annotations

import json
import uuid

import pika
import pytest
from cli_helpers import database_uri
from registry_helpers import organization_body

from registry.service import RegistryService
from wspolpraca.consumer import event_handler
from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.mongo import Collection, Mongo
from wspolpraca.queues import dead_letter_queue_name
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration


def _channel(amqp_uri: str):
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    return connection, connection.channel()


def park(amqp_uri: str, queue: str, count: int) -> None:
    """A consumer queue and its DLQ holding `count` messages, parked as the consumer parks."""
    connection, channel = _channel(amqp_uri)
    channel.queue_declare(queue, durable=True)
    channel.queue_declare(dead_letter_queue_name(queue), durable=True)
    channel.confirm_delivery()
    for number in range(count):
        channel.basic_publish(
            "", dead_letter_queue_name(queue), json.dumps({"n": number}),
            pika.BasicProperties(delivery_mode=2, message_id=f"m-{number}", headers={
                "x-wspolpraca-error": "KeyError: 'x'", "x-wspolpraca-attempts": 3}))
    connection.close()


def depth(amqp_uri: str, name: str) -> int:
    connection, channel = _channel(amqp_uri)
    try:
        return channel.queue_declare(name, passive=True).method.message_count
    finally:
        connection.close()


def test_list_show_replay_and_purge_dead_letters(cli, amqp_uri):
    queue, empty = f"cli-{uuid.uuid4().hex[:8]}", f"cli-empty-{uuid.uuid4().hex[:8]}"
    park(amqp_uri, queue, 3)
    park(amqp_uri, empty, 0)

    listed = cli("dlq", "list", "--json")
    assert listed.exit_code == 0, listed.output
    depths = json.loads(listed.stdout)
    assert depths[f"{queue}.dlq"] == 3 and depths[f"{empty}.dlq"] == 0
    assert f"{queue}.dlq" in cli("dlq", "list").stdout  # the table
    assert f"{empty}.dlq" not in json.loads(cli("dlq", "list", "--json", "--non-empty").stdout)

    shown = [json.loads(line) for line in cli("dlq", "show", queue).stdout.splitlines()]
    assert [m["message_id"] for m in shown] == ["m-0", "m-1", "m-2"]
    assert {m["error"] for m in shown} == {"KeyError: 'x'"}
    assert depth(amqp_uri, f"{queue}.dlq") == 3  # showing leaves them parked

    replayed = cli("dlq", "replay", f"{queue}.dlq", "--limit", "2")
    assert "replayed 2 message(s)" in replayed.stdout
    assert (depth(amqp_uri, queue), depth(amqp_uri, f"{queue}.dlq")) == (2, 1)

    refused = cli("dlq", "purge", queue, input="n\n")
    assert refused.exit_code == 1  # aborted at the prompt
    assert depth(amqp_uri, f"{queue}.dlq") == 1
    confirmed = cli("dlq", "purge", queue, input="y\n")
    assert "purged 1 message(s)" in confirmed.stdout
    park(amqp_uri, queue, 2)
    assert "purged 2 message(s)" in cli("dlq", "purge", queue, "--yes").stdout
    assert depth(amqp_uri, f"{queue}.dlq") == 0
    assert depth(amqp_uri, queue) == 2  # the replayed messages are untouched

    missing = cli("dlq", "show", f"cli-missing-{uuid.uuid4().hex[:8]}")
    assert missing.exit_code == 1 and "no such queue" in missing.output
    down = cli("dlq", "replay", queue, env={"AMQP_URI": "amqp://guest:guest@127.0.0.1:1/"})
    assert down.exit_code == 1 and "cannot reach RabbitMQ" in down.output


def test_show_says_how_many_messages_even_none(cli, amqp_uri, monkeypatch, capsys):
    queue = f"cli-none-{uuid.uuid4().hex[:8]}"
    park(amqp_uri, queue, 0)
    shown = cli("dlq", "show", queue)
    assert shown.exit_code == 0 and shown.stdout == ""  # stdout stays JSON lines
    assert f"0 messages in {queue}.dlq" in shown.stderr
    park(amqp_uri, queue, 2)
    assert f"2 messages in {queue}.dlq" in cli("dlq", "show", queue).stderr

    from wspolpraca.dlq.__main__ import main  # `python -m wspolpraca.dlq show <queue>`

    monkeypatch.setenv("AMQP_URI", amqp_uri)
    assert main(["show", f"{queue}.dlq", "--limit", "1"]) == 0
    assert f"1 message in {queue}.dlq (at most 1 shown)" in capsys.readouterr().err


def test_the_old_dlq_module_still_replays(amqp_uri, monkeypatch, capsys):
    from wspolpraca.dlq.__main__ import main

    queue = f"cli-old-{uuid.uuid4().hex[:8]}"
    park(amqp_uri, queue, 1)
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    assert main(["replay", queue]) == 0  # `python -m wspolpraca.dlq replay <queue>`
    assert "replayed 1 message(s)" in capsys.readouterr().out
    assert depth(amqp_uri, queue) == 1


def test_outbox_backlog_per_service(cli, start_service, officer, mongo_uri):
    # a registry whose relay is off keeps its events pending
    registry = start_service(RegistryService, relay_enabled=False)
    for _ in range(3):
        assert registry.post("/api/v1/organizations", officer,
                             json=organization_body()).status_code == 201
    oldest = registry.db["outbox"].find_one({"status": "pending"}, sort=[("created_at", 1)])
    env = {"MONGO_URI": mongo_uri, "MONGO_URI_REGISTRY": database_uri(registry)}
    before = (utcnow() - oldest["created_at"]).total_seconds()
    result = cli("outbox", "--json", env=env)
    after = (utcnow() - oldest["created_at"]).total_seconds()
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert set(figures) == {"registry", "grants", "consultations", "notifications", "reporting",
                            "identity"}
    assert figures["registry"]["pending"] == 3
    assert before - 0.1 <= figures["registry"]["oldest_age_seconds"] <= after + 0.1
    assert all(figures[s]["pending"] == 0 for s in figures if s != "registry")
    table = cli("outbox", "--service", "registry", env=env).stdout
    assert "registry" in table and "grants" not in table
    down = cli("outbox", "--json", env={
        **env, "MONGO_URI_GRANTS": "mongodb://127.0.0.1:1/grants?serverSelectionTimeoutMS=500"})
    assert down.exit_code == 1  # one database unreachable: the others are still reported
    assert "error" in json.loads(down.stdout)["grants"]
    assert json.loads(down.stdout)["registry"]["pending"] == 3
    unset = cli("outbox", env={"MONGO_URI": "", "MONGO_URI_REGISTRY": ""})
    assert unset.exit_code == 2 and "MONGO_URI" in unset.output


BROKEN = {"on": True}


class CliSink:
    """A consumer that fails until its cause is "fixed", to park and then replay an event."""

    name = "cli_sink"
    db = Mongo([Collection("seen")])

    @event_handler("registry", "organization.registered")
    def on_registered(self, event: CloudEvent) -> None:
        if BROKEN["on"]:
            raise RuntimeError("the projection is broken")
        self.db.transaction(lambda tx: tx.db["seen"].insert_one({"event_id": event.id},
                                                                session=tx.session))


def test_a_parked_event_of_a_real_consumer_is_replayed_after_the_fix(cli, start_service,
                                                                      amqp_uri):
    sink = start_service(CliSink)
    queue = "evt-registry-organization.registered--cli_sink.on_registered"
    event = CloudEvent(service="registry", routing_key="organization.registered",
                       subject="org-1", data={"id": "org-1", "name": "Fundacja"})
    connection, channel = _channel(amqp_uri)
    channel.confirm_delivery()
    channel.basic_publish("registry.events", "organization.registered",
                          json.dumps(event.to_dict()),
                          pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                               message_id=event.id))  # as the relay publishes
    connection.close()

    def parked() -> int:
        return json.loads(cli("dlq", "list", "--json").stdout).get(f"{queue}.dlq", 0)

    wait_until(lambda: parked() == 1)  # after its retries
    shown = [json.loads(line) for line in cli("dlq", "show", queue).stdout.splitlines()]
    assert [m["message_id"] for m in shown] == [event.id]
    assert "the projection is broken" in shown[0]["error"]

    BROKEN["on"] = False
    assert "replayed 1 message(s)" in cli("dlq", "replay", queue).stdout
    wait_until(lambda: sink.db["seen"].count_documents({"event_id": event.id}) == 1)
    assert parked() == 0
