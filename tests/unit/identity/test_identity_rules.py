"""The rules of identity, read like the policy: passwords, representations, throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from identity import domain
from identity.domain import (
    ACCOUNT_THROTTLE,
    Actor,
    RepresentationAction,
    RepresentationStatus,
    ThrottleState,
    after_failure,
    check_may_decide,
    choose_organization,
    next_representation_status,
    password_problems,
    retry_after,
    token_roles,
)
from wspolpraca.errors import Conflict, DomainError, Forbidden

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


# --- passwords: a length and a list of common ones, no composition rules --------------------

def test_a_long_passphrase_without_digits_or_capitals_is_good():
    assert password_problems("zielona łąka nad wisłą") == []


@pytest.mark.parametrize("password", ["krótkie1", "", "123456789"])
def test_a_password_shorter_than_ten_characters_is_refused(password):
    assert any("co najmniej 10" in p for p in password_problems(password))


@pytest.mark.parametrize("password", ["qwertyuiop", "Hasło12345", "HASLO 12345",
                                      "zaq12wsxcde3", "aaaaaaaaaaaa", "ababababab"])
def test_a_common_password_is_refused_whatever_its_case_spaces_or_diacritics(password):
    assert any("popularne" in p for p in password_problems(password))


def test_the_email_or_name_as_password_is_refused():
    assert password_problems("anna.nowak@example.org", email="anna.nowak@example.org")
    assert password_problems("Anna Nowakowska", name="Anna Nowakowska")


def test_a_weak_password_is_a_422_naming_password():
    with pytest.raises(DomainError) as caught:
        domain.check_password("qwerty")
    assert caught.value.status == 422 and "password" in caught.value.fields


# --- representations ------------------------------------------------------------------------

def test_a_request_is_granted_refused_or_withdrawn_and_a_grant_revoked_or_withdrawn():
    requested = RepresentationStatus.REQUESTED
    assert next_representation_status(requested, "approve") is RepresentationStatus.GRANTED
    assert next_representation_status(requested, "refuse") is RepresentationStatus.REFUSED
    assert next_representation_status(requested, "withdraw") is RepresentationStatus.WITHDRAWN
    granted = RepresentationStatus.GRANTED
    assert next_representation_status(granted, "revoke") is RepresentationStatus.REVOKED
    assert next_representation_status(granted, "withdraw") is RepresentationStatus.WITHDRAWN


@pytest.mark.parametrize("status,action", [("granted", "approve"), ("refused", "approve"),
                                           ("requested", "revoke"), ("revoked", "withdraw")])
def test_other_transitions_are_a_conflict(status, action):
    with pytest.raises(Conflict):
        next_representation_status(status, action)


def test_the_officer_or_a_representative_decides_never_the_person_alone():
    officer = Actor("officer", staff=True, represents=frozenset())
    fellow = Actor("fellow", staff=False, represents=frozenset({"org1"}))
    stranger = Actor("stranger", staff=False, represents=frozenset({"org2"}))
    check_may_decide(officer, "person", "org1", RepresentationAction.APPROVE)
    check_may_decide(fellow, "person", "org1", RepresentationAction.APPROVE)
    with pytest.raises(Forbidden):
        check_may_decide(stranger, "person", "org1", RepresentationAction.APPROVE)
    with pytest.raises(Forbidden):
        check_may_decide(Actor("person", False, frozenset({"org1"})), "person", "org1",
                         RepresentationAction.REVOKE)
    with pytest.raises(Forbidden):  # only the person withdraws
        check_may_decide(officer, "person", "org1", RepresentationAction.WITHDRAW)


def test_a_session_acts_for_the_organisation_chosen_or_the_only_one():
    assert choose_organization(["o1"], None) == "o1"
    assert choose_organization(["o1", "o2"], None) is None
    assert choose_organization(["o1", "o2"], "o2") == "o2"
    with pytest.raises(Forbidden):
        choose_organization(["o1"], "o9")


def test_a_representative_acting_for_an_organisation_has_the_ngo_role():
    assert token_roles([], "o1") == ["ngo"]
    assert token_roles(["committee"], None) == ["committee"]
    assert token_roles(["officer", "bogus"], None) == ["officer"]


# --- throttling -----------------------------------------------------------------------------

def test_five_failures_lock_the_account_for_a_minute_then_longer():
    state = ThrottleState()
    for _ in range(4):
        state = after_failure(state, ACCOUNT_THROTTLE, NOW)
        assert retry_after(state, NOW) == 0
    state = after_failure(state, ACCOUNT_THROTTLE, NOW)
    assert retry_after(state, NOW) == 60
    assert retry_after(state, NOW + timedelta(seconds=61)) == 0
    later = NOW + timedelta(seconds=61)
    for _ in range(5):
        state = after_failure(state, ACCOUNT_THROTTLE, later)
    assert retry_after(state, later) == 120


def test_failures_spread_beyond_the_window_do_not_lock():
    state = ThrottleState()
    for minute in range(0, 100, 20):
        state = after_failure(state, ACCOUNT_THROTTLE, NOW + timedelta(minutes=minute))
    assert retry_after(state, NOW + timedelta(minutes=80)) == 0


# --- accounts the staff create, invitations and clients -------------------------------------
def test_a_department_account_or_client_names_its_department():
    with pytest.raises(DomainError) as refused:
        domain.check_staff_account(["department"], None)
    assert refused.value.code == "department_required"
    domain.check_staff_account(["department"], "WSO")
    domain.check_staff_account(["officer"], None)
    with pytest.raises(DomainError):
        domain.client_grant_types("department", None, [])
    assert domain.client_grant_types("department", "WSO", []) == ["client_credentials"]


def test_a_web_application_signs_people_in_and_says_where_to_return():
    with pytest.raises(DomainError) as refused:
        domain.client_grant_types("web", None, [])
    assert refused.value.code == "redirect_uri_required"
    assert domain.client_grant_types("web", None, ["https://p/cb"]) == \
        ["authorization_code", "refresh_token"]


def test_an_invitation_adds_only_missing_roles_and_never_reaches_a_disabled_account():
    assert domain.roles_to_add(["committee"], ["committee"]) == []
    assert domain.roles_to_add([], ["committee"]) == ["committee"]
    domain.check_invitable("active")
    domain.check_invitable("unconfirmed")
    with pytest.raises(Conflict) as refused:
        domain.check_invitable("disabled")
    assert refused.value.code == "account_disabled"
