"""What sends a verified organisation back to verification (issue 15, item 6): what the office
checked against the registers and the statute, changed by the organisation itself."""

from __future__ import annotations

import pytest

from registry.domain import (
    OrganizationStatus,
    fields_to_verify_again,
    return_to_verification,
    reverification_reason,
)
from wspolpraca.errors import DomainError

BEFORE = {"areas": ["culture", "sport"]}


@pytest.mark.parametrize("changed,after,expected", [
    (["name"], BEFORE, ["name"]),
    (["krs", "phone"], BEFORE, ["krs"]),
    (["regon"], BEFORE, ["regon"]),
    (["legal_form"], BEFORE, ["legal_form"]),
    (["public_benefit_status"], BEFORE, ["public_benefit_status"]),
    (["areas"], {"areas": ["culture", "sport", "health"]}, ["areas"]),
    (["areas"], {"areas": ["culture"]}, []),
    (["email", "phone", "website", "address", "district", "representatives"], BEFORE, []),
])
def test_a_verified_organisation_changing_what_was_verified_is_verified_again(
        changed, after, expected):
    assert fields_to_verify_again("verified", BEFORE, after, changed, by_staff=False) == \
        expected


def test_an_officers_change_or_an_unverified_organisation_stays_as_it_is():
    assert fields_to_verify_again("verified", BEFORE, BEFORE, ["name"], by_staff=True) == []
    for status in ("pending", "suspended", "archived"):
        assert fields_to_verify_again(status, BEFORE, BEFORE, ["name"], by_staff=False) == []


def test_the_reason_names_the_fields_in_polish_and_only_verified_returns():
    assert "nazwa, numer KRS" in reverification_reason(["name", "krs"])
    assert return_to_verification("verified") is OrganizationStatus.PENDING
    with pytest.raises(DomainError):
        return_to_verification("suspended")
