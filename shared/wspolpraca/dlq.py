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
import sys
from urllib.parse import quote, urlsplit

import pika

from wspolpraca.consumer import ATTEMPTS_HEADER, dead_letter_queue_name
from wspolpraca.dlq_metrics import dlq_depths

DLQ_SUFFIX = ".dlq"


class QueueListingUnavailable(RuntimeError):
    pass


def _vhost(amqp_uri: str) -> str:
    return pika.URLParameters(amqp_uri).virtual_host or "/"


def queue_names(amqp_uri: str, management_url: str | None = None) -> list[str]:
    """Every queue name of the URI's virtual host, from the management API or rabbitmqctl."""
    vhost = _vhost(amqp_uri)
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
    consumers = sorted(name[:-len(DLQ_SUFFIX)] for name in queue_names(amqp_uri, management_url)
                       if name.endswith(DLQ_SUFFIX))
    depths = dlq_depths(amqp_uri, consumers)
    return {queue: depths[dead_letter_queue_name(queue)] for queue in consumers
            if dead_letter_queue_name(queue) in depths}


def purge(amqp_uri: str, queue: str) -> int:
    """Drop every message parked in `<queue>.dlq`; how many there were."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        frame = connection.channel().queue_purge(dead_letter_queue_name(queue))
        return frame.method.message_count
    finally:
        connection.close()


def parked(amqp_uri: str, queue: str, limit: int = 100) -> list[dict]:
    """Peek at parked messages without removing them."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    found = []
    for _ in range(limit):
        method, properties, body = channel.basic_get(dead_letter_queue_name(queue))
        if method is None:
            break
        headers = dict(properties.headers or {})
        found.append({"message_id": properties.message_id, "body": body.decode(errors="replace"),
                      "error": headers.get("x-wspolpraca-error"),
                      "failed_at": headers.get("x-wspolpraca-failed-at"),
                      "attempts": headers.get(ATTEMPTS_HEADER)})
    connection.close()  # unacked messages return to the queue
    return found


def replay(amqp_uri: str, queue: str, limit: int | None = None) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    moved = 0
    while limit is None or moved < limit:
        method, properties, body = channel.basic_get(dead_letter_queue_name(queue))
        if method is None:
            break
        headers = {k: v for k, v in (properties.headers or {}).items()
                   if not k.startswith("x-wspolpraca-")}
        headers["x-wspolpraca-replayed"] = True
        properties.headers = headers
        channel.basic_publish("", queue, body, properties)
        channel.basic_ack(method.delivery_tag)
        moved += 1
    connection.close()
    return moved


def main(argv: list[str] | None = None) -> int:
    """`python -m wspolpraca.dlq show|replay <queue>`: the CLI's `wspolpraca-admin dlq`."""
    from wspolpraca.cli import run

    return run(["dlq", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
