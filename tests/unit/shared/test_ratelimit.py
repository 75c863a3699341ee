"""Rate limits of public writes (issue 15, item 8): per client address, behind the proxy the
address from X-Forwarded-For only when the peer is a trusted proxy."""

from __future__ import annotations

import pytest

from wspolpraca.config import ConfigurationError, load_settings
from wspolpraca.ratelimit import SlidingWindowLimiter, TooManyRequests, client_address


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_over_the_limit_waits_for_the_oldest_write_to_leave_the_window():
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60, clock=clock)
    for _ in range(3):
        limiter.hit("203.0.113.7")
        clock.now += 10
    with pytest.raises(TooManyRequests) as refused:
        limiter.hit("203.0.113.7")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.headers == {"Retry-After": "30"}
    limiter.hit("198.51.100.1")  # another client has its own budget
    clock.now += 30
    limiter.hit("203.0.113.7")  # the first write left the window


def test_zero_turns_the_limit_off():
    limiter = SlidingWindowLimiter(0, 60)
    for _ in range(1000):
        limiter.hit("203.0.113.7")


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    assert client_address("203.0.113.7", "1.2.3.4", []) == "203.0.113.7"
    assert client_address("203.0.113.7", "1.2.3.4", ["10.0.0.0/8"]) == "203.0.113.7"


def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client():
    trusted = ["10.0.0.0/8", "127.0.0.1/32"]
    # the client put a made-up address first; nginx appended the real one
    assert client_address("10.0.0.5", "6.6.6.6, 203.0.113.7", trusted) == "203.0.113.7"
    assert client_address("10.0.0.5", "203.0.113.7, 10.0.0.9", trusted) == "203.0.113.7"
    assert client_address("10.0.0.5", None, trusted) == "10.0.0.5"
    assert client_address("10.0.0.5", "not-an-address", trusted) == "10.0.0.5"
    assert client_address("::ffff:10.0.0.5", "203.0.113.7", trusted) == "203.0.113.7"


def test_the_limits_and_trusted_proxies_are_settings():
    settings = load_settings("registry", {
        "MONGO_URI": "mongodb://db/", "WSPOLPRACA_RATE_LIMIT_WRITES": "5",
        "WSPOLPRACA_RATE_LIMIT_WINDOW_SECONDS": "10",
        "WSPOLPRACA_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1"})
    assert (settings.rate_limit_writes, settings.rate_limit_window_seconds) == (5, 10.0)
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.168.1.1/32")
    with pytest.raises(ConfigurationError):
        load_settings("registry", {"MONGO_URI": "mongodb://db/",
                                   "WSPOLPRACA_TRUSTED_PROXIES": "proxy.local"})
