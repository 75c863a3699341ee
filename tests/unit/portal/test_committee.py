"""The committee's pages without services: where the API's messages on the awards go, and the
scoring sheet's fields named as the API names its scores."""

from __future__ import annotations

from decimal import Decimal

from portal.backend import Rejected
from portal.committee import CommitteeMixin, award_errors, budget_bar


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
