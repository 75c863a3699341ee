"""What the local run (`make run`, wspolpraca.local) sets up around the services.

It declares infra/rabbitmq/definitions.json on a broker that did not load it
(wspolpraca.topology): department queues exist and collect their events before any consumer
connects, their dead letters go to their own `.dlq` by policy, a second run changes nothing, and
a queue that already exists with other arguments is left as it is (no 406 PRECONDITION_FAILED).
Without SMTP_HOST it catches the notifications' email in a maildir under .data/mail.
"""

from __future__ import annotations

import json
import subprocess

import pika
import pytest

from wspolpraca import topology
from wspolpraca.local import Supervisor
from wspolpraca.testing.rabbit import Vhost, queue_depth
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

DEFINITIONS = json.loads(topology.DEFINITIONS.read_text(encoding="utf-8"))
QUEUES = sorted(q["name"] for q in DEFINITIONS["queues"])


@pytest.fixture
def vhost():
    created = Vhost("wspolpraca-topology").create()
    yield created
    created.delete()


def _queues(vhost: Vhost) -> dict[str, dict]:
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost.name, "name", "arguments", "messages",
         "--formatter", "json"], capture_output=True, text=True, timeout=120, check=True)
    queues = {q["name"]: q for q in json.loads(listing.stdout or "[]")}
    for queue in queues.values():  # 3.10 lists arguments as [[name, type, value], ...]
        if isinstance(queue["arguments"], list):
            queue["arguments"] = {name: value for name, _, value in queue["arguments"]}
    return queues


def _policies(vhost: Vhost) -> dict[str, dict]:
    listing = subprocess.run(["rabbitmqctl", "-q", "list_policies", "-p", vhost.name,
                              "--formatter", "json"], capture_output=True, text=True,
                             timeout=120, check=True)
    return {p["name"]: p for p in json.loads(listing.stdout or "[]")}


def _publish(uri: str, exchange: str, routing_key: str, body: dict) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(exchange, routing_key, json.dumps(body).encode(),
                          pika.BasicProperties(delivery_mode=2), mandatory=True)
    connection.close()


def _get(uri: str, queue: str) -> list[dict]:
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    channel = connection.channel()
    found = []
    while (message := channel.basic_get(queue, auto_ack=True))[0] is not None:
        found.append(json.loads(message[2]))
    connection.close()
    return found


def test_the_local_run_declares_the_department_queues_before_any_consumer(vhost) -> None:
    supervisor = Supervisor([])
    supervisor.env["AMQP_URI"] = vhost.uri
    supervisor.finish_topology(supervisor.declare_topology())

    assert set(_queues(vhost)) == set(QUEUES)
    # an event published now, with no department consumer anywhere, waits in its queue
    _publish(vhost.uri, "grants.events", "competition.announced", {"id": "e-1"})
    _publish(vhost.uri, "registry.events", "inquiry.received", {"id": "e-2"})
    assert _get(vhost.uri, "dept.culture.competitions") == [{"id": "e-1"}]
    assert _get(vhost.uri, "dept.culture.inquiries") == [{"id": "e-2"}]
    assert _get(vhost.uri, "dept.social_policy.inquiries") == [{"id": "e-2"}]
    assert _get(vhost.uri, "dept.sport.bookings") == []

    policies = _policies(vhost)
    assert set(policies) == {p["name"] for p in DEFINITIONS["policies"]}
    for expected in DEFINITIONS["policies"]:
        got = policies[expected["name"]]
        definition = got["definition"]
        definition = json.loads(definition) if isinstance(definition, str) else definition
        assert (got["pattern"], got["apply-to"], definition) == (
            expected["pattern"], expected["apply-to"], expected["definition"])


def test_dead_letters_of_a_department_queue_land_in_its_dlq(vhost) -> None:
    applied, problem = topology.apply(vhost.uri)
    assert problem is None
    assert sorted(applied.created) == sorted(
        [e["name"] for e in DEFINITIONS["exchanges"]] + QUEUES)
    _publish(vhost.uri, "grants.events", "competition.announced", {"id": "poison"})
    connection = pika.BlockingConnection(pika.URLParameters(vhost.uri))
    channel = connection.channel()
    message = wait_until(lambda: (got := channel.basic_get("dept.culture.competitions"))[0]
                         and got, what="the message in the department's queue")
    channel.basic_reject(message[0].delivery_tag, requeue=False)
    connection.close()
    parked = wait_until(lambda: _get(vhost.uri, "dept.culture.competitions.dlq"),
                        what="the rejected message dead-lettered")
    assert parked == [{"id": "poison"}]


