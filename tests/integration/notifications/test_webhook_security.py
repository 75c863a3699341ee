"""Issue 15, items 2, 3, 4 and 12a against a running service and a real local receiver:
where a webhook may point, a receiver that trickles or floods its answer, a result recorded
under an expired claim, a `Retry-After` with the zone `-0000`, an unexpected error, and the
delivery log's pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from notifications_helpers import dispatcher_of, publish, routed_inquiry

from wspolpraca.testing.waiting import wait_until

SUBSCRIPTIONS = "/api/v1/subscriptions"


@pytest.fixture
def dept(token):
    return token("department", department="culture")


def subscribe(service, token, url, event_types=("registry.inquiry.routed",)):
    response = service.post(SUBSCRIPTIONS, token, json={
        "channel": "webhook", "target": url, "event_types": list(event_types)})
    assert response.status_code == 201, response.text
    return response.json()


def the_delivery(service, subscription_id, **query):
    return service.db["deliveries"].find_one({"subscription_id": subscription_id, **query})


def port_of(uri: str) -> int:
    return int(urlsplit(uri).netloc.rpartition("@")[2].split(",")[0].rpartition(":")[2])


# --- item 2: SSRF ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://127.1:8004/api/v1/inbox", "http://[::1]:8002/", "http://0.0.0.0:9999/",
    "http://localhost.:9999/", "http://registry:8001/api/v1/organizations",
    "http://169.254.169.254/latest/meta-data/",
    "http://guest:guest@rabbitmq:15672/api/definitions", "http://[::1/", "http://x.pl:99999/",
    "http://x.pl:port/", "gopher://x.pl/", "http://10.0.0.1/", "http://[::ffff:7f00:1]:5672/",
    # found by the audit: Kubernetes service names, names under localhost, site-local IPv6
    "http://registry.wspolpraca.svc.cluster.local:8001/", "http://api.localhost:9999/",
    "http://[fec0::1]/",
])
def test_a_webhook_at_an_internal_address_or_a_malformed_url_is_a_422(notifications, dept,
                                                                      url):
    response = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "webhook", "target": url, "event_types": ["registry.*"]})
    assert response.status_code == 422, (url, response.status_code, response.text)
    assert response.json()["error"]["fields"].keys() == {"target"}
    assert notifications.db["subscriptions"].count_documents({}) == 0


def test_loopback_is_allowed_in_tests_but_never_the_broker_nor_the_database(
        notifications, dept, amqp_uri, mongo_uri, receiver):
    for port in (port_of(amqp_uri), port_of(mongo_uri), notifications.settings.http_port):
        response = notifications.post(SUBSCRIPTIONS, dept, json={
            "channel": "webhook", "target": f"http://127.0.0.1:{port}/",
            "event_types": ["registry.*"]})
        assert response.status_code == 422, (port, response.text)
    subscribe(notifications, dept, receiver.url + "/ok")


def test_without_an_allowed_network_not_even_loopback(start_notifications, dept, receiver):
    service = start_notifications(webhook_allow_networks="none")
    for url in (receiver.url + "/ok", receiver.url.replace("127.0.0.1", "[::ffff:127.0.0.1]")):
        response = service.post(SUBSCRIPTIONS, dept, json={
            "channel": "webhook", "target": url, "event_types": ["registry.*"]})
        assert response.status_code == 422, (url, response.text)


def test_the_target_is_checked_again_at_delivery(notifications, dept, receiver, amqp_uri):
    """What was fine when subscribing may not be now (DNS changes; here, the stored URL)."""
    created = subscribe(notifications, dept, receiver.url + "/ok")
    notifications.db["subscriptions"].update_one(
        {"_id": created["id"]}, {"$set": {"target": f"http://127.0.0.1:{port_of(amqp_uri)}/"}})
    publish(amqp_uri, routed_inquiry())
    dead = wait_until(lambda: the_delivery(notifications, created["id"], status="dead"))
    assert dead["attempts"] == 1 and dead["last_error"].startswith("refused")
    assert receiver.requests == []


# --- item 3: the answer's size and time, and the claim --------------------------------------

def test_a_trickling_receiver_is_cut_at_the_deadline(notifications, dept, receiver, amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/trickle")
    publish(amqp_uri, routed_inquiry())
    first = wait_until(lambda: the_delivery(notifications, created["id"],
                                            attempts={"$gte": 1}), timeout=20)
    assert first["last_error"] == "timeout after 1s"
    # 600 bytes at 0.1 s each would take a minute; the deadline is the 1 s timeout
    assert receiver.trickled < 60


def test_a_receiver_sending_a_huge_body_is_read_only_a_few_kib(notifications, dept, receiver,
                                                               amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/huge")
    publish(amqp_uri, routed_inquiry())
    sent = wait_until(lambda: the_delivery(notifications, created["id"], status="sent"),
                      timeout=20)
    assert sent["attempts"] == 1 and sent["last_status_code"] == 200
    wait_until(lambda: receiver.hung_up == 1)          # the sender closed the connection
    assert receiver.huge_written < 64 * 1024 * 1024   # of a gigabyte offered


def test_a_result_is_recorded_only_under_its_own_claim(start_notifications, dept, receiver,
                                                       amqp_uri):
    """A send that outlives its claim (another dispatcher took the delivery) leaves the
    delivery to that dispatcher: no `sent` over a claim that is no longer its own."""
    service = start_notifications(webhook_timeout=10.0)
    receiver.slow_seconds = 1.5
    created = subscribe(service, dept, receiver.url + "/slow")
    publish(amqp_uri, routed_inquiry())
    wait_until(lambda: receiver.at("/slow"))
    service.db["deliveries"].update_one({"subscription_id": created["id"]},
                                        {"$set": {"claim": "another-dispatcher"}})
    wait_until(lambda: receiver.slow_answered == 1)
    # the send is over when the dispatcher no longer has it in flight (its result recorded, or
    # not, over the claim that is no longer its own)
    wait_until(lambda: not dispatcher_of(service).in_flight)
    record = the_delivery(service, created["id"])
    assert record["status"] == "sending" and record["claim"] == "another-dispatcher"
    assert record["attempts"] == 0 and record.get("sent_at") is None


# --- item 4: Retry-After and unexpected errors ----------------------------------------------

def test_a_retry_after_dated_minus_0000_on_a_200_is_simply_delivered(notifications, dept,
                                                                     receiver, amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/dated")
    publish(amqp_uri, routed_inquiry())
    sent = wait_until(lambda: the_delivery(notifications, created["id"], status="sent"))
    assert sent["attempts"] == 1
    assert len(receiver.at("/dated")) == 1


def test_a_retry_after_dated_minus_0000_on_a_503_is_retried_then_dead(notifications, dept,
                                                                      receiver, amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/dated-busy")
    publish(amqp_uri, routed_inquiry())
    dead = wait_until(lambda: the_delivery(notifications, created["id"], status="dead"))
    assert dead["attempts"] == 3 and dead["last_status_code"] == 503
    assert len(receiver.at("/dated-busy")) == 3


def test_an_unexpected_error_counts_as_a_failed_attempt(notifications, dept, receiver,
                                                        amqp_uri, monkeypatch):
    from notifications import dispatcher

    def broken(event):
        raise TypeError("a bug")

    monkeypatch.setattr(dispatcher, "encode_event", broken)
    created = subscribe(notifications, dept, receiver.url + "/ok")
    for number in range(3):
        publish(amqp_uri, routed_inquiry(id=f"665f1c2a9b1e8a008765300{number}"))
    wait_until(lambda: notifications.db["subscriptions"].find_one(
        {"_id": created["id"], "status": "suspended"}))
    # nothing stays `sending` to be claimed again every 40 s (the claim is 41 s here)
    wait_until(lambda: notifications.db["deliveries"].count_documents(
        {"subscription_id": created["id"], "status": {"$in": ["sending", "pending"]}}) == 0,
        timeout=15)
    failed = list(notifications.db["deliveries"].find(
        {"subscription_id": created["id"], "last_error": "internal error: TypeError"}))
    assert len(failed) >= 2 and all(d["attempts"] == 3 and d["status"] == "dead"
                                    for d in failed)


# --- item 12a: the delivery log's pages -----------------------------------------------------

def test_the_delivery_log_pages_newest_first(notifications, dept, receiver, amqp_uri):
    created = subscribe(notifications, dept, receiver.url + "/ok")
    for number in range(5):
        publish(amqp_uri, routed_inquiry(id=f"665f1c2a9b1e8a008765400{number}"))
        wait_until(lambda n=number: notifications.db["deliveries"].count_documents(
            {"subscription_id": created["id"]}) == n + 1)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = notifications.get(f"{SUBSCRIPTIONS}/{created['id']}/deliveries", dept,
                                     params=params)
        assert response.status_code == 200, response.text
        seen += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 and len({d["id"] for d in seen}) == 5
    times = [d["created_at"] for d in seen]
    assert times == sorted(times, reverse=True) and times[0] > times[-1]
    bad = notifications.get(f"{SUBSCRIPTIONS}/{created['id']}/deliveries", dept,
                            params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["fields"]


# --- the checked address is the one connected to --------------------------------------------

def test_the_connection_goes_to_the_checked_address_with_the_original_host(receiver):
    """One DNS answer, checked and used: a rebinding resolver gets no second question."""
    import socket

    from notifications.channels import post_webhook
    from notifications.domain import LOOPBACK_NETWORKS, TargetPolicy

    asked = []

    def resolver(host, port, type=0):
        asked.append(host)
        address = "127.0.0.1" if len(asked) == 1 else "10.0.0.1"   # rebinding after the first
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    port = urlsplit(receiver.url).port
    result = post_webhook(f"http://hooks.example.test:{port}/ok?x=1", b"{}",
                          {"Content-Type": "application/json"}, 2.0,
                          TargetPolicy(allow_networks=LOOPBACK_NETWORKS), resolver=resolver)
    assert result.status == 200 and asked == ["hooks.example.test"]
    [request] = receiver.at("/ok?x=1")
    assert request["headers"]["Host"] == f"hooks.example.test:{port}"


def test_https_names_the_original_host_in_sni(tmp_path):
    """TLS to the pinned address still says (and checks the certificate for) the host name."""
    import socket
    import ssl
    import threading

    from notifications_helpers import self_signed_certificate

    from notifications.channels import post_webhook
    from notifications.domain import LOOPBACK_NETWORKS, TargetPolicy
    from wspolpraca.secantus import free_port

    cert, key = self_signed_certificate(tmp_path)
    seen = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))

    def serve():
        conn, _ = listener.accept()
        try:
            context.wrap_socket(conn, server_side=True).close()
        except (ssl.SSLError, OSError):
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def resolver(host, port, type=0):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    result = post_webhook(f"https://hooks.example.test:{port}/x", b"{}", {}, 3.0,
                          TargetPolicy(allow_networks=LOOPBACK_NETWORKS), resolver=resolver)
    thread.join(5)
    listener.close()
    assert seen == ["hooks.example.test"]
    # the test certificate is for 127.0.0.1 and not trusted: refused, never sent
    assert result.status is None and result.error.startswith("connection failed")
