"""Dated rules: the value in force is the one with the latest date not after the day asked."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from wspolpraca.rules import DatedRules, InvalidRules, RuleEntry, RuleNotInForce

SMALL_GRANT = {
    "small_grant_max_amount": [
        {"from": date(2010, 4, 20), "value": "10000.00", "source": "art. 19a ust. 1 pkt 1"},
        {"from": date(2026, 1, 1), "value": "20000.00", "source": "projekt nowelizacji 2025"},
    ],
    "offer_deadline_min_days": [{"from": date(2003, 6, 29), "value": 21}],
}


@pytest.fixture
def rules() -> DatedRules:
    return DatedRules.from_mapping(SMALL_GRANT)


def test_the_value_in_force_is_the_latest_one_that_has_started(rules):
    assert rules.value("small_grant_max_amount", date(2025, 12, 31)) == "10000.00"


def test_a_new_value_applies_from_its_first_day(rules):
    assert rules.value("small_grant_max_amount", date(2026, 1, 1)) == "20000.00"
    assert rules.value("small_grant_max_amount", date(2030, 6, 1)) == "20000.00"


def test_a_value_applies_from_its_own_date_inclusive(rules):
    assert rules.value("small_grant_max_amount", date(2010, 4, 20)) == "10000.00"


def test_before_the_first_value_the_rule_is_not_in_force(rules):
    with pytest.raises(RuleNotInForce) as caught:
        rules.value("small_grant_max_amount", date(2010, 4, 19))
    assert "2010-04-20" in str(caught.value)
    assert caught.value.name == "small_grant_max_amount"


def test_an_unknown_rule_is_not_in_force_and_is_a_key_error(rules):
    with pytest.raises(KeyError) as caught:
        rules.value("no_such_rule", date(2024, 1, 1))
    assert isinstance(caught.value, RuleNotInForce)
    assert "no_such_rule" in str(caught.value)


def test_a_datetime_counts_by_its_calendar_date(rules):
    moment = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    assert rules.value("small_grant_max_amount", moment) == "20000.00"


def test_money_reads_as_a_decimal(rules):
    assert rules.decimal("small_grant_max_amount", date(2024, 5, 1)) == Decimal("10000.00")


def test_the_source_of_a_value_is_kept(rules):
    entry = rules.entry("small_grant_max_amount", date(2024, 5, 1))
    assert entry == RuleEntry(date(2010, 4, 20), "10000.00", "art. 19a ust. 1 pkt 1")


def test_names_are_listed(rules):
    assert rules.names() == ["offer_deadline_min_days", "small_grant_max_amount"]
    assert "offer_deadline_min_days" in rules


def test_a_toml_file_is_read(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[inquiry_response_days]]\nfrom = 2003-06-29\nvalue = 14\nsource = "regulamin"\n\n'
        "[[inquiry_response_days]]\nfrom = 2025-01-01\nvalue = 10\n",
        encoding="utf-8",
    )
    rules = DatedRules.load(path)
    assert rules.value("inquiry_response_days", date(2024, 12, 31)) == 14
    assert rules.value("inquiry_response_days", date(2025, 1, 1)) == 10


def test_dates_out_of_order_are_refused():
    with pytest.raises(InvalidRules, match="ascending"):
        DatedRules.from_mapping(
            {"x": [{"from": date(2020, 1, 1), "value": 1}, {"from": date(2019, 1, 1), "value": 2}]}
        )


def test_a_date_given_twice_is_refused():
    with pytest.raises(InvalidRules):
        DatedRules.from_mapping(
            {"x": [{"from": date(2020, 1, 1), "value": 1}, {"from": date(2020, 1, 1), "value": 2}]}
        )


@pytest.mark.parametrize(
    "entry",
    [
        {"from": "2020-01-01", "value": 1},
        {"from": datetime(2020, 1, 1, 12, 0), "value": 1},
        {"value": 1},
        {"from": date(2020, 1, 1)},
        {"from": date(2020, 1, 1), "value": True},
        {"from": date(2020, 1, 1), "value": [1]},
        {"from": date(2020, 1, 1), "value": 1, "source": 5},
        {"from": date(2020, 1, 1), "value": 1, "form": "typo"},
    ],
)
def test_a_malformed_entry_is_refused(entry):
    with pytest.raises(InvalidRules):
        DatedRules.from_mapping({"x": [entry]})


def test_a_rule_with_no_entries_is_refused():
    with pytest.raises(InvalidRules):
        DatedRules.from_mapping({"x": []})


def test_a_rule_that_is_not_an_array_of_tables_is_refused():
    with pytest.raises(InvalidRules, match=r"\[\[x\]\]"):
        DatedRules.from_mapping({"x": {"from": date(2020, 1, 1), "value": 1}})


def test_a_toml_datetime_as_from_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[[x]]\nfrom = 2020-01-01T00:00:00\nvalue = 1\n", encoding="utf-8")
    with pytest.raises(InvalidRules, match="must be a date"):
        DatedRules.load(path)


def test_invalid_toml_is_refused(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[[x]\n", encoding="utf-8")
    with pytest.raises(InvalidRules, match="TOML"):
        DatedRules.load(path)
