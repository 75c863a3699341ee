"""Keep-alive connections to webhook receivers (issue #19, item 2): deliveries to one
receiver reuse its connection, and every attempt still checks the address it connects to."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from notifications_helpers import all_delivered, publish, routed_inquiry

from notifications.channels import ReceiverPools, post_webhook
from notifications.domain import LOOPBACK_NETWORKS, TargetPolicy
from wspolpraca.secantus import free_port
from wspolpraca.testing.waiting import wait_until


class KeepAliveReceiver:
    """An HTTP/1.1 receiver (keeps connections open) on one port of one or more loopback
    addresses; counts the connections it accepted, by the address they came to."""

    def __init__(self, addresses: tuple[str, ...] = ("127.0.0.1",)) -> None:
        self.port = free_port()
        self.accepted: list[str] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(dict(self.headers))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                conn, peer = super().get_request()
                with receiver.lock:
                    receiver.accepted.append(conn.getsockname()[0])
                return conn, peer

        self.servers = [Server((address, self.port), Handler) for address in addresses]
        self.threads = [threading.Thread(target=s.serve_forever, daemon=True)
                        for s in self.servers]

    def __enter__(self) -> KeepAliveReceiver:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


LOOPBACK = TargetPolicy(allow_networks=LOOPBACK_NETWORKS)


def test_attempts_to_one_receiver_reuse_one_connection():
    pools = ReceiverPools()
    with KeepAliveReceiver() as receiver:
        for n in range(5):
            result = post_webhook(f"http://127.0.0.1:{receiver.port}/hook?n={n}", b"{}", {},
                                  3.0, LOOPBACK, pools=pools)
            assert result.status == 200, result
        pools.close()
        assert receiver.accepted == ["127.0.0.1"]
        assert len(receiver.requests) == 5


def test_a_receiver_whose_address_changes_is_checked_again_and_not_reused():
    """The pool is keyed by the checked address: a name that now resolves elsewhere gets a
    connection to the new (checked) address, and one that now resolves to a refused
    address is refused although a connection to its old address is open."""
    answers = ["127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2", "10.0.0.1"]
    asked: list[str] = []

    def resolver(host, port, type=0):
        address = answers[len(asked)]
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    pools = ReceiverPools()
    with KeepAliveReceiver(("127.0.0.1", "127.0.0.2")) as receiver:
        url = f"http://hooks.example.test:{receiver.port}/hook"
        results = [post_webhook(url, b"{}", {}, 3.0, LOOPBACK, resolver=resolver, pools=pools)
                   for _ in answers]
        pools.close()
        assert [r.status for r in results] == [200, 200, 200, 200, None]
        assert results[-1].refused
        assert asked == ["hooks.example.test"] * 5          # every attempt checked again
        assert receiver.accepted == ["127.0.0.1", "127.0.0.2"]
        assert {r["Host"] for r in receiver.requests} == {f"hooks.example.test:{receiver.port}"}


def test_pools_are_bounded_and_closed():
    pools = ReceiverPools(max_pools=2)
    with KeepAliveReceiver() as a, KeepAliveReceiver() as b, KeepAliveReceiver() as c:
        for receiver in (a, b, c, a):
            assert post_webhook(f"http://127.0.0.1:{receiver.port}/hook", b"{}", {}, 3.0,
                                LOOPBACK, pools=pools).status == 200
        assert len(pools) == 2          # a's pool was the oldest: closed, then made again
        assert a.accepted == ["127.0.0.1", "127.0.0.1"]
        pools.close()
        assert len(pools) == 0


@pytest.fixture
def dept(token):
    return token("department", department="culture")


def test_the_dispatcher_sends_a_subscriptions_deliveries_over_one_connection(
        start_notifications, dept, amqp_uri):
    service = start_notifications(per_subscription_concurrency=1)
    with KeepAliveReceiver() as receiver:
        response = service.post("/api/v1/subscriptions", dept, json={
            "channel": "webhook", "target": f"http://127.0.0.1:{receiver.port}/hook",
            "event_types": ["registry.inquiry.routed"]})
        assert response.status_code == 201, response.text
        for n in range(6):
            publish(amqp_uri, routed_inquiry(id=f"665f1c2a9b1e8a00876521{n:02d}"))
        wait_until(lambda: len(receiver.requests) == 6, timeout=30)
        all_delivered(service)
        assert receiver.accepted == ["127.0.0.1"]
