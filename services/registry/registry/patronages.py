"""The mayor's patronage and the city's promotion of organisations' events: a verified
organisation asks, the officer grants or refuses with a reason; granted ones are public
and go into the calendar."""

from __future__ import annotations

from registry import cooperation_domain as rules
from registry import cooperation_records as records
from registry import repository
from registry.cooperation_access import RULES, acting_for, verified_organization
from registry.cooperation_repository import PATRONAGES, Patronages
from registry.cooperation_schemas import (
    PatronageCreateSchema,
    PatronageQuerySchema,
    PatronageSchema,
    PublicPatronageSchema,
    RequiredReasonSchema,
)
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Forbidden, NotFound
from wspolpraca.http import api, json_response
from wspolpraca.mongo import Mongo, Transaction

STAFF = ("officer",)
GRANTED = rules.PatronageStatus.GRANTED.value


class PatronagesMixin:
    db: Mongo

    @api("POST", "/api/v1/patronages", roles=("ngo",), body=PatronageCreateSchema,
         response=PatronageSchema, status=201,
         summary="Ask for the mayor's patronage or the city's promotion of an event")
    def request_patronage(self, request, body):
        principal: Principal = request.principal
        acting_for(principal, body["organization_id"])
        now = utcnow()
        rules.check_patronage_request(body["starts_at"], body["ends_at"], now, RULES)

        def work(tx: Transaction):
            organization = verified_organization(tx, body["organization_id"])
            record = records.new_patronage(body, organization, now)
            Patronages(tx).add(record)
            tx.emit("patronage.requested", record["_id"], records.patronage_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/patronages", query=PatronageQuerySchema,
         response=PublicPatronageSchema,
         summary="Patronages: granted ones for everyone; an organisation's own; all (officer)")
    def list_patronages(self, request, query):
        principal: Principal | None = request.principal
        found = {k: query[k] for k in ("organization_id", "status", "kind") if query.get(k)}
        if principal is None or not principal.is_staff:
            own = principal is not None and principal.org_id is not None \
                and query.get("organization_id") == principal.org_id
            if not own:
                if query.get("status") not in (None, GRANTED):
                    raise Forbidden("Wnioski o patronat w innym stanie niż przyznane widzi "
                                    "biuro i organizacja, która je złożyła (filtr "
                                    "organization_id własnej organizacji).")
                found["status"] = GRANTED
        return repository.list_page(self.db, PATRONAGES, found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/patronages/<id>", response=PatronageSchema,
         summary="One patronage request (granted ones are public)")
    def get_patronage(self, request, id):
        record = self.db[PATRONAGES].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego wniosku o patronat.")
        principal: Principal | None = request.principal
        if principal is not None and (principal.is_staff
                                      or principal.org_id == record["organization_id"]):
            return record
        if record["status"] != GRANTED:
            raise NotFound("Nie ma takiego wniosku o patronat.")
        # the public reads the event, not the request's justification or who decided
        return json_response(PublicPatronageSchema().dump(record))

    def _decide(self, request, id: str, decide, routing_key: str, reason: str | None = None):
        def work(tx: Transaction):
            patronages = Patronages(tx)
            record = patronages.get(id)
            status = decide(record["status"]) if reason is None \
                else decide(record["status"], reason)
            record.update(status=status.value, reason=reason,
                          decided_by=request.principal.sub, decided_at=utcnow())
            patronages.save(record)
            tx.emit(routing_key, id, records.patronage_payload(record))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/patronages/<id>/grant", roles=STAFF, response=PatronageSchema,
         summary="Grant the patronage or promotion (public from now on)")
    def grant_patronage(self, request, id):
        return self._decide(request, id, rules.grant_patronage, "patronage.granted")

    @api("POST", "/api/v1/patronages/<id>/refuse", roles=STAFF, body=RequiredReasonSchema,
         response=PatronageSchema, summary="Refuse the patronage, with a reason")
    def refuse_patronage(self, request, id, body):
        return self._decide(request, id, rules.refuse_patronage, "patronage.refused",
                            body["reason"])
