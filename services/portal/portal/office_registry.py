"""The registry's remaining screens (issue #18): what its API allows and no other page did.

- the officer's organisation card (`/urzad/organizacje/<id>`): its data and status, suspend
  and archive with a reason (archiving after a confirmation), reinstate, change its data
  (`.../zmien`); registering an organisation (`/urzad/organizacje/nowa`);
- the NGO: registering a new organisation (`/moja-organizacja/nowa-organizacja`, then asking
  to represent it) and changing its own organisation's data (`/moja-organizacja/dane`);
- bookings: the organisation cancels its own (`/moja-organizacja/rezerwacje/<id>/anuluj`),
  the office and the department list them (`/urzad/rezerwacje`, `/wydzial/rezerwacje/wszystkie`)
  and cancel them; the office refuses one with a reason;
- rooms and equipment: the office and the department add one and change it
  (`/urzad/zasoby`, `/wydzial/zasoby`);
- trainings: the officer records who attended and calls a training off, with a reason;
- inquiries: the office and the department assign one to the person who answers it and close
  an answered one (`/urzad/zapytania/<id>`, `/wydzial/zapytania/<id>`);
- departments: the officer adds one and changes its areas and contact (`/urzad/wydzialy`).

Every write is `_submit_as` (the person's token, the form's Idempotency-Key, the API's 422 or
409 next to the field it names, POST/redirect/GET); a change of a record's data (an
organisation, a resource, a department) is an edit, `_save_edit`: the form carries the
version it was rendered from (If-Match), and someone else's change saved meanwhile comes back
as both versions side by side with what was typed kept (`workspaces.edited_form`). The
registry decides every rule: who may suspend, which booking may still be cancelled, when
attendance may be recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from portal.bookings import BOOKING_STATUS, RESOURCE_KIND, WEEKDAYS
from portal.department import INQUIRY_STATUS
from portal.listing import Filter
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.trainings_ws import OFFICE_STATUS, TRAINING_KIND
from portal.views import Form, Parts
from portal.web import NotAllowed, page
from portal.workspaces import ORGANISATION_STATUS, edited_form

ALL = {"": "wszystkie"}
LEGAL_FORMS = {
    "association": "stowarzyszenie", "ordinary_association": "stowarzyszenie zwykłe",
    "foundation": "fundacja", "church_legal_person": "kościelna osoba prawna",
    "social_cooperative": "spółdzielnia socjalna", "sports_club": "klub sportowy",
    "nonprofit_company": "spółka non-profit",
    "local_government_association": "stowarzyszenie jednostek samorządu terytorialnego",
    "other": "inny podmiot (art. 3 ust. 3 ustawy)",
}

# --- an organisation's data ------------------------------------------------------------------
ORG_FIELDS = ("name", "legal_form", "nip", "regon", "krs", "areas", "email", "phone",
              "website", "address_street", "address_postal_code", "address_city", "district")
ORG_LABELS = {
    "name": "Nazwa organizacji", "legal_form": "Forma prawna", "nip": "NIP",
    "regon": "REGON", "krs": "Numer KRS", "areas": "Obszary działalności pożytku publicznego",
    "email": "Adres e-mail organizacji", "phone": "Telefon", "website": "Strona internetowa",
    "address_street": "Ulica i numer", "address_postal_code": "Kod pocztowy",
    "address_city": "Miejscowość", "district": "Dzielnica"}
ORG_OPTIONAL = ("regon", "krs", "phone", "website", "district")
ORG_EDIT_FIELDS = tuple(name for name in ORG_FIELDS if name != "nip")   # the NIP never changes
ADDRESS = ("street", "postal_code", "city")


def organisation_body(form: Form, creating: bool) -> dict[str, Any]:
    """The registry's body from the form: an empty optional field is no value (`null` clears
    it in a change), the address is whole or none. A new organisation's NIP is sent as typed
    (the registry checks its check digit); a change never sends the NIP (it cannot change)."""
    v = form.values
    body: dict[str, Any] = {"name": v["name"], "legal_form": v["legal_form"],
                            "areas": list(v["areas"]), "email": v["email"]}
    for name in ORG_OPTIONAL:
        body[name] = v[name] or None
    address = {part: v[f"address_{part}"] for part in ADDRESS}
    body["address"] = address if any(address.values()) else None
    if creating:
        body["nip"] = v["nip"]
        body = {k: value for k, value in body.items() if value is not None}
    return body


def organisation_values(org: dict[str, Any]) -> dict[str, Any]:
    """The change form's values: the organisation's data as the registry has it."""
    address = org.get("address") or {}
    values: dict[str, Any] = {name: org.get(name) or "" for name in ORG_EDIT_FIELDS}
    values["areas"] = list(org.get("areas") or [])
    for part in ADDRESS:
        values[f"address_{part}"] = address.get(part) or ""
    return values


# --- a reason, and a confirmation of what cannot be undone ----------------------------------
REASON_LABELS = {"reason": "Uzasadnienie", "confirm": "Potwierdzenie"}


def reason_form(request: Any, confirm: str | None = None) -> Form:
    """A decision's reason (the registry requires one where the Act does: it names the field
    when it is missing) and, for what cannot be undone, the box that confirms it."""
    form = Form.read(request, ("reason", "confirm"), REASON_LABELS)
    if confirm and form.values["confirm"] != "tak":
        form.errors.setdefault("confirm", []).append(confirm)
    return form


def reason_body(form: Form, required: bool) -> dict[str, Any]:
    """The reason as typed; none typed is no reason (where one is required, the registry
    names the field)."""
    reason = form.values["reason"]
    if reason:
        return {"reason": reason}
    return {} if required else {"reason": None}


# a booking's decisions on a page of their own: the registry's path, whether it needs a
# reason, what to tick first (a cancellation is final)
BOOKING_ACTIONS: dict[str, tuple[str, bool, str | None]] = {
    "anuluj": ("cancel", False,
               "Zaznacz, że anulujesz rezerwację: tej decyzji nie da się cofnąć."),
    "odrzuc": ("refuse", True, None),
    "zatwierdz": ("approve", False, None),
}

# --- rooms and equipment ---------------------------------------------------------------------
RESOURCE_FIELDS = ("name", "kind", "department", "address", "district", "capacity",
                   "description", "accessibility", "included",
                   *(f"hours_{day}" for day in WEEKDAYS))
DAY_NAMES = {"mon": "poniedziałek", "tue": "wtorek", "wed": "środa", "thu": "czwartek",
             "fri": "piątek", "sat": "sobota", "sun": "niedziela"}
RESOURCE_LABELS = {
    "name": "Nazwa", "kind": "Rodzaj", "department": "Wydział, który zarządza",
    "address": "Adres", "district": "Dzielnica", "capacity": "Liczba miejsc",
    "description": "Opis", "accessibility": "Dostępność (każda cecha w osobnym wierszu)",
    "included": "W cenie użyczenia (każda rzecz w osobnym wierszu)",
    **{f"hours_{day}": f"Godziny otwarcia: {name}" for day, name in DAY_NAMES.items()}}
# what a change sends: the kind and the department that manages it stay as they were
RESOURCE_EDIT_FIELDS = tuple(name for name in RESOURCE_FIELDS
                             if name not in ("kind", "department"))
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
HOURS = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})$")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def opening_hours(form: Form) -> list[dict[str, str]] | None:
    """The week's opening windows typed as "8:00–20:00" per day (an empty day is closed);
    no day filled in is no opening hours (the resource may be booked at any hour). A time
    that is not one is told at its day."""
    windows = []
    for day in WEEKDAYS:
        typed = form.values.get(f"hours_{day}", "").replace(" ", "")
        if not typed:
            continue
        found = HOURS.match(typed)
        if not found:
            form.errors.setdefault(f"hours_{day}", []).append(
                "Wpisz godziny otwarcia, np. 8:00–20:00, albo zostaw puste, gdy zamknięte.")
            continue
        opens, closes = (f"{int(found[1]):02d}:{found[2]}", f"{int(found[3]):02d}:{found[4]}")
        windows.append({"day": day, "opens": opens, "closes": closes})
    return windows or None


def resource_body(form: Form, creating: bool) -> dict[str, Any]:
    v = form.values
    body: dict[str, Any] = {"name": v["name"], "address": v["address"],
                            "district": v["district"] or None,
                            "description": v["description"] or None,
                            "accessibility": _lines(v["accessibility"]),
                            "included": _lines(v["included"]),
                            "opening_hours": opening_hours(form), "capacity": None}
    if v["capacity"]:
        try:
            body["capacity"] = int(v["capacity"])
        except ValueError:
            form.errors.setdefault("capacity", []).append("Wpisz liczbę miejsc, np. 40.")
    if creating:
        body.update(kind=v["kind"], department=v["department"])
        body = {k: value for k, value in body.items() if value is not None}
    return body


def resource_values(resource: dict[str, Any]) -> dict[str, Any]:
    """The change form's values: the resource as the registry has it."""
    values: dict[str, Any] = {name: resource.get(name) or "" for name in RESOURCE_EDIT_FIELDS}
    values["capacity"] = str(resource.get("capacity") or "")
    values["accessibility"] = "\n".join(resource.get("accessibility") or [])
    values["included"] = "\n".join(resource.get("included") or [])
    for window in resource.get("opening_hours") or []:
        values[f"hours_{window['day']}"] = f"{window['opens']}–{window['closes']}"
    return values


