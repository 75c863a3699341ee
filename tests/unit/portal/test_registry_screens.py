"""The registry's remaining screens (portal/office_registry.py) against a fake registry: each
form goes to its API once with the form's Idempotency-Key, the API's 422 or 409 comes back next
to the field it names (and a page that needs a confirmation sends nothing without it), the
routes reach the page they name, and a role that cannot act is not shown the page."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from portal import office_registry, views
from portal.backend import Rejected
from portal.service import PortalService
from portal.sessions import Session
from portal.signin import Tokens
from portal.views import Form
from portal.web import NotAllowed, Site

ORG = {"id": "o1", "name": "Fundacja Zielony Skwer", "legal_form": "foundation",
       "nip": "5261040828", "areas": ["culture"], "email": "biuro@skwer.pl",
       "status": "verified", "address": None}
BOOKING = {"id": "b1", "resource_name": "Sala 1", "organization_name": "Fundacja",
           "starts_at": "2026-12-14T09:00:00+00:00", "ends_at": "2026-12-14T11:00:00+00:00",
           "purpose": "Warsztaty", "status": "approved"}
INQUIRY = {"id": "i1", "subject": "Lokal na zajęcia", "text": "Czy…", "name": "Jan",
           "email": "jan@example.pl", "status": "routed", "department": "culture",
           "received_at": "2026-12-01T09:00:00+00:00", "deadline": "2026-12-15T09:00:00+00:00"}
TRAINING = {"id": "t1", "title": "Pisanie ofert", "kind": "training", "place": "Sala 1",
            "starts_at": "2026-12-01T09:00:00+00:00", "ends_at": "2026-12-01T11:00:00+00:00",
            "seats": 10, "seats_taken": 2, "waiting": 0, "status": "published", "attended": None}
REGISTRATIONS = [
    {"id": "r1", "name": "Anna", "email": "a@x.pl", "status": "registered",
     "registered_at": "2026-11-20T09:00:00+00:00"},
    {"id": "r2", "name": "Piotr", "email": "p@x.pl", "status": "registered",
     "registered_at": "2026-11-20T10:00:00+00:00"}]
PUBLIC = {
    "/api/v1/areas": {"items": [{"code": "culture", "name": "kultura"}]},
    "/api/v1/departments": {"items": [{"code": "culture", "name": "Wydział Kultury"}]},
}


class Registry:
    """The registry's answers by (method, path); a Rejected answer is raised."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, Any, str | None]] = []
        self.conditions: list[str | None] = []   # each write's If-Match
        self.etag = '"1"'                          # every record's version, as its ETag

    def _answer(self, method: str, path: str) -> Any:
        found = self.answers.get((method, path), PUBLIC.get(path) if method == "GET" else None)
        if isinstance(found, Exception):
            raise found
        return found

    def personal(self, method: str, service: str, path: str, token: str, *,
                 params: Any = None, json: Any = None, idempotency_key: str | None = None,
                 if_match: str | None = None, tagged: bool = False) -> Any:
        if method != "GET":
            self.calls.append((method, path, json, idempotency_key))
            self.conditions.append(if_match)
        answer = self._answer(method, path)
        return (answer, self.etag) if tagged else answer

    def get(self, service: str, path: str, **params: Any) -> Any:
        return self._answer("GET", path)

    def items(self, service: str, path: str, **params: Any) -> list[dict]:
        return (self._answer("GET", path) or {}).get("items", [])


def portal(answers: dict[tuple[str, str], Any]) -> tuple[PortalService, Registry]:
    site = Site("s" * 32, urls={}, provider=SimpleNamespace(issuer="http://idp.test"))
    registry = Registry(answers)
    site.backends = registry   # type: ignore[assignment]
    service = PortalService.__new__(PortalService)
    service.site = site
    # the cached dictionaries of areas and departments are loaded from this fake
    views.AREAS.names = {}
    return service, registry


