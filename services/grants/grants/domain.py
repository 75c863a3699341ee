"""The rules of the grants service: programmes, open competitions, offers, committees,
awards and small grants (ustawa o działalności pożytku publicznego i o wolontariacie,
Dz.U. 2024 poz. 1491, "the Act").

Pure Python, no I/O. Money is always a `Decimal` with two places (never a float); limits
and deadlines come from `rules.toml` through `DatedRules`, with the date they apply on.
Every refusal is a `DomainError` with a machine code, a Polish message and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from wspolpraca.errors import Conflict, DomainError
from wspolpraca.fields import to_money
from wspolpraca.polish import money
from wspolpraca.rules import DatedRules
from wspolpraca.workdays import add_working_days

CITY_ZONE = ZoneInfo("Europe/Warsaw")
ZERO = Decimal("0.00")


def local_date(moment: datetime) -> date:
    """The calendar day of an instant in the city (terms are counted in days, art. 111 KC)."""
    return moment.astimezone(CITY_ZONE).date()


def grosze(amount: Decimal) -> int:
    """An amount as whole grosze (for conditions the database checks)."""
    return int(to_money(amount) * 100)


def from_grosze(value: int) -> Decimal:
    return to_money(Decimal(value) / 100)


def _transition(current: str, allowed: Iterable[str], target: str, what: str) -> str:
    if current not in set(allowed):
        raise Conflict("invalid_state",
                       f"{what}: nie można przejść ze stanu „{current}” do „{target}”.")
    return target


# --- the cooperation programme (art. 5a) ------------------------------------------------


class ProgrammeStatus(StrEnum):
    DRAFT = "draft"
    CONSULTED = "consulted"
    ADOPTED = "adopted"


def consult_programme(status: str) -> str:
    return _transition(status, (ProgrammeStatus.DRAFT,), ProgrammeStatus.CONSULTED, "Program")


def check_programme_editable(status: str) -> None:
    """The draft is edited before it is consulted with organisations and adopted (art. 5a
    ust. 1: the council adopts the programme after the consultation; what was consulted is
    what is adopted)."""
    if status != ProgrammeStatus.DRAFT:
        raise Conflict("invalid_state", "Zmieniać można tylko projekt programu, przed "
                                        "konsultacjami i uchwaleniem.")


def adopt_programme(status: str) -> str:
    return _transition(status, (ProgrammeStatus.DRAFT, ProgrammeStatus.CONSULTED),
                       ProgrammeStatus.ADOPTED, "Program")


def adoption_deadline(year: int, rules: DatedRules) -> date:
    """The day by which the programme for `year` is adopted: 30 November of the year before
    (art. 5a ust. 1)."""
    before = date(year - 1, 1, 1)
    month, day = str(rules.value("programme_adoption_deadline", on=before)).split("-")
    return date(year - 1, int(month), int(day))


def programme_warnings(year: int, status: str, today: date, rules: DatedRules) -> list[str]:
    """Warnings an officer sees: the programme is not adopted and its deadline passed."""
    deadline = adoption_deadline(year, rules)
    if status != ProgrammeStatus.ADOPTED and today > deadline:
        return [f"programme_not_adopted_by_deadline: program na {year} r. nie został "
                f"uchwalony do {deadline.isoformat()} (art. 5a ust. 1)."]
    return []


def check_programme_funds(funds: Sequence[Mapping]) -> None:
    seen: set[str] = set()
    for index, item in enumerate(funds):
        if item["area"] in seen:
            raise DomainError("duplicate_area", f"Obszar „{item['area']}” podano dwa razy.",
                              field=f"funds.{index}.area")
        seen.add(item["area"])
    if not funds:
        raise DomainError("no_funds", "Podaj planowane środki co najmniej dla jednego obszaru.",
                          field="funds")


def remaining_funds(planned: Decimal, committed: Decimal) -> Decimal:
    return to_money(planned - committed)


def check_funds_available(area: str, planned: Decimal | None, committed: Decimal,
                          amount: Decimal, field: str = "budget") -> None:
    """A competition or small grant may not exceed its area's remaining planned funds."""
    if planned is None:
        raise DomainError("area_not_in_programme",
                          f"Program współpracy nie przewiduje środków na obszar „{area}”.",
                          field=field)
    left = remaining_funds(planned, committed)
    if amount > left:
        raise DomainError("insufficient_programme_funds",
                          f"W programie na obszar „{area}” zostało {money(left)}, "
                          f"a potrzeba {money(amount)}.", field=field)


# --- open competitions (art. 11-15) -----------------------------------------------------


class Mode(StrEnum):
    SUPPORTING = "supporting"  # wspieranie: co-financing, with the organisation's own share
    ENTRUSTING = "entrusting"  # powierzanie: the city pays in full