# the API's opening_hours.N, at the day it came from
def _hours_items(body: dict[str, Any]) -> dict[str, list[str]]:
    return {"opening_hours": [f"hours_{w['day']}" for w in body.get("opening_hours") or []]}


# --- departments -----------------------------------------------------------------------------
DEPARTMENT_FIELDS = ("code", "name", "areas", "contact_person", "email")
DEPARTMENT_LABELS = {"code": "Kod wydziału", "name": "Nazwa", "areas": "Obszary, które prowadzi",
                     "contact_person": "Osoba do kontaktu", "email": "Adres e-mail"}


DEPARTMENT_EDIT_FIELDS = DEPARTMENT_FIELDS[1:]   # a department's code never changes


def department_values(department: dict[str, Any]) -> dict[str, Any]:
    """The change form's values: the department as the registry has it."""
    values = {name: department.get(name) or "" for name in DEPARTMENT_EDIT_FIELDS}
    values["areas"] = list(department.get("areas") or [])
    return values


def department_body(form: Form, creating: bool) -> dict[str, Any]:
    v = form.values
    body = {"name": v["name"], "areas": list(v["areas"]),
            "contact_person": v["contact_person"], "email": v["email"]}
    return {"code": v["code"], **body} if creating else body


# the places a staff page lives under (`<any(urzad,wydzial):where>`) and the role it needs
WHERE = {"urzad": "officer", "wydzial": "department"}


class RegistryActionsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (what `SignedIn` declares) and
    TrainingsMixin (`_present`)."""

    _present: Callable[[Session, str, Parts], list[dict]]   # TrainingsMixin's

    def _registry_staff(self, request: Request, where: str) -> Session:
        """The officer under /urzad, the department's person under /wydzial."""
        if where not in WHERE:
            raise NotAllowed(where)
        return self._role(request, WHERE[where])

    # --- the officer's organisation card --------------------------------------------------
    @page("GET", "/urzad/organizacje/<id>")
    def office_organisation(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._organisation_card(request, me, id)

    def _organisation_card(self, request: Request, me: Session, id: str,
                           reinstating: Form | None = None, status: int = 200) -> Response:
        org = self._call(me, "GET", "registry", f"/api/v1/organizations/{id}")
        parts = Parts()
        return self.site.render(
            request, "workspace/office_organisation.html", status=status, parts=parts,
            o=org, areas=self._area_names(parts), legal_forms=LEGAL_FORMS,
            statuses=ORGANISATION_STATUS, saved=request.args.get("zapisano"),
            reinstating=reinstating or Form((), labels={}))

    # suspending and archiving: a page of its own each, with the reason (and, for archiving,
    # which is final, the confirmation)
    DECISIONS = {"zawies": ("suspend", None),
                 "archiwizuj": ("archive", "Zaznacz, że archiwizujesz organizację: tej decyzji "
                                           "nie da się cofnąć.")}

    @page("GET", "/urzad/organizacje/<id>/<any(zawies,archiwizuj):action>")
    def organisation_decision_form(self, request: Request, id: str, action: str) -> Response:
        me = self._role(request, "officer")
        return self._organisation_decision(request, me, id, action,
                                           Form(("reason", "confirm"), labels=REASON_LABELS))

    def _organisation_decision(self, request: Request, me: Session, id: str, action: str,
                               form: Form, status: int = 200) -> Response:
        org = self._call(me, "GET", "registry", f"/api/v1/organizations/{id}")
        return self.site.render(request, "workspace/organisation_decision.html",
                                status=status, o=org, form=form, action=action,
                                statuses=ORGANISATION_STATUS)

    @page("POST", "/urzad/organizacje/<id>/zawies")
    def suspend_organisation(self, request: Request, id: str) -> Response:
        return self._decide_organisation(request, id, "zawies")

    @page("POST", "/urzad/organizacje/<id>/archiwizuj")
    def archive_organisation(self, request: Request, id: str) -> Response:
        return self._decide_organisation(request, id, "archiwizuj")

    def _decide_organisation(self, request: Request, id: str, action: str) -> Response:
        me = self._role(request, "officer")
        path, confirm = self.DECISIONS[action]
        form = reason_form(request, confirm=confirm)
        return self._submit_as(me, request, form, "registry",
                               f"/api/v1/organizations/{id}/{path}", reason_body(form, True),
                               f"/urzad/organizacje/{id}?zapisano={action}#stan",
                               lambda status: self._organisation_decision(
                                   request, me, id, action, form, status))

    @page("POST", "/urzad/organizacje/<id>/przywroc")
    def reinstate_organisation(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, (), {})
        return self._submit_as(me, request, form, "registry",
                               f"/api/v1/organizations/{id}/reinstate", None,
                               f"/urzad/organizacje/{id}?zapisano=przywroc#stan",
                               lambda status: self._organisation_card(request, me, id, form,
                                                                      status))

    # --- an organisation's data: registered and changed -----------------------------------
    def _organisation_page(self, request: Request, form: Form, *, title: str, action: str,
                           back: tuple[str, str], creating: bool, status: int = 200,
                           **extra: Any) -> Response:
        parts = Parts()
        return self.site.render(
            request, "workspace/organisation_form.html", status=status, parts=parts,
            form=form, areas=self._area_names(parts), legal_forms=LEGAL_FORMS,
            title=title, action=action, back=back, creating=creating, **extra)

    def _register_organisation(self, request: Request, me: Session,
                               done: Callable[[Any], str],
                               again: Callable[[Form, int], Response]) -> Response:
        form = Form.read(request, ORG_FIELDS, ORG_LABELS, many=("areas",))
        return self._submit_as(me, request, form, "registry", "/api/v1/organizations",
                               organisation_body(form, True), done,
                               lambda status: again(form, status))

    @page("GET", "/urzad/organizacje/nowa")
    def office_new_organisation(self, request: Request) -> Response:
        self._role(request, "officer")
        return self._office_new_organisation(request, Form(ORG_FIELDS, labels=ORG_LABELS,
                                                           values={"areas": []}))

    def _office_new_organisation(self, request: Request, form: Form,
                                 status: int = 200) -> Response:
        return self._organisation_page(
            request, form, title="Nowa organizacja w bazie miasta",
            action="/urzad/organizacje/nowa", back=("/urzad/organizacje", "Organizacje"),
            creating=True, status=status)

    @page("POST", "/urzad/organizacje/nowa")
    def office_register_organisation(self, request: Request) -> Response:
        me = self._role(request, "officer")
        return self._register_organisation(
            request, me, lambda org: f"/urzad/organizacje/{org['id']}?zapisano=zarejestrowano",
            lambda form, status: self._office_new_organisation(request, form, status))

    # a change is an edit (`_save_edit`): the form carries the version it was rendered from
    # (If-Match); someone else's change saved meanwhile comes back as both versions
    @page("GET", "/urzad/organizacje/<id>/zmien")
    def office_change_organisation(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._organisation_edit(request, me, id, own=False)

    @page("POST", "/urzad/organizacje/<id>/zmien")
    def office_save_organisation(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._save_organisation(request, me, id, own=False)

    def _organisation_edit(self, request: Request, me: Session, id: str, *, own: bool,
                           form: Form | None = None, status: int = 200) -> Response:
        """The change form of an organisation's data: the officer's (`/urzad/organizacje/<id>
        /zmien`) or, `own`, its representative's (`/moja-organizacja/dane`)."""
        org, version = self._read_versioned(me, "registry", f"/api/v1/organizations/{id}")
        form = edited_form(form, Form(ORG_EDIT_FIELDS, labels=ORG_LABELS),
                           organisation_values(org), version, "dane tej organizacji",
                           {"areas": self._area_names(Parts()), "legal_form": LEGAL_FORMS})
        if own:
            return self._organisation_page(
                request, form, title="Dane organizacji", action="/moja-organizacja/dane",
                back=("/moja-organizacja", "Moja organizacja"), creating=False,
                status=status, org=org, own=True, saved=request.args.get("zapisano") == "1")
        return self._organisation_page(
            request, form, title="Zmiana danych organizacji",
            action=f"/urzad/organizacje/{id}/zmien",
            back=(f"/urzad/organizacje/{id}", "Organizacja"), creating=False, status=status,
            org=org)

    def _save_organisation(self, request: Request, me: Session, id: str, *,
                           own: bool) -> Response:
        form = Form.read(request, ORG_EDIT_FIELDS, ORG_LABELS, many=("areas",))
        done = "/moja-organizacja/dane?zapisano=1" if own else \
            f"/urzad/organizacje/{id}?zapisano=zmieniono"
        return self._save_edit(
            me, request, form, "PATCH", "registry", f"/api/v1/organizations/{id}",
            organisation_body(form, False), done,
            lambda status: self._organisation_edit(request, me, id, own=own, form=form,
                                                   status=status))

    @page("GET", "/moja-organizacja/nowa-organizacja")
    def ngo_new_organisation(self, request: Request) -> Response:
        self._role(request, "ngo")
        return self._ngo_new_organisation(request, Form(ORG_FIELDS, labels=ORG_LABELS,
                                                        values={"areas": []}))

    def _ngo_new_organisation(self, request: Request, form: Form, status: int = 200) -> Response:
        return self._organisation_page(
            request, form, title="Zgłoszenie nowej organizacji",
            action="/moja-organizacja/nowa-organizacja",
            back=("/moja-organizacja", "Moja organizacja"), creating=True, status=status)

    @page("POST", "/moja-organizacja/nowa-organizacja")
    def ngo_register_organisation(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        return self._register_organisation(
            request, me, lambda org: f"/moja-organizacja/nowa-organizacja/{org['id']}?" + urlencode(
                {"nazwa": org.get("name") or "", "nip": org.get("nip") or ""}),
            lambda form, status: self._ngo_new_organisation(request, form, status))

    @page("GET", "/moja-organizacja/nowa-organizacja/<id>")
    def ngo_registered_organisation(self, request: Request, id: str) -> Response:
        """The confirmation: the organisation's identifier, and the request to represent it
        (identity's, as on /moja-organizacja) at one click. The registry shows a waiting
        organisation only to the office and its representatives, so the name and NIP come
        from the registration's answer (the address it redirected to)."""
        self._role(request, "ngo")
        if not OBJECT_ID.match(id):
            raise NotAllowed(id)
        org = {"id": id, "name": request.args.get("nazwa", "")[:300],
               "nip": request.args.get("nip", "")[:20]}
        return self.site.render(request, "workspace/organisation_registered.html", o=org)

    @page("GET", "/moja-organizacja/dane")
    def ngo_organisation_data(self, request: Request) -> Response:
        me = self._own_organisation(request)
        return self._organisation_edit(request, me, me.org_id or "", own=True)

    @page("POST", "/moja-organizacja/dane")
    def ngo_save_organisation(self, request: Request) -> Response:
        me = self._own_organisation(request)
        return self._save_organisation(request, me, me.org_id or "", own=True)

    def _own_organisation(self, request: Request) -> Session:
        """A representative acting for an organisation (one they chose)."""
        me = self._role(request, "ngo")
        if not me.org_id:
            raise NotAllowed("ngo")
        return me

    # --- bookings: cancelled, refused, listed for the staff --------------------------------
    @page("GET", "/moja-organizacja/rezerwacje/<id>/anuluj")
    def ngo_cancel_booking_form(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        return self._booking_decision(request, me, id, "anuluj", "/moja-organizacja/rezerwacje",
                                      Form(("reason", "confirm"), labels=REASON_LABELS))

    @page("POST", "/moja-organizacja/rezerwacje/<id>/anuluj")
    def ngo_cancel_booking(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        return self._decide_booking_as(request, me, id, "anuluj", "/moja-organizacja/rezerwacje")

    @page("GET", "/urzad/rezerwacje")
    def office_all_bookings(self, request: Request) -> Response:
        return self._staff_bookings(request, "urzad", self._role(request, "officer"))

    @page("GET", "/wydzial/rezerwacje/wszystkie")
    def department_all_bookings(self, request: Request) -> Response:
        return self._staff_bookings(request, "wydzial", self._role(request, "department"))

    def _staff_bookings(self, request: Request, where: str, me: Session) -> Response:
        """Every booking the person may see (the registry limits a department to its own
        resources), filtered by state, with what each may still become."""
        parts = Parts()
        code = me.claims.get("department") if where == "wydzial" else None
        resources = parts.fetch(lambda: self.site.backends.items(
            "registry", "/api/v1/resources", department=code), []) or []
        listing = self._list(me, request, parts, "registry", "/api/v1/bookings", filters=(
            Filter("stan", "status", "Stan rezerwacji", {**ALL, **BOOKING_STATUS},
                   default="approved"),
            Filter("zasob", "resource_id", "Sala albo sprzęt",
                   {**ALL, **{r["id"]: r["name"] for r in resources}})))
        return self.site.render(request, "workspace/staff_bookings.html", parts=parts,
                                listing=listing, bookings=listing.items, where=where,
                                statuses=BOOKING_STATUS, saved=request.args.get("zapisano"))

    @page("GET", "/<any(urzad,wydzial):where>/rezerwacje/<id>/<action>")
    def staff_booking_decision_form(self, request: Request, where: str, id: str,
                                    action: str) -> Response:
        me = self._registry_staff(request, where)
        if action not in BOOKING_ACTIONS or (action != "anuluj" and where != "urzad"):
            raise NotAllowed(action)
        return self._booking_decision(request, me, id, action, self._bookings_back(where),
                                      Form(("reason", "confirm"), labels=REASON_LABELS))

    @page("POST", "/urzad/rezerwacje/<id>/anuluj")
    def office_cancel_booking(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._decide_booking_as(request, me, id, "anuluj", self._bookings_back("urzad"))

    @page("POST", "/urzad/rezerwacje/<id>/odrzuc")
    def office_refuse_booking(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._decide_booking_as(request, me, id, "odrzuc", self._bookings_back("urzad"))

    @page("POST", "/urzad/rezerwacje/<id>/zatwierdz")
    def office_approve_booking(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._decide_booking_as(request, me, id, "zatwierdz",
                                       self._bookings_back("urzad"))

    @page("POST", "/wydzial/rezerwacje/<id>/anuluj")
    def department_cancel_booking(self, request: Request, id: str) -> Response:
        me = self._role(request, "department")
        return self._decide_booking_as(request, me, id, "anuluj",
                                       self._bookings_back("wydzial"))

    @staticmethod
    def _bookings_back(where: str) -> str:
        return "/urzad/rezerwacje" if where == "urzad" else "/wydzial/rezerwacje/wszystkie"

    def _booking_decision(self, request: Request, me: Session, id: str, action: str,
                          back: str, form: Form, status: int = 200) -> Response:
        booking = self._call(me, "GET", "registry", f"/api/v1/bookings/{id}")
        return self.site.render(request, "workspace/booking_decision.html", status=status,
                                b=booking, form=form, action=action, back=back,
                                statuses=BOOKING_STATUS)

    def _decide_booking_as(self, request: Request, me: Session, id: str, action: str,
                           back: str) -> Response:
        path, required, confirm = BOOKING_ACTIONS[action]
        anchor = "moje-rezerwacje" if back.startswith("/moja-organizacja") else "rezerwacje"
        form = reason_form(request, confirm=confirm)
        return self._submit_as(
            me, request, form, "registry", f"/api/v1/bookings/{id}/{path}",
            reason_body(form, required) if path != "approve" else None,
            f"{back}?zapisano={action}#{anchor}",
            lambda status: self._booking_decision(request, me, id, action, back, form, status))

    # --- rooms and equipment ---------------------------------------------------------------
    @page("GET", "/<any(urzad,wydzial):where>/zasoby")
    def staff_resources(self, request: Request, where: str) -> Response:
        me = self._registry_staff(request, where)
        parts = Parts()
        code = me.claims.get("department") if where == "wydzial" else None
        found = parts.fetch(lambda: self.site.backends.items(
            "registry", "/api/v1/resources", department=code))
        return self.site.render(request, "workspace/staff_resources.html", parts=parts,
                                resources=found, where=where, kinds=RESOURCE_KIND,
                                departments=self._department_names(parts),
                                saved=request.args.get("zapisano"))

    def _resource_page(self, request: Request, where: str, form: Form, *, id: str | None,
                       status: int = 200) -> Response:
        parts = Parts()
        me = self._me(request)
        return self.site.render(
            request, "workspace/resource_form.html", status=status, parts=parts, form=form,
            where=where, id=id, kinds=RESOURCE_KIND, days=DAY_NAMES,
            departments=self._department_names(parts) if where == "urzad" else {},
            own_department=me.claims.get("department"))

    @page("GET", "/<any(urzad,wydzial):where>/zasoby/nowy")
    def staff_new_resource(self, request: Request, where: str) -> Response:
        me = self._registry_staff(request, where)
        form = Form(RESOURCE_FIELDS, labels=RESOURCE_LABELS, values={
            "kind": "room", "department": me.claims.get("department") or ""})
        return self._resource_page(request, where, form, id=None)

    @page("POST", "/<any(urzad,wydzial):where>/zasoby/nowy")
    def staff_add_resource(self, request: Request, where: str) -> Response:
        me = self._registry_staff(request, where)
        form = Form.read(request, RESOURCE_FIELDS, RESOURCE_LABELS)
        if where == "wydzial":   # a department offers its own (the registry checks it too)
            form.values["department"] = me.claims.get("department") or ""
        body = resource_body(form, creating=True)
        return self._submit_as(
            me, request, form, "registry", "/api/v1/resources", body,
            f"/{where}/zasoby?zapisano=1#zasoby",
            lambda status: self._resource_page(request, where, form, id=None, status=status),
            items=_hours_items(body))

    @page("GET", "/<any(urzad,wydzial):where>/zasoby/<id>")
    def staff_resource(self, request: Request, where: str, id: str) -> Response:
        me = self._registry_staff(request, where)
        return self._resource_edit(request, me, where, id)

    def _resource_edit(self, request: Request, me: Session, where: str, id: str,
                       form: Form | None = None, status: int = 200) -> Response:
        resource, version = self._read_versioned(me, "registry", f"/api/v1/resources/{id}")
        form = edited_form(form, Form(RESOURCE_EDIT_FIELDS, labels=RESOURCE_LABELS),
                           resource_values(resource), version, "dane tego zasobu")
        return self._resource_page(request, where, form, id=id, status=status)

    @page("POST", "/<any(urzad,wydzial):where>/zasoby/<id>")
    def staff_change_resource(self, request: Request, where: str, id: str) -> Response:
        me = self._registry_staff(request, where)
        form = Form.read(request, RESOURCE_EDIT_FIELDS, RESOURCE_LABELS)
        body = resource_body(form, creating=False)
        return self._save_edit(
            me, request, form, "PATCH", "registry", f"/api/v1/resources/{id}", body,
            f"/{where}/zasoby?zapisano=1#zasoby",
            lambda status: self._resource_edit(request, me, where, id, form, status),
            items=_hours_items(body))

    # --- trainings: attendance and calling one off -----------------------------------------
    @page("POST", "/urzad/szkolenia/<id>/obecnosc")
    def record_training_attendance(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, ("attended",), {"attended": "Obecni"}, many=("attended",))
        return self._submit_as(
            me, request, form, "registry", f"/api/v1/trainings/{id}/attendance",
            {"attended": form.values["attended"]},
            f"/urzad/szkolenia/{id}?zapisano=obecnosc#obecnosc",
            lambda status: self._training_attendance_page(request, me, id, form, status))

    def _training_attendance_page(self, request: Request, me: Session, id: str, form: Form,
                                  status: int) -> Response:
        training = self.site.backends.get("registry", f"/api/v1/trainings/{id}")
        parts = Parts()
        listing = self._list(me, request, parts, "registry",
                             f"/api/v1/trainings/{id}/registrations",
                             at=f"/urzad/szkolenia/{id}")
        return self.site.render(request, "workspace/training_office.html", status=status,
                                parts=parts, t=training, registrations=listing.items,
                                listing=listing, kinds=TRAINING_KIND, statuses=OFFICE_STATUS,
                                saved=None, attendance=form,
                                present=self._present(me, id, parts))

    @page("GET", "/urzad/szkolenia/<id>/odwolaj")
    def training_cancel_form(self, request: Request, id: str) -> Response:
        self._role(request, "officer")
        return self._training_cancel(request, id, Form(("reason", "confirm"),
                                                       labels=REASON_LABELS))

    def _training_cancel(self, request: Request, id: str, form: Form,
                         status: int = 200) -> Response:
        training = self.site.backends.get("registry", f"/api/v1/trainings/{id}")
        return self.site.render(request, "workspace/training_cancel.html", status=status,
                                t=training, form=form)

    @page("POST", "/urzad/szkolenia/<id>/odwolaj")
    def cancel_training(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        form = reason_form(request, confirm=(
            "Zaznacz, że odwołujesz szkolenie: zapisani dostaną wiadomość."))
        return self._submit_as(me, request, form, "registry", f"/api/v1/trainings/{id}/cancel",
                               reason_body(form, True), f"/urzad/szkolenia/{id}?zapisano=odwolano",
                               lambda status: self._training_cancel(request, id, form, status))

    # --- inquiries: who answers, and closing an answered one -------------------------------
    @page("GET", "/<any(urzad,wydzial):where>/zapytania/<id>")
    def staff_inquiry(self, request: Request, where: str, id: str) -> Response:
        me = self._registry_staff(request, where)
        return self._inquiry_page(request, me, where, id, {})

    def _inquiry_page(self, request: Request, me: Session, where: str, id: str,
                      forms: dict[str, Form], status: int = 200) -> Response:
        inquiry = self._call(me, "GET", "registry", f"/api/v1/inquiries/{id}")
        parts = Parts()
        assign = Form(("assignee",), labels={"assignee": "Osoba, która odpowie"},
                      values={"assignee": inquiry.get("assignee") or ""})
        forms = {"przydziel": assign, "zamknij": Form((), labels={}), **forms}
        return self.site.render(request, "workspace/inquiry_office.html", status=status,
                                parts=parts, i=inquiry, where=where, forms=forms,
                                statuses=INQUIRY_STATUS,
                                departments=self._department_names(parts),
                                saved=request.args.get("zapisano"))

    # (one page per place: the office's `/urzad/zapytania/<id>/<action>` would take the
    # office's posts from a page of both places)
    @page("POST", "/urzad/zapytania/<id>/przydziel")
    def assign_inquiry(self, request: Request, id: str) -> Response:
        return self._assign_inquiry(request, "urzad", id)

    @page("POST", "/wydzial/zapytania/<id>/przydziel")
    def department_assign_inquiry(self, request: Request, id: str) -> Response:
        return self._assign_inquiry(request, "wydzial", id)

    def _assign_inquiry(self, request: Request, where: str, id: str) -> Response:
        me = self._registry_staff(request, where)
        form = Form.read(request, ("assignee",), {"assignee": "Osoba, która odpowie"})
        return self._submit_as(
            me, request, form, "registry", f"/api/v1/inquiries/{id}/assign",
            {"assignee": form.values["assignee"]},
            f"/{where}/zapytania/{id}?zapisano=przydziel",
            lambda status: self._inquiry_page(request, me, where, id, {"przydziel": form},
                                              status))

    @page("POST", "/urzad/zapytania/<id>/zamknij")
    def close_inquiry(self, request: Request, id: str) -> Response:
        return self._close_inquiry(request, "urzad", id)

    @page("POST", "/wydzial/zapytania/<id>/zamknij")
    def department_close_inquiry(self, request: Request, id: str) -> Response:
        return self._close_inquiry(request, "wydzial", id)

    def _close_inquiry(self, request: Request, where: str, id: str) -> Response:
        me = self._registry_staff(request, where)
        form = Form.read(request, (), {})
        return self._submit_as(
            me, request, form, "registry", f"/api/v1/inquiries/{id}/close", None,
            f"/{where}/zapytania/{id}?zapisano=zamknij",
            lambda status: self._inquiry_page(request, me, where, id, {"zamknij": form},
                                              status))

    # --- departments -----------------------------------------------------------------------
    @page("GET", "/urzad/wydzialy")
    def office_departments(self, request: Request) -> Response:
        self._role(request, "officer")
        parts = Parts()
        found = parts.fetch(lambda: self.site.backends.items("registry", "/api/v1/departments"))
        return self.site.render(request, "workspace/office_departments.html", parts=parts,
                                departments=found, areas=self._area_names(parts),
                                saved=request.args.get("zapisano"))

    def _department_page(self, request: Request, form: Form, code: str | None,
                         status: int = 200) -> Response:
        parts = Parts()
        return self.site.render(request, "workspace/department_form.html", status=status,
                                parts=parts, form=form, code=code,
                                areas=self._area_names(parts))

    @page("GET", "/urzad/wydzialy/nowy")
    def office_new_department(self, request: Request) -> Response:
        self._role(request, "officer")
        return self._department_page(request, Form(DEPARTMENT_FIELDS, labels=DEPARTMENT_LABELS,
                                                   values={"areas": []}), None)

    @page("POST", "/urzad/wydzialy/nowy")
    def office_add_department(self, request: Request) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, DEPARTMENT_FIELDS, DEPARTMENT_LABELS, many=("areas",))
        return self._submit_as(me, request, form, "registry", "/api/v1/departments",
                               department_body(form, True), "/urzad/wydzialy?zapisano=1",
                               lambda status: self._department_page(request, form, None,
                                                                    status))

    @page("GET", "/urzad/wydzialy/<code>")
    def office_department(self, request: Request, code: str) -> Response:
        me = self._role(request, "officer")
        return self._department_edit(request, me, code)

    def _department_edit(self, request: Request, me: Session, code: str,
                         form: Form | None = None, status: int = 200) -> Response:
        found, version = self._read_versioned(me, "registry", f"/api/v1/departments/{code}")
        form = edited_form(form, Form(DEPARTMENT_EDIT_FIELDS, labels=DEPARTMENT_LABELS),
                           department_values(found), version, "dane tego wydziału",
                           {"areas": self._area_names(Parts())})
        return self._department_page(request, form, code, status)

    @page("POST", "/urzad/wydzialy/<code>")
    def office_change_department(self, request: Request, code: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, DEPARTMENT_EDIT_FIELDS, DEPARTMENT_LABELS, many=("areas",))
        return self._save_edit(
            me, request, form, "PATCH", "registry", f"/api/v1/departments/{code}",
            department_body(form, False), "/urzad/wydzialy?zapisano=1",
            lambda status: self._department_edit(request, me, code, form, status))
