"""Dated rules: every limit and deadline of the law, with the date it applies from.

The law changes (the small-grant cap of art. 19a is 10,000 PLN today, a draft
amendment proposes 20,000), so no figure lives in code. A rules file holds, for
each rule, the values it has had and the date each applies from:

    [[small_grant_max_amount]]
    from = 2010-04-20
    value = "10000.00"
    source = "art. 19a ust. 1 pkt 1 ustawy o działalności pożytku publicznego"

`rules.value("small_grant_max_amount", on=some_date)` returns the value in force
on that date: the entry with the latest `from` not after it. Money is written as
a string ("10000.00") so that it can become a `Decimal` without rounding.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from os import PathLike
from typing import Any

RuleValue = int | float | str

_ENTRY_KEYS = frozenset({"from", "value", "source"})


class InvalidRules(ValueError):
    """A rules file or mapping that does not follow the format."""


class RuleNotInForce(KeyError):
    """No value of a rule applies on the date asked (or the rule is unknown)."""

    def __init__(self, name: str, on: date | None, message: str,
                 applies_from: date | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.on = on  # None: the rule is unknown
        self.message = message
        self.applies_from = applies_from  # the rule's first date, when `on` is before it

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return self.message


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """One value of a rule and the date it applies from."""

    valid_from: date
    value: RuleValue
    source: str | None = None


class DatedRules:
    """Rules by name, each a list of entries in ascending order of `valid_from`."""

    __slots__ = ("_rules",)

    def __init__(self, rules: Mapping[str, Iterable[RuleEntry]]) -> None:
        checked: dict[str, tuple[RuleEntry, ...]] = {}
        for name, given in rules.items():
            entries = tuple(given)
            if not entries:
                raise InvalidRules(f"rule {name!r} has no entries")
            for earlier, later in pairwise(entries):
                if later.valid_from <= earlier.valid_from:
                    raise InvalidRules(
                        f"rule {name!r}: entries must be in ascending order of 'from' "
                        f"with no date repeated ({later.valid_from.isoformat()} comes after "
                        f"{earlier.valid_from.isoformat()})"
                    )
            checked[name] = entries
        self._rules = checked

    @classmethod
    def load(cls, path: str | PathLike[str]) -> DatedRules:
        """Read a TOML rules file."""
        with open(path, "rb") as handle:
            try:
                data = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise InvalidRules(f"{path}: not valid TOML: {exc}") from exc
        try:
            return cls.from_mapping(data)
        except InvalidRules as exc:
            raise InvalidRules(f"{path}: {exc}") from exc

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DatedRules:
        """Build from the parsed TOML shape: {name: [{"from": date, "value": ..., ...}]}."""
        rules: dict[str, list[RuleEntry]] = {}
        for name, raw_entries in data.items():
            if not isinstance(raw_entries, list):
                raise InvalidRules(
                    f"rule {name!r} must be an array of tables ([[{name}]]), "
                    f"not {type(raw_entries).__name__}"
                )
            rules[name] = [_parse_entry(name, i, raw) for i, raw in enumerate(raw_entries)]
        return cls(rules)

    def names(self) -> list[str]:
        """The rule names, sorted."""
        return sorted(self._rules)

    def entries(self, name: str) -> tuple[RuleEntry, ...]:
        """Every value the rule has had, oldest first."""
        try:
            return self._rules[name]
        except KeyError:
            raise RuleNotInForce(name, None, f"unknown rule {name!r}") from None

    def entry(self, name: str, on: date) -> RuleEntry:
        """The entry in force on `on` (a datetime counts by its own calendar date)."""
        day = on.date() if isinstance(on, datetime) else on
        entries = self._rules.get(name)
        if entries is None:
            raise RuleNotInForce(
                name, day, f"unknown rule {name!r} (known: {', '.join(self.names()) or 'none'})"
            )
        in_force = None
        for entry in entries:
            if entry.valid_from > day:
                break
            in_force = entry
        if in_force is None:
            raise RuleNotInForce(
                name,
                day,
                f"rule {name!r} is not in force on {day.isoformat()}: "
                f"its first value applies from {entries[0].valid_from.isoformat()}",
                entries[0].valid_from,
            )
        return in_force

    def value(self, name: str, on: date) -> RuleValue:
        """The value of rule `name` in force on `on`."""
        return self.entry(name, on).value

    def decimal(self, name: str, on: date) -> Decimal:
        """The value as a Decimal (for money written as "10000.00")."""
        value = self.value(name, on)
        if isinstance(value, float):
            value = repr(value)
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"rule {name!r} has the non-numeric value {value!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __repr__(self) -> str:
        return f"DatedRules({self.names()!r})"


def _parse_entry(name: str, index: int, raw: object) -> RuleEntry:
    where = f"rule {name!r}, entry {index + 1}"
    if not isinstance(raw, Mapping):
        raise InvalidRules(f"{where}: must be a table with 'from' and 'value'")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise InvalidRules(
            f"{where}: unknown keys {sorted(unknown)} (allowed: from, value, source)"
        )
    if "from" not in raw or "value" not in raw:
        raise InvalidRules(f"{where}: 'from' and 'value' are required")
    valid_from = raw["from"]
    # A TOML datetime is a date subclass in Python; a rule applies from a whole day.
    if not isinstance(valid_from, date) or isinstance(valid_from, datetime):
        raise InvalidRules(f"{where}: 'from' must be a date such as 2024-01-01, not {valid_from!r}")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidRules(f"{where}: 'value' must be an integer, a number or a string")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise InvalidRules(f"{where}: 'source' must be a string")
    return RuleEntry(valid_from=valid_from, value=value, source=source)
