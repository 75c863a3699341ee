"""Request and response schemas of the grants service."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from grants.domain import CompetitionStatus, MemberKind, Mode, OfferStatus
from grants.records import department_of
from wspolpraca.departments import DEPARTMENT_CODE
from wspolpraca.fields import ExactDecimal, Money, Text, record_schema
from wspolpraca.measures import INDICATORS
from wspolpraca.pagination import PageQuery
from wspolpraca.validators import KNOWN_AREA, OBJECT_ID, one_of

DEPARTMENT = validate.Regexp(DEPARTMENT_CODE, error="Niepoprawny kod wydziału.")


def Area() -> fields.String:  # noqa: N802 - reads as a field type
    return fields.String(required=True, validate=KNOWN_AREA)


def ObjectIdField(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=OBJECT_ID, **kwargs)


def Percent(**kwargs) -> ExactDecimal:  # noqa: N802
    return ExactDecimal(100, **kwargs)


# --- programmes ---------------------------------------------------------------------------


class FundSchema(Schema):
    area = Area()
    amount = Money(required=True)


class PriorityTaskSchema(Schema):
    area = Area()
    task = Text(required=True, max_length=1000)


class ResolutionSchema(Schema):
    """The council's resolution adopting the programme (its number and date)."""
    number = Text(required=True, max_length=100)
    date = fields.Date(required=True)


class ResolutionViewSchema(Schema):
    number = fields.String()
    date = fields.String(metadata={"format": "date"})


class MeasureSchema(Schema):
    """How the programme's execution is assessed (art. 5a ust. 4): a measure with its unit
    and target value, in one area or for the whole city; `indicator` names what the
    platform counts for it (wspolpraca.measures), none when it is counted elsewhere."""
    name = Text(required=True, min_length=3, max_length=300)
    unit = Text(required=True, max_length=30)
    target = ExactDecimal(maximum=10**12, required=True, as_string=True)
    area = fields.String(load_default=None, allow_none=True, validate=KNOWN_AREA)
    indicator = fields.String(
        load_default=None, allow_none=True,
        validate=validate.OneOf(sorted(INDICATORS), error="Nieznany wskaźnik: {input}."))


class ProgrammeCreateSchema(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2011, 2100))
    title = Text(required=True, min_length=3, max_length=300)
    goals = fields.List(Text(max_length=2000), load_default=list)
    priority_tasks = fields.List(fields.Nested(PriorityTaskSchema), load_default=list)
    funds = fields.List(fields.Nested(FundSchema), required=True)
    resolution = fields.Nested(ResolutionSchema, load_default=None, allow_none=True)
    measures = fields.List(fields.Nested(MeasureSchema), load_default=list,
                           validate=validate.Length(max=100))


class ProgrammeUpdateSchema(Schema):
    """A draft programme edited: the fields given replace the programme's (the year stays)."""

    title = Text(min_length=3, max_length=300)
    goals = fields.List(Text(max_length=2000))
    priority_tasks = fields.List(fields.Nested(PriorityTaskSchema))
    funds = fields.List(fields.Nested(FundSchema))
    resolution = fields.Nested(ResolutionSchema, allow_none=True)
    measures = fields.List(fields.Nested(MeasureSchema), validate=validate.Length(max=100))

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Podaj co najmniej jedno pole do zmiany.", field_name="title")


class FundViewSchema(Schema):
    area = fields.String()
    amount = Money()
    committed = Money()
    remaining = Money()


# `version` is also the record's ETag (`If-Match` on a change: 412 `stale` when it changed)
ProgrammeSchema = record_schema("ProgrammeSchema", """
    year:int title goals:strs priority_tasks funds resolution measures total_funds:money
    status adoption_deadline:date warnings:strs adopted_at?:time created_at:time
    updated_at:time version:int
""",
    priority_tasks=fields.List(fields.Nested(PriorityTaskSchema)),
    funds=fields.List(fields.Nested(FundViewSchema)),
    resolution=fields.Nested(ResolutionViewSchema, allow_none=True),
    measures=fields.List(fields.Nested(MeasureSchema)))


