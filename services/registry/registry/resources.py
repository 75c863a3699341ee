"""City rooms and equipment lent free of charge to organisations, and their bookings."""

from __future__ import annotations

from registry import queries
from registry.cooperation_access import may_manage
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
from registry.entry import Entry
from registry.handlers import cooperation
from wspolpraca.http import api
from wspolpraca.service_layer import RecordStep


class ResourcesMixin(Entry):
    # --- resources ---------------------------------------------------------------------

    @api("POST", "/api/v1/resources", roles=("officer", "department"),
         body=ResourceCreateSchema, response=ResourceSchema, status=201,
         summary="Offer a city room or piece of equipment to organisations")
    def create_resource(self, request, body):
        may_manage(request.principal, body["department"])
        return self.handle(cooperation.create_resource, cooperation.CreateResource(body))

    @api("PATCH", "/api/v1/resources/<id>", roles=("officer", "department"),
         body=ResourceUpdateSchema, response=ResourceSchema,
         summary="Change a resource (its managing department or an officer); approved "
                 "bookings stay as they are")
    def update_resource(self, request, id, body):
        return self.handle(cooperation.update_resource,
                           RecordStep(request.principal, id, body))

    @api("GET", "/api/v1/resources", query=ResourceQuerySchema, response=ResourceSchema,
         summary="City rooms and equipment available to organisations")
    def list_resources(self, request, query):
        return queries.resources_page(self.db, query)

    @api("GET", "/api/v1/resources/<id>", response=ResourceSchema, summary="One resource")
    def get_resource(self, request, id):
        return queries.resource(self.db, id)

    @api("GET", "/api/v1/resources/<id>/calendar", query=CalendarQuerySchema,
         response=CalendarSchema,
         summary="A resource's calendar: approved bookings (staff also see requested ones)")
    def resource_calendar(self, request, id, query):
        return queries.resource_calendar(self.db, request.principal, id, query.get("starts"),
                                         query.get("ends"))

    # --- bookings ----------------------------------------------------------------------

    @api("POST", "/api/v1/resources/<id>/bookings", roles=("ngo",), body=BookingCreateSchema,
         response=BookingSchema, status=201,
         summary="Request a booking of a resource for a verified organisation")
    def request_booking(self, request, id, body):
        return self.handle(cooperation.request_booking, RecordStep(request.principal, id, body))

    @api("GET", "/api/v1/bookings", roles=("officer", "department", "ngo"),
         query=BookingQuerySchema, response=BookingSchema,
         summary="Bookings: an organisation's own, a department's resources', or all (officer)")
    def list_bookings(self, request, query):
        return queries.bookings_page(self.db, request.principal, query)

    @api("GET", "/api/v1/bookings/<id>", roles=("officer", "department", "ngo"),
         response=BookingSchema, summary="One booking")
    def get_booking(self, request, id):
        return queries.booking(self.db, request.principal, id)

    @api("POST", "/api/v1/bookings/<id>/approve", roles=("officer", "department"),
         response=BookingSchema,
         summary="Approve a booking (409 when it overlaps an approved one)")
    def approve_booking(self, request, id):
        return self.handle(cooperation.approve_booking,
                           cooperation.DecideBooking(id, request.principal))

    @api("POST", "/api/v1/bookings/<id>/refuse", roles=("officer", "department"),
         body=RequiredReasonSchema, response=BookingSchema,
         summary="Refuse a booking, with a reason")
    def refuse_booking(self, request, id, body):
        return self.handle(cooperation.refuse_booking,
                           cooperation.DecideBooking(id, request.principal, body["reason"]))

    @api("POST", "/api/v1/bookings/<id>/cancel", roles=("officer", "department", "ngo"),
         body=OptionalReasonSchema, response=BookingSchema,
         summary="Cancel a booking (the organisation, its department or an officer)")
    def cancel_booking(self, request, id, body):
        return self.handle(cooperation.cancel_booking, cooperation.DecideBooking(
            id, request.principal, body.get("reason")))
