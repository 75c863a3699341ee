"""What an event changes here besides its deliveries: this service's projections of other
services' records, the calendar, the announcements kept for organisations verified later,
and the reminders' schedule. Each is a small function of one `Step` (the transaction that
also records the event's deliveries and marks it processed); the event table
(`notifications.events.EVENTS`) names which ones each event type runs, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifications import domain, records, repository
from notifications.domain import Recipient
from notifications.records import parse_time
from notifications.repository import (
    DEPARTMENTS,
    ORGANIZATIONS,
    Calendar,
    Directory,
    Optouts,
    Reminders,
    Subscriptions,
)
from wspolpraca.envelope import CloudEvent
from wspolpraca.mongo import Transaction
from wspolpraca.projection import keep_newest

FactsOf = Callable[[str, str, Mapping[str, Any]], domain.EventFacts]


@dataclass(frozen=True)
class Step:
    """One event being handled: its transaction, the moment, and how deliveries are
    recorded (for an effect that tells someone more than the event's own recipients)."""

    tx: Transaction
    event: CloudEvent
    now: datetime
    record: Callable[[list[Recipient], dict[str, Any]], int]
    facts_of: FactsOf


Effect = Callable[[Step], int | None]


# --- projections of other services' records --------------------------------------------------

def organization(step: Step) -> None:
    """The registry's organisation as its newest event describes it (by its version)."""
    data, event = step.event.data, step.event
    version = data.get("version")
    keep_newest(step.tx, ORGANIZATIONS, data.get("id") or event.subject,
                {k: data.get(k) for k in ("name", "email", "areas", "district", "status")},
                event.time, version if isinstance(version, int) else None)


def department(step: Step) -> None:
    data, event = step.event.data, step.event
    keep_newest(step.tx, DEPARTMENTS, data.get("code") or event.subject,
                {k: data.get(k) for k in ("name", "email", "areas", "contact_person")},
                event.time)


def competition(step: Step) -> None:
    """A competition's department (whose own subscriptions receive its events)."""
    repository.project_competition(step.tx, step.event.data, step.event.time)


def committee(step: Step) -> None:
    """A competition's committee (the members who may score receive its offers' events)."""
    repository.project_committee(step.tx, step.event.data, step.event.time)


def representation_ended(step: Step) -> None:
    """A representation revoked or withdrawn: the person's subscriptions were made with a
    token acting for the organisation (`reader.org_id`); from now on they receive only what
    anyone may, not the organisation's own offers, contracts, reports or inquiries."""
    data = step.event.data
    account, organization_id = data.get("account_id"), data.get("organization_id")
    if isinstance(account, str) and isinstance(organization_id, str):
        Subscriptions(step.tx).forget_organization(account, organization_id)


def account_deleted(step: Step) -> None:
    """An account deleted (GDPR): the person's own subscriptions stop (a department's, made
    by them for the department, stay the department's)."""
    account = step.event.data.get("account_id")
    if isinstance(account, str):
        Subscriptions(step.tx).cancel_owned_by(f"user:{account}", step.now)


def council_created(step: Step) -> None:
    for member in step.event.data.get("members") or []:
        repository.project_council_member(step.tx, step.event.data["id"], member, True,
                                          step.event.time)


def council_member(active: bool) -> Effect:
    """A member appointed to (`active`) or gone from a council."""
    def project(step: Step) -> None:
        data = step.event.data
        repository.project_council_member(step.tx, data["council_id"], data["member"], active,
                                          step.event.time)
    return project


# --- announcements: organisations verified later are told of what is still open ------------

def keep_announcement(step: Step) -> None:
    """A new competition or consultation, kept while open for the organisations verified
    later."""
    event = step.event
    open_until = event.data.get(domain.ANNOUNCEMENTS_OPEN_UNTIL[event.type])
    if isinstance(open_until, str):
        repository.keep_announcement(step.tx, event.to_dict(), parse_time(open_until))


def end_announcement(step: Step) -> None:
    """A competition or consultation over before its time: nobody verified later is told
    of it."""
    repository.end_announcement(step.tx, step.event.subject, step.now)


def remove_competition_deadline(step: Step) -> None:
    """A cancelled competition's deadline leaves the calendar."""
    Calendar(step.tx).remove(f"competition-deadline-{step.event.subject}")


def tell_of_open_announcements(step: Step) -> int:
    """For a verification: the open competitions and consultations of the organisation's
    areas it has not been told of (see domain.late_announcement_recipients)."""
    tx = step.tx
    organization_id = step.event.data.get("id") or step.event.subject
    known = Directory(tx).organization(organization_id)
    if not known or known.get("status") != "verified":
        return 0  # a later event (a suspension, say) has already been applied
    directory, opted_out = Directory(tx), Optouts(tx).check()
    added = 0
    for announcement in repository.open_announcements(tx, step.now):
        facts = step.facts_of(announcement["type"], announcement["subject"],
                              announcement["data"])
        planned = domain.late_announcement_recipients(
            organization_id, facts, Subscriptions(tx).matching(announcement["type"]),
            directory, opted_out)
        added += step.record(planned, announcement)
    return added


# --- reminders ------------------------------------------------------------------------------

def schedule_report_reminder(step: Step) -> None:
    """A contract signed: its report is reminded of 7 days before the due date."""
    Reminders(step.tx).schedule(records.report_reminder(step.event.data, step.now),
                                step.event.time)


def cancel_report_reminder(contract_field: str) -> Effect:
    """The report came in (or is overdue): its reminder is not raised; the contract's id is
    in `contract_field` of the event's data."""
    def cancel(step: Step) -> None:
        key = domain.report_reminder_id(step.event.data[contract_field])
        Reminders(step.tx).cancel({"_id": key}, step.now, step.event.time, tombstone=key)
    return cancel


def move_training_reminders(step: Step) -> None:
    """A training published again (a new time or place): pending reminders follow it."""
    reminders, training = Reminders(step.tx), step.event.data
    for reminder in reminders.pending_of_training(training["id"]):
        data = records.reminder_data_moved(reminder["data"], training)
        reminders.schedule(records.training_reminder({**data, "id": training["id"]},
                                                     step.now), reminder["event_time"])


def cancel_training_reminders(step: Step) -> None:
    Reminders(step.tx).cancel({"training_id": step.event.data["id"]}, step.now,
                              step.event.time)


def schedule_training_reminder(step: Step) -> None:
    """A registration (not the waiting list) is reminded a day before the training."""
    if step.event.data["registration"]["status"] == "registered":
        Reminders(step.tx).schedule(records.training_reminder(step.event.data, step.now),
                                    step.event.time, revive_cancelled=True)


def cancel_training_reminder(step: Step) -> None:
    data = step.event.data
    key = domain.training_reminder_id(data["id"], data["registration"]["id"])
    Reminders(step.tx).cancel({"_id": key}, step.now, step.event.time, tombstone=key)