class ProgrammeQuerySchema(PageQuery):
    year = fields.Integer(validate=validate.Range(2011, 2100))


# --- competitions -------------------------------------------------------------------------


class CriterionSchema(Schema):
    name = Text(required=True, max_length=300)
    max_points = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))


class CompetitionCreateSchema(Schema):
    title = Text(required=True, min_length=3, max_length=300)
    area = Area()
    mode = fields.String(required=True, validate=one_of(Mode))
    budget = Money(required=True)
    submission_deadline = fields.AwareDateTime(required=True)
    task_start = fields.Date(required=True)
    task_end = fields.Date(required=True)
    min_own_contribution_pct = Percent(required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True,
                           validate=validate.Length(min=1, max=30))
    # what the announcement states (art. 13 ust. 2)
    task_description = Text(load_default=None, max_length=20000)
    award_rules = Text(load_default=None, max_length=20000)
    delivery_conditions = Text(load_default=None, max_length=20000)
    selection_deadline = fields.Date(load_default=None)
    funds_spent_this_year = Money(load_default=None)
    funds_spent_last_year = Money(load_default=None)
    # the department that runs it: a department's own code when it drafts; an officer names
    # one (none named: the liaison office itself, `liaison_office`, runs it)
    department = fields.String(load_default=None, validate=DEPARTMENT)
    # drafted and announced at once: a refused announcement (art. 13 ust. 1) leaves no draft
    announce = fields.Boolean(load_default=False)


class AnnouncementTermsSchema(Schema):
    """What an announcement published now must respect (art. 13 ust. 1)."""
    min_submission_days = fields.Integer()
    earliest_submission_deadline = fields.Date(
        metadata={"description": "The first day (the city's) the deadline for offers may "
                                 "fall on for an announcement published now"})
    legal_basis = fields.String()


CompetitionSchema = record_schema("CompetitionSchema", """
    year:int title area mode budget:money submission_deadline:time task_start task_end
    min_own_contribution_pct criteria task_description? award_rules? delivery_conditions?
    selection_deadline? funds_spent_this_year?:money funds_spent_last_year?:money
    programme_id status published_at?:time closed_at?:time resolved_at?:time cancel_reason?
    awarded?:money department created_at:time
""",
    criteria=fields.List(fields.Nested(CriterionSchema)),
    department=fields.Function(department_of))


class CompetitionQuerySchema(PageQuery):
    status = fields.String(validate=one_of(CompetitionStatus))
    area = fields.String(validate=KNOWN_AREA)
    year = fields.Integer(validate=validate.Range(2011, 2100))
    department = fields.String(validate=DEPARTMENT)


class ReasonSchema(Schema):
    reason = Text(required=True, max_length=2000)


# --- offers -------------------------------------------------------------------------------


class CostItemSchema(Schema):
    name = Text(required=True, max_length=300)
    amount = Money(required=True)


class VolunteerWorkSchema(Schema):
    hours = ExactDecimal(1_000_000, required=True)
    hourly_rate = Money(required=True)


class OwnContributionSchema(Schema):
    financial = Money(required=True)
    non_financial = Money(required=True)
    volunteer_work = fields.Nested(VolunteerWorkSchema, load_default=None)


class OfferFieldsSchema(Schema):
    title = Text(required=True, min_length=3, max_length=300)
    requested_amount = Money(required=True)
    own_contribution = fields.Nested(OwnContributionSchema, required=True)
    total_cost = Money(required=True)
    task_start = fields.Date(required=True)
    task_end = fields.Date(required=True)
    cost_items = fields.List(fields.Nested(CostItemSchema), required=True,
                             validate=validate.Length(min=1, max=200))
    description = Text(load_default=None, max_length=20000)
    expected_results = Text(load_default=None, max_length=20000)
    # where the task is carried out and for whom (compared for double funding, where recorded)
    place = Text(load_default=None, max_length=300)
    beneficiaries = Text(load_default=None, max_length=2000)


