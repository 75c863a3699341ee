"""What a person reads is written the Polish way (Babel, pl_PL), in Warsaw time."""

from datetime import UTC, datetime

from portal import formatting


def test_money_is_written_with_spaces_a_comma_and_the_zloty_sign() -> None:
    assert formatting.money("252000.00").replace("\xa0", " ") == "252 000,00 zł"
    assert formatting.money("0.50").replace("\xa0", " ") == "0,50 zł"
    assert formatting.money(None) == "—"


def test_a_date_is_the_day_the_month_in_the_genitive_and_the_year() -> None:
    assert formatting.day("2026-12-07") == "7 grudnia 2026"
    assert formatting.day("2027-05-31") == "31 maja 2027"


def test_an_instant_is_shown_in_warsaw_time() -> None:
    # 13:30 UTC in December is 14:30 in Warsaw; in July (summer time) 15:30
    assert formatting.moment("2026-12-07T13:30:00+00:00") == "7 grudnia 2026, 14:30"
    assert formatting.moment("2026-07-01T13:30:00Z") == "1 lipca 2026, 15:30"


def test_a_month_title_is_in_the_nominative() -> None:
    assert formatting.month_name(2026, 12) == "grudzień 2026"


def test_days_left_use_polish_plurals() -> None:
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert formatting.days_left_text("2026-12-19T21:59:00Z", now) == "zostało 12 dni"
    assert formatting.days_left_text("2026-12-08T12:00:00Z", now) == "został 1 dzień"
    assert formatting.days_left_text("2026-12-10T12:00:00Z", now) == "zostały 3 dni"
    assert formatting.days_left_text("2026-12-29T12:00:00Z", now) == "zostały 22 dni"
    assert formatting.days_left_text("2026-12-07T20:00:00Z", now) == "ostatni dzień"
    assert formatting.days_left_text("2026-12-07T09:00:00Z", now) == "termin minął"


def test_a_quantity_in_a_form_field_is_written_the_polish_way() -> None:
    assert formatting.plain_number("20.00") == "20"
    assert formatting.plain_number("7.50") == "7,5"
    assert formatting.plain_number("1234") == "1234"
    assert formatting.plain_number(None) == ""
    assert formatting.plain_number("") == ""
