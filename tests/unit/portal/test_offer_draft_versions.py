"""An offer's draft edited on two devices (issue #18): the form carries the draft's version in a
hidden field, autosave and the "Zapisz szkic" button send it and take the new one (autosave: an
htmx out-of-band swap of the field); grants' 409 `draft_changed` is explained in the status line
and, on the button's page, both versions are shown with what was typed kept; the next save from
that page goes through. Submitting the offer is unaffected."""

from __future__ import annotations

import re
from typing import Any

import pytest
from portal_fakes import Answers, signed_in, site_on
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from portal.backend import NotFound, Rejected
from portal.offer_work import OfferWorkMixin
from portal.sessions import Session
from portal.workspaces import WorkspacesMixin

ORG, COMPETITION = "a" * 24, "b" * 24
DRAFT_PATH = f"/api/v1/competitions/{COMPETITION}/offer-draft"
CHANGED = "Ktoś inny zapisał ten szkic oferty w międzyczasie."


class Grants(Answers):
    """grants' draft as the API keeps it: version 0 when created, +1 per save, a save from
    another version refused with 409 draft_changed; every PUT's body remembered."""

    def __init__(self) -> None:
        self.draft: dict[str, Any] | None = None
        self.puts: list[dict[str, Any]] = []
        self.offers: list[dict[str, Any]] = []

    def answer(self, method: str, service: str, path: str, token: str, *,
               params: Any = None, json: Any = None, **kw: Any) -> Any:
        if path == DRAFT_PATH and method == "GET":
            if self.draft is None:
                raise NotFound(path)
            return dict(self.draft)
        if path == DRAFT_PATH and method == "PUT":
            self.puts.append(json)
            stored = -1 if self.draft is None else self.draft["version"]   # -1: none yet
            if "version" in json and json["version"] != stored:
                raise Rejected(409, "draft_changed", CHANGED, {})
            self.draft = {"competition_id": COMPETITION, "organization_id": ORG,
                          "values": json["values"], "updated_at": "2027-01-10T10:00:00+00:00",
                          "updated_by": "u1", "version": stored + 1}
            return dict(self.draft)
        if path == f"/api/v1/competitions/{COMPETITION}/offers" and method == "POST":
            self.offers.append(json)
            return {"id": "c" * 24}
        raise AssertionError((method, path))

    def saved_elsewhere(self, title: str) -> None:
        """A colleague's (or the other device's) save."""
        assert self.draft is not None
        self.draft = {**self.draft, "values": {**self.draft["values"], "title": title},
                      "version": self.draft["version"] + 1}

    # the public answers the page shows beside the form
    def get(self, service: str, path: str, **params: Any) -> Any:
        assert path == f"/api/v1/competitions/{COMPETITION}"
        return {"id": COMPETITION, "title": "Kultura 2027", "status": "announced",
                "area": "culture", "submission_deadline": "2099-01-15T11:00:00+00:00"}

    def items(self, service: str, path: str, **params: Any) -> list:
        return []


class Pages(WorkspacesMixin, OfferWorkMixin):
    def _me(self, request: Request) -> Session:
        return SESSION


SESSION = signed_in(["ngo"], org_id=ORG, sub="u1")


@pytest.fixture
def pages() -> Pages:
    made = Pages()
    made.site = site_on(Grants())
    return made


def request(path: str, form: dict[str, str] | None = None) -> Request:
    built = EnvironBuilder(path=path, method="POST" if form is not None else "GET", data=form)
    made = Request(built.get_environ())
    made.session = SESSION
    return made


def html(response: Any) -> str:
    return response.get_data(as_text=True)


def version_field(page: str) -> str:
    found = re.findall(r'<input type="hidden" name="wersja" id="wersja-szkicu" value="([^"]*)"',
                       page)
    assert len(found) == 1, found
    return found[0]


def typed(title: str, version: str, action: str | None = None) -> dict[str, str]:
    form = {"rows": "1", "title": title, "description": "Opis", "wersja": version}
    if action:
        form["action"] = action
    return form


def autosave(pages: Pages, form: dict[str, str]) -> Any:
    return pages.autosave_offer(request(f"/moja-organizacja/oferty/szkic/{COMPETITION}", form),
                                COMPETITION)


def button(pages: Pages, form: dict[str, str]) -> Any:
    return pages.submit_offer(request(f"/moja-organizacja/oferty/nowa/{COMPETITION}", form),
                              COMPETITION)