class OfferCreateSchema(OfferFieldsSchema):
    organization_id = ObjectIdField(required=True)
    partners = fields.List(ObjectIdField(), load_default=list,
                           validate=validate.Length(max=20))


class ApplicationViewSchema(Schema):
    """What an offer and a small-grant application share as they are read."""

    id = fields.String(attribute="_id")
    organization_id = fields.String()
    title = fields.String()
    requested_amount = Money()
    own_contribution = fields.Dict()
    total_cost = Money()
    task_start = fields.String()
    task_end = fields.String()
    cost_items = fields.List(fields.Nested(CostItemSchema))
    description = fields.String(allow_none=True)
    expected_results = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    beneficiaries = fields.String(allow_none=True)
    status = fields.String()
    status_reason = fields.String(allow_none=True)
    # the formal check's warnings (never a rejection): similar applications of the
    # organisation for an overlapping period
    warnings = fields.List(fields.String())
    submitted_at = fields.DateTime()
    # the office's and the organisation's view only: an award acknowledged as funding the
    # same costs as another award (the reason, who, when, the overlaps)
    double_funding_acknowledgement = fields.Dict(allow_none=True)


OfferSchema = record_schema("OfferSchema", """
    competition_id partners:strs awarded_amount?:money updated_at:time version:int
""", base=ApplicationViewSchema, with_id=False)


class OfferDraftSchema(Schema):
    """A draft of an offer: what the form holds as typed (strings, possibly incomplete or
    wrong: the formal check runs when it is checked or submitted, never on a draft)."""

    organization_id = ObjectIdField(required=True)
    values = fields.Dict(keys=fields.String(validate=validate.Length(max=100)),
                         values=fields.String(validate=validate.Length(max=20000)),
                         required=True, validate=validate.Length(max=1000))
    # the draft's version the editor started from (its GET's `version`; -1: it started
    # without a draft): a draft saved (or begun) meanwhile by someone else answers 409
    # `draft_changed`; without it the draft is replaced
    version = fields.Integer(strict=True, validate=validate.Range(min=-1))


OfferDraftViewSchema = record_schema("OfferDraftViewSchema", """
    competition_id organization_id values:dict updated_at:time updated_by version:int
""", with_id=False)


class OfferDraftQuerySchema(PageQuery):
    organization_id = ObjectIdField(required=True)


class FormalCheckSchema(Schema):
    """The formal check passed: what was checked (Polish), and the warnings (never a
    rejection)."""

    passed = fields.Boolean()
    checked = fields.List(fields.String())


class OfferQuerySchema(PageQuery):
    status = fields.String(validate=one_of(OfferStatus))
    organization_id = ObjectIdField()
    competition_id = ObjectIdField()


# --- committee ----------------------------------------------------------------------------


class MemberSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = Text(required=True, max_length=300)
    kind = fields.String(required=True, validate=one_of(MemberKind))
    organization_id = ObjectIdField(load_default=None)
    # where the member is told of offers assigned to them (optional: the inbox of
    # `user_id` is always told)
    email = fields.Email(load_default=None)


class CommitteeSchema(Schema):
    members = fields.List(fields.Nested(MemberSchema), required=True,
                          validate=validate.Length(min=1, max=50))


class DeclarationSchema(Schema):
    no_conflict_of_interest = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Oświadczenie musi potwierdzać brak konfliktu interesów."))


class AssignmentSchema(Schema):
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    offer_ids = fields.List(ObjectIdField(), required=True, validate=validate.Length(max=500))


