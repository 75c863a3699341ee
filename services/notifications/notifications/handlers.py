"""The notifications service's command handlers: plain functions `handler(command, uow)`.

Each takes a frozen-dataclass command and the unit of work (`notifications.unit`,
`NotificationsUnit`): it reads and writes through the unit's repositories and queues what
the dispatcher sends through the unit, which wakes the dispatcher once it committed. The
entry points run one with `self.handle(handler, command)`; the unit tests give them an
in-memory unit. The service's configuration a handler needs travels in its command.

- `handle_event`: the one handler of every consumed event type (`events.EVENTS` says what
  each one does): its calendar entry and effects, then one delivery per (event, recipient),
  all in the transaction that marks the event consumed; the `Dispatcher` sends.
- `raise_reminder`: the timer's reminders, raised as events of this service (`Due`).
- subscriptions, the newsletter, unsubscribing, the inbox, the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from notifications import audience, domain, events, personal_data, records
from notifications.channels import check_webhook_url
from notifications.config import NotificationSettings
from notifications.domain import Channel, Recipient, SubscriptionStatus, TargetPolicy
from notifications.events import EventSpec
from notifications.projections import Effect, Step
from notifications.unit import NotificationsUnit
from wspolpraca.areas import validate_areas
from wspolpraca.auth import Principal
from wspolpraca.envelope import CloudEvent, format_time, utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.service_layer import Due, RecordStep

Record = dict[str, Any]


def audiences(principal: Principal) -> list[str]:
    return domain.audiences_of(principal.sub, principal.roles, principal.org_id,
                               principal.department)


# --- events -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HandleEvent:
    """A consumed event, and its entry in the event table."""

    spec: EventSpec
    event: CloudEvent


def handle_event(command: HandleEvent, uow: NotificationsUnit) -> int:
    """Apply an event as its table entry says and record every delivery it causes; returns
    how many deliveries (and effects' additions) there were."""
    return apply_event(uow, command.spec, command.event)


def apply_event(uow: NotificationsUnit, spec: EventSpec, event: CloudEvent,
                also: tuple[Effect, ...] = ()) -> int:
    """`handle_event` inside a unit (`also`: more effects to run in it)."""
    now = utcnow()
    body = event.to_dict()
    step = Step(uow.tx, event, now, partial(record_deliveries, uow, now=now),
                events.event_facts)
    entry = spec.calendar(event.subject, event.data) if spec.calendar else None
    if entry is not None:   # (a type's calendar may have no entry for this event)
        uow.calendar.put(entry, event.time)
    added = sum(effect(step) or 0 for effect in (*spec.effects, *also))
    if not spec.delivered:
        return added
    facts = events.event_facts(event.type, event.subject, event.data)
    planned = domain.plan_deliveries(
        facts, uow.subscriptions.matching(event.type), uow.directory, uow.optouts.check(),
        access=audience.access_for(event.type, event.data, uow.competitions))
    return added + record_deliveries(uow, planned, body, now=now)


def record_deliveries(uow: NotificationsUnit, planned: list[Recipient], body: Record,
                      now: datetime) -> int:
    """Store each planned delivery once (an inbox item is delivered at once; the others are
    written in one command)."""
    added = 0
    queued: list[Record] = []
    for recipient in planned:
        sent = personal_data.redacted(body) if recipient.redacted else body
        record = records.new_delivery(recipient, sent, now)
        if recipient.channel == Channel.INBOX:
            added += uow.deliver_to_inbox(record, recipient.target, sent, now)
        else:
            queued.append(record)
    return added + uow.queue_many(queued)


def raise_reminder(command: Due, uow: NotificationsUnit) -> int:
    """Raise a reminder whose time has come, once (1): it is marked sent in the transaction
    that records its deliveries (whose ids follow from its own); an expired one is only
    marked expired (0)."""
    reminder = uow.reminders.find_one({"_id": command.record_id})
    now = command.now
    if reminder is None:
        return 0
    outcome = domain.reminder_outcome(reminder["status"], reminder["due_at"],
                                      reminder["expires_at"], now)
    if outcome is None:
        return 0
    if outcome == domain.ReminderStatus.EXPIRED:
        uow.reminders.settle(reminder["_id"], outcome, now)
        return 0
    service, aggregate, verb = reminder["type"].split(".", 2)
    event = CloudEvent(service=service, routing_key=f"{aggregate}.{verb}",
                       subject=reminder["subject"], data=reminder["data"],
                       id=domain.reminder_event_id(reminder["_id"]), time=format_time(now))
    settled: list[bool] = []

    def claim(step: Step) -> None:
        settled.append(uow.reminders.settle(reminder["_id"], outcome, now))

    apply_event(uow, events.EVENTS[reminder["type"]], event, also=(claim,))
    return int(bool(settled) and settled[-1])


# --- subscriptions --------------------------------------------------------------------------

def own(principal: Principal, record: Record) -> Record:
    """A subscription its reader may see (staff see all); 404 otherwise."""
    if principal.is_staff or record["owner"] in audiences(principal):
        return record
    raise NotFound("Nie ma takiej subskrypcji.")


@dataclass(frozen=True)
class CreateSubscription:
    principal: Principal
    body: Record
    config: NotificationSettings
    policy: TargetPolicy   # what webhooks may reach


def create_subscription(command: CreateSubscription, uow: NotificationsUnit) -> Record:
    principal, body, config = command.principal, dict(command.body), command.config
    if body["for_department"] is None:  # a department's token subscribes its department
        body["for_department"] = bool(principal.department and "department" in principal.roles)
    if body["for_department"] and not principal.department:
        raise Forbidden("Subskrypcję wydziału może założyć tylko pracownik wydziału.")
    event_types = domain.validate_event_types(body["event_types"])
    reader = audience.reader_of(principal.sub, principal.roles, principal.org_id,
                                principal.department, body["for_department"])
    audience.check_subscription(reader, event_types)
    target = domain.validate_target(body["channel"], body.get("target"), command.policy,
                                    body.get("owner_email"))
    if body["channel"] == Channel.WEBHOOK:
        target = check_webhook_url(target, command.policy)
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
    _within_quota(uow, config, owner, body["channel"])
    uow.subscriptions.add(record)
    if confirm:
        _ask_to_confirm(uow, config, record, now)
    return record


def _within_quota(uow: NotificationsUnit, config: NotificationSettings, owner: str,
                  channel: str) -> None:
    """Per-owner quotas, counted in the transaction that adds (serialized on the owner's
    guard document)."""
    uow.quotas.guard(owner)
    domain.check_quota(channel, uow.subscriptions.counted(owner),
                       uow.subscriptions.counted(owner, Channel.EMAIL.value),
                       config.max_subscriptions_per_owner,
                       config.max_email_subscriptions_per_owner)


def _ask_to_confirm(uow: NotificationsUnit, config: NotificationSettings,
                    subscription: Record, now: datetime) -> bool:
    """Queue the confirmation email (Polish, with a signed link that expires), unless its
    address opted out of confirmation emails; False when nothing was queued."""
    if uow.optouts.check()(subscription["target"], domain.CONFIRMATION_REQUESTED):
        return False
    expires_at = now + timedelta(hours=config.confirmation_hours)
    token = domain.make_confirmation_token(config.link_secret, subscription["_id"],
                                           subscription["target"], expires_at)
    url = (f"{config.portal_url.rstrip('/')}/newsletter/potwierdz?"
           + urlencode({"token": token}))
    event = records.confirmation_event(subscription, url, expires_at, now)
    recipient = Recipient(Channel.EMAIL, subscription["target"], subscription["owner"])
    uow.subscriptions.set_fields(subscription["_id"], confirmation_sent_at=now)
    return uow.queue(records.new_delivery(recipient, event, now))


NEWSLETTER_ACCEPTED = {"message": "Jeśli adres jest poprawny, wyślemy na niego link "
                                  "potwierdzający zapis. Newsletter zacznie przychodzić po "
                                  "potwierdzeniu."}


@dataclass(frozen=True)
class NewsletterSignup:
    body: Record
    config: NotificationSettings


def newsletter_signup(command: NewsletterSignup, uow: NotificationsUnit) -> dict[str, str]:
    """Anyone, no token: a pending digest subscription of the public event types and the
    chosen areas, active once the address's owner confirms. The answer is the same
    whatever the address (no enumeration), and an address gets at most one confirmation
    email per `confirmation_resend_minutes`."""
    body, config = command.body, command.config
    areas = validate_areas(body["areas"]) if body.get("areas") else []
    email = body["email"].strip()
    owner = domain.newsletter_owner(email)
    now = utcnow()
    uow.quotas.guard(owner)
    current = uow.subscriptions.newsletter_of(owner)
    if current is not None and current["status"] == SubscriptionStatus.ACTIVE:
        return NEWSLETTER_ACCEPTED  # changes only through a new confirmation after unsubscribing
    if current is not None:
        sent = current.get("confirmation_sent_at")
        if sent and now - sent < timedelta(minutes=config.confirmation_resend_minutes):
            return NEWSLETTER_ACCEPTED
        current.update(areas=areas, digest=body["digest"], updated_at=now)
        uow.subscriptions.overwrite(current)
        _ask_to_confirm(uow, config, current, now)
        return NEWSLETTER_ACCEPTED
    record = records.new_subscription(
        {"channel": Channel.EMAIL.value, "areas": areas, "digest": body["digest"]},
        email, list(domain.NEWSLETTER_EVENT_TYPES), owner, "newsletter",
        domain.new_secret(), now, SubscriptionStatus.PENDING_CONFIRMATION.value)
    record["newsletter"] = True
    uow.subscriptions.add(record)
    _ask_to_confirm(uow, config, record, now)
    return NEWSLETTER_ACCEPTED


@dataclass(frozen=True)
class SignedLink:
    """A signed link's command (confirming, unsubscribing): its token, and the
    configuration holding the key that signed it."""

    token: str
    config: NotificationSettings


def confirm_subscription(command: SignedLink, uow: NotificationsUnit) -> Record:
    subscription_id, email = domain.read_confirmation_token(command.config.link_secret,
                                                            command.token)
    now = utcnow()
    record = uow.subscriptions.find_one({"_id": subscription_id})
    if record is None or (record.get("target") or "").strip().lower() != email:
        raise DomainError("invalid_token", "Link jest niepoprawny albo uszkodzony.",
                          field="token", status=400)
    if record["status"] == SubscriptionStatus.PENDING_CONFIRMATION:
        record.update(status=SubscriptionStatus.ACTIVE.value, confirmed_at=now,
                      updated_at=now)
        uow.subscriptions.overwrite(record)
    elif record["status"] != SubscriptionStatus.ACTIVE:
        raise Conflict("invalid_state", "Ta subskrypcja została już anulowana; "
                                        "zapisz się ponownie.")
    return record


def unsubscribe_payload(config: NotificationSettings, token: str) -> dict[str, Any]:
    """What an unsubscribe link stands for: a subscription (`s`), or a default email's
    address and event type (`e`, `t`); 400 for anything else (a query: it reads no data)."""
    payload = domain.read_token(config.link_secret, token)
    if "s" in payload or ("e" in payload and "t" in payload):
        return payload
    raise DomainError("invalid_token", "Link jest niepoprawny.", status=400)


def unsubscribe(command: SignedLink, uow: NotificationsUnit) -> None:
    """Cancel the link's subscription, or opt its address out of that event type's emails."""
    payload = unsubscribe_payload(command.config, command.token)
    now = utcnow()
    if "s" in payload:
        uow.subscriptions.set_fields(payload["s"], status=SubscriptionStatus.CANCELLED.value,
                                     updated_at=now)
    else:
        uow.optouts.add_once(payload["e"], payload["t"], now)


# the statuses a subscription may move to, and from which
CANCELLABLE = (SubscriptionStatus.ACTIVE.value, SubscriptionStatus.PENDING_CONFIRMATION.value,
               SubscriptionStatus.SUSPENDED.value)
RESUMABLE = (SubscriptionStatus.SUSPENDED.value,)


def cancel_subscription(command: RecordStep, uow: NotificationsUnit) -> Record:
    """The reader's subscription (`record_id`) cancelled."""
    return _move(command, uow, SubscriptionStatus.CANCELLED.value, CANCELLABLE)


def resume_subscription(command: RecordStep, uow: NotificationsUnit) -> Record:
    """The reader's suspended subscription (`record_id`) active again."""
    return _move(command, uow, SubscriptionStatus.ACTIVE.value, RESUMABLE)


def _move(command: RecordStep, uow: NotificationsUnit, status: str,
          allowed_from: tuple[str, ...]) -> Record:
    record = own(command.principal, uow.subscriptions.get(command.record_id))
    if record["status"] not in allowed_from:
        raise Conflict("invalid_state",
                       f"Subskrypcja ma stan {record['status']}; nie można tego zrobić.")
    record.update(status=status, updated_at=utcnow(), consecutive_failures=0)
    uow.subscriptions.overwrite(record)
    return record


def retry_delivery(command: RecordStep, uow: NotificationsUnit) -> Record:
    """Send a dead-lettered delivery (the body's `delivery_id`) of one's subscription
    (`record_id`) again."""
    own(command.principal, uow.subscriptions.get(command.record_id))
    updated = uow.send_again(command.body["delivery_id"], command.record_id, utcnow())
    if updated is None:
        raise Conflict("not_dead", "Ponowić można tylko doręczenie, które się nie udało.")
    return updated


# --- inbox and calendar ---------------------------------------------------------------------

def mark_read(command: RecordStep, uow: NotificationsUnit) -> Record:
    """One inbox item (`record_id`) read by the reader."""
    principal = command.principal
    item = uow.inbox.mark_read(command.record_id, audiences(principal), principal.sub)
    return records.inbox_view(item, principal.sub)


@dataclass(frozen=True)
class MarkAllRead:
    principal: Principal


def mark_all_read(command: MarkAllRead, uow: NotificationsUnit) -> dict[str, int]:
    uow.inbox.mark_all_read(audiences(command.principal), command.principal.sub)
    return {"unread": 0}


@dataclass(frozen=True)
class PublishCalendarEntry:
    """An officer's entry: a city event, a training or a meeting."""

    body: Record


def publish_calendar_entry(command: PublishCalendarEntry, uow: NotificationsUnit) -> Record:
    body = dict(command.body)
    if body.get("areas"):
        body["areas"] = validate_areas(body["areas"])
    record = records.new_calendar_entry(body, utcnow())
    uow.calendar.add(record)
    return record
