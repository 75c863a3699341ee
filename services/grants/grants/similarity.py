"""Similar applications and double funding: the rules of coordination across departments.

One organisation may apply to several departments' competitions and for small grants; the
liaison office must see when two of its applications describe the same project for the
same time, so that the city does not fund the same costs twice ("oferty/projekty się nie
dublują"). Two applications of one organisation are *similar* when their task periods
overlap and their content is alike: the title and the description (fuzzy matching on text
folded for case and Polish diacritics), the cost items (the same names with the same
amounts), the place and the beneficiaries where both recorded them.

A match never rejects anything: a person decides (joint or continued projects are
legitimate). Confirming results, or awarding a small grant, that would fund the same costs
twice needs an explicit acknowledgement with a reason.

Pure Python, no I/O. Every reason is plain Polish, as the officer and the committee read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rapidfuzz import fuzz

from wspolpraca.errors import DomainError
from wspolpraca.text import search_key

# a text (title, description) counts as the same from this ratio, as similar from the next
SAME_TEXT = 95
SIMILAR_TEXT = 75
# two cost items are the same when their names are this alike and their amounts equal
SAME_COST_NAME = 90
# at least this many cost items, and half of them, shared make two applications similar
SAME_COSTS_FROM = 2
# an application alike in words is listed as similar from this score (0-100)
SIMILAR_FROM = 60
# a funded match with no shared cost item still counts as double funding from this score
DOUBLE_FUNDING_SCORE = 80
# the weights of the parts of the score; a part only one side recorded is left out
WEIGHTS = {"title": 40, "description": 20, "costs": 30, "place": 5, "beneficiaries": 5}

# statuses of an application that is funded, or may still be
FUNDED = frozenset({"funded", "awarded"})
IGNORED = frozenset({"withdrawn"})


@dataclass(frozen=True)
class Application:
    """What the comparison reads of an offer or a small-grant application."""

    kind: str  # "offer" | "small_grant"
    id: str
    organization_id: str
    title: str
    task_start: date
    task_end: date
    cost_items: tuple[tuple[str, Decimal], ...] = ()
    description: str | None = None
    place: str | None = None
    beneficiaries: str | None = None
    requested_amount: Decimal | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


@dataclass(frozen=True)
class Match:
    """Another application similar to the one compared, seen from the one compared."""

    kind: str
    id: str
    score: int
    reasons: tuple[str, ...]
    shared_costs: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.id)


def text_ratio(a: str | None, b: str | None) -> int | None:
    """How alike two texts are (0-100) once folded; None when either is missing."""
    if not a or not b or not a.strip() or not b.strip():
        return None
    left, right = search_key(a), search_key(b)
    # the order of words matters little, a word added less than in token_set_ratio alone
    return round((fuzz.token_sort_ratio(left, right) + fuzz.token_set_ratio(left, right)) / 2)


def periods_overlap(a: Application, b: Application) -> bool:
    return a.task_start <= b.task_end and b.task_start <= a.task_end


def shared_cost_items(a: Sequence[tuple[str, Decimal]],
                      b: Sequence[tuple[str, Decimal]]) -> int:
    """How many of `a`'s cost items `b` has too: a name this alike and the same amount, each
    item of `b` used once."""
    unused = [(search_key(name), amount) for name, amount in b]
    shared = 0
    for name, amount in a:
        folded = search_key(name)
        for index, (other, other_amount) in enumerate(unused):
            if other_amount == amount and fuzz.ratio(folded, other) >= SAME_COST_NAME:
                shared += 1
                del unused[index]
                break
    return shared


def _text_reason(ratio: int | None, same: str, similar: str) -> str | None:
    if ratio is None or ratio < SIMILAR_TEXT:
        return None
    return same if ratio >= SAME_TEXT else f"{similar} ({ratio}%)"


def compare(application: Application, other: Application) -> Match | None:
    """`other` as a match of `application`, or None when they are not similar: another
    organisation, the same application, periods that do not overlap, or content too unlike."""
    if other.key == application.key or other.organization_id != application.organization_id:
        return None
    if not periods_overlap(application, other):
        return None
    title = text_ratio(application.title, other.title) or 0
    description = text_ratio(application.description, other.description)
    place = text_ratio(application.place, other.place)
    beneficiaries = text_ratio(application.beneficiaries, other.beneficiaries)
    shared = shared_cost_items(application.cost_items, other.cost_items)
    items = max(len(application.cost_items), len(other.cost_items))
    parts = {"title": title / 100, "costs": shared / items if items else 0.0}
    if description is not None:
        parts["description"] = description / 100
    for name, ratio in (("place", place), ("beneficiaries", beneficiaries)):
        if ratio is not None:  # the same place or people, or not
            parts[name] = 1.0 if ratio >= SAME_COST_NAME else 0.0
    score = round(100 * sum(WEIGHTS[n] * v for n, v in parts.items())
                  / sum(WEIGHTS[n] for n in parts))
    # alike in words and in the score overall, or funding the same costs whatever the words
    same_costs = shared >= SAME_COSTS_FROM and 2 * shared >= items
    same_words = title >= SIMILAR_TEXT or (description or 0) >= SIMILAR_TEXT
    if not same_costs and not (same_words and score >= SIMILAR_FROM):
        return None
    reasons = [r for r in (
        _text_reason(title, "ten sam tytuł", "podobny tytuł"),
        _text_reason(description, "ten sam opis", "podobny opis"),
        "pokrywające się terminy",
        f"te same pozycje kosztorysu: {shared} z {len(application.cost_items)}"
        if shared else None,
        "ta sama wnioskowana kwota" if application.requested_amount is not None
        and application.requested_amount == other.requested_amount else None,
        "to samo miejsce realizacji" if place is not None and place >= SAME_COST_NAME else None,
        "ci sami odbiorcy" if beneficiaries is not None and beneficiaries >= SAME_COST_NAME
        else None,
    ) if r]
    return Match(other.kind, other.id, score, tuple(reasons), shared)


def find_similar(application: Application, candidates: Iterable[Application]) -> list[Match]:
    """The organisation's applications similar to `application`, best first."""
    found = [m for m in (compare(application, c) for c in candidates) if m is not None]
    return sorted(found, key=lambda m: (-m.score, m.kind, m.id))


