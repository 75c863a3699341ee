"""City rooms and equipment lent free of charge to organisations, and their bookings."""

from __future__ import annotations

from datetime import timedelta

from pymongo import ASCENDING

from registry import cooperation_domain as rules
from registry import cooperation_records as records
from registry import repository
from registry.cooperation_access import RULES, acting_for, may_manage, verified_organization
from registry.cooperation_repository import BOOKINGS, RESOURCES, Bookings, Resources
from registry.cooperation_schemas import (
    BookingCreateSchema,
    BookingQuerySchema,
    BookingSchema,
    CalendarQuerySchema,
    CalendarSchema,
    OptionalReasonSchema,
    RequiredReasonSchema,
    ResourceCreateSchema,
    ResourceQuerySchema,
    ResourceSchema,
    ResourceUpdateSchema,
)
from registry.domain import search_key
from registry.repository import Departments
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.http import api
from wspolpraca.mongo import Mongo, Transaction

CALENDAR_DEFAULT_DAYS = 31
CALENDAR_MAX_DAYS = 366
CALENDAR_MAX_ITEMS = 1000


class ResourcesMixin:
    db: Mongo

    # --- resources ---------------------------------------------------------------------

    @api("POST", "/api/v1/resources", roles=("officer", "department"),
         body=ResourceCreateSchema, response=ResourceSchema, status=201,
         summary="Offer a city room or piece of equipment to organisations")
    def create_resource(self, request, body):
        principal: Principal = request.principal
        may_manage(principal, body["department"])
        record = records.new_resource(body, utcnow())

        def work(tx: Transaction):
            try:
                Departments(tx).get(record["department"])
            except NotFound:
                raise DomainError("unknown_department", "Nie ma takiego wydziału.",
                                  field="department") from None
            Resources(tx).add(record)
            tx.emit("resource.created", record["_id"], records.resource_payload(record))
            return record

        return self.db.transaction(work)

    @api("PATCH", "/api/v1/resources/<id>", roles=("officer", "department"),
         body=ResourceUpdateSchema, response=ResourceSchema,
         summary="Change a resource (its managing department or an officer); approved "
                 "bookings stay as they are")
    def update_resource(self, request, id, body):
        principal: Principal = request.principal

        def work(tx: Transaction):
            resources = Resources(tx)
            current = resources.get(id)
            may_manage(principal, current["department"])
            record, changed = records.updated_resource(current, body, utcnow())
            if not changed:
                return current
            resources.save(record)
            tx.emit("resource.updated", id,
                    records.resource_payload(record, changed_fields=changed))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/resources", query=ResourceQuerySchema, response=ResourceSchema,
         summary="City rooms and equipment available to organisations")
    def list_resources(self, request, query):
        found: dict = {}
        for key in ("kind", "department"):
            if query.get(key):
                found[key] = query[key]
        if query.get("district"):
            found["district_key"] = search_key(query["district"])
        return repository.list_page(self.db, RESOURCES, found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/resources/<id>", response=ResourceSchema, summary="One resource")
    def get_resource(self, request, id):
        record = self.db[RESOURCES].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego zasobu.")
        return record

    @api("GET", "/api/v1/resources/<id>/calendar", query=CalendarQuerySchema,
         response=CalendarSchema,
         summary="A resource's calendar: approved bookings (staff also see requested ones)")
    def resource_calendar(self, request, id, query):
        if self.db[RESOURCES].find_one({"_id": id}, {"_id": 1}) is None:
            raise NotFound("Nie ma takiego zasobu.")
        starts = query.get("starts") or utcnow()
        ends = query.get("ends") or starts + timedelta(days=CALENDAR_DEFAULT_DAYS)
        if ends <= starts or ends - starts > timedelta(days=CALENDAR_MAX_DAYS):
            raise DomainError("invalid_period",
                              f"Okres kalendarza: od 1 sekundy do {CALENDAR_MAX_DAYS} dni.",
                              field="to")
        principal: Principal | None = request.principal
        shown = [rules.BookingStatus.APPROVED.value]
        if principal is not None and (principal.is_staff or "department" in principal.roles):
            shown.append(rules.BookingStatus.REQUESTED.value)
        items = list(self.db[BOOKINGS].find(
            {"resource_id": id, "status": {"$in": shown}, "starts_at": {"$lt": ends},
             "ends_at": {"$gt": starts}}).sort("starts_at", ASCENDING).limit(CALENDAR_MAX_ITEMS))
        return {"resource_id": id, "starts": starts, "ends": ends, "items": items}

    # --- bookings ----------------------------------------------------------------------

    @api("POST", "/api/v1/resources/<id>/bookings", roles=("ngo",), body=BookingCreateSchema,
         response=BookingSchema, status=201,
         summary="Request a booking of a resource for a verified organisation")
    def request_booking(self, request, id, body):
        principal: Principal = request.principal
        acting_for(principal, body["organization_id"])
        now = utcnow()

        def work(tx: Transaction):
            resource = Resources(tx).get(id)
            rules.check_booking(body["starts_at"], body["ends_at"], now,
                                records.resource_windows(resource), RULES,
                                resource.get("capacity"), body.get("attendees"))
            organization = verified_organization(tx, body["organization_id"])
            record = records.new_booking(body, resource, organization, principal.sub, now)
            bookings = Bookings(tx)
            if bookings.approved_overlapping(id, record["starts_at"], record["ends_at"]):
                raise _overlap()
            bookings.add(record)
            tx.emit("booking.requested", record["_id"], records.booking_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/bookings", roles=("officer", "department", "ngo"),
         query=BookingQuerySchema, response=BookingSchema,
         summary="Bookings: an organisation's own, a department's resources', or all (officer)")
    def list_bookings(self, request, query):
        principal: Principal = request.principal
        found: dict = {k: query[k] for k in ("organization_id", "resource_id", "status")
                       if query.get(k)}
        if not principal.is_staff:
            if "department" in principal.roles and principal.department:
                found["department"] = principal.department
            elif principal.org_id:
                if query.get("organization_id") not in (None, principal.org_id):
                    raise Forbidden("Możesz przeglądać tylko rezerwacje własnej organizacji.")
                found["organization_id"] = principal.org_id
            else:
                raise Forbidden()
        return repository.list_page(self.db, BOOKINGS, found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/bookings/<id>", roles=("officer", "department", "ngo"),
         response=BookingSchema, summary="One booking")
    def get_booking(self, request, id):
        record = self.db[BOOKINGS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej rezerwacji.")
        self._may_see_booking(request.principal, record)
        return record

    def _may_see_booking(self, principal: Principal, record: dict) -> None:
        if principal.org_id and principal.org_id == record["organization_id"]:
            return
        may_manage(principal, record["department"])

    @api("POST", "/api/v1/bookings/<id>/approve", roles=("officer", "department"),
         response=BookingSchema,
         summary="Approve a booking (409 when it overlaps an approved one)")
    def approve_booking(self, request, id):
        principal: Principal = request.principal

        def work(tx: Transaction):
            bookings = Bookings(tx)
            record = bookings.get(id)
            may_manage(principal, record["department"])
            status = rules.approve_booking(record["status"])
            if record["starts_at"] <= utcnow():
                raise Conflict("booking_in_the_past", "Termin rezerwacji już minął.")
            # suspended or archived since the request: no city rooms for it
            verified_organization(tx, record["organization_id"])
            # serialise approvals of this resource, then look for a clash
            Resources(tx).lock_bookings(record["resource_id"])
            clash = bookings.approved_overlapping(record["resource_id"], record["starts_at"],
                                                  record["ends_at"], exclude=id)
            if clash is not None:
                raise _overlap()
            record.update(status=status.value, decided_by=principal.sub, updated_at=utcnow())
            bookings.save(record)
            tx.emit("booking.approved", id, records.booking_payload(record))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/bookings/<id>/refuse", roles=("officer", "department"),
         body=RequiredReasonSchema, response=BookingSchema,
         summary="Refuse a booking, with a reason")
    def refuse_booking(self, request, id, body):
        principal: Principal = request.principal

        def work(tx: Transaction):
            bookings = Bookings(tx)
            record = bookings.get(id)
            may_manage(principal, record["department"])
            status = rules.refuse_booking(record["status"], body["reason"])
            record.update(status=status.value, reason=body["reason"], decided_by=principal.sub,
                          updated_at=utcnow())
            bookings.save(record)
            tx.emit("booking.refused", id, records.booking_payload(record))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/bookings/<id>/cancel", roles=("officer", "department", "ngo"),
         body=OptionalReasonSchema, response=BookingSchema,
         summary="Cancel a booking (the organisation, its department or an officer)")
    def cancel_booking(self, request, id, body):
        principal: Principal = request.principal

        def work(tx: Transaction):
            bookings = Bookings(tx)
            record = bookings.get(id)
            self._may_see_booking(principal, record)
            now = utcnow()
            status = rules.cancel_booking(record["status"], record["ends_at"], now)
            record.update(status=status.value, reason=body.get("reason"),
                          decided_by=principal.sub, updated_at=now)
            bookings.save(record)
            tx.emit("booking.cancelled", id, records.booking_payload(record))
            return record

        return self.db.transaction(work)


def _overlap() -> Conflict:
    return Conflict("booking_overlaps",
                    "W tym czasie zasób jest już zarezerwowany (zatwierdzona rezerwacja).",
                    field="starts_at")