def request(method: str, path: str, roles: list[str], data: dict | None = None,
            **claims: Any) -> Request:
    built = EnvironBuilder(method=method, path=path, data=data or {}).get_request()
    tokens = Tokens(access_token="token", refresh_token=None, id_token="",
                    expires_at=time.time() + 3600,
                    claims={"sub": "u1", "name": "Ewa", "roles": roles, **claims})
    built.session = Session(id="s", tokens=tokens)
    built.csrf_cookie = ""
    return built


def html(response: Response) -> str:
    return response.get_data(as_text=True)


# --- what the forms send ----------------------------------------------------------------------

def test_a_new_organisation_sends_what_was_typed_and_a_change_clears_what_was_emptied() -> None:
    values = {"name": "Fundacja", "legal_form": "foundation", "nip": "526-104-08-28",
              "regon": "", "krs": "0000123456", "areas": ["culture"], "email": "a@b.pl",
              "phone": "", "website": "", "address_street": "Piotrkowska 1",
              "address_postal_code": "90-001", "address_city": "Łódź", "district": ""}
    form = Form(office_registry.ORG_FIELDS, values=values)
    assert office_registry.organisation_body(form, creating=True) == {
        "name": "Fundacja", "legal_form": "foundation", "nip": "526-104-08-28",
        "krs": "0000123456", "areas": ["culture"], "email": "a@b.pl",
        "address": {"street": "Piotrkowska 1", "postal_code": "90-001", "city": "Łódź"}}
    changed = office_registry.organisation_body(
        Form(office_registry.ORG_FIELDS, values={**values, "address_street": "",
                                                 "address_postal_code": "",
                                                 "address_city": ""}), creating=False)
    assert "nip" not in changed
    assert changed["regon"] is None and changed["address"] is None


def test_opening_hours_are_typed_per_day_and_a_wrong_one_is_told_at_its_day() -> None:
    form = Form(office_registry.RESOURCE_FIELDS,
                values={"hours_mon": "8:00-20:00", "hours_wed": "9.30 – 17:00",
                        "hours_fri": "rano"})
    assert office_registry.opening_hours(form) == [
        {"day": "mon", "opens": "08:00", "closes": "20:00"},
        {"day": "wed", "opens": "09:30", "closes": "17:00"}]
    assert list(form.errors) == ["hours_fri"]
    assert office_registry.opening_hours(Form(office_registry.RESOURCE_FIELDS)) is None


# --- the officer and an organisation ------------------------------------------------------------

def test_a_suspension_without_a_reason_is_the_registrys_422_next_to_the_reason() -> None:
    service, registry = portal({
        ("GET", "/api/v1/organizations/o1"): ORG,
        ("POST", "/api/v1/organizations/o1/suspend"): Rejected(
            422, "validation_failed", "Popraw dane.",
            {"reason": ["Missing data for required field."]})})
    response = service.suspend_organisation(request(
        "POST", "/urzad/organizacje/o1/zawies", ["officer"],
        {"reason": "", "idempotency_key": "k1"}), "o1")
    assert response.status_code == 422
    assert registry.calls == [("POST", "/api/v1/organizations/o1/suspend", {}, "k1")]
    page = html(response)
    assert 'id="blad-reason1"' in page and "To pole jest wymagane." in page
    assert page.count('aria-invalid="true"') == 1


def test_a_suspension_with_its_reason_goes_back_to_the_card() -> None:
    service, registry = portal({("POST", "/api/v1/organizations/o1/suspend"): ORG})
    response = service.suspend_organisation(request(
        "POST", "/urzad/organizacje/o1/zawies", ["officer"],
        {"reason": "Brak sprawozdań", "idempotency_key": "k2"}), "o1")
    assert response.status_code == 303
    assert response.location == "/urzad/organizacje/o1?zapisano=zawies#stan"
    assert registry.calls == [("POST", "/api/v1/organizations/o1/suspend",
                               {"reason": "Brak sprawozdań"}, "k2")]


