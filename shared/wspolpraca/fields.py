"""marshmallow fields every service needs: money as a decimal string, non-blank text, a time
with its zone; and `record_schema`, the one way to write the schema of a record an API
answers with."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

CENT = Decimal("0.01")
# Matched with fullmatch: ASCII digits only (`\d` takes any script's), and the whole string
# (`$` would allow a final newline). `json_pattern` gives them to JSON Schema.
MONEY_PATTERN = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,2})?")
EXACT_DECIMAL_PATTERN = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def json_pattern(pattern: re.Pattern[str]) -> str:
    """The JSON Schema `pattern` (a search, so anchored) that fullmatches as `pattern` does."""
    return f"^{pattern.pattern}$"


def to_money(value: Decimal | str | int) -> Decimal:
    """A money amount with exactly two decimals (never a float)."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    amount = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return amount.copy_abs() if amount.is_zero() else amount  # "-0.00" is 0.00


def format_money(value: Decimal) -> str:
    return f"{to_money(value):.2f}"


class Money(fields.Field):
    """PLN as a JSON string with at most two decimals: `"150000.00"`; stored as a string too.

    A JSON number is refused so that no amount ever passes through a float.
    """

    default_error_messages = {
        "invalid": "Kwota musi być tekstem z co najwyżej dwoma miejscami po przecinku, "
                   "np. \"1500.00\".",
        "negative": "Kwota nie może być ujemna.",
    }

    def __init__(self, *, allow_negative: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.allow_negative = allow_negative

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if not isinstance(value, str) or not MONEY_PATTERN.fullmatch(value):
            raise self.make_error("invalid")
        try:
            amount = to_money(value)
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if amount < 0 and not self.allow_negative:
            raise self.make_error("negative")
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format_money(Decimal(str(value)) if not isinstance(value, Decimal) else value)


class ExactDecimal(fields.Decimal):
    """A non-negative number up to `maximum` with at most two places, as a JSON string or
    integer (never a float): hours, percentages."""

    default_error_messages = {
        "exact": "Podaj liczbę całkowitą lub tekst z co najwyżej dwoma miejscami po przecinku, "
                 "np. \"10.5\".",
    }

    def __init__(self, maximum: int, **kwargs) -> None:
        super().__init__(places=2, validate=validate.Range(0, maximum), **kwargs)
        self.maximum = maximum

    def _deserialize(self, value, attr, data, **kwargs):
        valid = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and EXACT_DECIMAL_PATTERN.fullmatch(value))
        if not valid:
            raise self.make_error("exact")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Pole nie może być puste.")


class Text(fields.String):
    """A string that must hold something besides white space; loaded stripped."""

    def __init__(self, *, min_length: int = 1, max_length: int = 2000, **kwargs) -> None:
        validators = [validate.Length(min=min_length, max=max_length), not_blank]
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.extend(extra if isinstance(extra, list) else [extra])
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def Time(**kwargs) -> fields.AwareDateTime:  # noqa: N802 - reads as a field type
    """An RFC 3339 time with a zone (a time without one is refused)."""
    return fields.AwareDateTime(format="iso", **kwargs)


# The kinds of `record_schema`'s spec: what a stored record's field is answered as.
KINDS: dict[str, Callable[..., fields.Field]] = {
    "str": fields.String,
    "int": fields.Integer,
    "float": fields.Float,
    "bool": fields.Boolean,
    "time": fields.DateTime,
    "aware": fields.AwareDateTime,
    "date": fields.Date,
    "money": Money,
    "dict": fields.Dict,
    "strs": lambda **kwargs: fields.List(fields.String(), **kwargs),
    "dicts": lambda **kwargs: fields.List(fields.Dict(), **kwargs),
}


def record_schema(name: str, spec: str, base: type[Schema] = Schema, *, with_id: bool = True,
                  **named: fields.Field) -> type[Schema]:
    """The schema of a record an API answers with: `id` (the stored `_id`; none with
    `with_id=False`), then the fields of `spec` in their order, each `name`, `name:kind`
    or `name?:kind` (`?`: may be null; the kinds are `KINDS`, `str` when none is given).
    A field that needs more than a kind (a nested schema, a description) is given by
    keyword and named in `spec` where it stands:

        InquirySchema = record_schema("InquirySchema", \"\"\"
            subject text status received_at:time answered_at?:time overdue:bool
            meetings\"\"\", meetings=fields.List(fields.Nested(MeetingSchema)))
    """
    declared: dict[str, fields.Field] = {"id": fields.String(attribute="_id")} if with_id \
        else {}
    for token in spec.split():
        field_name, _, kind = token.partition(":")
        nullable = field_name.endswith("?")
        field_name = field_name.rstrip("?")
        if field_name in named:
            declared[field_name] = named.pop(field_name)
            continue
        options = {"allow_none": True} if nullable else {}
        declared[field_name] = KINDS[kind or "str"](**options)
    if named:
        raise TypeError(f"{name}: {sorted(named)} given but not named in the spec")
    schema = type(name, (base,), dict(declared))
    schema.__module__ = sys._getframe(1).f_globals.get("__name__", __name__)  # the caller's
    return schema
