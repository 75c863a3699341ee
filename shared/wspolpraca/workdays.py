"""Working days in Poland: every day but Saturdays, Sundays and public holidays.

Public holidays follow the Act of 18 January 1951 on days free from work (ustawa o dniach
wolnych od pracy), including Christmas Eve, free since 2025. The calendar (Easter and the
feasts that move with it, the changes of the Act over the years) comes from the `holidays`
package, which keeps Poland's list up to date.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


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
