"""The one status transition rule: allowed statuses move on, others are refused with 409."""

from __future__ import annotations

from enum import StrEnum

import pytest

from wspolpraca.enums import LabelledEnum
from wspolpraca.errors import DomainError
from wspolpraca.transitions import require_reason, status_change, transition


class Door(LabelledEnum):
    OPEN = "open", "otwarte"
    SHUT = "shut", "zamknięte"


class Plain(StrEnum):
    ON = "on"
    OFF = "off"


def test_an_allowed_status_moves_to_the_target():
    assert transition(Door.OPEN, {Door.OPEN}, Door.SHUT, "Nie można zamknąć: „{label}”.") \
        is Door.SHUT


def test_another_status_is_refused_naming_its_label_or_value():
    with pytest.raises(DomainError) as refused:
        transition(Door.SHUT, {Door.OPEN}, Door.SHUT, "Nie można zamknąć drzwi: „{label}”.")
    assert (refused.value.code, refused.value.status) == ("invalid_transition", 409)
    assert refused.value.message == "Nie można zamknąć drzwi: „zamknięte”."
    with pytest.raises(DomainError, match="„off”"):
        transition(Plain.OFF, [Plain.ON], Plain.OFF, "status „{label}”")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_a_blank_reason_is_refused_on_its_field(blank):
    with pytest.raises(DomainError) as refused:
        require_reason(blank)
    assert (refused.value.code, refused.value.field) == ("reason_required", "reason")
    assert require_reason("  bo tak ") == "bo tak"


def test_a_status_change_is_a_function_of_the_status_and_asks_for_its_reason_first():
    class Light(StrEnum):
        RED = "red"
        GREEN = "green"

    go = status_change(Light, {Light.RED}, Light.GREEN, "Nie można: „{label}”.", doc="go")
    stop = status_change(Light, {Light.GREEN}, Light.RED, "Nie można: „{label}”.",
                         reason=True)
    assert go("red") is Light.GREEN and go.__doc__ == "go"
    with pytest.raises(DomainError) as refused:
        go(Light.GREEN)
    assert refused.value.status == 409 and refused.value.message == "Nie można: „green”."
    with pytest.raises(DomainError) as no_reason:
        stop("red", " ")
    assert no_reason.value.code == "reason_required"
    assert stop("green", "awaria") is Light.RED
    with pytest.raises(TypeError):
        go("red", "a reason it does not take")
