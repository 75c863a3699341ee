"""The consultations service: consultations of draft acts and the dialogue councils.

Entry points only route, parse (the schemas), check the role and make one call: a command
handler of `handlers.py` in one transaction, or a query function of `queries.py`. The
rules live in `domain.py`.
"""

from __future__ import annotations

from datetime import datetime

from consultations import handlers, queries, records, repository
from consultations.report import in_format
from consultations.schemas import (
    AnswerSchema,
    CommentCreateSchema,
    CommentSchema,
    ConsultationCreateSchema,
    ConsultationMeetingCreateSchema,
    ConsultationQuerySchema,
    ConsultationSchema,
    ConsultationUpdateSchema,
    CouncilCreateSchema,
    CouncilMeetingCreateSchema,
    CouncilMeetingSchema,
    CouncilRequestCreateSchema,
    CouncilRequestQuerySchema,
    CouncilRequestSchema,
    CouncilSchema,
    MeetingMoveSchema,
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
from wspolpraca.envelope import utcnow
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo
from wspolpraca.organizations import OrganizationDirectoryMixin
from wspolpraca.pagination import PageQuery
from wspolpraca.service_layer import Due, HandlesCommands, RecordStep, Submit
from wspolpraca.timers import scheduled

STAFF = ("officer",)  # admin passes every role check
DEADLINE_CHECK_SECONDS = 30


class _Entry(HandlesCommands):
    db: Mongo
    unit = handlers.Unit


class ConsultationsMixin(_Entry):
    # --- reading ----------------------------------------------------------------

    @api("GET", "/api/v1/consultations", query=ConsultationQuerySchema,
         response=ConsultationSchema,
         summary="Consultations (the public sees those already open, closed or reported)")
    def list_consultations(self, request, query):
        return queries.consultations_page(self.db, request.principal, query.get("status"),
                                          query["limit"], query["cursor"])

    @api("GET", "/api/v1/consultations/<id>", response=ConsultationSchema,
         summary="One consultation")
    def get_consultation(self, request, id):
        return records.consultation_view(
            queries.visible_consultation(self.db, request.principal, id), utcnow())

    @api("GET", "/api/v1/consultations/<id>/comments", query=PageQuery,
         response=CommentSchema,
         summary="Comments of a consultation (hidden ones without their text, except "
                 "for officers)")
    def list_comments(self, request, id, query):
        return queries.comments_page(self.db, request.principal, id, query["limit"],
                                     query["cursor"])

    @api("GET", "/api/v1/consultations/<id>/report", query=ReportQuerySchema,
         summary="The consultation report: JSON, HTML or PDF (public once published)")
    def get_report(self, request, id, query):
        return in_format(queries.report(self.db, request.principal, id), query["format"], id)

    # --- the officer's side -------------------------------------------------------

    @api("POST", "/api/v1/consultations", roles=STAFF, body=ConsultationCreateSchema,
         response=ConsultationSchema, status=201,
         summary="Open a consultation of a draft act or of the cooperation programme")
    def open_consultation(self, request, body):
        record = self.handle(handlers.open_consultation,
                             Submit(request.principal, body))
        return records.consultation_view(record, utcnow())

    @api("PATCH", "/api/v1/consultations/<id>", roles=STAFF, body=ConsultationUpdateSchema,
         response=ConsultationSchema,
         summary="Change a consultation before it opens (409 once it opened); "
                 "`consultation.updated`")
    def edit_consultation(self, request, id, body):
        record = self.handle(handlers.edit_consultation, handlers.EditConsultation(id, body))
        return records.consultation_view(record, utcnow())

    @api("POST", "/api/v1/consultations/<id>/close", roles=STAFF,
         response=ConsultationSchema, summary="Close a consultation now")
    def close_consultation(self, request, id):
        record = self.handle(handlers.close_consultation,
                             handlers.CloseConsultation(id, request.principal.sub))
        return records.consultation_view(record, utcnow())

    @api("POST", "/api/v1/consultations/<id>/meetings", roles=STAFF,
         body=ConsultationMeetingCreateSchema, response=MeetingSchema, status=201,
         summary="Schedule a consultation meeting (it appears in the calendar)")
    def schedule_consultation_meeting(self, request, id, body):
        return self.handle(handlers.schedule_consultation_meeting,
                           RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/consultations/<id>/meetings/<meeting_id>/cancel", roles=STAFF,
         body=ReasonSchema, response=MeetingSchema,
         summary="Call a consultation meeting off, with a reason (everyone following the "
                 "consultation is told; the calendar drops it)")
    def cancel_consultation_meeting(self, request, id, meeting_id, body):
        return self.handle(handlers.cancel_consultation_meeting,
                           handlers.ItemStep(id, meeting_id, reason=body["reason"]))

    @api("POST", "/api/v1/consultations/<id>/meetings/<meeting_id>/move", roles=STAFF,
         body=MeetingMoveSchema, response=MeetingSchema,
         summary="Move a consultation meeting to another time (and place); everyone "
                 "following the consultation is told, the calendar shows the new time")
    def move_consultation_meeting(self, request, id, meeting_id, body):
        return self.handle(handlers.move_consultation_meeting,
                           handlers.ItemStep(id, meeting_id, data=body))

    # --- comments -----------------------------------------------------------------

    @api("POST", "/api/v1/consultations/<id>/comments", body=CommentCreateSchema,
         response=CommentSchema, status=201, rate_limited=True,
         summary="Comment while the consultation is open (organisations; residents where "
                 "allowed)")
    def submit_comment(self, request, id, body):
        principal: Principal | None = request.principal
        check_speaks_for(principal, body.get("organization_id"))
        return self.handle(handlers.submit_comment, handlers.SubmitComment(
            id, body, principal.sub if principal else None))

    @api("POST", "/api/v1/consultations/<id>/comments/<comment_id>/hide", roles=STAFF,
         body=ReasonSchema, response=CommentSchema,
         summary="Hide an abusive comment, with a reason (it is kept, never deleted)")
    def hide_comment(self, request, id, comment_id, body):
        return self.handle(handlers.hide_comment, handlers.CommentStep(
            id, comment_id, request.principal.sub, reason=body["reason"]))

    @api("POST", "/api/v1/consultations/<id>/comments/<comment_id>/spam", roles=STAFF,
         response=CommentSchema,
         summary="Mark a comment as spam, in one action: hidden, needing no answer, left out "
                 "of the report (counted there); `consultation.comment_marked_spam`")
    def mark_comment_spam(self, request, id, comment_id):
        return self.handle(handlers.mark_comment_spam, handlers.CommentStep(
            id, comment_id, request.principal.sub))

    @api("POST", "/api/v1/consultations/<id>/comments/<comment_id>/answer", roles=STAFF,
         body=AnswerSchema, response=CommentSchema,
         summary="Answer a comment after closing: accepted, partly accepted or rejected")
    def answer_comment(self, request, id, comment_id, body):
        return self.handle(handlers.answer_comment, handlers.CommentStep(
            id, comment_id, request.principal.sub, body["reason"], body["decision"]))

    @api("POST", "/api/v1/consultations/<id>/report/publish", roles=STAFF,
         response=ConsultationSchema,
         summary="Publish the report (only once every comment is answered)")
    def publish_report(self, request, id):
        record = self.handle(handlers.publish_report, handlers.PublishReport(id))
        return records.consultation_view(record, utcnow())

    # --- the closing timer ----------------------------------------------------------

    @scheduled(DEADLINE_CHECK_SECONDS)
    def close_due_consultations(self) -> int:
        """Close every consultation whose closing time has come (`consultation.closed`)."""
        return self.close_due(utcnow())

    def close_due(self, now: datetime) -> int:
        return sum(self.handle(handlers.close_due, Due(consultation_id, now))
                   for consultation_id in repository.due_consultation_ids(self.db, now))


class CouncilsMixin(_Entry):
    # --- requests to create a council ---------------------------------------------

    @api("POST", "/api/v1/councils/requests", roles=("ngo", "officer"),
         body=CouncilRequestCreateSchema, response=CouncilRequestSchema, status=201,
         summary="Request a council (at least 5 organisations support it)")
    def file_council_request(self, request, body):
        record = self.handle(handlers.file_council_request,
                             handlers.FileCouncilRequest(body, request.principal))
        return records.council_request_view(record, utcnow())

    @api("GET", "/api/v1/councils/requests", roles=STAFF, query=CouncilRequestQuerySchema,
         response=CouncilRequestSchema,
         summary="Requests to create a council; ?late=true: those past the 2 months")
    def list_council_requests(self, request, query):
        return queries.council_requests_page(self.db, query.get("late"), query["limit"],
                                             query["cursor"])

    @scheduled(DEADLINE_CHECK_SECONDS)
    def report_late_council_requests(self) -> int:
        """Raise `council_request.overdue` once for each request past its 2 months."""
        return self.flag_late_requests(utcnow())

    def flag_late_requests(self, now: datetime) -> int:
        return sum(self.handle(handlers.flag_late_request, Due(id, now))
                   for id in repository.late_request_ids(self.db, now))

    # --- councils ---------------------------------------------------------------

    @api("POST", "/api/v1/councils", roles=STAFF, body=CouncilCreateSchema,
         response=CouncilSchema, status=201,
         summary="Create a council (at least half its members from NGOs)")
    def create_council(self, request, body):
        return records.council_view(self.handle(handlers.create_council,
                                                handlers.CreateCouncil(body)))

    @api("GET", "/api/v1/councils", query=PageQuery,
         response=CouncilSchema, summary="Councils and commissions (public)")
    def list_councils(self, request, query):
        return queries.councils_page(self.db, query["limit"], query["cursor"])

    @api("GET", "/api/v1/councils/<id>", response=CouncilSchema, summary="One council")
    def get_council(self, request, id):
        return queries.council(self.db, id)

    @api("POST", "/api/v1/councils/<id>/members", roles=STAFF, body=MemberCreateSchema,
         response=CouncilSchema, status=201,
         summary="Appoint a member (the council keeps at least half from NGOs)")
    def appoint_member(self, request, id, body):
        return records.council_view(self.handle(handlers.appoint_member,
                                                handlers.AppointMember(id, body)))

    @api("POST", "/api/v1/councils/<id>/members/<member_id>/leave", roles=STAFF,
         body=MemberLeaveSchema, response=CouncilSchema,
         summary="Record that a member left the council")
    def member_leaves(self, request, id, member_id, body):
        return records.council_view(self.handle(handlers.member_leaves, handlers.MemberLeaves(
            id, member_id, body.get("reason"))))

    # --- meetings -----------------------------------------------------------------

    @api("POST", "/api/v1/councils/<id>/meetings", roles=STAFF,
         body=CouncilMeetingCreateSchema, response=CouncilMeetingSchema, status=201,
         summary="Schedule a council meeting with its agenda (it appears in the calendar)")
    def schedule_council_meeting(self, request, id, body):
        return self.handle(handlers.schedule_council_meeting,
                           RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/councils/<id>/meetings/<meeting_id>/cancel", roles=STAFF,
         if_match="meeting_id", if_match_collection=repository.COUNCIL_MEETINGS,
         body=ReasonSchema, response=CouncilMeetingSchema,
         summary="Call a council meeting off, with a reason (the members are told; the "
                 "calendar drops it)")
    def cancel_council_meeting(self, request, id, meeting_id, body):
        return self.handle(handlers.cancel_council_meeting,
                           handlers.ItemStep(id, meeting_id, reason=body["reason"]))

    @api("POST", "/api/v1/councils/<id>/meetings/<meeting_id>/move", roles=STAFF,
         if_match="meeting_id", if_match_collection=repository.COUNCIL_MEETINGS,
         body=MeetingMoveSchema, response=CouncilMeetingSchema,
         summary="Move a council meeting to another time (and place); the members are told")
    def move_council_meeting(self, request, id, meeting_id, body):
        return self.handle(handlers.move_council_meeting,
                           handlers.ItemStep(id, meeting_id, data=body))

    @api("GET", "/api/v1/councils/<id>/meetings", query=PageQuery,
         response=CouncilMeetingSchema, summary="A council's meetings (public)")
    def list_council_meetings(self, request, id, query):
        return queries.council_meetings_page(self.db, id, query["limit"], query["cursor"])

    @api("GET", "/api/v1/councils/<id>/meetings/<meeting_id>",
         response=CouncilMeetingSchema,
         summary="One council meeting (public), with its version as ETag")
    def get_council_meeting(self, request, id, meeting_id):
        return queries.council_meeting(self.db, id, meeting_id)

    @api("POST", "/api/v1/councils/<id>/meetings/<meeting_id>/minutes", roles=STAFF,
         if_match="meeting_id", if_match_collection=repository.COUNCIL_MEETINGS,
         body=MinutesSchema, response=CouncilMeetingSchema,
         summary="Record attendance, minutes and resolutions of a meeting")
    def record_minutes(self, request, id, meeting_id, body):
        return self.handle(handlers.record_minutes,
                           handlers.ItemStep(id, meeting_id, data=body))

    # --- opinions -----------------------------------------------------------------

    @api("POST", "/api/v1/councils/<id>/opinion-requests", roles=STAFF,
         body=OpinionRequestCreateSchema, response=OpinionRequestSchema, status=201,
         summary="Ask the council for an opinion (due within 14 days)")
    def request_opinion(self, request, id, body):
        return self.handle(handlers.request_opinion, handlers.RequestOpinion(id, body))

    @api("GET", "/api/v1/councils/<id>/opinion-requests",
         query=PageQuery, response=OpinionRequestSchema,
         summary="Requests for the council's opinion and the opinions (public)")
    def list_opinion_requests(self, request, id, query):
        return queries.opinion_requests_page(self.db, id, query["limit"], query["cursor"])

    @api("POST", "/api/v1/councils/<id>/opinion-requests/<request_id>/opinion", roles=STAFF,
         body=OpinionSchema, response=OpinionRequestSchema,
         summary="Record the council's opinion (up to its deadline)")
    def issue_opinion(self, request, id, request_id, body):
        return self.handle(handlers.issue_opinion,
                           handlers.ItemStep(id, request_id, data=body))

    @scheduled(DEADLINE_CHECK_SECONDS)
    def lapse_overdue_opinions(self) -> int:
        """No opinion within 14 days counts as none: `council.opinion_lapsed`."""
        return self.lapse_opinions(utcnow())

    def lapse_opinions(self, now: datetime) -> int:
        return sum(self.handle(handlers.lapse_opinion, Due(id, now))
                   for id in repository.lapsed_opinion_ids(self.db, now))


class ConsultationsService(ConsultationsMixin, CouncilsMixin, OrganizationDirectoryMixin):
    name = "consultations"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    log_context = WorkerLogContext()
