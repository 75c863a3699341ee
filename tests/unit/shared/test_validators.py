"""The validators the services' schemas share (wspolpraca.validators)."""

from enum import StrEnum

import pytest
from marshmallow import ValidationError

from wspolpraca.validators import KNOWN_AREA, OBJECT_ID, one_of


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


def test_an_object_id_is_24_lowercase_hex_digits():
    assert OBJECT_ID("665f1c2a9b1e8a0012345678") == "665f1c2a9b1e8a0012345678"
    for wrong in ("665F1C2A9B1E8A0012345678", "665f1c2a9b1e8a001234567", "x" * 24):
        with pytest.raises(ValidationError, match="Niepoprawny identyfikator."):
            OBJECT_ID(wrong)


def test_a_known_area_is_accepted_and_an_unknown_one_named():
    assert KNOWN_AREA("culture") == "culture"
    with pytest.raises(ValidationError, match="Nieznany obszar działalności: piractwo."):
        KNOWN_AREA("piractwo")


def test_one_of_takes_the_values_of_the_enumeration():
    assert one_of(Colour)("green") == "green"
    with pytest.raises(ValidationError):
        one_of(Colour)("blue")
