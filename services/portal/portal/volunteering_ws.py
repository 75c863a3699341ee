"""Volunteering posts (issue #18): an organisation publishes what volunteers it needs
(`/moja-organizacja/wolontariat`); the registry makes every post public, so `/wolontariat`
shows them to everyone, filtered by area and district.

The registry decides: an organisation not verified (409), a period already over or ending
before it starts (422 at the field), a missing field (422 at it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.wrappers import Request, Response

from portal.patronages_ws import local_days
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page

FIELDS = ("title", "description", "areas", "district", "volunteers_needed", "starts_on",
          "ends_on", "contact_email")
LABELS = {"title": "Tytuł ogłoszenia", "description": "Czego szukacie",
          "areas": "Obszary", "district": "Dzielnica",
          "volunteers_needed": "Liczba wolontariuszy", "starts_on": "Od dnia",
          "ends_on": "Do dnia", "contact_email": "E-mail do kontaktu"}


def volunteering_body(form: Form, org_id: str | None) -> dict[str, Any]:
    v = form.values
    body: dict[str, Any] = {"organization_id": org_id, "areas": v["areas"]}
    body.update({name: v[name] for name in ("title", "description", "district",
                                            "contact_email") if v[name]})
    if v["volunteers_needed"]:
        try:
            body["volunteers_needed"] = int(v["volunteers_needed"])
        except ValueError:
            form.errors.setdefault("volunteers_needed", []).append(
                "Wpisz liczbę osób, np. 5.")
    body.update(local_days(form, ("starts_on", "ends_on")))
    return body


class VolunteeringMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`, `_items`) and
    SmallGrantsWorkspaceMixin (`_areas`); `districts` is the portal's list of districts."""

    @page("GET", "/moja-organizacja/wolontariat")
    def my_volunteering(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        return self._my_volunteering(request, me, Form(FIELDS, labels=LABELS, values={
            "areas": [], "contact_email": me.claims.get("email") or ""}))

    def _my_volunteering(self, request: Request, me: Session, form: Form,
                         status: int = 200) -> Response:
        parts = Parts()
        own = parts.fetch(lambda: self._all(
            me, "registry", "/api/v1/volunteering", organization_id=me.org_id))
        names, areas = self._own_areas(me, parts)
        return self.site.render(request, "workspace/volunteering_mine.html", status=status,
                                parts=parts, own=own, form=form, areas=areas,
                                names=names, districts=self.districts,
                                sent=request.args.get("wyslano"))

    @page("POST", "/moja-organizacja/wolontariat")
    def post_volunteering(self, request: Request) -> Response:
        return self._send_for_organisation(
            request, FIELDS, LABELS, "/api/v1/volunteering", volunteering_body,
            "/moja-organizacja/wolontariat?wyslano=1#ogloszenia", self._my_volunteering)

    @page("GET", "/wolontariat")
    def volunteering(self, request: Request) -> Response:
        parts, names, chosen, found = self._registry_public(request, "/api/v1/volunteering",
                                                            self.districts)
        today = date.today().isoformat()
        current = [n for n in found or [] if not n.get("ends_on") or n["ends_on"] >= today]
        return self.site.render(request, "volunteering.html", parts=parts,
                                found=found, needs=current, names=names,
                                districts=self.districts, **chosen)