class CompetitionStatus(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"
    CLOSED = "closed"
    UNDER_EVALUATION = "under_evaluation"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


PUBLIC_COMPETITION_STATUSES = (CompetitionStatus.ANNOUNCED, CompetitionStatus.CLOSED,
                               CompetitionStatus.UNDER_EVALUATION, CompetitionStatus.RESOLVED,
                               CompetitionStatus.CANCELLED)


def check_competition(data: Mapping) -> None:
    """The announcement's own consistency (art. 13 ust. 2)."""
    if data["task_end"] < data["task_start"]:
        raise DomainError("task_dates_reversed",
                          "Termin zakończenia zadania jest wcześniejszy niż jego rozpoczęcia.",
                          field="task_end")
    if data["task_start"].year != data["task_end"].year:
        raise DomainError("task_spans_years",
                          "Zadanie w konkursie musi mieścić się w roku programu współpracy.",
                          field="task_end")
    if data["budget"] <= ZERO:
        raise DomainError("budget_not_positive", "Kwota na zadanie musi być dodatnia.",
                          field="budget")
    pct = data.get("min_own_contribution_pct", ZERO)
    if data["mode"] == Mode.ENTRUSTING and pct != 0:
        raise DomainError("own_contribution_in_entrusting",
                          "Przy powierzeniu zadania miasto finansuje je w całości: "
                          "wymagany wkład własny musi wynosić 0%.",
                          field="min_own_contribution_pct")
    names = [c["name"].strip().lower() for c in data["criteria"]]
    if len(set(names)) != len(names):
        raise DomainError("duplicate_criterion", "Kryteria oceny muszą mieć różne nazwy.",
                          field="criteria")


def earliest_submission_deadline(published_at: datetime,
                                 rules: DatedRules) -> tuple[int, date]:
    """The days between the announcement's publication and the deadline for offers (art. 13
    ust. 1), and the first day of the city the deadline may fall on when published then."""
    days = int(rules.value("competition_min_submission_days", on=published_at))
    return days, local_date(published_at) + timedelta(days=days)


def check_announcement(deadline: datetime, published_at: datetime, task_start: date,
                       rules: DatedRules) -> None:
    """The deadline for offers is at least 21 days after the announcement's publication
    (art. 13 ust. 1), counted in calendar days of the city."""
    days, earliest = earliest_submission_deadline(published_at, rules)
    if local_date(deadline) < earliest:
        raise DomainError(
            "deadline_too_short",
            f"Termin składania ofert musi przypadać co najmniej {days} dni po publikacji "
            f"ogłoszenia (art. 13 ust. 1), czyli nie wcześniej niż {earliest.isoformat()}.",
            field="submission_deadline")
    if local_date(deadline) > task_start:
        raise DomainError("deadline_after_task_start",
                          "Termin składania ofert musi upływać przed rozpoczęciem zadania.",
                          field="submission_deadline")


def announce(status: str) -> str:
    return _transition(status, (CompetitionStatus.DRAFT,), CompetitionStatus.ANNOUNCED,
                       "Konkurs")


def close_for_offers(status: str, deadline: datetime, now: datetime) -> str:
    target = _transition(status, (CompetitionStatus.ANNOUNCED,), CompetitionStatus.CLOSED,
                         "Konkurs")
    if now <= deadline:
        raise Conflict("deadline_not_passed",
                       "Nabór ofert trwa do upływu terminu składania ofert.")
    return target


def start_evaluation(status: str) -> str:
    return _transition(status, (CompetitionStatus.CLOSED,), CompetitionStatus.UNDER_EVALUATION,
                       "Konkurs")


def resolve(status: str) -> str:
    return _transition(status, (CompetitionStatus.UNDER_EVALUATION,), CompetitionStatus.RESOLVED,
                       "Konkurs")


def cancel(status: str) -> str:
    return _transition(status, (CompetitionStatus.DRAFT, CompetitionStatus.ANNOUNCED,
                                CompetitionStatus.CLOSED, CompetitionStatus.UNDER_EVALUATION),
                       CompetitionStatus.CANCELLED, "Konkurs")


# --- offers (art. 14, formal check) -----------------------------------------------------


class OfferStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    REJECTED_FORMALLY = "rejected_formally"
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"


@dataclass(frozen=True)
class OrganizationView:
    """What grants knows about an organisation from the registry's events."""

    id: str
    status: str
    areas: frozenset[str]


def check_eligible(organization: OrganizationView | None, area: str,
                   field: str = "organization_id") -> None:
    """Only a verified organisation whose statutory areas include the task's area."""
    if organization is None or organization.status != "verified":
        raise DomainError("organization_not_eligible",
                          "Ofertę może złożyć tylko zweryfikowana organizacja.", field=field)
    if area not in organization.areas:
        raise DomainError("organization_not_eligible",
                          f"Obszar „{area}” nie należy do działalności statutowej organizacji.",
                          field=field)


def check_partners(organization_id: str, partners: Sequence[str],
                   organizations: Mapping[str, OrganizationView | None], area: str) -> None:
    """A joint offer (art. 14 ust. 2): every partner is a distinct eligible organisation."""
    if len(set(partners)) != len(partners) or organization_id in partners:
        raise DomainError("duplicate_partner", "Partner podany dwa razy lub jest oferentem.",
                          field="partners")
    for index, partner in enumerate(partners):
        check_eligible(organizations.get(partner), area, field=f"partners.{index}")


def volunteer_value(hours: Decimal, rate: Decimal) -> Decimal:
    """Volunteers' work valued as hours × hourly rate (art. 15 ust. 1 pkt 4)."""
    return to_money(hours * rate)


def check_budget(offer: Mapping, field_prefix: str = "") -> None:
    """The offer's sums add up: total = Σ cost items = requested + own contribution; the
    valued volunteer work is part of the non-financial contribution."""
    own = offer["own_contribution"]
    total = offer["total_cost"]
    items = to_money(sum((item["amount"] for item in offer["cost_items"]), ZERO))
    if items != total:
        raise DomainError("sums_do_not_add_up",
                          f"Suma pozycji kosztorysu ({money(items)}) różni się od "
                          f"kosztu całkowitego ({money(total)}).",
                          field=f"{field_prefix}total_cost")
    parts = to_money(offer["requested_amount"] + own["financial"] + own["non_financial"])
    if parts != total:
        raise DomainError("sums_do_not_add_up",
                          f"Wnioskowana kwota z wkładem własnym ({money(parts)}) "
                          f"różni się od kosztu całkowitego ({money(total)}).",
                          field=f"{field_prefix}requested_amount")
    volunteers = own.get("volunteer_work")
    if volunteers:
        value = volunteer_value(volunteers["hours"], volunteers["hourly_rate"])
        if value > own["non_financial"]:
            raise DomainError("volunteer_work_exceeds_non_financial",
                              f"Praca wolontariuszy wyceniona na {money(value)} "
                              "przekracza wkład osobowy i rzeczowy.",
                              field=f"{field_prefix}own_contribution.non_financial")
    if offer["requested_amount"] <= ZERO:
        raise DomainError("requested_not_positive", "Wnioskowana kwota musi być dodatnia.",
                          field=f"{field_prefix}requested_amount")


def own_share_ok(own: Decimal, total: Decimal, min_pct: Decimal) -> bool:
    """own / total ≥ min_pct %, compared exactly (own × 100 ≥ pct × total)."""
    return own * 100 >= min_pct * total


def formal_check(offer: Mapping, competition: Mapping, now: datetime) -> None:
    """The formal check of an offer in an open competition (art. 14, art. 15 ust. 1)."""
    if now > competition["submission_deadline"]:
        raise Conflict("deadline_passed", "Termin składania ofert upłynął.",
                       field="submission_deadline")
    check_budget(offer)
    if offer["requested_amount"] > competition["budget"]:
        raise DomainError("requested_exceeds_budget",
                          f"Wnioskowana kwota przekracza środki konkursu "
                          f"({money(competition['budget'])}).", field="requested_amount")
    if competition["mode"] == Mode.SUPPORTING:
        own = offer["own_contribution"]
        pct = competition["min_own_contribution_pct"]
        if not own_share_ok(own["financial"] + own["non_financial"], offer["total_cost"], pct):
            raise DomainError("own_contribution_too_low",
                              f"Wkład własny jest mniejszy niż wymagane {pct}% kosztu zadania.",
                              field="own_contribution")
    if offer["task_start"] < competition["task_start"]:
        raise DomainError("task_dates_outside_competition",
                          "Zadanie nie może zacząć się przed terminem podanym w ogłoszeniu.",
                          field="task_start")
    if offer["task_end"] > competition["task_end"] or offer["task_end"] < offer["task_start"]:
        raise DomainError("task_dates_outside_competition",
                          "Zadanie musi skończyć się w terminie podanym w ogłoszeniu.",
                          field="task_end")


def check_draft_open(deadline: datetime, now: datetime) -> None:
    """A draft is kept only while it can still become an offer."""
    if now > deadline:
        raise Conflict("deadline_passed",
                       "Termin składania ofert upłynął: szkicu oferty nie można już zapisać.",
                       field="submission_deadline")


def check_amendable(status: str, deadline: datetime, now: datetime) -> None:
    if status != OfferStatus.SUBMITTED:
        raise Conflict("invalid_state", "Zmieniać można tylko złożoną ofertę.")
    if now > deadline:
        raise Conflict("deadline_passed",
                       "Po terminie składania ofert nie można jej zmieniać ani wycofać.")


def withdraw(status: str, deadline: datetime, now: datetime) -> str:
    check_amendable(status, deadline, now)
    return OfferStatus.WITHDRAWN


def reject_formally(status: str, competition_status: str) -> str:
    if competition_status not in (CompetitionStatus.CLOSED, CompetitionStatus.UNDER_EVALUATION):
        raise Conflict("invalid_state",
                       "Ofertę odrzuca się formalnie po zamknięciu naboru, przed rozstrzygnięciem.")
    return _transition(status, (OfferStatus.SUBMITTED,), OfferStatus.REJECTED_FORMALLY, "Oferta")


# --- the committee (art. 15 ust. 2a-2f) -------------------------------------------------


class MemberKind(StrEnum):
    OFFICIAL = "official"
    NGO = "ngo"


def excluded_members(members: Sequence[Mapping], bidders: Iterable[str]) -> list[str]:
    """User ids of NGO nominees whose organisation filed an offer in the competition
    (art. 15 ust. 2d): they may not sit on its committee."""
    taking_part = set(bidders)
    return [m["user_id"] for m in members
            if m["kind"] == MemberKind.NGO and m.get("organization_id") in taking_part]


def check_members(members: Sequence[Mapping]) -> None:
    ids = [m["user_id"] for m in members]
    if len(set(ids)) != len(ids):
        raise DomainError("duplicate_member", "Członek komisji podany dwa razy.",
                          field="members")
    for index, member in enumerate(members):
        if member["kind"] == MemberKind.NGO and not member.get("organization_id"):
            raise DomainError("nominee_without_organization",
                              "Osoba wskazana przez organizacje musi mieć organizację.",
                              field=f"members.{index}.organization_id")


def check_scores(criteria: Sequence[Mapping], scores: Sequence[Mapping]) -> None:
    """One score per criterion, each between 0 and the criterion's maximum."""
    maxima = {c["name"]: c["max_points"] for c in criteria}
    given = [s["criterion"] for s in scores]
    if len(set(given)) != len(given):
        raise DomainError("duplicate_criterion", "Kryterium oceniono dwa razy.", field="scores")
    for index, score in enumerate(scores):
        if score["criterion"] not in maxima:
            raise DomainError("unknown_criterion",
                              f"Nie ma kryterium „{score['criterion']}”.",
                              field=f"scores.{index}.criterion")
        maximum = maxima[score["criterion"]]
        if score["points"] < 0 or score["points"] > maximum:
            raise DomainError("score_out_of_range",
                              f"Za kryterium „{score['criterion']}” można przyznać od 0 do "
                              f"{maximum} pkt.", field=f"scores.{index}.points")
    missing = sorted(set(maxima) - set(given))
    if missing:
        raise DomainError("criteria_not_scored",
                          f"Brak oceny kryteriów: {', '.join(missing)}.", field="scores")


def check_may_score(member: Mapping | None, offer_id: str) -> None:
    if member is None or member.get("excluded"):
        raise DomainError("not_a_member", "Nie jesteś członkiem komisji tego konkursu.",
                          status=403)
    if not member.get("declared_at"):
        raise Conflict("conflict_of_interest_not_declared",
                       "Przed oceną złóż oświadczenie o braku konfliktu interesów.")
    assigned = member.get("assigned_offers")
    if assigned is not None and offer_id not in assigned:
        raise DomainError("offer_not_assigned", "Ta oferta nie została Ci przydzielona.",
                          status=403)


def check_scoring_open(competition_status: str, offer_status: str) -> None:
    """The committee scores the offers still in the running while the competition is under
    evaluation (art. 15 ust. 1-2a)."""
    if competition_status != CompetitionStatus.UNDER_EVALUATION \
            or offer_status != OfferStatus.SUBMITTED:
        raise Conflict("invalid_state", "Tej oferty nie można teraz oceniać.")


def declare_no_conflict(member: Mapping) -> bool:
    """A member declares no conflict of interest before scoring (art. 15 ust. 2f); a
    nominee of an organisation taking part may not sit on the committee at all (art. 15
    ust. 2d). True when the declaration is new (a second one changes nothing)."""
    if member["excluded"]:
        raise Conflict("member_excluded",
                       "Osoba wskazana przez organizację biorącą udział w konkursie "
                       "nie może zasiadać w komisji (art. 15 ust. 2d).")
    return not member.get("declared_at")


def conflicted(member: Mapping, offer: Mapping) -> bool:
    """The member's organisation filed the offer or is its partner: they may not assess it."""
    organization = member.get("organization_id")
    return bool(organization) and (organization == offer.get("organization_id")
                                   or organization in (offer.get("partners") or ()))


def check_assignable(member: Mapping | None, offers: Sequence[Mapping], field: str) -> None:
    """Offers may be assigned only to a member who is not excluded (art. 15 ust. 2d) and
    whose organisation is neither the bidder nor a partner of any of them."""
    if member is None or member.get("excluded"):
        raise DomainError("not_a_member", "Ta osoba nie jest członkiem komisji.", field=field)
    clashing = sorted(o["_id"] for o in offers if conflicted(member, o))
    if clashing:
        raise DomainError("member_conflicted",
                          f"Konflikt interesów przy ofertach: {', '.join(clashing)}.",
                          field=field)


def select_offers(offers: Sequence[Mapping], offer_ids: Iterable[str] | None = None,
                  minimum: Decimal | None = None,
                  maximum: Decimal | None = None) -> list[Mapping]:
    """The offers an officer picked by filter: among `offer_ids` (when given), with the
    requested amount between `minimum` and `maximum` (inclusive, when given)."""
    if minimum is not None and maximum is not None and minimum > maximum:
        raise DomainError("invalid_range", "Kwota „od” jest większa niż kwota „do”.",
                          field="distribute.filter.requested_amount_min")
    wanted = set(offer_ids) if offer_ids is not None else None
    return [o for o in offers
            if (wanted is None or o["_id"] in wanted)
            and (minimum is None or o["requested_amount"] >= minimum)
            and (maximum is None or o["requested_amount"] <= maximum)]


def distribute_offers(offers: Sequence[Mapping], members: Sequence[Mapping],
                      per_offer: int) -> dict[str, list[str]]:
    """Spread `offers` among `members` so that each offer has `per_offer` assessors among
    them.

    Members already assigned an offer (it is in their `assigned_offers`) count towards
    `per_offer`; an offer that has enough is left alone (so `members=[x], per_offer=1`
    gives x every offer not yet assigned to x). New assessors are taken round-robin in the
    order the members were given, the least loaded first (offers already assigned count
    as load), never an excluded member or one whose organisation bids for the offer.
    Returns the new offer ids per user id; all or nothing: if some offer cannot get
    enough assessors, nothing is assigned.
    """
    for index, member in enumerate(members):
        if member.get("excluded"):
            raise DomainError("not_a_member", "Ta osoba nie jest członkiem komisji.",
                              field=f"distribute.user_ids.{index}")
    load = {m["user_id"]: len(m.get("assigned_offers") or ()) for m in members}
    has = {m["user_id"]: set(m.get("assigned_offers") or ()) for m in members}
    order = {m["user_id"]: position for position, m in enumerate(members)}
    new: dict[str, list[str]] = {m["user_id"]: [] for m in members}
    short: list[str] = []
    turn = 0
    for offer in sorted(offers, key=lambda o: o["_id"]):
        needed = per_offer - sum(1 for ids in has.values() if offer["_id"] in ids)
        if needed <= 0:
            continue
        eligible = [m["user_id"] for m in members
                    if offer["_id"] not in has[m["user_id"]] and not conflicted(m, offer)]
        if len(eligible) < needed:
            short.append(offer["_id"])
            continue
        eligible.sort(key=lambda u: (load[u], (order[u] - turn) % len(members)))
        for user_id in eligible[:needed]:
            new[user_id].append(offer["_id"])
            load[user_id] += 1
        turn = (order[eligible[needed - 1]] + 1) % len(members)
    if short:
        raise DomainError("not_enough_members",
                          f"Za mało członków komisji bez konfliktu interesów dla ofert: "
                          f"{', '.join(short[:20])}.", field="distribute.per_offer")
    return {user_id: ids for user_id, ids in new.items() if ids}


def total_points(scores: Sequence[Mapping]) -> Decimal:
    return sum((Decimal(str(s["points"])) for s in scores), Decimal(0))


@dataclass(frozen=True)
class Ranked:
    offer_id: str
    average: Decimal
    requested: Decimal
    scored_by: int


def rank(offers: Sequence[Mapping], score_totals: Mapping[str, Sequence[Decimal]]) -> list[Ranked]:
    """Offers by their average total score, best first (ties: earlier submission first)."""
    ranked = []
    for position, offer in enumerate(offers):
        totals = score_totals.get(offer["_id"], [])
        average = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01")) \
            if totals else Decimal("0.00")
        ranked.append((position, Ranked(offer["_id"], average, offer["requested_amount"],
                                        len(totals))))
    ranked.sort(key=lambda pair: (-pair[1].average, pair[0]))
    return [r for _, r in ranked]


def propose_awards(ranking: Sequence[Ranked], budget: Decimal,
                   min_average: Decimal = ZERO) -> dict[str, Decimal]:
    """Awards within the budget down the ranking; the last funded offer may get less than
    it asked for (art. 16 ust. 1: the organisation then updates its budget)."""
    left = budget
    awards: dict[str, Decimal] = {}
    for item in ranking:
        if left <= ZERO or item.scored_by == 0 or item.average < min_average:
            awards[item.offer_id] = ZERO
            continue
        amount = min(item.requested, left)
        awards[item.offer_id] = to_money(amount)
        left -= amount
    return awards


def check_awards(awards: Mapping[str, Decimal], offers: Mapping[str, Mapping],
                 budget: Decimal) -> Decimal:
    """The officer's decision: every eligible offer listed, no award above the request,
    the total within the competition's budget. Returns the total awarded."""
    unknown = sorted(set(awards) - set(offers))
    if unknown:
        raise DomainError("offer_not_in_competition",
                          f"Oferty spoza konkursu lub odrzucone: {', '.join(unknown)}.",
                          field="awards")
    missing = sorted(set(offers) - set(awards))
    if missing:
        raise DomainError("offer_not_decided",
                          f"Rozstrzygnięcie musi objąć każdą ofertę: {', '.join(missing)}.",
                          field="awards")
    for offer_id, amount in awards.items():
        if amount > offers[offer_id]["requested_amount"]:
            raise DomainError("award_exceeds_request",
                              "Dotacja nie może przekroczyć wnioskowanej kwoty.",
                              field="awards")
    total = to_money(sum(awards.values(), ZERO))
    if total > budget:
        raise DomainError("awards_exceed_budget",
                          f"Suma dotacji ({money(total)}) przekracza środki "
                          f"konkursu ({money(budget)}).", field="awards")
    return total


def awards_by_offer(awards: Sequence[Mapping]) -> dict[str, Decimal]:
    """The decision names each offer once (art. 15 ust. 1)."""
    by_offer = {a["offer_id"]: a["amount"] for a in awards}
    if len(by_offer) != len(awards):
        raise DomainError("duplicate_offer", "Oferta podana dwa razy.", field="awards")
    return by_offer


def award_status(amount: Decimal) -> str:
    """An offer granted any amount is funded (possibly lower than requested, art. 16 ust. 1)."""
    return OfferStatus.FUNDED if amount > 0 else OfferStatus.NOT_FUNDED


def unused_competition_funds(budget_grosze: int, awarded: Decimal) -> int:
    """What the results leave of the competition's budget (grosze) returns to the
    programme's funds of its area (art. 5a ust. 4 pkt 8: the programme plans the funds)."""
    return budget_grosze - grosze(awarded)


# --- small grants (art. 19a) ------------------------------------------------------------


class SmallGrantStatus(StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    AWARDED = "awarded"
    REFUSED = "refused"


def task_days(start: date, end: date) -> int:
    """Days of a task, both ends counted."""
    return (end - start).days + 1


def check_small_grant(offer: Mapping, today: date, rules: DatedRules) -> None:
    """At most 10,000.00 PLN and at most 90 days (art. 19a ust. 1)."""
    check_budget(offer)
    if offer["task_end"] < offer["task_start"]:
        raise DomainError("task_dates_reversed",
                          "Termin zakończenia zadania jest wcześniejszy niż jego rozpoczęcia.",
                          field="task_end")
    maximum = rules.decimal("small_grant_max_amount", on=today)
    if offer["requested_amount"] > maximum:
        raise DomainError("small_grant_too_large",
                          f"Mała dotacja to najwyżej {money(maximum)} "
                          "(art. 19a ust. 1 pkt 1).", field="requested_amount")
    days = int(rules.value("small_grant_max_days", on=today))
    if task_days(offer["task_start"], offer["task_end"]) > days:
        raise DomainError("small_grant_too_long",
                          f"Zadanie w trybie małej dotacji trwa najwyżej {days} dni "
                          "(art. 19a ust. 1 pkt 2).", field="task_end")


def publication_due_on(received_on: date, rules: DatedRules) -> date:
    """The city publishes the offer within 7 working days of receiving it (art. 19a ust. 3)."""
    working_days = int(rules.value("small_grant_publish_within_working_days", on=received_on))
    return add_working_days(received_on, working_days)


def publication_overdue(status: str, due_on: date, today: date) -> bool:
    return status == SmallGrantStatus.SUBMITTED and today > due_on


def publication_ends(published_at: datetime, rules: DatedRules) -> datetime:
    """The offer is published for 7 days for comments (art. 19a ust. 3)."""
    return published_at + timedelta(days=int(rules.value("small_grant_publication_days",
                                                         on=published_at)))


def published_late(due_on: date | None, published_at: datetime) -> bool:
    """Published after the 7 working days from receipt (art. 19a ust. 3)."""
    return due_on is not None and local_date(published_at) > due_on


def check_may_comment(status: str, comments_until: datetime | None, now: datetime) -> None:
    if status != SmallGrantStatus.PUBLISHED or comments_until is None or now > comments_until:
        raise Conflict("comments_closed", "Uwagi można zgłaszać tylko w czasie publikacji oferty.")


def check_may_decide(status: str, comments_until: datetime | None, now: datetime) -> None:
    """The city decides only after the 7 days of publication (art. 19a ust. 3-4)."""
    if status != SmallGrantStatus.PUBLISHED or comments_until is None:
        raise Conflict("invalid_state", "Decyzja jest możliwa po publikacji oferty.")
    if now <= comments_until:
        raise Conflict("publication_not_over",
                       "Decyzję można podjąć dopiero po 7 dniach publikacji oferty.")


def organization_cap_exceeded(on: date, rules: DatedRules) -> DomainError:
    per_org = rules.decimal("small_grant_yearly_per_organization", on=on)
    return DomainError("organization_small_grant_cap",
                       f"Organizacja przekroczyłaby {money(per_org)} małych dotacji "
                       "od miasta w roku (art. 19a ust. 4).", field="requested_amount")


def city_cap_exceeded(on: date, rules: DatedRules) -> DomainError:
    share = rules.decimal("small_grant_share_of_yearly_funds_pct", on=on)
    return DomainError("city_small_grant_cap",
                       f"Małe dotacje przekroczyłyby {share}% środków miasta na dotacje w roku "
                       "(art. 19a ust. 5).", field="requested_amount")


def check_small_grant_caps(amount: Decimal, organization_total: Decimal, city_total: Decimal,
                           yearly_grant_funds: Decimal, on: date, rules: DatedRules) -> None:
    """Caps of art. 19a: 20,000.00 PLN a year per organisation (ust. 4) and 20% of the
    city's yearly grant funds (ust. 5). `*_total` are the small grants awarded before."""
    per_org = rules.decimal("small_grant_yearly_per_organization", on=on)
    if organization_total + amount > per_org:
        raise organization_cap_exceeded(on, rules)
    share = rules.decimal("small_grant_share_of_yearly_funds_pct", on=on)
    if (city_total + amount) * 100 > share * yearly_grant_funds:
        raise city_cap_exceeded(on, rules)


def small_grant_limits(yearly_grant_funds: Decimal, on: date,
                       rules: DatedRules) -> tuple[Decimal, Decimal]:
    """(per organisation a year, the city's total a year) for small grants (art. 19a ust. 4-5);
    the city's cap is its share of the yearly grant funds, rounded down to the grosz."""
    per_org = rules.decimal("small_grant_yearly_per_organization", on=on)
    share = rules.decimal("small_grant_share_of_yearly_funds_pct", on=on)
    city = (share * yearly_grant_funds / 100).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
    return per_org, city


def publish_small_grant(status: str) -> str:
    return _transition(status, (SmallGrantStatus.SUBMITTED,), SmallGrantStatus.PUBLISHED,
                       "Oferta")


# --- contracts and settlement (art. 16, art. 18) ----------------------------------------


class ContractStatus(StrEnum):
    SIGNED = "signed"
    IN_PROGRESS = "in_progress"
    REPORT_DUE = "report_due"
    SETTLED = "settled"
    TERMINATED = "terminated"


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    CORRECTIONS_REQUESTED = "corrections_requested"
    ACCEPTED = "accepted"


def lower_than_requested(awarded: Decimal, requested: Decimal) -> bool:
    return awarded != requested


def check_budget_updatable(offer_status: str, awarded: Decimal, requested: Decimal,
                           contract_signed: bool) -> None:
    """The budget is updated after a grant lower than requested and before the contract
    (art. 16 ust. 1)."""
    if offer_status != OfferStatus.FUNDED or not lower_than_requested(awarded, requested):
        raise Conflict("invalid_state", "Kosztorys aktualizuje się tylko po dotacji "
                                        "niższej niż wnioskowana.")
    if contract_signed:
        raise Conflict("contract_signed", "Umowa została już podpisana.")


def check_may_sign(offer_status: str, awarded: Decimal, requested: Decimal,
                   budget_updated: bool) -> None:
    """The contract is signed for a grant awarded (art. 16 ust. 1); a grant lower than
    requested only once the organisation updated its budget to it."""
    if offer_status != OfferStatus.FUNDED:
        raise Conflict("offer_not_funded", "Umowę zawiera się tylko dla przyznanej dotacji.")
    if lower_than_requested(awarded, requested) and not budget_updated:
        raise Conflict("budget_update_required",
                       "Dotacja jest niższa niż wnioskowana: organizacja musi najpierw "
                       "zaktualizować kosztorys (art. 16 ust. 1).")


def check_updated_budget(update: Mapping, awarded: Decimal, min_pct: Decimal,
                         mode: str) -> None:
    """A grant lower than requested: the organisation updates its budget to the award
    before the contract (art. 16 ust. 1); the sums still add up and the own share holds."""
    check_budget({**update, "requested_amount": awarded})
    own = update["own_contribution"]
    if mode == Mode.SUPPORTING and not own_share_ok(own["financial"] + own["non_financial"],
                                                    update["total_cost"], min_pct):
        raise DomainError("own_contribution_too_low",
                          f"Wkład własny jest mniejszy niż wymagane {min_pct}% kosztu zadania.",
                          field="own_contribution")


def check_tranches(tranches: Sequence[Mapping], awarded: Decimal, signed_on: date,
                   task_end: date) -> None:
    """The tranches pay out exactly the grant, on dates between signing and the task's end."""
    total = to_money(sum((t["amount"] for t in tranches), ZERO))
    if total != awarded:
        raise DomainError("tranches_do_not_add_up",
                          f"Transze ({money(total)}) muszą wynosić dokładnie kwotę "
                          f"dotacji ({money(awarded)}).", field="tranches")
    for index, tranche in enumerate(tranches):
        if tranche["amount"] <= ZERO:
            raise DomainError("tranche_not_positive", "Transza musi być dodatnia.",
                              field=f"tranches.{index}.amount")
        if not signed_on <= tranche["due_on"] <= task_end:
            raise DomainError("tranche_outside_task",
                              "Transzę wypłaca się między podpisaniem umowy a końcem zadania.",
                              field=f"tranches.{index}.due_on")


def report_due_on(task_end: date, rules: DatedRules) -> date:
    """The task report is due within 30 days of the task's end (art. 18 ust. 1)."""
    return task_end + timedelta(days=int(rules.value("task_report_due_days", on=task_end)))


def unused_funds_due_on(task_end: date, rules: DatedRules) -> date:
    """Unused funds are returned within 15 days of the task's end (for a task ending on
    31 December: by 15 January), art. 251 ust. 1-2 ustawy o finansach publicznych."""
    return task_end + timedelta(days=int(rules.value("unused_funds_return_days", on=task_end)))


def start_contract(status: str) -> str:
    return _transition(status, (ContractStatus.SIGNED,), ContractStatus.IN_PROGRESS, "Umowa")


def task_ended(status: str, task_end: date, today: date) -> bool:
    """The task ended: the contract's report is now due."""
    return status in (ContractStatus.SIGNED, ContractStatus.IN_PROGRESS) and today > task_end


def report_overdue(status: str, report: Mapping | None, due_on: date, today: date) -> bool:
    return (status in (ContractStatus.SIGNED, ContractStatus.IN_PROGRESS,
                       ContractStatus.REPORT_DUE)
            and report is None and today > due_on)


def check_may_report(status: str, report: Mapping | None) -> None:
    if status not in (ContractStatus.IN_PROGRESS, ContractStatus.REPORT_DUE,
                      ContractStatus.SIGNED):
        raise Conflict("invalid_state", "Sprawozdanie składa się z realizowanej umowy.")
    if report is not None and report["status"] != ReportStatus.CORRECTIONS_REQUESTED:
        raise Conflict("report_already_submitted", "Sprawozdanie zostało już złożone.")


def check_report(expenses: Sequence[Mapping], awarded: Decimal) -> Decimal:
    """Expenses by source; the grant's part may not exceed the grant. Returns the unused
    part of the grant, to be returned."""
    from_grant = to_money(sum((e["amount"] for e in expenses if e["source"] == "grant"), ZERO))
    if from_grant > awarded:
        raise DomainError("grant_expenses_exceed_grant",
                          f"Wydatki z dotacji ({money(from_grant)}) przekraczają "
                          f"dotację ({money(awarded)}).", field="expenses")
    return to_money(awarded - from_grant)


def review_report(report: Mapping | None, accept: bool) -> str:
    if report is None or report["status"] != ReportStatus.SUBMITTED:
        raise Conflict("invalid_state", "Nie ma złożonego sprawozdania do oceny.")
    return ReportStatus.ACCEPTED if accept else ReportStatus.CORRECTIONS_REQUESTED


def check_may_settle(status: str, report: Mapping | None, unused: Decimal,
                     returned: Decimal) -> str:
    if status in (ContractStatus.SETTLED, ContractStatus.TERMINATED):
        raise Conflict("invalid_state", "Umowa jest już zamknięta.")
    if report is None or report["status"] != ReportStatus.ACCEPTED:
        raise Conflict("report_not_accepted", "Umowę rozlicza się po przyjęciu sprawozdania.")
    if returned != unused:
        raise DomainError("unused_funds_not_returned",
                          f"Do zwrotu jest {money(unused)} niewykorzystanej dotacji.",
                          field="returned_amount")
    return ContractStatus.SETTLED


def terminate_contract(status: str) -> str:
    return _transition(status, (ContractStatus.SIGNED, ContractStatus.IN_PROGRESS,
                                ContractStatus.REPORT_DUE), ContractStatus.TERMINATED, "Umowa")
