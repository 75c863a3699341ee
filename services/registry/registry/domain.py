"""The registry's rules: organisations, their identifiers and status, and inquiries.

Pure Python, no I/O. Every refusal is a `DomainError` with a machine code and a
message in Polish, naming the field at fault where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from wspolpraca.enums import LabelledEnum
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules
from wspolpraca.text import search_key  # noqa: F401 - re-exported for the registry
from wspolpraca.transitions import status_change

# --- identifiers: NIP, REGON, KRS ---------------------------------------------------

_SEPARATORS = frozenset(" \t\u00a0\u202f-\u2010\u2011\u2012\u2013\u2014\u2212")
_DIGITS = frozenset("0123456789")

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_REGON9_WEIGHTS = (8, 9, 2, 3, 4, 5, 6, 7)
_REGON14_WEIGHTS = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)


def normalize_digits(
    raw: str,
    *,
    field: str = "identifier",
    code: str = "invalid_identifier",
    label: str = "numer",
) -> str:
    """The digits of `raw`, with spaces and dashes removed.

    Any other character that is not an ASCII digit is refused, as is an empty value.
    `field`, `code` and `label` (the Polish name of the number) shape the error.
    """
    subject = label[:1].upper() + label[1:]
    if not isinstance(raw, str):
        raise DomainError(code, f"{subject} podaj jako tekst złożony z cyfr.", field=field)
    digits: list[str] = []
    for char in raw:
        if char in _DIGITS:
            digits.append(char)
        elif char not in _SEPARATORS:
            raise DomainError(
                code, f"{subject} może zawierać tylko cyfry, spacje i myślniki.", field=field
            )
    if not digits:
        raise DomainError(code, f"Podaj {label}.", field=field)
    return "".join(digits)


def _weighted_sum(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def _all_zeros(digits: str) -> bool:
    return set(digits) == {"0"}


def nip_checksum_ok(digits: str) -> bool:
    """A 10-digit NIP whose weighted sum mod 11 equals the 10th digit (10 never does)."""
    remainder = _weighted_sum(digits[:9], _NIP_WEIGHTS) % 11
    return remainder != 10 and remainder == int(digits[9])


def regon_checksum_ok(digits: str) -> bool:
    """A 9- or 14-digit REGON with valid check digits (a remainder of 10 counts as 0)."""
    if len(digits) == 9:
        return _mod11_zero_for_ten(digits[:8], _REGON9_WEIGHTS) == int(digits[8])
    if len(digits) == 14:
        return regon_checksum_ok(digits[:9]) and (
            _mod11_zero_for_ten(digits[:13], _REGON14_WEIGHTS) == int(digits[13])
        )
    return False


def _mod11_zero_for_ten(digits: str, weights: tuple[int, ...]) -> int:
    return _weighted_sum(digits, weights) % 11 % 10


def validate_nip(raw: str) -> str:
    """The NIP as 10 digits, or DomainError("invalid_nip", field="nip")."""
    digits = normalize_digits(raw, field="nip", code="invalid_nip", label="NIP")
    if len(digits) != 10:
        raise DomainError(
            "invalid_nip", f"NIP musi mieć 10 cyfr (podano {len(digits)}).", field="nip"
        )
    if _all_zeros(digits) or not nip_checksum_ok(digits):
        raise DomainError(
            "invalid_nip", "NIP jest niepoprawny: cyfra kontrolna się nie zgadza.", field="nip"
        )
    return digits


def validate_regon(raw: str) -> str:
    """The REGON as 9 or 14 digits, or DomainError("invalid_regon", field="regon")."""
    digits = normalize_digits(raw, field="regon", code="invalid_regon", label="REGON")
    if len(digits) not in (9, 14):
        raise DomainError(
            "invalid_regon",
            f"REGON musi mieć 9 albo 14 cyfr (podano {len(digits)}).",
            field="regon",
        )
    if len(digits) == 14 and not regon_checksum_ok(digits[:9]):
        raise DomainError(
            "invalid_regon",
            "REGON jest niepoprawny: pierwsze 9 cyfr nie tworzy poprawnego numeru REGON.",
            field="regon",
        )
    if _all_zeros(digits) or not regon_checksum_ok(digits):
        raise DomainError(
            "invalid_regon",
            "REGON jest niepoprawny: cyfra kontrolna się nie zgadza.",
            field="regon",
        )
    return digits


def validate_krs(raw: str) -> str:
    """The KRS number as 10 digits, zero-padded on the left (it has no check digit)."""
    digits = normalize_digits(raw, field="krs", code="invalid_krs", label="numer KRS")
    if len(digits) > 10:
        raise DomainError(
            "invalid_krs",
            f"Numer KRS ma najwyżej 10 cyfr (podano {len(digits)}).",
            field="krs",
        )
    if _all_zeros(digits):
        raise DomainError(
            "invalid_krs", "Numer KRS nie może składać się z samych zer.", field="krs"
        )
    return digits.zfill(10)


# --- legal forms ---------------------------------------------------------------------


class LegalForm(LabelledEnum):
    """Legal forms of the organisations of art. 3 ust. 2 and 3 of the Act."""

    ASSOCIATION = "association", "stowarzyszenie"
    ORDINARY_ASSOCIATION = "ordinary_association", "stowarzyszenie zwykłe"
    FOUNDATION = "foundation", "fundacja"
    CHURCH_LEGAL_PERSON = (
        "church_legal_person",
        "osoba prawna lub jednostka organizacyjna kościoła albo związku wyznaniowego",
    )
    SOCIAL_COOPERATIVE = "social_cooperative", "spółdzielnia socjalna"
    SPORTS_CLUB = "sports_club", "klub sportowy"
    NONPROFIT_COMPANY = (
        "nonprofit_company",
        "spółka niedziałająca w celu osiągnięcia zysku (spółka non-profit)",
    )
    LOCAL_GOVERNMENT_ASSOCIATION = (
        "local_government_association",
        "stowarzyszenie jednostek samorządu terytorialnego",
    )
    OTHER = "other", "inny podmiot, o którym mowa w art. 3 ust. 3 ustawy"


def parse_legal_form(code: str) -> LegalForm:
    """The legal form for an API code, or DomainError("invalid_legal_form")."""
    try:
        return LegalForm(code)
    except ValueError:
        raise DomainError(
            "invalid_legal_form", f"Nieznana forma prawna: „{code}”.", field="legal_form"
        ) from None


# --- organisation status -------------------------------------------------------------


class OrganizationStatus(LabelledEnum):
    PENDING = "pending", "oczekująca na weryfikację"
    VERIFIED = "verified", "zweryfikowana"
    SUSPENDED = "suspended", "zawieszona"
    ARCHIVED = "archived", "zarchiwizowana"


def _organization(allowed: Iterable[OrganizationStatus], target: OrganizationStatus,
                  action_pl: str, doc: str, *, reason: bool = False):
    return status_change(OrganizationStatus, allowed, target, f"Nie można {action_pl} "
                         "organizacji o statusie „{label}”.", reason=reason, doc=doc)


_O = OrganizationStatus
verify = _organization({_O.PENDING}, _O.VERIFIED, "zweryfikować",
                       "pending → verified: the office checked it against the registers.")
suspend = _organization({_O.VERIFIED}, _O.SUSPENDED, "zawiesić",
                        "verified → suspended, for a stated reason.", reason=True)
reinstate = _organization({_O.SUSPENDED}, _O.VERIFIED, "przywrócić", "suspended → verified.")
archive = _organization({_O.PENDING, _O.VERIFIED, _O.SUSPENDED}, _O.ARCHIVED, "zarchiwizować",
                        "pending, verified or suspended → archived, for a stated reason; "
                        "archived is final.", reason=True)


# What the office checked against the official registers (KRS, REGON, the OPP list) and the
# statute when it verified the organisation, with how the field is named to people. Contact
# data (email, phone, website, address, district, representatives) is not verified.
VERIFIED_FIELDS: Mapping[str, str] = {
    "name": "nazwa",
    "legal_form": "forma prawna",
    "krs": "numer KRS",
    "regon": "REGON",
    "areas": "nowe sfery działalności pożytku publicznego",
    "public_benefit_status": "status organizacji pożytku publicznego",
}


def fields_to_verify_again(status: OrganizationStatus | str, before: Mapping,
                           after: Mapping, changed: Iterable[str],
                           by_staff: bool) -> list[str]:
    """A verified organisation that changes, by its own hand, what the office verified goes
    back to verification (pending): a renamed organisation, a new KRS or REGON, another
    legal form or OPP status may be another organisation, and new areas open competitions in
    them. Dropping areas narrows what it may do and needs no check; an officer's own change
    is checked as it is made. Returns the fields that need checking (none: it stays)."""
    if by_staff or OrganizationStatus(status) is not OrganizationStatus.VERIFIED:
        return []
    fields = [f for f in changed if f in VERIFIED_FIELDS]
    if "areas" in fields and set(after.get("areas") or []) <= set(before.get("areas") or []):
        fields.remove("areas")
    return fields


def reverification_reason(fields: Iterable[str]) -> str:
    return ("Organizacja zmieniła dane sprawdzane przy weryfikacji ("
            + ", ".join(VERIFIED_FIELDS[f] for f in fields)
            + "); wymaga ponownej weryfikacji.")


return_to_verification = _organization(
    {_O.VERIFIED}, _O.PENDING, "przywrócić do weryfikacji",
    "verified → pending: changed data waits for the office's check again.")


# --- search --------------------------------------------------------------------------

# `search_key` (case and diacritics folded) lives in wspolpraca.text; re-exported here.


# Longer query words are looked up by their first letters and confirmed by the regex.
SEARCH_PREFIX_LENGTH = 12


def word_prefixes(key: str) -> list[str]:
    """Every start of every word of a search key, up to `SEARCH_PREFIX_LENGTH` letters.

    "klub orzel" → ["k", "kl", "klu", "klub", "o", "or", ...]. Stored beside the key and
    indexed, it lets a search find its candidates by equality (an index lookup) instead of
    running a pattern over every name.
    """
    return sorted({word[:end] for word in key.split()
                   for end in range(1, min(len(word), SEARCH_PREFIX_LENGTH) + 1)})


def query_prefix(key: str) -> str | None:
    """The stored prefix every name matching the query `key` must have (its first word)."""
    words = key.split()
    return words[0][:SEARCH_PREFIX_LENGTH] if words else None


# --- inquiries -----------------------------------------------------------------------


class InquiryStatus(LabelledEnum):
    RECEIVED = "received", "przyjęte"
    ROUTED = "routed", "przekazane do wydziału"
    ASSIGNED = "assigned", "przydzielone"
    ANSWERED = "answered", "z odpowiedzią"
    CLOSED = "closed", "zamknięte"


INQUIRY_RESPONSE_DAYS = "inquiry_response_days"
"""The rule (in the registry's rules file) giving the days the city has to answer."""


@dataclass(frozen=True, slots=True)
class DepartmentAreas:
    """A department of the city hall and the areas of public benefit it handles."""

    code: str
    areas: frozenset[str]


def route_inquiry(area: str, departments: Iterable[DepartmentAreas]) -> str | None:
    """The code of the department that handles `area` (the first by code when several
    do), or None: then the inquiry stays with the liaison office."""
    handling = sorted(d.code for d in departments if area in d.areas)
    return handling[0] if handling else None


def response_deadline(received_at: datetime, rules: DatedRules) -> datetime:
    """When the answer is due: the number of calendar days in force on the day the
    inquiry was received, counted from that moment, in its own timezone."""
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise ValueError("received_at must carry a timezone")
    days = rules.value(INQUIRY_RESPONSE_DAYS, received_at.date())
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"rule {INQUIRY_RESPONSE_DAYS!r} must be a positive integer, not {days!r}")
    # Aware arithmetic keeps the wall-clock time, so a deadline across a DST change
    # stays at the same local hour.
    return received_at + timedelta(days=days)


