"""Request and response schemas of the consultations service."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from consultations.domain import ConsultationForm, CouncilKind, Decision, Side
from wspolpraca.fields import Text, Time, record_schema
from wspolpraca.pagination import PageQuery
from wspolpraca.validators import OBJECT_ID, one_of

# --- consultations ------------------------------------------------------------------


class AddresseesSchema(Schema):
    scope = fields.String(required=True, validate=validate.OneOf(["all", "areas"]))
    areas = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                        load_default=list)

    @validates_schema
    def areas_with_scope(self, data, **kwargs):
        if data["scope"] == "areas" and not data.get("areas"):
            raise ValidationError("Podaj obszary, do których kierowane są konsultacje.",
                                  "areas")
        if data["scope"] == "all" and data.get("areas"):
            raise ValidationError("Obszary podaje się tylko przy zakresie „areas”.", "areas")


class ConsultationCreateSchema(Schema):
    title = Text(required=True, min_length=3, max_length=300)
    subject = Text(required=True, min_length=3, max_length=5000)
    act_kind = fields.String(load_default="draft_act",
                             validate=validate.OneOf(["draft_act", "cooperation_programme"]))
    programme_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    draft_text = fields.String(load_default=None, validate=validate.Length(min=1, max=200000))
    attachment_url = fields.Url(load_default=None)
    sections = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           load_default=list, validate=validate.Length(max=200))
    forms = fields.List(fields.String(validate=one_of(ConsultationForm)),
                        load_default=lambda: [ConsultationForm.WRITTEN_COMMENTS.value])
    opens_at = Time(required=True)
    closes_at = Time(required=True)
    addressees = fields.Nested(AddresseesSchema, load_default=lambda: {"scope": "all",
                                                                       "areas": []})
    residents_may_comment = fields.Boolean(load_default=False)

    @validates_schema
    def programme_link(self, data, **kwargs):
        if data["act_kind"] == "cooperation_programme" and not data.get("programme_id"):
            raise ValidationError("Podaj identyfikator programu współpracy.", "programme_id")
        if data["act_kind"] == "draft_act" and data.get("programme_id"):
            raise ValidationError("Identyfikator programu podaje się tylko dla konsultacji "
                                  "programu współpracy.", "programme_id")


class ConsultationUpdateSchema(Schema):
    """What may change before the consultation opens (any of it)."""

    title = Text(min_length=3, max_length=300)
    subject = Text(min_length=3, max_length=5000)
    draft_text = fields.String(allow_none=True, validate=validate.Length(min=1, max=200000))
    attachment_url = fields.Url(allow_none=True)
    sections = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           validate=validate.Length(max=200))
    forms = fields.List(fields.String(validate=one_of(ConsultationForm)))
    opens_at = Time()
    closes_at = Time()
    addressees = fields.Nested(AddresseesSchema)
    residents_may_comment = fields.Boolean()


MeetingSchema = record_schema("MeetingSchema", """
    title starts_at:time ends_at:time place cancelled_at?:time cancel_reason?
""")


class MeetingMoveSchema(Schema):
    """A meeting's new time, and its new place when it changes too."""

    starts_at = Time(required=True)
    ends_at = Time(required=True)
    place = Text(load_default=None, min_length=2, max_length=500)


# `version` is also the record's ETag (`If-Match` on a change: 412 `stale` when it changed)
ConsultationSchema = record_schema("ConsultationSchema", """
    title subject act_kind programme_id? draft_text? attachment_url? sections:strs
    forms:strs opens_at:time closes_at:time addressees:dict residents_may_comment:bool
    status closed_at?:time report_published_at?:time meetings comments:int created_at:time
    updated_at:time version:int
""", meetings=fields.List(fields.Nested(MeetingSchema)))


class ConsultationQuerySchema(PageQuery):
    status = fields.String(validate=validate.OneOf(
        ["planned", "open", "closed", "report_published"]))


class CommentCreateSchema(Schema):
    author = Text(required=True, min_length=2, max_length=300)
    organization_id = fields.String(load_default=None, validate=OBJECT_ID)
    text = Text(required=True, min_length=1, max_length=20000)
    section = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class AnswerSchema(Schema):
    decision = fields.String(required=True, validate=one_of(Decision))
    reason = Text(required=True, min_length=1, max_length=20000)


class AnswerOutSchema(Schema):
    decision = fields.String()
    reason = fields.String()
    answered_at = fields.DateTime()


