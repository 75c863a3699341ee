"""Working days in Poland: every day but Saturdays, Sundays and public holidays.

Public holidays follow the Act of 18 January 1951 on days free from work (ustawa o dniach
wolnych od pracy), including Christmas Eve, free since 2025.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

FIXED_HOLIDAYS = (
    (1, 1), (1, 6), (5, 1), (5, 3), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26),
)
CHRISTMAS_EVE_FREE_SINCE = 2025
EPIPHANY_FREE_SINCE = 2011


def easter_sunday(year: int) -> date:
    """The Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    days = {date(year, month, day) for month, day in FIXED_HOLIDAYS}
    if year < EPIPHANY_FREE_SINCE:
        days.discard(date(year, 1, 6))
    if year >= CHRISTMAS_EVE_FREE_SINCE:
        days.add(date(year, 12, 24))
    days |= {easter, easter + timedelta(days=1),  # Easter Sunday and Monday
             easter + timedelta(days=49),  # Pentecost Sunday
             easter + timedelta(days=60)}  # Corpus Christi
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (`start` itself not counted)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current
