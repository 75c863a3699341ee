"""Partnerships (agreements between the city and organisations or among organisations,
and joint projects) and organisations' volunteering needs, both public."""

from __future__ import annotations

from registry import cooperation_domain as rules
from registry import cooperation_records as records
from registry import repository
from registry.cooperation_access import acting_for, verified_organization
from registry.cooperation_repository import (
    PARTNERSHIPS,
    VOLUNTEERING,
    Partnerships,
    VolunteeringNeeds,
)
from registry.cooperation_schemas import (
    PartnershipCreateSchema,
    PartnershipQuerySchema,
    PartnershipSchema,
    VolunteeringCreateSchema,
    VolunteeringQuerySchema,
    VolunteeringSchema,
)
from registry.domain import search_key
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, Forbidden, NotFound
from wspolpraca.http import api
from wspolpraca.mongo import Mongo, Transaction

CITY_NAME = "Miasto"


class PartnershipsMixin:
    db: Mongo

    @api("POST", "/api/v1/partnerships", roles=("officer", "ngo"),
         body=PartnershipCreateSchema, response=PartnershipSchema, status=201,
         summary="Record a signed partnership or joint project (an officer, or an "
                 "organisation that is one of its parties)")
    def sign_partnership(self, request, body):
        principal: Principal = request.principal
        rules.check_partnership(body["parties"], body["starts_on"], body.get("ends_on"))
        org_ids = [p["organization_id"] for p in body["parties"] if p["kind"] == "organization"]
        if not principal.is_staff and principal.org_id not in org_ids:
            raise Forbidden("Organizacja może zapisać tylko partnerstwo, którego jest stroną.")

        def work(tx: Transaction):
            parties = []
            for index, party in enumerate(body["parties"]):
                if party["kind"] == "city":
                    parties.append({"kind": "city", "organization_id": None,
                                    "name": party.get("name") or CITY_NAME})
                    continue
                if not party.get("organization_id"):
                    raise DomainError("organization_required", "Podaj organizację.",
                                      field=f"parties.{index}.organization_id")
                organization = verified_organization(tx, party["organization_id"])
                parties.append({"kind": "organization", "organization_id": organization["_id"],
                                "name": organization["name"]})
            record = records.new_partnership(body, parties, principal.sub, utcnow())
            Partnerships(tx).add(record)
            tx.emit("partnership.signed", record["_id"], records.partnership_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/partnerships", query=PartnershipQuerySchema,
         response=PartnershipSchema, summary="Partnerships and joint projects")
    def list_partnerships(self, request, query):
        found: dict = {}
        if query.get("organization_id"):
            found["organization_ids"] = query["organization_id"]
        if query.get("area"):
            found["areas"] = query["area"]
        return repository.list_page(self.db, PARTNERSHIPS, found, query["limit"],
                                    query["cursor"])

    @api("GET", "/api/v1/partnerships/<id>", response=PartnershipSchema,
         summary="One partnership")
    def get_partnership(self, request, id):
        record = self.db[PARTNERSHIPS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego partnerstwa.")
        return record

    @api("POST", "/api/v1/volunteering", roles=("ngo",), body=VolunteeringCreateSchema,
         response=VolunteeringSchema, status=201,
         summary="Post a volunteering need of a verified organisation")
    def post_volunteering(self, request, body):
        acting_for(request.principal, body["organization_id"])
        now = utcnow()
        rules.check_volunteering(body.get("starts_on"), body.get("ends_on"), now.date())

        def work(tx: Transaction):
            organization = verified_organization(tx, body["organization_id"])
            record = records.new_volunteering(body, organization, now)
            VolunteeringNeeds(tx).add(record)
            tx.emit("volunteering.posted", record["_id"], records.volunteering_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/volunteering", query=VolunteeringQuerySchema,
         response=VolunteeringSchema, summary="Volunteering needs, by area and district")
    def list_volunteering(self, request, query):
        found: dict = {}
        if query.get("area"):
            found["areas"] = query["area"]
        if query.get("district"):
            found["district_key"] = search_key(query["district"])
        if query.get("organization_id"):
            found["organization_id"] = query["organization_id"]
        return repository.list_page(self.db, VOLUNTEERING, found, query["limit"],
                                    query["cursor"])

    @api("GET", "/api/v1/volunteering/<id>", response=VolunteeringSchema,
         summary="One volunteering need")
    def get_volunteering(self, request, id):
        record = self.db[VOLUNTEERING].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego ogłoszenia.")
        return record
