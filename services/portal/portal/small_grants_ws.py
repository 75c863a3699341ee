"""Small grants without a competition (art. 19a) in the workspaces (issue #18): the NGO's
application form and its list (`/moja-organizacja/male-granty/...`), and the officer's
`/urzad/male-granty/...` — the applications, publication for the 7 days of public comment, the
comments, and the decision (award, or refusal with a reason).

Every action goes to grants' API with the person's token; grants applies the Act (the amount
and length limits, the yearly caps, the 7 days before a decision), the portal shows its answers
next to the fields they name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.committee import SimilarNames
from portal.listing import Filter
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import NotAllowed, page
from portal.workspaces import ALL, COST_ROWS

SMALL_GRANT_STATUS = {"submitted": "Złożona, czeka na publikację",
                      "published": "Opublikowana do uwag", "awarded": "Dotacja przyznana",
                      "refused": "Dotacji nie przyznano"}
DECISION_FIELDS = ("reason", "double_funding_reason")
DECISION_LABELS = {"reason": "Powód odmowy",
                   "double_funding_reason": "Uzasadnienie finansowania tych samych kosztów"}


class SmallGrantsWorkspaceMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_me`, `_role`, `_call`, `_items`
    and the offer form's helpers it uses: a small grant is an offer without a competition)."""

    _offer_fields: Callable[[int], tuple[str, ...]]
    _offer_labels: Callable[[int], dict[str, str]]
    _read_offer: Callable[[Request], Form]
    _offer_body: Callable[[Form, str], dict[str, Any]]
    _sums: Callable[[Form], dict[str, str]]

    # --- the NGO: its applications -------------------------------------------------------
    @page("GET", "/moja-organizacja/male-granty")
    def my_small_grants(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        parts = Parts()
        listing = self._list(me, request, parts, "grants", "/api/v1/small-grants",
                             organization_id=me.org_id)
        return self.site.render(request, "workspace/small_grants_mine.html", parts=parts,
                                found=listing.items, listing=listing, statuses=SMALL_GRANT_STATUS)

    @page("GET", "/moja-organizacja/male-granty/nowy")
    def new_small_grant(self, request: Request) -> Response:
        self._role(request, "ngo")
        form = Form(("area", *self._offer_fields(COST_ROWS)),
                    labels=self._small_grant_labels(COST_ROWS))
        form.values["rows"] = COST_ROWS
        return self._small_grant_form(request, form)

    def _small_grant_labels(self, rows: int) -> dict[str, str]:
        return {"area": "Obszar zadania", **self._offer_labels(rows)}

    def _small_grant_form(self, request: Request, form: Form, status: int = 200) -> Response:
        me = self._role(request, "ngo")
        parts = Parts()
        org = parts.fetch(lambda: self._call(me, "GET", "registry",
                                             f"/api/v1/organizations/{me.org_id}"))
        names = self._areas(parts)
        areas = [(code, names.get(code, code)) for code in (org or {}).get("areas", [])]
        return self.site.render(request, "workspace/small_grant_form.html", status=status,
                                parts=parts, form=form, areas=areas, sums=self._sums(form))

    @page("POST", "/moja-organizacja/male-granty/nowy")
    def submit_small_grant(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        form = self._read_offer(request)
        form.fields = ("area", *form.fields)
        form.labels = self._small_grant_labels(form.values["rows"])
        form.values["area"] = (request.form.get("area") or "").strip()
        if request.form.get("action") == "dodaj":   # no JavaScript: one more cost item row
            return self._small_grant_form(request, form)
        body = {**self._offer_body(form, me.org_id or ""), "area": form.values["area"]}
        return self._submit_as(
            me, request, form, "grants", "/api/v1/small-grants", body,
            lambda grant: f"/moja-organizacja/male-granty/{grant['id']}?zlozono=1",
            lambda status: self._small_grant_form(request, form, status))

    @page("GET", "/moja-organizacja/male-granty/<id>")
    def my_small_grant(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        grant = self._call(me, "GET", "grants", f"/api/v1/small-grants/{id}")
        parts = Parts()
        return self.site.render(request, "workspace/small_grant_mine.html", parts=parts,
                                g=grant, statuses=SMALL_GRANT_STATUS,
                                areas=self._areas(parts),
                                submitted=request.args.get("zlozono") == "1")

    # --- the officer ---------------------------------------------------------------------
    def _runner(self, request: Request) -> Session:
        return self._role(request, "officer", "department")

    @page("GET", "/urzad/male-granty")
    def office_small_grants(self, request: Request) -> Response:
        me = self._runner(request)
        parts = Parts()
        listing = self._list(me, request, parts, "grants", "/api/v1/small-grants", filters=(
            Filter("stan", "status", "Stan oferty", {**ALL, **SMALL_GRANT_STATUS},
                   default="submitted"),
            Filter("po_terminie", "publication_overdue", "Termin publikacji",
                   {**ALL, "true": "tylko po terminie publikacji"})))
        overdue = parts.fetch(lambda: self._items(me, "grants", "/api/v1/small-grants",
                                                  publication_overdue="true"), []) or []
        return self.site.render(request, "workspace/small_grants_office.html", parts=parts,
                                found=listing.items, listing=listing,
                                statuses=SMALL_GRANT_STATUS,
                                overdue={g["id"] for g in overdue},
                                areas=self._areas(parts), now=_now())

    @page("GET", "/urzad/male-granty/<id>")
    def office_small_grant(self, request: Request, id: str) -> Response:
        me = self._runner(request)
        return self._office_small_grant(request, me, id,
                                        Form(DECISION_FIELDS, labels=DECISION_LABELS))

    def _office_small_grant(self, request: Request, me: Session, id: str, form: Form,
                            status: int = 200) -> Response:
        grant = self._call(me, "GET", "grants", f"/api/v1/small-grants/{id}")
        parts = Parts()
        comments = None
        if grant["status"] != "submitted":
            comments = parts.fetch(lambda: self._items(
                me, "grants", f"/api/v1/small-grants/{id}/comments"), [])
        org = parts.fetch(lambda: self._call(
            me, "GET", "registry", f"/api/v1/organizations/{grant['organization_id']}"))
        # the organisation's similar applications (issue #22): grants shows them the officer
        similar = parts.fetch(lambda: self._call(
            me, "GET", "grants", f"/api/v1/small-grants/{id}/similar")["items"], []) \
            if me.has("officer") else []
        moment = _now()
        until = formatting.to_datetime(grant.get("comments_until"))
        return self.site.render(
            request, "workspace/small_grant_office.html", status=status, parts=parts,
            similar=similar, names=SimilarNames,
            departments=self._department_names(parts) if similar else {},
            g=grant, org=org, comments=comments, form=form, statuses=SMALL_GRANT_STATUS,
            areas=self._areas(parts), now=moment, left=formatting.days_left_text,
            commenting=until is not None and until > moment,
            saved=request.args.get("zapisano"), error=request.args.get("blad"))

    @page("POST", "/urzad/male-granty/<id>/publikuj")
    def publish_small_grant(self, request: Request, id: str) -> Response:
        me = self._runner(request)
        form = Form(DECISION_FIELDS, labels=DECISION_LABELS)
        return self._submit_as(me, request, form, "grants", f"/api/v1/small-grants/{id}/publish",
                               None, f"/urzad/male-granty/{id}?zapisano=publikacja",
                               lambda status: self._office_small_grant(request, me, id, form,
                                                                       status))

    @page("POST", "/urzad/male-granty/<id>/decyzja")
    def decide_small_grant(self, request: Request, id: str) -> Response:
        """Award (with the reason for funding the same costs twice when grants asks for one)
        or refuse with a reason."""
        me = self._runner(request)
        form = Form.read(request, DECISION_FIELDS, DECISION_LABELS)
        action = request.form.get("action")
        if action not in ("przyznaj", "odmow"):
            raise NotAllowed(action or "")
        path, body = ("award", {"double_funding_reason": form.values["double_funding_reason"]
                                or None}) if action == "przyznaj" \
            else ("refuse", {"reason": form.values["reason"]})
        return self._submit_as(me, request, form, "grants", f"/api/v1/small-grants/{id}/{path}",
                               body, f"/urzad/male-granty/{id}?zapisano={action}",
                               lambda status: self._office_small_grant(request, me, id, form,
                                                                       status))


def _now() -> datetime:
    return datetime.now(UTC)
