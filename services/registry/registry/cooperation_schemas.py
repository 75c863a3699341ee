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
from wspolpraca.fields import Text, Time
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


class ResourceSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    kind = fields.String()
    address = fields.String()
    district = fields.String(allow_none=True)
    capacity = fields.Integer(allow_none=True)
    department = fields.String()
    description = fields.String(allow_none=True)
    accessibility = fields.List(fields.String())
    included = fields.List(fields.String())
    opening_hours = fields.List(fields.Nested(OpeningWindowSchema), allow_none=True)
    created_at = fields.DateTime()
    # the record's version, also its ETag (`If-Match` on PATCH: 412 `stale` when it changed)
    version = fields.Integer()


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


class BookingSchema(Schema):
    id = fields.String(attribute="_id")
    resource_id = fields.String()
    resource_name = fields.String()
    department = fields.String()
    place = fields.String()
    organization_id = fields.String()
    organization_name = fields.String()
    purpose = fields.String()
    attendees = fields.Integer(allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    hours = fields.Float()
    status = fields.String()
    reason = fields.String(allow_none=True)
    requested_by = fields.String()
    decided_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class BookingQuerySchema(PageQuery):
    organization_id = fields.String(validate=OBJECT_ID)
    resource_id = fields.String(validate=OBJECT_ID)
    status = fields.String(validate=one_of(BookingStatus))


class CalendarQuerySchema(Schema):
    starts = fields.AwareDateTime(load_default=None, data_key="from", format="iso")
    ends = fields.AwareDateTime(load_default=None, data_key="to", format="iso")


class CalendarEntrySchema(Schema):
    id = fields.String(attribute="_id")
    organization_id = fields.String()
    organization_name = fields.String()
    purpose = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String()


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


class PatronageSchema(Schema):
    id = fields.String(attribute="_id")
    organization_id = fields.String()
    organization_name = fields.String()
    kind = fields.String()
    name = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    place = fields.String()
    audience = fields.String()
    justification = fields.String()
    areas = fields.List(fields.String())
    website = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


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


class RegistrationSchema(Schema):
    id = fields.String(attribute="_id")
    training_id = fields.String()
    person = fields.String()
    name = fields.String()
    email = fields.String()
    organization_id = fields.String(allow_none=True)
    status = fields.String()
    queue_number = fields.Integer()
    attended = fields.Boolean(allow_none=True)
    registered_at = fields.DateTime()
    updated_at = fields.DateTime()


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


class PartnershipSchema(Schema):
    id = fields.String(attribute="_id")
    kind = fields.String()
    title = fields.String()
    goal = fields.String()
    parties = fields.List(fields.Nested(PartySchema))
    areas = fields.List(fields.String())
    starts_on = fields.String()
    ends_on = fields.String(allow_none=True)
    signed_by = fields.String()
    created_at = fields.DateTime()


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


class VolunteeringSchema(Schema):
    id = fields.String(attribute="_id")
    organization_id = fields.String()
    organization_name = fields.String()
    title = fields.String()
    description = fields.String()
    areas = fields.List(fields.String())
    district = fields.String()
    volunteers_needed = fields.Integer()
    starts_on = fields.String(allow_none=True)
    ends_on = fields.String(allow_none=True)
    contact_email = fields.String()
    created_at = fields.DateTime()


class VolunteeringQuerySchema(PageQuery):
    area = fields.String(validate=KNOWN_AREA)
    district = fields.String(validate=validate.Length(min=1, max=100))
    organization_id = fields.String(validate=OBJECT_ID)
