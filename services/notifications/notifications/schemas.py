"""Request and response schemas of the notifications service."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from notifications.domain import Channel, DeliveryStatus, Digest, SubscriptionStatus
from wspolpraca.fields import Text, record_schema
from wspolpraca.pagination import PageQuery
from wspolpraca.validators import one_of


class SubscriptionCreateSchema(Schema):
    channel = fields.String(required=True, validate=one_of(Channel))
    target = fields.String(load_default=None, validate=validate.Length(min=1, max=2000))
    event_types = fields.List(fields.String(validate=validate.Length(min=1, max=120)),
                              required=True, validate=validate.Length(min=1, max=100))
    areas = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                        load_default=list)
    district = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    digest = fields.String(load_default=Digest.NONE.value, validate=one_of(Digest))
    owner_email = fields.Email(load_default=None)
    # the department's own subscription, scoped to what concerns it; the default for a
    # department's token (False: the person's own, every event they may read)
    for_department = fields.Boolean(load_default=None, allow_none=True)

    @validates_schema
    def digest_only_for_email(self, data, **kwargs):
        if data.get("digest", "none") != "none" and data.get("channel") != Channel.EMAIL:
            raise ValidationError("Zestawienie (digest) dotyczy tylko kanału e-mail.",
                                  field_name="digest")


class SubscriptionSchema(Schema):
    id = fields.String(attribute="_id")
    channel = fields.String()
    target = fields.String(allow_none=True)
    event_types = fields.List(fields.String())
    areas = fields.List(fields.String())
    district = fields.String(allow_none=True)
    digest = fields.String()
    owner = fields.String()
    # the department's own subscription (owner `dept:<code>`): what concerns the department
    for_department = fields.Function(lambda record: str(record.get("owner", "")).startswith(
        "dept:"))
    status = fields.String()
    consecutive_failures = fields.Integer()
    suspended_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class SubscriptionCreatedSchema(SubscriptionSchema):
    secret = fields.String()


class SubscriptionQuerySchema(PageQuery):
    status = fields.String(load_default=None, validate=one_of(SubscriptionStatus))


class NewsletterSignupSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    areas = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                        load_default=list, validate=validate.Length(max=50))
    digest = fields.String(load_default=Digest.WEEKLY.value, validate=validate.OneOf(
        [Digest.DAILY.value, Digest.WEEKLY.value]))


class ConfirmationSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=2000))


ConfirmedSchema = record_schema("ConfirmedSchema", """
    status areas:strs digest event_types:strs
""")


DeliverySchema = record_schema("DeliverySchema", """
    event_id event_type channel status attempts:int last_error? last_status_code?:int
    next_attempt_at?:time created_at:time updated_at:time sent_at?:time
""")


class DeliveryQuerySchema(PageQuery):
    status = fields.String(load_default=None, validate=one_of(DeliveryStatus))


InboxItemSchema = record_schema("InboxItemSchema", """
    event_id? event_type? subject? title text created_at:time read:bool
""")


class InboxQuerySchema(PageQuery):
    unread = fields.Boolean(load_default=None)


class UnreadCountSchema(Schema):
    unread = fields.Integer()


class UnsubscribeQuerySchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CalendarEntryCreateSchema(Schema):
    title = Text(required=True, max_length=300)
    kind = fields.String(load_default="event", validate=validate.OneOf(
        ["event", "training", "meeting", "deadline", "council_meeting", "consultation_meeting"]))
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(load_default=None)
    location = fields.String(load_default=None, validate=validate.Length(max=300))
    description = fields.String(load_default=None, validate=validate.Length(max=5000))
    areas = fields.List(fields.String(validate=validate.Length(min=1, max=60)),
                        load_default=list)

    @validates_schema
    def ends_after_start(self, data, **kwargs):
        if data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("Koniec musi być po początku.", field_name="ends_at")


CalendarEntrySchema = record_schema("CalendarEntrySchema", """
    title kind starts_at:time ends_at?:time location? description? areas:strs
""")


class CalendarFeedSchema(Schema):
    url = fields.String()
