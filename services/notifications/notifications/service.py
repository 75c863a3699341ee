"""The notifications service: subscriptions, email, signed webhooks, inbox, digests, calendar.

Event handlers only record what is to be delivered (one delivery per (event, recipient),
written in the transaction that marks the event consumed); the `Dispatcher` sends.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from nameko.timer import timer
from werkzeug.wrappers import Response

from notifications import audience, domain, pages, personal_data, records, repository
from notifications.channels import check_webhook_url, event_context
from notifications.dispatcher import Dispatcher
from notifications.domain import Channel, DeliveryStatus, SubscriptionStatus
from notifications.ical import build_calendar
from notifications.records import parse_time
from notifications.repository import (
    CALENDAR,
    DELIVERIES,
    DEPARTMENTS,
    INBOX,
    OPTOUTS,
    ORGANIZATIONS,
    QUOTAS,
    SUBSCRIPTIONS,
    Competitions,
    Deliveries,
    Directory,
    Inbox,
    Reminders,
    Subscriptions,
)
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
from wspolpraca.auth import Principal
from wspolpraca.consumer import event_handler
from wspolpraca.envelope import CloudEvent, format_time, utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.pagination import Page, paginate

MEMBERS = ("officer", "department", "ngo", "committee")
DIGEST_CHECK_SECONDS = 300
REMINDER_CHECK_SECONDS = 300
CALENDAR_HORIZON_PAST = timedelta(days=90)


def audiences(principal: Principal) -> list[str]:
    return domain.audiences_of(principal.sub, principal.roles, principal.org_id,
                               principal.department)


class NotifyMixin:
    db: Mongo
    dispatcher: Dispatcher

    def notify(self, event: CloudEvent, project=None) -> int:
        """Record every delivery the event causes, in the handler's transaction."""
        now = utcnow()
        body = event.to_dict()
        facts = domain.event_facts(event.type, event.subject, event.data)

        def work(tx: Transaction) -> int:
            added = (project(tx) or 0) if project is not None else 0
            repository.project_competition(tx, event.type, event.data, event.time)
            planned = domain.plan_deliveries(
                facts, repository.subscriptions_for(tx, event.type), Directory(tx),
                repository.opted_out(tx),
                access=audience.access_for(event.type, event.data, Competitions(tx)))
            return added + self.record_deliveries(tx, planned, body, now)

        added = self.db.transaction(work)
        if added:
            self.dispatcher.wake()
        return added

    def record_deliveries(self, tx: Transaction, planned, body: dict[str, Any], now) -> int:
        """Store each planned delivery once (an inbox item is delivered at once)."""
        added = 0
        for recipient in planned:
            sent = personal_data.redacted(body) if recipient.redacted else body
            record = records.new_delivery(recipient, sent, now)
            if recipient.channel == Channel.INBOX:
                record.update(status=DeliveryStatus.SENT.value, sent_at=now)
                if Deliveries(tx).add(record):
                    rendered = self.dispatcher.renderer.render(
                        body["type"], event_context(sent, self.dispatcher.config.public_url,
                                                    None))
                    Inbox(tx).add(records.new_inbox_item(
                        recipient.target, sent, rendered.subject, rendered.summary,
                        record["_id"], now))
                    added += 1
            elif Deliveries(tx).add(record):
                added += 1
        return added

    def _with_calendar(self, event: CloudEvent, also=None) -> int:
        """Notify, and put (or replace) the event's calendar entry in the same transaction."""
        entry = records.calendar_entry_from_event(event.type, event.subject, event.data)

        def project(tx: Transaction) -> None:
            if entry is not None:
                repository.project(tx, CALENDAR, entry["_id"],
                                   {k: v for k, v in entry.items() if k != "_id"}, event.time)
            if also is not None:
                also(tx)

        return self.notify(event, project)

    def _announcement(self, event: CloudEvent) -> int:
        """A new competition or consultation: notified, in the calendar, and kept while open
        for the organisations verified later."""
        open_until = event.data.get(domain.ANNOUNCEMENTS_OPEN_UNTIL[event.type])

        def keep(tx: Transaction) -> None:
            if isinstance(open_until, str):
                repository.keep_announcement(tx, event.to_dict(), parse_time(open_until))

        return self._with_calendar(event, keep)


