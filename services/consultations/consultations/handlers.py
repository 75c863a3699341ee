"""Command handlers of the consultations service: plain functions `handler(command, uow)`.

Each loads records through the unit's repositories, applies the rules of `domain.py`, saves
and emits; `service.py` only parses the request, checks the role and calls one of them
(`wspolpraca.service_layer.run`). Unit tests run them with a fake unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from consultations import domain, records
from consultations.repository import (
    Comments,
    Consultations,
    CouncilMeetings,
    CouncilRequests,
    Councils,
    OpinionRequests,
    Organizations,
)
from wspolpraca.auth import Principal
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import Forbidden, NotFound
from wspolpraca.rules import DatedRules
from wspolpraca.service_layer import (
    Changed,
    Due,
    Event,
    RecordStep,
    Submit,
    UnitOfWork,
    change,
    create,
    sweep,
)

RULES = DatedRules.load(Path(__file__).with_name("rules.toml"))
Record = dict[str, Any]


class Unit(UnitOfWork):
    """The consultations service's unit of work: its repositories in one transaction."""

    @cached_property
    def consultations(self) -> Consultations:
        return Consultations(self.tx)

    @cached_property
    def comments(self) -> Comments:
        return Comments(self.tx)

    @cached_property
    def councils(self) -> Councils:
        return Councils(self.tx)

    @cached_property
    def council_requests(self) -> CouncilRequests:
        return CouncilRequests(self.tx)

    @cached_property
    def council_meetings(self) -> CouncilMeetings:
        return CouncilMeetings(self.tx)

    @cached_property
    def opinion_requests(self) -> OpinionRequests:
        return OpinionRequests(self.tx)

    @cached_property
    def organizations(self) -> Organizations:
        return Organizations(self.tx)


# --- consultations ----------------------------------------------------------------------


def open_consultation(command: Submit, uow: Unit) -> Record:
    now = utcnow()
    data = command.body
    domain.check_consultation_period(data["opens_at"], data["closes_at"], now, RULES)
    record = records.new_consultation(data, command.principal.sub, now)
    return create(uow, uow.consultations, record, "consultation.opened",
                  records.consultation_payload(record, records.status_now(record, now).value))


@dataclass(frozen=True)
class EditConsultation:
    consultation_id: str
    changes: dict[str, Any]


def edit_consultation(command: EditConsultation, uow: Unit) -> Record:
    """Change a consultation before it opens (409 once it opened); the period is checked
    again as a whole."""
    def edit(current: Record) -> Changed | None:
        now = utcnow()
        domain.check_may_edit(records.status_now(current, now))
        record, changed = records.updated_consultation(current, command.changes, now)
        if not changed:
            return None
        if {"opens_at", "closes_at"} & set(changed):
            domain.check_consultation_period(record["opens_at"], record["closes_at"], now,
                                             RULES)
        for meeting in record["meetings"]:
            if meeting.get("cancelled_at") is None:
                domain.check_meeting(record["forms"], meeting["starts_at"], meeting["ends_at"],
                                     record["opens_at"], record["closes_at"])
        status = records.status_now(record, now).value
        return Changed(record, [Event("consultation.updated", records.consultation_payload(
            record, status, changed_fields=changed))])

    return change(uow, uow.consultations, command.consultation_id, edit)


@dataclass(frozen=True)
class CloseConsultation:
    consultation_id: str
    closed_by: str
    at: datetime | None = None  # now, unless the clock closed it earlier


def close_consultation(command: CloseConsultation, uow: Unit) -> Record:
    now = command.at or utcnow()

    def close(record: Record) -> Changed:
        domain.check_may_close(domain.ConsultationStatus(record["status"]))
        record.update(status=domain.ConsultationStatus.CLOSED.value, closed_at=now,
                      closed_by=command.closed_by, updated_at=now)
        return Changed(record, [Event("consultation.closed", records.closed_payload(
            record, record["comments"], command.closed_by))])

    return change(uow, uow.consultations, command.consultation_id, close)