def test_applying_twice_changes_nothing_and_existing_queues_keep_their_arguments(vhost) -> None:
    # a queue an operator declared earlier with arguments of its own (a length limit)
    connection = pika.BlockingConnection(pika.URLParameters(vhost.uri))
    connection.channel().queue_declare("dept.culture.competitions", durable=True,
                                       arguments={"x-max-length": 1000})
    connection.close()
    _publish(vhost.uri, "", "dept.culture.competitions", {"id": "kept"})

    first, problem = topology.apply(vhost.uri)
    assert problem is None
    assert "dept.culture.competitions" in first.existing
    second, problem = topology.apply(vhost.uri)
    assert problem is None
    assert second.created == []
    assert sorted(second.existing) == sorted(first.existing + first.created)

    queues = _queues(vhost)
    assert queues["dept.culture.competitions"]["arguments"] == {"x-max-length": 1000}
    assert queues["dept.culture.competitions"]["messages"] == 1
    assert all(queues[name]["arguments"] == {} for name in QUEUES
               if name != "dept.culture.competitions")


def test_the_local_run_catches_the_notifications_email_in_a_maildir(tmp_path, monkeypatch):
    import smtplib

    from wspolpraca import local
    from wspolpraca.secantus import free_port

    monkeypatch.setattr(local, "MAILDIR", tmp_path / "mail")
    supervisor = Supervisor(["notifications"])
    supervisor.env.pop("SMTP_HOST", None)
    supervisor.env["SMTP_PORT"] = str(free_port())
    supervisor.start_mail()
    try:
        def connected() -> smtplib.SMTP | None:
            try:
                return smtplib.SMTP("127.0.0.1", int(supervisor.env["SMTP_PORT"]), timeout=5)
            except OSError:
                return None

        client = wait_until(connected, what="the local SMTP server to start")
        with client:
            client.sendmail("powiadomienia@wspolpraca.localhost", ["biuro@fundacja.example.pl"],
                            "Subject: Test\r\n\r\nTre\u015b\u0107".encode())
        [kept] = list((tmp_path / "mail" / "new").iterdir())
        assert b"biuro@fundacja.example.pl" in kept.read_bytes()
    finally:
        supervisor.stop_mail()
    assert supervisor.mail.returncode is not None


# --- a clean start (`make clean-run`) -------------------------------------------------------

def test_a_clean_start_empties_the_platforms_queues_on_the_local_broker(
        vhost, tmp_path, monkeypatch) -> None:
    import wspolpraca.local as local

    topology.apply(vhost.uri)
    _publish(vhost.uri, "registry.events", "inquiry.routed", {"id": "old-city"})
    connection = pika.BlockingConnection(pika.URLParameters(vhost.uri))
    channel = connection.channel()
    channel.queue_declare("someone-elses.queue", durable=True)
    channel.confirm_delivery()
    channel.basic_publish("", "someone-elses.queue", b"{}")
    connection.close()
    data = tmp_path / ".data"
    (data / "secantus").mkdir(parents=True)
    monkeypatch.setattr(local, "DATA", data)

    supervisor = Supervisor([])
    supervisor.env["AMQP_URI"] = vhost.uri
    supervisor.clean_start()

    assert queue_depth(vhost.uri, "dept.culture.inquiries") == 0
    assert queue_depth(vhost.uri, "dept.social_policy.inquiries") == 0
    assert queue_depth(vhost.uri, "someone-elses.queue") == 1  # not the platform's: untouched
    assert not data.exists()  # moved aside, never deleted
    assert [p.name.startswith(".data.before-clean-") for p in tmp_path.iterdir()] == [True]


@pytest.mark.parametrize("uri", ["amqp://dept:secret@rabbitmq.city.example:5672/",
                                 "amqps://u:p@10.0.0.5/"])
def test_a_clean_start_is_refused_for_a_broker_that_is_not_local(uri, tmp_path, monkeypatch,
                                                                  capsys) -> None:
    import wspolpraca.local as local

    data = tmp_path / ".data"
    (data / "secantus").mkdir(parents=True)
    monkeypatch.setattr(local, "DATA", data)
    monkeypatch.setenv("AMQP_URI", uri)
    monkeypatch.setattr(local, "installed_services", lambda: [])
    assert local.main(["run", "--clean"]) == 2
    assert "refusing a clean start" in capsys.readouterr().out
    assert (data / "secantus").exists()  # nothing was touched
    with pytest.raises(topology.NotLocalBroker):
        topology.purge_platform_queues(uri, ["dept.culture.inquiries"])
