"""The figures of a year, computed from the read models (pure: any `find(collection)`).

The statistics API, the annual report and its every format all come from `summary`,
so their figures are equal by construction. Money is summed as `Decimal` and given
out as strings with two decimals; counts are integers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from functools import cached_property
from typing import Any, Protocol

from reporting import figures as kept
from reporting import projections as p
from wspolpraca.areas import AREAS_BY_CODE
from wspolpraca.fields import format_money

ZERO = Decimal("0.00")

PROGRAMME_YEAR = "programme_year"
CALENDAR_YEAR = "calendar_year"
COUNTED_BY: dict[str, str] = {
    "organizations": CALENDAR_YEAR, "competitions": PROGRAMME_YEAR,
    "offers": PROGRAMME_YEAR, "money": PROGRAMME_YEAR, "small_grants": PROGRAMME_YEAR,
    "contracts": PROGRAMME_YEAR, "by_area": PROGRAMME_YEAR, "grants": PROGRAMME_YEAR,
    "consultations": CALENDAR_YEAR, "councils": CALENDAR_YEAR, "inquiries": CALENDAR_YEAR,
    "cooperation": CALENDAR_YEAR, "by_department": CALENDAR_YEAR,
    "by_district": CALENDAR_YEAR,
}
"""Which "year" each figure of `summary` belongs to (docs/reporting.md says the same):

