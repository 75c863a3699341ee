"""Trainings, consultancy hours and city events for NGOs: the officer publishes them with
a number of seats; NGO people register and unregister (a waiting list when full, the
first waiting promoted when a seat frees); attendance is recorded afterwards."""

from __future__ import annotations

from registry import cooperation_domain as rules
from registry import cooperation_records as records
from registry import repository
from registry.cooperation_domain import RegistrationStatus
from registry.cooperation_repository import REGISTRATIONS, TRAININGS, Registrations, Trainings
from registry.cooperation_schemas import (
    AttendanceSchema,
    RegistrationCreateSchema,
    RegistrationSchema,
    RequiredReasonSchema,
    TrainingCreateSchema,
    TrainingQuerySchema,
    TrainingSchema,
)
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, NotFound
from wspolpraca.http import api
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.pagination import PageQuery

STAFF = ("officer",)


class TrainingsMixin:
    db: Mongo

    @api("POST", "/api/v1/trainings", roles=STAFF, body=TrainingCreateSchema,
         response=TrainingSchema, status=201,
         summary="Publish a training, consultancy hours or a city event with seats")
    def publish_training(self, request, body):
        now = utcnow()
        rules.check_training(body["starts_at"], body["ends_at"], now)
        record = records.new_training(body, request.principal.sub, now)

        def work(tx: Transaction):
            Trainings(tx).add(record)
            tx.emit("training.published", record["_id"], records.training_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/trainings", query=TrainingQuerySchema, response=TrainingSchema,
         summary="Trainings and city events for NGOs")
    def list_trainings(self, request, query):
        found = {"kind": query["kind"]} if query.get("kind") else {}
        return repository.list_page(self.db, TRAININGS, found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/trainings/<id>", response=TrainingSchema, summary="One training")
    def get_training(self, request, id):
        record = self.db[TRAININGS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego szkolenia.")
        return record

    @api("POST", "/api/v1/trainings/<id>/registrations", roles=("ngo",), rate_limited=True,
         body=RegistrationCreateSchema, response=RegistrationSchema, status=201,
         summary="Register for a training (a seat, or the waiting list when full); "
                 "registering again changes nothing (200)")
    def register_for_training(self, request, id, body):
        principal: Principal = request.principal

        def work(tx: Transaction):
            now = utcnow()
            trainings, registrations = Trainings(tx), Registrations(tx)
            training = trainings.get(id)
            rules.open_for_registration(training["status"], training["starts_at"], now)
            existing = registrations.find(id, principal.sub)
            if existing and RegistrationStatus(existing["status"]) in rules.ACTIVE_REGISTRATION:
                return 200, existing
            version = training["version"]
            status = rules.place_for(training["seats"], training["seats_taken"])
            training["queue_length"] += 1
            if status is RegistrationStatus.REGISTERED:
                training["seats_taken"] += 1
            else:
                training["waiting"] += 1
            trainings.write(training, version)
            record = records.new_registration(training, principal.sub, body, principal.org_id,
                                              status, training["queue_length"], now)
            if existing:  # registering again after unregistering: the same record
                record["_id"] = existing["_id"]
                registrations.save(record)
            else:
                registrations.add(record)
            tx.emit("training.registered", id, records.training_payload(
                training, registration=records.registration_payload(record)))
            return 201, record

        return self.db.transaction(work)

    @api("POST", "/api/v1/trainings/<id>/unregister", roles=("ngo",),
         response=RegistrationSchema,
         summary="Unregister from a training; the first on the waiting list takes the seat")
    def unregister_from_training(self, request, id):
        principal: Principal = request.principal

        def work(tx: Transaction):
            now = utcnow()
            trainings, registrations = Trainings(tx), Registrations(tx)
            training = trainings.get(id)
            rules.open_for_registration(training["status"], training["starts_at"], now)
            record = registrations.find(id, principal.sub)
            if record is None:
                raise NotFound("Nie jesteś zapisany na to szkolenie.")
            if record["status"] == RegistrationStatus.UNREGISTERED.value:
                return record
            version = training["version"]
            promoted = None
            if record["status"] == RegistrationStatus.REGISTERED.value:
                promoted = registrations.first_waiting(id)
                if promoted is None:
                    training["seats_taken"] -= 1
                else:
                    training["waiting"] -= 1
                    promoted.update(status=RegistrationStatus.REGISTERED.value, updated_at=now)
                    registrations.save(promoted)
            else:
                training["waiting"] -= 1
            trainings.write(training, version)
            record.update(status=RegistrationStatus.UNREGISTERED.value, updated_at=now)
            registrations.save(record)
            tx.emit("training.unregistered", id, records.training_payload(
                training, registration=records.registration_payload(record)))
            if promoted is not None:
                tx.emit("training.registered", id, records.training_payload(
                    training, registration=records.registration_payload(promoted,
                                                                        promoted=True)))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/trainings/<id>/registrations", roles=STAFF, query=PageQuery,
         response=RegistrationSchema, summary="Who registered, in the order they did")
    def list_registrations(self, request, id, query):
        if self.db[TRAININGS].find_one({"_id": id}, {"_id": 1}) is None:
            raise NotFound("Nie ma takiego szkolenia.")
        return repository.list_page(self.db, REGISTRATIONS, {"training_id": id},
                                    query["limit"], query["cursor"])

    @api("POST", "/api/v1/trainings/<id>/attendance", roles=STAFF, body=AttendanceSchema,
         response=TrainingSchema,
         summary="Record who attended (registration ids); the others are marked absent")
    def record_attendance(self, request, id, body):
        def work(tx: Transaction):
            trainings, registrations = Trainings(tx), Registrations(tx)
            training = trainings.get(id)
            rules.check_attendance(training["status"], training["starts_at"], utcnow())
            attended = sorted(set(body["attended"]))
            known = {r["_id"]: r for r in registrations.registered(id, attended)}
            wrong = [a for a in attended if known.get(a, {}).get("status")
                     != RegistrationStatus.REGISTERED.value]
            if wrong:
                raise DomainError("not_registered",
                                  "Te osoby nie mają miejsca na szkoleniu: " + ", ".join(wrong),
                                  field="attended")
            registrations.mark_attendance(id, attended)
            version = training["version"]
            training["attended"] = len(attended)
            trainings.write(training, version)
            tx.emit("training.attendance_recorded", id,
                    records.training_payload(training, attended=len(attended)))
            return training

        return self.db.transaction(work)

    @api("POST", "/api/v1/trainings/<id>/cancel", roles=STAFF, body=RequiredReasonSchema,
         response=TrainingSchema, summary="Call off a training, with a reason")
    def cancel_training(self, request, id, body):
        def work(tx: Transaction):
            trainings = Trainings(tx)
            training = trainings.get(id)
            status = rules.cancel_training(training["status"], body["reason"])
            version = training["version"]
            training.update(status=status.value, reason=body["reason"])
            trainings.write(training, version)
            # the people to tell: every seat and every place on the waiting list
            told = [records.registration_payload(r)
                    for r in Registrations(tx).active(id)]
            tx.emit("training.cancelled", id, records.training_payload(
                training, reason=body["reason"], registrations=told))
            return training

        return self.db.transaction(work)

