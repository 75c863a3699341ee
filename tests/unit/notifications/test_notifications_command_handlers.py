"""Notifications' command handlers (`handler(command, uow)`) run with the in-memory unit
(notifications_fakes.py): subscriptions and their quota, the double opt-in, the newsletter,
signed links, status steps, retrying a delivery, the inbox and the calendar, and which of them
leave the dispatcher something to send (woken by the unit once it committed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from notifications_fakes import CONFIG, POLICY, FakeNotificationsUnit, Worker

from notifications import domain, handlers
from notifications.schemas import (
    CalendarEntryCreateSchema,
    NewsletterSignupSchema,
    SubscriptionCreateSchema,
)
from wspolpraca.auth import Principal
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound

NGO = Principal("u1", frozenset({"ngo"}), org_id="665f1c2a9b1e8a0000000001",
                email="ja@ngo.example.pl")
OTHER = Principal("u2", frozenset({"ngo"}), org_id="665f1c2a9b1e8a0000000002")
OFFICER = Principal("u9", frozenset({"officer"}))


@pytest.fixture
def uow() -> FakeNotificationsUnit:
    return FakeNotificationsUnit()


def subscribe(uow: FakeNotificationsUnit, principal: Principal = NGO, **body) -> dict:
    loaded = SubscriptionCreateSchema().load({"channel": "inbox",
                                              "event_types": ["grants.*"], **body})
    return handlers.create_subscription(
        handlers.CreateSubscription(principal, loaded, CONFIG, POLICY), uow)


def committed(uow: FakeNotificationsUnit) -> int:
    """Commit the unit (as `run` does): how often the dispatcher was woken so far."""
    uow.committed()
    return uow.dispatcher.woken


# --- subscriptions -------------------------------------------------------------------------------
def test_an_inbox_subscription_is_active_at_once_and_leaves_the_dispatcher_nothing(uow):
    record = subscribe(uow)
    assert record["status"] == "active" and record["owner"] == "user:u1"
    assert list(uow.subscriptions.records) == [record["_id"]]
    assert uow.quotas.records["user:u1"]["writes"] == 1   # counted on the owner's guard
    assert uow.deliveries.records == {} and committed(uow) == 0


def test_an_email_to_another_address_waits_for_its_confirmation_email(uow):
    record = subscribe(uow, channel="email", target="inne@example.pl")
    assert record["status"] == "pending_confirmation"
    [email] = uow.deliveries.records.values()
    assert (email["channel"], email["target"], email["status"]) == (
        "email", "inne@example.pl", "pending")
    assert uow.subscriptions.get(record["_id"])["confirmation_sent_at"] is not None
    assert committed(uow) == 1


def test_the_accounts_own_address_needs_no_confirmation(uow):
    record = subscribe(uow, channel="email", target="Ja@ngo.example.pl")
    assert record["status"] == "active" and uow.deliveries.records == {}


def test_an_address_that_opted_out_of_confirmations_gets_none_and_wakes_nobody(uow):
    uow.optouts.add_once("inne@example.pl", domain.CONFIRMATION_REQUESTED, datetime.now(UTC))
    record = subscribe(uow, channel="email", target="inne@example.pl")
    assert record["status"] == "pending_confirmation"
    assert uow.deliveries.records == {} and committed(uow) == 0


def test_a_department_subscription_needs_a_department_token(uow):
    with pytest.raises(Forbidden):
        subscribe(uow, for_department=True)
    assert uow.subscriptions.records == {}


def test_the_owners_quota_is_checked_in_the_unit_that_adds(uow):
    limited = replace(CONFIG, max_subscriptions_per_owner=1)
    subscribe(uow)
    loaded = SubscriptionCreateSchema().load({"channel": "inbox", "event_types": ["grants.*"]})
    with pytest.raises(DomainError) as refused:
        handlers.create_subscription(handlers.CreateSubscription(NGO, loaded, limited, POLICY),
                                     uow)
    assert refused.value.status in (409, 422, 429)
    assert len(uow.subscriptions.records) == 1


# --- the newsletter and signed links --------------------------------------------------------------
def signup(uow: FakeNotificationsUnit, email: str = "czytelnik@example.pl") -> dict:
    body = NewsletterSignupSchema().load({"email": email, "areas": []})
    return handlers.newsletter_signup(handlers.NewsletterSignup(body, CONFIG), uow)


def test_a_newsletter_signup_is_pending_until_confirmed_and_answers_the_same_again(uow):
    assert signup(uow) == handlers.NEWSLETTER_ACCEPTED
    [record] = uow.subscriptions.records.values()
    assert record["status"] == "pending_confirmation" and record["newsletter"] is True
    assert len(uow.deliveries.records) == 1 and committed(uow) == 1
    assert signup(uow) == handlers.NEWSLETTER_ACCEPTED   # within the resend window
    assert len(uow.deliveries.records) == 1 and len(uow.subscriptions.records) == 1


def confirmation_token(record: dict) -> str:
    return domain.make_confirmation_token(CONFIG.link_secret, record["_id"], record["target"],
                                          datetime.now(UTC) + timedelta(hours=1))


def test_the_confirmation_link_activates_the_subscription_once(uow):
    signup(uow)
    [record] = uow.subscriptions.records.values()
    command = handlers.SignedLink(confirmation_token(record), CONFIG)
    assert handlers.confirm_subscription(command, uow)["status"] == "active"
    assert handlers.confirm_subscription(command, uow)["status"] == "active"   # again: fine
    uow.subscriptions.set_fields(record["_id"], status="cancelled")
    with pytest.raises(Conflict):
        handlers.confirm_subscription(command, uow)


def test_a_confirmation_link_for_another_address_is_refused(uow):
    signup(uow)
    [record] = uow.subscriptions.records.values()
    forged = domain.make_confirmation_token(CONFIG.link_secret, record["_id"], "x@example.pl",
                                            datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(DomainError) as refused:
        handlers.confirm_subscription(handlers.SignedLink(forged, CONFIG), uow)
    assert (refused.value.code, refused.value.field) == ("invalid_token", "token")


def test_an_unsubscribe_link_cancels_its_subscription_or_opts_the_address_out(uow):
    record = subscribe(uow)
    link = domain.make_token(CONFIG.link_secret, {"s": record["_id"]})
    handlers.unsubscribe(handlers.SignedLink(link, CONFIG), uow)
    assert uow.subscriptions.get(record["_id"])["status"] == "cancelled"
    link = domain.make_token(CONFIG.link_secret,
                             {"e": "biuro@ngo.example.pl", "t": "grants.competition.announced"})
    handlers.unsubscribe(handlers.SignedLink(link, CONFIG), uow)
    assert uow.optouts.check()("biuro@ngo.example.pl", "grants.competition.announced")


def test_a_link_standing_for_nothing_is_refused(uow):
    link = domain.make_token(CONFIG.link_secret, {"c": ["public"]})   # a calendar feed's
    with pytest.raises(DomainError):
        handlers.unsubscribe(handlers.SignedLink(link, CONFIG), uow)


# --- status steps and retries ------------------------------------------------------------------
def test_cancel_and_resume_follow_the_allowed_statuses_of_the_owners_subscription(uow):
    record = subscribe(uow)
    step = handlers.RecordStep(NGO, record["_id"])
    with pytest.raises(Conflict):
        handlers.resume_subscription(step, uow)   # only a suspended one resumes
    uow.subscriptions.set_fields(record["_id"], status="suspended", consecutive_failures=5)
    resumed = handlers.resume_subscription(step, uow)
    assert (resumed["status"], resumed["consecutive_failures"]) == ("active", 0)
    assert handlers.cancel_subscription(step, uow)["status"] == "cancelled"
    with pytest.raises(Conflict):
        handlers.cancel_subscription(step, uow)


def test_someone_elses_subscription_is_not_found_but_an_officer_sees_it(uow):
    record = subscribe(uow)
    with pytest.raises(NotFound):
        handlers.cancel_subscription(handlers.RecordStep(OTHER, record["_id"]), uow)
    assert handlers.cancel_subscription(handlers.RecordStep(OFFICER, record["_id"]),
                                        uow)["status"] == "cancelled"


def test_only_a_dead_delivery_is_retried_and_the_dispatcher_woken_for_it(uow):
    record = subscribe(uow)
    uow.deliveries.add({"_id": "d1", "subscription_id": record["_id"], "status": "dead",
                        "attempts": 8})
    retry = handlers.RecordStep(NGO, record["_id"], {"delivery_id": "d1"})
    retried = handlers.retry_delivery(retry, uow)
    assert (retried["status"], retried["attempts"]) == ("pending", 0)
    assert committed(uow) == 1
    with pytest.raises(Conflict) as refused:
        handlers.retry_delivery(retry, uow)
    assert refused.value.code == "not_dead"


# --- inbox and calendar -------------------------------------------------------------------------
def test_inbox_items_are_marked_read_for_their_audience_only(uow):
    for item_id, audience in (("i1", "user:u1"), ("i2", "org:665f1c2a9b1e8a0000000001"),
                              ("i3", "user:u2")):
        uow.inbox.add({"_id": item_id, "audience": audience, "read_by": [],
                       "subject": "Temat", "summary": "", "event_type": "grants.x.y",
                       "created_at": datetime.now(UTC)})
    handlers.mark_read(handlers.RecordStep(NGO, "i1"), uow)
    assert uow.inbox.records["i1"]["read_by"] == ["u1"]
    with pytest.raises(NotFound):
        handlers.mark_read(handlers.RecordStep(NGO, "i3"), uow)
    assert handlers.mark_all_read(handlers.MarkAllRead(NGO), uow) == {"unread": 0}
    assert uow.inbox.records["i2"]["read_by"] == ["u1"]
    assert uow.inbox.records["i3"]["read_by"] == []


def test_an_officers_calendar_entry_is_stored_as_given(uow):
    body = CalendarEntryCreateSchema().load({"title": "Forum organizacji",
                                             "starts_at": "2027-03-01T10:00:00+01:00"})
    record = handlers.publish_calendar_entry(handlers.PublishCalendarEntry(body), uow)
    assert uow.calendar.records[record["_id"]]["title"] == "Forum organizacji"


# --- through the entry points' runner -------------------------------------------------------------
def test_the_runner_wakes_the_dispatcher_after_the_unit_committed(uow):
    worker = Worker(uow)
    loaded = SubscriptionCreateSchema().load({"channel": "email", "target": "inne@example.pl",
                                              "event_types": ["grants.*"]})
    worker.handle(handlers.create_subscription,
                  handlers.CreateSubscription(NGO, loaded, CONFIG, POLICY))
    assert worker.db.transactions == 1 and uow.dispatcher.woken == 1
    with pytest.raises(DomainError):   # refused in the unit: nothing committed, nobody woken
        worker.handle(handlers.newsletter_signup, handlers.NewsletterSignup(
            {"email": "a@example.pl", "areas": ["no-such-area"], "digest": "weekly"}, CONFIG))
    assert uow.dispatcher.woken == 1
