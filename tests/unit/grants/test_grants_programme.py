"""The cooperation programme (art. 5a) and the funds planned in it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from grants import domain
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(domain.__file__).with_name("rules.toml"))


def test_the_programme_is_adopted_by_30_november_of_the_year_before_art_5a_ust_1():
    assert domain.adoption_deadline(2027, RULES) == date(2026, 11, 30)


def test_a_programme_not_adopted_after_30_november_is_warned_about_art_5a_ust_1():
    assert domain.programme_warnings(2027, "draft", date(2026, 11, 30), RULES) == []
    warnings = domain.programme_warnings(2027, "consulted", date(2026, 12, 1), RULES)
    assert warnings and warnings[0].startswith("programme_not_adopted_by_deadline")
    assert domain.programme_warnings(2027, "adopted", date(2027, 1, 5), RULES) == []


def test_a_programme_goes_draft_consulted_adopted_art_5a_ust_1():
    assert domain.consult_programme("draft") == "consulted"
    assert domain.adopt_programme("consulted") == "adopted"
    assert domain.adopt_programme("draft") == "adopted"
    with pytest.raises(DomainError) as refused:
        domain.adopt_programme("adopted")
    assert refused.value.status == 409


def test_an_area_is_planned_once():
    with pytest.raises(DomainError) as refused:
        domain.check_programme_funds([{"area": "culture"}, {"area": "culture"}])
    assert refused.value.field == "funds.1.area"


def test_a_commitment_up_to_the_remaining_funds_is_accepted_and_one_grosz_more_refused():
    domain.check_funds_available("culture", Decimal("100000.00"), Decimal("60000.00"),
                                 Decimal("40000.00"))
    with pytest.raises(DomainError) as refused:
        domain.check_funds_available("culture", Decimal("100000.00"), Decimal("60000.00"),
                                     Decimal("40000.01"))
    assert refused.value.code == "insufficient_programme_funds"


def test_an_area_without_planned_funds_is_refused():
    with pytest.raises(DomainError) as refused:
        domain.check_funds_available("sport", None, Decimal("0"), Decimal("1.00"))
    assert refused.value.code == "area_not_in_programme"


def test_money_becomes_whole_grosze_without_a_float():
    assert domain.grosze(Decimal("10000.01")) == 1_000_001
    assert domain.from_grosze(1_000_001) == Decimal("10000.01")
    with pytest.raises(TypeError):
        domain.grosze(0.1)  # type: ignore[arg-type]


def test_only_the_draft_is_edited_what_was_consulted_is_adopted_art_5a_ust_1():
    domain.check_programme_editable("draft")
    for status in ("consulted", "adopted"):
        with pytest.raises(DomainError) as refused:
            domain.check_programme_editable(status)
        assert refused.value.code == "invalid_state"
