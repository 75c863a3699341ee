"""Dead-lettered events: list, inspect, replay and purge (the operator CLI calls these).

    python -m wspolpraca.dlq show  <queue>          # what waits in <queue>.dlq, and why
    python -m wspolpraca.dlq replay <queue> [--limit N]
    wspolpraca-admin dlq list|show|replay|purge     # the same, plus listing and purging

Replay moves each parked message back to its queue (confirmed publish first, then
ack), with the attempt counter reset; consumers are idempotent, so a message
replayed twice takes effect once.

AMQP cannot list queues, so `dead_letter_queues` asks the broker's management HTTP API
when `RABBITMQ_MANAGEMENT_URL` is set (`http://user:password@host:15672`), else the local
`rabbitmqctl`; the depths are then read over AMQP (a passive declare, exact).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import quote, urlsplit

import amqp

from wspolpraca import broker
from wspolpraca.dlq_metrics import dlq_depths
from wspolpraca.queues import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    HEADER_PREFIX,
    REPLAYED_HEADER,
    consumer_queue_name,
    dead_letter_queue_name,
    is_dead_letter_queue,
)


class QueueListingUnavailable(RuntimeError):
    pass


def queue_names(amqp_uri: str, management_url: str | None = None) -> list[str]:
    """Every queue name of the URI's virtual host, from the management API or rabbitmqctl."""
    vhost = broker.vhost_of(amqp_uri)
    management_url = management_url or os.environ.get("RABBITMQ_MANAGEMENT_URL")
    if management_url:
        import requests

        parts = urlsplit(management_url)
        auth = (parts.username or "guest", parts.password or "guest")
        base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{parts.path.rstrip('/')}"
        response = requests.get(f"{base}/api/queues/{quote(vhost, safe='')}",
                                params={"columns": "name"}, auth=auth, timeout=10)
        response.raise_for_status()
        return [q["name"] for q in response.json()]
    if shutil.which("rabbitmqctl"):
        done = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name",
                               "--no-table-headers"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode == 0:
            return [line.strip() for line in done.stdout.splitlines() if line.strip()]
        raise QueueListingUnavailable(done.stderr.strip() or "rabbitmqctl failed")
    raise QueueListingUnavailable(
        "Cannot list queues: set RABBITMQ_MANAGEMENT_URL or install rabbitmqctl.")


def dead_letter_queues(amqp_uri: str, management_url: str | None = None) -> dict[str, int]:
    """{consumer queue: messages parked in its `.dlq`} for every `*.dlq` of the vhost."""
    consumers = sorted(consumer_queue_name(name) for name in queue_names(amqp_uri, management_url)
                       if is_dead_letter_queue(name))
    depths = dlq_depths(amqp_uri, consumers)
    return {queue: depths[dead_letter_queue_name(queue)] for queue in consumers
            if dead_letter_queue_name(queue) in depths}


def purge(amqp_uri: str, queue: str) -> int:
    """Drop every message parked in `<queue>.dlq`; how many there were."""
    with broker.connection(amqp_uri) as connection:
        return connection.channel().queue_purge(dead_letter_queue_name(queue))


def parked(amqp_uri: str, queue: str, limit: int = 100) -> list[dict]:
    """Peek at parked messages without removing them."""
    found = []
    with broker.connection(amqp_uri) as connection:  # unacked messages return to the queue
        channel = connection.channel()
        for _ in range(limit):
            message = channel.basic_get(dead_letter_queue_name(queue))
            if message is None:
                break
            headers = dict(message.headers or {})
            found.append({"message_id": message.properties.get("message_id"),
                          "body": _text(message.body),
                          "error": headers.get(ERROR_HEADER),
                          "failed_at": headers.get(FAILED_AT_HEADER),
                          "attempts": headers.get(ATTEMPTS_HEADER)})
    return found


def _text(body: bytes | str) -> str:
    return body if isinstance(body, str) else body.decode(errors="replace")


def replay(amqp_uri: str, queue: str, limit: int | None = None) -> int:
    moved = 0
    with broker.connection(amqp_uri, confirm=True) as connection:
        channel = connection.channel()
        while limit is None or moved < limit:
            message = channel.basic_get(dead_letter_queue_name(queue))
            if message is None:
                break
            properties = dict(message.properties)
            headers = {k: v for k, v in (properties.pop("application_headers", None)
                                         or {}).items() if not k.startswith(HEADER_PREFIX)}
            headers[REPLAYED_HEADER] = True
            channel.basic_publish(amqp.Message(message.body, application_headers=headers,
                                               **properties),
                                  exchange="", routing_key=queue)
            channel.basic_ack(message.delivery_tag)
            moved += 1
    return moved
