"""The officer's remaining grants actions (portal/office_grants.py, issue #18) without services:
each irreversible action is the reason typed, then a page to check and confirm it; only the
confirmation reaches grants, once per form (its Idempotency-Key); grants' 422 comes back next
to the reason and its 409 above the form, nothing sent twice; the links show only where the
role and the record's state allow them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from portal_fakes import Answers, signed_in, site_on
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from portal.backend import Rejected
from portal.office_grants import (
    STEPS,
    OfficeGrantsMixin,
    competition_actions,
    offers_rejectable,
    shown,
)
from portal.web import NotAllowed, Site
from portal.workspaces import WorkspacesMixin

OFFER, COMPETITION, CONTRACT, PROGRAMME = "a" * 24, "b" * 24, "c" * 24, "d" * 24
RECORDS = {
    f"/api/v1/offers/{OFFER}": {"id": OFFER, "title": "Warsztaty teatralne",
                                "competition_id": COMPETITION, "status": "submitted",
                                "requested_amount": "12000.00"},
    f"/api/v1/competitions/{COMPETITION}": {
        "id": COMPETITION, "title": "Kultura 2027", "status": "closed", "budget": "50000.00",
        "submission_deadline": "2027-01-15T11:00:00+00:00"},
    f"/api/v1/contracts/{CONTRACT}": {"id": CONTRACT, "offer_id": OFFER,
                                      "competition_id": COMPETITION, "status": "in_progress",
                                      "amount": "10000.00"},
    f"/api/v1/programmes/{PROGRAMME}": {"id": PROGRAMME, "title": "Program na 2027",
                                        "year": 2027, "status": "draft"},
}


class Backends(Answers):
    """grants as the portal sees it: the records, and every write remembered (a refusal
    when one is set)."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, Any, str | None]] = []
        self.refusal: Rejected | None = None

    def answer(self, method: str, service: str, path: str, token: str, *,
               params: Any = None, json: Any = None, idempotency_key: str | None = None):
        assert service == "grants" and token == "t"
        if method == "GET":
            return RECORDS[path]
        if self.refusal is not None:
            raise self.refusal
        self.writes.append((path, json, idempotency_key))
        return {}


class Pages(WorkspacesMixin, OfficeGrantsMixin):
    roles: list[str] = ["officer"]

    def _me(self, request):
        return signed_in(self.roles)


@pytest.fixture
def pages() -> Pages:
    made = Pages()
    made.site = site_on(Backends())
    return made


def request(path: str, form: dict[str, str] | None = None) -> Request:
    built = EnvironBuilder(path=path, method="POST" if form is not None else "GET",
                           data=form)
    made = Request(built.get_environ())
    made.session = None
    return made


def html(response) -> str:
    return response.get_data(as_text=True)


def test_the_reason_then_its_confirmation_then_grants_once(pages: Pages) -> None:
    path = f"/urzad/oferty/{OFFER}/odrzucenie"
    asked = pages.reject_offer_form(request(path), OFFER)
    assert asked.status_code == 200
    page = html(asked)
    assert "Powód odrzucenia oferty" in page and "Warsztaty teatralne" in page
    assert "Dalej: sprawdź przed wysłaniem" in page and pages.site.backends.writes == []

    # no reason: said at the field, nothing sent
    empty = pages.reject_offer(request(path, {"reason": "  ", "action": "dalej"}), OFFER)
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in html(empty) and "Wpisz powód" in html(empty)
    assert pages.site.backends.writes == []

    # the reason typed: the page to check it, the reason kept, still nothing sent
    reason = "Oferta złożona bez wymaganego wkładu własnego."
    check = pages.reject_offer(request(path, {"reason": reason, "action": "dalej"}), OFFER)
    page = html(check)
    assert check.status_code == 200 and "Sprawdź i potwierdź" in page
    assert f'name="reason" value="{reason}"' in page and ">Odrzuć ofertę</button>" in page
    assert "Tej decyzji nie można cofnąć." in page and pages.site.backends.writes == []

    # back to change the reason: the form, filled in
    again = pages.reject_offer(request(path, {"reason": reason, "action": "zmien"}), OFFER)
    assert f">{reason}</textarea>" in html(again) and pages.site.backends.writes == []

    # confirmed: grants asked once with the form's key; back to the competition's offers
    done = pages.reject_offer(request(path, {"reason": reason, "action": "potwierdz",
                                             "idempotency_key": "k-1"}), OFFER)
    assert done.status_code == 303
    assert done.headers["Location"] == \
        f"/urzad/konkursy/{COMPETITION}?zapisano=odrzucono#oferty"
    assert pages.site.backends.writes == [
        (f"/api/v1/offers/{OFFER}/reject", {"reason": reason}, "k-1")]