def test_archiving_is_not_sent_until_it_is_confirmed() -> None:
    service, registry = portal({("GET", "/api/v1/organizations/o1"): ORG})
    response = service.archive_organisation(request(
        "POST", "/urzad/organizacje/o1/archiwizuj", ["officer"],
        {"reason": "Likwidacja"}), "o1")
    assert response.status_code == 422
    assert registry.calls == []
    assert "tej decyzji nie da się cofnąć" in html(response)


def test_an_organisations_change_is_a_patch_and_a_new_one_leads_to_representing_it() -> None:
    service, registry = portal({
        ("PATCH", "/api/v1/organizations/o1"): ORG,
        ("POST", "/api/v1/organizations"): {**ORG, "id": "o2", "status": "pending"}})
    typed = {"name": "Fundacja", "legal_form": "foundation", "nip": "5261040828",
             "areas": "culture", "email": "a@b.pl", "idempotency_key": "k3"}
    changed = service.office_save_organisation(request(
        "POST", "/urzad/organizacje/o1/zmien", ["officer"], typed), "o1")
    assert changed.location == "/urzad/organizacje/o1?zapisano=zmieniono"
    registered = service.ngo_register_organisation(request(
        "POST", "/moja-organizacja/nowa-organizacja", ["ngo"], typed, org_id="o1"))
    assert registered.location == ("/moja-organizacja/nowa-organizacja/o2?"
                                   "nazwa=Fundacja+Zielony+Skwer&nip=5261040828")
    assert [(m, p) for m, p, _, _ in registry.calls] == [
        ("PATCH", "/api/v1/organizations/o1"), ("POST", "/api/v1/organizations")]
    assert registry.calls[1][2]["areas"] == ["culture"]


# --- a change is an edit: its version goes back as If-Match, a 412 shows both versions ---------

CHANGED = {"name": "Fundacja Zielony Skwer", "legal_form": "association", "areas": "sport",
           "email": "biuro@skwer.pl"}


def test_an_organisations_change_form_carries_its_version_and_sends_it_as_if_match() -> None:
    service, registry = portal({("GET", "/api/v1/organizations/o1"): ORG,
                                ("PATCH", "/api/v1/organizations/o1"): ORG})
    page = html(service.ngo_organisation_data(request(
        "GET", "/moja-organizacja/dane", ["ngo"], org_id="o1")))
    assert 'name="wersja" value="&#34;1&#34;"' in page and "5261040828" in page
    saved = service.ngo_save_organisation(request(
        "POST", "/moja-organizacja/dane", ["ngo"],
        {**CHANGED, "wersja": '"1"', "idempotency_key": "k7"}, org_id="o1"))
    assert saved.location == "/moja-organizacja/dane?zapisano=1"
    assert registry.conditions == ['"1"']
    assert "nip" not in registry.calls[0][2]            # the NIP never changes


def test_an_organisation_changed_meanwhile_is_explained_with_both_versions_and_kept() -> None:
    service, registry = portal({
        ("GET", "/api/v1/organizations/o1"): ORG,
        ("PATCH", "/api/v1/organizations/o1"): Rejected(
            412, "stale", "Ktoś inny zmienił ten zapis w międzyczasie.", {})})
    registry.etag = '"2"'                               # what the registry holds now
    response = service.office_save_organisation(request(
        "POST", "/urzad/organizacje/o1/zmien", ["officer"],
        {**CHANGED, "wersja": '"1"', "idempotency_key": "k8"}), "o1")
    assert response.status_code == 409 and registry.conditions == ['"1"']
    page = html(response)
    assert "Ktoś inny zmienił dane tej organizacji w międzyczasie." in page
    # only what differs, in words (the legal form and the areas by their names)
    assert "<th scope=\"row\">Forma prawna</th><td class=\"prose\">fundacja</td>" \
           "<td class=\"prose\">stowarzyszenie</td>" in page
    assert "<td class=\"prose\">kultura</td>" in page and ">culture<" not in page
    assert page.count('<th scope="row">') == 2           # the legal form and the areas
    assert 'value="association" selected' in page         # what was typed stays
    assert 'name="wersja" value="&#34;2&#34;"' in page    # saving again applies it
    assert "Popraw następujące błędy" not in page