- the programme year Y: competitions and small grants for tasks of year Y (their `year`),
  their offers, awards, contracts, task reports and settlements, whenever the event
  happened (a contract signed in December Y-1 for a task of Y is Y's);
- the calendar year Y: what happens on a date (registrations and verifications,
  consultations opened, comments, council opinions requested, inquiries received or
  answered, rooms and equipment lent, patronages, trainings, partnerships, volunteering).

`organizations.cooperating` joins both: organisations with a grant of programme year Y or
a room or equipment lent in calendar year Y. The months follow each figure's own rule (see
`months`)."""


class Source(Protocol):
    def find(self, collection: str) -> list[dict[str, Any]]: ...

    def count_between(self, collection: str, field: str, low: str, high: str) -> int: ...


def _ascii_number(text: str) -> int | None:
    # not str.isdigit alone: it takes "¹" and other digits int() refuses
    return int(text) if text.isascii() and text.isdigit() else None


def year_of(value: Any) -> int | None:
    text = str(value or "")
    return _ascii_number(text[:4]) if len(text) >= 4 else None


def month_of(value: Any) -> int | None:
    text = str(value or "")
    return _ascii_number(text[5:7]) if len(text) >= 7 else None


def amount(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def area_name(code: str | None) -> str:
    area = AREAS_BY_CODE.get(code or "")
    return area.name if area else (code or "nieokreślony")


def days_between(start: str, end: str) -> float | None:
    delta = kept.span(start, end)
    return None if delta is None else delta.total_seconds() / 86400


class Data:
    """The read models a year's figures need, each loaded once when first asked for (the
    report does not read organisations, inquiries or comments: their sums are kept)."""

    def __init__(self, source: Source) -> None:
        self.source = source

    @cached_property
    def organizations(self) -> list[dict[str, Any]]:
        return self.source.find(p.ORGANIZATIONS)

    @cached_property
    def competitions(self) -> dict[str, dict[str, Any]]:
        return {c["_id"]: c for c in self.source.find(p.COMPETITIONS)}

    @cached_property
    def offers(self) -> list[dict[str, Any]]:
        return self.source.find(p.OFFERS)

    @cached_property
    def small_grants(self) -> list[dict[str, Any]]:
        return self.source.find(p.SMALL_GRANTS)

    @cached_property
    def consultations(self) -> list[dict[str, Any]]:
        return self.source.find(p.CONSULTATIONS)

    @cached_property
    def councils(self) -> list[dict[str, Any]]:
        return self.source.find(p.COUNCILS)

    @cached_property
    def opinions(self) -> list[dict[str, Any]]:
        return self.source.find(p.OPINIONS)

    @cached_property
    def inquiries(self) -> list[dict[str, Any]]:
        return self.source.find(p.INQUIRIES)

    @cached_property
    def contracts(self) -> list[dict[str, Any]]:
        return self.source.find(p.CONTRACTS)

    @cached_property
    def task_reports(self) -> list[dict[str, Any]]:
        return self.source.find(p.TASK_REPORTS)

    @cached_property
    def bookings(self) -> list[dict[str, Any]]:
        return self.source.find(p.BOOKINGS)

    @cached_property
    def patronages(self) -> list[dict[str, Any]]:
        return self.source.find(p.PATRONAGES)

    @cached_property
    def partnerships(self) -> list[dict[str, Any]]:
        return self.source.find(p.PARTNERSHIPS)

    @cached_property
    def trainings(self) -> list[dict[str, Any]]:
        return self.source.find(p.TRAININGS)

    @cached_property
    def volunteering(self) -> list[dict[str, Any]]:
        return self.source.find(p.VOLUNTEERING)

    @cached_property
    def programmes(self) -> list[dict[str, Any]]:
        return self.source.find(p.PROGRAMMES)

    @cached_property
    def org_names(self) -> dict[str, Any]:
        return {o["_id"]: o.get("name") for o in self.organizations}

    def names_of(self, ids: set[str]) -> dict[str, Any]:
        """The names of these organisations: from the organisations when they are loaded
        anyway, else from the names kept as the events arrive (`figures.names`)."""
        if "organizations" in self.__dict__:
            return {i: self.org_names.get(i) for i in ids}
        return kept.names(self.source, ids)

    @cached_property
    def offers_by_id(self) -> dict[str, dict[str, Any]]:
        return {o["_id"]: o for o in self.offers}

    @cached_property
    def contracts_by_id(self) -> dict[str, dict[str, Any]]:
        return {c["_id"]: c for c in self.contracts}

    def offer_competition(self, offer: dict[str, Any]) -> dict[str, Any]:
        return self.competitions.get(offer.get("competition_id") or "", {})

    def offer_year(self, offer: dict[str, Any]) -> int | None:
        return self.offer_competition(offer).get("year") or offer.get("year")

    def offer_area(self, offer: dict[str, Any]) -> str | None:
        return self.offer_competition(offer).get("area") or offer.get("area")

    def offer_mode(self, offer: dict[str, Any]) -> str | None:
        return self.offer_competition(offer).get("mode")

    def offers_of(self, year: int) -> list[dict[str, Any]]:
        return [o for o in self.offers if self.offer_year(o) == year]

    def small_grants_of(self, year: int) -> list[dict[str, Any]]:
        return [g for g in self.small_grants
                if (g.get("year") or year_of(g.get("submitted_at") or g.get("first_seen_at")))
                == year]

    def contract_year(self, contract: dict[str, Any]) -> int | None:
        """The programme year of a contract: its competition's (or offer's) year, whenever it
        was signed; the year its task starts, or was signed, when neither is known yet."""
        competition = self.competitions.get(contract.get("competition_id") or "")
        if competition and competition.get("year"):
            return competition["year"]
        offer = self.offers_by_id.get(contract.get("offer_id") or "")
        return ((offer and self.offer_year(offer)) or year_of(contract.get("task_start"))
                or year_of(contract.get("signed_at")))

    def contracts_of(self, year: int) -> list[dict[str, Any]]:
        return [c for c in self.contracts if self.contract_year(c) == year]

    def task_reports_of(self, year: int) -> list[dict[str, Any]]:
        """Task reports of the year's contracts (a report is keyed by its contract's id)."""
        result = []
        for r in self.task_reports:
            contract = self.contracts_by_id.get(r["_id"])
            moment = r.get("submitted_at") or r.get("accepted_at") or r.get("overdue_at")
            if (self.contract_year(contract) if contract else year_of(moment)) == year:
                result.append(r)
        return result


def money(value: Decimal) -> str:
    return format_money(value)


def calendar_from_projections(d: Data, year: int) -> dict[str, Any]:
    """The organisations', inquiries' and comments' figures of the year, computed from their
    read models (what `calendar_from_sums` keeps as the events arrive: a test holds the two
    equal, and the rebuild makes both from the same log)."""
    registered = [o for o in d.organizations
                  if year_of(o.get("registered_at") or o.get("first_seen_at")) == year]
    received = [i for i in d.inquiries if year_of(i.get("received_at")) == year]
    answered = [i for i in d.inquiries if year_of(i.get("answered_at")) == year]
    response_days = [x for x in (days_between(i.get("received_at"), i.get("answered_at"))
                                 for i in answered) if x is not None]
    by_month = [0] * 12
    for o in registered:
        month = month_of(o.get("registered_at") or o.get("first_seen_at"))
        if month and 1 <= month <= 12:
            by_month[month - 1] += 1
    return {
        "registered": len(registered),
        "verified": sum(year_of(o.get("verified_at")) == year for o in d.organizations),
        "total_verified": sum(o.get("status") == "verified" for o in d.organizations),
        "registered_by_month": by_month,
        "comments_by_month": [
            d.source.count_between(p.COMMENTS, "submitted_at", f"{year}-{m:02d}",
                                   f"{year + m // 12}-{m % 12 + 1:02d}")
            for m in range(1, 13)],
        "received": len(received),
        "answered": len(answered),
        "answered_on_time": sum(i.get("on_time") is True for i in answered),
        "mean_response_days": (round(sum(response_days) / len(response_days), 1)
                               if response_days else None),
        "by_department": by_department(received, answered),
        "by_district": by_district(registered),
    }


def calendar_from_sums(d: Data, year: int) -> dict[str, Any]:
    """The same figures from the sums kept as the events arrive (`reporting.figures`)."""
    sums = kept.sums(d.source, year)
    responses = sums[kept.RESPONSES]
    received = kept.prefixed(sums, "department|received")
    answered = kept.prefixed(sums, "department|answered")
    districts = kept.prefixed(sums, "district")
    return {
        "registered": sums[kept.REGISTERED],
        "verified": sums[kept.VERIFIED],
        "total_verified": kept.sums(d.source, kept.EVERY_YEAR)[kept.TOTAL_VERIFIED],
        "registered_by_month": [sums[kept.registered_in(m)] for m in range(1, 13)],
        "comments_by_month": [sums[kept.comments_in(m)] for m in range(1, 13)],
        "received": sums[kept.RECEIVED],
        "answered": sums[kept.ANSWERED],
        "answered_on_time": sums[kept.ON_TIME],
        "mean_response_days": (round(sums[kept.RESPONSE_MS] / 86_400_000 / responses, 1)
                               if responses else None),
        "by_department": [{"department": code or None, "received": received.get(code, 0),
                           "answered": answered.get(code, 0)}
                          for code in sorted(set(received) | set(answered))],
        "by_district": [{"district": code or None, "organizations_registered": districts[code]}
                        for code in sorted(districts)],
    }


def summary(source: Source, year: int, data: Data | None = None, *,
            kept_sums: bool = True) -> dict[str, Any]:
    """`kept_sums=False` computes the organisations', inquiries' and comments' figures from
    their read models instead of their kept sums (the same figures, slower)."""
    d = data or Data(source)
    calendar = (calendar_from_sums if kept_sums else calendar_from_projections)(d, year)
    competitions = [c for c in d.competitions.values() if c.get("year") == year]
    announced = [c for c in competitions if c.get("announced_at")]
    resolved = [c for c in competitions if c.get("status") == "resolved"]
    cancelled = [c for c in competitions if c.get("status") == "cancelled"]
    offers = d.offers_of(year)
    counted = [o for o in offers if o.get("status") != "withdrawn"]
    funded = [o for o in offers if o.get("status") == "funded"]
    not_funded = [o for o in offers if o.get("status") == "not_funded"]
    requested = sum((amount(o.get("requested_amount")) for o in counted), ZERO)
    awarded = sum((amount(o.get("awarded_amount")) for o in funded), ZERO)
    small = d.small_grants_of(year)
    small_awarded = [g for g in small if g.get("status") == "awarded"]
    small_amount = sum((amount(g.get("awarded_amount")) for g in small_awarded), ZERO)
    all_grants = awarded + small_amount
    share = (small_amount * 100 / all_grants).quantize(Decimal("0.01")) if all_grants else ZERO
    consultations = [c for c in d.consultations if year_of(c.get("opens_at")) == year]
    comments_by_month = calendar["comments_by_month"]
    opinions = [o for o in d.opinions if year_of(o.get("requested_at")) == year]
    contracts = d.contracts_of(year)
    contracts_signed = [c for c in contracts if c.get("signed_at")]
    contracts_settled = [c for c in contracts if c.get("settled_at")]
    task_reports = d.task_reports_of(year)
    bookings = [b for b in d.bookings
                if b.get("status") == "approved" and year_of(b.get("starts_at")) == year]
    patronages = [x for x in d.patronages
                  if x.get("status") == "granted" and year_of(x.get("starts_at")) == year]
    partnerships = [x for x in d.partnerships
                    if year_of(x.get("starts_on") or x.get("signed_at")) == year]
    cooperating = ({o.get("organization_id") for o in funded}
                   | {g.get("organization_id") for g in small_awarded}
                   | {b.get("organization_id") for b in bookings}) - {None}

    return {
        "year": year,
        "organizations": {
            "registered": calendar["registered"],
            "verified": calendar["verified"],
            "total_verified": calendar["total_verified"],
            "cooperating": len(cooperating),
        },
        "competitions": {"announced": len(announced), "resolved": len(resolved),
                         "cancelled": len(cancelled)},
        "offers": {
            "submitted": len(offers),
            "funded": len(funded),
            "not_funded": len(not_funded),
            "withdrawn": sum(o.get("status") == "withdrawn" for o in offers),
            "rejected_formally": sum(o.get("status") == "rejected_formally" for o in offers),
            "under_evaluation": sum(o.get("status") == "submitted" for o in offers),
        },
        "money": {
            "requested": money(requested),
            "awarded": money(awarded),
            "by_mode": {
                mode: money(sum((amount(o.get("awarded_amount")) for o in funded
                                 if d.offer_mode(o) == mode), ZERO))
                for mode in ("supporting", "entrusting")
            },
        },
        "small_grants": {
            "submitted": len(small),
            "awarded": len(small_awarded),
            "amount": money(small_amount),
            "share_of_grant_funds_pct": money(share),
        },
        "contracts": {
            "signed": len(contracts_signed),
            "amount": money(sum((amount(c.get("amount")) for c in contracts_signed), ZERO)),
            "terminated": sum(bool(c.get("terminated_at")) for c in contracts),
            "settled": len(contracts_settled),
            "returned": money(sum((amount(c.get("returned_amount"))
                                   for c in contracts_settled), ZERO)),
            "reports_submitted": sum(bool(r.get("submitted_at")) for r in task_reports),
            "reports_accepted": sum(bool(r.get("accepted_at")) for r in task_reports),
            "reports_overdue": sum(bool(r.get("overdue_at")) for r in task_reports),
        },
        "consultations": {
            "held": len(consultations),
            "comments": sum(comments_by_month),
            "reports_published": sum(c.get("status") == "report_published"
                                     for c in consultations),
        },
        "councils": {
            "active": sum(1 for c in d.councils
                          if (year_of(c.get("term_start")) or 0) <= year
                          <= (year_of(c.get("term_end")) or 9999)),
            "opinions_requested": len(opinions),
            "opinions_issued": sum(o.get("status") == "issued" for o in opinions),
            "opinions_lapsed": sum(o.get("status") == "lapsed" for o in opinions),
        },
        "inquiries": {
            "received": calendar["received"],
            "answered": calendar["answered"],
            "answered_on_time": calendar["answered_on_time"],
            "mean_response_days": calendar["mean_response_days"],
        },
        "cooperation": cooperation(d, year, bookings, patronages, partnerships),
        "by_area": by_area(d, year, competitions, offers, small),
        "by_department": calendar["by_department"],
        "by_district": calendar["by_district"],
        **months(year, calendar["registered_by_month"], offers, small_awarded,
                 contracts_signed, comments_by_month),
    }


def hours(bookings: list[dict[str, Any]]) -> float:
    """The hours of the bookings, summed exactly (each is given with two decimals)."""
    total = sum((Decimal(str(b.get("hours") or 0)) for b in bookings), Decimal("0"))
    return float(total.quantize(Decimal("0.01")))


def cooperation(d: Data, year: int, bookings, patronages, partnerships) -> dict[str, Any]:
    """The non-financial forms of cooperation: rooms and equipment lent (approved bookings
    not cancelled, by the year they start in, with their hours), patronage and promotion
    granted, trainings and city events held (not cancelled) with the people registered and,
    where attendance was recorded, who attended, partnerships, volunteering needs."""
    rooms = [b for b in bookings if b.get("resource_kind") == "room"]
    equipment = [b for b in bookings if b.get("resource_kind") == "equipment"]
    trainings = [t for t in d.trainings
                 if t.get("status") != "cancelled" and year_of(t.get("starts_at")) == year]
    recorded = [t for t in trainings if t.get("attended") is not None]
    volunteering = [v for v in d.volunteering if year_of(v.get("posted_at")) == year]
    return {
        "bookings_approved": len(bookings),
        "rooms_lent": len(rooms),
        "room_hours": hours(rooms),
        "equipment_lent": len(equipment),
        "equipment_hours": hours(equipment),
        "hours_lent": hours(bookings),
        "patronages_granted": len(patronages),
        "mayor_patronages": sum(x.get("kind") == "patronage" for x in patronages),
        "promotions": sum(x.get("kind") == "promotion" for x in patronages),
        "trainings_held": len(trainings),
        "training_sessions": sum(t.get("kind") == "training" for t in trainings),
        "consultancy_hours_sessions": sum(t.get("kind") == "consultancy" for t in trainings),
        "city_events": sum(t.get("kind") == "event" for t in trainings),
        "participants_registered": sum(int(t.get("seats_taken") or 0) for t in trainings),
        "trainings_with_attendance": len(recorded),
        "participants_attended": sum(int(t.get("attended") or 0) for t in recorded),
        "partnerships": len(partnerships),
        "volunteering_posted": len(volunteering),
        "volunteers_needed": sum(int(v.get("volunteers_needed") or 0) for v in volunteering),
    }


def by_area(d: Data, year: int, competitions, offers, small) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "competitions": 0, "offers_submitted": 0, "offers_funded": 0, "offers_not_funded": 0,
        "requested": ZERO, "awarded": ZERO, "small_grants": 0, "small_grants_amount": ZERO,
    })
    for c in competitions:
        if c.get("announced_at"):
            rows[c.get("area") or ""]["competitions"] += 1
    for o in offers:
        row = rows[d.offer_area(o) or ""]
        row["offers_submitted"] += 1
        if o.get("status") != "withdrawn":
            row["requested"] += amount(o.get("requested_amount"))
        if o.get("status") == "funded":
            row["offers_funded"] += 1
            row["awarded"] += amount(o.get("awarded_amount"))
        if o.get("status") == "not_funded":
            row["offers_not_funded"] += 1
    for g in small:
        if g.get("status") == "awarded":
            row = rows[g.get("area") or ""]
            row["small_grants"] += 1
            row["small_grants_amount"] += amount(g.get("awarded_amount"))
    result = []
    for code in sorted(rows):
        row = rows[code]
        result.append({
            "area": code or None, "name": area_name(code),
            **{k: (money(v) if isinstance(v, Decimal) else v) for k, v in row.items()},
        })
    return result


def by_department(received, answered) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"received": 0, "answered": 0})
    for i in received:
        rows[i.get("department") or ""]["received"] += 1
    for i in answered:
        rows[i.get("department") or ""]["answered"] += 1
    return [{"department": code or None, **rows[code]} for code in sorted(rows)]


def by_district(registered) -> list[dict[str, Any]]:
    counts = Counter(o.get("district") or "" for o in registered)
    return [{"district": code or None, "organizations_registered": counts[code]}
            for code in sorted(counts)]


MONTH_COUNTS = ("organizations_registered", "offers_submitted", "offers_funded",
                "contracts_signed", "comments")
MONTH_AMOUNTS = ("awarded", "small_grants_amount")


def months(year: int, registered_by_month: list[int], offers, small_awarded,
           contracts_signed, comments_by_month) -> dict[str, Any]:
    """Month by month, by the date of each event, with the rules of the figures above:
    the programme year's offers, awards and contracts (and only they) may fall before
    January or after December of the year (an offer filed in December for next year's
    task): those are in `outside_year` (`before`, `after`), so the months and the two
    rows add up to the year's totals. Registrations and comments are the calendar year's."""
    def empty() -> dict[str, Any]:
        return {**{k: 0 for k in MONTH_COUNTS}, **{k: ZERO for k in MONTH_AMOUNTS}}

    rows = [{"month": m, **empty()} for m in range(1, 13)]
    outside = {"before": empty(), "after": empty()}

    def row(value: Any) -> dict[str, Any] | None:
        at = year_of(value)
        if at is None:
            return None
        if at != year:
            return outside["before" if at < year else "after"]
        m = month_of(value)
        return rows[m - 1] if m and 1 <= m <= 12 else None

    for r, count in zip(rows, registered_by_month, strict=True):
        r["organizations_registered"] = count
    for o in offers:
        if (r := row(o.get("submitted_at"))) is not None:
            r["offers_submitted"] += 1
        if o.get("status") == "funded" and (r := row(o.get("awarded_at"))) is not None:
            r["offers_funded"] += 1
            r["awarded"] += amount(o.get("awarded_amount"))
    for g in small_awarded:
        if (r := row(g.get("awarded_at"))) is not None:
            r["small_grants_amount"] += amount(g.get("awarded_amount"))
    for c in contracts_signed:
        if (r := row(c.get("signed_at"))) is not None:
            r["contracts_signed"] += 1
    for r, count in zip(rows, comments_by_month, strict=True):
        r["comments"] = count

    def out(r: dict[str, Any]) -> dict[str, Any]:
        return {k: (money(v) if isinstance(v, Decimal) else v) for k, v in r.items()}

    return {"months": [out(r) for r in rows],
            "outside_year": {name: out(r) for name, r in outside.items()}}


def grants(source: Source, year: int, area: str | None = None,
           organization_id: str | None = None, data: Data | None = None) -> dict[str, Any]:
    """What the city gave, to whom, for what: every award of the year, per organisation
    and per area."""
    d = data or Data(source)
    items = []
    for o in d.offers_of(year):
        if o.get("status") != "funded":
            continue
        competition = d.offer_competition(o)
        items.append({
            "kind": "competition", "id": o["_id"], "title": o.get("title"),
            "organization_id": o.get("organization_id"), "area": d.offer_area(o),
            "competition_id": o.get("competition_id"),
            "competition_title": competition.get("title"), "mode": competition.get("mode"),
            "requested": amount(o.get("requested_amount")),
            "amount": amount(o.get("awarded_amount")),
        })
    for g in d.small_grants_of(year):
        if g.get("status") != "awarded":
            continue
        items.append({
            "kind": "small_grant", "id": g["_id"], "title": g.get("title"),
            "organization_id": g.get("organization_id"), "area": g.get("area"),
            "competition_id": None, "competition_title": None, "mode": None,
            "requested": amount(g.get("requested_amount")),
            "amount": amount(g.get("awarded_amount")),
        })
    if area:
        items = [i for i in items if i["area"] == area]
    if organization_id:
        items = [i for i in items if i["organization_id"] == organization_id]
    names = d.names_of({i["organization_id"] for i in items if i["organization_id"]})
    items.sort(key=lambda i: (names.get(i["organization_id"]) or "", i["id"]))

    per_org: dict[str, dict[str, Any]] = {}
    per_area: dict[str, dict[str, Any]] = {}
    for i in items:
        org = per_org.setdefault(i["organization_id"] or "", {
            "organization_id": i["organization_id"],
            "name": names.get(i["organization_id"]),
            "grants": 0, "amount": ZERO, "items": []})
        org["grants"] += 1
        org["amount"] += i["amount"]
        org["items"].append({**i, "requested": money(i["requested"]),
                             "amount": money(i["amount"])})
        ar = per_area.setdefault(i["area"] or "", {
            "area": i["area"], "name": area_name(i["area"]), "grants": 0,
            "organizations": set(), "amount": ZERO})
        ar["grants"] += 1
        ar["organizations"].add(i["organization_id"])
        ar["amount"] += i["amount"]
    total = sum((i["amount"] for i in items), ZERO)
    return {
        "year": year,
        "total": money(total),
        "grants": len(items),
        "organizations": sorted(
            ({**o, "amount": money(o["amount"])} for o in per_org.values()),
            key=lambda o: (-Decimal(o["amount"]), o["name"] or "")),
        "areas": sorted(
            ({**a, "organizations": len(a["organizations"]), "amount": money(a["amount"])}
             for a in per_area.values()),
            key=lambda a: (-Decimal(a["amount"]), a["area"] or "")),
    }