def is_overdue(deadline: datetime, status: InquiryStatus | str, now: datetime) -> bool:
    """An inquiry not yet answered whose deadline has passed."""
    if InquiryStatus(status) in (InquiryStatus.ANSWERED, InquiryStatus.CLOSED):
        return False
    return now > deadline


def _inquiry(allowed: Iterable[InquiryStatus], target: InquiryStatus, action_pl: str,
             doc: str):
    return status_change(InquiryStatus, allowed, target,
                         f"Nie można {action_pl} o statusie „{{label}}”.", doc=doc)


_I = InquiryStatus
route = _inquiry({_I.RECEIVED, _I.ROUTED}, _I.ROUTED, "przekazać zapytania",
                 "received → routed (or routed again to another department).")
assign = _inquiry({_I.RECEIVED, _I.ROUTED}, _I.ASSIGNED, "przydzielić zapytania",
                  "received or routed → assigned to a person.")
_answered = _inquiry({_I.RECEIVED, _I.ROUTED, _I.ASSIGNED}, _I.ANSWERED,
                     "udzielić odpowiedzi na zapytanie", "")
close = _inquiry({_I.ANSWERED}, _I.CLOSED, "zamknąć zapytania", "answered → closed.")


def answer(status: InquiryStatus | str, answer_text: str) -> InquiryStatus:
    """received, routed or assigned → answered, with a non-empty answer."""
    if not isinstance(answer_text, str) or not answer_text.strip():
        raise DomainError("answer_required", "Wpisz treść odpowiedzi.", field="answer")
    return _answered(status)