@dataclass
class Overlap:
    """A funded (or being funded) application that a new award would fund again."""

    id: str  # the application about to be funded
    matches: list[Match] = field(default_factory=list)
    kind: str = "offer"  # "offer" | "small_grant"


def double_funding(awarded: Iterable[str], matches: Mapping[str, Sequence[Match]],
                   statuses: Mapping[tuple[str, str], str],
                   kind: str = "offer") -> list[Overlap]:
    """The applications of `kind` about to be funded (offers in a results confirmation, or a
    small grant) whose similar applications are funded already, or are funded by the same
    decision, with the same costs (a shared cost item, or a score this high): each would fund
    the same costs twice."""
    funding = set(awarded)
    funding_now = {(kind, application_id) for application_id in funding}
    overlaps = []
    for application_id in sorted(funding):
        found = [m for m in matches.get(application_id, ())
                 if (statuses.get(m.key) in FUNDED or m.key in funding_now)
                 and (m.shared_costs > 0 or m.score >= DOUBLE_FUNDING_SCORE)]
        if found:
            overlaps.append(Overlap(application_id, found, kind))
    return overlaps


NAMED = {"offer": "Oferta", "small_grant": "Oferta w trybie małej dotacji"}


def check_acknowledged(overlaps: Sequence[Overlap], acknowledged: Mapping[str, str],
                       describe: Mapping[tuple[str, str], str],
                       field_name: str = "acknowledged_overlaps") -> None:
    """Every overlap acknowledged with a reason (keyed by the funded application's id);
    otherwise a 422 that names them under `field_name`, the field the reason goes in."""
    missing = [o for o in overlaps if not (acknowledged.get(o.id) or "").strip()]
    if not missing:
        return
    messages = [f"{NAMED[o.kind]} {o.id} sfinansowałaby ponownie te same koszty co: "
                + "; ".join(f"{describe.get(m.key, m.id)} ({', '.join(m.reasons)})"
                            for m in o.matches) + "." for o in missing]
    raise DomainError(
        "double_funding_not_acknowledged",
        "Dotacja sfinansowałaby dwa razy te same koszty: potwierdź to świadomie, podając "
        f"powód w „{field_name}”.",
        fields={field_name: messages})


def warnings(matches: Sequence[Match], describe: Mapping[tuple[str, str], str]) -> list[str]:
    """What the formal check shows beside the offer (never a rejection)."""
    if not matches:
        return []
    listed = "; ".join(f"{describe.get(m.key, m.id)}: {m.score}% ({', '.join(m.reasons)})"
                       for m in matches)
    return [f"possible_double_funding: ta organizacja złożyła podobne wnioski na pokrywający "
            f"się okres ({listed}). Sprawdź, czy nie finansują tych samych kosztów."]
