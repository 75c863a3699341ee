"""The notifications service: subscriptions, email, signed webhooks, inbox, digests, calendar.

The entry points only parse, check the role and run one command handler of `handlers`
with `self.handle(handler, command)` (in one transaction of the unit of work,
`unit.NotificationsUnit`, which wakes the dispatcher once it committed) or call one function
of `queries`. Event handlers are generated from the event table (`events.EVENTS`): one per
consumed type, each recording what is to be delivered (one delivery per (event, recipient),
written in the transaction that marks the event consumed); the `Dispatcher` sends.
"""

from __future__ import annotations

from datetime import datetime

from notifications import events, handlers, pages, queries, repository
from notifications.dispatcher import Dispatcher
from notifications.events import EventSpec
from notifications.feeds import CalendarFeeds, KeptFeeds
from notifications.schemas import (
    CalendarEntryCreateSchema,
    CalendarEntrySchema,
    CalendarFeedSchema,
    ConfirmationSchema,
    ConfirmedSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    InboxItemSchema,
    InboxQuerySchema,
    NewsletterSignupSchema,
    SubscriptionCreatedSchema,
    SubscriptionCreateSchema,
    SubscriptionQuerySchema,
    SubscriptionSchema,
    UnreadCountSchema,
    UnsubscribeQuerySchema,
)
from notifications.unit import NotificationsUnit
from wspolpraca.consumer import event_handler
from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.http import SIGNED_IN, api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.service_layer import Due, HandlesCommands
from wspolpraca.timers import scheduled

MEMBERS = ("officer", "department", "ngo", "committee")
DIGEST_CHECK_SECONDS = 300
REMINDER_CHECK_SECONDS = 300


def _consumer(spec: EventSpec):
    """The handler of one consumed event type (its queue is named after it)."""
    def handle(self, event: CloudEvent) -> int:
        return self.handle(handlers.handle_event, handlers.HandleEvent(spec, event))

    handle.__name__ = handle.__qualname__ = spec.handler
    handle.__doc__ = f"`{spec.type}`, as its entry in the event table says."
    return event_handler(spec.source, spec.routing_key)(handle)


class _Entry(HandlesCommands):
    """`self.handle(handler, command)` with the notifications' unit of work."""

    db: Mongo
    dispatcher: Dispatcher

    def unit(self, tx: Transaction) -> NotificationsUnit:
        return NotificationsUnit(tx, self.dispatcher)


# every consumed type of the event table, each with its own handler
EventHandlers = type("EventHandlers", (_Entry,), {
    spec.handler: _consumer(spec) for spec in events.consumed()})


class SubscriptionsMixin(_Entry):

    @api("POST", "/api/v1/subscriptions", roles=MEMBERS, body=SubscriptionCreateSchema,
         response=SubscriptionCreatedSchema, status=201, rate_limited=True,
         summary="Subscribe to event types (the secret for webhook signatures is shown once)")
    def create_subscription(self, request, body):
        return self.handle(handlers.create_subscription, handlers.CreateSubscription(
            request.principal, body, self.dispatcher.config, self.dispatcher.target_policy))

    @api("POST", "/api/v1/newsletter", body=NewsletterSignupSchema, status=202,
         summary="Sign up for the public newsletter (202 always; a confirmation email follows)")
    def newsletter_signup(self, request, body):
        return self.handle(handlers.newsletter_signup,
                           handlers.NewsletterSignup(body, self.dispatcher.config))

    @api("POST", "/api/v1/newsletter/confirm", body=ConfirmationSchema,
         response=ConfirmedSchema,
         summary="Confirm an email subscription or the newsletter (the link in the email)")
    def confirm_subscription(self, request, body):
        return self.handle(handlers.confirm_subscription,
                           handlers.SignedLink(body["token"], self.dispatcher.config))

    @api("GET", "/api/v1/subscriptions", roles=MEMBERS, query=SubscriptionQuerySchema,
         response=SubscriptionSchema, summary="My subscriptions (all of them for officers)")
    def list_subscriptions(self, request, query):
        return queries.subscriptions(self.db, request.principal, query)

    @api("GET", "/api/v1/subscriptions/unsubscribe", query=UnsubscribeQuerySchema,
         summary="The unsubscribe link of every email: a confirmation page (Polish HTML) "
                 "with a POST form; a GET changes nothing (mail scanners follow links)")
    def unsubscribe_link(self, request, query):
        payload = handlers.unsubscribe_payload(self.dispatcher.config, query["token"])
        return pages.unsubscribe_confirmation(query["token"], payload)

    @api("POST", "/api/v1/subscriptions/unsubscribe", query=UnsubscribeQuerySchema,
         forms=True,  # not rate-limited: mail providers post one-click unsubscribes for
         # many people from few addresses, and a signed token creates nothing
         summary="Unsubscribe: the confirmation page's form, or a mail client's RFC 8058 "
                 "one-click POST (List-Unsubscribe-Post)")
    def unsubscribe_post(self, request, query):
        self.handle(handlers.unsubscribe,
                    handlers.SignedLink(query["token"], self.dispatcher.config))
        return pages.unsubscribed()

    @api("GET", "/api/v1/subscriptions/<id>", roles=MEMBERS, response=SubscriptionSchema)
    def get_subscription(self, request, id):
        return queries.subscription(self.db, request.principal, id)

    @api("POST", "/api/v1/subscriptions/<id>/cancel", roles=MEMBERS,
         response=SubscriptionSchema, summary="Cancel a subscription")
    def cancel_subscription(self, request, id):
        return self.handle(handlers.cancel_subscription, handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/subscriptions/<id>/resume", roles=MEMBERS,
         response=SubscriptionSchema, summary="Resume a suspended subscription")
    def resume_subscription(self, request, id):
        return self.handle(handlers.resume_subscription, handlers.RecordStep(request.principal, id))

    @api("GET", "/api/v1/subscriptions/<id>/deliveries", roles=MEMBERS,
         query=DeliveryQuerySchema, response=DeliverySchema,
         summary="The delivery log of a subscription (status, attempts, last error)")
    def list_deliveries(self, request, id, query):
        return queries.deliveries(self.db, request.principal, id, query)

    @api("POST", "/api/v1/subscriptions/<id>/deliveries/<delivery_id>/retry", roles=MEMBERS,
         response=DeliverySchema, summary="Send a dead-lettered delivery again")
    def retry_delivery(self, request, id, delivery_id):
        return self.handle(handlers.retry_delivery,
                           handlers.RecordStep(request.principal, id, {"delivery_id": delivery_id}))


