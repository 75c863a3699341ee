"""Issue 15.2 and 15.4: where a webhook may point (no SSRF), and a receiver's Retry-After.

A webhook is a request the platform makes from inside the city's network on a subscriber's
behalf: only global addresses (and networks an operator allows, never at the platform's own
ports), no credentials in the URL, no platform host name, and the address connected to is the
one checked (no second DNS lookup)."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime, timedelta

import pytest

from notifications.channels import check_webhook_url, resolve_target
from notifications.config import load_notification_settings
from notifications.domain import (
    LOOPBACK_NETWORKS,
    PLATFORM_PORTS,
    TargetPolicy,
    parse_retry_after,
    parse_webhook_url,
    refused_address,
    validate_webhook_target,
)
from wspolpraca.config import ConfigurationError, Settings
from wspolpraca.errors import DomainError

STRICT = TargetPolicy()                                 # production: nothing internal
LOCAL = TargetPolicy(allow_networks=LOOPBACK_NETWORKS)  # development and tests


def refused(url: str, policy: TargetPolicy = STRICT) -> DomainError:
    with pytest.raises(DomainError) as raised:
        validate_webhook_target(url, policy)
    assert raised.value.status == 422 and "target" in raised.value.fields
    return raised.value


@pytest.mark.parametrize("url", [
    "http://127.1:8004/x", "http://127.0.0.1/", "http://[::1]/", "http://0.0.0.0/",
    "http://0/", "http://2130706433/", "http://0x7f000001/",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://172.16.3.4/",
    "http://192.168.1.1/", "http://100.64.0.1/", "http://[fd00::1]/", "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a00:1]/",
    "http://[2002:7f00:1::]/", "http://224.0.0.1/", "http://[ff02::1]/", "http://[::]/",
    "http://255.255.255.255/", "http://[fec0::1]/",
])
def test_no_loopback_private_link_local_multicast_or_unspecified_address(url):
    refused(url)


@pytest.mark.parametrize("url", [
    "http://localhost/", "http://localhost./", "http://LOCALHOST:9000/",
    "http://registry:8001/api/v1/organizations", "http://rabbitmq:15672/api/queues",
    "http://mongo:27017/", "http://mailpit:8025/", "http://identity/",
    # as Kubernetes and resolvers write them (RFC 6761: every name under localhost)
    "http://registry.wspolpraca.svc.cluster.local:8001/", "http://rabbitmq.wspolpraca.svc/",
    "http://mongo.default.svc.cluster.local./", "http://grafana.city.internal/",
    "http://anything.localhost:9000/", "http://localhost.localdomain:9000/",
])
def test_never_the_platforms_own_services_whatever_they_resolve_to(url):
    refused(url, LOCAL)


def test_user_info_is_refused_so_no_credentials_go_out_as_basic_auth():
    error = refused("http://guest:guest@rabbitmq:15672/api/definitions")
    assert "hasła" in error.message or "usługi" in error.message
    refused("https://user@hooks.example.pl/x")
    refused("https://:secret@hooks.example.pl/x")


@pytest.mark.parametrize("url", [
    "http://hooks.example.pl:99999/x", "http://hooks.example.pl:abc/x", "http://[::1/x",
    "http://[hooks.example.pl]/x", "http://hooks.example.pl:0/x", "gopher://x.pl/",
    "file:///etc/passwd", "http://hooks example.pl/", "http:\\\\hooks.example.pl/",
])
def test_a_malformed_url_is_a_422_naming_target_not_a_500(url):
    refused(url)


def test_loopback_allowed_for_the_local_run_but_never_the_platforms_ports():
    assert validate_webhook_target("http://127.0.0.1:9123/hook", LOCAL)
    assert validate_webhook_target("http://[::1]:9123/hook", LOCAL)
    for port in (8000, 8001, 8004, 8006, 5672, 15672, 27017, 27027):
        refused(f"http://127.0.0.1:{port}/x", LOCAL)
    assert refused_address("127.0.0.1", 80, LOCAL) is None
    assert refused_address("10.1.2.3", 9000, LOCAL)            # only what was allowed


def test_a_public_host_named_like_a_service_is_not_the_platforms():
    assert validate_webhook_target("https://registry.example.pl/hook", STRICT)
    assert validate_webhook_target("https://portal.miasto.pl/hook", STRICT)


def test_global_addresses_are_fine_on_any_port():
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
        assert refused_address(address, 443, STRICT) is None
        assert refused_address(address, 8080, STRICT) is None


def resolver_of(*addresses):
    def resolve(host, port, type=0):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]
    return resolve


def test_a_name_is_resolved_and_every_address_checked_and_the_first_used():
    target = parse_webhook_url("https://hooks.example.pl/x")
    assert resolve_target(target, STRICT, resolver_of("93.184.216.34")) == "93.184.216.34"
    for bad in (("127.0.0.1",), ("93.184.216.34", "10.0.0.1"), ("::ffff:169.254.169.254",)):
        with pytest.raises(DomainError):
            resolve_target(target, STRICT, resolver_of(*bad))


def test_at_creation_a_name_that_resolves_to_a_private_address_is_refused():
    with pytest.raises(DomainError):
        check_webhook_url("https://rebind.example.pl/x", STRICT, resolver_of("192.168.0.10"))

    def unknown(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")
    # not resolvable yet: checked again at every delivery
    assert check_webhook_url("https://later.example.pl/x", STRICT, unknown)


def settings(production=False, **extra) -> Settings:
    return Settings(service="notifications", amqp_uri="amqp://guest:guest@127.0.0.1:5999/",
                    mongo_uri="mongodb://127.0.0.1:41234/?directConnection=true",
                    mongo_database="n", http_port=8104, jwt_secret="s" * 40,
                    production=production, extra=extra)


def test_development_allows_loopback_production_nothing_and_operators_choose():
    local = load_notification_settings(settings(), {}, env={})
    policy = local.target_policy(settings())
    assert ipaddress.ip_address("127.0.0.1") in policy.allow_networks[0]
    # the broker, the database and the service's own port of this very run are refused too
    assert {5999, 41234, 8104} <= policy.platform_ports and PLATFORM_PORTS <= policy.platform_ports
    production = load_notification_settings(settings(True), {}, env={
        "NOTIFICATIONS_LINK_SECRET": "l" * 40})
    assert production.target_policy(settings(True)).allow_networks == ()
    chosen = load_notification_settings(settings(True), {}, env={
        "NOTIFICATIONS_LINK_SECRET": "l" * 40,
        "WSPOLPRACA_WEBHOOK_ALLOW_NETWORKS": "10.20.0.0/16, fd12::/64"})
    assert [str(n) for n in chosen.target_policy(settings(True)).allow_networks] == [
        "10.20.0.0/16", "fd12::/64"]
    with pytest.raises(ConfigurationError):
        load_notification_settings(settings(), {}, env={
            "WSPOLPRACA_WEBHOOK_ALLOW_NETWORKS": "10.0.0.0/33"})


# --- Retry-After (issue 15.4) -------------------------------------------------------------

NOW = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("header", [
    "Tue, 04 Mar 2025 10:01:00 GMT", "Tue, 04 Mar 2025 10:01:00 +0000",
    "Tue, 04 Mar 2025 10:01:00 -0000", "Tue, 04 Mar 2025 10:01:00 UT",
    "Tue, 04 Mar 2025 11:01:00 +0100", "Tuesday, 04-Mar-25 10:01:00 GMT",
    "Tue Mar  4 10:01:00 2025",
])
def test_an_http_date_in_any_zone_form_is_read_as_utc(header):
    assert parse_retry_after(header, NOW) == 60


@pytest.mark.parametrize("header", [
    "soon", "-5", "1e400", "nan", "", " ", "Tue, 99 Mar 2025 10:01:00 GMT",
    "Tue, 04 Mar 99999 10:01:00 GMT", "x" * 5000, "12.5.3",
])
def test_a_strange_retry_after_never_raises(header):
    value = parse_retry_after(header, NOW)
    assert value is None or 0 <= value <= 7 * 24 * 3600


def test_a_retry_after_is_never_negative_nor_absurdly_far():
    assert parse_retry_after("Mon, 03 Mar 2025 10:00:00 GMT", NOW) == 0
    assert parse_retry_after("99999999999", NOW) == 7 * 24 * 3600
    assert parse_retry_after("Tue, 04 Mar 2025 10:01:00 -0000",
                             NOW.replace(tzinfo=None)) == 60
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Thu, 04 Mar 2027 10:01:00 GMT", NOW + timedelta(days=730)) \
        is not None
