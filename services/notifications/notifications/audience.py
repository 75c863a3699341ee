"""Who may receive which event (issue 15 item 1, issue 23): a rule per event type.

- Staff (an admin, the liaison officer, a department) may receive every deliverable type;
  a department's own subscription (`for_department`, the default for a department's token)
  receives only what concerns that department where a type belongs to departments
  (inquiries routed to it, bookings of its resources, competitions it runs) and every
  city-wide type (consultations, organisations, programmes, ...).
- Anyone else (an NGO's representative, a committee member) receives what is public,
  plus what concerns them: an NGO what concerns its own organisation (its offers,
  contracts, reports, bookings, inquiries, ...), a committee member the competitions
  whose committee they sit on (and may score in), a person what names them (their
  training registration, the offers assigned to them to score, their own scores).
- Non-staff receive the event without its personal data (`personal_data.redacted`).

The check runs twice: when a subscription is created (`refused_types`: 403 naming the
types the subscriber may never read; 422 for a type nobody can subscribe to), and again
for every event when its deliveries are planned (`may_receive`), since what concerns an
organisation or a committee member is known only then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from notifications.domain import (
    DEFAULT_RULES,
    REPORT_DUE_REMINDER,
    TRAINING_REMINDER,
    Subscription,
)
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.errors import DomainError

STAFF_ROLES = frozenset({"admin", "officer", "department"})

Data = Mapping[str, Any]


class Competitions(Protocol):
    """What the rules need to know about competitions (the service's projection)."""

    def department_of(self, competition_id: str) -> str | None: ...

    def committee(self, competition_id: str) -> Iterable[str]:
        """The user ids of the members who may score (not excluded)."""


class NotDepartmental(StrEnum):
    """The department of an event that belongs to no department (a city-wide matter)."""

    CITY_WIDE = "city-wide"


CITY_WIDE = NotDepartmental.CITY_WIDE


# --- what an event is about, by its payload ---------------------------------------------

def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _items(data: Data, key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    return [i for i in value if isinstance(i, Mapping)] if isinstance(value, list) else []


def _nested(data: Data, key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _organization(data: Data) -> set[str]:
    return {o for o in [_text(data.get("organization_id"))] if o}


def _bidders(data: Data) -> set[str]:
    """The organisation of an offer and its partners in a joint offer."""
    partners = data.get("partners")
    return _organization(data) | (
        {p for p in partners if isinstance(p, str)} if isinstance(partners, list) else set())


def _organization_itself(data: Data) -> set[str]:
    return {o for o in [_text(data.get("id"))] if o}


def _registration_organization(data: Data) -> set[str]:
    return {o for o in [_text(_nested(data, "registration").get("organization_id"))] if o}


def _registrant(data: Data) -> set[str]:
    return {p for p in [_text(_nested(data, "registration").get("person"))] if p}


def _parties(data: Data) -> set[str]:
    return {o for p in _items(data, "parties") if (o := _text(p.get("organization_id")))}


def _supporters(data: Data) -> set[str]:
    value = data.get("supporters")
    return {s for s in value if isinstance(s, str)} if isinstance(value, list) else set()


def _assigned_member(data: Data) -> set[str]:
    return {u for u in [_text(_nested(data, "member").get("user_id"))] if u}


def _scorer(data: Data) -> set[str]:
    return {u for u in [_text(data.get("member"))] if u}


def _competition_id(data: Data) -> str | None:
    return _text(data.get("competition_id"))


def _competition_itself(data: Data) -> str | None:
    return _text(data.get("id"))


def _own_department(data: Data, competitions: Competitions) -> str | None:
    return _text(data.get("department"))


def _department_of_competition(key: Callable[[Data], str | None]):
    """The department that runs the competition an event is about; a competition run by the
    liaison office itself (`liaison_office`, or none named: drafted before competitions named
    theirs, or not known here yet) is city-wide."""
    def department(data: Data, competitions: Competitions) -> str | NotDepartmental:
        named = _text(data.get("department"))
        competition_id = key(data)
        if named is None and competition_id:
            named = competitions.department_of(competition_id)
        return named if named and named != LIAISON_OFFICE else CITY_WIDE
    return department


def _nobody(data: Data) -> set[str]:
    return set()


# --- the rules -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Who may receive one event type besides staff."""

    public: bool = False
    # the organisations an event concerns (their representatives may receive it)
    organizations: Callable[[Data], set[str]] = _nobody
    # the people (user ids) an event names (they may receive it) ...
    persons: Callable[[Data], set[str]] = _nobody
    # ... holding one of these roles (None: whatever their role)
    person_roles: frozenset[str] | None = None
    # the competition whose committee members may receive it
    competition: Callable[[Data], str | None] | None = None
    # the department an event belongs to (a department's own subscription receives only
    # its own); None for a city-wide type
    department: Callable[[Data, Competitions], str | None | NotDepartmental] | None = None
    deliverable: bool = True
    who: str = ""          # in words, for the documentation (Polish is not needed here)

    @property
    def open_to_ngos(self) -> bool:
        return self.public or self.organizations is not _nobody

    @property
    def open_to_committees(self) -> bool:
        return self.public or self.competition is not None

    def open_to_persons(self, roles: frozenset[str]) -> bool:
        return self.persons is not _nobody and (
            self.person_roles is None or bool(self.person_roles & roles))


def _public(who: str = "everyone", **kwargs: Any) -> Rule:
    return Rule(public=True, who=who, **kwargs)


def _of_organization(who: str = "the organisation", **kwargs: Any) -> Rule:
    kwargs.setdefault("organizations", _organization)
    return Rule(who=who, **kwargs)


_COMPETITION = {"competition": _competition_itself,
                "department": _department_of_competition(_competition_itself)}
_OFFER = {"competition": _competition_id,
          "department": _department_of_competition(_competition_id)}
_BY_COMPETITION = {"department": _department_of_competition(_competition_id)}
_DEPARTMENTAL = {"department": _own_department}

STAFF_ONLY = "none (staff only)"
COMMITTEE = frozenset({"committee"})

_REGISTRANT = _of_organization("the registered person and their organisation",
                              organizations=_registration_organization, persons=_registrant)

RULES: dict[str, Rule] = {
    # registry: an organisation's own record; departments and resources are public
    **{f"registry.organization.{verb}": _of_organization(organizations=_organization_itself)
       for verb in ("registered", "updated", "verified", "suspended", "reinstated",
                    "archived", "returned_to_verification")},
    "registry.department.created": _public(),
    "registry.department.updated": _public(),
    **{f"registry.inquiry.{verb}": _of_organization(
        "the organisation that asked", **_DEPARTMENTAL)
       for verb in ("received", "routed", "assigned", "answered", "closed", "overdue")},
    "registry.resource.created": _public(**_DEPARTMENTAL),
    "registry.resource.updated": _public(**_DEPARTMENTAL),
    **{f"registry.booking.{verb}": _of_organization(
        "the organisation that books", **_DEPARTMENTAL)
       for verb in ("requested", "approved", "refused", "cancelled")},
    "registry.patronage.requested": _of_organization(),
    "registry.patronage.granted": _public(organizations=_organization),
    "registry.patronage.refused": _of_organization(),
    "registry.training.published": _public(),
    "registry.training.cancelled": _public(),
    "registry.training.registered": _REGISTRANT,
    "registry.training.unregistered": _REGISTRANT,
    "registry.training.attendance_recorded": Rule(who=STAFF_ONLY),
    "registry.partnership.signed": _public(organizations=_parties),
    "registry.volunteering.posted": _public(organizations=_organization),
    # consultations: public, except a comment (its organisation) and a council request
    **{f"consultations.consultation.{verb}": _public()
       for verb in ("opened", "updated", "closed", "report_published", "meeting_scheduled",
                    "meeting_moved", "meeting_cancelled")},
    **{f"consultations.consultation.{verb}": _of_organization(
        "the organisation that commented") for verb in ("comment_submitted",
                                                         "comment_marked_spam")},
    # a council's composition: staff only (the members and the organisations that
    # nominated them are told by default; the public reads it on the website)
    "consultations.council.created": Rule(who=STAFF_ONLY),
    "consultations.council.member_appointed": Rule(who=STAFF_ONLY),
    "consultations.council.member_left": Rule(who=STAFF_ONLY),
    **{f"consultations.council.{verb}": _public()
       for verb in ("meeting_scheduled", "meeting_moved", "meeting_cancelled",
                    "opinion_requested", "opinion_issued", "opinion_lapsed")},
    "consultations.council_request.overdue": _of_organization(
        "the organisations that asked for the council", organizations=_supporters),
    # grants: programmes, announcements and results are public; an offer, a contract and
    # a report concern their organisation (and an offer the competition's committee)
    "grants.programme.drafted": _public(),
    "grants.programme.adopted": _public(),
    # a draft's edits: the office's and departments' working matter until it is consulted
    "grants.programme.updated": Rule(who=STAFF_ONLY),
    **{f"grants.competition.{verb}": _public(**_COMPETITION)
       for verb in ("announced", "closed", "cancelled", "resolved")},
    **{f"grants.offer.{verb}": _of_organization(
        "the organisations that bid (partners too), and the competition's committee",
        organizations=_bidders, **_OFFER)
       for verb in ("submitted", "withdrawn", "rejected_formally", "not_funded")},
    "grants.grant.awarded": _public(organizations=_organization, **_OFFER),
    "grants.committee.appointed": Rule(who="the competition's committee", **_OFFER),
    "grants.committee.offers_assigned": Rule(
        who="the member given the offers", persons=_assigned_member,
        person_roles=COMMITTEE, **_BY_COMPETITION),
    "grants.offer.scored": Rule(who="the member who scored", persons=_scorer,
                                person_roles=COMMITTEE, **_BY_COMPETITION),
    **{f"grants.contract.{verb}": _of_organization(**_BY_COMPETITION)
       for verb in ("signed", "terminated", "settled")},
    **{f"grants.task_report.{verb}": _of_organization(**_BY_COMPETITION)
       for verb in ("submitted", "accepted", "overdue")},
    # the results as confirmed, with the double funding the officer acknowledged: staff
    "grants.results.confirmed": Rule(who=STAFF_ONLY),
    "grants.small_grant.submitted": _of_organization(),
    "grants.small_grant.published": _public(organizations=_organization),
    "grants.small_grant.commented": _of_organization(),
    "grants.small_grant.awarded": _public(organizations=_organization),
    "grants.small_grant.refused": _of_organization(),
    # identity: an account's events carry one-time links (confirmation, password reset,
    # invitation) for the account's owner alone, who is told without subscribing; nobody may
    # subscribe to them. A representation concerns its organisation.
    **{f"identity.account.{verb}": Rule(
        deliverable=False, who="nobody by subscription (one-time links for the account's owner)")
       for verb in ("registered", "registration_repeated", "confirmed",
                    "password_reset_requested", "invited", "deleted")},
    **{f"identity.representation.{verb}": _of_organization(
        "the organisation represented") for verb in ("requested", "granted", "refused",
                                                     "revoked")},
    # this service's own: reminders (raised here, never on the broker) ...
    REPORT_DUE_REMINDER: _of_organization(),
    TRAINING_REMINDER: _REGISTRANT,
    # ... and what it says of its own deliveries: delivering it would loop
    "notifications.notification.sent": Rule(deliverable=False, who="nobody (would loop)"),
    "notifications.notification.failed": Rule(deliverable=False, who="nobody (would loop)"),
}

DELIVERABLE_TYPES: tuple[str, ...] = tuple(sorted(t for t, r in RULES.items() if r.deliverable))


# --- who subscribes --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reader:
    """Who a subscription delivers to, as its creator's token said."""

    user: str | None
    roles: frozenset[str] = frozenset()
    org_id: str | None = None
    department: str | None = None
    for_department: bool = False     # the department's own subscription: scoped to it

    @property
    def staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def to_record(self) -> dict[str, Any]:
        return {"user": self.user, "roles": sorted(self.roles), "org_id": self.org_id,
                "department": self.department, "for_department": self.for_department}

    @classmethod
    def from_record(cls, owner: str, record: Mapping[str, Any] | None) -> Reader:
        """A subscription stored before readers were recorded: a department's reads as
        that department's; a person's as nobody in particular (public events only)."""
        if record:
            return cls(user=record.get("user"), roles=frozenset(record.get("roles") or ()),
                       org_id=record.get("org_id"), department=record.get("department"),
                       for_department=bool(record.get("for_department")))
        if owner.startswith("dept:"):
            return cls(user=None, roles=frozenset({"department"}), department=owner[5:],
                       for_department=True)
        return cls(user=owner[5:] if owner.startswith("user:") else None)


def may_read_type(reader: Reader, event_type: str) -> bool:
    """May this reader ever receive events of this type (before looking at one)?"""
    rule = RULES.get(event_type)
    if rule is None or not rule.deliverable:
        return False
    if reader.staff:
        return True
    if rule.public or rule.open_to_persons(reader.roles):
        return True
    if rule.open_to_ngos and reader.org_id:
        return True
    return rule.open_to_committees and "committee" in reader.roles


def matching_types(pattern: str) -> list[str]:
    """The deliverable types an event type or a pattern (`registry.*`) stands for."""
    if pattern.endswith(".*"):
        return [t for t in DELIVERABLE_TYPES if t.startswith(pattern[:-1])]
    return [pattern] if pattern in DELIVERABLE_TYPES else []


def check_subscription(reader: Reader, event_types: Sequence[str]) -> None:
    """Refuse what cannot be subscribed to: a type the catalogue does not have (422
    `unknown_event_type`), one nobody receives (422 `undeliverable_event_type`), one
    this subscriber may never read (403 `forbidden_event_types`, naming them all).
    A pattern is accepted when it covers a type the subscriber may read; it delivers
    only such types."""
    unknown = [t for t in event_types if t not in RULES and not matching_types(t)
               and not (t.endswith(".*") and _covers_undeliverable(t))]
    if unknown:
        raise DomainError(
            "unknown_event_type",
            "Nieznany typ zdarzenia: " + ", ".join(unknown) + ". Podaj pełny typ, np. "
            "'registry.booking.approved' (lista w docs/notifications.md).",
            fields={"event_types": unknown})
    undeliverable = [t for t in event_types if not matching_types(t)]
    if undeliverable:
        raise DomainError(
            "undeliverable_event_type",
            "Tych zdarzeń nie można subskrybować: " + ", ".join(undeliverable) + ".",
            fields={"event_types": undeliverable})
    forbidden = [t for t in event_types
                 if not any(may_read_type(reader, each) for each in matching_types(t))]
    if forbidden:
        raise DomainError(
            "forbidden_event_types",
            "Nie masz dostępu do tych zdarzeń: " + ", ".join(forbidden) + ".",
            status=403, fields={"event_types": forbidden})


def _covers_undeliverable(pattern: str) -> bool:
    return any(t.startswith(pattern[:-1]) for t in RULES)


# --- one event -------------------------------------------------------------------------------

class Access(StrEnum):
    FULL = "full"            # staff: the event as published
    REDACTED = "redacted"    # anyone else: without personal data


def department_of(event_type: str, data: Data, competitions: Competitions
                  ) -> str | None | NotDepartmental:
    rule = RULES.get(event_type)
    if rule is None or rule.department is None:
        return CITY_WIDE
    return rule.department(data, competitions)


def may_receive(reader: Reader, event_type: str, data: Data,
                competitions: Competitions) -> Access | None:
    """How (or whether) this reader receives this event: None when it may not."""
    rule = RULES.get(event_type)
    if rule is None or not rule.deliverable:
        return None
    if reader.staff:
        if reader.for_department:
            department = department_of(event_type, data, competitions)
            if department is not CITY_WIDE and department != reader.department:
                return None
        return Access.FULL
    if rule.public:
        return Access.REDACTED
    if reader.org_id and reader.org_id in rule.organizations(data):
        return Access.REDACTED
    if reader.user and reader.user in rule.persons(data):
        return Access.REDACTED
    if rule.competition is not None and "committee" in reader.roles and reader.user:
        competition_id = rule.competition(data)
        if competition_id and reader.user in set(competitions.committee(competition_id)):
            return Access.REDACTED
    return None


def access_for(event_type: str, data: Data, competitions: Competitions
               ) -> Callable[[Subscription], str | None]:
    """For `domain.plan_deliveries`: how each subscription receives this event."""
    def access(subscription: Subscription) -> str | None:
        reader = Reader.from_record(subscription.owner, subscription.reader)
        found = may_receive(reader, event_type, data, competitions)
        return found.value if found is not None else None
    return access


def reader_of(sub: str, roles: Iterable[str], org_id: str | None, department: str | None,
              for_department: bool) -> Reader:
    """The reader a new subscription records, from its creator's token."""
    return Reader(user=sub, roles=frozenset(roles), org_id=org_id,
                  department=department, for_department=for_department and bool(department))


# --- in words, for the documentation and the catalogue page ----------------------------------

def receivers(event_type: str) -> tuple[str, str]:
    """Who receives a type by subscription (webhook, email, inbox): (staff, others)."""
    rule = RULES[event_type]
    if not rule.deliverable:
        return ("nobody: refused at subscription (422 `undeliverable_event_type`)", "nobody")
    staff = ("all; a department's own subscription only its department's"
             if rule.department is not None else "all")
    others = [("everyone signed in" if rule.public else rule.who)] if (
        rule.public or rule.who) else []
    if rule.public and rule.organizations is not _nobody:
        others.append("the organisation it concerns")
    if rule.competition is not None and rule.public:
        others.append("the competition's committee")
    return staff, "; ".join(others) or STAFF_ONLY


def told_by_default(event_type: str) -> bool:
    """Does someone hear of this type without subscribing (domain.DEFAULT_RULES)?"""
    return event_type in DEFAULT_RULES


def markdown_table(personal: Mapping[str, Sequence[str]]) -> str:
    """Every type with whom it reaches by subscription, what others do not get, and
    whether some are told without subscribing (the table of docs/notifications.md)."""
    lines = ["| event type | staff (officer, admin, departments) | others (NGOs, committee "
             "members, persons) | removed for others | told without subscribing |",
             "| --- | --- | --- | --- | --- |"]
    for event_type in sorted(RULES):
        staff, others = receivers(event_type)
        removed = ", ".join(f"`{p}`" for p in personal.get(event_type, ())) or "–"
        told = "yes" if told_by_default(event_type) else "–"
        lines.append(f"| `{event_type}` | {staff} | {others} | {removed} | {told} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the table of docs/notifications.md
    from notifications.personal_data import personal_fields

    print(markdown_table(personal_fields()), end="")
