"""Issue 15.5 and 15.10: per-owner quotas, double opt-in for email addresses that are not the
account's own, the public newsletter (POST /api/v1/newsletter, 202 always) and digests that go
out once however many replicas run their timer, with bounded retries."""

from __future__ import annotations

import re
from datetime import timedelta

import eventlet
from notifications_helpers import all_delivered, dispatcher_of, publish, routed_inquiry, text_of

from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.testing.waiting import wait_until

SUBSCRIPTIONS = "/api/v1/subscriptions"
LINK = re.compile(r"(\S+/newsletter/potwierdz\?token=)([A-Za-z0-9_.\-%]+)")


def confirmation_token(smtp, address: str) -> tuple[str, str]:
    [mail] = wait_until(lambda: smtp.to(address,
                                        "notifications.subscription.confirmation_requested"))
    found = LINK.search(text_of(mail))
    assert found, text_of(mail)
    return found.group(1), found.group(2)


# --- quotas ---------------------------------------------------------------------------------

def test_an_owner_has_at_most_the_configured_number_of_subscriptions(start_notifications,
                                                                     token, receiver):
    service = start_notifications(max_subscriptions_per_owner=2,
                                  max_email_subscriptions_per_owner=1)
    dept = token("department", department="culture", email="it@kultura.example.pl")

    def create(channel="webhook", target=None):
        return service.post(SUBSCRIPTIONS, dept, json={
            "channel": channel, "target": target or receiver.url + "/ok",
            "event_types": ["registry.*"]})

    first = create()
    assert first.status_code == 201
    assert create("email", "it@kultura.example.pl").status_code == 201
    over = create()
    assert over.status_code == 409, over.text
    assert over.json()["error"]["code"] == "subscription_quota_exceeded"
    assert service.db["subscriptions"].count_documents({}) == 2
    # a cancelled subscription no longer counts
    assert service.post(f"{SUBSCRIPTIONS}/{first.json()['id']}/cancel", dept).status_code == 200
    third = create()
    assert third.status_code == 201
    # and an owner's email subscriptions have their own, smaller limit
    service.post(f"{SUBSCRIPTIONS}/{third.json()['id']}/cancel", dept)
    email = create("email", "it@kultura.example.pl")
    assert email.status_code == 409 and "e-mail" in email.json()["error"]["message"]


def test_two_subscriptions_at_once_do_not_pass_the_quota_together(start_notifications, token,
                                                                  receiver):
    service = start_notifications(max_subscriptions_per_owner=1)
    dept = token("department", department="culture", sub="same-person")
    pool = eventlet.GreenPool()
    answers = list(pool.imap(lambda n: service.post(SUBSCRIPTIONS, dept, json={
        "channel": "webhook", "target": f"{receiver.url}/ok{n}",
        "event_types": ["registry.*"]}).status_code, range(4)))
    assert sorted(answers) == [201, 409, 409, 409]
    assert service.db["subscriptions"].count_documents({}) == 1


# --- double opt-in --------------------------------------------------------------------------

def test_someone_elses_address_gets_nothing_before_its_owner_confirms(notifications, token,
                                                                      smtp, amqp_uri):
    dept = token("department", department="culture")           # no email claim: confirm
    created = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": "ofiara@example.pl",
        "event_types": ["registry.inquiry.routed"]})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending_confirmation"
    base, token_text = confirmation_token(smtp, "ofiara@example.pl")
    assert base.startswith("http://127.0.0.1:8000/newsletter/potwierdz")
    [mail] = smtp.to("ofiara@example.pl")
    assert mail["Subject"] == "Potwierdź subskrypcję powiadomień e-mail"
    assert mail["List-Unsubscribe"]
    # a second, confirmed subscriber shows when the event has been handled
    own = token("department", department="culture", email="it@kultura.example.pl")
    assert notifications.post(SUBSCRIPTIONS, own, json={
        "channel": "email", "target": "it@kultura.example.pl",
        "event_types": ["registry.inquiry.routed"]}).json()["status"] == "active"
    publish(amqp_uri, routed_inquiry())
    wait_until(lambda: smtp.to("it@kultura.example.pl", "registry.inquiry.routed"))
    assert smtp.to("ofiara@example.pl", "registry.inquiry.routed") == []
    assert notifications.db["deliveries"].count_documents(
        {"subscription_id": created.json()["id"]}) == 0
    confirmed = notifications.post("/api/v1/newsletter/confirm",
                                   json={"token": token_text})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "active"
    publish(amqp_uri, routed_inquiry(id="665f1c2a9b1e8a0087655555"))
    wait_until(lambda: smtp.to("ofiara@example.pl", "registry.inquiry.routed"))
    again = notifications.post("/api/v1/newsletter/confirm", json={"token": token_text})
    assert again.status_code == 200  # a second click changes nothing


def test_the_accounts_own_address_needs_no_confirmation(notifications, token, smtp):
    dept = token("department", department="culture", email="Szef@Kultura.example.pl")
    created = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": "szef@kultura.example.pl",
        "event_types": ["registry.inquiry.routed"]})
    assert created.json()["status"] == "active"
    all_delivered(notifications)
    assert smtp.to("szef@kultura.example.pl") == []