def test_a_resource_and_a_department_are_changed_from_the_version_they_were_read_at() -> None:
    department = {"code": "culture", "name": "Wydział Kultury", "areas": ["culture"],
                  "contact_person": "Ola", "email": "k@x.pl"}
    service, registry = portal({
        ("GET", "/api/v1/resources/r1"): {"id": "r1", "name": "Sala", "kind": "room",
                                          "department": "culture", "address": "Piotrkowska 1"},
        ("PATCH", "/api/v1/resources/r1"): Rejected(412, "stale", "Zmieniono.", {}),
        ("GET", "/api/v1/departments/culture"): department,
        ("PATCH", "/api/v1/departments/culture"): department})
    resource = service.staff_change_resource(request(
        "POST", "/wydzial/zasoby/r1", ["department"],
        {"name": "Sala duża", "address": "Piotrkowska 1", "wersja": '"1"'},
        department="culture"), "wydzial", "r1")
    assert resource.status_code == 409
    assert "Ktoś inny zmienił dane tego zasobu w międzyczasie." in html(resource)
    assert html(resource).count('<th scope="row">') == 1    # the name, not its kind
    changed = service.office_change_department(request(
        "POST", "/urzad/wydzialy/culture", ["officer"],
        {"name": "Wydział Kultury", "areas": "culture", "contact_person": "Jan",
         "email": "k@x.pl", "wersja": '"1"'}), "culture")
    assert changed.location == "/urzad/wydzialy?zapisano=1"
    assert registry.conditions == ['"1"', '"1"']
    assert registry.calls[1][2] == {"name": "Wydział Kultury", "areas": ["culture"],
                                    "contact_person": "Jan", "email": "k@x.pl"}


def test_the_officers_pages_are_not_for_an_organisation() -> None:
    service, _ = portal({("GET", "/api/v1/organizations/o1"): ORG})
    with pytest.raises(NotAllowed):
        service.office_organisation(request("GET", "/urzad/organizacje/o1", ["ngo"]), "o1")
    with pytest.raises(NotAllowed):
        service.staff_resources(request("GET", "/wydzial/zasoby", ["officer"]), "wydzial")


# --- bookings -----------------------------------------------------------------------------------

def test_an_organisation_cancels_its_booking_once_confirmed() -> None:
    service, registry = portal({("GET", "/api/v1/bookings/b1"): BOOKING,
                                ("POST", "/api/v1/bookings/b1/cancel"): BOOKING})
    response = service.ngo_cancel_booking(request(
        "POST", "/moja-organizacja/rezerwacje/b1/anuluj", ["ngo"],
        {"confirm": "tak", "idempotency_key": "k4"}, org_id="o1"), "b1")
    assert response.location == "/moja-organizacja/rezerwacje?zapisano=anuluj#moje-rezerwacje"
    assert registry.calls == [("POST", "/api/v1/bookings/b1/cancel", {"reason": None}, "k4")]


def test_a_booking_that_has_ended_is_the_registrys_409_on_the_page() -> None:
    service, _ = portal({
        ("GET", "/api/v1/bookings/b1"): BOOKING,
        ("POST", "/api/v1/bookings/b1/cancel"): Rejected(
            409, "booking_finished", "Rezerwacja już się zakończyła.", {})})
    response = service.department_cancel_booking(request(
        "POST", "/wydzial/rezerwacje/b1/anuluj", ["department"], {"confirm": "tak"},
        department="culture"), "b1")
    assert response.status_code == 409
    assert "Rezerwacja już się zakończyła." in html(response)


