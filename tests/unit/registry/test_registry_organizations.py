"""Legal forms and the life of an organisation in the registry."""

import pytest

from registry.domain import (
    LegalForm,
    OrganizationStatus,
    archive,
    parse_legal_form,
    reinstate,
    suspend,
    verify,
)
from wspolpraca.errors import DomainError
from wspolpraca.testing.refusals import refusal, refused

P, V, S, A = (
    OrganizationStatus.PENDING,
    OrganizationStatus.VERIFIED,
    OrganizationStatus.SUSPENDED,
    OrganizationStatus.ARCHIVED,
)


def test_the_legal_forms_have_the_api_codes_of_the_domain():
    assert {f.value for f in LegalForm} == {
        "association",
        "ordinary_association",
        "foundation",
        "church_legal_person",
        "social_cooperative",
        "sports_club",
        "nonprofit_company",
        "local_government_association",
        "other",
    }


def test_every_legal_form_has_a_polish_label():
    assert LegalForm.FOUNDATION.label == "fundacja"
    assert LegalForm.ORDINARY_ASSOCIATION.label == "stowarzyszenie zwykłe"
    assert all(form.label for form in LegalForm)


def test_an_unknown_legal_form_is_refused():
    assert parse_legal_form("foundation") is LegalForm.FOUNDATION
    with pytest.raises(DomainError) as caught:
        parse_legal_form("company")
    assert (caught.value.code, caught.value.field) == ("invalid_legal_form", "legal_form")


def test_a_pending_organisation_can_be_verified():
    assert verify(P) is V


def test_a_status_read_from_storage_as_text_is_understood():
    assert verify("pending") is V


def test_a_verified_organisation_can_be_suspended_for_a_reason():
    assert suspend(V, "Brak sprawozdania za 2024 r.") is S


def test_a_suspended_organisation_can_be_reinstated():
    assert reinstate(S) is V


@pytest.mark.parametrize("status", [P, V, S])
def test_an_organisation_can_be_archived_for_a_reason_unless_archived(status):
    assert archive(status, "Likwidacja stowarzyszenia") is A


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (verify, V),
        (verify, S),
        (verify, A),
        (lambda s: suspend(s, "powód"), P),
        (lambda s: suspend(s, "powód"), S),
        (lambda s: suspend(s, "powód"), A),
        (reinstate, P),
        (reinstate, V),
        (reinstate, A),
        (lambda s: archive(s, "powód"), A),
    ],
)
def test_any_other_change_of_status_is_a_conflict(action, status):
    with pytest.raises(DomainError) as caught:
        action(status)
    assert caught.value.code == "invalid_transition"
    assert caught.value.status == 409
    assert status.label in caught.value.message


def test_an_archived_organisation_stays_archived():
    for action in (verify, reinstate, lambda s: suspend(s, "x"), lambda s: archive(s, "x")):
        with pytest.raises(DomainError):
            action(A)


@pytest.mark.parametrize("reason", ["", "   ", None])
@pytest.mark.parametrize("action", [suspend, archive])
def test_suspending_or_archiving_needs_a_reason(action, reason):
    assert refusal(refused(action, V, reason)) == ("reason_required", "reason", 422)