def close_due(command: Due, uow: Unit) -> int:
    """Close a consultation whose closing time has come (1), unless it is closed (0)."""
    record = uow.consultations.get(command.record_id)
    if not domain.is_due_to_close(record["status"], record["closes_at"], command.now):
        return 0
    close_consultation(CloseConsultation(command.record_id, "timer", record["closes_at"]),
                       uow)
    return 1


def schedule_consultation_meeting(command: RecordStep, uow: Unit) -> Record:
    data = command.body

    def schedule(record: Record) -> Changed:
        now = utcnow()
        domain.check_may_schedule_meeting(records.status_now(record, now))
        domain.check_meeting(record["forms"], data["starts_at"], data["ends_at"],
                             record["opens_at"], record["closes_at"])
        meeting = records.new_meeting(record, data)
        record["meetings"].append(meeting)
        record["updated_at"] = now
        return Changed(record, [Event("consultation.meeting_scheduled", records.meeting_payload(
            meeting, consultation_id=record["_id"], consultation_title=record["title"]))])

    record = change(uow, uow.consultations, command.record_id, schedule)
    return record["meetings"][-1]


@dataclass(frozen=True)
class ItemStep:
    """A step on one item of a consultation or a council: a meeting cancelled (with a
    reason), moved (to `data`'s time and place) or its minutes recorded (`data`); an opinion
    request answered (`data`: the opinion)."""

    parent_id: str  # the consultation or the council
    item_id: str  # the meeting or the opinion request
    reason: str | None = None
    data: dict[str, Any] | None = None


def _meeting_of(consultation: Record, meeting_id: str) -> Record:
    meeting = next((m for m in consultation["meetings"] if m["_id"] == meeting_id), None)
    if meeting is None:
        raise NotFound("Nie ma takiego spotkania.")
    return meeting


def _consultation_meeting_event(record: Record, meeting: Record, routing_key: str,
                                **extra: Any) -> list[Event]:
    return [Event(routing_key, records.meeting_payload(
        meeting, consultation_id=record["_id"], consultation_title=record["title"], **extra))]


def cancel_consultation_meeting(command: ItemStep, uow: Unit) -> Record:
    """Call a meeting off; everyone who follows the consultation is told."""
    def cancel(record: Record) -> Changed:
        now = utcnow()
        meeting = _meeting_of(record, command.item_id)
        domain.check_may_change_meeting(meeting, now)
        meeting.update(cancelled_at=now, cancel_reason=command.reason)
        record["updated_at"] = now
        return Changed(record, _consultation_meeting_event(
            record, meeting, "consultation.meeting_cancelled", reason=command.reason))

    record = change(uow, uow.consultations, command.parent_id, cancel)
    return _meeting_of(record, command.item_id)


def move_consultation_meeting(command: ItemStep, uow: Unit) -> Record:
    """Move a meeting (within the consultation); everyone who follows it is told."""
    data = command.data or {}

    def move(record: Record) -> Changed:
        now = utcnow()
        current = _meeting_of(record, command.item_id)
        domain.check_may_change_meeting(current, now)
        domain.check_may_schedule_meeting(records.status_now(record, now))
        domain.check_new_meeting_time(data["starts_at"], now)
        moved = records.moved_meeting(current, data)
        domain.check_meeting(record["forms"], moved["starts_at"], moved["ends_at"],
                             record["opens_at"], record["closes_at"])
        record["meetings"] = [moved if m["_id"] == moved["_id"] else m
                              for m in record["meetings"]]
        record["updated_at"] = now
        return Changed(record, _consultation_meeting_event(
            record, moved, "consultation.meeting_moved", **records.previous_time(current)))

    record = change(uow, uow.consultations, command.parent_id, move)
    return _meeting_of(record, command.item_id)


@dataclass(frozen=True)
class PublishReport:
    consultation_id: str


