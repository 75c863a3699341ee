"""The rules of consultations and of the dialogue councils.

Pure Python, no I/O. Every refusal is a `DomainError` with a machine code and a message
in Polish, naming the field at fault where there is one. Figures of the law come from
the dated rules (`rules.toml`), never from code.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum

from wspolpraca.enums import LabelledEnum
from wspolpraca.errors import DomainError
from wspolpraca.rules import DatedRules

CONSULTATION_MIN_DAYS = "consultation_min_days"
OPINION_DEADLINE_DAYS = "opinion_deadline_days"
COUNCIL_TERM_YEARS = "council_term_years"
COUNCIL_REQUEST_MIN_SUPPORTERS = "council_request_min_supporters"
COUNCIL_CREATION_DEADLINE_MONTHS = "council_creation_deadline_months"


def _positive_int(rules: DatedRules, name: str, on: date) -> int:
    value = rules.value(name, on)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"rule {name!r} must be a positive integer, not {value!r}")
    return value


def _aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must carry a timezone")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the last day of the month when that day
    does not exist (31 December + 2 months = 28 or 29 February)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- consultations ------------------------------------------------------------------


class ConsultationForm(LabelledEnum):
    WRITTEN_COMMENTS = "written_comments", "uwagi pisemne"
    MEETING = "meeting", "spotkanie konsultacyjne"
    ONLINE_FORM = "online_form", "formularz elektroniczny"


class ConsultationStatus(LabelledEnum):
    """What a consultation is at a given moment: the stored state and the clock together."""

    PLANNED = "planned", "zaplanowane"  # announced, not yet open for comments
    OPEN = "open", "otwarte"
    CLOSED = "closed", "zamknięte"
    REPORT_PUBLISHED = "report_published", "sprawozdanie opublikowane"


class Decision(LabelledEnum):
    """The city's answer to a comment."""

    ACCEPTED = "accepted", "uwzględniona"
    PARTLY_ACCEPTED = "partly_accepted", "uwzględniona częściowo"
    REJECTED = "rejected", "nieuwzględniona"


def consultation_minimum(opens_at: datetime, rules: DatedRules) -> timedelta:
    """The shortest consultation allowed for one opening on that day."""
    return timedelta(days=_positive_int(rules, CONSULTATION_MIN_DAYS, opens_at.date()))


def check_consultation_period(opens_at: datetime, closes_at: datetime, now: datetime,
                              rules: DatedRules) -> None:
    """A consultation lasts at least the configured minimum (7 days: 6 days 23 h 59 min
    is too short) and closes in the future. A backdated opening does not count: the
    minimum runs from the later of `opens_at` and now."""
    _aware(opens_at, "opens_at")
    _aware(closes_at, "closes_at")
    if closes_at <= now:
        raise DomainError("closes_in_the_past", "Termin zakończenia konsultacji już minął.",
                          field="closes_at")
    minimum = consultation_minimum(max(opens_at, now), rules)
    if closes_at - max(opens_at, now) < minimum:
        raise DomainError(
            "period_too_short",
            f"Konsultacje muszą trwać co najmniej {minimum.days} dni od otwarcia "
            "do zamknięcia.",
            field="closes_at",
        )


def check_forms(forms: Iterable[str]) -> list[str]:
    """At least one form, each known, none repeated."""
    result = list(forms)
    if not result:
        raise DomainError("forms_required", "Wybierz co najmniej jedną formę konsultacji.",
                          field="forms")
    for form in result:
        try:
            ConsultationForm(form)
        except ValueError:
            raise DomainError("unknown_form", f"Nieznana forma konsultacji: „{form}”.",
                              field="forms") from None
    if len(set(result)) != len(result):
        raise DomainError("duplicate_form", "Formę konsultacji podano więcej niż raz.",
                          field="forms")
    return result


def check_sections(sections: Iterable[str]) -> list[str]:
    """The sections open for comment: distinct, non-blank labels (may be none: then the
    whole draft is commented as one)."""
    result = [s.strip() for s in sections]
    if any(not s for s in result):
        raise DomainError("blank_section", "Nazwa fragmentu nie może być pusta.",
                          field="sections")
    if len(set(result)) != len(result):
        raise DomainError("duplicate_section", "Fragment podano więcej niż raz.",
                          field="sections")
    return result


def consultation_status(stored: str, opens_at: datetime, closes_at: datetime,
                        now: datetime) -> ConsultationStatus:
    """The status now. Comments are taken from `opens_at` up to, not including,
    `closes_at`, whether or not the closing timer has run yet."""
    status = ConsultationStatus(stored)
    if status in (ConsultationStatus.CLOSED, ConsultationStatus.REPORT_PUBLISHED):
        return status
    if now >= closes_at:
        return ConsultationStatus.CLOSED
    if now < opens_at:
        return ConsultationStatus.PLANNED
    return ConsultationStatus.OPEN


