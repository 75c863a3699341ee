"""Operators' tool for dead-lettered events: inspect and replay.

    python -m wspolpraca.dlq show  <queue>          # what waits in <queue>.dlq, and why
    python -m wspolpraca.dlq replay <queue> [--limit N]

Replay moves each parked message back to its queue (confirmed publish first, then
ack), with the attempt counter reset; consumers are idempotent, so a message
replayed twice takes effect once.
"""

from __future__ import annotations

import argparse
import json
import os

import pika

from wspolpraca.config import DEFAULT_AMQP_URI
from wspolpraca.consumer import ATTEMPTS_HEADER, dead_letter_queue_name


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
    parser = argparse.ArgumentParser(prog="python -m wspolpraca.dlq")
    parser.add_argument("command", choices=["show", "replay"])
    parser.add_argument("queue", help="the consumer's queue (without .dlq)")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    amqp_uri = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    if args.command == "show":
        for item in parked(amqp_uri, args.queue, args.limit or 100):
            print(json.dumps(item, ensure_ascii=False))
    else:
        print(f"replayed {replay(amqp_uri, args.queue, args.limit)} message(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