def test_a_double_click_sends_the_same_key_so_grants_acts_once(pages: Pages) -> None:
    path = f"/urzad/umowy/{CONTRACT}/rozwiazanie"
    form = {"reason": "Porozumienie stron.", "action": "potwierdz", "idempotency_key": "k-2"}
    for _ in range(2):
        assert pages.terminate_contract(request(path, form), CONTRACT).status_code == 303
    keys = {key for _, _, key in pages.site.backends.writes}
    assert keys == {"k-2"}   # grants' Idempotency-Key: the second answers as the first


def test_grants_422_is_shown_at_the_reason_and_its_409_above_the_form(pages: Pages) -> None:
    path = f"/urzad/konkursy/{COMPETITION}/uniewaznienie"
    pages.site.backends.refusal = Rejected(422, "validation_error", "", {
        "reason": ["Powód może mieć najwyżej 2000 znaków."]})
    shown_again = pages.cancel_competition(
        request(path, {"reason": "x" * 2001, "action": "potwierdz"}), COMPETITION)
    page = html(shown_again)
    assert shown_again.status_code == 422
    assert 'id="blad-reason1"' in page and "najwyżej 2000 znaków" in page
    assert 'href="#pole-reason"' in page   # the summary links to the field

    pages.site.backends.refusal = Rejected(409, "invalid_state",
                                           "Konkurs nie może przejść ze stanu resolved.", {})
    conflict = pages.cancel_competition(
        request(path, {"reason": "Brak ofert.", "action": "potwierdz"}), COMPETITION)
    assert conflict.status_code == 409
    assert "Popraw następujące błędy" in html(conflict) and "Konkurs nie może" in html(conflict)
    assert pages.site.backends.writes == []


def test_an_action_without_a_reason_is_only_confirmed(pages: Pages) -> None:
    path = f"/urzad/program/{PROGRAMME}/konsultacje"
    asked = html(pages.consult_programme_form(request(path), PROGRAMME))
    assert "Sprawdź i potwierdź" in asked and "<textarea" not in asked
    done = pages.consult_programme(request(path, {"action": "potwierdz"}), PROGRAMME)
    assert done.headers["Location"] == f"/urzad/program/{PROGRAMME}?zapisano=skonsultowano"
    assert pages.site.backends.writes == [
        (f"/api/v1/programmes/{PROGRAMME}/consult", None, None)]
    # refused (the call for offers still open): said above the confirmation, no reason asked
    pages.site.backends.refusal = Rejected(409, "deadline_not_passed",
                                           "Nabór ofert trwa do upływu terminu składania ofert.",
                                           {})
    RECORDS[f"/api/v1/competitions/{COMPETITION}"]["status"] = "announced"
    try:
        refused = pages.close_competition(
            request(f"/urzad/konkursy/{COMPETITION}/zamkniecie", {"action": "potwierdz"}),
            COMPETITION)
    finally:
        RECORDS[f"/api/v1/competitions/{COMPETITION}"]["status"] = "closed"
    page = html(refused)
    assert refused.status_code == 409 and "Nabór ofert trwa do upływu" in page
    assert "<textarea" not in page and ">Zamknij nabór ofert</button>" in page


def test_a_role_that_cannot_act_is_refused_before_anything_is_asked(pages: Pages) -> None:
    pages.roles = ["department"]   # runs competitions, does not consult the programme
    with pytest.raises(NotAllowed):
        pages.consult_programme_form(request(f"/urzad/program/{PROGRAMME}/konsultacje"),
                                     PROGRAMME)
    assert pages.terminate_contract_form(
        request(f"/urzad/umowy/{CONTRACT}/rozwiazanie"), CONTRACT).status_code == 200
    pages.roles = ["ngo"]
    with pytest.raises(NotAllowed):
        pages.reject_offer(request(f"/urzad/oferty/{OFFER}/odrzucenie",
                                   {"reason": "x", "action": "potwierdz"}), OFFER)
    assert pages.site.backends.writes == []