def publish_report(command: PublishReport, uow: Unit) -> Record:
    now = utcnow()
    consultation_id = command.consultation_id
    record = uow.consultations.get(consultation_id)
    comments = uow.comments.of_consultation(consultation_id)
    domain.check_may_publish_report(records.status_now(record, now), comments)
    if record["status"] == domain.ConsultationStatus.OPEN.value:
        # closed by the clock before the timer ran: record the closing first
        record = close_consultation(CloseConsultation(consultation_id, "timer",
                                                      record["closes_at"]), uow)
    record.update(status=domain.ConsultationStatus.REPORT_PUBLISHED.value,
                  report_published_at=now, updated_at=now)
    uow.consultations.save(record)
    uow.emit("consultation.report_published", consultation_id, records.consultation_payload(
        record, record["status"], published_at=format_time(now),
        closed_at=format_time(record["closed_at"]), comments=len(comments),
        hidden=sum(1 for c in comments if c["hidden"]), **domain.decision_counts(comments)))
    return record


# --- comments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitComment:
    consultation_id: str
    data: dict[str, Any]
    submitted_by: str | None


def submit_comment(command: SubmitComment, uow: Unit) -> Record:
    now = utcnow()
    data = command.data
    organization_id = data.get("organization_id")
    consultation = uow.consultations.get(command.consultation_id)
    domain.check_may_comment(
        records.status_now(consultation, now), section=data.get("section"),
        sections=consultation["sections"], organization_id=organization_id,
        residents_may_comment=consultation["residents_may_comment"])
    if organization_id is not None:
        known = uow.organizations.by_id([organization_id])
        domain.check_commenting_organization(known.get(organization_id),
                                             consultation["addressees"])
    comment = records.new_comment(command.consultation_id, data, command.submitted_by, now)
    uow.comments.add(comment)
    uow.consultations.count_comment(command.consultation_id)
    uow.emit("consultation.comment_submitted", command.consultation_id,
             records.comment_payload(comment, consultation))
    return comment


@dataclass(frozen=True)
class CommentStep:
    """A moderator's step on a comment: hide (with a reason), mark as spam, or answer (a
    decision with its reason)."""

    consultation_id: str
    comment_id: str
    actor: str
    reason: str | None = None
    decision: str | None = None


def _comment_step(command: CommentStep, uow: Unit,
                  apply: Callable[[Record, Record, datetime], list[Event]]) -> Record:
    consultation = uow.consultations.get(command.consultation_id)

    def step(comment: Record) -> Changed:
        return Changed(comment, apply(consultation, comment, utcnow()))

    return change(uow, uow.comments, command.comment_id, step,
                  consultation_id=command.consultation_id)


def hide_comment(command: CommentStep, uow: Unit) -> Record:
    """Hide an abusive comment, with a reason (it is kept, never deleted)."""
    def hide(consultation: Record, comment: Record, now: datetime) -> list[Event]:
        reason = domain.check_may_hide(comment["hidden"], command.reason,
                                       records.status_now(consultation, now))
        comment.update(hidden=True, hidden_reason=reason, hidden_by=command.actor,
                       hidden_at=now)
        return []

    return _comment_step(command, uow, hide)


def mark_comment_spam(command: CommentStep, uow: Unit) -> Record:
    """Spam: hidden, needing no answer, left out of the report (counted there)."""
    def mark(consultation: Record, comment: Record, now: datetime) -> list[Event]:
        domain.check_may_mark_spam(bool(comment.get("spam")),
                                   records.status_now(consultation, now))
        comment.update(spam=True, hidden=True, hidden_reason=domain.SPAM_REASON,
                       hidden_by=command.actor, hidden_at=now)
        return [Event("consultation.comment_marked_spam",
                      records.spam_payload(comment, consultation),
                      subject=command.consultation_id)]

    return _comment_step(command, uow, mark)


def answer_comment(command: CommentStep, uow: Unit) -> Record:
    """The city's answer after closing: accepted, partly accepted or rejected."""
    def answer(consultation: Record, comment: Record, now: datetime) -> list[Event]:
        decision = domain.check_may_answer(records.status_now(consultation, now),
                                           command.decision or "", command.reason)
        comment["answer"] = {"decision": decision.value, "reason": command.reason,
                             "answered_by": command.actor, "answered_at": now}
        return []

    return _comment_step(command, uow, answer)


