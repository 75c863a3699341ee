"""Request and response schemas of non-financial cooperation (resources, bookings,
patronages, trainings, partnerships, volunteering)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.cooperation_domain import (
    WEEKDAYS,
    BookingStatus,
    PartnershipKind,
    PatronageKind,
    PatronageStatus,
    ResourceKind,
    TrainingKind,
)
from registry.schemas import AreaCode
from wspolpraca.departments import DEPARTMENT_CODE
from wspolpraca.fields import Text, Time, record_schema
from wspolpraca.pagination import PageQuery
from wspolpraca.validators import KNOWN_AREA, OBJECT_ID, one_of

DEPARTMENT = validate.Regexp(DEPARTMENT_CODE, error="Niepoprawny kod wydziału.")


# --- resources and bookings ------------------------------------------------------------


class OpeningWindowSchema(Schema):
    day = fields.String(required=True, validate=validate.OneOf(WEEKDAYS))
    opens = fields.String(required=True, validate=validate.Length(min=5, max=5))
    closes = fields.String(required=True, validate=validate.Length(min=5, max=5))


class ResourceCreateSchema(Schema):
    name = Text(required=True, min_length=2, max_length=300)
    kind = fields.String(required=True, validate=one_of(ResourceKind))
    address = Text(required=True, min_length=3, max_length=300)
    district = Text(load_default=None, max_length=100)
    capacity = fields.Integer(load_default=None, validate=validate.Range(min=1, max=100_000))
    department = fields.String(required=True, validate=DEPARTMENT)
    description = fields.String(load_default=None, validate=validate.Length(max=5000))
    accessibility = fields.List(Text(max_length=300), load_default=list)
    included = fields.List(Text(max_length=300), load_default=list)
    opening_hours = fields.List(fields.Nested(OpeningWindowSchema), load_default=None)


class ResourceUpdateSchema(Schema):
    name = Text(min_length=2, max_length=300)
    address = Text(min_length=3, max_length=300)
    district = Text(allow_none=True, max_length=100)
    capacity = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=100_000))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    accessibility = fields.List(Text(max_length=300))
    included = fields.List(Text(max_length=300))
    opening_hours = fields.List(fields.Nested(OpeningWindowSchema), allow_none=True)


# `version` is also the record's ETag (`If-Match` on a change: 412 `stale` when it changed)
ResourceSchema = record_schema("ResourceSchema", """
    name kind address district? capacity?:int department description? accessibility:strs
    included:strs opening_hours created_at:time version:int
""", opening_hours=fields.List(fields.Nested(OpeningWindowSchema), allow_none=True))


class ResourceQuerySchema(PageQuery):
    kind = fields.String(validate=one_of(ResourceKind))
    department = fields.String(validate=DEPARTMENT)
    district = fields.String(validate=validate.Length(min=1, max=100))


class BookingCreateSchema(Schema):
    organization_id = fields.String(required=True, validate=OBJECT_ID)
    purpose = Text(required=True, min_length=3, max_length=500)
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    attendees = fields.Integer(load_default=None, validate=validate.Range(min=1, max=100_000))


class OptionalReasonSchema(Schema):
    reason = Text(load_default=None, max_length=2000)


class RequiredReasonSchema(Schema):
    reason = Text(required=True, max_length=2000)


BookingSchema = record_schema("BookingSchema", """
    resource_id resource_name department place organization_id organization_name purpose
    attendees?:int starts_at:time ends_at:time hours:float status reason? requested_by
    decided_by? created_at:time updated_at:time
""")


class BookingQuerySchema(PageQuery):
    organization_id = fields.String(validate=OBJECT_ID)
    resource_id = fields.String(validate=OBJECT_ID)
    status = fields.String(validate=one_of(BookingStatus))


class CalendarQuerySchema(Schema):
    starts = fields.AwareDateTime(load_default=None, data_key="from", format="iso")
    ends = fields.AwareDateTime(load_default=None, data_key="to", format="iso")


CalendarEntrySchema = record_schema("CalendarEntrySchema", """
    organization_id organization_name purpose starts_at:time ends_at:time status
