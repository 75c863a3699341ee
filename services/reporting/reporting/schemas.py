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
