"""The consultations service: consultations of draft acts and the dialogue councils.

Entry points only translate HTTP into calls of the records/domain functions and one
transaction each; the rules live in `domain.py`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from nameko.timer import timer
from werkzeug.wrappers import Response

from consultations import domain, records, repository
from consultations.report import render_html, render_pdf_off_the_hub
from consultations.repository import (
    COMMENTS,
    CONSULTATIONS,
    COUNCIL_MEETINGS,
    COUNCIL_REQUESTS,
    COUNCILS,
    OPINION_REQUESTS,
    Documents,
)
from consultations.schemas import (
    AnswerSchema,
    CommentCreateSchema,
    CommentSchema,
    ConsultationCreateSchema,
    ConsultationMeetingCreateSchema,
    ConsultationQuerySchema,
    ConsultationSchema,
    CouncilCreateSchema,
    CouncilMeetingCreateSchema,
    CouncilMeetingSchema,
    CouncilRequestCreateSchema,
    CouncilRequestQuerySchema,
    CouncilRequestSchema,
    CouncilSchema,
    MeetingSchema,
    MemberCreateSchema,
    MemberLeaveSchema,
    MinutesSchema,
    OpinionRequestCreateSchema,
    OpinionRequestSchema,
    OpinionSchema,
    ReasonSchema,
    ReportQuerySchema,
)
from wspolpraca.auth import Principal, check_speaks_for
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import Conflict, Forbidden, NotFound
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.organizations import OrganizationDirectoryMixin
from wspolpraca.pagination import Page, PageQuery, paginate
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(__file__).with_name("rules.toml"))
STAFF = ("officer",)  # admin passes every role check
DEADLINE_CHECK_SECONDS = 30


def _is_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.is_staff


def _page(page: Page, view) -> Page:
    return Page([view(item) for item in page.items], page.next_cursor)


class ConsultationsMixin:
    db: Mongo

    # --- reading ----------------------------------------------------------------

    def _visible_consultation(self, request, id: str) -> dict[str, Any]:
        record = self.db[CONSULTATIONS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takich konsultacji.")
        now = utcnow()
        if not _is_staff(request.principal) and \
                records.status_now(record, now) is domain.ConsultationStatus.PLANNED:
            raise NotFound("Nie ma takich konsultacji.")
        return record

    @api("GET", "/api/v1/consultations", query=ConsultationQuerySchema,
         response=ConsultationSchema,
         summary="Consultations (the public sees those already open, closed or reported)")
    def list_consultations(self, request, query):
        now = utcnow()
        found: dict[str, Any] = {}
        status = query.get("status")
        if status == "planned":
            found = {"status": "open", "opens_at": {"$gt": now}}
        elif status == "open":
            found = {"status": "open", "opens_at": {"$lte": now}, "closes_at": {"$gt": now}}
        elif status == "closed":
            found = {"$or": [{"status": "closed"},
                             {"status": "open", "closes_at": {"$lte": now}}]}
        elif status == "report_published":
            found = {"status": "report_published"}
        if not _is_staff(request.principal):
            found = {"$and": [found, {"opens_at": {"$lte": now}}]} if found \
                else {"opens_at": {"$lte": now}}
        page = paginate(self.db[CONSULTATIONS], found, query["limit"], query["cursor"])
        return _page(page, lambda r: records.consultation_view(r, now))

    @api("GET", "/api/v1/consultations/<id>", response=ConsultationSchema,
         summary="One consultation")
    def get_consultation(self, request, id):
        return records.consultation_view(self._visible_consultation(request, id), utcnow())

    @api("GET", "/api/v1/consultations/<id>/comments", query=PageQuery,
         response=CommentSchema,
         summary="Comments of a consultation (hidden ones without their text, except "
                 "for officers)")
    def list_comments(self, request, id, query):
        self._visible_consultation(request, id)
        page = paginate(self.db[COMMENTS], {"consultation_id": id}, query["limit"],
                        query["cursor"])
        if _is_staff(request.principal):
            return page  # the moderators see what they hid
        return _page(page, records.public_comment)  # spam too is listed without its text

    @api("GET", "/api/v1/consultations/<id>/report", query=ReportQuerySchema,
         summary="The consultation report: JSON, HTML or PDF (public once published)")
    def get_report(self, request, id, query):
        consultation = self._visible_consultation(request, id)
        now = utcnow()
        published = records.status_now(consultation, now) is \
            domain.ConsultationStatus.REPORT_PUBLISHED
        if not published and not _is_staff(request.principal):
            raise NotFound("Sprawozdanie z tych konsultacji nie zostało jeszcze opublikowane.",
                           code="report_not_published")
        comments = list(self.db[COMMENTS].find({"consultation_id": id}).sort("_id", 1))
        report = records.report(consultation, comments, now)
        if query["format"] == "html":
            return Response(render_html(report), mimetype="text/html")
        if query["format"] == "pdf":
            return Response(render_pdf_off_the_hub(report), mimetype="application/pdf", headers={
                "Content-Disposition": f'inline; filename="sprawozdanie-{id}.pdf"'})
        return report

    # --- the officer's side -------------------------------------------------------

    @api("POST", "/api/v1/consultations", roles=STAFF, body=ConsultationCreateSchema,
         response=ConsultationSchema, status=201,
         summary="Open a consultation of a draft act or of the cooperation programme")
    def open_consultation(self, request, body):
        now = utcnow()
        domain.check_consultation_period(body["opens_at"], body["closes_at"], now, RULES)
        record = records.new_consultation(body, request.principal.sub, now)

        def work(tx: Transaction):
            Documents(tx, CONSULTATIONS).add(record)
            status = records.status_now(record, now).value
            tx.emit("consultation.opened", record["_id"],
                    records.consultation_payload(record, status))
            return record

        return records.consultation_view(self.db.transaction(work), now)

    @api("POST", "/api/v1/consultations/<id>/close", roles=STAFF,
         response=ConsultationSchema, summary="Close a consultation now")
    def close_consultation(self, request, id):
        def work(tx: Transaction):
            return self._close(tx, id, utcnow(), request.principal.sub)

        return records.consultation_view(self.db.transaction(work), utcnow())

    def _close(self, tx: Transaction, id: str, now: datetime, closed_by: str) -> dict:
        consultations = Documents(tx, CONSULTATIONS)
        record = consultations.get(id)
        domain.check_may_close(domain.ConsultationStatus(record["status"]))
        record.update(status=domain.ConsultationStatus.CLOSED.value, closed_at=now,
                      closed_by=closed_by, updated_at=now)
        consultations.save(record)
        tx.emit("consultation.closed", id,
                records.closed_payload(record, record["comments"], closed_by))
        return record

    @api("POST", "/api/v1/consultations/<id>/meetings", roles=STAFF,
         body=ConsultationMeetingCreateSchema, response=MeetingSchema, status=201,
         summary="Schedule a consultation meeting (it appears in the calendar)")
    def schedule_consultation_meeting(self, request, id, body):
        def work(tx: Transaction):
            consultations = Documents(tx, CONSULTATIONS)
            record = consultations.get(id)
            status = records.status_now(record, utcnow())
            if status not in (domain.ConsultationStatus.PLANNED, domain.ConsultationStatus.OPEN):
                raise Conflict("consultation_closed", "Konsultacje są już zamknięte.")
            domain.check_meeting(record["forms"], body["starts_at"], body["ends_at"],
                                 record["opens_at"], record["closes_at"])
            meeting = records.new_meeting(record, body)
            record["meetings"].append(meeting)
            record["updated_at"] = utcnow()
            consultations.save(record)
            tx.emit("consultation.meeting_scheduled", id, records.meeting_payload(
                meeting, consultation_id=id, consultation_title=record["title"]))
            return meeting

        return self.db.transaction(work)

    # --- comments -----------------------------------------------------------------

    @api("POST", "/api/v1/consultations/<id>/comments", body=CommentCreateSchema,
         response=CommentSchema, status=201, rate_limited=True,
         summary="Comment while the consultation is open (organisations; residents where "
                 "allowed)")
    def submit_comment(self, request, id, body):
        principal: Principal | None = request.principal
        organization_id = body.get("organization_id")
        check_speaks_for(principal, organization_id)

        def work(tx: Transaction):
            now = utcnow()
            consultations = Documents(tx, CONSULTATIONS)
            consultation = consultations.get(id)
            domain.check_may_comment(
                records.status_now(consultation, now), section=body.get("section"),
                sections=consultation["sections"], organization_id=organization_id,
                residents_may_comment=consultation["residents_may_comment"])
            if organization_id is not None:
                known = repository.organizations_by_id(tx, [organization_id])
                domain.check_commenting_organization(known.get(organization_id),
                                                     consultation["addressees"])
            comment = records.new_comment(id, body, principal.sub if principal else None, now)
            Documents(tx, COMMENTS).add(comment)
            # touching the consultation makes a concurrent close conflict and retry
            tx.db[CONSULTATIONS].update_one({"_id": id}, {"$inc": {"comments": 1}},
                                            session=tx.session)
            tx.emit("consultation.comment_submitted", id,
                    records.comment_payload(comment, consultation))
            return comment

        return self.db.transaction(work)

    def _comment_step(self, id: str, comment_id: str, step) -> dict:
        def work(tx: Transaction):
            consultation = Documents(tx, CONSULTATIONS).get(id)
            comments = Documents(tx, COMMENTS)
            comment = comments.get(comment_id, consultation_id=id)
            step(consultation, comment)
            comments.save(comment)
            return comment

        return self.db.transaction(work)

    @api("POST", "/api/v1/consultations/<id>/comments/<comment_id>/hide", roles=STAFF,
         body=ReasonSchema, response=CommentSchema,
         summary="Hide an abusive comment, with a reason (it is kept, never deleted)")
    def hide_comment(self, request, id, comment_id, body):
        def step(consultation, comment):
            reason = domain.check_may_hide(comment["hidden"], body["reason"],
                                           records.status_now(consultation, utcnow()))
            comment.update(hidden=True, hidden_reason=reason, hidden_by=request.principal.sub,
                           hidden_at=utcnow())

        return self._comment_step(id, comment_id, step)

    @api("POST", "/api/v1/consultations/<id>/comments/<comment_id>/spam", roles=STAFF,
         response=CommentSchema,
         summary="Mark a comment as spam, in one action: hidden, needing no answer, left out "
                 "of the report (counted there); `consultation.comment_marked_spam`")
    def mark_comment_spam(self, request, id, comment_id):
        def work(tx: Transaction):
            now = utcnow()
            consultation = Documents(tx, CONSULTATIONS).get(id)
            comments = Documents(tx, COMMENTS)
            comment = comments.get(comment_id, consultation_id=id)
            domain.check_may_mark_spam(bool(comment.get("spam")),
                                       records.status_now(consultation, now))
            comment.update(spam=True, hidden=True, hidden_reason=domain.SPAM_REASON,
                           hidden_by=request.principal.sub, hidden_at=now)
            comments.save(comment)
            tx.emit("consultation.comment_marked_spam", id,
                    records.spam_payload(comment, consultation))
            return comment

        return self.db.transaction(work)

    @api("POST", "/api/v1/consultations/<id>/comments/<comment_id>/answer", roles=STAFF,
         body=AnswerSchema, response=CommentSchema,
         summary="Answer a comment after closing: accepted, partly accepted or rejected")
    def answer_comment(self, request, id, comment_id, body):
        def step(consultation, comment):
            status = records.status_now(consultation, utcnow())
            decision = domain.check_may_answer(status, body["decision"], body["reason"])
            comment["answer"] = {"decision": decision.value, "reason": body["reason"],
                                 "answered_by": request.principal.sub,
                                 "answered_at": utcnow()}

        return self._comment_step(id, comment_id, step)

    @api("POST", "/api/v1/consultations/<id>/report/publish", roles=STAFF,
         response=ConsultationSchema,
         summary="Publish the report (only once every comment is answered)")
    def publish_report(self, request, id):
        def work(tx: Transaction):
            now = utcnow()
            consultations = Documents(tx, CONSULTATIONS)
            record = consultations.get(id)
            comments = Documents(tx, COMMENTS).find({"consultation_id": id})
            status = records.status_now(record, now)
            domain.check_may_publish_report(status, comments)
            if record["status"] == domain.ConsultationStatus.OPEN.value:
                # closed by the clock before the timer ran: record the closing first
                record = self._close(tx, id, record["closes_at"], "timer")
            record.update(status=domain.ConsultationStatus.REPORT_PUBLISHED.value,
                          report_published_at=now, updated_at=now)
            consultations.save(record)
            counts = domain.decision_counts(comments)
            tx.emit("consultation.report_published", id, records.consultation_payload(
                record, record["status"], published_at=format_time(now),
                closed_at=format_time(record["closed_at"]), comments=len(comments),
                hidden=sum(1 for c in comments if c["hidden"]), **counts))
            return record

        return records.consultation_view(self.db.transaction(work), utcnow())

    # --- the closing timer ----------------------------------------------------------

    @timer(interval=DEADLINE_CHECK_SECONDS)
    def close_due_consultations(self) -> int:
        """Close every consultation whose closing time has come (`consultation.closed`)."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.close_due(utcnow())

    def close_due(self, now: datetime) -> int:
        closed = 0
        for consultation_id in repository.due_consultation_ids(self.db, now):
            def work(tx: Transaction, consultation_id=consultation_id):
                record = Documents(tx, CONSULTATIONS).get(consultation_id)
                if record["status"] != domain.ConsultationStatus.OPEN.value or \
                        record["closes_at"] > now:
                    return 0
                self._close(tx, consultation_id, record["closes_at"], "timer")
                return 1

            closed += self.db.transaction(work)
        return closed


