"""Trainings, consultancy hours and city events: publishing, registering (a seat or the
waiting list), unregistering (the first waiting takes the freed seat), attendance and
calling off. Every change of a training's places writes the training with its version, so
concurrent registrations of one training are serialised (see cooperation_repository)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry import cooperation_domain as rules
from registry import cooperation_records as records
from registry.cooperation_domain import RegistrationStatus
from registry.handlers import Unit
from wspolpraca.envelope import utcnow
from wspolpraca.errors import NotFound
from wspolpraca.service_layer import Changed, Event, Submit, change, create

Record = dict[str, Any]


def publish_training(command: Submit, uow: Unit) -> Record:
    now = utcnow()
    rules.check_training(command.body["starts_at"], command.body["ends_at"], now)
    record = records.new_training(command.body, command.principal.sub, now)
    return create(uow, uow.trainings, record, "training.published",
                  records.training_payload(record))


@dataclass(frozen=True)
class Register:
    training_id: str
    person: str
    organization_id: str | None
    data: dict[str, Any]


def register(command: Register, uow: Unit) -> tuple[int, Record]:
    """A seat, or a place on the waiting list (201); registering again changes nothing (200).
    Registering again after unregistering reuses the same record."""
    now = utcnow()
    training = uow.trainings.get(command.training_id)
    rules.open_for_registration(training["status"], training["starts_at"], now)
    existing = uow.registrations.of_person(command.training_id, command.person)
    if existing and RegistrationStatus(existing["status"]) in rules.ACTIVE_REGISTRATION:
        return 200, existing
    version = training["version"]
    status, seating = rules.join(rules.Seating.of(training))
    training.update(seating.fields())
    uow.trainings.replace(training, version)
    record = records.new_registration(training, command.person, command.data,
                                      command.organization_id, status,
                                      seating.queue_length, now)
    if existing:
        record["_id"] = existing["_id"]
        uow.registrations.save(record)
    else:
        uow.registrations.add(record)
    uow.emit("training.registered", command.training_id, records.training_payload(
        training, registration=records.registration_payload(record)))
    return 201, record


@dataclass(frozen=True)
class Unregister:
    training_id: str
    person: str


def unregister(command: Unregister, uow: Unit) -> Record:
    """Give up a seat (the first on the waiting list takes it) or a waiting place."""
    now = utcnow()
    training = uow.trainings.get(command.training_id)
    rules.open_for_registration(training["status"], training["starts_at"], now)
    record = uow.registrations.of_person(command.training_id, command.person)
    if record is None:
        raise NotFound("Nie jesteś zapisany na to szkolenie.")
    if record["status"] == RegistrationStatus.UNREGISTERED.value:
        return record
    version = training["version"]
    first_waiting = uow.registrations.first_waiting(command.training_id) \
        if record["status"] == RegistrationStatus.REGISTERED.value else None
    seating, promoted = rules.leave(rules.Seating.of(training), record["status"],
                                    first_waiting is not None)
    training.update(seating.fields())
    if promoted and first_waiting is not None:
        first_waiting.update(status=RegistrationStatus.REGISTERED.value, updated_at=now)
        uow.registrations.save(first_waiting)
    uow.trainings.replace(training, version)
    record.update(status=RegistrationStatus.UNREGISTERED.value, updated_at=now)
    uow.registrations.save(record)
    uow.emit("training.unregistered", command.training_id, records.training_payload(
        training, registration=records.registration_payload(record)))
    if promoted and first_waiting is not None:
        uow.emit("training.registered", command.training_id, records.training_payload(
            training, registration=records.registration_payload(first_waiting,
                                                                promoted=True)))
    return record


@dataclass(frozen=True)
class RecordAttendance:
    training_id: str
    attended: list[str]


def record_attendance(command: RecordAttendance, uow: Unit) -> Record:
    """Who attended (registration ids holding a seat); the others are marked absent."""
    def attend(training: Record) -> Changed:
        rules.check_attendance(training["status"], training["starts_at"], utcnow())
        found = uow.registrations.registered(training["_id"], list(command.attended))
        attended = rules.check_attended(command.attended,
                                        {r["_id"]: r["status"] for r in found})
        uow.registrations.mark_attendance(training["_id"], attended)
        training["attended"] = len(attended)
        by_organization = rules.attendance_by_organization(
            uow.registrations.seats(training["_id"]), attended)
        return Changed(training, [Event("training.attendance_recorded", lambda: records.
                                        training_payload(training, attended=len(attended),
                                                         attended_by_organization=by_organization))])

    return change(uow, uow.trainings, command.training_id, attend)


@dataclass(frozen=True)
class CancelTraining:
    training_id: str
    reason: str


def cancel_training(command: CancelTraining, uow: Unit) -> Record:
    """Call the training off; every seat and waiting place is told."""
    def cancel(training: Record) -> Changed:
        status = rules.cancel_training(training["status"], command.reason)
        training.update(status=status.value, reason=command.reason)
        told = [records.registration_payload(r)
                for r in uow.registrations.active(training["_id"])]
        return Changed(training, [Event("training.cancelled", lambda: records.training_payload(
            training, reason=command.reason, registrations=told))])

    return change(uow, uow.trainings, command.training_id, cancel)
