"""marshmallow validators the services' schemas share: an object id, a known area of public
benefit, a value of an enumeration. (Error messages in Polish: citizens read them.)"""

from __future__ import annotations

from enum import Enum

from marshmallow import validate

from wspolpraca.areas import area_codes

OBJECT_ID = validate.Regexp(r"^[0-9a-f]{24}$", error="Niepoprawny identyfikator.")
KNOWN_AREA = validate.OneOf(sorted(area_codes()), error="Nieznany obszar działalności: {input}.")


ONE_OF = "Dozwolone wartości: {choices}."


def one_of(enum: type[Enum]) -> validate.OneOf:
    """The values of `enum` (a StrEnum's members' values), nothing else."""
    return validate.OneOf([member.value for member in enum], error=ONE_OF)