class CouncilsMixin:
    db: Mongo

    # --- requests to create a council ---------------------------------------------

    @api("POST", "/api/v1/councils/requests", roles=("ngo", "officer"),
         body=CouncilRequestCreateSchema, response=CouncilRequestSchema, status=201,
         summary="Request a council (at least 5 organisations support it)")
    def file_council_request(self, request, body):
        now = utcnow()
        supporters = domain.check_request_supporters(body["supporters"], now, RULES)
        principal: Principal = request.principal
        if not principal.is_staff and principal.org_id not in supporters:
            raise Forbidden("Wniosek składa organizacja, która go popiera.")
        deadline = domain.council_creation_deadline(now, RULES)
        record = records.new_council_request(body, supporters, deadline, principal.sub, now)

        def work(tx: Transaction):
            domain.check_supporters_verified(
                supporters, repository.organizations_by_id(tx, supporters))
            Documents(tx, COUNCIL_REQUESTS).add(record)
            return record

        return records.council_request_view(self.db.transaction(work), now)

    @api("GET", "/api/v1/councils/requests", roles=STAFF, query=CouncilRequestQuerySchema,
         response=CouncilRequestSchema,
         summary="Requests to create a council; ?late=true: those past the 2 months")
    def list_council_requests(self, request, query):
        now = utcnow()
        found: dict[str, Any] = {}
        if query.get("late") is True:
            found = {"council_id": None, "deadline": {"$lt": now}}
        elif query.get("late") is False:
            found = {"$or": [{"council_id": {"$ne": None}}, {"deadline": {"$gte": now}}]}
        page = paginate(self.db[COUNCIL_REQUESTS], found, query["limit"], query["cursor"])
        return _page(page, lambda r: records.council_request_view(r, now))

    @timer(interval=DEADLINE_CHECK_SECONDS)
    def report_late_council_requests(self) -> int:
        """Raise `council_request.overdue` once for each request past its 2 months."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.flag_late_requests(utcnow())

    def flag_late_requests(self, now: datetime) -> int:
        flagged = 0
        for request_id in repository.late_request_ids(self.db, now):
            def work(tx: Transaction, request_id=request_id):
                requests = Documents(tx, COUNCIL_REQUESTS)
                record = requests.get(request_id)
                if record["late_reported"] or not domain.request_is_late(
                        record["deadline"], record["council_id"] is not None, now):
                    return 0
                record["late_reported"] = True
                requests.save(record)
                tx.emit("council_request.overdue", request_id,
                        records.council_request_payload(record, now))
                return 1

            flagged += self.db.transaction(work)
        return flagged

    # --- councils ---------------------------------------------------------------

    @api("POST", "/api/v1/councils", roles=STAFF, body=CouncilCreateSchema,
         response=CouncilSchema, status=201,
         summary="Create a council (at least half its members from NGOs)")
    def create_council(self, request, body):
        domain.check_council_composition(m["side"] for m in body["members"])
        now = utcnow()
        term_end = domain.council_term_end(body["term_start"], RULES)
        record = records.new_council(body, term_end, now)

        def work(tx: Transaction):
            if body.get("request_id"):
                requests = Documents(tx, COUNCIL_REQUESTS)
                council_request = requests.get(body["request_id"])
                if council_request["council_id"] is not None:
                    raise Conflict("request_already_acted_on",
                                   "Na podstawie tego wniosku już utworzono radę.",
                                   field="request_id")
                council_request["council_id"] = record["_id"]
                requests.save(council_request)
            Documents(tx, COUNCILS).add(record)
            tx.emit("council.created", record["_id"], records.council_payload(record))
            return record

        return records.council_view(self.db.transaction(work))

    @api("GET", "/api/v1/councils", query=PageQuery,
         response=CouncilSchema, summary="Councils and commissions (public)")
    def list_councils(self, request, query):
        page = paginate(self.db[COUNCILS], {}, query["limit"], query["cursor"])
        return _page(page, records.council_view)

    @api("GET", "/api/v1/councils/<id>", response=CouncilSchema, summary="One council")
    def get_council(self, request, id):
        record = self.db[COUNCILS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej rady.")
        return records.council_view(record)

    @api("POST", "/api/v1/councils/<id>/members", roles=STAFF, body=MemberCreateSchema,
         response=CouncilSchema, status=201,
         summary="Appoint a member (the council keeps at least half from NGOs)")
    def appoint_member(self, request, id, body):
        def work(tx: Transaction):
            now = utcnow()
            councils = Documents(tx, COUNCILS)
            council = councils.get(id)
            member = records.new_member(body, now)
            sides = [m["side"] for m in records.active_members(council)] + [member["side"]]
            domain.check_council_composition(sides)
            council["members"].append(member)
            council["updated_at"] = now
            councils.save(council)
            tx.emit("council.member_appointed", id, records.member_event(
                council, member, appointed_at=format_time(now)))
            return council

        return records.council_view(self.db.transaction(work))

    @api("POST", "/api/v1/councils/<id>/members/<member_id>/leave", roles=STAFF,
         body=MemberLeaveSchema, response=CouncilSchema,
         summary="Record that a member left the council")
    def member_leaves(self, request, id, member_id, body):
        def work(tx: Transaction):
            now = utcnow()
            councils = Documents(tx, COUNCILS)
            council = councils.get(id)
            member = next((m for m in council["members"] if m["_id"] == member_id), None)
            if member is None:
                raise NotFound("Nie ma takiego członka rady.")
            domain.check_may_leave(member["left_at"])
            member.update(left_at=now, left_reason=body.get("reason"))
            council["updated_at"] = now
            councils.save(council)
            tx.emit("council.member_left", id, records.member_event(
                council, member, left_at=format_time(now), reason=body.get("reason")))
            return council

        return records.council_view(self.db.transaction(work))

    # --- meetings -----------------------------------------------------------------

    @api("POST", "/api/v1/councils/<id>/meetings", roles=STAFF,
         body=CouncilMeetingCreateSchema, response=CouncilMeetingSchema, status=201,
         summary="Schedule a council meeting with its agenda (it appears in the calendar)")
    def schedule_council_meeting(self, request, id, body):
        domain.check_meeting_times(body["starts_at"], body["ends_at"])

        def work(tx: Transaction):
            council = Documents(tx, COUNCILS).get(id)
            meeting = records.new_council_meeting(id, body)
            Documents(tx, COUNCIL_MEETINGS).add(meeting)
            tx.emit("council.meeting_scheduled", id, records.meeting_payload(
                meeting, council_id=id, council_name=council["name"],
                agenda=meeting["agenda"]))
            return meeting

        return self.db.transaction(work)

    @api("GET", "/api/v1/councils/<id>/meetings", query=PageQuery,
         response=CouncilMeetingSchema, summary="A council's meetings (public)")
    def list_council_meetings(self, request, id, query):
        return paginate(self.db[COUNCIL_MEETINGS], {"council_id": id}, query["limit"],
                        query["cursor"])

    @api("POST", "/api/v1/councils/<id>/meetings/<meeting_id>/minutes", roles=STAFF,
         body=MinutesSchema, response=CouncilMeetingSchema,
         summary="Record attendance, minutes and resolutions of a meeting")
    def record_minutes(self, request, id, meeting_id, body):
        def work(tx: Transaction):
            council = Documents(tx, COUNCILS).get(id)
            meetings = Documents(tx, COUNCIL_MEETINGS)
            meeting = meetings.get(meeting_id, council_id=id)
            meeting["attendance"] = domain.check_attendance(
                body["attendance"], [m["_id"] for m in council["members"]])
            meeting["minutes"] = body["minutes"]
            meeting["resolutions"] = body["resolutions"]
            meetings.save(meeting)
            return meeting

        return self.db.transaction(work)

    # --- opinions -----------------------------------------------------------------

    @api("POST", "/api/v1/councils/<id>/opinion-requests", roles=STAFF,
         body=OpinionRequestCreateSchema, response=OpinionRequestSchema, status=201,
         summary="Ask the council for an opinion (due within 14 days)")
    def request_opinion(self, request, id, body):
        def work(tx: Transaction):
            now = utcnow()
            Documents(tx, COUNCILS).get(id)
            record = records.new_opinion_request(id, body, domain.opinion_deadline(now, RULES),
                                                 now)
            Documents(tx, OPINION_REQUESTS).add(record)
            tx.emit("council.opinion_requested", id, records.opinion_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/councils/<id>/opinion-requests",
         query=PageQuery, response=OpinionRequestSchema,
         summary="Requests for the council's opinion and the opinions (public)")
    def list_opinion_requests(self, request, id, query):
        return paginate(self.db[OPINION_REQUESTS], {"council_id": id}, query["limit"],
                        query["cursor"])

    @api("POST", "/api/v1/councils/<id>/opinion-requests/<request_id>/opinion", roles=STAFF,
         body=OpinionSchema, response=OpinionRequestSchema,
         summary="Record the council's opinion (up to its deadline)")
    def issue_opinion(self, request, id, request_id, body):
        def work(tx: Transaction):
            now = utcnow()
            requests = Documents(tx, OPINION_REQUESTS)
            record = requests.get(request_id, council_id=id)
            domain.check_may_issue_opinion(record["status"], record["deadline"], now)
            record.update(status=domain.OpinionStatus.ISSUED.value, opinion=body["opinion"],
                          issued_at=now)
            requests.save(record)
            tx.emit("council.opinion_issued", id, records.opinion_payload(
                record, issued_at=format_time(now), opinion=body["opinion"]))
            return record

        return self.db.transaction(work)

    @timer(interval=DEADLINE_CHECK_SECONDS)
    def lapse_overdue_opinions(self) -> int:
        """No opinion within 14 days counts as none: `council.opinion_lapsed`."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.lapse_opinions(utcnow())

    def lapse_opinions(self, now: datetime) -> int:
        lapsed = 0
        for request_id in repository.lapsed_opinion_ids(self.db, now):
            def work(tx: Transaction, request_id=request_id):
                requests = Documents(tx, OPINION_REQUESTS)
                record = requests.get(request_id)
                if not domain.opinion_has_lapsed(record["status"], record["deadline"], now):
                    return 0
                record.update(status=domain.OpinionStatus.LAPSED.value, lapsed_at=now)
                requests.save(record)
                tx.emit("council.opinion_lapsed", record["council_id"],
                        records.opinion_payload(record, lapsed_at=format_time(now)))
                return 1

            lapsed += self.db.transaction(work)
        return lapsed


class ConsultationsService(ConsultationsMixin, CouncilsMixin, OrganizationDirectoryMixin):
    name = "consultations"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    log_context = WorkerLogContext()