class OfferFilterSchema(Schema):
    """Which offers of the competition to distribute (only submitted offers are assessed)."""

    offer_ids = fields.List(ObjectIdField(), load_default=None,
                            validate=validate.Length(min=1, max=1000))
    requested_amount_min = Money(load_default=None)
    requested_amount_max = Money(load_default=None)


class DistributionSchema(Schema):
    user_ids = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           required=True, validate=validate.Length(min=1, max=50))
    per_offer = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 50))
    filter = fields.Nested(OfferFilterSchema, load_default=dict)

    @validates_schema
    def _distinct(self, data, **kwargs):
        if len(set(data["user_ids"])) != len(data["user_ids"]):
            raise ValidationError("Członek komisji podany dwa razy.", field_name="user_ids")


class AssignmentsSchema(Schema):
    """Either explicit `assignments` (offer ids per member) or `distribute`: offers picked by
    a filter, spread round-robin among the given members, `per_offer` assessors each."""

    assignments = fields.List(fields.Nested(AssignmentSchema), load_default=None,
                              validate=validate.Length(min=1, max=50))
    distribute = fields.Nested(DistributionSchema, load_default=None)

    @validates_schema
    def _one_way(self, data, **kwargs):
        if (data.get("assignments") is None) == (data.get("distribute") is None):
            raise ValidationError("Podaj albo „assignments”, albo „distribute”.",
                                  field_name="assignments")


CommitteeMemberViewSchema = record_schema("CommitteeMemberViewSchema", """
    user_id name kind organization_id? excluded:bool email? declared_at?:time
    assigned_offers?:strs
""", with_id=False)


class CommitteeViewSchema(Schema):
    competition_id = fields.String()
    members = fields.List(fields.Nested(CommitteeMemberViewSchema))


class ScoreItemSchema(Schema):
    criterion = Text(required=True, max_length=300)
    points = fields.Integer(required=True, strict=True)
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))


class ScoreSchema(Schema):
    scores = fields.List(fields.Nested(ScoreItemSchema), required=True,
                         validate=validate.Length(min=1, max=30))


class ScoreViewSchema(Schema):
    offer_id = fields.String()
    member = fields.String()
    scores = fields.List(fields.Nested(ScoreItemSchema))
    total = fields.Integer()
    scored_at = fields.DateTime()


RankingItemSchema = record_schema("RankingItemSchema", """
    offer_id organization_id title requested_amount:money average scored_by:int
    proposed_amount:money
""", with_id=False)


class RankingSchema(Schema):
    competition_id = fields.String()
    budget = Money()
    items = fields.List(fields.Nested(RankingItemSchema))


class AwardSchema(Schema):
    offer_id = ObjectIdField(required=True)
    amount = Money(required=True)


class AcknowledgementSchema(Schema):
    """An officer's explicit confirmation that funding this offer is meant although a
    similar application of the organisation is funded for an overlapping period."""

    offer_id = ObjectIdField(required=True)
    reason = Text(required=True, min_length=3, max_length=2000)


class ResultsSchema(Schema):
    awards = fields.List(fields.Nested(AwardSchema), required=True,
                         validate=validate.Length(min=1, max=1000))
    acknowledged_overlaps = fields.List(fields.Nested(AcknowledgementSchema),
                                        load_default=list,
                                        validate=validate.Length(max=1000))


ResultItemSchema = record_schema("ResultItemSchema", """
    offer_id organization_id title requested_amount:money awarded_amount:money funded:bool
    average?
""", with_id=False)


ResultsViewSchema = record_schema("ResultsViewSchema", """
    competition_id title status budget:money awarded:money resolved_at:time items
""", with_id=False, items=fields.List(fields.Nested(ResultItemSchema)))


SimilarItemSchema = record_schema("SimilarItemSchema", """
    kind id competition_id? department? organization_id title task_start task_end status
    score reasons
""",
    with_id=False,
    kind=fields.String(metadata={"enum": ["offer", "small_grant"]}),
    score=fields.Integer(metadata={"description": "0-100, higher is more alike"}),
    reasons=fields.List(fields.String(),
                        metadata={"description": "In Polish, e.g. „ten sam tytuł”"}))


