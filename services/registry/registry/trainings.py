"""Trainings, consultancy hours and city events for NGOs: the officer publishes them with
a number of seats; NGO people register and unregister (a waiting list when full, the
first waiting promoted when a seat frees); attendance is recorded afterwards."""

from __future__ import annotations

from registry import queries
from registry.cooperation_schemas import (
    AttendanceSchema,
    RegistrationCreateSchema,
    RegistrationSchema,
    RequiredReasonSchema,
    TrainingCreateSchema,
    TrainingQuerySchema,
    TrainingSchema,
)
from registry.entry import STAFF, Entry
from registry.handlers import trainings
from wspolpraca.auth import Principal
from wspolpraca.http import api
from wspolpraca.pagination import PageQuery
from wspolpraca.service_layer import Submit


class TrainingsMixin(Entry):
    @api("POST", "/api/v1/trainings", roles=STAFF, body=TrainingCreateSchema,
         response=TrainingSchema, status=201,
         summary="Publish a training, consultancy hours or a city event with seats")
    def publish_training(self, request, body):
        return self.handle(trainings.publish_training,
                           Submit(request.principal, body))

    @api("GET", "/api/v1/trainings", query=TrainingQuerySchema, response=TrainingSchema,
         summary="Trainings and city events for NGOs")
    def list_trainings(self, request, query):
        return queries.trainings_page(self.db, query)

    @api("GET", "/api/v1/trainings/<id>", response=TrainingSchema, summary="One training")
    def get_training(self, request, id):
        return queries.training(self.db, id)

    @api("POST", "/api/v1/trainings/<id>/registrations", roles=("ngo",), rate_limited=True,
         body=RegistrationCreateSchema, response=RegistrationSchema, status=201,
         summary="Register for a training (a seat, or the waiting list when full); "
                 "registering again changes nothing (200)")
    def register_for_training(self, request, id, body):
        principal: Principal = request.principal
        return self.handle(trainings.register, trainings.Register(
            id, principal.sub, principal.org_id, body))

    @api("POST", "/api/v1/trainings/<id>/unregister", roles=("ngo",),
         response=RegistrationSchema,
         summary="Unregister from a training; the first on the waiting list takes the seat")
    def unregister_from_training(self, request, id):
        return self.handle(trainings.unregister,
                           trainings.Unregister(id, request.principal.sub))

    @api("GET", "/api/v1/trainings/<id>/registrations", roles=STAFF, query=PageQuery,
         response=RegistrationSchema, summary="Who registered, in the order they did")
    def list_registrations(self, request, id, query):
        return queries.registrations_page(self.db, id, query["limit"], query["cursor"])

    @api("GET", "/api/v1/trainings/registrations", roles=("ngo",), query=PageQuery,
         response=RegistrationSchema,
         summary="The signed-in person's own registrations (a seat, the waiting list with "
                 "the place in it, or given up)")
    def list_own_registrations(self, request, query):
        return queries.own_registrations_page(self.db, request.principal.sub, query["limit"],
                                              query["cursor"])

    @api("POST", "/api/v1/trainings/<id>/attendance", roles=STAFF, body=AttendanceSchema,
         response=TrainingSchema,
         summary="Record who attended (registration ids); the others are marked absent")
    def record_attendance(self, request, id, body):
        return self.handle(trainings.record_attendance,
                           trainings.RecordAttendance(id, body["attended"]))

    @api("POST", "/api/v1/trainings/<id>/cancel", roles=STAFF, body=RequiredReasonSchema,
         response=TrainingSchema, summary="Call off a training, with a reason")
    def cancel_training(self, request, id, body):
        return self.handle(trainings.cancel_training,
                           trainings.CancelTraining(id, body["reason"]))
