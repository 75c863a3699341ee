"""The registry's command handlers run with a fake unit of work: what they load, save and
emit, without RabbitMQ or a database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from registry.cooperation_domain import RegistrationStatus
from registry.handlers import cooperation, inquiries, organizations, trainings
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden
from wspolpraca.service_layer import ChangeStatus, Due, RecordStep, Submit
from wspolpraca.testing.memory import FakeUnitOfWork, MemoryRepository

OFFICER = Principal("officer-1", frozenset({"officer"}))
CULTURE_DEPARTMENT = Principal("kultura-1", frozenset({"department"}), department="KUL")


class Organizations(MemoryRepository):
    not_found = "Nie ma takiej organizacji."
    versioned = True


class Departments(MemoryRepository):
    def handling(self) -> list[dict[str, Any]]:
        return self.find({})


class Inquiries(MemoryRepository):
    not_found = "Nie ma takiego zapytania."

    def report_overdue(self, inquiry_id: str) -> bool:
        if self.records[inquiry_id].get("overdue_reported"):
            return False
        self.records[inquiry_id]["overdue_reported"] = True
        return True


class Trainings(MemoryRepository):
    versioned = True


class Registrations(MemoryRepository):
    def of_person(self, training_id: str, person: str) -> dict[str, Any] | None:
        return self.find_one({"training_id": training_id, "person": person})

    def _queue(self, training_id: str, *statuses: RegistrationStatus) -> list[dict[str, Any]]:
        return sorted((r for r in self.find({"training_id": training_id})
                       if r["status"] in statuses), key=lambda r: r["queue_number"])

    def first_waiting(self, training_id: str) -> dict[str, Any] | None:
        waiting = self._queue(training_id, RegistrationStatus.WAITLISTED)
        return waiting[0] if waiting else None

    def active(self, training_id: str) -> list[dict[str, Any]]:
        return self._queue(training_id, RegistrationStatus.REGISTERED,
                           RegistrationStatus.WAITLISTED)


def organization(status: str = "pending", version: int = 1) -> dict[str, Any]:
    return {"_id": "org-1", "name": "Fundacja Pomocy", "nip": "5260250274",
            "legal_form": "foundation", "areas": ["culture"], "status": status,
            "status_reason": None, "verified_at": None, "version": version,
            "updated_at": utcnow()}


def registry_unit(**repositories) -> FakeUnitOfWork:
    defaults = {"organizations": Organizations(), "departments": Departments(),
                "inquiries": Inquiries(), "trainings": Trainings(),
                "registrations": Registrations()}
    return FakeUnitOfWork(**{**defaults, **repositories})


# --- organisations: the generic status change -------------------------------------------


def test_verifying_saves_the_new_status_with_the_next_version_and_tells_it():
    uow = registry_unit(organizations=Organizations(organization()))

    record = organizations.change_organization_status(
        ChangeStatus("org-1", "verify", "officer-1"), uow)

    stored = uow.organizations.get("org-1")
    assert record["status"] == stored["status"] == "verified"
    assert stored["version"] == 2 and stored["verified_at"] is not None
    (event,) = uow.emitted
    assert (event.routing_key, event.subject) == ("organization.verified", "org-1")
    assert event.data["changed_by"] == "officer-1"


def test_a_refused_transition_changes_nothing_and_tells_nobody():
    uow = registry_unit(organizations=Organizations(organization("archived")))

    with pytest.raises(DomainError):
        organizations.change_organization_status(
            ChangeStatus("org-1", "verify", "officer-1"), uow)

    assert uow.organizations.get("org-1")["status"] == "archived"
    assert uow.emitted == []


def test_a_status_change_on_a_record_changed_meanwhile_is_refused_with_409():
    class ChangedMeanwhile(Organizations):
        def get(self, record_id, **match):
            record = super().get(record_id, **match)
            self.records[record_id]["version"] += 1  # another officer saved in between
            return record

    uow = registry_unit(organizations=ChangedMeanwhile(organization("verified")))

    with pytest.raises(Conflict) as refused:
        organizations.change_organization_status(ChangeStatus(
            "org-1", "suspend", "officer-1", "Brak sprawozdań"), uow)

    assert refused.value.code == "concurrent_update"
    assert uow.emitted == []


def test_a_representative_renaming_a_verified_organisation_returns_it_with_one_new_version():
    uow = registry_unit(organizations=Organizations(organization("verified", version=3)))

    record = organizations.update_organization(organizations.UpdateOrganization(
        "org-1", {"name": "Fundacja Nowa"}, "ngo-1", by_staff=False), uow)

    assert record["status"] == "pending" and uow.organizations.get("org-1")["version"] == 4
    assert uow.routing_keys == ["organization.updated",
                                "organization.returned_to_verification"]
    assert {e.data["version"] for e in uow.emitted} == {4}


def test_an_update_that_changes_nothing_saves_and_tells_nothing():
    uow = registry_unit(organizations=Organizations(organization()))

    organizations.update_organization(organizations.UpdateOrganization(
        "org-1", {"name": "Fundacja Pomocy"}, "ngo-1", by_staff=False), uow)

    assert uow.organizations.get("org-1")["version"] == 1 and uow.emitted == []


# --- inquiries --------------------------------------------------------------------------

INQUIRY = {"subject": "Lokal na próby", "text": "Czy miasto użycza sal?", "area": "culture",
           "name": "Anna Nowak", "email": "anna@example.org"}


def test_an_inquiry_is_received_and_routed_to_the_department_of_its_area():
    uow = registry_unit(departments=Departments({"_id": "KUL", "areas": ["culture"]},
                                                {"_id": "SPO", "areas": ["sport"]}))

    record = inquiries.file_inquiry(inquiries.FileInquiry(INQUIRY), uow)

    assert uow.routing_keys == ["inquiry.received", "inquiry.routed"]
    assert uow.inquiries.get(record["_id"])["department"] == "KUL"
    assert record["status"] == "routed"


def test_another_department_may_not_answer_and_nothing_changes():
    uow = registry_unit(departments=Departments({"_id": "KUL", "areas": ["culture"]}))
    record = inquiries.file_inquiry(inquiries.FileInquiry(INQUIRY), uow)
    sport = Principal("sport-1", frozenset({"department"}), department="SPO")

    with pytest.raises(Forbidden):
        inquiries.answer_inquiry(inquiries.InquiryStep(record["_id"], sport, "Tak."), uow)

    assert uow.inquiries.get(record["_id"])["answer"] is None
    assert uow.routing_keys == ["inquiry.received", "inquiry.routed"]


def test_the_department_answers_and_the_event_says_whether_on_time():
    uow = registry_unit(departments=Departments({"_id": "KUL", "areas": ["culture"]}))
    record = inquiries.file_inquiry(inquiries.FileInquiry(INQUIRY), uow)

    inquiries.answer_inquiry(inquiries.InquiryStep(record["_id"], CULTURE_DEPARTMENT,
                                                   "Tak, w domu kultury."), uow)

    answered = uow.emitted[-1]
    assert answered.routing_key == "inquiry.answered" and answered.data["on_time"] is True
    assert uow.inquiries.get(record["_id"])["status"] == "answered"


def test_an_overdue_inquiry_is_flagged_once():
    uow = registry_unit()
    record = inquiries.file_inquiry(inquiries.FileInquiry(INQUIRY), uow)
    later = record["deadline"] + timedelta(days=2)

    flagged = [inquiries.flag_overdue(Due(record["_id"], later), uow)
               for _ in range(2)]

    assert flagged == [1, 0]
    assert uow.routing_keys.count("inquiry.overdue") == 1
    assert uow.emitted[-1].data["days_overdue"] == 2


# --- trainings: seats, the waiting list and its promotion -------------------------------


def training(seats: int) -> dict[str, Any]:
    starts = utcnow() + timedelta(days=7)
    return {"_id": "t-1", "title": "RODO w NGO", "kind": "training", "seats": seats,
            "topic": "Ochrona danych", "place": "Ratusz, sala 12",
            "starts_at": starts, "ends_at": starts + timedelta(hours=2), "seats_taken": 0,
            "waiting": 0, "queue_length": 0, "attended": None, "status": "published",
            "reason": None, "version": 1}


def register(uow: FakeUnitOfWork, person: str) -> tuple[int, dict[str, Any]]:
    return trainings.register(trainings.Register(
        "t-1", person, None, {"name": person, "email": f"{person}@example.org"}), uow)


def test_the_last_seat_goes_to_the_first_and_the_next_waits():
    uow = registry_unit(trainings=Trainings(training(seats=1)))

    (_, first), (_, second) = register(uow, "ala"), register(uow, "ola")
    again, same = register(uow, "ola")

    assert (first["status"], second["status"]) == ("registered", "waitlisted")
    assert (again, same["_id"]) == (200, second["_id"])
    stored = uow.trainings.get("t-1")
    assert (stored["seats_taken"], stored["waiting"], stored["version"]) == (1, 1, 3)


def test_a_freed_seat_goes_to_the_first_waiting_who_is_told():
    uow = registry_unit(trainings=Trainings(training(seats=1)))
    for person in ("ala", "ola", "ela"):
        register(uow, person)

    trainings.unregister(trainings.Unregister("t-1", "ala"), uow)

    assert uow.registrations.of_person("t-1", "ola")["status"] == "registered"
    assert uow.registrations.of_person("t-1", "ela")["status"] == "waitlisted"
    unregistered, promoted = uow.emitted[-2:]
    assert unregistered.routing_key == "training.unregistered"
    assert promoted.routing_key == "training.registered"
    assert promoted.data["registration"] == {**promoted.data["registration"],
                                             "person": "ola", "promoted": True}
    stored = uow.trainings.get("t-1")
    assert (stored["seats_taken"], stored["waiting"]) == (1, 1)


def test_calling_a_training_off_tells_every_seat_and_waiting_place():
    uow = registry_unit(trainings=Trainings(training(seats=1)))
    register(uow, "ala")
    register(uow, "ola")

    trainings.cancel_training(trainings.CancelTraining("t-1", "Choroba prowadzącej"), uow)

    cancelled = uow.emitted[-1]
    assert cancelled.routing_key == "training.cancelled"
    assert [r["person"] for r in cancelled.data["registrations"]] == ["ala", "ola"]
    assert cancelled.data["version"] == uow.trainings.get("t-1")["version"]


@pytest.mark.parametrize("handler", [cooperation.request_patronage,
                                     cooperation.post_volunteering])
def test_a_representative_asks_only_for_their_own_organisation_and_nothing_is_saved(handler):
    uow = registry_unit()
    someone_else = Principal("ngo-1", frozenset({"ngo"}), org_id="org-1")

    with pytest.raises(Forbidden):
        handler(Submit(someone_else, {"organization_id": "org-2"}), uow)

    assert uow.emitted == []


def test_a_representative_books_only_for_their_own_organisation():
    uow = registry_unit()
    someone_else = Principal("ngo-1", frozenset({"ngo"}), org_id="org-1")

    with pytest.raises(Forbidden):
        cooperation.request_booking(
            RecordStep(someone_else, "r-1", {"organization_id": "org-2"}), uow)

    assert uow.emitted == []
