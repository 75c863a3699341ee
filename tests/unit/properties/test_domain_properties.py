"""The rules of the Act as properties that hold for every input Hypothesis can find, not only
the examples of the other unit tests: identifier checksums, money, awards within a budget, the
caps of small grants, the 21-day rule and the answer deadline of an inquiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from grants import domain as grants
from registry import domain as registry
from wspolpraca.errors import DomainError
from wspolpraca.fields import ExactDecimal, Money, format_money, to_money
from wspolpraca.rules import DatedRules

GRANT_RULES = DatedRules.load(Path(grants.__file__).with_name("rules.toml"))
REGISTRY_RULES = DatedRules.load(Path(registry.__file__).with_name("rules.toml"))
WARSAW = ZoneInfo("Europe/Warsaw")
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
REGON_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


@st.composite
def valid_nips(draw) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    check = sum(int(d) * w for d, w in zip(body, NIP_WEIGHTS, strict=True)) % 11
    assume(check != 10 and (body + str(check)) != "0" * 10)
    return body + str(check)


@st.composite
def valid_regons(draw) -> str:
    body = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    check = sum(int(d) * w for d, w in zip(body, REGON_WEIGHTS, strict=True)) % 11 % 10
    assume(body + str(check) != "0" * 9)
    return body + str(check)


# --- identifiers ---------------------------------------------------------------------------


@given(valid_nips(), st.lists(st.sampled_from([" ", "-"]), max_size=4), st.data())
def test_every_nip_with_its_check_digit_is_accepted_however_it_is_spaced(nip, separators, data):
    spaced = nip
    for separator in separators:
        at = data.draw(st.integers(min_value=0, max_value=len(spaced)))
        spaced = spaced[:at] + separator + spaced[at:]
    assert registry.validate_nip(spaced) == nip


@given(valid_nips(), st.integers(min_value=0, max_value=9), digits)
def test_a_nip_with_any_one_digit_changed_is_refused(nip, position, digit):
    """The NIP's weights are all below 11, so no single wrong digit keeps the sum."""
    assume(nip[position] != digit)
    changed = nip[:position] + digit + nip[position + 1:]
    with pytest.raises(DomainError) as refused:
        registry.validate_nip(changed)
    assert (refused.value.code, refused.value.field) == ("invalid_nip", "nip")


@given(valid_regons())
def test_every_nine_digit_regon_with_its_check_digit_is_accepted(regon):
    assert registry.validate_regon(regon) == regon


@given(st.text(max_size=20))
def test_an_identifier_is_either_digits_or_a_named_refusal(raw):
    for validate, field in ((registry.validate_nip, "nip"), (registry.validate_regon, "regon"),
                            (registry.validate_krs, "krs")):
        try:
            value = validate(raw)
        except DomainError as refusal:
            assert refusal.field == field and refusal.status == 422
        else:
            assert value.isascii() and value.isdigit()


@given(st.integers(min_value=1, max_value=9_999_999_999))
def test_a_krs_number_is_kept_as_ten_digits(number):
    assert registry.validate_krs(str(number)) == str(number).zfill(10)


# --- money -----------------------------------------------------------------------------------


class Amounts(Schema):
    amount = Money(required=True)
    hours = ExactDecimal(1_000_000)


@given(amounts)
def test_money_travels_as_text_and_comes_back_the_same(amount):
    assert Amounts().load({"amount": format_money(amount)})["amount"] == amount


@given(st.sampled_from(["-0", "-0.0", "-0.00", "0", "0.00"]))
def test_zero_is_zero_whichever_sign_it_is_written_with(text):
    assert format_money(Amounts().load({"amount": text})["amount"]) == "0.00"


@given(st.text(max_size=16))
def test_money_is_plain_ascii_digits_with_at_most_two_decimals(text):
    try:
        loaded = Amounts().load({"amount": text})["amount"]
    except ValidationError:
        return
    assert format_money(loaded) == format_money(Decimal(text))
    assert text.isascii() and "\n" not in text
    assert not text.startswith("-") or loaded == 0


@given(st.one_of(st.floats(), st.booleans(), st.text(max_size=12), st.integers()))
def test_hours_are_an_integer_or_a_decimal_text_within_bounds(value):
    try:
        loaded = Amounts().load({"amount": "1.00", "hours": value})["hours"]
    except ValidationError:
        return
    assert not isinstance(value, float | bool)
    assert Decimal(0) <= loaded <= 1_000_000


