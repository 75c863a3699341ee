from datetime import date

import pytest

from wspolpraca.workdays import add_working_days, easter_sunday, is_working_day


@pytest.mark.parametrize("year, easter", [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                          (2026, date(2026, 4, 5))])
def test_easter_is_computed_for_the_gregorian_calendar(year, easter):
    assert easter_sunday(year) == easter


def test_weekends_and_public_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 11))  # Independence Day
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not is_working_day(date(2026, 6, 4))  # Corpus Christi
    assert is_working_day(date(2026, 11, 25))


def test_christmas_eve_is_free_from_2025_on():
    assert is_working_day(date(2024, 12, 24))
    assert not is_working_day(date(2025, 12, 24))


def test_seven_working_days_skip_weekends_and_holidays():
    # Thursday 18 Dec 2025: 19, 22, 23, (24-26 free), 29, 30, 31, (1 Jan free), 2 Jan
    assert add_working_days(date(2025, 12, 18), 7) == date(2026, 1, 2)
    assert add_working_days(date(2026, 11, 23), 7) == date(2026, 12, 2)
