"""Request, response and event schemas of the registry."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from registry.domain import InquiryStatus, LegalForm, OrganizationStatus
from wspolpraca.departments import DEPARTMENT_CODE, LIAISON_OFFICE
from wspolpraca.fields import Text, record_schema
from wspolpraca.pagination import PageQuery
from wspolpraca.validators import KNOWN_AREA, one_of

NonEmpty = validate.Length(min=1)


def AreaCode() -> fields.String:  # noqa: N802 - reads as a field type
    # membership is checked by `validate_areas`, which names the unknown code
    return fields.String(validate=validate.Length(min=1, max=60))


class AddressSchema(Schema):
    street = fields.String(required=True, validate=validate.Length(min=1, max=200))
    postal_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2}-\d{3}$"))
    city = fields.String(required=True, validate=validate.Length(min=1, max=100))


class RepresentativeSchema(Schema):
    name = Text(required=True, min_length=2, max_length=300)
    function = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Length(max=30))


class PublicBenefitStatusSchema(Schema):
    granted = fields.Boolean(required=True)
    since = fields.Date(load_default=None)


class OrganizationCreateSchema(Schema):
    name = Text(required=True, min_length=2, max_length=300)
    legal_form = fields.String(required=True, validate=one_of(LegalForm))
    nip = fields.String(required=True, validate=validate.Length(max=20))
    regon = fields.String(load_default=None, validate=validate.Length(max=25))
    krs = fields.String(load_default=None, validate=validate.Length(max=20))
    areas = fields.List(AreaCode(), required=True)
    email = fields.Email(required=True)
    phone = fields.String(load_default=None, validate=validate.Length(max=30))
    website = fields.Url(load_default=None)
    address = fields.Nested(AddressSchema, load_default=None)
    district = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    representatives = fields.List(fields.Nested(RepresentativeSchema), load_default=list)
    public_benefit_status = fields.Nested(PublicBenefitStatusSchema, load_default=None)


class OrganizationUpdateSchema(Schema):
    name = Text(min_length=2, max_length=300)
    legal_form = fields.String(validate=one_of(LegalForm))
    regon = fields.String(allow_none=True, validate=validate.Length(max=25))
    krs = fields.String(allow_none=True, validate=validate.Length(max=20))
    areas = fields.List(AreaCode())
    email = fields.Email()
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    website = fields.Url(allow_none=True)
    address = fields.Nested(AddressSchema, allow_none=True)
    district = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    representatives = fields.List(fields.Nested(RepresentativeSchema))
    public_benefit_status = fields.Nested(PublicBenefitStatusSchema, allow_none=True)


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class OrganizationQuerySchema(PageQuery):
    q = fields.String(validate=validate.Length(min=1, max=200))
    area = fields.String(validate=KNOWN_AREA)
    status = fields.String(validate=one_of(OrganizationStatus))
    district = fields.String(validate=validate.Length(min=1, max=100))
    # exact, as typed (dashes and spaces allowed): the organisation with that NIP, if any
    nip = fields.String(validate=validate.Length(min=1, max=20))


OrganizationSchema = record_schema("OrganizationSchema", """
    name legal_form nip regon? krs? areas:strs email phone? website? address district?
    representatives public_benefit_status?:dict status status_reason? verified_at?:time
    created_at:time updated_at:time version:int
""",
    address=fields.Nested(AddressSchema, allow_none=True),
    representatives=fields.List(fields.Nested(RepresentativeSchema)))


class PublicOrganizationSchema(OrganizationSchema):
    """What the public may read: no representatives or their contact details."""

    class Meta:
        exclude = ("representatives", "status_reason", "phone")


class AreaSchema(Schema):
    code = fields.String()
    name = fields.String()


class AreasSchema(Schema):
    version = fields.String()
    items = fields.List(fields.Nested(AreaSchema))


class DepartmentCreateSchema(Schema):
    code = fields.String(required=True, validate=[validate.Regexp(
        DEPARTMENT_CODE, error="Kod: małe litery, cyfry i podkreślenia (2–40)."),
        # the liaison office's own code (who runs a competition no department was named for)
        validate.NoneOf([LIAISON_OFFICE], error="Ten kod oznacza biuro, nie wydział.")])
    name = Text(required=True, min_length=2, max_length=300)
    areas = fields.List(AreaCode(), load_default=list)
    contact_person = Text(required=True, min_length=2, max_length=300)
    email = fields.Email(required=True)


class DepartmentUpdateSchema(Schema):
    name = Text(min_length=2, max_length=300)
    areas = fields.List(AreaCode())
    contact_person = Text(min_length=2, max_length=300)
    email = fields.Email()


# `version` is also the record's ETag (`If-Match` on PATCH: 412 `stale` when it changed)
DepartmentSchema = record_schema("DepartmentSchema", """
    code name areas:strs contact_person email created_at:time updated_at:time version:int
""", with_id=False, code=fields.String(attribute="_id"))


class DepartmentQuerySchema(PageQuery):
    area = fields.String(validate=KNOWN_AREA)


class InquiryCreateSchema(Schema):
    subject = Text(required=True, min_length=3, max_length=300)
    text = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    area = fields.String(required=True, validate=KNOWN_AREA)
    name = Text(required=True, min_length=2, max_length=300)
    email = fields.Email(required=True)
    organization_id = fields.String(load_default=None,
                                    validate=validate.Regexp(r"^[0-9a-f]{24}$"))


class InquiryRouteSchema(Schema):
    department = fields.String(required=True, validate=validate.Length(min=1, max=40))


class InquiryAssignSchema(Schema):
    assignee = fields.String(required=True, validate=validate.Length(min=1, max=200))


class InquiryAnswerSchema(Schema):
    answer = fields.String(required=True, validate=validate.Length(min=1, max=20000))


class InquiryQuerySchema(PageQuery):
    status = fields.String(validate=one_of(InquiryStatus))
    department = fields.String(validate=validate.Length(min=1, max=40))
    overdue = fields.Boolean()


InquirySchema = record_schema("InquirySchema", """
    subject text area name email organization_id? department? assignee? status
    received_at:time deadline:time answer? answered_at?:time closed_at?:time overdue:bool
""")
