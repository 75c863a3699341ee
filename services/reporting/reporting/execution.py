"""The programme's execution: its funds per area, planned against awarded, paid and
returned, and its own measures, planned against achieved (art. 5a ust. 4 of the Act: the
programme states the funds planned and how its execution is evaluated).

Pure: the read models (`stats.Data`) and the year's `stats.summary`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reporting import stats
from reporting.stats import ZERO, amount, area_name, money
from wspolpraca.measures import INDICATORS

HUNDRED = Decimal(100)


def pct(part: Decimal, whole: Decimal) -> str | None:
    """`part` as a percentage of `whole`, two decimals; None without a whole."""
    return money(part * HUNDRED / whole) if whole else None


def programme_of(d: stats.Data, year: int) -> dict[str, Any] | None:
    """The year's programme: the adopted one (the newest adopted, should there be two),
    else the draft."""
    found = [p for p in d.programmes if p.get("year") == year]
    if not found:
        return None
    found.sort(key=lambda p: (p.get("status") == "adopted", p.get("adopted_at") or "",
                              p["_id"]))
    p = found[-1]
    resolution = p.get("resolution") or {}
    return {
        "id": p["_id"], "title": p.get("title"), "status": p.get("status"),
        "adopted_at": p.get("adopted_at"),
        "resolution_number": resolution.get("number"),
        "resolution_date": resolution.get("date"),
        "funds": [{"area": f.get("area"), "name": area_name(f.get("area")),
                   "amount": money(amount(f.get("amount")))} for f in p.get("funds") or []],
        "total_funds": p.get("total_funds"),
        "priority_tasks": p.get("priority_tasks") or [],
        "measures": p.get("measures") or [],
    }


def _awarded_by_area(summary: dict[str, Any]) -> dict[str, Decimal]:
    return {r["area"] or "": amount(r["awarded"]) + amount(r["small_grants_amount"])
            for r in summary["by_area"]}


def funds(d: stats.Data, year: int, summary: dict[str, Any],
          programme: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Per area: planned (the programme), awarded (competition grants and small grants of
    the programme year), paid (the amounts of the contracts signed and of the small grants
    awarded: the platform records no bank transfers), returned (unused funds returned on
    settlement) and the execution, awarded as a percentage of planned."""
    planned: dict[str, Decimal] = {}
    for f in (programme or {}).get("funds", []):
        planned[f["area"] or ""] = planned.get(f["area"] or "", ZERO) + amount(f["amount"])
    awarded = _awarded_by_area(summary)
    paid: dict[str, Decimal] = {}
    returned: dict[str, Decimal] = {}
    for c in d.contracts_of(year):
        area = (d.competitions.get(c.get("competition_id") or "") or {}).get("area") or ""
        if c.get("signed_at"):
            paid[area] = paid.get(area, ZERO) + amount(c.get("amount"))
        if c.get("settled_at"):
            returned[area] = returned.get(area, ZERO) + amount(c.get("returned_amount"))
    for g in d.small_grants_of(year):
        if g.get("status") == "awarded":
            area = g.get("area") or ""
            paid[area] = paid.get(area, ZERO) + amount(g.get("awarded_amount"))
    rows = []
    for code in sorted(set(planned) | set(awarded) | set(paid) | set(returned)):
        rows.append({
            "area": code or None, "name": area_name(code),
            "planned": money(planned.get(code, ZERO)),
            "awarded": money(awarded.get(code, ZERO)),
            "paid": money(paid.get(code, ZERO)),
            "returned": money(returned.get(code, ZERO)),
            "execution_pct": pct(awarded.get(code, ZERO), planned.get(code, ZERO)),
        })
    return rows


def achieved(summary: dict[str, Any], indicator: str, area: str | None) -> Decimal | None:
    """The value the platform counted for an indicator of the catalogue."""
    s = summary
    spec = INDICATORS.get(indicator)
    if spec is None:
        return None
    if spec.per_area and area:
        row = next((r for r in s["by_area"] if r["area"] == area), None)
        if row is None:
            return Decimal(0)
        return {
            "competitions_announced": Decimal(row["competitions"]),
            "offers_submitted": Decimal(row["offers_submitted"]),
            "offers_funded": Decimal(row["offers_funded"]),
            "small_grants_awarded": Decimal(row["small_grants"]),
            "funds_awarded": amount(row["awarded"]) + amount(row["small_grants_amount"]),
        }[indicator]
    c = s["cooperation"]
    return Decimal(str({
        "competitions_announced": s["competitions"]["announced"],
        "offers_submitted": s["offers"]["submitted"],
        "offers_funded": s["offers"]["funded"],
        "small_grants_awarded": s["small_grants"]["awarded"],
        "funds_awarded": amount(s["money"]["awarded"]) + amount(s["small_grants"]["amount"]),
        "contracts_signed": s["contracts"]["signed"],
        "organizations_cooperating": s["organizations"]["cooperating"],
        "consultations_held": s["consultations"]["held"],
        "council_opinions_issued": s["councils"]["opinions_issued"],
        "inquiries_answered": s["inquiries"]["answered"],
        "trainings_held": c["trainings_held"],
        "participants_registered": c["participants_registered"],
        "participants_attended": c["participants_attended"],
        "hours_lent": c["hours_lent"],
        "patronages_granted": c["patronages_granted"],
        "partnerships": c["partnerships"],
        "volunteering_posted": c["volunteering_posted"],
    }[indicator]))


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def measures(summary: dict[str, Any], programme: dict[str, Any] | None
             ) -> list[dict[str, Any]]:
    """The programme's measures with what was achieved (None where the platform does not
    count it: the officer fills it in) and the execution percentage."""
    rows = []
    for m in (programme or {}).get("measures", []):
        target = amount(m.get("target"))
        value = achieved(summary, m.get("indicator") or "", m.get("area"))
        rows.append({
            "name": m.get("name"), "unit": m.get("unit"), "area": m.get("area"),
            "area_name": area_name(m["area"]) if m.get("area") else "całe miasto",
            "indicator": m.get("indicator"),
            "target": _number(target), "achieved": _number(value),
            "execution_pct": pct(value, target) if value is not None else None,
        })
    return rows


def execution(d: stats.Data, year: int, summary: dict[str, Any],
              programme: dict[str, Any] | None) -> dict[str, Any]:
    rows = funds(d, year, summary, programme)
    total = {k: money(sum((amount(r[k]) for r in rows), ZERO))
             for k in ("planned", "awarded", "paid", "returned")}
    total["execution_pct"] = pct(amount(total["awarded"]), amount(total["planned"]))
    return {"funds": rows, "total": total, "measures": measures(summary, programme)}
