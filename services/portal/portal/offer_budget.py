"""The organisation's budget updated to a grant lower than requested (issue #18; art. 16 ust. 1
of the Act): `/moja-organizacja/oferty/<id>/kosztorys`. When the results award less than the
offer asked for, grants signs no contract until the organisation updates its cost items, own
contribution and total cost to the award (grants `POST /offers/{id}/budget-update`, its 409
`budget_update_required` at the contract); this is that form.

The form starts from the offer as submitted (amounts the Polish way) and is sent through
`WorkspacesMixin._submit_as` with the Idempotency-Key it was rendered with; grants checks the
sums against the award and the competition's own share, its 422 comes back next to the fields,
its 409 (a contract already signed, no lower grant) above the form.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form
from portal.web import page

BUDGET_KEYS = ("total_cost", "own_contribution", "cost_items")


def lower_grant(offer: dict[str, Any]) -> bool:
    """Whether the offer was funded with less than it asked for (where the page links here;
    grants decides whether the budget may still be updated)."""
    try:
        return offer.get("status") == "funded" and offer.get("awarded_amount") is not None \
            and Decimal(offer["awarded_amount"]) < Decimal(offer["requested_amount"])
    except (InvalidOperation, KeyError, TypeError):
        return False


class OfferBudgetMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin and OfferWorkMixin (whose offer form,
    `_submit_as` and calls it uses)."""

    _own_offer: Callable[[Session, str], tuple[dict, dict | None]]
    _offer_as_typed: Callable[[dict[str, Any]], Any]
    _read_offer: Callable[[Any], Form]
    _offer_body: Callable[[Form, str], dict[str, Any]]
    _sums: Callable[[Form], dict[str, str]]
    _restored: Callable[[Request, Session], Any]

    def _budget_page(self, request: Request, offer: dict, competition: dict | None, form: Form,
                     status: int = 200, restored: bool = False) -> Response:
        # the live sums count the award, not what was asked for; grants' message on the award
        # with the own contribution not making the total goes to the total (the award is no
        # field here)
        form.values["requested_amount"] = formatting.plain_money(offer.get("awarded_amount"))
        if "requested_amount" in form.errors:
            form.errors.setdefault("total_cost", []).extend(form.errors.pop("requested_amount"))
        return self.site.render(request, "workspace/offer_budget.html", status=status,
                                offer=offer, c=competition, form=form, sums=self._sums(form),
                                lower=lower_grant(offer), restored=restored)

    @page("GET", "/moja-organizacja/oferty/<id>/kosztorys")
    def offer_budget_form(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        offer, competition = self._own_offer(me, id)
        restored = self._restored(request, me)
        form = self._read_offer(restored or self._offer_as_typed(offer))
        return self._budget_page(request, offer, competition, form,
                                 restored=restored is not None)

    @page("POST", "/moja-organizacja/oferty/<id>/kosztorys")
    def update_offer_budget(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        form = self._read_offer(request)
        offer, competition = self._own_offer(me, id)
        if request.form.get("action") == "dodaj":   # no JavaScript: one more cost item row
            return self._budget_page(request, offer, competition, form)
        whole = self._offer_body(form, "")
        body = {key: whole[key] for key in BUDGET_KEYS}
        return self._submit_as(
            me, request, form, "grants", f"/api/v1/offers/{id}/budget-update", body,
            f"/moja-organizacja/oferty/{id}?kosztorys=1",
            again=lambda status: self._budget_page(request, offer, competition, form, status))
