"""Email over TLS with a login, against a real SMTP server (aiosmtpd) that has a self-signed
certificate made for the test: STARTTLS (port 587 style) and implicit TLS (port 465 style).
The certificate is checked (an untrusted one keeps the mail waiting, `SMTP_CA_FILE` trusts
it); the credentials never appear in the logs, the delivery log or any stored record."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from notifications_helpers import (
    FAST,
    SmtpServer,
    dispatcher_of,
    publish,
    routed_inquiry,
    self_signed_certificate,
)

from notifications.service import NotificationsService
from wspolpraca.testing.waiting import wait_until

USER, PASSWORD = "powiadomienia", "Tajne-Haslo-SMTP-42"
SUBSCRIPTIONS = "/api/v1/subscriptions"
ADDRESS = "dyzur@kultura.example.pl"


@pytest.fixture
def certificate(tmp_path):
    return self_signed_certificate(tmp_path / "tls")


@pytest.fixture
def tls_server(tmp_path, certificate, caplog):
    """`tls_server("starttls" | "ssl")`: a running SMTP server requiring the login over TLS;
    the service's logs are captured from then on."""
    caplog.set_level(logging.DEBUG)
    started: list[SmtpServer] = []

    def start(tls: str) -> SmtpServer:
        server = SmtpServer(tmp_path / f"{tls}-maildir-{len(started)}", login=(USER, PASSWORD),
                            tls=tls, certificate=certificate).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def start_notifications(start_service, server: SmtpServer, **config):
    return start_service(NotificationsService, extra={
        **FAST, "smtp_port": server.port, "smtp_user": USER, "smtp_password": PASSWORD,
        **config})


def subscribe_and_publish(service, token, amqp_uri) -> tuple[dict, str]:
    dept = token("department", department="culture", email=ADDRESS)
    created = service.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": ADDRESS, "event_types": ["registry.inquiry.routed"]})
    assert created.status_code == 201, created.text
    publish(amqp_uri, routed_inquiry())
    return created.json(), dept


def assert_no_credentials(service, caplog, created: dict, dept_token: str) -> None:
    """Not in any stored record, not in the delivery log, not in any log record."""
    for name in service.db.list_collection_names():
        assert PASSWORD not in str(list(service.db[name].find())), name
    deliveries = service.get(f"{SUBSCRIPTIONS}/{created['id']}/deliveries", dept_token)
    assert deliveries.status_code == 200 and deliveries.json()["items"]
    assert PASSWORD not in deliveries.text
    assert caplog.records, "the test must have captured the service's logs"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in caplog.records)
    assert PASSWORD not in logged


def test_mail_goes_out_over_starttls_with_a_login_once_the_certificate_is_trusted(
        start_service, tls_server, certificate, token, amqp_uri, caplog):
    server = tls_server("starttls")
    service = start_notifications(start_service, server, smtp_tls="starttls")
    created, dept = subscribe_and_publish(service, token, amqp_uri)
    # the self-signed certificate is not trusted yet: the message waits
    record = wait_until(lambda: service.db["deliveries"].find_one(
        {"channel": "email", "attempts": {"$gte": 1}}))
    assert record["status"] in ("pending", "sending")
    assert record["last_error"] == "SMTP unavailable: SSLCertVerificationError"
    assert server.to(ADDRESS) == []
    assert_no_credentials(service, caplog, created, dept)
    # the operator points SMTP_CA_FILE at the city's CA (here: the certificate itself)
    sender = dispatcher_of(service)
    sender.config = replace(sender.config, smtp_ca_file=str(certificate[0]))
    [mail] = wait_until(lambda: server.to(ADDRESS))
    assert mail["Subject"].startswith("Zapytanie skierowane do wydziału")
    wait_until(lambda: service.db["deliveries"].find_one(
        {"channel": "email", "status": "sent"}))
    assert_no_credentials(service, caplog, created, dept)


def test_without_starttls_the_server_takes_no_login_and_the_mail_waits(
        start_service, tls_server, certificate, token, amqp_uri, caplog):
    server = tls_server("starttls")
    service = start_notifications(start_service, server, smtp_tls="none",
                                  smtp_ca_file=str(certificate[0]))
    created, dept = subscribe_and_publish(service, token, amqp_uri)
    record = wait_until(lambda: service.db["deliveries"].find_one(
        {"channel": "email", "attempts": {"$gte": 2}}))
    assert record["status"] in ("pending", "sending")
    assert record["last_error"].startswith("SMTP unavailable")
    assert server.to(ADDRESS) == []
    sender = dispatcher_of(service)
    sender.config = replace(sender.config, smtp_tls="starttls")
    wait_until(lambda: server.to(ADDRESS))
    assert_no_credentials(service, caplog, created, dept)


def test_mail_goes_out_over_implicit_tls_with_a_login(start_service, tls_server, certificate,
                                                      token, amqp_uri, caplog):
    server = tls_server("ssl")
    service = start_notifications(start_service, server, smtp_tls="ssl",
                                  smtp_ca_file=str(certificate[0]))
    created, dept = subscribe_and_publish(service, token, amqp_uri)
    [mail] = wait_until(lambda: server.to(ADDRESS))
    assert mail["Subject"].startswith("Zapytanie skierowane do wydziału")
    assert mail["X-Wspolpraca-Event-Type"] == "registry.inquiry.routed"
    wait_until(lambda: service.db["deliveries"].find_one(
        {"channel": "email", "status": "sent"}))
    assert_no_credentials(service, caplog, created, dept)
