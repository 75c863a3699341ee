"""The committee's pages without services: where the API's messages on the awards go, and the
scoring sheet's fields named as the API names its scores."""

from __future__ import annotations

from decimal import Decimal

from portal.backend import Rejected
from portal.committee import CommitteeMixin, award_errors, budget_bar, results_fields


def test_a_message_on_an_award_goes_next_to_that_offers_amount() -> None:
    found = award_errors({"awards.1.amount": ["Za dużo."], "awards": ["Suma przekracza pulę."],
                          "awards.7.amount": ["?"]}, ["a1", "b2"])
    assert found == {"award_b2": ["Za dużo."], "_form": ["Suma przekracza pulę.", "?"]}


def test_a_score_over_the_maximum_is_shown_at_its_criterion() -> None:
    form = CommitteeMixin._sheet_form([{"name": "Jakość", "max_points": 10},
                                       {"name": "Koszty", "max_points": 5}])
    assert form.labels["scores_1_points"] == "Koszty: punkty (od 0 do 5)"
    form.reject(Rejected(422, "score_out_of_range", "", {
        "scores.1.points": ["Za kryterium „Koszty” można przyznać od 0 do 5 pkt."]}))
    assert form.errors == {"scores_1_points": [
        "Za kryterium „Koszty” można przyznać od 0 do 5 pkt."]}


def test_the_budget_bar_sums_the_amounts_as_typed_and_stops_at_the_pool() -> None:
    assert budget_bar(["13 500,00", "", None, "1500"], "30000.00") == {
        "awarded": Decimal("15000.00"), "budget": Decimal("30000.00"), "share": 50}
    assert budget_bar(["40 000"], "30000.00")["share"] == 100


def test_the_reason_to_fund_despite_a_similar_application_is_asked_only_where_one_exists():
    """Issue #22: an offer with a similar application of its organisation gets a reason field
    (`overlap_<id>`, grants' `acknowledged_overlaps`) beside its amount; the others do not."""
    form = results_fields([{"offer_id": "a" * 24, "title": "Obóz"},
                           {"offer_id": "b" * 24, "title": "Warsztaty"}],
                          {"a" * 24: [{"id": "c" * 24}]})
    assert form.fields == (f"award_{'a' * 24}", f"overlap_{'a' * 24}", f"award_{'b' * 24}")
    assert form.labels[f"overlap_{'a' * 24}"] == \
        "Powód przyznania dotacji mimo podobnego wniosku: Obóz"


def test_grants_refusal_of_an_unacknowledged_double_funding_goes_to_that_offers_reason():
    first, second, funded = "a" * 24, "b" * 24, "c" * 24
    found = award_errors({
        "acknowledged_overlaps": [
            f"Oferta {second} sfinansowałaby ponownie te same koszty co: oferta „Obóz” "
            f"({first}, wydział culture) (ten sam tytuł).",
            f"Oferta {funded} sfinansowałaby ponownie ...", "Coś innego."],
        "acknowledged_overlaps.0.reason": ["Wpisz co najmniej 3 znaki."]},
        [first, second], [second])
    assert found == {
        f"overlap_{second}": [
            f"Oferta {second} sfinansowałaby ponownie te same koszty co: oferta „Obóz” "
            f"({first}, wydział culture) (ten sam tytuł).", "Wpisz co najmniej 3 znaki."],
        "_form": [f"Oferta {funded} sfinansowałaby ponownie ...", "Coś innego."]}


def test_the_whole_history_is_asked_with_the_token_of_those_who_may_see_it():
    from portal.cooperation import may_see_all, status_of
    from portal.sessions import Session
    from portal.signin import Tokens

    def signed_in(**claims) -> Session:
        return Session("s", tokens=Tokens(access_token="t", refresh_token=None, id_token="",
                                     expires_at=0, claims=claims))

    org = "d" * 24
    assert not may_see_all(None, org)
    assert not may_see_all(Session("s"), org)
    assert may_see_all(signed_in(roles=["officer"]), org)
    assert may_see_all(signed_in(roles=["department"], department="culture"), org)
    assert may_see_all(signed_in(roles=["ngo"], org_id=org), org)
    assert not may_see_all(signed_in(roles=["ngo"], org_id="e" * 24), org)
    assert not may_see_all(signed_in(roles=["committee"]), org)
    assert status_of({"form": "offer", "status": "funded"}) == "przyznano dotację"
    assert status_of({"form": "contract", "status": "settled", "report": "late"}) == \
        "rozliczona, sprawozdanie po terminie"
    assert status_of({"form": "volunteering", "status": None}) == ""


def test_the_organisation_page_asks_with_the_token_and_falls_back_to_the_public_part():
    from types import SimpleNamespace

    from portal import cooperation
    from portal.sessions import Session
    from portal.signin import Tokens

    asked: list[str] = []

    class Backends:
        refuse = False

        def personal(self, method, service, path, token):
            asked.append(f"{service} {path} as {token}")
            if self.refuse:
                raise Rejected(401, "invalid_token", "", {})
            return {"scope": "full"}

        def get(self, service, path):
            asked.append(f"{service} {path}")
            return {"scope": "public"}

    org = "d" * 24
    officer = Session("s", tokens=Tokens(access_token="t", refresh_token=None, id_token="",
                                         expires_at=0, claims={"roles": ["officer"]}))
    site = SimpleNamespace(backends=Backends())
    path = f"reporting /api/v1/stats/organizations/{org}"

    def history(session):
        return cooperation.history(site, SimpleNamespace(session=session), org,
                                   lambda: session)["scope"]

    assert history(None) == "public" and asked == [path]
    assert history(officer) == "full" and asked[-1] == f"{path} as t"
    site.backends.refuse = True
    assert history(officer) == "public" and asked[-2:] == [f"{path} as t", path]
