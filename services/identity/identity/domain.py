"""The rules of identity, in plain Python (no I/O): passwords, accounts, representations,
sign-in throttling and what a token says about a person."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path

from wspolpraca.errors import Conflict, DomainError, Forbidden

# --- passwords ------------------------------------------------------------------------------
# NIST SP 800-63B: a minimum length and a list of known passwords, no composition rules.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def _fold(text: str) -> str:
    """Lower case, without diacritics or spaces: `Hasło 123` and `haslo123` are one."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c) and not c.isspace())


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_fold(line) for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Why a password may not be used (empty when it may), in Polish."""
    problems: list[str] = []
    length = len(password)
    if length < MIN_PASSWORD_LENGTH:
        problems.append(f"Hasło musi mieć co najmniej {MIN_PASSWORD_LENGTH} znaków.")
    if length > MAX_PASSWORD_LENGTH:
        problems.append(f"Hasło może mieć najwyżej {MAX_PASSWORD_LENGTH} znaków.")
    folded = _fold(password)
    if folded in common_passwords() or len(set(folded)) <= 2:
        problems.append("To hasło jest zbyt popularne i łatwe do odgadnięcia.")
    personal = {_fold(email), _fold(email.partition("@")[0]), _fold(name)} - {""}
    if folded in personal:
        problems.append("Hasło nie może być takie samo jak adres e-mail ani imię i nazwisko.")
    return problems


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise DomainError("weak_password", problems[0], fields={"password": problems})


def normalize_email(email: str) -> str:
    """Addresses are compared case-insensitively (the domain always is; in practice so is
    the local part)."""
    return email.strip().lower()


# --- roles --------------------------------------------------------------------------------
class Role(StrEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    DEPARTMENT = "department"
    NGO = "ngo"
    COMMITTEE = "committee"


STAFF_ROLES = frozenset({Role.ADMIN, Role.OFFICER, Role.DEPARTMENT})
# roles whose sign-in needs a second factor (TOTP) after the password
SECOND_FACTOR_ROLES = STAFF_ROLES


def needs_second_factor(account_roles: list[str], enrolled: bool = False) -> bool:
    """Staff (the liaison officer, admins, department accounts) sign in with a TOTP code as
    well, enrolling on their first sign-in; so does anyone who has enrolled one."""
    return enrolled or any(role in SECOND_FACTOR_ROLES for role in account_roles)


# roles an admin may give an account it creates (ngo comes with a granted representation)
ASSIGNABLE_ROLES = (Role.ADMIN, Role.OFFICER, Role.DEPARTMENT, Role.COMMITTEE)
# what an invitation from a competition's or council's page may grant (the admin grants the rest)
INVITABLE_ROLES = (Role.COMMITTEE,)
INVITATION_DAYS = 7


def token_roles(account_roles: list[str], representing: str | None) -> list[str]:
    """The roles a token carries: the account's own, and `ngo` while it acts for an
    organisation it represents."""
    roles = [r for r in account_roles if r in Role.__members__.values()]
    if representing and Role.NGO not in roles:
        roles.append(Role.NGO.value)
    return sorted(set(roles))


def choose_organization(granted: list[str], requested: str | None) -> str | None:
    """The organisation a session acts for: the one asked for (it must be represented), else
    the only one the person represents, else none (the portal then asks which)."""
    if requested:
        if requested not in granted:
            raise Forbidden("Nie reprezentujesz tej organizacji.")
        return requested
    return granted[0] if len(granted) == 1 else None


# --- accounts -----------------------------------------------------------------------------
class AccountStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"
    ACTIVE = "active"
    DISABLED = "disabled"


def may_sign_in(status: str) -> bool:
    return status == AccountStatus.ACTIVE


CONFIRMATION_VALID_FOR = timedelta(hours=48)
RESET_VALID_FOR = timedelta(hours=1)


# --- representations ----------------------------------------------------------------------
class RepresentationStatus(StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"   # by the person, before or after it was granted
    REVOKED = "revoked"       # by the officer or a fellow representative


class RepresentationAction(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    REVOKE = "revoke"


_TRANSITIONS: dict[tuple[str, str], RepresentationStatus] = {
    (RepresentationStatus.REQUESTED, RepresentationAction.APPROVE): RepresentationStatus.GRANTED,
    (RepresentationStatus.REQUESTED, RepresentationAction.REFUSE): RepresentationStatus.REFUSED,
    (RepresentationStatus.REQUESTED, RepresentationAction.WITHDRAW):
        RepresentationStatus.WITHDRAWN,
    (RepresentationStatus.GRANTED, RepresentationAction.WITHDRAW): RepresentationStatus.WITHDRAWN,
    (RepresentationStatus.GRANTED, RepresentationAction.REVOKE): RepresentationStatus.REVOKED,
}

OPEN_REPRESENTATION = (RepresentationStatus.REQUESTED, RepresentationStatus.GRANTED)


def next_representation_status(status: str, action: str) -> RepresentationStatus:
    try:
        return _TRANSITIONS[(status, action)]
    except KeyError:
        raise Conflict("invalid_state",
                       f"Nie można wykonać tej czynności dla wniosku o statusie „{status}”."
                       ) from None


@dataclass(frozen=True)
class Actor:
    """Who acts on a representation: the person, staff, or a representative of the
    organisation (a granted representation of their own)."""

    account_id: str
    staff: bool
    represents: frozenset[str]


def check_may_decide(actor: Actor, representation_person: str, organization_id: str,
                     action: str) -> None:
    """Approve, refuse or revoke: the liaison officer, or a person who already represents the
    organisation (never for themselves). Withdraw: the person themselves."""
    if action == RepresentationAction.WITHDRAW:
        if actor.account_id != representation_person:
            raise Forbidden("Wycofać wniosek może tylko osoba, która go złożyła.")
        return
    if actor.account_id == representation_person and not actor.staff:
        raise Forbidden("Nie można rozpatrzyć własnego wniosku.")
    if not actor.staff and organization_id not in actor.represents:
        raise Forbidden("Wniosek rozpatruje pełnomocnik albo przedstawiciel organizacji.")


def representation_event(action: str) -> str | None:
    """The integration event a transition publishes (routing key), if any."""
    return {
        RepresentationAction.APPROVE: "representation.granted",
        RepresentationAction.REVOKE: "representation.revoked",
        RepresentationAction.WITHDRAW: "representation.revoked",
        RepresentationAction.REFUSE: "representation.refused",
    }.get(action)


# --- sign-in throttling -------------------------------------------------------------------
@dataclass(frozen=True)
class ThrottlePolicy:
    """`failures` wrong attempts within `window` lock the key for `lock`, doubled with every
    further lock-out up to `max_lock`."""

    failures: int
    window: timedelta
    lock: timedelta
    max_lock: timedelta


ACCOUNT_THROTTLE = ThrottlePolicy(5, timedelta(minutes=15), timedelta(minutes=1),
                                  timedelta(hours=1))
ADDRESS_THROTTLE = ThrottlePolicy(20, timedelta(minutes=15), timedelta(minutes=1),
                                  timedelta(hours=1))


@dataclass(frozen=True)
class ThrottleState:
    failures: int = 0
    window_start: datetime | None = None
    locked_until: datetime | None = None
    lockouts: int = 0


def retry_after(state: ThrottleState, now: datetime) -> int:
    """Seconds before another attempt is allowed (0: now)."""
    if state.locked_until is None or state.locked_until <= now:
        return 0
    return max(1, int((state.locked_until - now).total_seconds() + 0.999))


def after_failure(state: ThrottleState, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    if state.window_start is None or now - state.window_start > policy.window:
        state = ThrottleState(0, now, state.locked_until, state.lockouts)
    failures = state.failures + 1
    if failures < policy.failures:
        return ThrottleState(failures, state.window_start, state.locked_until, state.lockouts)
    lock = min(policy.lock * (2 ** state.lockouts), policy.max_lock)
    return ThrottleState(0, now, now + lock, state.lockouts + 1)
