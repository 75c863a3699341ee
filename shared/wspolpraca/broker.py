"""Short AMQP connections for the platform's own tools (the DLQ tools, the DLQ gauge, the
topology, the operator CLI), with kombu, the client nameko is built on and the consumer and
the relay use: one AMQP client library for the platform's code. (The departments' consumer
kit in examples/ is departments' code and stays on pika.)

    with broker.connection(amqp_uri) as connection:
        channel = connection.channel()
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import amqp.exceptions
from kombu import Connection
from kombu.exceptions import OperationalError

CONNECT_TIMEOUT = 5.0

# the broker cannot be reached, refused the login, or the connection died
UNREACHABLE = (OperationalError, OSError, amqp.exceptions.ConnectionError,
               amqp.exceptions.AccessRefused)
# the broker closed a channel: a missing queue (NotFound, 404), a refused operation
ChannelError = amqp.exceptions.ChannelError
NotFound = amqp.exceptions.NotFound


def vhost_of(amqp_uri: str) -> str:
    """The virtual host of an AMQP URI (`/` when it names none)."""
    return Connection(amqp_uri).virtual_host or "/"


@contextmanager
def connection(amqp_uri: str, *, timeout: float = CONNECT_TIMEOUT,
               confirm: bool = False) -> Iterator[Connection]:
    """A connected kombu Connection, closed on the way out; `confirm`: every publish on its
    channels waits for the broker's confirm (a refusal raises)."""
    options = {"confirm_publish": True} if confirm else {}
    conn = Connection(amqp_uri, connect_timeout=timeout, transport_options=options)
    try:
        conn.connect()
        yield conn
    finally:
        try:
            conn.release()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


def message_counts(conn: Connection, queues: list[str]) -> dict[str, int]:
    """{queue: messages ready} of those of `queues` that exist (a passive declare each, which
    neither creates nor changes a queue); a missing queue has no entry."""
    counts: dict[str, int] = {}
    channel = conn.channel()
    for name in queues:
        try:
            counts[name] = channel.queue_declare(name, passive=True).message_count
        except NotFound:  # the broker closed the channel
            channel = conn.channel()
    return counts
