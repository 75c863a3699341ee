"""Webhook signatures, the retry decision by status code, backoff with jitter, suspension."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime

import pytest

from notifications.domain import (
    LOOPBACK_NETWORKS,
    Outcome,
    RetryPolicy,
    TargetPolicy,
    attempt_outcome,
    backoff_delay,
    own_hosts,
    parse_retry_after,
    redact,
    retryable,
    should_suspend,
    sign,
    signature_valid,
    validate_target,
    validate_webhook_target,
)
from wspolpraca.errors import DomainError

POLICY = RetryPolicy(base_seconds=10, cap_seconds=300, max_attempts=4, suspend_after=3)


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body_with_the_secret():
    body = b'{"id":"1","data":{"name":"\xc5\x81\xc4\x85ki"}}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign("s3cret", body) == f"sha256={expected}"
    assert signature_valid("s3cret", body, f"sha256={expected}")
    assert not signature_valid("other", body, f"sha256={expected}")
    assert not signature_valid("s3cret", body + b" ", f"sha256={expected}")
    assert not signature_valid("s3cret", body, None)


@pytest.mark.parametrize("status", [None, 500, 502, 503, 504, 429])
def test_timeouts_server_errors_and_429_are_retried(status):
    assert retryable(status)
    assert attempt_outcome(status, 1, POLICY) == Outcome.RETRY


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 301])
def test_other_client_errors_and_redirects_are_not_retried(status):
    assert not retryable(status)
    assert attempt_outcome(status, 1, POLICY) == Outcome.DEAD


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_delivered(status):
    assert attempt_outcome(status, 1, POLICY) == Outcome.SENT


def test_after_the_last_attempt_a_retryable_failure_is_dead_lettered():
    assert attempt_outcome(500, 3, POLICY) == Outcome.RETRY
    assert attempt_outcome(500, 4, POLICY) == Outcome.DEAD


def test_backoff_grows_exponentially_within_half_and_full_of_its_step():
    rng = random.Random(7)
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 160)):
        for _ in range(50):
            delay = backoff_delay(attempt, POLICY, rng)
            assert ceiling / 2 <= delay <= ceiling


def test_backoff_is_capped():
    rng = random.Random(1)
    assert all(150 <= backoff_delay(30, POLICY, rng) <= 300 for _ in range(50))


def test_backoff_is_jittered_so_receivers_failing_together_are_not_hit_together():
    rng = random.Random(3)
    delays = {round(backoff_delay(3, POLICY, rng), 6) for _ in range(20)}
    assert len(delays) > 15


def test_a_longer_retry_after_wins_but_stays_capped():
    rng = random.Random(2)
    assert backoff_delay(1, POLICY, rng, retry_after=120) == 120
    assert backoff_delay(1, POLICY, rng, retry_after=10_000) == 300
    assert backoff_delay(1, POLICY, rng, retry_after=0.5) >= 5


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Tue, 04 Mar 2025 10:01:00 GMT", now) == 60
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_a_subscription_is_suspended_after_enough_dead_deliveries_in_a_row():
    assert not should_suspend(2, POLICY)
    assert should_suspend(3, POLICY)


def test_a_webhook_target_must_be_http_or_https():
    assert validate_webhook_target("https://dept.example.pl/hook") == \
        "https://dept.example.pl/hook"
    for bad in ("ftp://x.pl/a", "javascript:alert(1)", "dept.example.pl/hook", "http:///x"):
        with pytest.raises(DomainError) as raised:
            validate_webhook_target(bad)
        assert raised.value.fields == {"target": [raised.value.message]}


def test_a_webhook_may_not_point_at_the_notifications_service_itself():
    own = TargetPolicy(allow_networks=LOOPBACK_NETWORKS,
                       own=own_hosts(["https://wspolpraca.miasto.pl", "http://127.0.0.1:8004"]))
    for bad in ("https://wspolpraca.miasto.pl/api/v1/inbox", "http://127.0.0.1:8004/x",
                "https://WSPOLPRACA.miasto.pl:443/", "https://wspolpraca.miasto.pl./x"):
        with pytest.raises(DomainError):
            validate_webhook_target(bad, own)
    assert validate_webhook_target("http://127.0.0.1:9000/hook", own)


def test_an_email_target_must_be_an_address_and_an_inbox_needs_none():
    assert validate_target("email", "a@b.pl") == "a@b.pl"
    assert validate_target("email", None, default_email="c@d.pl") == "c@d.pl"
    assert validate_target("inbox", "ignored") is None
    with pytest.raises(DomainError):
        validate_target("email", "not-an-address")


def test_errors_kept_in_the_delivery_log_never_carry_secrets_or_tokens():
    text = redact("failed https://x.pl/h?token=abc123&a=1 with s3cret inside", "s3cret")
    assert "abc123" not in text and "s3cret" not in text
    assert len(redact("x" * 5000)) == 500


def test_one_subscription_never_holds_more_than_its_share_of_the_senders():
    from notifications.domain import within_limits

    claimed = [{"_id": f"d{i}", "channel": "webhook", "subscription_id": "slow"}
               for i in range(5)]
    claimed += [{"_id": "e1", "channel": "email", "subscription_id": "slow"},
                {"_id": "w1", "channel": "webhook", "subscription_id": "fast"},
                {"_id": "x1", "channel": "email", "subscription_id": None}]
    take, back = within_limits(claimed, {"slow": 2}, per_subscription=4)
    assert [r["_id"] for r in take] == ["d0", "d1", "e1", "w1", "x1"]
    assert [r["_id"] for r in back] == ["d2", "d3", "d4"]
