"""Partnerships and joint projects (issue #18): an organisation records one it is a party to
(`/moja-organizacja/partnerstwa`): with the city, with another verified organisation or both;
the registry makes every one public, so `/partnerstwa` shows them to everyone.

The registry decides: fewer than two parties or one twice, a partner organisation not verified,
an end before the start are its 422/409, shown next to the field they name.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from portal.patronages_ws import local_days
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page

PARTNERSHIP_KIND = {"agreement": "Umowa partnerska", "joint_project": "Wspólny projekt"}
FIELDS = ("kind", "title", "goal", "parties", "with_city", "partner", "areas", "starts_on",
          "ends_on")
LABELS = {"kind": "Rodzaj", "title": "Nazwa", "goal": "Cel", "parties": "Strony",
          "with_city": "Miasto jest stroną", "partner": "Organizacja partnerska",
          "areas": "Obszary", "starts_on": "Od dnia", "ends_on": "Do dnia"}


def partnership_body(form: Form, org_id: str | None) -> dict[str, Any]:
    """The API's body: the organisation itself, the city if ticked, the partner if chosen."""
    v = form.values
    parties: list[dict[str, Any]] = [{"kind": "organization", "organization_id": org_id}]
    if v["with_city"] == "tak":
        parties.append({"kind": "city"})
    if v["partner"]:
        parties.append({"kind": "organization", "organization_id": v["partner"]})
    body: dict[str, Any] = {"parties": parties, "areas": v["areas"],
                            "ends_on": None}
    body.update({name: v[name] for name in ("kind", "title", "goal") if v[name]})
    body.update(local_days(form, ("starts_on", "ends_on")))
    return body


class PartnershipsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`) and
    SmallGrantsWorkspaceMixin (`_areas`)."""

    @page("GET", "/moja-organizacja/partnerstwa")
    def my_partnerships(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        return self._my_partnerships(request, me, Form(FIELDS, labels=LABELS, values={
            "kind": "agreement", "areas": [], "with_city": "tak"}))

    def _my_partnerships(self, request: Request, me: Session, form: Form,
                         status: int = 200) -> Response:
        parts = Parts()
        own = parts.fetch(lambda: self._all(
            me, "registry", "/api/v1/partnerships", organization_id=me.org_id))
        verified = parts.fetch(lambda: self.site.backends.items(
            "registry", "/api/v1/organizations", status="verified"), []) or []
        names, areas = self._own_areas(me, parts)
        return self.site.render(
            request, "workspace/partnerships_mine.html", status=status, parts=parts, own=own,
            form=form, kinds=PARTNERSHIP_KIND, names=names, areas=areas,
            partners=sorted(((o["id"], o["name"]) for o in verified if o["id"] != me.org_id),
                            key=lambda p: p[1]),
            sent=request.args.get("wyslano"))

    @page("POST", "/moja-organizacja/partnerstwa")
    def record_partnership(self, request: Request) -> Response:
        return self._send_for_organisation(
            request, FIELDS, LABELS, "/api/v1/partnerships", partnership_body,
            "/moja-organizacja/partnerstwa?wyslano=1#partnerstwa", self._my_partnerships)

    @page("GET", "/partnerstwa")
    def partnerships(self, request: Request) -> Response:
        parts, names, chosen, found = self._registry_public(request, "/api/v1/partnerships")
        return self.site.render(request, "partnerships.html", parts=parts, found=found,
                                names=names, kinds=PARTNERSHIP_KIND, area=chosen["area"])
