"""Volunteering posts (issue #18): an organisation publishes what volunteers it needs
(`/moja-organizacja/wolontariat`); the registry makes every post public, so `/wolontariat`
shows them to everyone, filtered by area and district.

The registry decides: an organisation not verified (409), a period already over or ending
before it starts (422 at the field), a missing field (422 at it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from werkzeug.wrappers import Request, Response

from portal.sessions import Session
from portal.views import Form, Parts
from portal.web import Site, page

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
    for name in ("starts_on", "ends_on"):
        if not v[name]:
            continue
        try:
            body[name] = date.fromisoformat(v[name]).isoformat()
        except ValueError:
            form.errors.setdefault(name, []).append("Wybierz dzień, np. 2027-01-15.")
    return body


class VolunteeringMixin:
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`, `_items`) and
    SmallGrantsWorkspaceMixin (`_areas`); `districts` is the portal's list of districts."""

    site: Site
    _role: Callable[[Request, str], Session]
    _call: Callable[..., Any]
    _submit_as: Callable[..., Response]
    _items: Callable[..., list[dict]]
    _areas: Callable[[Parts], dict[str, str]]
    districts: tuple[str, ...]

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
        org = parts.fetch(lambda: self._call(me, "GET", "registry",
                                             f"/api/v1/organizations/{me.org_id}"), {}) or {}
        names = self._areas(parts)
        areas = [(code, names.get(code, code)) for code in org.get("areas") or names]
        return self.site.render(request, "workspace/volunteering_mine.html", status=status,
                                parts=parts, own=own, form=form, areas=areas,
                                names=names, districts=self.districts,
                                sent=request.args.get("wyslano"))

    @page("POST", "/moja-organizacja/wolontariat")
    def post_volunteering(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        form = Form.read(request, FIELDS, LABELS, many=("areas",))
        return self._submit_as(me, request, form, "registry", "/api/v1/volunteering",
                               volunteering_body(form, me.org_id),
                               "/moja-organizacja/wolontariat?wyslano=1#ogloszenia",
                               lambda status: self._my_volunteering(request, me, form, status))

    @page("GET", "/wolontariat")
    def volunteering(self, request: Request) -> Response:
        parts = Parts()
        names = self._areas(parts)
        area = request.args.get("obszar", "")
        district = request.args.get("dzielnica", "")
        params = {k: v for k, v in (("area", area if area in names else ""),
                                    ("district", district if district in self.districts
                                     else "")) if v}
        found = parts.fetch(lambda: self.site.backends.items("registry",
                                                             "/api/v1/volunteering", **params))
        today = date.today().isoformat()
        current = [n for n in found or [] if not n.get("ends_on") or n["ends_on"] >= today]
        return self.site.render(request, "volunteering.html", parts=parts,
                                found=found, needs=current, names=names,
                                districts=self.districts, area=params.get("area", ""),
                                district=params.get("district", ""))
