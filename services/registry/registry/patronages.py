"""The mayor's patronage and the city's promotion of organisations' events: a verified
organisation asks, the officer grants or refuses with a reason; granted ones are public
and go into the calendar."""

from __future__ import annotations

from registry import queries
from registry.cooperation_schemas import (
    PatronageCreateSchema,
    PatronageQuerySchema,
    PatronageSchema,
    PublicPatronageSchema,
    RequiredReasonSchema,
)
from registry.entry import STAFF, Entry
from registry.handlers import cooperation
from wspolpraca.http import api, json_response
from wspolpraca.service_layer import ChangeStatus, Submit


class PatronagesMixin(Entry):
    @api("POST", "/api/v1/patronages", roles=("ngo",), body=PatronageCreateSchema,
         response=PatronageSchema, status=201,
         summary="Ask for the mayor's patronage or the city's promotion of an event")
    def request_patronage(self, request, body):
        return self.handle(cooperation.request_patronage, Submit(request.principal, body))

    @api("GET", "/api/v1/patronages", query=PatronageQuerySchema,
         response=PublicPatronageSchema,
         summary="Patronages: granted ones for everyone; an organisation's own; all (officer)")
    def list_patronages(self, request, query):
        return queries.patronages_page(self.db, request.principal, query)

    @api("GET", "/api/v1/patronages/<id>", response=PatronageSchema,
         summary="One patronage request (granted ones are public)")
    def get_patronage(self, request, id):
        record, whole = queries.patronage(self.db, request.principal, id)
        # the public reads the event, not the request's justification or who decided
        return record if whole else json_response(PublicPatronageSchema().dump(record))

    @api("POST", "/api/v1/patronages/<id>/grant", roles=STAFF, response=PatronageSchema,
         summary="Grant the patronage or promotion (public from now on)")
    def grant_patronage(self, request, id):
        return self.handle(cooperation.decide_patronage, ChangeStatus(
            id, "grant", request.principal.sub))

    @api("POST", "/api/v1/patronages/<id>/refuse", roles=STAFF, body=RequiredReasonSchema,
         response=PatronageSchema, summary="Refuse the patronage, with a reason")
    def refuse_patronage(self, request, id, body):
        return self.handle(cooperation.decide_patronage, ChangeStatus(
            id, "refuse", request.principal.sub, body["reason"]))