class RegistryEventsMixin(NotifyMixin):
    """The registry's events: projections of organisations and departments, notifications."""

    def _organization(self, event: CloudEvent, also=None) -> int:
        data = event.data
        values = {k: data.get(k) for k in ("name", "email", "areas", "district", "status")}

        def project(tx: Transaction) -> int | None:
            version = data.get("version")
            repository.project(tx, ORGANIZATIONS, data.get("id") or event.subject, values,
                               event.time, version if isinstance(version, int) else None)
            return also(tx) if also is not None else None

        return self.notify(event, project)

    def _tell_of_open_announcements(self, event: CloudEvent):
        """For a verification: the open competitions and consultations of the organisation's
        areas it has not been told of (see domain.late_announcement_recipients)."""
        organization_id = event.data.get("id") or event.subject

        def tell(tx: Transaction) -> int:
            now = utcnow()
            known = Directory(tx).organization(organization_id)
            if not known or known.get("status") != "verified":
                return 0  # a later event (a suspension, say) has already been applied
            directory, opted_out = Directory(tx), repository.opted_out(tx)
            added = 0
            for announcement in repository.open_announcements(tx, now):
                facts = domain.event_facts(announcement["type"], announcement["subject"],
                                           announcement["data"])
                planned = domain.late_announcement_recipients(
                    organization_id, facts, repository.subscriptions_for(tx, announcement["type"]),
                    directory, opted_out)
                added += self.record_deliveries(tx, planned, announcement, now)
            return added

        return tell

    @event_handler("registry", "organization.registered")
    def on_organization_registered(self, event: CloudEvent) -> int:
        return self._organization(event)

    @event_handler("registry", "organization.updated")
    def on_organization_updated(self, event: CloudEvent) -> int:
        return self._organization(event)

    @event_handler("registry", "organization.verified")
    def on_organization_verified(self, event: CloudEvent) -> int:
        return self._organization(event, also=self._tell_of_open_announcements(event))

    @event_handler("registry", "organization.suspended")
    def on_organization_suspended(self, event: CloudEvent) -> int:
        return self._organization(event)

    @event_handler("registry", "organization.reinstated")
    def on_organization_reinstated(self, event: CloudEvent) -> int:
        return self._organization(event)

    @event_handler("registry", "organization.archived")
    def on_organization_archived(self, event: CloudEvent) -> int:
        return self._organization(event)

    def _department(self, event: CloudEvent) -> int:
        data = event.data
        values = {k: data.get(k) for k in ("name", "email", "areas", "contact_person")}

        def project(tx: Transaction) -> None:
            repository.project(tx, DEPARTMENTS, data.get("code") or event.subject, values,
                               event.time)

        return self.notify(event, project)

    @event_handler("registry", "department.created")
    def on_department_created(self, event: CloudEvent) -> int:
        return self._department(event)

    @event_handler("registry", "department.updated")
    def on_department_updated(self, event: CloudEvent) -> int:
        return self._department(event)

    @event_handler("registry", "inquiry.received")
    def on_inquiry_received(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "inquiry.routed")
    def on_inquiry_routed(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "inquiry.assigned")
    def on_inquiry_assigned(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "inquiry.answered")
    def on_inquiry_answered(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "inquiry.closed")
    def on_inquiry_closed(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "inquiry.overdue")
    def on_inquiry_overdue(self, event: CloudEvent) -> int:
        return self.notify(event)