def test_a_record_no_longer_in_a_state_for_it_says_so_instead_of_the_form(pages: Pages) -> None:
    RECORDS[f"/api/v1/offers/{OFFER}"]["status"] = "rejected_formally"
    try:
        page = html(pages.reject_offer_form(request(f"/urzad/oferty/{OFFER}/odrzucenie"),
                                            OFFER))
    finally:
        RECORDS[f"/api/v1/offers/{OFFER}"]["status"] = "submitted"
    assert "Tego nie można już zrobić" in page and "<textarea" not in page


def test_the_links_show_where_the_role_and_state_allow() -> None:
    def officer(role: str) -> bool:
        return role == "officer"

    def committee(role: str) -> bool:
        return role == "committee"

    now = datetime(2027, 2, 1, tzinfo=UTC)
    announced = {"id": COMPETITION, "status": "announced",
                 "submission_deadline": (now + timedelta(days=3)).isoformat()}
    assert [label for label, _, _ in competition_actions(announced, officer, now)] == [
        "Unieważnij konkurs"]   # closing waits for the deadline
    passed = {**announced, "submission_deadline": (now - timedelta(seconds=1)).isoformat()}
    assert [url for _, url, _ in competition_actions(passed, officer, now)] == [
        f"/urzad/konkursy/{COMPETITION}/zamkniecie",
        f"/urzad/konkursy/{COMPETITION}/uniewaznienie"]
    assert competition_actions(passed, committee, now) == []
    assert competition_actions({**passed, "status": "resolved"}, officer, now) == []
    assert offers_rejectable({"status": "under_evaluation"})
    assert not offers_rejectable({"status": "announced"})
    assert shown("rozwiazanie", "report_due", officer)
    assert not shown("rozwiazanie", "settled", officer)
    assert not shown("konsultacje", "draft", lambda role: role == "department")
    assert all(step.consequences and step.button for step in STEPS.values())


def test_the_competition_page_links_each_submitted_offer_to_its_rejection(pages: Pages) -> None:
    from portal.committee import COMPETITION_STATUS, OFFER_STATUSES, SimilarNames
    from portal.views import Form, Parts

    competition = {**RECORDS[f"/api/v1/competitions/{COMPETITION}"], "criteria": []}
    offers = [RECORDS[f"/api/v1/offers/{OFFER}"],
              {"id": "e" * 24, "title": "Koncert", "status": "rejected_formally",
               "status_reason": "Po terminie.", "requested_amount": "100.00"}]

    def render(**changes: Any) -> str:
        context = dict(
            c=competition, offers=offers, members=[], committee=None, ranking=[],
            results=None, statuses=COMPETITION_STATUS, offer_statuses=OFFER_STATUSES,
            similar={}, names=SimilarNames, departments={}, members_form=Form(()),
            results_form=Form(()), restored=False, awarded=0, budget=0, share=0, saved=None,
            error=None, parts=Parts(), rejectable=True,
            grants_actions=competition_actions(competition, lambda r: r == "officer",
                                               datetime.now(UTC)))
        context.update(changes)
        return html(pages.site.render(request(f"/urzad/konkursy/{COMPETITION}"),
                                      "workspace/office_competition.html", **context))

    page = render()
    assert page.count("/odrzucenie") == 1 and f"/urzad/oferty/{OFFER}/odrzucenie" in page
    assert "Odrzucona z przyczyn formalnych: Po terminie." in page
    assert f"/urzad/konkursy/{COMPETITION}/uniewaznienie" in page
    assert "/odrzucenie" not in render(rejectable=False)