def check_may_comment(status: ConsultationStatus, *, section: str | None,
                      sections: list[str], organization_id: str | None,
                      residents_may_comment: bool) -> None:
    """A comment is taken while the consultation is open, on a section open for comment,
    from an organisation, or from a resident where the consultation allows it."""
    if status is ConsultationStatus.PLANNED:
        raise DomainError("consultation_not_open",
                          "Konsultacje jeszcze się nie rozpoczęły.", status=409)
    if status is not ConsultationStatus.OPEN:
        raise DomainError("consultation_closed",
                          "Konsultacje są zamknięte; uwag już się nie przyjmuje.", status=409)
    if section is not None and section not in sections:
        raise DomainError("unknown_section", f"Fragment „{section}” nie jest poddany "
                          "konsultacjom.", field="section")
    if organization_id is None and not residents_may_comment:
        raise DomainError("residents_not_allowed",
                          "W tych konsultacjach uwagi zgłaszają tylko organizacje.",
                          field="organization_id")


def check_may_hide(hidden: bool, reason: str | None,
                   status: ConsultationStatus = ConsultationStatus.OPEN) -> str:
    """An abusive comment is hidden, with a reason; it is kept, never deleted. Once the
    report is published, the comments it lists stay as they are."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise DomainError("reason_required", "Podaj powód ukrycia uwagi.", field="reason")
    if hidden:
        raise DomainError("already_hidden", "Ta uwaga jest już ukryta.", status=409)
    if status is ConsultationStatus.REPORT_PUBLISHED:
        raise DomainError("report_published", "Sprawozdanie jest już opublikowane; uwag nie "
                          "można już ukrywać.", status=409)
    return text


SPAM_REASON = "Spam"


def check_may_mark_spam(spam: bool, status: ConsultationStatus) -> None:
    """Spam is set aside with one action, no reason to write: it needs no answer, and the
    report leaves it out (counting it), so a flood of it cannot hold the report back. Once
    the report is published, the comments it lists stay as they are."""
    if spam:
        raise DomainError("already_spam", "Ta uwaga jest już oznaczona jako spam.", status=409)
    if status is ConsultationStatus.REPORT_PUBLISHED:
        raise DomainError("report_published", "Sprawozdanie jest już opublikowane; uwag nie "
                          "można już oznaczać jako spam.", status=409)


def check_may_answer(status: ConsultationStatus, decision: str, reason: str | None) -> Decision:
    """The city answers comments once the consultation is closed and until the report
    is published; every answer states its reason."""
    if status in (ConsultationStatus.PLANNED, ConsultationStatus.OPEN):
        raise DomainError("consultation_not_closed",
                          "Na uwagi odpowiada się po zamknięciu konsultacji.", status=409)
    if status is ConsultationStatus.REPORT_PUBLISHED:
        raise DomainError("report_published",
                          "Sprawozdanie jest już opublikowane; odpowiedzi nie można zmienić.",
                          status=409)
    try:
        chosen = Decision(decision)
    except ValueError:
        raise DomainError("unknown_decision", f"Nieznane stanowisko: „{decision}”.",
                          field="decision") from None
    if not (isinstance(reason, str) and reason.strip()):
        raise DomainError("reason_required", "Podaj uzasadnienie stanowiska.", field="reason")
    return chosen


def check_may_close(status: ConsultationStatus) -> None:
    if status in (ConsultationStatus.CLOSED, ConsultationStatus.REPORT_PUBLISHED):
        raise DomainError("already_closed", "Konsultacje są już zamknięte.", status=409)


def is_due_to_close(stored: str, closes_at: datetime, now: datetime) -> bool:
    """An open consultation whose closing time has come: the timer records its closing."""
    return stored == ConsultationStatus.OPEN.value and closes_at <= now


def check_may_schedule_meeting(status: ConsultationStatus) -> None:
    """Meetings are a form of consulting (art. 5 ust. 5 in connection with the city's
    resolution on consultations): held while the consultation is planned or open."""
    if status not in (ConsultationStatus.PLANNED, ConsultationStatus.OPEN):
        raise DomainError("consultation_closed", "Konsultacje są już zamknięte.", status=409)


def check_may_edit(status: ConsultationStatus) -> None:
    """A consultation is changed only before it opens: once organisations may comment, the
    draft and the terms they comment on stay as announced (art. 5 ust. 5: the way of
    consulting set by the city's resolution binds while it runs)."""
    if status is not ConsultationStatus.PLANNED:
        raise DomainError("consultation_already_open",
                          "Konsultacje już się rozpoczęły: zmieniać je można tylko przed "
                          "otwarciem.", status=409)


def check_may_change_meeting(meeting: Mapping, now: datetime) -> None:
    """A meeting is cancelled or moved before it starts, and not once it was cancelled."""
    if meeting.get("cancelled_at") is not None:
        raise DomainError("meeting_cancelled", "To spotkanie odwołano.", status=409)
    if meeting["starts_at"] <= now:
        raise DomainError("meeting_already_held",
                          "Spotkanie już się rozpoczęło lub odbyło.", status=409)


def check_new_meeting_time(starts_at: datetime, now: datetime) -> None:
    """A meeting is moved to a time still to come."""
    if starts_at <= now:
        raise DomainError("meeting_in_the_past", "Nowy termin spotkania musi być w przyszłości.",
                          field="starts_at")


def unanswered(comments: Iterable[Mapping]) -> list[Mapping]:
    """Comments still waiting for the city's answer (hidden comments, spam among them,
    need none)."""
    return [c for c in comments if not c.get("hidden") and not c.get("answer")]


def check_may_publish_report(status: ConsultationStatus, comments: Iterable[Mapping]) -> None:
    """The report is published after closing, once every comment has its answer."""
    if status in (ConsultationStatus.PLANNED, ConsultationStatus.OPEN):
        raise DomainError("consultation_not_closed",
                          "Sprawozdanie publikuje się po zamknięciu konsultacji.", status=409)
    if status is ConsultationStatus.REPORT_PUBLISHED:
        raise DomainError("report_already_published", "Sprawozdanie jest już opublikowane.",
                          status=409)
    waiting = unanswered(comments)
    if waiting:
        raise DomainError(
            "comments_unanswered",
            f"Nie można opublikować sprawozdania: {len(waiting)} uwag(i) bez odpowiedzi.",
            status=409,
            fields={"comments": [str(c["_id"]) for c in waiting]},
        )


def check_meeting(forms: Iterable[str], starts_at: datetime, ends_at: datetime,
                  opens_at: datetime, closes_at: datetime) -> None:
    """A consultation meeting is held only where meetings are a form of the consultation,
    ends after it starts and lies within the consultation."""
    if ConsultationForm.MEETING.value not in forms:
        raise DomainError("meetings_not_a_form",
                          "Spotkania nie są formą tych konsultacji.", field="starts_at")
    if ends_at <= starts_at:
        raise DomainError("meeting_ends_before_start",
                          "Spotkanie musi kończyć się po rozpoczęciu.", field="ends_at")
    if starts_at < opens_at or ends_at > closes_at:
        raise DomainError("meeting_outside_consultation",
                          "Spotkanie musi odbyć się w czasie trwania konsultacji.",
                          field="starts_at")


def decision_counts(comments: Iterable[Mapping]) -> dict[str, int]:
    counts = {d.value: 0 for d in Decision}
    for comment in comments:
        answer = comment.get("answer")
        if answer and not comment.get("hidden"):
            counts[answer["decision"]] += 1
    return counts


# --- councils -----------------------------------------------------------------------


class CouncilKind(LabelledEnum):
    PUBLIC_BENEFIT_COUNCIL = "public_benefit_council", "rada działalności pożytku publicznego"
    SECTOR_COMMISSION = "sector_commission", "komisja dialogu społecznego (branżowa)"
    DISTRICT_COMMISSION = "district_commission", "dzielnicowa komisja dialogu społecznego"


class Side(StrEnum):
    NGO = "ngo"
    CITY = "city"


def check_request_supporters(supporters: Iterable[str], received_at: datetime,
                             rules: DatedRules) -> list[str]:
    """A request to create a council is supported by at least 5 different organisations."""
    distinct = list(dict.fromkeys(supporters))
    needed = _positive_int(rules, COUNCIL_REQUEST_MIN_SUPPORTERS, received_at.date())
    if len(distinct) < needed:
        raise DomainError(
            "too_few_supporters",
            f"Wniosek o utworzenie rady musi poprzeć co najmniej {needed} organizacji "
            f"(poparło {len(distinct)}).",
            field="supporters",
        )
    return distinct


def council_creation_deadline(received_at: datetime, rules: DatedRules) -> datetime:
    """The city creates the council within 2 months of the request."""
    _aware(received_at, "received_at")
    months = _positive_int(rules, COUNCIL_CREATION_DEADLINE_MONTHS, received_at.date())
    return add_months(received_at, months)


def request_is_late(deadline: datetime, acted: bool, now: datetime) -> bool:
    """A request the city has not acted on by its deadline."""
    return not acted and now > deadline


def check_request_not_acted_on(council_id: str | None) -> None:
    """One council from one request (art. 41a ust. 1: the council is created on a request)."""
    if council_id is not None:
        raise DomainError("request_already_acted_on",
                          "Na podstawie tego wniosku już utworzono radę.", field="request_id",
                          status=409)


def council_term_end(term_start: date, rules: DatedRules) -> date:
    """The last day of a term of 3 years from `term_start`."""
    years = _positive_int(rules, COUNCIL_TERM_YEARS, term_start)
    return add_years(term_start, years) - timedelta(days=1)


def ngo_share_ok(sides: Iterable[str]) -> bool:
    """At least half the members come from NGOs (exactly half is enough)."""
    listed = [Side(s) for s in sides]
    ngo = sum(1 for s in listed if s is Side.NGO)
    return 2 * ngo >= len(listed)


def check_council_composition(sides: Iterable[str]) -> None:
    """A council cannot be constituted unless at least half its members come from NGOs."""
    listed = list(sides)
    if not listed:
        raise DomainError("members_required", "Rada musi mieć członków.", field="members")
    if not ngo_share_ok(listed):
        ngo = sum(1 for s in listed if s == Side.NGO)
        raise DomainError(
            "ngo_share_too_low",
            f"Co najmniej połowa członków rady musi pochodzić z organizacji pozarządowych "
            f"(z organizacji: {ngo} z {len(listed)}).",
            field="members",
        )


def opinion_deadline(requested_at: datetime, rules: DatedRules) -> datetime:
    """A council gives its opinion within 14 days of the request."""
    _aware(requested_at, "requested_at")
    return requested_at + timedelta(
        days=_positive_int(rules, OPINION_DEADLINE_DAYS, requested_at.date()))


class OpinionStatus(StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"
    LAPSED = "lapsed"  # no opinion in time: counts as none


def check_may_issue_opinion(status: str, deadline: datetime, now: datetime) -> None:
    """An opinion is issued up to and including its deadline, once."""
    current = OpinionStatus(status)
    if current is OpinionStatus.ISSUED:
        raise DomainError("opinion_already_issued", "Opinię już wyrażono.", status=409)
    if current is OpinionStatus.LAPSED or now > deadline:
        raise DomainError(
            "opinion_deadline_passed",
            "Termin na wyrażenie opinii minął; brak opinii w terminie oznacza jej "
            "niewyrażenie.",
            status=409,
        )


def opinion_has_lapsed(status: str, deadline: datetime, now: datetime) -> bool:
    return OpinionStatus(status) is OpinionStatus.REQUESTED and now > deadline


def check_meeting_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise DomainError("meeting_ends_before_start",
                          "Posiedzenie musi kończyć się po rozpoczęciu.", field="ends_at")


def check_attendance(attendance: Iterable[str], member_ids: Iterable[str]) -> list[str]:
    """Attendance lists members of the council only, each once."""
    known = set(member_ids)
    listed = list(dict.fromkeys(attendance))
    strangers = [m for m in listed if m not in known]
    if strangers:
        raise DomainError("unknown_member",
                          f"Nie są członkami rady: {', '.join(strangers)}.", field="attendance")
    return listed


def check_may_leave(left_at: datetime | None) -> None:
    if left_at is not None:
        raise DomainError("member_already_left", "Ten członek już odszedł z rady.", status=409)


# --- organisations (the registry's, as this service's projection knows them) ----------

VERIFIED = "verified"


def check_commenting_organization(organization: Mapping | None,
                                  addressees: Mapping) -> None:
    """An organisation comments when it is verified in the base of organisations and,
    where the consultation is addressed to some areas, works in one of them."""
    if organization is None:
        raise DomainError("unknown_organization",
                          "Tej organizacji nie ma w bazie organizacji.", field="organization_id")
    if organization.get("status") != VERIFIED:
        raise DomainError("organization_not_verified",
                          "Uwagi zgłaszają organizacje zweryfikowane w bazie organizacji.",
                          field="organization_id")
    if addressees.get("scope") == "areas" and \
            not set(addressees.get("areas", ())) & set(organization.get("areas", ())):
        raise DomainError("not_addressed",
                          "Konsultacje są skierowane do organizacji działających w innych "
                          "obszarach.", field="organization_id")


def check_supporters_verified(supporters: Iterable[str],
                              known: Mapping[str, Mapping]) -> None:
    """Every organisation supporting a request is verified in the base of organisations."""
    missing = [s for s in supporters if known.get(s, {}).get("status") != VERIFIED]
    if missing:
        raise DomainError(
            "unverified_supporters",
            "Wniosek mogą poprzeć tylko organizacje zweryfikowane w bazie organizacji.",
            fields={"supporters": [f"Nieznana lub niezweryfikowana organizacja: {s}."
                                   for s in missing]},
        )