def test_the_office_refuses_with_a_reason_and_a_department_cannot_open_the_refusal() -> None:
    service, registry = portal({("GET", "/api/v1/bookings/b1"): BOOKING,
                                ("POST", "/api/v1/bookings/b1/refuse"): BOOKING})
    response = service.office_refuse_booking(request(
        "POST", "/urzad/rezerwacje/b1/odrzuc", ["officer"], {"reason": "Remont sali"}), "b1")
    assert response.location == "/urzad/rezerwacje?zapisano=odrzuc#rezerwacje"
    assert registry.calls[0][:3] == ("POST", "/api/v1/bookings/b1/refuse",
                                     {"reason": "Remont sali"})
    with pytest.raises(NotAllowed):
        service.staff_booking_decision_form(request(
            "GET", "/wydzial/rezerwacje/b1/odrzuc", ["department"], department="culture"),
            "wydzial", "b1", "odrzuc")


def test_the_offices_approval_of_an_overlapping_booking_is_the_registrys_409() -> None:
    service, registry = portal({
        ("GET", "/api/v1/bookings/b1"): {**BOOKING, "status": "requested"},
        ("POST", "/api/v1/bookings/b1/approve"): Rejected(
            409, "booking_overlap", "W tym czasie zasób jest już zarezerwowany.", {})})
    response = service.office_approve_booking(request(
        "POST", "/urzad/rezerwacje/b1/zatwierdz", ["officer"], {"idempotency_key": "k6"}),
        "b1")
    assert response.status_code == 409
    assert "W tym czasie zasób jest już zarezerwowany." in html(response)
    assert registry.calls == [("POST", "/api/v1/bookings/b1/approve", None, "k6")]


# --- rooms and equipment ----------------------------------------------------------------------

def test_a_resources_opening_hours_error_is_shown_at_the_day_it_was_typed_for() -> None:
    service, registry = portal({
        ("GET", "/api/v1/resources/r1"): {"id": "r1", "name": "Sala"},
        ("PATCH", "/api/v1/resources/r1"): Rejected(
            422, "validation_failed", "Popraw dane.",
            {"opening_hours.1.closes": ["Godzina zamknięcia jest przed otwarciem."]})})
    response = service.staff_change_resource(request(
        "POST", "/wydzial/zasoby/r1", ["department"],
        {"name": "Sala", "address": "Piotrkowska 1", "hours_mon": "8:00-20:00",
         "hours_thu": "18:00-9:00"}, department="culture"), "wydzial", "r1")
    assert response.status_code == 422
    assert registry.calls[0][2]["opening_hours"][1] == {"day": "thu", "opens": "18:00",
                                                       "closes": "09:00"}
    assert 'id="blad-hours_thu1"' in html(response)


# --- trainings ----------------------------------------------------------------------------------

def test_attendance_sends_the_ticked_registrations_and_a_too_early_one_is_explained() -> None:
    service, registry = portal({
        ("GET", "/api/v1/trainings/t1"): TRAINING,
        ("GET", "/api/v1/trainings/t1/registrations"): {"items": REGISTRATIONS},
        ("POST", "/api/v1/trainings/t1/attendance"): Rejected(
            409, "training_not_started", "Obecność zapisuje się po rozpoczęciu szkolenia.",
            {})})
    response = service.record_training_attendance(request(
        "POST", "/urzad/szkolenia/t1/obecnosc", ["officer"],
        {"attended": "r2", "idempotency_key": "k5"}), "t1")
    assert registry.calls == [("POST", "/api/v1/trainings/t1/attendance",
                               {"attended": ["r2"]}, "k5")]
    page = html(response)
    assert response.status_code == 409 and "po rozpoczęciu szkolenia" in page
    assert 'value="r2" checked' in page and 'value="r1">' in page


