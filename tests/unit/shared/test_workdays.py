from datetime import date

import pytest

from wspolpraca.workdays import add_working_days, is_working_day, public_holidays


@pytest.mark.parametrize("year, easter_monday", [(2024, date(2024, 4, 1)),
                                                 (2025, date(2025, 4, 21)),
                                                 (2026, date(2026, 4, 6))])
def test_easter_monday_moves_with_easter(year, easter_monday):
    assert easter_monday in public_holidays(year)
    assert not is_working_day(easter_monday)


def test_the_days_free_from_work_in_2026():
    # art. 1 of the Act of 18 January 1951 on days free from work, as amended in 2024
    assert public_holidays(2026) == {
        date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 5), date(2026, 4, 6),
        date(2026, 5, 1), date(2026, 5, 3), date(2026, 5, 24), date(2026, 6, 4),
        date(2026, 8, 15), date(2026, 11, 1), date(2026, 11, 11), date(2026, 12, 24),
        date(2026, 12, 25), date(2026, 12, 26)}


def test_epiphany_is_free_from_2011_on():
    assert date(2010, 1, 6) not in public_holidays(2010)
    assert date(2011, 1, 6) in public_holidays(2011)


def test_weekends_and_public_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 11))  # Independence Day
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not is_working_day(date(2026, 6, 4))  # Corpus Christi
    assert is_working_day(date(2026, 11, 25))


def test_christmas_eve_is_free_from_2025_on():
    assert is_working_day(date(2024, 12, 24))
    for year in (2025, 2026, 2027, 2030):
        assert date(year, 12, 24) in public_holidays(year)
    assert not is_working_day(date(2025, 12, 24))


def test_seven_working_days_skip_weekends_and_holidays():
    # Thursday 18 Dec 2025: 19, 22, 23, (24-26 free), 29, 30, 31, (1 Jan free), 2 Jan
    assert add_working_days(date(2025, 12, 18), 7) == date(2026, 1, 2)
    assert add_working_days(date(2026, 11, 23), 7) == date(2026, 12, 2)
