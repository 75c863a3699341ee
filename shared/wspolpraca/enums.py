"""Enumerations whose members carry the Polish name citizens and officials read.

A member is written with its stored value and its label, `ACCEPTED = "accepted",
"uwzględniona"`; it compares, stores and serialises as the value alone (a StrEnum), and
`Decision.ACCEPTED.label` gives the label. One way for every service to name its statuses,
kinds and forms in Polish, instead of a `label` property with its own table in each enum.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members are `NAME = "value", "etykieta"`."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