# --- councils ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCouncilRequest:
    data: dict[str, Any]
    filed_by: Principal


def file_council_request(command: FileCouncilRequest, uow: Unit) -> Record:
    now = utcnow()
    data, principal = command.data, command.filed_by
    supporters = domain.check_request_supporters(data["supporters"], now, RULES)
    if not principal.is_staff and principal.org_id not in supporters:
        raise Forbidden("Wniosek składa organizacja, która go popiera.")
    deadline = domain.council_creation_deadline(now, RULES)
    record = records.new_council_request(data, supporters, deadline, principal.sub, now)
    domain.check_supporters_verified(supporters, uow.organizations.by_id(supporters))
    uow.council_requests.add(record)
    return record


def flag_late_request(command: Due, uow: Unit) -> int:
    """Raise `council_request.overdue` once for a request past its 2 months (1), else 0."""
    now = command.now

    def flag(record: Record) -> Changed | None:
        if record["late_reported"] or not domain.request_is_late(
                record["deadline"], record["council_id"] is not None, now):
            return None
        record["late_reported"] = True
        return Changed(record, [Event("council_request.overdue",
                                      records.council_request_payload(record, now))])

    return sweep(uow, uow.council_requests, command.record_id, flag)


@dataclass(frozen=True)
class CreateCouncil:
    data: dict[str, Any]


def create_council(command: CreateCouncil, uow: Unit) -> Record:
    data = command.data
    domain.check_council_composition(m["side"] for m in data["members"])
    now = utcnow()
    record = records.new_council(data, domain.council_term_end(data["term_start"], RULES), now)
    if data.get("request_id"):
        def act_on(council_request: Record) -> Changed:
            domain.check_request_not_acted_on(council_request["council_id"])
            council_request["council_id"] = record["_id"]
            return Changed(council_request)

        change(uow, uow.council_requests, data["request_id"], act_on)
    return create(uow, uow.councils, record, "council.created", records.council_payload(record))


@dataclass(frozen=True)
class AppointMember:
    council_id: str
    data: dict[str, Any]


def appoint_member(command: AppointMember, uow: Unit) -> Record:
    def appoint(council: Record) -> Changed:
        now = utcnow()
        member = records.new_member(command.data, now)
        domain.check_council_composition(
            [m["side"] for m in records.active_members(council)] + [member["side"]])
        council["members"].append(member)
        council["updated_at"] = now
        return Changed(council, [Event("council.member_appointed", records.member_event(
            council, member, appointed_at=format_time(now)))])

    return change(uow, uow.councils, command.council_id, appoint)


@dataclass(frozen=True)
class MemberLeaves:
    council_id: str
    member_id: str
    reason: str | None


def member_leaves(command: MemberLeaves, uow: Unit) -> Record:
    def leave(council: Record) -> Changed:
        now = utcnow()
        member = next((m for m in council["members"] if m["_id"] == command.member_id), None)
        if member is None:
            raise NotFound("Nie ma takiego członka rady.")
        domain.check_may_leave(member["left_at"])
        member.update(left_at=now, left_reason=command.reason)
        council["updated_at"] = now
        return Changed(council, [Event("council.member_left", records.member_event(
            council, member, left_at=format_time(now), reason=command.reason))])

    return change(uow, uow.councils, command.council_id, leave)


def schedule_council_meeting(command: RecordStep, uow: Unit) -> Record:
    data = command.body
    domain.check_meeting_times(data["starts_at"], data["ends_at"])
    council = uow.councils.get(command.record_id)
    meeting = records.new_council_meeting(command.record_id, data)
    uow.council_meetings.add(meeting)
    uow.emit("council.meeting_scheduled", command.record_id, records.meeting_payload(
        meeting, council_id=command.record_id, council_name=council["name"],
        agenda=meeting["agenda"]))
    return meeting