class GrantsAndConsultationsEventsMixin(NotifyMixin):
    """Events of grants and consultations as catalogued in infra/asyncapi/asyncapi.yaml:
    NGOs of the area hear about new competitions and consultations, an organisation about
    its offers' results; deadlines and meetings go into the calendar."""

    @event_handler("grants", "competition.announced")
    def on_competition_announced(self, event: CloudEvent) -> int:
        return self._announcement(event)

    @event_handler("grants", "grant.awarded")
    def on_grant_awarded(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "offer.not_funded")
    def on_offer_not_funded(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "offer.rejected_formally")
    def on_offer_rejected_formally(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "consultation.opened")
    def on_consultation_opened(self, event: CloudEvent) -> int:
        return self._announcement(event)

    def _ended(self, event: CloudEvent, calendar_entry: str | None = None) -> int:
        """A competition or consultation over before its time: nobody verified later is told
        of it, and `calendar_entry` (its deadline) leaves the calendar."""
        def work(tx: Transaction) -> int:
            repository.end_announcement(tx, event.subject, utcnow())
            if calendar_entry is not None:
                tx.db[CALENDAR].delete_one({"_id": calendar_entry}, session=tx.session)
            return 0

        return self.db.transaction(work)

    @event_handler("grants", "competition.cancelled")
    def on_competition_cancelled(self, event: CloudEvent) -> int:
        return self._ended(event, calendar_entry=f"competition-deadline-{event.subject}")

    @event_handler("consultations", "consultation.closed")
    def on_consultation_closed(self, event: CloudEvent) -> int:
        return self._ended(event)  # early or at its time; its closing stays in the calendar

    @event_handler("consultations", "consultation.meeting_scheduled")
    def on_consultation_meeting_scheduled(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    @event_handler("consultations", "council.meeting_scheduled")
    def on_council_meeting_scheduled(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    # a consultation changed before it opened: its closing in the calendar follows
    @event_handler("consultations", "consultation.updated")
    def on_consultation_updated(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    # a meeting moved: told, and the calendar shows the new time
    @event_handler("consultations", "consultation.meeting_moved")
    def on_consultation_meeting_moved(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    @event_handler("consultations", "council.meeting_moved")
    def on_council_meeting_moved(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    # a meeting called off: told, and it leaves the calendar
    @event_handler("consultations", "consultation.meeting_cancelled")
    def on_consultation_meeting_cancelled(self, event: CloudEvent) -> int:
        return self._without_calendar(event, f"consultation-meeting-{event.subject}")

    @event_handler("consultations", "council.meeting_cancelled")
    def on_council_meeting_cancelled(self, event: CloudEvent) -> int:
        return self._without_calendar(event, f"council-meeting-{event.subject}")

    def _without_calendar(self, event: CloudEvent, calendar_entry: str) -> int:
        """Notify, and remove the calendar entry in the same transaction."""
        def project(tx: Transaction) -> None:
            tx.db[CALENDAR].delete_one({"_id": calendar_entry}, session=tx.session)

        return self.notify(event, project)

    # a committee member hears of the appointment (the inbox of their user id)
    @event_handler("grants", "committee.appointed")
    def on_committee_appointed(self, event: CloudEvent) -> int:
        return self.notify(event)

    # and of the offers assigned to them to score (their inbox, and email if given)
    @event_handler("grants", "committee.offers_assigned")
    def on_committee_offers_assigned(self, event: CloudEvent) -> int:
        return self.notify(event)

    # reports: a reminder 7 days before the due date (`send_reminders`), then overdue
    @event_handler("grants", "contract.signed")
    def on_contract_signed(self, event: CloudEvent) -> int:
        now = utcnow()
        return self._with_calendar(event, lambda tx: Reminders(tx).schedule(
            records.report_reminder(event.data, now), event.time))

    @event_handler("grants", "task_report.submitted")
    def on_task_report_submitted(self, event: CloudEvent) -> int:
        now = utcnow()
        key = domain.report_reminder_id(event.data["contract_id"])
        return self.notify(event, lambda tx: Reminders(tx).cancel(
            {"_id": key}, now, event.time, tombstone=key))

    @event_handler("grants", "task_report.overdue")
    def on_task_report_overdue(self, event: CloudEvent) -> int:
        now = utcnow()
        key = domain.report_reminder_id(event.data["id"])
        return self.notify(event, lambda tx: Reminders(tx).cancel(
            {"_id": key}, now, event.time, tombstone=key))

    # councils: members are projected from their events, so that meetings and opinion
    # requests reach every present member
    @event_handler("consultations", "council.created")
    def on_council_created(self, event: CloudEvent) -> int:
        def project(tx: Transaction) -> None:
            for member in event.data.get("members") or []:
                repository.project_council_member(tx, event.data["id"], member, True,
                                                  event.time)
        return self.notify(event, project)

    @event_handler("consultations", "council.member_appointed")
    def on_council_member_appointed(self, event: CloudEvent) -> int:
        return self.notify(event, lambda tx: repository.project_council_member(
            tx, event.data["council_id"], event.data["member"], True, event.time))

    @event_handler("consultations", "council.member_left")
    def on_council_member_left(self, event: CloudEvent) -> int:
        return self.notify(event, lambda tx: repository.project_council_member(
            tx, event.data["council_id"], event.data["member"], False, event.time))

    @event_handler("consultations", "council.opinion_requested")
    def on_council_opinion_requested(self, event: CloudEvent) -> int:
        return self._with_calendar(event)


class CooperationEventsMixin(NotifyMixin):
    """Issue 11: booking and patronage decisions reach the organisation; approved bookings
    (the organisation's and department's feeds), granted patronages and published trainings
    (public) go into the calendar; a registered person is reminded the day before."""

    @event_handler("registry", "booking.approved")
    def on_booking_approved(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    @event_handler("registry", "booking.refused")
    def on_booking_refused(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "booking.cancelled")
    def on_booking_cancelled(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    @event_handler("registry", "patronage.granted")
    def on_patronage_granted(self, event: CloudEvent) -> int:
        return self._with_calendar(event)

    @event_handler("registry", "patronage.refused")
    def on_patronage_refused(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "training.published")
    def on_training_published(self, event: CloudEvent) -> int:
        now = utcnow()

        def move_reminders(tx: Transaction) -> None:
            # published again (a new time or place): pending reminders follow it
            reminders = Reminders(tx)
            for reminder in reminders.pending_of_training(event.data["id"]):
                data = records.reminder_data_moved(reminder["data"], event.data)
                reminders.schedule(records.training_reminder(
                    {**data, "id": event.data["id"]}, now), reminder["event_time"])

        return self._with_calendar(event, move_reminders)

    @event_handler("registry", "training.cancelled")
    def on_training_cancelled(self, event: CloudEvent) -> int:
        now = utcnow()
        return self._with_calendar(event, lambda tx: Reminders(tx).cancel(
            {"training_id": event.data["id"]}, now, event.time))

    @event_handler("registry", "training.registered")
    def on_training_registered(self, event: CloudEvent) -> int:
        now = utcnow()

        def schedule(tx: Transaction) -> None:
            if event.data["registration"]["status"] == "registered":  # not the waiting list
                Reminders(tx).schedule(records.training_reminder(event.data, now),
                                       event.time, revive_cancelled=True)

        return self.notify(event, schedule)

    @event_handler("registry", "training.unregistered")
    def on_training_unregistered(self, event: CloudEvent) -> int:
        now = utcnow()
        key = domain.training_reminder_id(event.data["id"], event.data["registration"]["id"])
        return self.notify(event, lambda tx: Reminders(tx).cancel(
            {"_id": key}, now, event.time, tombstone=key))

    def send_due_reminders(self, now=None) -> int:
        """Raise every reminder whose time has come, once: the reminder is marked sent in
        the transaction that records its deliveries (whose ids follow from its own)."""
        now = now or utcnow()
        raised = 0
        for reminder in repository.due_reminders(self.db, now):
            outcome = domain.reminder_outcome(reminder["status"], reminder["due_at"],
                                              reminder["expires_at"], now)
            if outcome is None:
                continue
            if outcome == domain.ReminderStatus.EXPIRED:
                self.db.transaction(lambda tx, r=reminder: Reminders(tx).settle(
                    r["_id"], domain.ReminderStatus.EXPIRED.value, now))
                continue
            service, aggregate, verb = reminder["type"].split(".", 2)
            event = CloudEvent(service=service, routing_key=f"{aggregate}.{verb}",
                               subject=reminder["subject"], data=reminder["data"],
                               id=domain.reminder_event_id(reminder["_id"]),
                               time=format_time(now))
            settled = []

            def claim(tx: Transaction, r=reminder, settled=settled) -> None:
                settled.append(Reminders(tx).settle(r["_id"], domain.ReminderStatus.SENT.value,
                                                   now))

            self.notify(event, claim)
            raised += 1 if settled and settled[-1] else 0
        return raised


class MoreEventsMixin(NotifyMixin):
    """Issue 23: every other event type of the catalogue is delivered to its subscribers
    (who may read it: audience.RULES); a booking request also reaches the department
    that manages the resource and the liaison office without subscribing."""

    @event_handler("registry", "booking.requested")
    def on_booking_requested(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "patronage.requested")
    def on_patronage_requested(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "resource.created")
    def on_resource_created(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "resource.updated")
    def on_resource_updated(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "training.attendance_recorded")
    def on_training_attendance_recorded(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "partnership.signed")
    def on_partnership_signed(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "volunteering.posted")
    def on_volunteering_posted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "consultation.comment_submitted")
    def on_consultation_comment_submitted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("registry", "organization.returned_to_verification")
    def on_organization_returned_to_verification(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "consultation.comment_marked_spam")
    def on_consultation_comment_marked_spam(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "results.confirmed")
    def on_results_confirmed(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "consultation.report_published")
    def on_consultation_report_published(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "council.opinion_issued")
    def on_council_opinion_issued(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "council.opinion_lapsed")
    def on_council_opinion_lapsed(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("consultations", "council_request.overdue")
    def on_council_request_overdue(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "programme.drafted")
    def on_programme_drafted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "programme.updated")
    def on_programme_updated(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "programme.adopted")
    def on_programme_adopted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "competition.closed")
    def on_competition_closed(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "competition.resolved")
    def on_competition_resolved(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "offer.submitted")
    def on_offer_submitted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "offer.withdrawn")
    def on_offer_withdrawn(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "offer.scored")
    def on_offer_scored(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "contract.terminated")
    def on_contract_terminated(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "contract.settled")
    def on_contract_settled(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "task_report.accepted")
    def on_task_report_accepted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "small_grant.submitted")
    def on_small_grant_submitted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "small_grant.published")
    def on_small_grant_published(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "small_grant.commented")
    def on_small_grant_commented(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "small_grant.awarded")
    def on_small_grant_awarded(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("grants", "small_grant.refused")
    def on_small_grant_refused(self, event: CloudEvent) -> int:
        return self.notify(event)


class SubscriptionsMixin:
    db: Mongo
    dispatcher: Dispatcher

    def _own(self, principal: Principal, record: dict[str, Any]) -> None:
        if principal.is_staff or record["owner"] in audiences(principal):
            return
        raise NotFound("Nie ma takiej subskrypcji.")

    @api("POST", "/api/v1/subscriptions", roles=MEMBERS, body=SubscriptionCreateSchema,
         response=SubscriptionCreatedSchema, status=201, rate_limited=True,
         summary="Subscribe to event types (the secret for webhook signatures is shown once)")
    def create_subscription(self, request, body):
        principal: Principal = request.principal
        if body["for_department"] is None:  # a department's token subscribes its department
            body["for_department"] = bool(principal.department
                                          and "department" in principal.roles)
        if body["for_department"] and not principal.department:
            raise Forbidden("Subskrypcję wydziału może założyć tylko pracownik wydziału.")
        event_types = domain.validate_event_types(body["event_types"])
        reader = audience.reader_of(principal.sub, principal.roles, principal.org_id,
                                    principal.department, body["for_department"])
        audience.check_subscription(reader, event_types)
        target = domain.validate_target(body["channel"], body.get("target"),
                                        self.dispatcher.target_policy, body.get("owner_email"))
        if body["channel"] == Channel.WEBHOOK:
            target = check_webhook_url(target, self.dispatcher.target_policy)
        from wspolpraca.areas import validate_areas

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

        def work(tx: Transaction):
            self._within_quota(tx, owner, body["channel"])
            Subscriptions(tx).add(record)
            if confirm:
                self._ask_to_confirm(tx, record, now)
            return record

        created = self.db.transaction(work)
        if confirm:
            self.dispatcher.wake()
        return created

    def _within_quota(self, tx: Transaction, owner: str, channel: str) -> None:
        """Per-owner quotas, counted in the transaction that adds: two requests at once
        both write the owner's guard document, so one of them is retried and counts again."""
        config = self.dispatcher.config
        tx.db[QUOTAS].update_one({"_id": owner}, {"$inc": {"writes": 1}}, upsert=True,
                                 session=tx.session)
        counted = {"owner": owner, "status": {"$in": list(domain.COUNTED_STATUSES)}}
        owned = tx.db[SUBSCRIPTIONS].count_documents(counted, session=tx.session)
        owned_email = tx.db[SUBSCRIPTIONS].count_documents(
            {**counted, "channel": Channel.EMAIL.value}, session=tx.session)
        domain.check_quota(channel, owned, owned_email, config.max_subscriptions_per_owner,
                           config.max_email_subscriptions_per_owner)

    def _ask_to_confirm(self, tx: Transaction, subscription: dict[str, Any], now) -> bool:
        """Queue the confirmation email (Polish, with a signed link that expires), unless its
        address opted out of confirmation emails; False when nothing was queued."""
        config = self.dispatcher.config
        if repository.opted_out(tx)(subscription["target"], domain.CONFIRMATION_REQUESTED):
            return False
        expires_at = now + timedelta(hours=config.confirmation_hours)
        token = domain.make_confirmation_token(config.link_secret, subscription["_id"],
                                               subscription["target"], expires_at)
        url = (f"{config.portal_url.rstrip('/')}/newsletter/potwierdz?"
               + urlencode({"token": token}))
        event = records.confirmation_event(subscription, url, expires_at, now)
        recipient = domain.Recipient(Channel.EMAIL, subscription["target"],
                                     subscription["owner"])
        tx.db[SUBSCRIPTIONS].update_one({"_id": subscription["_id"]},
                                        {"$set": {"confirmation_sent_at": now}},
                                        session=tx.session)
        return Deliveries(tx).add(records.new_delivery(recipient, event, now))

    @api("POST", "/api/v1/newsletter", body=NewsletterSignupSchema, status=202,
         summary="Sign up for the public newsletter (202 always; a confirmation email follows)")
    def newsletter_signup(self, request, body):
        """Anyone, no token: a pending digest subscription of the public event types and the
        chosen areas, active once the address's owner confirms. The answer is the same
        whatever the address (no enumeration), and an address gets at most one confirmation
        email per `confirmation_resend_minutes`."""
        from wspolpraca.areas import validate_areas

        areas = validate_areas(body["areas"]) if body.get("areas") else []
        email = body["email"].strip()
        owner = domain.newsletter_owner(email)
        now = utcnow()
        config = self.dispatcher.config

        def work(tx: Transaction) -> bool:
            tx.db[QUOTAS].update_one({"_id": owner}, {"$inc": {"writes": 1}}, upsert=True,
                                     session=tx.session)
            current = tx.db[SUBSCRIPTIONS].find_one(
                {"owner": owner, "newsletter": True,
                 "status": {"$in": [SubscriptionStatus.PENDING_CONFIRMATION.value,
                                    SubscriptionStatus.ACTIVE.value]}}, session=tx.session)
            if current is not None and current["status"] == SubscriptionStatus.ACTIVE:
                return False   # changes only through a new confirmation after unsubscribing
            if current is not None:
                sent = current.get("confirmation_sent_at")
                if sent and now - sent < timedelta(minutes=config.confirmation_resend_minutes):
                    return False
                current.update(areas=areas, digest=body["digest"], updated_at=now)
                Subscriptions(tx).save(current)
                return self._ask_to_confirm(tx, current, now)
            record = records.new_subscription(
                {"channel": Channel.EMAIL.value, "areas": areas, "digest": body["digest"]},
                email, list(domain.NEWSLETTER_EVENT_TYPES), owner, "newsletter",
                domain.new_secret(), now, SubscriptionStatus.PENDING_CONFIRMATION.value)
            record["newsletter"] = True
            Subscriptions(tx).add(record)
            return self._ask_to_confirm(tx, record, now)

        if self.db.transaction(work):
            self.dispatcher.wake()
        return {"message": "Jeśli adres jest poprawny, wyślemy na niego link potwierdzający "
                           "zapis. Newsletter zacznie przychodzić po potwierdzeniu."}

    @api("POST", "/api/v1/newsletter/confirm", body=ConfirmationSchema,
         response=ConfirmedSchema,
         summary="Confirm an email subscription or the newsletter (the link in the email)")
    def confirm_subscription(self, request, body):
        subscription_id, email = domain.read_confirmation_token(
            self.dispatcher.config.link_secret, body["token"])
        now = utcnow()

        def work(tx: Transaction):
            record = tx.db[SUBSCRIPTIONS].find_one({"_id": subscription_id}, session=tx.session)
            if record is None or (record.get("target") or "").strip().lower() != email:
                raise DomainError("invalid_token", "Link jest niepoprawny albo uszkodzony.",
                                  field="token", status=400)
            if record["status"] == SubscriptionStatus.PENDING_CONFIRMATION:
                record.update(status=SubscriptionStatus.ACTIVE.value, confirmed_at=now,
                              updated_at=now)
                Subscriptions(tx).save(record)
            elif record["status"] != SubscriptionStatus.ACTIVE:
                raise Conflict("invalid_state", "Ta subskrypcja została już anulowana; "
                                                "zapisz się ponownie.")
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/subscriptions", roles=MEMBERS, query=SubscriptionQuerySchema,
         response=SubscriptionSchema, summary="My subscriptions (all of them for officers)")
    def list_subscriptions(self, request, query):
        principal: Principal = request.principal
        found: dict[str, Any] = {}
        if not principal.is_staff:
            found["owner"] = {"$in": audiences(principal)}
        if query.get("status"):
            found["status"] = query["status"]
        return paginate(self.db[SUBSCRIPTIONS], found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/subscriptions/unsubscribe", query=UnsubscribeQuerySchema,
         summary="The unsubscribe link of every email: a confirmation page (Polish HTML) "
                 "with a POST form; a GET changes nothing (mail scanners follow links)")
    def unsubscribe_link(self, request, query):
        payload = self._unsubscribe_payload(query["token"])
        return pages.unsubscribe_confirmation(query["token"], payload)

    @api("POST", "/api/v1/subscriptions/unsubscribe", query=UnsubscribeQuerySchema,
         forms=True,  # not rate-limited: mail providers post one-click unsubscribes for
         # many people from few addresses, and a signed token creates nothing
         summary="Unsubscribe: the confirmation page's form, or a mail client's RFC 8058 "
                 "one-click POST (List-Unsubscribe-Post)")
    def unsubscribe_post(self, request, query):
        return self._unsubscribe(query["token"])

    def _unsubscribe_payload(self, token: str) -> dict:
        payload = domain.read_token(self.dispatcher.config.link_secret, token)
        if "s" in payload or ("e" in payload and "t" in payload):
            return payload
        raise DomainError("invalid_token", "Link jest niepoprawny.", status=400)

    def _unsubscribe(self, token: str) -> Response:
        payload = self._unsubscribe_payload(token)
        now = utcnow()
        if "s" in payload:
            self.db[SUBSCRIPTIONS].update_one(
                {"_id": payload["s"]},
                {"$set": {"status": SubscriptionStatus.CANCELLED.value, "updated_at": now}})
        else:
            key = repository.optout_id(payload["e"], payload["t"])
            self.db[OPTOUTS].update_one(
                {"_id": key}, {"$setOnInsert": {"email": payload["e"], "event_type": payload["t"],
                                                "created_at": now}}, upsert=True)
        return pages.unsubscribed()

    @api("GET", "/api/v1/subscriptions/<id>", roles=MEMBERS, response=SubscriptionSchema)
    def get_subscription(self, request, id):
        record = self.db[SUBSCRIPTIONS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej subskrypcji.")
        self._own(request.principal, record)
        return record

    def _set_status(self, request, id: str, status: str, allowed_from: tuple[str, ...]):
        def work(tx: Transaction):
            subscriptions = Subscriptions(tx)
            record = subscriptions.get(id)
            self._own(request.principal, record)
            if record["status"] not in allowed_from:
                raise Conflict("invalid_state",
                               f"Subskrypcja ma stan {record['status']}; nie można tego zrobić.")
            record.update(status=status, updated_at=utcnow(), consecutive_failures=0)
            subscriptions.save(record)
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/subscriptions/<id>/cancel", roles=MEMBERS,
         response=SubscriptionSchema, summary="Cancel a subscription")
    def cancel_subscription(self, request, id):
        return self._set_status(request, id, SubscriptionStatus.CANCELLED.value,
                                (SubscriptionStatus.ACTIVE.value,
                                 SubscriptionStatus.PENDING_CONFIRMATION.value,
                                 SubscriptionStatus.SUSPENDED.value))

    @api("POST", "/api/v1/subscriptions/<id>/resume", roles=MEMBERS,
         response=SubscriptionSchema, summary="Resume a suspended subscription")
    def resume_subscription(self, request, id):
        return self._set_status(request, id, SubscriptionStatus.ACTIVE.value,
                                (SubscriptionStatus.SUSPENDED.value,))

    @api("GET", "/api/v1/subscriptions/<id>/deliveries", roles=MEMBERS,
         query=DeliveryQuerySchema, response=DeliverySchema,
         summary="The delivery log of a subscription (status, attempts, last error)")
    def list_deliveries(self, request, id, query):
        record = self.db[SUBSCRIPTIONS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej subskrypcji.")
        self._own(request.principal, record)
        found: dict[str, Any] = {"subscription_id": id}
        if query.get("status"):
            found["status"] = query["status"]
        return repository.deliveries_newest_first(self.db, found, query["limit"],
                                                  query["cursor"])

    @api("POST", "/api/v1/subscriptions/<id>/deliveries/<delivery_id>/retry", roles=MEMBERS,
         response=DeliverySchema, summary="Send a dead-lettered delivery again")
    def retry_delivery(self, request, id, delivery_id):
        record = self.db[SUBSCRIPTIONS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej subskrypcji.")
        self._own(request.principal, record)
        now = utcnow()
        updated = self.db[DELIVERIES].find_one_and_update(
            {"_id": delivery_id, "subscription_id": id, "status": DeliveryStatus.DEAD.value},
            {"$set": {"status": DeliveryStatus.PENDING.value, "next_attempt_at": now,
                      "attempts": 0, "updated_at": now}}, return_document=True)
        if updated is None:
            raise Conflict("not_dead", "Ponowić można tylko doręczenie, które się nie udało.")
        self.dispatcher.wake()
        return updated


class InboxMixin:
    db: Mongo

    @api("GET", "/api/v1/inbox", roles=MEMBERS, query=InboxQuerySchema,
         response=InboxItemSchema, summary="My inbox, newest first")
    def list_inbox(self, request, query):
        principal: Principal = request.principal
        found: dict[str, Any] = {"audience": {"$in": audiences(principal)}}
        if query.get("unread") is True:
            found["read_by"] = {"$ne": principal.sub}
        elif query.get("unread") is False:
            found["read_by"] = principal.sub
        page = repository.newest_first_page(self.db[INBOX], found, query["limit"],
                                            query["cursor"])
        return Page([records.inbox_view(i, principal.sub) for i in page.items],
                    page.next_cursor)

    @api("GET", "/api/v1/inbox/unread-count", roles=MEMBERS, response=UnreadCountSchema,
         summary="How many of my inbox items I have not read")
    def unread_count(self, request):
        principal: Principal = request.principal
        return {"unread": self.db[INBOX].count_documents(
            {"audience": {"$in": audiences(principal)}, "read_by": {"$ne": principal.sub}})}

    @api("POST", "/api/v1/inbox/<id>/read", roles=MEMBERS, response=InboxItemSchema,
         summary="Mark one inbox item read")
    def mark_read(self, request, id):
        principal: Principal = request.principal
        item = self.db[INBOX].find_one_and_update(
            {"_id": id, "audience": {"$in": audiences(principal)}},
            {"$addToSet": {"read_by": principal.sub}}, return_document=True)
        if item is None:
            raise NotFound("Nie ma takiej wiadomości.")
        return records.inbox_view(item, principal.sub)

    @api("POST", "/api/v1/inbox/read-all", roles=MEMBERS, response=UnreadCountSchema,
         summary="Mark all my inbox items read")
    def mark_all_read(self, request):
        principal: Principal = request.principal
        self.db[INBOX].update_many({"audience": {"$in": audiences(principal)}},
                                   {"$addToSet": {"read_by": principal.sub}})
        return {"unread": 0}


class CalendarMixin:
    db: Mongo
    dispatcher: Dispatcher

    @api("POST", "/api/v1/calendar/events", roles=("officer",), body=CalendarEntryCreateSchema,
         response=CalendarEntrySchema, status=201,
         summary="Publish a city event, training or meeting in the calendar")
    def publish_calendar_entry(self, request, body):
        from wspolpraca.areas import validate_areas

        if body.get("areas"):
            body["areas"] = validate_areas(body["areas"])
        record = records.new_calendar_entry(body, utcnow())
        self.db[CALENDAR].insert_one(record)
        return record

    def _ical(self, audience_list: list[str], name: str) -> Response:
        since = utcnow() - CALENDAR_HORIZON_PAST
        entries = list(self.db[CALENDAR].find(
            {"audiences": {"$in": audience_list}, "starts_at": {"$gte": since}}
        ).sort("starts_at", 1))
        body = build_calendar(entries, name, utcnow())
        return Response(body, status=200, mimetype="text/calendar",
                        headers={"Content-Disposition": "inline; filename=calendar.ics"})

    @api("GET", "/api/v1/calendar.ics", summary="The public calendar (iCalendar)")
    def public_calendar(self, request):
        return self._ical(["public"], "Współpraca: kalendarz")

    @api("GET", "/api/v1/calendar/feed", roles=MEMBERS, response=CalendarFeedSchema,
         summary="The address of my personal calendar feed (signed, for calendar apps)")
    def calendar_feed(self, request):
        principal: Principal = request.principal
        token = domain.make_token(self.dispatcher.config.link_secret,
                                  {"c": audiences(principal)})
        base = self.dispatcher.config.public_url.rstrip("/")
        return {"url": f"{base}/api/v1/calendar/my.ics?" + urlencode({"token": token})}

    @api("GET", "/api/v1/calendar/my.ics", query=UnsubscribeQuerySchema,
         summary="A personal calendar feed (public and own entries), by its signed link")
    def personal_calendar(self, request, query):
        payload = domain.read_token(self.dispatcher.config.link_secret, query["token"])
        if not isinstance(payload.get("c"), list):
            raise DomainError("invalid_token", "Link jest niepoprawny.", status=400)
        return self._ical(["public", *payload["c"]], "Współpraca: mój kalendarz")


class IdentityEventsMixin(NotifyMixin):
    """identity's events: the links of an account by email, decisions on representations."""

    @event_handler("identity", "account.registered")
    def on_account_registered(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "account.registration_repeated")
    def on_account_registration_repeated(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "account.password_reset_requested")
    def on_password_reset_requested(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "account.invited")
    def on_account_invited(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "representation.requested")
    def on_representation_requested(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "representation.granted")
    def on_representation_granted(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "representation.refused")
    def on_representation_refused(self, event: CloudEvent) -> int:
        return self.notify(event)

    @event_handler("identity", "representation.revoked")
    def on_representation_revoked(self, event: CloudEvent) -> int:
        return self.notify(event)


class NotificationsService(RegistryEventsMixin, GrantsAndConsultationsEventsMixin,
                           CooperationEventsMixin, MoreEventsMixin, SubscriptionsMixin,
                           InboxMixin, CalendarMixin, IdentityEventsMixin):
    name = "notifications"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    dispatcher = Dispatcher()
    log_context = WorkerLogContext()

    @timer(interval=DIGEST_CHECK_SECONDS)
    def send_digests(self) -> int:
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.dispatcher.send_due_digests()

    @timer(interval=REMINDER_CHECK_SECONDS)
    def send_reminders(self) -> int:
        """Reports coming due (7 days before) and trainings (the day before)."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.send_due_reminders()