def test_calling_a_training_off_needs_the_confirmation_and_sends_the_reason() -> None:
    service, registry = portal({("GET", "/api/v1/trainings/t1"): TRAINING,
                                ("POST", "/api/v1/trainings/t1/cancel"): TRAINING})
    unconfirmed = service.cancel_training(request(
        "POST", "/urzad/szkolenia/t1/odwolaj", ["officer"], {"reason": "Choroba"}), "t1")
    assert unconfirmed.status_code == 422 and registry.calls == []
    done = service.cancel_training(request(
        "POST", "/urzad/szkolenia/t1/odwolaj", ["officer"],
        {"reason": "Choroba", "confirm": "tak"}), "t1")
    assert done.location == "/urzad/szkolenia/t1?zapisano=odwolano"
    assert registry.calls[0][2] == {"reason": "Choroba"}


# --- inquiries ----------------------------------------------------------------------------------

def test_an_inquiry_is_assigned_to_a_person_and_the_apis_message_is_at_the_field() -> None:
    service, registry = portal({
        ("GET", "/api/v1/inquiries/i1"): INQUIRY,
        ("POST", "/api/v1/inquiries/i1/assign"): Rejected(
            422, "validation_failed", "Popraw dane.",
            {"assignee": ["Missing data for required field."]})})
    response = service.department_assign_inquiry(request(
        "POST", "/wydzial/zapytania/i1/przydziel", ["department"], {"assignee": ""},
        department="culture"), "i1")
    assert response.status_code == 422
    assert 'id="blad-assignee1"' in html(response)
    assert registry.calls[0][:3] == ("POST", "/api/v1/inquiries/i1/assign", {"assignee": ""})


# --- routes -------------------------------------------------------------------------------------

def _routes() -> Map:
    rules = []
    for name in dir(PortalService):
        for entry in getattr(getattr(PortalService, name), "nameko_entrypoints", ()) or ():
            rules.append(Rule(entry.url, methods=[entry.method], endpoint=name))
    return Map(rules)


@pytest.mark.parametrize(("method", "path", "endpoint"), [
    ("POST", "/urzad/zapytania/i1/przydziel", "assign_inquiry"),
    ("POST", "/urzad/zapytania/i1/odpowiedz", "handle_inquiry"),
    ("POST", "/wydzial/zapytania/i1/zamknij", "department_close_inquiry"),
    ("POST", "/wydzial/zapytania/i1/odpowiedz", "answer_inquiry"),
    ("POST", "/wydzial/rezerwacje/b1/anuluj", "department_cancel_booking"),
    ("POST", "/wydzial/rezerwacje/b1/zatwierdz", "decide_booking"),
    ("POST", "/urzad/rezerwacje/b1/zatwierdz", "office_approve_booking"),
    ("GET", "/wydzial/rezerwacje/b1/anuluj", "staff_booking_decision_form"),
    ("GET", "/urzad/organizacje/nowa", "office_new_organisation"),
    ("GET", "/urzad/organizacje/o1", "office_organisation"),
    ("GET", "/urzad/organizacje/o1/zawies", "organisation_decision_form"),
    ("GET", "/urzad/organizacje/o1/zmien", "office_change_organisation"),
    ("POST", "/urzad/organizacje/o1/weryfikuj", "verify"),
    ("GET", "/urzad/zasoby/nowy", "staff_new_resource"),
    ("GET", "/wydzial/rezerwacje/wszystkie", "department_all_bookings"),
    ("GET", "/moja-organizacja/rezerwacje/b1", "booking_calendar"),
    ("GET", "/urzad/szkolenia/t1/odwolaj", "training_cancel_form"),
])
def test_each_address_reaches_its_page(method: str, path: str, endpoint: str) -> None:
    assert _routes().bind("portal.test").match(path, method=method)[0] == endpoint


def test_only_the_office_and_the_department_have_staff_pages() -> None:
    from werkzeug.exceptions import NotFound
    with pytest.raises(NotFound):
        _routes().bind("portal.test").match("/konkursy/zasoby/nowy", method="GET")


# --- every page renders -------------------------------------------------------------------------

RESOURCE = {"id": "r1", "name": "Sala 1", "kind": "room", "address": "Piotrkowska 1",
            "department": "culture", "capacity": 40, "accessibility": ["winda"],
            "opening_hours": [{"day": "mon", "opens": "08:00", "closes": "20:00"}]}
