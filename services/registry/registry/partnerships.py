"""Partnerships (agreements between the city and organisations or among organisations,
and joint projects) and organisations' volunteering needs, both public."""

from __future__ import annotations

from registry import queries
from registry.cooperation_schemas import (
    PartnershipCreateSchema,
    PartnershipQuerySchema,
    PartnershipSchema,
    VolunteeringCreateSchema,
    VolunteeringQuerySchema,
    VolunteeringSchema,
)
from registry.entry import Entry
from registry.handlers import cooperation
from wspolpraca.http import api
from wspolpraca.service_layer import Submit


class PartnershipsMixin(Entry):
    @api("POST", "/api/v1/partnerships", roles=("officer", "ngo"),
         body=PartnershipCreateSchema, response=PartnershipSchema, status=201,
         summary="Record a signed partnership or joint project (an officer, or an "
                 "organisation that is one of its parties)")
    def sign_partnership(self, request, body):
        return self.handle(cooperation.sign_partnership,
                           cooperation.SignPartnership(body, request.principal))

    @api("GET", "/api/v1/partnerships", query=PartnershipQuerySchema,
         response=PartnershipSchema, summary="Partnerships and joint projects")
    def list_partnerships(self, request, query):
        return queries.partnerships_page(self.db, query)

    @api("GET", "/api/v1/partnerships/<id>", response=PartnershipSchema,
         summary="One partnership")
    def get_partnership(self, request, id):
        return queries.partnership(self.db, id)

    @api("POST", "/api/v1/volunteering", roles=("ngo",), body=VolunteeringCreateSchema,
         response=VolunteeringSchema, status=201,
         summary="Post a volunteering need of a verified organisation")
    def post_volunteering(self, request, body):
        return self.handle(cooperation.post_volunteering, Submit(request.principal, body))

    @api("GET", "/api/v1/volunteering", query=VolunteeringQuerySchema,
         response=VolunteeringSchema, summary="Volunteering needs, by area and district")
    def list_volunteering(self, request, query):
        return queries.volunteering_page(self.db, query)

    @api("GET", "/api/v1/volunteering/<id>", response=VolunteeringSchema,
         summary="One volunteering need")
    def get_volunteering(self, request, id):
        return queries.volunteering(self.db, id)