@given(st.lists(amounts, max_size=30))
def test_grosze_add_up_exactly(values):
    assert grants.from_grosze(sum(grants.grosze(v) for v in values)) == to_money(sum(values))


# --- results of a competition: within the budget ------------------------------------------

ranked_offers = st.lists(
    st.tuples(st.decimals(min_value=0, max_value=100, places=2),
              st.decimals(min_value=1, max_value=500_000, places=2),
              st.integers(min_value=0, max_value=5)),
    max_size=20)


@given(ranked_offers, st.decimals(min_value=0, max_value=2_000_000, places=2))
def test_proposed_awards_stay_within_the_budget_and_the_requests(offers, budget):
    ranking = [grants.Ranked(f"o{i}", average, requested, scored_by)
               for i, (average, requested, scored_by) in enumerate(offers)]
    ranking.sort(key=lambda r: -r.average)
    awards = grants.propose_awards(ranking, budget)
    assert set(awards) == {r.offer_id for r in ranking}
    assert sum(awards.values(), Decimal(0)) <= budget
    for item in ranking:
        assert Decimal(0) <= awards[item.offer_id] <= item.requested
        if item.scored_by == 0:
            assert awards[item.offer_id] == 0  # nobody scored it: nothing
    partly = [r for r in ranking if 0 < awards[r.offer_id] < r.requested]
    assert len(partly) <= 1  # only the last funded offer may get less than it asked
    by_request = {r.offer_id: {"requested_amount": r.requested} for r in ranking}
    assert grants.check_awards(awards, by_request, budget) == sum(awards.values(), Decimal(0))


# --- small grants (art. 19a) ------------------------------------------------------------------


@given(st.decimals(min_value=1, max_value=20_000, places=2),
       st.decimals(min_value=0, max_value=40_000, places=2),
       st.decimals(min_value=0, max_value=400_000, places=2),
       st.decimals(min_value=0, max_value=2_000_000, places=2))
def test_a_small_grant_is_refused_exactly_when_a_cap_would_be_passed(
        amount, organization_total, city_total, yearly_funds):
    on = date(2026, 6, 1)
    per_organization, city_cap = grants.small_grant_limits(yearly_funds, on, GRANT_RULES)
    assert per_organization == Decimal("20000.00")
    try:
        grants.check_small_grant_caps(amount, organization_total, city_total, yearly_funds,
                                      on, GRANT_RULES)
    except DomainError as refusal:
        assert refusal.field == "requested_amount"
        if refusal.code == "organization_small_grant_cap":
            assert organization_total + amount > per_organization
        else:
            assert refusal.code == "city_small_grant_cap"
            assert city_total + amount > city_cap
    else:
        assert organization_total + amount <= per_organization
        assert city_total + amount <= yearly_funds * Decimal("0.2")


# --- the 21-day rule (art. 13 ust. 1) ---------------------------------------------------------

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                       timezones=st.just(UTC))


@given(moments, st.integers(min_value=0, max_value=60))
def test_offers_are_due_no_sooner_than_21_city_days_after_the_announcement(published, days):
    deadline = published + timedelta(days=days)
    task_start = deadline.astimezone(WARSAW).date() + timedelta(days=30)
    city_days = (deadline.astimezone(WARSAW).date() - published.astimezone(WARSAW).date()).days
    try:
        grants.check_announcement(deadline, published, task_start, GRANT_RULES)
    except DomainError as refusal:
        assert (refusal.code, refusal.field) == ("deadline_too_short", "submission_deadline")
        assert city_days < 21
    else:
        assert city_days >= 21


# --- the liaison office's answer deadline --------------------------------------------------


@given(moments, st.integers(min_value=0, max_value=10 ** 6))
def test_an_inquiry_received_later_is_never_due_sooner(received, seconds_later):
    first = registry.response_deadline(received.astimezone(WARSAW), REGISTRY_RULES)
    later = received + timedelta(seconds=seconds_later)
    second = registry.response_deadline(later.astimezone(WARSAW), REGISTRY_RULES)
    assert first > received and second >= first
    assert not registry.is_overdue(first, "received", first)
    assert registry.is_overdue(first, "received", first + timedelta(seconds=1))
    assert not registry.is_overdue(first, "answered", first + timedelta(days=365))