class InboxMixin(_Entry):

    @api("GET", "/api/v1/inbox", roles=SIGNED_IN, query=InboxQuerySchema,
         response=InboxItemSchema, summary="My inbox, newest first")
    def list_inbox(self, request, query):
        return queries.inbox(self.db, request.principal, query)

    @api("GET", "/api/v1/inbox/unread-count", roles=SIGNED_IN, response=UnreadCountSchema,
         summary="How many of my inbox items I have not read")
    def unread_count(self, request):
        return queries.unread_count(self.db, request.principal)

    @api("POST", "/api/v1/inbox/<id>/read", roles=SIGNED_IN, response=InboxItemSchema,
         summary="Mark one inbox item read")
    def mark_read(self, request, id):
        return self.handle(handlers.mark_read, handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/inbox/read-all", roles=SIGNED_IN, response=UnreadCountSchema,
         summary="Mark all my inbox items read")
    def mark_all_read(self, request):
        return self.handle(handlers.mark_all_read, handlers.MarkAllRead(request.principal))


class CalendarMixin(_Entry):

    @api("POST", "/api/v1/calendar/events", roles=("officer",), body=CalendarEntryCreateSchema,
         response=CalendarEntrySchema, status=201,
         summary="Publish a city event, training or meeting in the calendar")
    def publish_calendar_entry(self, request, body):
        return self.handle(handlers.publish_calendar_entry,
                           handlers.PublishCalendarEntry(body))

    feeds: KeptFeeds

    @api("GET", "/api/v1/calendar.ics", revalidated=True,
         summary="The public calendar (iCalendar); its ETag answers If-None-Match with 304")
    def public_calendar(self, request):
        return queries.calendar(self.db, self.feeds, request, ["public"],
                                "Współpraca: kalendarz")

    @api("GET", "/api/v1/calendar/feed", roles=SIGNED_IN, response=CalendarFeedSchema,
         summary="The address of my personal calendar feed (signed, for calendar apps)")
    def calendar_feed(self, request):
        return queries.calendar_feed(self.dispatcher, request.principal)

    @api("GET", "/api/v1/calendar/my.ics", query=UnsubscribeQuerySchema, revalidated=True,
         summary="A personal calendar feed (public and own entries), by its signed link; "
                 "its ETag answers If-None-Match with 304 (for a valid link only)")
    def personal_calendar(self, request, query):
        return queries.personal_calendar(self.db, self.feeds, request, self.dispatcher,
                                         query["token"])


class NotificationsService(EventHandlers, SubscriptionsMixin, InboxMixin, CalendarMixin):
    name = "notifications"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    dispatcher = Dispatcher()
    feeds = CalendarFeeds()
    log_context = WorkerLogContext()

    @scheduled(DIGEST_CHECK_SECONDS)
    def send_digests(self) -> int:
        return self.dispatcher.send_due_digests()

    @scheduled(REMINDER_CHECK_SECONDS)
    def send_reminders(self) -> int:
        """Reports coming due (7 days before) and trainings (the day before)."""
        return self.raise_due_reminders(utcnow())

    def raise_due_reminders(self, now: datetime) -> int:
        return sum(self.handle(handlers.raise_reminder, Due(reminder_id, now))
                   for reminder_id in repository.due_reminder_ids(self.db, now))