class SimilarListSchema(Schema):
    items = fields.List(fields.Nested(SimilarItemSchema))


class OfferSimilarSchema(Schema):
    offer_id = fields.String()
    similar = fields.List(fields.Nested(SimilarItemSchema))


class CompetitionSimilarSchema(Schema):
    items = fields.List(fields.Nested(OfferSimilarSchema), metadata={
        "description": "Only the offers that have similar applications"})


# --- small grants (art. 19a) --------------------------------------------------------------


class SmallGrantCreateSchema(OfferFieldsSchema):
    organization_id = ObjectIdField(required=True)
    area = Area()


SmallGrantSchema = record_schema("SmallGrantSchema", """
    year:int area published_at?:time publication_due_on? published_late?:bool
    comments_until?:time decided_at?:time comments_count:int
""", base=ApplicationViewSchema, with_id=False)


class SmallGrantAwardSchema(Schema):
    """Awarding a small grant; the body may be left out. When the award would fund the same
    costs as another award, the officer confirms it knowingly, with a reason."""

    double_funding_reason = Text(load_default=None, min_length=3, max_length=2000)


class SmallGrantQuerySchema(PageQuery):
    status = fields.String(validate=validate.OneOf(
        ["submitted", "published", "awarded", "refused"]))
    organization_id = ObjectIdField()
    publication_overdue = fields.Boolean()


class CommentCreateSchema(Schema):
    author = Text(required=True, max_length=300)
    text = Text(required=True, max_length=10000)
    organization_id = ObjectIdField(load_default=None)


CommentSchema = record_schema("CommentSchema", """
    small_grant_id author organization_id? text created_at:time
""")


# --- contracts and settlement -------------------------------------------------------------


class BudgetUpdateSchema(Schema):
    total_cost = Money(required=True)
    own_contribution = fields.Nested(OwnContributionSchema, required=True)
    cost_items = fields.List(fields.Nested(CostItemSchema), required=True,
                             validate=validate.Length(min=1, max=200))


class TrancheSchema(Schema):
    amount = Money(required=True)
    due_on = fields.Date(required=True)


class ScheduleItemSchema(Schema):
    activity = Text(required=True, max_length=1000)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class ContractCreateSchema(Schema):
    offer_id = ObjectIdField(required=True)
    signed_on = fields.Date(required=True)
    schedule = fields.List(fields.Nested(ScheduleItemSchema), load_default=list,
                           validate=validate.Length(max=100))
    tranches = fields.List(fields.Nested(TrancheSchema), required=True,
                           validate=validate.Length(min=1, max=24))


class ExpenseSchema(Schema):
    source = fields.String(required=True, validate=validate.OneOf(
        ["grant", "own_financial", "other_public", "other"]))
    name = Text(load_default=None, max_length=300)
    amount = Money(required=True)


class TaskReportSchema(Schema):
    achieved_results = Text(required=True, max_length=20000)
    activities = Text(load_default=None, max_length=20000)
    expenses = fields.List(fields.Nested(ExpenseSchema), required=True,
                           validate=validate.Length(min=1, max=500))
    personal_contribution = Money(required=True)
    in_kind_contribution = Money(required=True)
    volunteer_hours = ExactDecimal(1_000_000, load_default=None)


class SettleSchema(Schema):
    returned_amount = Money(required=True)


ContractSchema = record_schema("ContractSchema", """
    offer_id competition_id organization_id amount:money signed_on task_start task_end
    schedule:dicts tranches:dicts status report?:dict report_due_on unused_amount?:money
    unused_due_on? returned_amount?:money status_reason? created_at:time updated_at:time
""")


class ContractQuerySchema(PageQuery):
    status = fields.String(validate=validate.OneOf(
        ["signed", "in_progress", "report_due", "settled", "terminated"]))
