"""The notifications service's handlers: plain functions the entry points call once.

- `handle_event`: the one handler of every consumed event type (`events.EVENTS` says what
  each one does): its calendar entry and effects, then one delivery per (event, recipient),
  all in the transaction that marks the event consumed; the `Dispatcher` sends.
- `send_due_reminders`: the timer's reminders, raised as events of this service.
- commands: subscriptions, the newsletter, unsubscribing, the inbox, the calendar; every
  write inside the unit of work (`db.transaction`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from notifications import audience, domain, events, personal_data, records, repository
from notifications.channels import check_webhook_url
from notifications.dispatcher import Dispatcher
from notifications.domain import Channel, Recipient, SubscriptionStatus
from notifications.events import EventSpec
from notifications.projections import Effect, Step
from notifications.repository import (
    Calendar,
    Competitions,
    Deliveries,
    Directory,
    Inbox,
    Optouts,
    Quotas,
    Reminders,
    Subscriptions,
)
from wspolpraca.areas import validate_areas
from wspolpraca.auth import Principal
from wspolpraca.envelope import CloudEvent, format_time, utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.mongo import Store, Transaction


def audiences(principal: Principal) -> list[str]:
    return domain.audiences_of(principal.sub, principal.roles, principal.org_id,
                               principal.department)


# --- events -----------------------------------------------------------------------------------

def handle_event(db: Store, dispatcher: Dispatcher, spec: EventSpec, event: CloudEvent,
                 also: tuple[Effect, ...] = ()) -> int:
    """Apply an event as its table entry says and record every delivery it causes, in one
    transaction; returns how many deliveries were added (`also`: more effects to run in it)."""
    now = utcnow()
    body = event.to_dict()
    facts = events.event_facts(event.type, event.subject, event.data)
    entry = spec.calendar(event.subject, event.data) if spec.calendar else None

    def work(tx: Transaction) -> int:
        step = Step(tx, event, now, partial(record_deliveries, tx, dispatcher, now=now),
                    events.event_facts)
        if entry is not None:
            Calendar(tx).put(entry, event.time)
        added = sum(effect(step) or 0 for effect in (*spec.effects, *also))
        if not spec.delivered:
            return added
        planned = domain.plan_deliveries(
            facts, Subscriptions(tx).matching(event.type), Directory(tx), Optouts(tx).check(),
            access=audience.access_for(event.type, event.data, Competitions(tx)))
        return added + record_deliveries(tx, dispatcher, planned, body, now=now)

    added = db.transaction(work)
    if added:
        dispatcher.wake()
    return added


def record_deliveries(tx: Transaction, dispatcher: Dispatcher, planned: list[Recipient],
                      body: dict[str, Any], now: datetime) -> int:
    """Store each planned delivery once (an inbox item is delivered at once)."""
    added = 0
    for recipient in planned:
        sent = personal_data.redacted(body) if recipient.redacted else body
        record = records.new_delivery(recipient, sent, now)
        if recipient.channel == Channel.INBOX:
            if dispatcher.deliver_to_inbox(tx, record, recipient.target, sent, now):
                added += 1
        elif Deliveries(tx).add(record):
            added += 1
    return added


def send_due_reminders(db: Store, dispatcher: Dispatcher, now: datetime | None = None) -> int:
    """Raise every reminder whose time has come, once: the reminder is marked sent in
    the transaction that records its deliveries (whose ids follow from its own)."""
    now = now or utcnow()
    raised = 0
    for reminder in repository.due_reminders(db, now):
        outcome = domain.reminder_outcome(reminder["status"], reminder["due_at"],
                                          reminder["expires_at"], now)
        if outcome is None:
            continue
        if outcome == domain.ReminderStatus.EXPIRED:
            db.transaction(lambda tx, r=reminder: Reminders(tx).settle(
                r["_id"], domain.ReminderStatus.EXPIRED.value, now))
            continue
        service, aggregate, verb = reminder["type"].split(".", 2)
        event = CloudEvent(service=service, routing_key=f"{aggregate}.{verb}",
                           subject=reminder["subject"], data=reminder["data"],
                           id=domain.reminder_event_id(reminder["_id"]),
                           time=format_time(now))
        settled: list[bool] = []

        def claim(step: Step, r=reminder, settled=settled) -> None:
            settled.append(Reminders(step.tx).settle(r["_id"], domain.ReminderStatus.SENT.value,
                                                     now))

        handle_event(db, dispatcher, events.EVENTS[reminder["type"]], event, also=(claim,))
        raised += 1 if settled and settled[-1] else 0
    return raised


# --- subscriptions --------------------------------------------------------------------------

def own(principal: Principal, record: dict[str, Any]) -> dict[str, Any]:
    """A subscription its reader may see (staff see all); 404 otherwise."""
    if principal.is_staff or record["owner"] in audiences(principal):
        return record
    raise NotFound("Nie ma takiej subskrypcji.")


def create_subscription(db: Store, dispatcher: Dispatcher, principal: Principal,
                        body: dict[str, Any]) -> dict[str, Any]:
    if body["for_department"] is None:  # a department's token subscribes its department
        body["for_department"] = bool(principal.department and "department" in principal.roles)
    if body["for_department"] and not principal.department:
        raise Forbidden("Subskrypcję wydziału może założyć tylko pracownik wydziału.")
    event_types = domain.validate_event_types(body["event_types"])
    reader = audience.reader_of(principal.sub, principal.roles, principal.org_id,
                                principal.department, body["for_department"])
    audience.check_subscription(reader, event_types)
    target = domain.validate_target(body["channel"], body.get("target"),
                                    dispatcher.target_policy, body.get("owner_email"))
    if body["channel"] == Channel.WEBHOOK:
        target = check_webhook_url(target, dispatcher.target_policy)
    if body.get("areas"):
        body["areas"] = validate_areas(body["areas"])
    owner = domain.owner_of(principal.sub, principal.roles, principal.org_id,
                            principal.department, body["for_department"])
    now = utcnow()
    confirm = domain.needs_confirmation(body["channel"], target, principal.email)
    status = (SubscriptionStatus.PENDING_CONFIRMATION if confirm
              else SubscriptionStatus.ACTIVE).value
    record = records.new_subscription(body, target, event_types, owner, principal.sub,
                                      domain.new_secret(), now, status)
    record["reader"] = reader.to_record()

    def work(tx: Transaction) -> dict[str, Any]:
        _within_quota(tx, dispatcher, owner, body["channel"])
        Subscriptions(tx).add(record)
        if confirm:
            _ask_to_confirm(tx, dispatcher, record, now)
        return record

    created = db.transaction(work)
    if confirm:
        dispatcher.wake()
    return created


def _within_quota(tx: Transaction, dispatcher: Dispatcher, owner: str, channel: str) -> None:
    """Per-owner quotas, counted in the transaction that adds (serialized on the owner's
    guard document)."""
    config = dispatcher.config
    Quotas(tx).guard(owner)
    subscriptions = Subscriptions(tx)
    domain.check_quota(channel, subscriptions.counted(owner),
                       subscriptions.counted(owner, Channel.EMAIL.value),
                       config.max_subscriptions_per_owner,
                       config.max_email_subscriptions_per_owner)


def _ask_to_confirm(tx: Transaction, dispatcher: Dispatcher, subscription: dict[str, Any],
                    now: datetime) -> bool:
    """Queue the confirmation email (Polish, with a signed link that expires), unless its
    address opted out of confirmation emails; False when nothing was queued."""
    config = dispatcher.config
    if Optouts(tx).check()(subscription["target"], domain.CONFIRMATION_REQUESTED):
        return False
    expires_at = now + timedelta(hours=config.confirmation_hours)
    token = domain.make_confirmation_token(config.link_secret, subscription["_id"],
                                           subscription["target"], expires_at)
    url = (f"{config.portal_url.rstrip('/')}/newsletter/potwierdz?"
           + urlencode({"token": token}))
    event = records.confirmation_event(subscription, url, expires_at, now)
    recipient = Recipient(Channel.EMAIL, subscription["target"], subscription["owner"])
    Subscriptions(tx).set_fields(subscription["_id"], confirmation_sent_at=now)
    return Deliveries(tx).add(records.new_delivery(recipient, event, now))


NEWSLETTER_ACCEPTED = {"message": "Jeśli adres jest poprawny, wyślemy na niego link "
                                  "potwierdzający zapis. Newsletter zacznie przychodzić po "
                                  "potwierdzeniu."}


def newsletter_signup(db: Store, dispatcher: Dispatcher, body: dict[str, Any]) -> dict[str, str]:
    """Anyone, no token: a pending digest subscription of the public event types and the
    chosen areas, active once the address's owner confirms. The answer is the same
    whatever the address (no enumeration), and an address gets at most one confirmation
    email per `confirmation_resend_minutes`."""
    areas = validate_areas(body["areas"]) if body.get("areas") else []
    email = body["email"].strip()
    owner = domain.newsletter_owner(email)
    now = utcnow()
    config = dispatcher.config

    def work(tx: Transaction) -> bool:
        Quotas(tx).guard(owner)
        subscriptions = Subscriptions(tx)
        current = subscriptions.newsletter_of(owner)
        if current is not None and current["status"] == SubscriptionStatus.ACTIVE:
            return False   # changes only through a new confirmation after unsubscribing
        if current is not None:
            sent = current.get("confirmation_sent_at")
            if sent and now - sent < timedelta(minutes=config.confirmation_resend_minutes):
                return False
            current.update(areas=areas, digest=body["digest"], updated_at=now)
            subscriptions.overwrite(current)
            return _ask_to_confirm(tx, dispatcher, current, now)
        record = records.new_subscription(
            {"channel": Channel.EMAIL.value, "areas": areas, "digest": body["digest"]},
            email, list(domain.NEWSLETTER_EVENT_TYPES), owner, "newsletter",
            domain.new_secret(), now, SubscriptionStatus.PENDING_CONFIRMATION.value)
        record["newsletter"] = True
        subscriptions.add(record)
        return _ask_to_confirm(tx, dispatcher, record, now)

    if db.transaction(work):
        dispatcher.wake()
    return NEWSLETTER_ACCEPTED


def confirm_subscription(db: Store, dispatcher: Dispatcher, token: str) -> dict[str, Any]:
    subscription_id, email = domain.read_confirmation_token(dispatcher.config.link_secret,
                                                            token)
    now = utcnow()

    def work(tx: Transaction) -> dict[str, Any]:
        subscriptions = Subscriptions(tx)
        record = subscriptions.find_one({"_id": subscription_id})
        if record is None or (record.get("target") or "").strip().lower() != email:
            raise DomainError("invalid_token", "Link jest niepoprawny albo uszkodzony.",
                              field="token", status=400)
        if record["status"] == SubscriptionStatus.PENDING_CONFIRMATION:
            record.update(status=SubscriptionStatus.ACTIVE.value, confirmed_at=now,
                          updated_at=now)
            subscriptions.overwrite(record)
        elif record["status"] != SubscriptionStatus.ACTIVE:
            raise Conflict("invalid_state", "Ta subskrypcja została już anulowana; "
                                            "zapisz się ponownie.")
        return record

    return db.transaction(work)


def unsubscribe_payload(dispatcher: Dispatcher, token: str) -> dict[str, Any]:
    """What an unsubscribe link stands for: a subscription (`s`), or a default email's
    address and event type (`e`, `t`); 400 for anything else."""
    payload = domain.read_token(dispatcher.config.link_secret, token)
    if "s" in payload or ("e" in payload and "t" in payload):
        return payload
    raise DomainError("invalid_token", "Link jest niepoprawny.", status=400)


def unsubscribe(db: Store, dispatcher: Dispatcher, token: str) -> None:
    """Cancel the link's subscription, or opt its address out of that event type's emails."""
    payload = unsubscribe_payload(dispatcher, token)
    now = utcnow()

    def work(tx: Transaction) -> None:
        if "s" in payload:
            Subscriptions(tx).set_fields(payload["s"], status=SubscriptionStatus.CANCELLED.value,
                                         updated_at=now)
        else:
            Optouts(tx).add_once(payload["e"], payload["t"], now)

    db.transaction(work)


# the statuses a subscription may move to, and from which
CANCELLABLE = (SubscriptionStatus.ACTIVE.value, SubscriptionStatus.PENDING_CONFIRMATION.value,
               SubscriptionStatus.SUSPENDED.value)
RESUMABLE = (SubscriptionStatus.SUSPENDED.value,)


def set_status(db: Store, principal: Principal, subscription_id: str, status: str,
               allowed_from: tuple[str, ...]) -> dict[str, Any]:
    def work(tx: Transaction) -> dict[str, Any]:
        subscriptions = Subscriptions(tx)
        record = own(principal, subscriptions.get(subscription_id))
        if record["status"] not in allowed_from:
            raise Conflict("invalid_state",
                           f"Subskrypcja ma stan {record['status']}; nie można tego zrobić.")
        record.update(status=status, updated_at=utcnow(), consecutive_failures=0)
        subscriptions.overwrite(record)
        return record

    return db.transaction(work)


def retry_delivery(db: Store, dispatcher: Dispatcher, principal: Principal,
                   subscription_id: str, delivery_id: str) -> dict[str, Any]:
    """Send a dead-lettered delivery of one's subscription again."""
    now = utcnow()

    def work(tx: Transaction) -> dict[str, Any]:
        own(principal, Subscriptions(tx).get(subscription_id))
        updated = Deliveries(tx).retry_dead(delivery_id, subscription_id, now)
        if updated is None:
            raise Conflict("not_dead", "Ponowić można tylko doręczenie, które się nie udało.")
        return updated

    updated = db.transaction(work)
    dispatcher.wake()
    return updated


# --- inbox and calendar ---------------------------------------------------------------------

def mark_read(db: Store, principal: Principal, item_id: str) -> dict[str, Any]:
    item = db.transaction(lambda tx: Inbox(tx).mark_read(item_id, audiences(principal),
                                                         principal.sub))
    return records.inbox_view(item, principal.sub)


def mark_all_read(db: Store, principal: Principal) -> dict[str, int]:
    db.transaction(lambda tx: Inbox(tx).mark_all_read(audiences(principal), principal.sub))
    return {"unread": 0}


def publish_calendar_entry(db: Store, body: dict[str, Any]) -> dict[str, Any]:
    """An officer's entry: a city event, a training or a meeting."""
    if body.get("areas"):
        body["areas"] = validate_areas(body["areas"])
    record = records.new_calendar_entry(body, utcnow())
    db.transaction(lambda tx: Calendar(tx).add(record))
    return record