def test_the_form_carries_the_drafts_version_and_autosave_swaps_in_the_new_one(pages) -> None:
    grants: Grants = pages.site.backends
    empty = pages.new_offer(request(f"/moja-organizacja/oferty/nowa/{COMPETITION}"),
                            COMPETITION)
    assert version_field(html(empty)) == "-1"    # no draft yet: the first save creates one

    first = autosave(pages, typed("Festyn", "-1"))
    assert grants.puts[0]["version"] == -1       # created, unless begun meanwhile elsewhere
    assert version_field(html(first)) == "0" and 'hx-swap-oob="true"' in html(first)
    assert "Szkic zapisano" in html(first)

    second = autosave(pages, typed("Festyn w parku", "0"))
    assert grants.puts[1]["version"] == 0 and version_field(html(second)) == "1"

    resumed = pages.new_offer(request(f"/moja-organizacja/oferty/nowa/{COMPETITION}"),
                              COMPETITION)
    assert version_field(html(resumed)) == "1" and 'value="Festyn w parku"' in html(resumed)


def test_autosave_after_a_save_elsewhere_says_so_and_overwrites_nothing(pages) -> None:
    grants: Grants = pages.site.backends
    autosave(pages, typed("Festyn", ""))
    grants.saved_elsewhere("Festyn (telefon)")

    refused = autosave(pages, typed("Festyn (laptop)", "0"))
    page = html(refused)
    assert "ktoś inny zapisał ten szkic w międzyczasie" in page and "Zapisz szkic" in page
    assert 'hx-swap-oob' not in page           # the form keeps its version: no overwrite
    assert grants.draft is not None and grants.draft["values"]["title"] == "Festyn (telefon)"


def test_the_button_shows_both_versions_keeps_what_was_typed_and_then_saves(pages) -> None:
    grants: Grants = pages.site.backends
    autosave(pages, typed("Festyn", ""))
    grants.saved_elsewhere("Festyn (telefon)")

    conflict = button(pages, typed("Festyn (laptop)", "0", "szkic"))
    page = html(conflict)
    assert conflict.status_code == 409
    assert "Ktoś inny zmienił ten szkic oferty w międzyczasie." in page
    assert "<td class=\"prose\">Festyn (telefon)</td>" in page       # saved meanwhile
    assert "<td class=\"prose\">Festyn (laptop)</td>" in page        # typed, not saved
    assert 'value="Festyn (laptop)"' in page                         # kept in the form
    assert version_field(page) == "1"             # the current version: saving again applies
    assert grants.draft is not None and grants.draft["values"]["title"] == "Festyn (telefon)"

    again = button(pages, typed("Festyn (laptop)", version_field(page), "szkic"))
    assert again.status_code == 200 and "konflikt-edycji" not in html(again)
    assert grants.draft is not None and grants.draft["values"]["title"] == "Festyn (laptop)"
    assert grants.draft["version"] == 2 and version_field(html(again)) == "2"


def test_a_draft_discarded_meanwhile_is_saved_again_from_the_buttons_page(pages) -> None:
    grants: Grants = pages.site.backends
    autosave(pages, typed("Festyn", ""))
    grants.draft = None                           # discarded on the other device

    conflict = button(pages, typed("Festyn (laptop)", "0", "szkic"))
    assert conflict.status_code == 409 and version_field(html(conflict)) == ""
    again = button(pages, typed("Festyn (laptop)", "", "szkic"))
    assert again.status_code == 200 and version_field(html(again)) == "0"


def test_submitting_the_offer_sends_no_draft_version(pages) -> None:
    grants: Grants = pages.site.backends
    autosave(pages, typed("Festyn", ""))
    grants.saved_elsewhere("Festyn (telefon)")
    form = {**typed("Festyn", "0", "wyslij"), "task_start": "2099-03-01",
            "task_end": "2099-06-30", "requested_amount": "900", "total_cost": "1000",
            "own_contribution_financial": "100", "cost_items_0_name": "Druk",
            "cost_items_0_amount": "1000"}
    sent = button(pages, form)
    assert sent.status_code == 303 and len(grants.offers) == 1
    assert "version" not in grants.offers[0]


def test_a_draft_begun_meanwhile_on_another_device_is_not_replaced_by_a_new_form(pages) -> None:
    grants: Grants = pages.site.backends
    laptop = pages.new_offer(request(f"/moja-organizacja/oferty/nowa/{COMPETITION}"),
                             COMPETITION)
    assert version_field(html(laptop)) == "-1"
    autosave(pages, typed("Festyn (telefon)", "-1"))          # the phone's form saves first

    refused = autosave(pages, typed("Festyn (laptop)", "-1"))  # the laptop's form, opened before
    assert "w międzyczasie" in html(refused)
    assert grants.draft["values"]["title"] == "Festyn (telefon)"