READS = {
    ("GET", "/api/v1/organizations/o1"): ORG,
    ("GET", "/api/v1/bookings/b1"): BOOKING,
    ("GET", "/api/v1/bookings"): {"items": [BOOKING, {**BOOKING, "id": "b2",
                                                      "status": "requested"}]},
    ("GET", "/api/v1/resources"): {"items": [RESOURCE]},
    ("GET", "/api/v1/resources/r1"): RESOURCE,
    ("GET", "/api/v1/trainings/t1"): TRAINING,
    ("GET", "/api/v1/trainings/t1/registrations"): {"items": REGISTRATIONS},
    ("GET", "/api/v1/inquiries/i1"): INQUIRY,
    ("GET", "/api/v1/departments/culture"): {"code": "culture", "name": "Wydział Kultury",
                                              "areas": ["culture"], "contact_person": "Ola",
                                              "email": "k@x.pl"},
}


@pytest.mark.parametrize(("page", "path", "roles", "args", "shows"), [
    ("office_organisation", "/urzad/organizacje/o1", ["officer"], ("o1",), "Zawieś organizację"),
    ("organisation_decision_form", "/urzad/organizacje/o1/archiwizuj", ["officer"],
     ("o1", "archiwizuj"), "Potwierdzam archiwizację organizacji"),
    ("office_new_organisation", "/urzad/organizacje/nowa", ["officer"], (), "Zgłoś organizację"),
    ("office_change_organisation", "/urzad/organizacje/o1/zmien", ["officer"], ("o1",),
     'value="Fundacja Zielony Skwer"'),
    ("ngo_new_organisation", "/moja-organizacja/nowa-organizacja", ["ngo"], (), "NIP"),
    ("ngo_registered_organisation", "/moja-organizacja/nowa-organizacja/" + "a" * 24, ["ngo"],
     ("a" * 24,), "Poproś o reprezentowanie"),
    ("ngo_organisation_data", "/moja-organizacja/dane", ["ngo"], (), "wraca do weryfikacji"),
    ("ngo_cancel_booking_form", "/moja-organizacja/rezerwacje/b1/anuluj", ["ngo"], ("b1",),
     "Potwierdzam anulowanie rezerwacji"),
    ("office_all_bookings", "/urzad/rezerwacje", ["officer"], (), "/urzad/rezerwacje/b2/odrzuc"),
    ("department_all_bookings", "/wydzial/rezerwacje/wszystkie", ["department"], (),
     "/wydzial/rezerwacje/b1/anuluj"),
    ("staff_resources", "/urzad/zasoby", ["officer"], ("urzad",), "Wydział Kultury"),
    ("staff_new_resource", "/wydzial/zasoby/nowy", ["department"], ("wydzial",),
     "Godziny otwarcia"),
    ("staff_resource", "/urzad/zasoby/r1", ["officer"], ("urzad", "r1"), "08:00–20:00"),
    ("training_cancel_form", "/urzad/szkolenia/t1/odwolaj", ["officer"], ("t1",),
     "Potwierdzam odwołanie szkolenia"),
    ("office_training", "/urzad/szkolenia/t1", ["officer"], ("t1",), "Zapisz obecność"),
    ("staff_inquiry", "/wydzial/zapytania/i1", ["department"], ("wydzial", "i1"), "Przydziel"),
    ("office_departments", "/urzad/wydzialy", ["officer"], (), "Dodaj wydział"),
    ("office_department", "/urzad/wydzialy/culture", ["officer"], ("culture",), "Kod wydziału"),
])
def test_each_page_renders_with_its_form(page: str, path: str, roles: list[str], args: tuple,
                                         shows: str) -> None:
    service, _ = portal(READS)
    response = getattr(service, page)(request("GET", path, roles, org_id="o1",
                                              department="culture"), *args)
    assert response.status_code == 200
    assert shows in html(response)