def test_the_small_grant_shows_the_officer_the_organisations_similar_applications() -> None:
    """grants' `GET /small-grants/<id>/similar` (the officer's) had no screen: the office's
    small-grant page now shows its warning box; a department is not sent to ask for it."""
    from portal.small_grants_ws import SmallGrantsWorkspaceMixin

    grant = {"id": "f" * 24, "title": "Piknik sąsiedzki", "organization_id": "e" * 24,
             "status": "published", "area": "culture", "task_start": "2027-05-01",
             "task_end": "2027-05-30", "requested_amount": "5000.00", "total_cost": "6000.00",
             "cost_items": [], "submitted_at": "2027-04-01T10:00:00+00:00",
             "published_at": "2027-04-02T10:00:00+00:00",
             "comments_until": "2027-04-09T10:00:00+00:00"}
    similar = {"id": "a" * 24, "kind": "offer", "title": "Piknik na podwórku",
               "department": "culture", "status": "funded", "task_start": "2027-05-01",
               "task_end": "2027-05-31", "score": 87, "reasons": ["ten sam okres"]}
    asked: list[str] = []

    class Grants(Answers):
        def answer(self, method, service, path, token, *, params=None, json=None,
                   idempotency_key=None):
            asked.append(path)
            if path.endswith("/similar"):
                return {"items": [similar]}
            if path.endswith("/comments"):
                return {"items": [], "next_cursor": None}
            return grant if service == "grants" else {"name": "Fundacja Sąsiedzi"}

        def get(self, service, path, **params):
            return {"items": []}

        def items(self, service, path, **params):
            return []

    class SmallGrantPages(WorkspacesMixin, SmallGrantsWorkspaceMixin):
        roles: list[str] = ["officer"]
        _me = Pages._me

        def _department_names(self, parts):
            return {"culture": "Wydział Kultury"}

    pages = SmallGrantPages()
    pages.site = Site("sekret", urls={}, provider=SimpleNamespace(issuer="http://id.example"))
    pages.site.backends = Grants()
    page = html(pages.office_small_grant(request(f"/urzad/male-granty/{grant['id']}"),
                                         grant["id"]))
    assert "Możliwe podwójne finansowanie: „Piknik sąsiedzki”" in page
    assert "„Piknik na podwórku”" in page and "Wydział Kultury" in page
    pages.roles = ["department"]
    asked.clear()
    page = html(pages.office_small_grant(request(f"/urzad/male-granty/{grant['id']}"),
                                         grant["id"]))
    assert "podwójne finansowanie" not in page
    assert not any(p.endswith("/similar") for p in asked)


def test_a_department_announces_its_own_competition_the_officers_form() -> None:
    """grants lets a department draft and announce its own competitions (RUNNERS; it names the
    department from the token's claim): `/urzad/konkursy/nowy` serves it too; a representative
    is refused."""
    from portal.committee import CommitteeMixin
    from portal.office_programme import ProgrammeOfficeMixin

    sent: list[tuple[str, Any, str | None]] = []

    class Grants(Answers):
        def answer(self, method, service, path, token, *, params=None, json=None,
                   idempotency_key=None):
            sent.append((path, json, idempotency_key))
            return {"id": COMPETITION}

        def get(self, service, path, **params):
            if path.endswith("announcement-terms"):
                return {"earliest_submission_deadline": "2027-01-20", "min_submission_days": 21}
            return {"items": [{"code": "ecology", "name": "ekologia"}]}

    class Announcing(WorkspacesMixin, CommitteeMixin, ProgrammeOfficeMixin):
        roles: list[str] = ["department"]
        _me = Pages._me

    pages = Announcing()
    pages.site = Site("sekret", urls={}, provider=SimpleNamespace(issuer="http://id.example"))
    pages.site.backends = Grants()
    assert pages.new_competition(request("/urzad/konkursy/nowy")).status_code == 200
    done = pages.announce_competition(request("/urzad/konkursy/nowy", {
        "title": "Sprzątanie lasu", "area": "ecology", "mode": "supporting",
        "budget": "5 000,00", "submission_deadline": "2027-01-20",
        "submission_deadline_time": "12:00", "task_start": "2027-03-01",
        "task_end": "2027-06-30", "min_own_contribution_pct": "10",
        "criteria_0_name": "Jakość", "criteria_0_max_points": "10",
        "idempotency_key": "k-3"}))
    assert done.status_code == 303
    assert done.headers["Location"] == f"/urzad/konkursy/{COMPETITION}?zapisano=ogloszono"
    path, body, key = sent[-1]
    assert path == "/api/v1/competitions" and key == "k-3" and "department" not in body
    assert body["budget"] == "5000.00" and body["announce"] is True
    pages.roles = ["ngo"]
    with pytest.raises(NotAllowed):
        pages.new_competition(request("/urzad/konkursy/nowy"))
