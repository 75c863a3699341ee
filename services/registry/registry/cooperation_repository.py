"""MongoDB access for non-financial cooperation: resources and bookings, patronages,
trainings and their registrations, partnerships and volunteering needs.

Two rules hold in the database, not only in code:
- two approved bookings of one resource never overlap: an approval first bumps the
  resource's `booking_version` inside its transaction, so two concurrent approvals of
  the same resource write the same document and one of them hits a write conflict,
  is retried by `with_transaction`, and then sees the other's approved booking;
- a training's seats never go below zero: every registration change updates the
  training document (its `seats_taken` and `version`) in the same transaction, so
  changes to one training are serialised the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.cooperation_domain import BookingStatus, RegistrationStatus
from wspolpraca.errors import Conflict, NotFound
from wspolpraca.mongo import Collection, DomainGauge, count_by
from wspolpraca.repository import (
    Repository,
    UnversionedRepository,
    backfill_versions,
    collection_repository,
)

RESOURCES = "resources"
BOOKINGS = "bookings"
PATRONAGES = "patronages"
TRAININGS = "trainings"
REGISTRATIONS = "training_registrations"
PARTNERSHIPS = "partnerships"
VOLUNTEERING = "volunteering_needs"

COLLECTIONS = (
    Collection(RESOURCES, (
        IndexModel([("department", ASCENDING), ("_id", ASCENDING)], name="department"),
        IndexModel([("kind", ASCENDING), ("_id", ASCENDING)], name="kind"),
    ), migrate=backfill_versions),
    Collection(BOOKINGS, (
        IndexModel([("resource_id", ASCENDING), ("status", ASCENDING),
                    ("starts_at", ASCENDING)], name="resource_calendar"),
        IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)], name="organization"),
        IndexModel([("department", ASCENDING), ("_id", ASCENDING)], name="department"),
    )),
    Collection(PATRONAGES, (
        IndexModel([("status", ASCENDING), ("_id", ASCENDING)], name="status"),
        IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)], name="organization"),
    )),
    Collection(TRAININGS, (
        IndexModel([("status", ASCENDING), ("starts_at", ASCENDING)], name="status"),
    )),
    Collection(REGISTRATIONS, (
        # one registration per person and training: registering twice finds the first
        IndexModel([("training_id", ASCENDING), ("person", ASCENDING)],
                   name="training_person_unique", unique=True),
        IndexModel([("training_id", ASCENDING), ("status", ASCENDING),
                    ("queue_number", ASCENDING)], name="training_queue"),
        # a person's own registrations (the NGO's trainings page)
        IndexModel([("person", ASCENDING), ("_id", ASCENDING)], name="person"),
    )),
    Collection(PARTNERSHIPS, (
        IndexModel([("organization_ids", ASCENDING), ("_id", ASCENDING)], name="party"),
        IndexModel([("areas", ASCENDING), ("_id", ASCENDING)], name="areas"),
    )),
    Collection(VOLUNTEERING, (
        IndexModel([("areas", ASCENDING), ("_id", ASCENDING)], name="areas"),
        IndexModel([("district_key", ASCENDING), ("_id", ASCENDING)], name="district"),
    )),
)


class Resources(Repository):
    collection_name = RESOURCES
    not_found = "Nie ma takiego zasobu."

    def lock_bookings(self, resource_id: str) -> None:
        """Write the resource's booking version: concurrent approvals of this resource
        now conflict, and all but one are retried after the others committed.

        The one partial write of a versioned record that leaves its `version` as it is: the
        lock is no part of the resource (its API view has no `booking_version`), so the
        resource's ETag does not change, and an officer editing the room is not refused
        (412) for every booking approved meanwhile."""
        result = self.collection.update_one({"_id": resource_id},
                                            {"$inc": {"booking_version": 1}},
                                            session=self.session)
        if result.matched_count != 1:
            raise NotFound(self.not_found)


class Bookings(UnversionedRepository):
    collection_name = BOOKINGS
    not_found = "Nie ma takiej rezerwacji."

    def approved_overlapping(self, resource_id: str, starts_at: datetime, ends_at: datetime,
                             exclude: str | None = None) -> dict[str, Any] | None:
        query: dict[str, Any] = {"resource_id": resource_id,
                                 "status": BookingStatus.APPROVED.value,
                                 "starts_at": {"$lt": ends_at}, "ends_at": {"$gt": starts_at}}
        if exclude:
            query["_id"] = {"$ne": exclude}
        return self.collection.find_one(query, session=self.session)


Patronages = collection_repository(
    "Patronages", PATRONAGES, "Nie ma takiego wniosku o patronat.", versioned=False)


Trainings = collection_repository("Trainings", TRAININGS, "Nie ma takiego szkolenia.")


class Registrations(UnversionedRepository):
    collection_name = REGISTRATIONS
    not_found = "Nie ma takiego zapisu."

    def of_person(self, training_id: str, person: str) -> dict[str, Any] | None:
        return self.collection.find_one({"training_id": training_id, "person": person},
                                        session=self.session)

    def add(self, record: dict[str, Any]) -> None:
        try:
            self.collection.insert_one(record, session=self.session)
        except DuplicateKeyError:
            raise Conflict("already_registered", "Ta osoba jest już zapisana.") from None

    def first_waiting(self, training_id: str) -> dict[str, Any] | None:
        return self.collection.find_one(
            {"training_id": training_id, "status": RegistrationStatus.WAITLISTED.value},
            sort=[("queue_number", ASCENDING)], session=self.session)

    def active(self, training_id: str) -> list[dict[str, Any]]:
        """Who holds a seat or a place on the waiting list, in the order they registered."""
        return list(self.collection.find(
            {"training_id": training_id,
             "status": {"$in": [RegistrationStatus.REGISTERED.value,
                                RegistrationStatus.WAITLISTED.value]}},
            sort=[("queue_number", ASCENDING)], session=self.session))

    def registered(self, training_id: str, ids: list[str]) -> list[dict[str, Any]]:
        return list(self.collection.find(
            {"training_id": training_id, "_id": {"$in": ids}}, session=self.session))

    def seats(self, training_id: str) -> list[dict[str, Any]]:
        """Who holds a seat: their registration ids and organisations."""
        return list(self.collection.find(
            {"training_id": training_id, "status": RegistrationStatus.REGISTERED.value},
            {"organization_id": 1}, session=self.session))

    def mark_attendance(self, training_id: str, attended: list[str]) -> None:
        registered = {"training_id": training_id, "status": RegistrationStatus.REGISTERED.value}
        self.collection.update_many({**registered, "_id": {"$in": attended}},
                                    {"$set": {"attended": True}}, session=self.session)
        self.collection.update_many({**registered, "_id": {"$nin": attended}},
                                    {"$set": {"attended": False}}, session=self.session)


Partnerships = collection_repository(
    "Partnerships", PARTNERSHIPS, "Nie ma takiego partnerstwa.", versioned=False)


VolunteeringNeeds = collection_repository(
    "VolunteeringNeeds", VOLUNTEERING, "Nie ma takiego ogłoszenia.", versioned=False)


GAUGES = (
    DomainGauge("wspolpraca_registry_resources", "City rooms and equipment by kind.", ("kind",),
                lambda db: count_by(db, RESOURCES, "kind", "kind")),
    DomainGauge("wspolpraca_registry_bookings", "Bookings of city resources by status.",
                ("status",), lambda db: count_by(db, BOOKINGS, "status", "status")),
    DomainGauge("wspolpraca_registry_patronages", "Patronage requests by status.", ("status",),
                lambda db: count_by(db, PATRONAGES, "status", "status")),
    DomainGauge("wspolpraca_registry_training_registrations",
                "Registrations for trainings by status.", ("status",),
                lambda db: count_by(db, REGISTRATIONS, "status", "status")),
)
