"""Query schemas of the reporting API (unknown parameters are refused)."""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, fields, validate

from wspolpraca.areas import area_codes

YEARS = validate.Range(2000, 2100, error="Rok musi być liczbą od 2000 do 2100.")


class YearQuerySchema(Schema):
    year = fields.Integer(load_default=lambda: date.today().year, validate=YEARS)


class GrantsQuerySchema(YearQuerySchema):
    area = fields.String(load_default=None, validate=validate.OneOf(sorted(area_codes())))
    organization_id = fields.String(load_default=None, validate=validate.Length(1, 64))


class OpenDataQuerySchema(Schema):
    year = fields.Integer(load_default=None, validate=YEARS)


class ReportQuerySchema(Schema):
    format = fields.String(load_default="json",
                           validate=validate.OneOf(["json", "csv", "xlsx", "html", "pdf"]))


class DepartmentsQuerySchema(YearQuerySchema):
    """`GET /api/v1/stats/departments?year=`."""


class OrganizationHistorySchema(Schema):
    """`GET /api/v1/stats/organizations/{id}` (docs/coordination.md)."""

    organization_id = fields.String()
    name = fields.String(allow_none=True)
    scope = fields.String(metadata={"enum": ["full", "public"]})
    departments = fields.List(fields.String())
    years = fields.List(fields.Dict(), metadata={
        "description": "Yearly totals: counts as integers, money as strings; the public "
                       "part keeps only the public totals"})
    history = fields.List(fields.Dict(), metadata={
        "description": "Every form of cooperation, oldest first: form, label, id, date, "
                       "year, title, status, department and the form's own figures"})


class DepartmentsOverviewSchema(Schema):
    """`GET /api/v1/stats/departments?year=` (docs/coordination.md)."""

    year = fields.Integer()
    departments = fields.List(fields.Dict(), metadata={
        "description": "department (null: the liaison office), competitions, budget, "
                       "awarded, offers, small_grants, organizations {applied, funded}, "
                       "shared_organizations [{organization_id, name, also_with}]"})