def record_minutes(command: ItemStep, uow: Unit) -> Record:
    """A council meeting's minutes: who attended, what was said and resolved (`data`)."""
    council = uow.councils.get(command.parent_id)
    data = command.data or {}

    def minutes(meeting: Record) -> Changed:
        meeting["attendance"] = domain.check_attendance(
            data["attendance"], [m["_id"] for m in council["members"]])
        meeting["minutes"] = data["minutes"]
        meeting["resolutions"] = data["resolutions"]
        return Changed(meeting)

    return change(uow, uow.council_meetings, command.item_id, minutes,
                  council_id=command.parent_id)


def _council_meeting_event(council: Record, meeting: Record, routing_key: str,
                           **extra: Any) -> list[Event]:
    return [Event(routing_key, records.meeting_payload(
        meeting, council_id=council["_id"], council_name=council["name"],
        agenda=meeting["agenda"], **extra), subject=council["_id"])]


def cancel_council_meeting(command: ItemStep, uow: Unit) -> Record:
    """Call a council meeting off; its members are told."""
    council = uow.councils.get(command.parent_id)

    def cancel(meeting: Record) -> Changed:
        now = utcnow()
        domain.check_may_change_meeting(meeting, now)
        meeting.update(cancelled_at=now, cancel_reason=command.reason)
        return Changed(meeting, _council_meeting_event(
            council, meeting, "council.meeting_cancelled", reason=command.reason))

    return change(uow, uow.council_meetings, command.item_id, cancel,
                  council_id=command.parent_id)


def move_council_meeting(command: ItemStep, uow: Unit) -> Record:
    """Move a council meeting; its members are told."""
    council = uow.councils.get(command.parent_id)
    data = command.data or {}

    def move(current: Record) -> Changed:
        now = utcnow()
        domain.check_may_change_meeting(current, now)
        domain.check_new_meeting_time(data["starts_at"], now)
        domain.check_meeting_times(data["starts_at"], data["ends_at"])
        moved = records.moved_meeting(current, data)
        return Changed(moved, _council_meeting_event(
            council, moved, "council.meeting_moved", **records.previous_time(current)))

    return change(uow, uow.council_meetings, command.item_id, move,
                  council_id=command.parent_id)


# --- opinions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestOpinion:
    council_id: str
    data: dict[str, Any]


def request_opinion(command: RequestOpinion, uow: Unit) -> Record:
    now = utcnow()
    uow.councils.get(command.council_id)
    record = records.new_opinion_request(command.council_id, command.data,
                                         domain.opinion_deadline(now, RULES), now)
    uow.opinion_requests.add(record)
    uow.emit("council.opinion_requested", command.council_id, records.opinion_payload(record))
    return record


def issue_opinion(command: ItemStep, uow: Unit) -> Record:
    opinion = (command.data or {})["opinion"]

    def issue(record: Record) -> Changed:
        now = utcnow()
        domain.check_may_issue_opinion(record["status"], record["deadline"], now)
        record.update(status=domain.OpinionStatus.ISSUED.value, opinion=opinion,
                      issued_at=now)
        return Changed(record, [Event("council.opinion_issued", records.opinion_payload(
            record, issued_at=format_time(now), opinion=opinion),
            subject=command.parent_id)])

    return change(uow, uow.opinion_requests, command.item_id, issue,
                  council_id=command.parent_id)


def lapse_opinion(command: Due, uow: Unit) -> int:
    """No opinion within 14 days counts as none: `council.opinion_lapsed` once (1)."""
    now = command.now

    def lapse(record: Record) -> Changed | None:
        if not domain.opinion_has_lapsed(record["status"], record["deadline"], now):
            return None
        record.update(status=domain.OpinionStatus.LAPSED.value, lapsed_at=now)
        return Changed(record, [Event("council.opinion_lapsed", records.opinion_payload(
            record, lapsed_at=format_time(now)), subject=record["council_id"])])

    return sweep(uow, uow.opinion_requests, command.record_id, lapse)
