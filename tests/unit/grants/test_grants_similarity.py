"""Similar applications of one organisation and double funding (grants/similarity.py).

Read like the rule: two applications of one organisation are similar when their task periods
overlap and their content is alike (title, description, the same cost items, the same place
or beneficiaries where recorded); a person decides, and funding the same costs twice needs an
acknowledgement with a reason.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from grants import similarity as s
from wspolpraca.errors import DomainError

ORG = "org-1"


def app(id: str = "a", *, kind: str = "offer", org: str = ORG,
        title: str = "Letni obóz dla dzieci z Bałut", start: str = "2027-07-01",
        end: str = "2027-08-31", costs=(("Zakwaterowanie", "12000.00"),
                                        ("Wyżywienie", "6000.00"),
                                        ("Transport", "2000.00")),
        description: str | None = None, place: str | None = None,
        beneficiaries: str | None = None, requested: str | None = "18000.00") -> s.Application:
    return s.Application(kind, id, org, title, date.fromisoformat(start),
                         date.fromisoformat(end),
                         tuple((n, Decimal(a)) for n, a in costs), description, place,
                         beneficiaries, Decimal(requested) if requested else None)


def test_the_same_project_for_an_overlapping_period_is_similar_with_its_reasons():
    match = s.compare(app("a"), app("b", title="LETNI OBOZ dla dzieci z Balut",
                                    start="2027-08-01", end="2027-09-15"))
    assert match is not None
    assert match.kind == "offer" and match.id == "b"
    assert match.score >= 90
    assert "ten sam tytuł" in match.reasons  # folded for case and Polish diacritics
    assert "pokrywające się terminy" in match.reasons
    assert "te same pozycje kosztorysu: 3 z 3" in match.reasons
    assert "ta sama wnioskowana kwota" in match.reasons
    assert match.shared_costs == 3


def test_periods_that_do_not_overlap_are_not_similar_however_alike():
    assert s.compare(app("a"), app("b", start="2027-09-01", end="2027-09-30")) is None


def test_another_organisations_application_is_never_compared():
    assert s.compare(app("a"), app("b", org="org-2")) is None


def test_an_application_is_not_similar_to_itself():
    assert s.compare(app("a"), app("a")) is None


def test_an_unrelated_project_of_the_same_organisation_is_not_similar():
    other = app("b", title="Warsztaty ekologiczne dla seniorów",
                costs=(("Materiały plastyczne", "1500.00"), ("Honoraria", "3000.00")),
                requested="4500.00")
    assert s.compare(app("a"), other) is None


def test_cost_items_count_with_the_same_name_and_the_same_amount_only():
    mine = (("Zakwaterowanie", "12000.00"), ("Wyżywienie", "6000.00"),
            ("Transport", "2000.00"), ("Ubezpieczenie", "500.00"), ("Kadra", "4000.00"))
    theirs = (("zakwaterowanie", "12000.00"), ("Wyzywienie", "6000.00"),
              ("Transport", "2500.00"), ("Kadra", "4000.00"))
    assert s.shared_cost_items([(n, Decimal(a)) for n, a in mine],
                               [(n, Decimal(a)) for n, a in theirs]) == 3


def test_the_cost_items_reason_counts_out_of_the_compared_applications_items():
    mine = app("a", title="Obóz wakacyjny", costs=(
        ("Zakwaterowanie", "12000.00"), ("Wyżywienie", "6000.00"), ("Transport", "2000.00"),
        ("Ubezpieczenie", "500.00"), ("Kadra", "4000.00")))
    theirs = app("b", title="Kolonie letnie nad morzem", costs=(
        ("Zakwaterowanie", "12000.00"), ("Wyżywienie", "6000.00"), ("Kadra", "4000.00")))
    match = s.compare(mine, theirs)
    assert match is not None
    assert "te same pozycje kosztorysu: 3 z 5" in match.reasons
    assert "ten sam tytuł" not in match.reasons


def test_a_similar_title_is_given_with_its_ratio():
    match = s.compare(app("a"), app("b", title="Letni obóz sportowy dla dzieci z Bałut"))
    assert match is not None
    assert any(r.startswith("podobny tytuł (") for r in match.reasons), match.reasons


def test_place_and_beneficiaries_count_where_both_recorded():
    mine = app("a", place="Szkoła Podstawowa nr 5, Łódź", beneficiaries="dzieci 7-12 lat")
    theirs = app("b", place="szkoła podstawowa nr 5, Lodz", beneficiaries="dzieci 7-12 lat")
    match = s.compare(mine, theirs)
    assert match is not None
    assert "to samo miejsce realizacji" in match.reasons
    assert "ci sami odbiorcy" in match.reasons
    unrecorded = s.compare(app("a", place="Szkoła Podstawowa nr 5"), app("b"))
    assert unrecorded is not None and "to samo miejsce realizacji" not in unrecorded.reasons


def test_similar_applications_are_listed_best_first():
    found = s.find_similar(app("a"), [
        app("c", title="Letni obóz sportowy dla dzieci",
            costs=(("Zakwaterowanie", "12000.00"), ("Wyżywienie", "6000.00"))),
        app("b"),
        app("d", title="Warsztaty ekologiczne", costs=(("Farby", "100.00"),)),
    ])
    assert [m.id for m in found] == ["b", "c"]
    assert found[0].score > found[1].score


def test_small_grants_and_offers_are_compared_alike():
    match = s.compare(app("a"), app("g", kind="small_grant"))
    assert match is not None and match.kind == "small_grant"


# --- double funding --------------------------------------------------------------------


def matches_of(offer: str, *others: s.Application) -> dict[str, list[s.Match]]:
    return {offer: s.find_similar(app(offer), others)}


def test_funding_an_offer_whose_twin_is_funded_already_is_double_funding():
    matches = matches_of("a", app("b"))
    overlaps = s.double_funding(["a"], matches, {("offer", "b"): "funded"})
    assert [(o.id, [m.id for m in o.matches]) for o in overlaps] == [("a", ["b"])]


def test_a_twin_only_submitted_or_not_funded_is_no_double_funding_yet():
    matches = matches_of("a", app("b"))
    assert s.double_funding(["a"], matches, {("offer", "b"): "submitted"}) == []
    assert s.double_funding(["a"], matches, {("offer", "b"): "not_funded"}) == []


def test_funding_both_twins_in_one_confirmation_is_double_funding():
    matches = {"a": s.find_similar(app("a"), [app("b")]),
               "b": s.find_similar(app("b"), [app("a")])}
    overlaps = s.double_funding(["a", "b"], matches, {})
    assert [o.id for o in overlaps] == ["a", "b"]


def test_an_awarded_small_grant_counts_as_funded():
    matches = matches_of("a", app("g", kind="small_grant"))
    assert s.double_funding(["a"], matches, {("small_grant", "g"): "awarded"})


def test_overlaps_must_be_acknowledged_with_a_reason_naming_them():
    overlaps = s.double_funding(["a"], matches_of("a", app("b")), {("offer", "b"): "funded"})
    with pytest.raises(DomainError) as refused:
        s.check_acknowledged(overlaps, {}, {("offer", "b"): "„Letni obóz” (sport)"})
    assert refused.value.status == 422
    assert refused.value.code == "double_funding_not_acknowledged"
    [message] = refused.value.fields["acknowledged_overlaps"]
    assert "Oferta a" in message and "„Letni obóz” (sport)" in message
    with pytest.raises(DomainError):
        s.check_acknowledged(overlaps, {"a": "   "}, {})
    s.check_acknowledged(overlaps, {"a": "Kontynuacja: inne turnusy, inne koszty."}, {})


def test_warnings_never_reject_and_say_what_is_similar():
    assert s.warnings([], {}) == []
    [warning] = s.warnings(s.find_similar(app("a"), [app("b")]), {("offer", "b"): "„X”"})
    assert warning.startswith("possible_double_funding:")
    assert "„X”" in warning and "pokrywające się terminy" in warning
