"""Signed one-click unsubscribe tokens, inbox audiences and digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.domain import (
    Channel,
    Recipient,
    audiences_of,
    digest_due,
    group_digest,
    make_token,
    read_token,
    unsubscribe_payload,
)
from wspolpraca.errors import DomainError

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_an_unsubscribe_token_reads_back_what_was_signed():
    token = make_token("key", {"s": "665f1c2a9b1e8a0012345678"})
    assert read_token("key", token) == {"s": "665f1c2a9b1e8a0012345678"}


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "eyJzIjoib3RoZXIifQ" + t[t.index("."):],
    lambda t: t.split(".")[0],
    lambda t: "",
    lambda t: "!!!.???",
])
def test_a_forged_or_damaged_token_is_refused(mangle):
    token = make_token("key", {"s": "abc"})
    with pytest.raises(DomainError) as raised:
        read_token("key", mangle(token))
    assert raised.value.status == 400


def test_an_unsubscribe_token_does_not_show_the_address_it_unsubscribes():
    """Issue 15 item 12b: the payload was base64 JSON, the address readable by anyone."""
    import base64

    token = make_token("key", {"e": "jan.kowalski@example.pl", "t": "registry.inquiry.answered"})
    assert token.startswith("v2.")
    sealed = token.split(".", 1)[1]
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    assert b"jan.kowalski" not in raw and b"inquiry" not in raw and "jan" not in token
    assert read_token("key", token) == {"e": "jan.kowalski@example.pl",
                                        "t": "registry.inquiry.answered"}
    assert make_token("key", {"s": "x"}) != make_token("key", {"s": "x"})  # not linkable


def test_links_of_the_first_version_in_emails_already_sent_still_work():
    import base64
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(b'{"s":"abc"}').decode().rstrip("=")
    mac = hmac.new(b"key", b"unsubscribe:" + body.encode(), hashlib.sha256).digest()
    legacy = f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    assert read_token("key", legacy) == {"s": "abc"}
    with pytest.raises(DomainError):
        read_token("other", legacy)


def test_a_token_signed_with_another_key_is_refused():
    with pytest.raises(DomainError):
        read_token("key", make_token("other", {"s": "abc"}))


def test_a_subscription_is_unsubscribed_by_id_and_a_default_by_address_and_type():
    assert unsubscribe_payload(Recipient(Channel.EMAIL, "a@x.pl", "org:o", "s1"),
                               "registry.inquiry.answered") == {"s": "s1"}
    assert unsubscribe_payload(Recipient(Channel.EMAIL, "a@x.pl", "org:o"),
                               "registry.inquiry.answered") == {
        "e": "a@x.pl", "t": "registry.inquiry.answered"}


def test_a_user_reads_the_inbox_of_their_person_organisation_department_and_roles():
    assert audiences_of("u1", frozenset({"ngo"}), "o1", None) == [
        "user:u1", "org:o1", "role:ngo"]
    assert audiences_of("u2", frozenset({"department"}), None, "culture") == [
        "user:u2", "dept:culture", "role:department"]
    assert "role:officer" in audiences_of("admin", frozenset({"admin"}), None, None)


def test_a_daily_digest_is_due_a_day_after_the_last_and_a_weekly_one_a_week_after():
    assert not digest_due("daily", NOW, NOW + timedelta(hours=23))
    assert digest_due("daily", NOW, NOW + timedelta(days=1))
    assert not digest_due("weekly", NOW, NOW + timedelta(days=6))
    assert digest_due("weekly", NOW, NOW + timedelta(days=7))
    assert not digest_due("none", NOW, NOW + timedelta(days=100))


def test_digest_items_are_grouped_by_event_type_in_time_order():
    def item(i, event_type, minutes):
        return {"_id": f"d{i}", "event_type": event_type,
                "created_at": NOW + timedelta(minutes=minutes)}

    groups = group_digest([item(1, "registry.inquiry.routed", 5),
                           item(2, "registry.inquiry.answered", 1),
                           item(3, "registry.inquiry.routed", 2)])
    assert [g.event_type for g in groups] == ["registry.inquiry.answered",
                                              "registry.inquiry.routed"]
    assert [i["_id"] for i in groups[1].items] == ["d3", "d1"]


LINK_SECRET = "a-link-secret-from-the-vault-0123456789abcdef"
JWT_SECRET = "a-jwt-secret-from-the-vault-0123456789abcdef"


def test_links_are_never_signed_with_a_public_key_in_production():
    from notifications.config import load_notification_settings
    from wspolpraca.config import ConfigurationError, load_settings

    env = {"MONGO_URI": "mongodb://db/", "WSPOLPRACA_ENV": "production",
           "WSPOLPRACA_JWT_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----..."}
    settings = load_settings("notifications", env)
    with pytest.raises(ConfigurationError):
        load_notification_settings(settings, {}, env={})
    assert load_notification_settings(
        settings, {}, env={"NOTIFICATIONS_LINK_SECRET": LINK_SECRET}).link_secret == LINK_SECRET


def test_production_requires_a_link_secret_of_its_own_never_the_jwt_secret():
    """Issue 15 item 7: the link secret never falls back to the JWT secret."""
    from notifications.config import DEVELOPMENT_LINK_SECRET, load_notification_settings
    from wspolpraca.config import ConfigurationError, load_settings

    env = {"MONGO_URI": "mongodb://db/", "WSPOLPRACA_ENV": "production",
           "WSPOLPRACA_JWT_SECRET": JWT_SECRET}
    hs = load_settings("notifications", env)
    with pytest.raises(ConfigurationError, match="NOTIFICATIONS_LINK_SECRET"):
        load_notification_settings(hs, {}, env={})
    for weak in ("short-link-secret", DEVELOPMENT_LINK_SECRET, JWT_SECRET,
                 "dev-only-link-secret-change-me"):
        with pytest.raises(ConfigurationError):
            load_notification_settings(hs, {}, env={"NOTIFICATIONS_LINK_SECRET": weak})
    assert load_notification_settings(
        hs, {}, env={"NOTIFICATIONS_LINK_SECRET": LINK_SECRET}).link_secret == LINK_SECRET
    development = load_settings("notifications", {"MONGO_URI": "mongodb://db/",
                                                   "WSPOLPRACA_JWT_SECRET": JWT_SECRET})
    assert load_notification_settings(development, {}, env={}).link_secret == (
        DEVELOPMENT_LINK_SECRET)
