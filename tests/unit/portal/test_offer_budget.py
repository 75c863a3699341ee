"""The organisation's budget updated to a grant lower than requested (portal/offer_budget.py,
art. 16 ust. 1) without services: the form starts from the offer as submitted, the live sums
count the award, only the budget's parts go to grants (once per form: its Idempotency-Key),
grants' 422 comes back at the field and its 409 above the form; the offer page links here only
after a lower grant."""

from __future__ import annotations

from typing import Any

import pytest
from portal_fakes import Answers, signed_in, site_on
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from portal.backend import Rejected
from portal.offer_budget import OfferBudgetMixin, lower_grant
from portal.offer_work import OfferWorkMixin
from portal.workspaces import WorkspacesMixin

OFFER = "a" * 24
PATH = f"/moja-organizacja/oferty/{OFFER}/kosztorys"
FUNDED = {"id": OFFER, "title": "Koncerty", "competition_id": "b" * 24, "status": "funded",
          "requested_amount": "900.00", "awarded_amount": "600.00", "total_cost": "1000.00",
          "own_contribution": {"financial": "100.00", "non_financial": "0.00"},
          "task_start": "2027-04-01", "task_end": "2027-10-31",
          "cost_items": [{"name": "Druk", "amount": "400.00"},
                         {"name": "Sala", "amount": "600.00"}]}


class Backends(Answers):
    def __init__(self) -> None:
        self.writes: list[tuple[str, Any, str | None]] = []
        self.refusal: Rejected | None = None

    def answer(self, method, service, path, token, *, params=None, json=None,
               idempotency_key=None):
        if method == "GET":
            return FUNDED
        if self.refusal is not None:
            raise self.refusal
        self.writes.append((path, json, idempotency_key))
        return FUNDED

    def get(self, service, path):
        return {"id": "b" * 24, "title": "Kultura 2027"}


class Pages(WorkspacesMixin, OfferWorkMixin, OfferBudgetMixin):
    def _me(self, request):
        return signed_in(["ngo"])


@pytest.fixture
def pages() -> Pages:
    made = Pages()
    made.site = site_on(Backends())
    return made


def request(form: dict[str, str] | None = None) -> Request:
    made = Request(EnvironBuilder(path=PATH, method="POST" if form is not None else "GET",
                                  data=form).get_environ())
    made.session = None
    return made


TYPED = {"rows": "2", "cost_items_0_name": "Druk", "cost_items_0_amount": "300,00",
         "cost_items_1_name": "Sala", "cost_items_1_amount": "400",
         "own_contribution_financial": "100", "own_contribution_non_financial": "0",
         "total_cost": "700,00", "action": "zapisz", "idempotency_key": "k-1"}


def test_the_form_starts_from_the_offer_and_sums_with_the_award(pages: Pages) -> None:
    page = pages.offer_budget_form(request(), OFFER).get_data(as_text=True)
    assert 'value="400,00"' in page and 'value="1\u00a0000,00"' in page   # as submitted
    assert 'name="requested_amount" value="600,00"' in page          # the award
    assert "700,00\u00a0zł" in page   # the award and the own contribution, summed
    assert "art. 16 ust. 1" in page


def test_only_the_budget_goes_to_grants_once_per_form(pages: Pages) -> None:
    for _ in range(2):   # a double click: the same key, grants acts once
        done = pages.update_offer_budget(request(TYPED), OFFER)
        assert done.status_code == 303
        assert done.headers["Location"] == f"/moja-organizacja/oferty/{OFFER}?kosztorys=1"
    path, body, key = pages.site.backends.writes[0]
    assert path == f"/api/v1/offers/{OFFER}/budget-update" and key == "k-1"
    assert body == {"total_cost": "700.00",
                    "own_contribution": {"financial": "100.00", "non_financial": "0.00"},
                    "cost_items": [{"name": "Druk", "amount": "300.00"},
                                   {"name": "Sala", "amount": "400.00"}]}
    assert {k for _, _, k in pages.site.backends.writes} == {"k-1"}


def test_grants_refusals_come_back_at_the_field_or_above_the_form(pages: Pages) -> None:
    pages.site.backends.refusal = Rejected(422, "budget_does_not_add_up", "", {
        "total_cost": ["Całkowity koszt musi być sumą pozycji kosztorysu (700,00 zł)."]})
    shown = pages.update_offer_budget(request({**TYPED, "total_cost": "800"}), OFFER)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 422 and 'id="blad-total_cost1"' in page
    assert 'value="800"' in page   # as typed
    pages.site.backends.refusal = Rejected(409, "contract_signed",
                                           "Umowa została już podpisana.", {})
    conflict = pages.update_offer_budget(request(TYPED), OFFER)
    assert conflict.status_code == 409 and "Umowa została już podpisana." in \
        conflict.get_data(as_text=True)
    pages.site.backends.refusal = Rejected(422, "sums_do_not_add_up", "", {
        "requested_amount": ["Wnioskowana kwota z wkładem własnym (700,00 zł) różni się od "
                             "kosztu całkowitego (800,00 zł)."]})
    award = pages.update_offer_budget(request(TYPED), OFFER).get_data(as_text=True)
    assert 'id="blad-total_cost1"' in award and 'href="#pole-total_cost"' in award
    assert 'href="#pole-requested_amount"' not in award   # no such field on this page
    wrong = pages.update_offer_budget(request({**TYPED, "total_cost": "dużo"}), OFFER)
    assert wrong.status_code == 422 and "Wpisz kwotę w złotych" in wrong.get_data(as_text=True)
    assert pages.site.backends.writes == []


def test_the_offer_links_here_only_after_a_lower_grant() -> None:
    assert lower_grant(FUNDED)
    assert not lower_grant({**FUNDED, "awarded_amount": "900.00"})
    assert not lower_grant({**FUNDED, "status": "submitted", "awarded_amount": None})
    assert not lower_grant({**FUNDED, "awarded_amount": "nie"})
