"""`wspolpraca-admin department-queues CODE`: a department's standard queues, bound and
dead-lettered as infra/rabbitmq/definitions.json declares them, and a broker user that may read
them and nothing else, its password printed once."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from urllib.parse import quote, unquote, urlsplit

import pika
import pytest
from pika.exceptions import ChannelClosedByBroker

pytestmark = pytest.mark.integration


def _vhost(amqp_uri: str) -> str:
    return unquote(urlsplit(amqp_uri).path[1:]) or "/"


def _rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          timeout=120, check=True).stdout


def _as(amqp_uri: str, user: str, password: str) -> str:
    parts = urlsplit(amqp_uri)
    return f"amqp://{user}:{quote(password, safe='')}@{parts.hostname}:{parts.port}{parts.path}"


@pytest.fixture
def code():
    code = f"kit_{uuid.uuid4().hex[:8]}"
    yield code
    try:
        _rabbitmqctl("delete_user", f"dept_{code}")
    except subprocess.CalledProcessError:
        pass  # never created


def test_an_operator_gives_a_department_its_queues_and_a_user(cli, amqp_uri, code):
    result = cli("department-queues", code, "--purpose", "bookings", "--purpose", "inquiries")
    assert result.exit_code == 0, result.output
    for queue in (f"dept.{code}.bookings", f"dept.{code}.inquiries"):
        assert f"queue {queue}: declared" in result.stdout
        assert f"queue {queue}.dlq: declared" in result.stdout
    password = re.search(r"password of dept_\S+ \(shown once.*\): (\S+)", result.stdout).group(1)

    # bound like definitions.json: an event waits before any consumer connects
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.queue_declare("dept.someone_else.bookings", durable=True)
    for key in ("booking.requested", "inquiry.routed"):
        channel.basic_publish("registry.events", key, json.dumps({"id": key}).encode(),
                              pika.BasicProperties(delivery_mode=2), mandatory=True)
    channel.basic_publish("", "dept.someone_else.bookings", b"{}")
    connection.close()

    policies = {p["name"]: p for p in json.loads(_rabbitmqctl(
        "list_policies", "-p", _vhost(amqp_uri), "--formatter", "json") or "[]")}
    policy = policies[f"dead-letter.dept.{code}.bookings"]
    definition = policy["definition"]
    definition = json.loads(definition) if isinstance(definition, str) else definition
    assert definition == {"dead-letter-exchange": "",
                          "dead-letter-routing-key": f"dept.{code}.bookings.dlq"}

    # the department's user reads its own queues, and nothing else
    own = pika.BlockingConnection(pika.URLParameters(_as(amqp_uri, f"dept_{code}", password)))
    channel = own.channel()
    channel.queue_declare(f"dept.{code}.bookings", passive=True)  # what the kit does
    method, _, body = channel.basic_get(f"dept.{code}.bookings", auto_ack=True)
    assert json.loads(body) == {"id": "booking.requested"}
    method, _, body = channel.basic_get(f"dept.{code}.inquiries", auto_ack=True)
    assert json.loads(body) == {"id": "inquiry.routed"}
    with pytest.raises(ChannelClosedByBroker) as refused:
        own.channel().basic_get("dept.someone_else.bookings", auto_ack=True)
    assert refused.value.reply_code == 403
    with pytest.raises(ChannelClosedByBroker) as refused:
        own.channel().queue_declare(f"dept.{code}.mine", durable=True)  # the city declares
    assert refused.value.reply_code == 403
    own.close()

    again = cli("department-queues", code, "-p", "bookings")
    assert again.exit_code == 0, again.output
    assert f"queue dept.{code}.bookings: already there" in again.stdout
    assert "password is unchanged" in again.stdout and password not in again.stdout


def test_an_unknown_purpose_or_a_bad_code_changes_nothing(cli, amqp_uri):
    for args in (("sport", "--purpose", "everything"), ("Wydział Sportu",)):
        result = cli("department-queues", *args)
        assert result.exit_code == 2, result.output
    assert "unknown purpose everything" in cli("department-queues", "sport", "-p",
                                               "everything").output