CommentSchema = record_schema("CommentSchema", """
    consultation_id section? author organization_id? text? submitted_at:time hidden:bool
    hidden_reason? hidden_at?:time spam:bool answer
""", answer=fields.Nested(AnswerOutSchema, allow_none=True))


class ReasonSchema(Schema):
    reason = Text(required=True, min_length=1, max_length=2000)


class ConsultationMeetingCreateSchema(Schema):
    title = Text(load_default=None, min_length=3, max_length=300)
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    place = Text(required=True, min_length=2, max_length=500)


class ReportQuerySchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "html", "pdf"]))


# --- councils -----------------------------------------------------------------------


class MemberCreateSchema(Schema):
    name = Text(required=True, min_length=2, max_length=300)
    side = fields.String(required=True, validate=one_of(Side))
    organization_id = fields.String(load_default=None, validate=OBJECT_ID)
    # how the member is told of meetings and opinion requests (both optional): the user
    # account they log in with (`sub`) and their address
    user_id = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None)

    @validates_schema
    def organisation_for_ngo_side(self, data, **kwargs):
        if data["side"] == Side.CITY.value and data.get("organization_id"):
            raise ValidationError("Członek ze strony miasta nie reprezentuje organizacji.",
                                  "organization_id")


class CouncilCreateSchema(Schema):
    name = Text(required=True, min_length=3, max_length=300)
    kind = fields.String(required=True, validate=one_of(CouncilKind))
    term_start = fields.Date(required=True)
    members = fields.List(fields.Nested(MemberCreateSchema), required=True,
                          validate=validate.Length(max=100))
    request_id = fields.String(load_default=None, validate=OBJECT_ID)


class MemberSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    side = fields.String()
    organization_id = fields.String(allow_none=True)
    # (the member's user_id and email are not shown: the councils are public)
    appointed_at = fields.DateTime()
    left_at = fields.DateTime(allow_none=True)
    left_reason = fields.String(allow_none=True)


class CouncilSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    kind = fields.String()
    term_start = fields.String()  # stored as YYYY-MM-DD
    term_end = fields.String()
    members = fields.List(fields.Nested(MemberSchema))
    ngo_share_ok = fields.Boolean()
    request_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class MemberLeaveSchema(Schema):
    reason = Text(load_default=None, min_length=1, max_length=2000)


class CouncilRequestCreateSchema(Schema):
    kind = fields.String(required=True, validate=one_of(CouncilKind))
    name = Text(required=True, min_length=3, max_length=300)
    supporters = fields.List(fields.String(validate=OBJECT_ID), required=True,
                             validate=validate.Length(max=1000))
    justification = fields.String(load_default=None, validate=validate.Length(max=20000))


CouncilRequestSchema = record_schema("CouncilRequestSchema", """
    kind name supporters:strs justification? received_at:time deadline:time council_id?
    late:bool
""")


class CouncilRequestQuerySchema(PageQuery):
    late = fields.Boolean()


class ResolutionSchema(Schema):
    number = Text(required=True, min_length=1, max_length=50)
    title = Text(required=True, min_length=1, max_length=500)
    text = fields.String(load_default=None, validate=validate.Length(max=50000))


class CouncilMeetingCreateSchema(Schema):
    title = Text(required=True, min_length=3, max_length=300)
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    place = Text(required=True, min_length=2, max_length=500)
    agenda = fields.List(Text(min_length=1, max_length=1000), load_default=list)


class MinutesSchema(Schema):
    attendance = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                             required=True)
    minutes = Text(required=True, min_length=1, max_length=100000)
    resolutions = fields.List(fields.Nested(ResolutionSchema), load_default=list)


# `version` is also the record's ETag (`If-Match` on a change: 412 `stale` when it changed)
CouncilMeetingSchema = record_schema("CouncilMeetingSchema", """
    council_id title starts_at:time ends_at:time place agenda:strs attendance:strs minutes?
    resolutions cancelled_at?:time cancel_reason? version:int
""", resolutions=fields.List(fields.Nested(ResolutionSchema)))


class OpinionRequestCreateSchema(Schema):
    subject = Text(required=True, min_length=3, max_length=500)
    consultation_id = fields.String(load_default=None, validate=OBJECT_ID)
    document_url = fields.Url(load_default=None)


class OpinionSchema(Schema):
    opinion = Text(required=True, min_length=1, max_length=50000)


OpinionRequestSchema = record_schema("OpinionRequestSchema", """
    council_id subject consultation_id? document_url? status requested_at:time deadline:time
    opinion? issued_at?:time lapsed_at?:time
""")
