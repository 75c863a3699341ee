"""LabelledEnum: a member is its value (stored, compared, serialised) and carries a label."""

from __future__ import annotations

import json

import pytest

from wspolpraca.enums import LabelledEnum
from wspolpraca.validators import one_of


class Colour(LabelledEnum):
    RED = "red", "czerwony"
    DARK_BLUE = "dark_blue", "granatowy"


def test_a_member_is_its_value_and_carries_its_label():
    assert Colour("dark_blue") is Colour.DARK_BLUE
    assert Colour.DARK_BLUE == "dark_blue"
    assert Colour.DARK_BLUE.value == "dark_blue"
    assert f"{Colour.RED}" == "red"
    assert json.dumps({"colour": Colour.RED}) == '{"colour": "red"}'
    assert [c.label for c in Colour] == ["czerwony", "granatowy"]


def test_an_unknown_value_is_no_member_and_the_validator_takes_values_only():
    with pytest.raises(ValueError):
        Colour("czerwony")
    assert one_of(Colour).choices == ["red", "dark_blue"]
