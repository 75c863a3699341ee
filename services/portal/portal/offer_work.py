"""The offer in a competition done properly (issue #18), beside the form of `workspaces.py`:
its draft saved as it is typed and resumed from `/moja-organizacja`, the formal check shown
before submission, partners of a joint offer (art. 14 ust. 2), the PDF of the offer, amending or
withdrawing it until the deadline, and a form posted after the session expired coming back
filled in once the person has signed in again.

Drafts live in grants (`PUT /competitions/<id>/offer-draft`), not in the portal: a draft
belongs to the organisation, so a colleague or the same person on another device resumes it,
and it survives a restart of the portal (whose own database keeps only sessions). Every rule
stays in grants: the formal check is its `POST /competitions/<id>/offers/check`, amending and
withdrawing its `PATCH /offers/<id>` and `POST /offers/<id>/withdraw`, which refuse after the
deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.backend import NotFound, Rejected
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import VERSION_FIELD, Form, Parts
from portal.web import page
from portal.workspaces import (
    OFFER_STATUS,
    STALE,
    VOLUNTEER_HOURS,
    VOLUNTEER_RATE,
    amendable,
    edited_form,
)

PARTNERS = "partners"
PARTNERS_LABEL = "Partnerzy (oferta wspólna)"
DRAFT_CHANGED = "draft_changed"   # grants' 409: someone else saved the draft meanwhile
DRAFT_CHANGED_STATUS = ("ktoś inny zapisał ten szkic w międzyczasie (na innym urządzeniu albo "
                        "koncie organizacji). To, co wpisano tutaj, zostaje w formularzu: "
                        "kliknij „Zapisz szkic”, aby porównać obie wersje i zapisać swoją.")
class OfferWorkMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin, whose person, calls and offer form
    helpers it uses."""

    _read_offer: Callable[[Any], Form]
    _offer_body: Callable[[Form, str], dict[str, Any]]
    _sums: Callable[[Form], dict[str, str]]

    # --- the form, with the partners of a joint offer ------------------------------------
    def _competition_offer(self, source: Any) -> Form:
        """The competition offer's form from a request (or what was kept of one)."""
        form = self._read_offer(source)
        form.fields = (*form.fields, PARTNERS)
        form.labels[PARTNERS] = PARTNERS_LABEL
        form.values[PARTNERS] = [p for p in source.form.getlist(PARTNERS) if p][:20]
        return form

    def _competition_body(self, form: Form, organization_id: str) -> dict[str, Any]:
        return {**self._offer_body(form, organization_id), PARTNERS: form.values[PARTNERS]}

    def _partner_choices(self, competition: dict[str, Any], me: Session) -> list[dict]:
        """Verified organisations active in the competition's area, other than the bidder
        (grants checks each partner again)."""
        found = Parts().fetch(lambda: self.site.backends.items(
            "registry", "/api/v1/organizations", area=competition["area"], pages=2), []) or []
        return sorted((o for o in found if o["id"] != me.org_id),
                      key=lambda o: o.get("name", "").casefold())

    def _restored(self, request: Request, me: Session) -> Any | None:
        """The form kept when its POST came after the session expired (once, for this path)."""
        items = self.site.stash.take(request.args.get("przywroc"), request.path,
                                     me.claims.get("sub"))
        return SimpleNamespace(form=MultiDict(items)) if items is not None else None

    # --- drafts ---------------------------------------------------------------------------
    def _draft(self, me: Session, competition_id: str) -> dict[str, Any] | None:
        try:
            return self._call(me, "GET", "grants",
                              f"/api/v1/competitions/{competition_id}/offer-draft",
                              params={"organization_id": me.org_id})
        except (Rejected, NotFound):   # none yet
            return None

    @staticmethod
    def _from_draft(draft: dict[str, Any]) -> Any:
        """The form of a draft, with the draft's version (the hidden field the next save
        sends back, so that a draft saved meanwhile elsewhere is not overwritten)."""
        values = dict(draft.get("values") or {})
        partners = [p for p in values.pop(PARTNERS, "").split(",") if p]
        data = MultiDict(values)
        if draft.get("version") is not None:
            data[VERSION_FIELD] = str(draft["version"])
        for partner in partners:
            data.add(PARTNERS, partner)
        return SimpleNamespace(form=data)

    def _save_draft(self, me: Session, competition_id: str, form: Form) -> dict[str, Any]:
        values = {name: str(form.values.get(name) or "") for name in form.fields
                  if name != PARTNERS}
        values["rows"] = str(form.values["rows"])
        values[PARTNERS] = ",".join(form.values[PARTNERS])
        body: dict[str, Any] = {"organization_id": me.org_id or "",
                                "values": {k: v for k, v in values.items() if v}}
        version = (form.version or "").strip('"')
        if version.lstrip("-").isdigit():   # the draft's version the form started from
            body["version"] = int(version)    # (-1: the form started without a draft)
        return self._call(me, "PUT", "grants",
                          f"/api/v1/competitions/{competition_id}/offer-draft", json=body)

    def _draft_conflict(self, me: Session, competition_id: str, form: Form) -> Form:
        """The button's form after grants' `draft_changed`: what was typed kept, the draft
        saved meanwhile read again and shown beside it, and its version carried, so that
        saving again from this page goes through (`edited_form`)."""
        current = self._draft(me, competition_id)
        stored = self._competition_offer(self._from_draft(current)).values if current else {}
        form.conflict = STALE
        version = str(current["version"]) if current and "version" in current else None
        return edited_form(form, form, stored, version, "ten szkic oferty")

    def _drafts(self, me: Session, parts: Parts) -> list[dict[str, Any]]:
        """The organisation's drafts with their competitions (for `/moja-organizacja`)."""
        if not me.org_id or not me.has("ngo"):
            return []
        found = parts.fetch(lambda: self._items(me, "grants", "/api/v1/offers/drafts",
                                                organization_id=me.org_id), []) or []
        moment = _now()
        for draft in found:
            c = draft["competition"] = self._public(lambda d=draft: self.site.backends.get(
                "grants", f"/api/v1/competitions/{d['competition_id']}"))
            draft["takes_offers"] = bool(c) and c["status"] == "announced" \
                and formatting.to_datetime(c["submission_deadline"]) > moment
        return found

    @page("POST", "/moja-organizacja/oferty/szkic/<competition_id>")
    def autosave_offer(self, request: Request, competition_id: str) -> Response:
        """htmx saves the draft as the form changes; the answer is the status line."""
        if request.session is None or not request.session.signed_in:
            # no redirect into the status line: the button's POST keeps the form and signs in
            return self.site.render(request, "workspace/offer_draft_status.html",
                                    error="sesja wygasła. Kliknij „Zapisz szkic”: po "
                                          "ponownym zalogowaniu wrócisz do wypełnionego "
                                          "formularza.")
        me = self._role(request, "ngo")
        form = self._competition_offer(request)
        try:
            draft = self._save_draft(me, competition_id, form)
        except Rejected as exc:
            # draft_changed: the form keeps its version, so autosave overwrites nothing until
            # the person compares both versions (the button)
            return self.site.render(request, "workspace/offer_draft_status.html",
                                    error=DRAFT_CHANGED_STATUS if exc.code == DRAFT_CHANGED
                                    else exc.message)
        # the new version swapped into the form's hidden field (htmx out of band)
        return self.site.render(request, "workspace/offer_draft_status.html", draft=draft,
                                new_version=True)

    @page("POST", "/moja-organizacja/oferty/szkic/<competition_id>/usun")
    def discard_offer_draft(self, request: Request, competition_id: str) -> Response:
        me = self._role(request, "ngo")
        try:
            self._call(me, "DELETE", "grants",
                       f"/api/v1/competitions/{competition_id}/offer-draft",
                       params={"organization_id": me.org_id})
        except (Rejected, NotFound):
            pass   # already gone: the list says so
        return redirect("/moja-organizacja?usunieto=1#szkice", code=303)

    # --- the formal check before submission ----------------------------------------------
    def _check(self, me: Session, competition_id: str, form: Form) -> dict[str, Any] | None:
        """grants' formal check of what was typed (nothing saved): what it checked, or None
        with its finding next to the field."""
        body = self._competition_body(form, me.org_id or "")
        if form.errors:
            return None
        try:
            return self._call(me, "POST", "grants",
                              f"/api/v1/competitions/{competition_id}/offers/check",
                              json=body)
        except Rejected as exc:
            form.reject(exc)
            return None

    # --- a submitted offer: the PDF, amending, withdrawing -------------------------------
    def _own_offer(self, me: Session, id: str) -> tuple[dict, dict | None]:
        offer, competition, _ = self._own_offer_versioned(me, id)
        return offer, competition

    def _own_offer_versioned(self, me: Session, id: str) -> tuple[dict, dict | None, str | None]:
        """The offer, its competition and the offer's ETag (what its amend form is rendered
        from)."""
        offer, version = self._read_versioned(me, "grants", f"/api/v1/offers/{id}")
        competition = self._public(lambda: self.site.backends.get(
            "grants", f"/api/v1/competitions/{offer['competition_id']}"))
        return offer, competition, version

    def _organisation_names(self, ids: list[str]) -> list[str]:
        """The organisations' names from the registry's public profiles (the id if missing)."""
        return [self._public(lambda o=org_id: self.site.backends.get(
            "registry", f"/api/v1/organizations/{o}"), {}).get("name") or org_id
            for org_id in ids]

    @staticmethod
    def _public(load: Callable[[], Any], default: Any = None) -> Any:
        """A public record shown beside the page's own: missing or its service down, the
        default (the page still renders)."""
        try:
            return Parts().fetch(load, default)
        except NotFound:
            return default

    @page("GET", "/moja-organizacja/oferty/<id>/pdf")
    def offer_pdf(self, request: Request, id: str) -> Response:
        """The offer as a PDF, in Polish (WeasyPrint, as the consultation report)."""
        me = self._me(request)
        offer, competition = self._own_offer(me, id)
        bidder, *partners = self._organisation_names(
            [offer["organization_id"], *(offer.get("partners") or [])])
        html = self.site.env.get_template("workspace/offer_pdf.html").render(
            offer=offer, c=competition, statuses=OFFER_STATUS, now=_now(),
            organisation=bidder, partners=partners)
        from weasyprint import HTML  # imported on demand: it loads pango

        pdf = HTML(string=html).write_pdf()
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="oferta-{id}.pdf"'})

    def _amend_form(self, request: Request, offer: dict, competition: dict | None, form: Form,
                    status: int = 200) -> Response:
        return self.site.render(request, "workspace/offer_amend.html", status=status,
                                offer=offer, c=competition, form=form, sums=self._sums(form),
                                now=_now(), left=formatting.days_left_text)

    @staticmethod
    def _offer_as_typed(offer: dict[str, Any]) -> Any:
        """A submitted offer as its form holds it (amounts the Polish way)."""
        own = offer.get("own_contribution") or {}
        data = MultiDict({
            "title": offer.get("title") or "", "description": offer.get("description") or "",
            "expected_results": offer.get("expected_results") or "",
            "task_start": offer.get("task_start") or "", "task_end": offer.get("task_end") or "",
            "requested_amount": formatting.plain_money(offer.get("requested_amount")),
            "own_contribution_financial": formatting.plain_money(own.get("financial")),
            "own_contribution_non_financial": formatting.plain_money(own.get("non_financial")),
            "total_cost": formatting.plain_money(offer.get("total_cost")),
            "rows": str(max(1, len(offer.get("cost_items") or [])))})
        volunteers = own.get("volunteer_work")
        if volunteers:
            data[VOLUNTEER_HOURS] = str(volunteers["hours"]).replace(".", ",")
            data[VOLUNTEER_RATE] = formatting.plain_money(volunteers["hourly_rate"])
        for i, item in enumerate(offer.get("cost_items") or []):
            data[f"cost_items_{i}_name"] = item["name"]
            data[f"cost_items_{i}_amount"] = formatting.plain_money(item["amount"])
        return SimpleNamespace(form=data)

    @page("GET", "/moja-organizacja/oferty/<id>/zmien")
    def amend_offer_form(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        offer, competition, version = self._own_offer_versioned(me, id)
        restored = self._restored(request, me)
        form = self._read_offer(restored or self._offer_as_typed(offer))
        if restored is None:
            form.version = version
        return self._amend_form(request, offer, competition, form)

    @page("POST", "/moja-organizacja/oferty/<id>/zmien")
    def amend_offer(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        form = self._read_offer(request)
        offer, competition = self._own_offer(me, id)
        if request.form.get("action") == "dodaj":
            return self._amend_form(request, offer, competition, form)
        body = self._offer_body(form, "")
        body.pop("organization_id", None)

        def again(status: int) -> Response:
            current, now_competition, version = self._own_offer_versioned(me, id)
            stored = self._read_offer(self._offer_as_typed(current)).values
            shown = edited_form(form, form, stored, version, "tę ofertę")
            return self._amend_form(request, current, now_competition, shown, status)

        return self._save_edit(me, request, form, "PATCH", "grants", f"/api/v1/offers/{id}",
                               body, f"/moja-organizacja/oferty/{id}?zmieniono=1", again)

    @page("POST", "/moja-organizacja/oferty/<id>/wycofaj")
    def withdraw_offer(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        return self._act_as(me, request, "grants", f"/api/v1/offers/{id}/withdraw",
                            f"/moja-organizacja/oferty/{id}?wycofano=1",
                            lambda exc: self._offer_refused(request, me, id, exc.message))

    def _offer_refused(self, request: Request, me: Session, id: str, message: str) -> Response:
        offer, competition = self._own_offer(me, id)
        return self.site.render(request, "workspace/offer.html", status=409, offer=offer,
                                c=competition, statuses=OFFER_STATUS, refused=message,
                                can_change=amendable(offer, competition, _now()),
                                partner_names=self._organisation_names(
                                    offer.get("partners") or []))


def _now() -> datetime:
    return datetime.now(UTC)