""")


class CalendarSchema(Schema):
    resource_id = fields.String()
    starts = fields.DateTime(data_key="from")
    ends = fields.DateTime(data_key="to")
    items = fields.List(fields.Nested(CalendarEntrySchema))


# --- patronages ------------------------------------------------------------------------


class PatronageCreateSchema(Schema):
    organization_id = fields.String(required=True, validate=OBJECT_ID)
    kind = fields.String(required=True, validate=one_of(PatronageKind))
    name = Text(required=True, min_length=3, max_length=300)
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    place = Text(required=True, min_length=2, max_length=300)
    audience = Text(required=True, max_length=2000)
    justification = Text(required=True, max_length=5000)
    areas = fields.List(AreaCode(), required=True)
    website = fields.Url(load_default=None)


PatronageSchema = record_schema("PatronageSchema", """
    organization_id organization_name kind name starts_at:time ends_at:time place audience
    justification areas:strs website? status reason? decided_by? decided_at?:time
    created_at:time
""")


class PublicPatronageSchema(PatronageSchema):
    class Meta:
        exclude = ("justification", "reason", "decided_by")


class PatronageQuerySchema(PageQuery):
    organization_id = fields.String(validate=OBJECT_ID)
    status = fields.String(validate=one_of(PatronageStatus))
    kind = fields.String(validate=one_of(PatronageKind))


# --- trainings -------------------------------------------------------------------------


class TrainingCreateSchema(Schema):
    title = Text(required=True, min_length=3, max_length=300)
    kind = fields.String(required=True, validate=one_of(TrainingKind))
    topic = Text(required=True, max_length=200)
    description = fields.String(load_default=None, validate=validate.Length(max=10000))
    place = Text(required=True, min_length=2, max_length=300)
    starts_at = Time(required=True)
    ends_at = Time(required=True)
    seats = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    trainer = Text(load_default=None, max_length=300)


class TrainingSchema(Schema):
    id = fields.String(attribute="_id")
    title = fields.String()
    kind = fields.String()
    topic = fields.String()
    description = fields.String(allow_none=True)
    place = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    seats = fields.Integer()
    seats_taken = fields.Integer()
    seats_free = fields.Method("_seats_free")
    waiting = fields.Integer()
    attended = fields.Integer(allow_none=True)
    trainer = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()

    def _seats_free(self, training) -> int:
        return training["seats"] - training["seats_taken"]


class TrainingQuerySchema(PageQuery):
    kind = fields.String(validate=one_of(TrainingKind))


class RegistrationCreateSchema(Schema):
    name = Text(required=True, min_length=2, max_length=300)
    email = fields.Email(required=True)


RegistrationSchema = record_schema("RegistrationSchema", """
    training_id person name email organization_id? status queue_number:int attended?:bool
    registered_at:time updated_at:time
""")


class AttendanceSchema(Schema):
    attended = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                           required=True)


# --- partnerships and volunteering -----------------------------------------------------


class PartySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["city", "organization"]))
    organization_id = fields.String(load_default=None, validate=OBJECT_ID)
    name = Text(load_default=None, max_length=300)


class PartnershipCreateSchema(Schema):
    kind = fields.String(required=True, validate=one_of(PartnershipKind))
    title = Text(required=True, min_length=3, max_length=300)
    goal = Text(required=True, max_length=5000)
    parties = fields.List(fields.Nested(PartySchema), required=True,
                          validate=validate.Length(min=1, max=50))
    areas = fields.List(AreaCode(), required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(load_default=None)


PartnershipSchema = record_schema("PartnershipSchema", """
    kind title goal parties areas:strs starts_on ends_on? signed_by created_at:time
""", parties=fields.List(fields.Nested(PartySchema)))


class PartnershipQuerySchema(PageQuery):
    organization_id = fields.String(validate=OBJECT_ID)
    area = fields.String(validate=KNOWN_AREA)


class VolunteeringCreateSchema(Schema):
    organization_id = fields.String(required=True, validate=OBJECT_ID)
    title = Text(required=True, min_length=3, max_length=300)
    description = Text(required=True, max_length=10000)
    areas = fields.List(AreaCode(), required=True)
    district = Text(required=True, max_length=100)
    volunteers_needed = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(load_default=None)
    contact_email = fields.Email(required=True)


VolunteeringSchema = record_schema("VolunteeringSchema", """
    organization_id organization_name title description areas:strs district
    volunteers_needed:int starts_on? ends_on? contact_email created_at:time
""")


class VolunteeringQuerySchema(PageQuery):
    area = fields.String(validate=KNOWN_AREA)
    district = fields.String(validate=validate.Length(min=1, max=100))
    organization_id = fields.String(validate=OBJECT_ID)
