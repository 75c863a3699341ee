"""Figures formatted the Polish way for people (pages, PDF and HTML documents), through
Babel's CLDR data: `252 000,00 zł`, `7 grudnia 2026`, `7,03 %`, `12 345`.

Machine formats (JSON, CSV, the API) keep dot decimals and ISO dates; spreadsheets keep
numbers as numbers with the formats below, so a user can still sum them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LOCALE = "pl_PL"
DASH = "—"

# XLSX number formats (Excel shows the separators of the reader's locale; with a Polish
# locale: "252 000,00 zł", "7,03 %", "7 grudnia 2026")
XLSX_MONEY = '#,##0.00\\ "zł"'
XLSX_COUNT = "#,##0"
XLSX_HOURS = "#,##0.00"
XLSX_PERCENT = '0.00\\ "%"'
XLSX_DATE = "[$-415]d mmmm yyyy"


def _number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def money(value: Any) -> str:
    """`"252000.00"` → `252 000,00 zł` (a no-break space between the groups and before zł)."""
    number = _number(value)
    return DASH if number is None else format_currency(number, "PLN", locale=LOCALE)


def number(value: Any, decimals: int = 0) -> str:
    """A count or a quantity: `12345` → `12 345`; `12.5` with decimals=2 → `12,50`."""
    found = _number(value)
    if found is None:
        return DASH
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(found, format=pattern, locale=LOCALE)


def quantity(value: Any) -> str:
    """A measured quantity: whole numbers without decimals (`1 250`), others with two."""
    found = _number(value)
    if found is None:
        return DASH
    return number(found, 0 if found == found.to_integral_value() else 2)


def percent(value: Any) -> str:
    """A percentage given in percent: `7.03` → `7,03 %`."""
    found = _number(value)
    return DASH if found is None else f"{number(found, 2)}\u00a0%"


def long_date(value: Any) -> str:
    """`2026-12-07` (or an RFC 3339 time) → `7 grudnia 2026`."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return str(value)
    return format_date(value, format="long", locale=LOCALE)


def as_spaces(text: str) -> str:
    """The text with no-break and narrow no-break spaces as plain spaces (for comparing
    what a PDF reader extracts)."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")
