"""What a person reads, the Polish way (Babel's `pl_PL`): `252 000,00 zł`, `7 grudnia 2026`,
`14:30` Warsaw time, "zostało 12 dni"."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal
from babel.plural import PluralRule

LOCALE = "pl_PL"
WARSAW = ZoneInfo("Europe/Warsaw")
# Polish plural categories, the CLDR rule Babel ships (one, few, many)
_PLURAL = PluralRule({
    "one": "n is 1",
    "few": "n mod 10 in 2..4 and n mod 100 not in 12..14",
})


def plural(n: int, one: str, few: str, many: str) -> str:
    """`plural(5, "dzień", "dni", "dni")` -> "dni" (CLDR categories for Polish)."""
    return {"one": one, "few": few}.get(_PLURAL(n), many)


def money(value: str | Decimal | None) -> str:
    """"252000.00" -> "252 000,00 zł" (non-breaking spaces, as Babel writes them)."""
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_currency(amount, "PLN", locale=LOCALE)


def plain_money(value: str | Decimal | None) -> str:
    """"9000.00" -> "9 000,00" as a form field holds it (no currency: the label says zł)."""
    if value in (None, ""):
        return ""
    try:
        return format_decimal(Decimal(str(value)), format="#,##0.00", locale=LOCALE)
    except InvalidOperation:
        return str(value)


def plain_number(value: str | Decimal | None) -> str:
    """"20.00" -> "20", "7.50" -> "7,5": a quantity (hours) as a form field holds it."""
    if value in (None, ""):
        return ""
    try:
        return format_decimal(Decimal(str(value)), format="0.##", locale=LOCALE)
    except InvalidOperation:
        return str(value)


def parse_money(text: str | None) -> str | None:
    """Money typed the Polish way ("12 500,00", "12500", "12500,5", "12 500 zł") as the APIs
    take it ("12500.00"); None when it is not an amount in złoty and grosze."""
    cleaned = (text or "").replace("\u00a0", "").replace(" ", "").removesuffix("zł")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return f"{amount:.2f}"


def number(value: int | str | Decimal | None) -> str:
    if value in (None, ""):
        return "—"
    return format_decimal(Decimal(str(value)), locale=LOCALE)


def to_datetime(value: str | datetime | None) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=WARSAW)
    return moment.astimezone(WARSAW)


def to_date(value: str | date | datetime | None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return to_datetime(value).date()
    if isinstance(value, date):
        return value
    text = str(value)
    if len(text) > 10:
        return to_datetime(text).date()
    return date.fromisoformat(text)


def day(value: str | date | datetime | None) -> str:
    """"2026-12-07" -> "7 grudnia 2026"."""
    when = to_date(value)
    return format_date(when, "d MMMM y", locale=LOCALE) if when else "—"


def moment(value: str | datetime | None) -> str:
    """An instant as "7 grudnia 2026, 14:30" in Warsaw time."""
    when = to_datetime(value)
    if when is None:
        return "—"
    return format_datetime(when, "d MMMM y, HH:mm", tzinfo=WARSAW, locale=LOCALE)


def hour(value: str | datetime | None) -> str:
    when = to_datetime(value)
    return format_time(when, "HH:mm", tzinfo=WARSAW, locale=LOCALE) if when else ""


def month_name(year: int, month: int) -> str:
    """"grudzień 2026" (the nominative, as a calendar's title)."""
    return format_date(date(year, month, 1), "LLLL y", locale=LOCALE)


def days_left(until: str | datetime | None, now: datetime) -> int | None:
    when = to_datetime(until)
    if when is None:
        return None
    return (when.date() - now.astimezone(WARSAW).date()).days


def days_left_text(until: str | datetime | None, now: datetime) -> str:
    """"zostało 12 dni", "został 1 dzień", "ostatni dzień", "termin minął"."""
    left = days_left(until, now)
    if left is None:
        return ""
    if left < 0 or (to_datetime(until) or now) < now:
        return "termin minął"
    if left == 0:
        return "ostatni dzień"
    verb = "został" if left == 1 else plural(left, "został", "zostały", "zostało")
    return f"{verb} {left} {plural(left, 'dzień', 'dni', 'dni')}"


FILTERS = {
    "money": money,
    "number": number,
    "day": day,
    "moment": moment,
    "hour": hour,
}
