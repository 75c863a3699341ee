"""The one status transition rule: allowed statuses move on, others are refused with 409."""

from __future__ import annotations

from enum import StrEnum

import pytest

from wspolpraca.enums import LabelledEnum
from wspolpraca.errors import DomainError
from wspolpraca.transitions import require_reason, transition


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