def test_a_forged_tampered_or_expired_confirmation_is_refused(start_notifications, token,
                                                              smtp):
    service = start_notifications(confirmation_hours=-1.0)    # links expired when sent
    dept = token("department", department="culture")
    created = service.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": "ktos@example.pl",
        "event_types": ["registry.inquiry.routed"]}).json()
    _, expired = confirmation_token(smtp, "ktos@example.pl")
    answer = service.post("/api/v1/newsletter/confirm", json={"token": expired})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "expired_token"
    import jwt

    forged = jwt.encode({"sub": created["id"], "email": "ktos@example.pl", "exp": 4102444800,
                         "aud": "wspolpraca:confirm-subscription"},
                        "a-guessed-secret-" * 3, "HS256")
    for bad in (forged, expired[:-3] + "abc", "nonsense"):
        answer = service.post("/api/v1/newsletter/confirm", json={"token": bad})
        assert answer.status_code == 400, answer.text
    assert service.db["subscriptions"].find_one({"_id": created["id"]})["status"] == \
        "pending_confirmation"


# --- the public newsletter ------------------------------------------------------------------

def test_the_newsletter_is_confirmed_by_email_then_goes_out_as_a_digest(start_notifications,
                                                                        smtp, amqp_uri):
    service = start_notifications(portal_url="https://wspolpraca.miasto.pl")
    signup = service.post("/api/v1/newsletter", json={
        "email": "mieszkanka@example.pl", "areas": ["culture"], "digest": "daily"})
    assert signup.status_code == 202, signup.text
    base, token_text = confirmation_token(smtp, "mieszkanka@example.pl")
    assert base == "https://wspolpraca.miasto.pl/newsletter/potwierdz?token="
    [mail] = smtp.to("mieszkanka@example.pl")
    assert mail["Subject"] == "Potwierdź zapis na newsletter" and mail["List-Unsubscribe"]
    # signing up again at once sends no second email, and the answer is the same
    again = service.post("/api/v1/newsletter", json={"email": "mieszkanka@example.pl",
                                                     "areas": ["sport"], "digest": "daily"})
    assert again.status_code == 202 and again.json() == signup.json()
    all_delivered(service)
    assert len(smtp.to("mieszkanka@example.pl")) == 1
    confirmed = service.post("/api/v1/newsletter/confirm", json={"token": token_text})
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["status"] == "active" and body["areas"] == ["culture"]
    assert body["digest"] == "daily"
    assert "grants.competition.announced" in body["event_types"]
    assert not any(t.startswith("registry.inquiry") for t in body["event_types"])
    publish(amqp_uri, CloudEvent(service="grants", routing_key="competition.announced",
                                 subject="c1", data={"id": "c1", "title": "Konkurs kultura",
                                                     "area": "culture"}))
    wait_until(lambda: service.db["deliveries"].count_documents(
        {"subscription_id": body["id"], "status": "digest"}) == 1)
    sent = dispatcher_of(service).send_due_digests(utcnow() + timedelta(days=1, minutes=1))
    assert sent == 1
    wait_until(lambda: smtp.to("mieszkanka@example.pl", "digest"))


def test_the_newsletter_answers_the_same_for_any_address_and_refuses_bad_input(notifications):
    answers = [notifications.post("/api/v1/newsletter", json={"email": address})
               for address in ("a@example.pl", "a@example.pl", "b@example.pl")]
    assert {a.status_code for a in answers} == {202}
    assert len({a.text for a in answers}) == 1
    for bad in ({"email": "not-an-address"}, {"email": "c@example.pl", "digest": "none"},
                {"email": "c@example.pl", "colour": "red"},
                {"email": "c@example.pl", "areas": ["no-such-area"]}):
        assert notifications.post("/api/v1/newsletter", json=bad).status_code == 422, bad


# --- digests on several replicas (item 10) --------------------------------------------------

def _digest_waiting(service, token, amqp_uri, address):
    dept = token("department", department="culture", email=address)
    created = service.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": address, "digest": "daily",
        "event_types": ["registry.inquiry.routed"]}).json()
    publish(amqp_uri, routed_inquiry())
    wait_until(lambda: service.db["deliveries"].count_documents(
        {"subscription_id": created["id"], "status": "digest"}) == 1)
    return created


def test_two_replicas_send_a_digest_once(notifications, token, smtp, amqp_uri):
    _digest_waiting(notifications, token, amqp_uri, "szef@kultura.example.pl")
    sender = dispatcher_of(notifications)
    later = utcnow() + timedelta(days=1, minutes=1)
    pool = eventlet.GreenPool()
    results = list(pool.imap(lambda _: sender.send_due_digests(later), range(3)))
    assert sum(results) == 1
    wait_until(lambda: smtp.to("szef@kultura.example.pl", "digest"))
    all_delivered(notifications)
    assert len(smtp.to("szef@kultura.example.pl", "digest")) == 1


def test_a_digest_that_cannot_go_out_is_retried_a_bounded_number_of_times(
        notifications, token, smtp, amqp_uri):
    created = _digest_waiting(notifications, token, amqp_uri, "szef@kultura.example.pl")
    sender = dispatcher_of(notifications)
    smtp.stop()
    moment = utcnow() + timedelta(days=1, minutes=1)
    for step in range(6):   # FAST: max_attempts 3; each call after the backoff has passed
        sender.send_due_digests(moment + timedelta(hours=step))
    record = notifications.db["subscriptions"].find_one({"_id": created["id"]})
    # given up for this period after three attempts: the next one starts a period later
    assert record["last_digest_at"] == moment + timedelta(hours=2)
    assert record["digest_failures"] == 0 and record["digest_claim"] is None
    assert notifications.db["deliveries"].count_documents(
        {"subscription_id": created["id"], "status": "digest"}) == 1
