"""The event table: every event type of the catalogue (infra/asyncapi/asyncapi.yaml), and
this service's own reminders, with what notifications does with it.

One entry per type says
- whether it is consumed from the broker (the service's handlers are generated from the
  table: one queue per consumed type, `evt-<service>-<routing key>--notifications.<handler>`,
  each event handled once with its processed mark);
- what it says beyond the fields events share (`facts`, see `domain.read_facts`);
- its calendar entry, if it puts one in the feeds (`calendar`, see `records`);
- what else it changes here, in order, in the transaction of its deliveries (`effects`:
  projections, announcements, reminders; see `projections`);
- whether its deliveries are planned at all (`delivered`);
and, looked up by its type, who may receive it by subscription (`audience.RULES`), who is
told without subscribing (`domain.DEFAULT_RULES`) and its email template
(`templates/email/<type>.j2`, else `default.j2`). tests/unit/notifications/
test_notifications_event_table.py checks the table against the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from notifications import audience, domain, records
from notifications import projections as do
from notifications.channels import TEMPLATES
from notifications.domain import (
    DEFAULT_RULES,
    REPORT_DUE_REMINDER,
    TRAINING_REMINDER,
    DefaultRule,
    EventFacts,
    FactsReader,
)
from notifications.projections import Effect

CalendarBuilder = Callable[[str, dict[str, Any]], dict[str, Any] | None]

# queues named before the table: kept, so that no queue (and no message in it) is left behind
HANDLER_NAMES = {"identity.account.password_reset_requested": "on_password_reset_requested"}


@dataclass(frozen=True)
class EventSpec:
    type: str
    consumed: bool = True
    delivered: bool = True
    facts: FactsReader | None = None
    calendar: CalendarBuilder | None = None
    effects: tuple[Effect, ...] = ()

    @property
    def source(self) -> str:
        return self.type.split(".", 1)[0]

    @property
    def routing_key(self) -> str:
        return self.type.split(".", 1)[1]

    @property
    def handler(self) -> str:
        """The name of its generated handler (and so of its queue)."""
        return HANDLER_NAMES.get(self.type, "on_" + self.routing_key.replace(".", "_"))

    @property
    def receivers(self) -> audience.Rule:
        """Who may receive it by subscription."""
        return audience.RULES[self.type]

    @property
    def told(self) -> DefaultRule | None:
        """Who hears of it without subscribing."""
        return DEFAULT_RULES.get(self.type)

    @property
    def template(self) -> str:
        own = f"{self.type}.j2"
        return own if (TEMPLATES / own).is_file() else "default.j2"


def _specs(*types: str, **how: Any) -> dict[str, EventSpec]:
    return {t: EventSpec(t, **how) for t in types}


def _verbs(prefix: str, *verbs: str, **how: Any) -> dict[str, EventSpec]:
    return _specs(*(f"{prefix}.{verb}" for verb in verbs), **how)


ORGANIZATION = {"facts": domain.organization_record_facts}
CLOSED_BEFORE_ITS_TIME = {"delivered": False}  # only its effects (see their entries)

EVENTS: dict[str, EventSpec] = {
    # registry: organisations and departments are projected (the default recipients read
    # them); a verified organisation hears of what is still open in its areas
    **_verbs("registry.organization", "registered", "updated", "suspended", "reinstated",
             "archived", effects=(do.organization,), **ORGANIZATION),
    **_verbs("registry.organization", "verified",
             effects=(do.organization, do.tell_of_open_announcements), **ORGANIZATION),
    **_verbs("registry.organization", "returned_to_verification", **ORGANIZATION),
    **_verbs("registry.department", "created", "updated", facts=domain.department_record_facts,
             effects=(do.department,)),
    **_verbs("registry.inquiry", "received", "routed", "assigned", "answered", "closed",
             "overdue"),
    **_verbs("registry.resource", "created", "updated"),
    **_verbs("registry.booking", "requested", "refused"),
    **_verbs("registry.booking", "approved", calendar=records.booking_approved),
    **_verbs("registry.booking", "cancelled", calendar=records.booking_cancelled),
    **_verbs("registry.patronage", "requested", "refused"),
    **_verbs("registry.patronage", "granted", calendar=records.patronage),
    **_verbs("registry.training", "published", calendar=records.training_published,
             effects=(do.move_training_reminders,)),
    **_verbs("registry.training", "cancelled", calendar=records.training_cancelled,
             effects=(do.cancel_training_reminders,)),
    **_verbs("registry.training", "registered", effects=(do.schedule_training_reminder,)),
    **_verbs("registry.training", "unregistered", effects=(do.cancel_training_reminder,)),
    **_verbs("registry.training", "attendance_recorded"),
    **_specs("registry.partnership.signed", "registry.volunteering.posted"),
    # consultations: a new consultation is told to the organisations of its areas (and to
    # those verified while it is open); meetings and deadlines go into the calendar; council
    # members are projected, so that meetings and opinion requests reach every present one
    **_verbs("consultations.consultation", "opened", calendar=records.consultation_closes,
             effects=(do.keep_announcement,)),
    # changed before it opened: its closing in the calendar follows
    **_verbs("consultations.consultation", "updated", calendar=records.consultation_closes),
    **_verbs("consultations.consultation", "comment_submitted", "comment_marked_spam",
             "report_published"),
    # early or at its time; its closing stays in the calendar
    **_verbs("consultations.consultation", "closed", effects=(do.end_announcement,),
             **CLOSED_BEFORE_ITS_TIME),
    **_verbs("consultations.consultation", "meeting_scheduled", "meeting_moved",
             calendar=records.consultation_meeting),
    **_verbs("consultations.consultation", "meeting_cancelled",
             calendar=records.consultation_meeting_cancelled),
    **_verbs("consultations.council", "created", effects=(do.council_created,)),
    **_verbs("consultations.council", "member_appointed",
             effects=(do.council_member(active=True),)),
    **_verbs("consultations.council", "member_left", effects=(do.council_member(active=False),)),
    **_verbs("consultations.council", "meeting_scheduled", "meeting_moved",
             calendar=records.council_meeting),
    **_verbs("consultations.council", "meeting_cancelled",
             calendar=records.council_meeting_cancelled),
    **_verbs("consultations.council", "opinion_requested",
             calendar=records.council_opinion_deadline),
    **_verbs("consultations.council", "opinion_issued", "opinion_lapsed"),
    **_specs("consultations.council_request.overdue"),
    # grants: competitions (their department and committee are projected for the audience
    # rules), offers, contracts (a report is reminded of 7 days before it is due), reports
    **_verbs("grants.programme", "drafted", "updated", "adopted"),
    **_verbs("grants.competition", "announced", calendar=records.competition_deadline,
             effects=(do.keep_announcement, do.competition)),
    **_verbs("grants.competition", "closed", "resolved", effects=(do.competition,)),
    **_verbs("grants.competition", "cancelled",
             effects=(do.end_announcement, do.remove_competition_deadline),
             **CLOSED_BEFORE_ITS_TIME),
    **_verbs("grants.offer", "submitted", "withdrawn", "rejected_formally", "not_funded",
             "scored"),
    **_specs("grants.grant.awarded", "grants.results.confirmed"),
    **_verbs("grants.committee", "appointed", facts=domain.committee_facts,
             effects=(do.committee,)),
    **_verbs("grants.committee", "offers_assigned", facts=domain.assigned_member_facts),
    **_verbs("grants.contract", "signed", calendar=records.report_deadline,
             effects=(do.schedule_report_reminder,)),
    **_verbs("grants.contract", "terminated", "settled"),
    **_verbs("grants.task_report", "submitted",
             effects=(do.cancel_report_reminder("contract_id"),)),
    **_verbs("grants.task_report", "accepted"),
    **_verbs("grants.task_report", "overdue", effects=(do.cancel_report_reminder("id"),)),
    **_verbs("grants.small_grant", "submitted", "published", "commented", "awarded",
             "refused"),
    # identity: an account's links and decisions on representations, to the person
    **_verbs("identity.account", "registered", "registration_repeated",
             "password_reset_requested", "invited", facts=domain.account_facts),
    **_verbs("identity.account", "confirmed", facts=domain.account_facts,
             consumed=False, delivered=False),
    **_verbs("identity.account", "deleted", facts=domain.account_facts, delivered=False,
             effects=(do.account_deleted,)),
    **_verbs("identity.representation", "requested", "granted", "refused",
             facts=domain.account_facts),
    **_verbs("identity.representation", "revoked", facts=domain.account_facts,
             effects=(do.representation_ended,)),
    # this service's own: what it says of its deliveries is not consumed (it would loop) ...
    **_verbs("notifications.notification", "sent", "failed", consumed=False,
             delivered=False),
    # ... and reminders are raised by its timer (`send_reminders`), not by the broker
    **_specs(REPORT_DUE_REMINDER, TRAINING_REMINDER, consumed=False),
}


def consumed() -> list[EventSpec]:
    """The types consumed from the broker, each by its own generated handler."""
    return [spec for spec in EVENTS.values() if spec.consumed]


def event_facts(event_type: str, subject: str, data: Mapping[str, Any]) -> EventFacts:
    """What matching needs to know about an event (its type's entry adds its own)."""
    spec = EVENTS.get(event_type)
    return domain.read_facts(event_type, subject, data, spec.facts if spec else None)


def calendar_entry_from_event(event_type: str, subject: str,
                              data: dict[str, Any]) -> dict[str, Any] | None:
    """The calendar entry an event puts in the feeds (deadlines, meetings), or None."""
    spec = EVENTS.get(event_type)
    return spec.calendar(subject, data) if spec and spec.calendar else None
