"""Trainings, consultancy hours and city events for organisations (issue #18,
`/moja-organizacja/szkolenia`, `/urzad/szkolenia`): the officer announces one with its seats
and sees who registered; an organisation's person registers (a seat, or the waiting list when
the seats are taken, as the registry decides) and gives the place up (the first waiting then
takes the seat, the registry again). The registry's answers are shown as they are: its 422 next
to the field it names, a training no longer open for registration (409) at its form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.patronages_ws import local_moments
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import NotAllowed, page

TRAINING_KIND = {"training": "Szkolenie", "consultancy": "Dyżur doradczy",
                 "event": "Wydarzenie miejskie"}
REGISTRATION_STATUS = {"registered": "Masz miejsce", "waitlisted": "Lista rezerwowa",
                       "unregistered": "Rezygnacja"}
OFFICE_STATUS = {"registered": "Ma miejsce", "waitlisted": "Lista rezerwowa",
                 "unregistered": "Rezygnacja"}
FIELDS = ("title", "kind", "topic", "description", "place", "starts_at", "ends_at", "seats",
          "trainer")
LABELS = {"title": "Tytuł", "kind": "Rodzaj", "topic": "Temat", "description": "Opis",
          "place": "Miejsce", "starts_at": "Początek", "ends_at": "Koniec",
          "seats": "Liczba miejsc", "trainer": "Prowadzący"}
SIGN_UP = ("name", "email")
SIGN_UP_LABELS = {"name": "Imię i nazwisko uczestnika", "email": "E-mail uczestnika"}


def training_body(form: Form) -> dict[str, Any]:
    v = form.values
    body: dict[str, Any] = {name: v[name] for name in ("title", "kind", "topic", "place")
                            if v[name]}
    body["description"] = v["description"] or None
    body["trainer"] = v["trainer"] or None
    if v["seats"]:
        try:
            body["seats"] = int(v["seats"])
        except ValueError:
            form.errors.setdefault("seats", []).append("Wpisz liczbę miejsc, np. 20.")
    body.update(local_moments(form, ("starts_at", "ends_at")))
    return body


def upcoming(trainings: list[dict], now: datetime) -> list[dict]:
    """Those not yet over, the soonest first."""
    return sorted((t for t in trainings if formatting.to_datetime(t["ends_at"]) > now),
                  key=lambda t: t["starts_at"])


class TrainingsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`, `_items`)."""

    # --- the organisation's people ---------------------------------------------------------
    @page("GET", "/moja-organizacja/szkolenia")
    def my_trainings(self, request: Request) -> Response:
        return self._my_trainings(request, self._role(request, "ngo"))

    def _my_trainings(self, request: Request, me: Session, failed: str | None = None,
                      form: Form | None = None, status: int = 200) -> Response:
        parts = Parts()
        moment = datetime.now(formatting.WARSAW)
        found = parts.fetch(lambda: self.site.backends.items("registry", "/api/v1/trainings"))
        mine = parts.fetch(lambda: self._items(me, "registry",
                                               "/api/v1/trainings/registrations"), []) or []
        typed = Form(SIGN_UP, labels=SIGN_UP_LABELS, values={
            "name": me.claims.get("name") or "", "email": me.claims.get("email") or ""})
        return self.site.render(
            request, "workspace/trainings_mine.html", status=status, parts=parts,
            trainings=upcoming(found, moment) if found is not None else None,
            mine={r["training_id"]: r for r in mine}, kinds=TRAINING_KIND,
            statuses=REGISTRATION_STATUS, failed=failed, form=form or typed, typed=typed,
            saved=request.args.get("zapisano"))

    @page("POST", "/moja-organizacja/szkolenia/<id>/<action>")
    def sign_up(self, request: Request, id: str, action: str) -> Response:
        me = self._role(request, "ngo")
        if action not in ("zapisz", "zrezygnuj"):
            raise NotAllowed(action)
        form = Form.read(request, SIGN_UP, SIGN_UP_LABELS)
        path, body = ("registrations", dict(form.values)) if action == "zapisz" \
            else ("unregister", None)
        return self._submit_as(me, request, form, "registry", f"/api/v1/trainings/{id}/{path}",
                               body, f"/moja-organizacja/szkolenia?zapisano={action}"
                               f"#szkolenie-{id}",
                               lambda status: self._my_trainings(request, me, id, form, status))

    # --- the office ------------------------------------------------------------------------
    @page("GET", "/urzad/szkolenia")
    def office_trainings(self, request: Request) -> Response:
        self._role(request, "officer")
        return self._office_trainings(request, Form(FIELDS, labels=LABELS,
                                                    values={"kind": "training"}))

    def _office_trainings(self, request: Request, form: Form, status: int = 200) -> Response:
        parts = Parts()
        found = parts.fetch(lambda: self.site.backends.items("registry", "/api/v1/trainings"))
        return self.site.render(
            request, "workspace/trainings_office.html", status=status, parts=parts,
            trainings=upcoming(found, datetime.now(formatting.WARSAW))
            if found is not None else None,
            form=form, kinds=TRAINING_KIND, saved=request.args.get("zapisano"))

    @page("POST", "/urzad/szkolenia")
    def announce_training(self, request: Request) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, FIELDS, LABELS)
        return self._submit_as(me, request, form, "registry", "/api/v1/trainings",
                               training_body(form),
                               lambda made: f"/urzad/szkolenia/{made['id']}?zapisano=1",
                               lambda status: self._office_trainings(request, form, status))

    @page("GET", "/urzad/szkolenia/<id>")
    def office_training(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        training = self.site.backends.get("registry", f"/api/v1/trainings/{id}")
        parts = Parts()
        listing = self._list(me, request, parts, "registry",
                             f"/api/v1/trainings/{id}/registrations")
        return self.site.render(request, "workspace/training_office.html", parts=parts,
                                t=training, registrations=listing.items, listing=listing,
                                kinds=TRAINING_KIND, present=self._present(me, id, parts),
                                statuses=OFFICE_STATUS, saved=request.args.get("zapisano"))

    def _present(self, me: Session, id: str, parts: Parts) -> list[dict]:
        """Everyone with a seat, every page of them: the attendance form lists them all
        (the registry marks whoever is not ticked absent)."""
        return parts.fetch(lambda: [r for r in self._items(
            me, "registry", f"/api/v1/trainings/{id}/registrations")
            if r["status"] == "registered"], []) or []
