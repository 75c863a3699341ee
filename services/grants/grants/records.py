"""Pure functions that turn validated input into stored records and event payloads, and
stored records back into the typed values the domain works with.

Money is stored as a string with two decimals ("1234.50") and, where the database must
compare it (the programme's funds), as whole grosze too. Dates are "YYYY-MM-DD" strings.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from grants import domain
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.envelope import format_time
from wspolpraca.fields import format_money, to_money
from wspolpraca.pagination import new_id
from wspolpraca.payloads import record_payload
from wspolpraca.repository import first_version


def money(value: Decimal) -> str:
    return format_money(value)


def optional_money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


# --- programmes ---------------------------------------------------------------------------


def _funds(funds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"area": f["area"], "amount": money(f["amount"]),
             "planned_grosze": domain.grosze(f["amount"]), "committed_grosze": 0,
             "available_grosze": domain.grosze(f["amount"])} for f in funds]


_PROGRAMME_FIELDS = {
    "title": lambda title: title,
    "goals": lambda goals: goals,
    "priority_tasks": lambda tasks: tasks,
    "funds": _funds,
    "resolution": lambda resolution: {"number": resolution["number"],
                                      "date": resolution["date"].isoformat()}
    if resolution else None,
    "measures": lambda measures: [
        {"name": m["name"], "unit": m["unit"], "target": f"{m['target']:f}",
         "area": m.get("area"), "indicator": m.get("indicator")} for m in measures or []],
}


def programme_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The programme's content from a validated body: only the fields the body gives (a
    draft's funds are planned, nothing is committed before adoption)."""
    found = {name: convert(data[name]) for name, convert in _PROGRAMME_FIELDS.items()
             if name in data}
    if "funds" in found:
        found["total_grosze"] = sum(f["planned_grosze"] for f in found["funds"])
    return found


def new_programme(data: dict[str, Any], created_by: str, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "year": data["year"],
        **programme_fields(data),
        "status": domain.ProgrammeStatus.DRAFT.value,
        "created_by": created_by,
        "adopted_at": None,
        "created_at": now,
        "updated_at": now,
        "version": 0,
    }


def fund_of(programme: dict[str, Any], area: str) -> dict[str, Any] | None:
    return next((f for f in programme["funds"] if f["area"] == area), None)


def programme_view(record: dict[str, Any], warnings: list[str],
                   deadline: date) -> dict[str, Any]:
    funds = [{"area": f["area"], "amount": domain.from_grosze(f["planned_grosze"]),
              "committed": domain.from_grosze(f["committed_grosze"]),
              "remaining": domain.from_grosze(f["available_grosze"])} for f in record["funds"]]
    return {**record, "funds": funds, "total_funds": domain.from_grosze(record["total_grosze"]),
            "warnings": warnings, "adoption_deadline": deadline}


def programme_payload(record: dict[str, Any]) -> dict[str, Any]:
    # resolution, priority_tasks and measures: the programme's contents the annual report
    # needs (art. 5a ust. 4); optional, absent from programmes drafted before they were
    # recorded
    return record_payload(record, """
        year title status funds total_funds adopted_at?:time resolution? priority_tasks
        measures
    """,
        funds=[{"area": f["area"], "amount": f["amount"]} for f in record["funds"]],
        total_funds=money(domain.from_grosze(record["total_grosze"])),
        priority_tasks=record.get("priority_tasks") or [],
        measures=record.get("measures") or [])


# --- competitions -------------------------------------------------------------------------


def new_competition(data: dict[str, Any], programme_id: str, created_by: str,
                    now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "year": data["task_start"].year,
        "programme_id": programme_id,
        "title": data["title"],
        "area": data["area"],
        "mode": data["mode"],
        "budget": money(data["budget"]),
        "budget_grosze": domain.grosze(data["budget"]),
        "submission_deadline": data["submission_deadline"],
        "task_start": day(data["task_start"]),
        "task_end": day(data["task_end"]),
        "min_own_contribution_pct": str(data["min_own_contribution_pct"]),
        "criteria": data["criteria"],
        "task_description": data.get("task_description"),
        "award_rules": data.get("award_rules"),
        "delivery_conditions": data.get("delivery_conditions"),
        "selection_deadline": day(data.get("selection_deadline")),
        "funds_spent_this_year": optional_money(data.get("funds_spent_this_year")),
        "funds_spent_last_year": optional_money(data.get("funds_spent_last_year")),
        "status": domain.CompetitionStatus.DRAFT.value,
        "funds_committed": False,
        "published_at": None,
        "closed_at": None,
        "resolved_at": None,
        "cancel_reason": None,
        "awarded": None,
        **first_version(now, "created_by", created_by),
    }


def competition_terms(record: dict[str, Any]) -> dict[str, Any]:
    """The stored competition with typed values for the domain."""
    return {
        **record,
        "budget": Decimal(record["budget"]),
        "task_start": date.fromisoformat(record["task_start"]),
        "task_end": date.fromisoformat(record["task_end"]),
        "min_own_contribution_pct": Decimal(record["min_own_contribution_pct"]),
    }


def department_of(competition: dict[str, Any]) -> str:
    """Who runs the competition (one drafted before departments were named: the office)."""
    return competition.get("department") or LIAISON_OFFICE


def competition_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    payload = {
        "id": record["_id"],
        "department": department_of(record),
        "year": record["year"],
        "title": record["title"],
        "area": record["area"],
        "mode": record["mode"],
        "budget": record["budget"],
        "status": record["status"],
        "submission_deadline": format_time(record["submission_deadline"]),
        "task_start": record["task_start"],
        "task_end": record["task_end"],
        "min_own_contribution_pct": record["min_own_contribution_pct"],
        "criteria": [{"name": c["name"], "max_points": c["max_points"]}
                     for c in record["criteria"]],
        "published_at": format_time(record["published_at"]) if record.get("published_at")
        else None,
    }
    payload.update(extra)
    return payload


# --- offers -------------------------------------------------------------------------------


def _own_contribution(own: dict[str, Any]) -> dict[str, Any]:
    stored = {"financial": money(own["financial"]), "non_financial": money(own["non_financial"]),
              "volunteer_work": None}
    volunteers = own.get("volunteer_work")
    if volunteers:
        stored["volunteer_work"] = {
            "hours": str(volunteers["hours"]), "hourly_rate": money(volunteers["hourly_rate"]),
            "value": money(domain.volunteer_value(volunteers["hours"],
                                                  volunteers["hourly_rate"]))}
    return stored


def offer_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "requested_amount": money(data["requested_amount"]),
        "own_contribution": _own_contribution(data["own_contribution"]),
        "total_cost": money(data["total_cost"]),
        "task_start": day(data["task_start"]),
        "task_end": day(data["task_end"]),
        "cost_items": [{"name": i["name"], "amount": money(i["amount"])}
                       for i in data["cost_items"]],
        "description": data.get("description"),
        "expected_results": data.get("expected_results"),
        "place": data.get("place"),
        "beneficiaries": data.get("beneficiaries"),
    }


def new_offer(data: dict[str, Any], competition_id: str, submitted_by: str,
              now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "competition_id": competition_id,
        "organization_id": data["organization_id"],
        "partners": list(data.get("partners", [])),
        **offer_fields(data),
        "status": domain.OfferStatus.SUBMITTED.value,
        "status_reason": None,
        "awarded_amount": None,
        **first_version(now, "submitted_by", submitted_by, at="submitted_at"),
    }


def offer_terms(record: dict[str, Any]) -> dict[str, Any]:
    """The stored offer with typed values (what the formal check reads)."""
    own = record["own_contribution"]
    volunteers = own.get("volunteer_work")
    return {
        **record,
        "requested_amount": Decimal(record["requested_amount"]),
        "total_cost": Decimal(record["total_cost"]),
        "own_contribution": {
            "financial": Decimal(own["financial"]),
            "non_financial": Decimal(own["non_financial"]),
            "volunteer_work": {"hours": Decimal(volunteers["hours"]),
                               "hourly_rate": Decimal(volunteers["hourly_rate"])}
            if volunteers else None,
        },
        "task_start": date.fromisoformat(record["task_start"]),
        "task_end": date.fromisoformat(record["task_end"]),
        "cost_items": [{"name": i["name"], "amount": Decimal(i["amount"])}
                       for i in record["cost_items"]],
    }


def offer_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    own = record["own_contribution"]
    payload = {
        "id": record["_id"],
        "competition_id": record["competition_id"],
        "organization_id": record["organization_id"],
        "partners": record["partners"],
        "title": record["title"],
        "requested_amount": record["requested_amount"],
        "own_contribution": {"financial": own["financial"],
                             "non_financial": own["non_financial"]},
        "total_cost": record["total_cost"],
        "task_start": record["task_start"],
        "task_end": record["task_end"],
        "status": record["status"],
    }
    payload.update(extra)
    return payload


# --- committee ----------------------------------------------------------------------------


def committee_members(competition_id: str, members: list[dict[str, Any]],
                      excluded: list[str], now: datetime) -> list[dict[str, Any]]:
    return [{
        "_id": f"{competition_id}:{m['user_id']}",
        "competition_id": competition_id,
        "user_id": m["user_id"],
        "name": m["name"],
        "kind": m["kind"],
        "organization_id": m.get("organization_id"),
        "email": m.get("email"),
        "excluded": m["user_id"] in excluded,
        "declared_at": None,
        "assigned_offers": None,
        "appointed_at": now,
    } for m in members]


def committee_payload(competition_id: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "competition_id": competition_id,
        "members": [{"user_id": m["user_id"], "name": m["name"], "kind": m["kind"],
                     "organization_id": m["organization_id"], "excluded": m["excluded"]}
                    for m in members],
    }


def offers_assigned_payload(competition: dict[str, Any], member: dict[str, Any],
                            offers: list[dict[str, Any]]) -> dict[str, Any]:
    """`committee.offers_assigned`: the offers newly assigned to one member to score."""
    return {
        "competition_id": competition["_id"],
        "competition_title": competition["title"],
        "member": {"user_id": member["user_id"], "name": member["name"],
                   "email": member.get("email")},
        "offers": [{"id": o["_id"], "title": o["title"],
                    "organization_id": o["organization_id"],
                    "requested_amount": o["requested_amount"]} for o in offers],
        "assigned_offers": len(member.get("assigned_offers") or []),
    }


def new_score(offer: dict[str, Any], member: str, scores: list[dict[str, Any]],
              now: datetime) -> dict[str, Any]:
    return {
        "_id": f"{offer['_id']}:{member}",
        "competition_id": offer["competition_id"],
        "offer_id": offer["_id"],
        "member": member,
        "scores": [{"criterion": s["criterion"], "points": s["points"],
                    "comment": s.get("comment")} for s in scores],
        "total": int(domain.total_points(scores)),
        "scored_at": now,
    }


def score_payload(score: dict[str, Any]) -> dict[str, Any]:
    return {
        "offer_id": score["offer_id"],
        "competition_id": score["competition_id"],
        "member": score["member"],
        "scores": [{"criterion": s["criterion"], "points": s["points"]}
                   for s in score["scores"]],
        "total": score["total"],
        "scored_at": format_time(score["scored_at"]),
    }


def award_payload(offer: dict[str, Any], competition: dict[str, Any],
                  amount: Decimal) -> dict[str, Any]:
    return {
        "offer_id": offer["_id"],
        "competition_id": competition["_id"],
        "organization_id": offer["organization_id"],
        "area": competition["area"],
        "year": competition["year"],
        "requested_amount": offer["requested_amount"],
        "awarded_amount": money(to_money(amount)),
        "partial": to_money(amount) < Decimal(offer["requested_amount"]),
    }


def overlap_matches(overlap: Any) -> list[dict[str, Any]]:
    """The similar applications an acknowledged double funding overlaps (a
    `similarity.Overlap`'s matches), as the record and the events keep them."""
    return [{"kind": m.kind, "id": m.id, "score": m.score, "reasons": list(m.reasons)}
            for m in overlap.matches]


def acknowledged_overlap(id_field: str, record: dict[str, Any], reason: str,
                         overlap: Any) -> dict[str, Any]:
    """One acknowledged double funding in an event (`results.confirmed` with `offer_id`,
    `small_grant.awarded` with `small_grant_id`)."""
    return {id_field: record["_id"], "organization_id": record["organization_id"],
            "reason": reason, "overlaps": overlap_matches(overlap)}


def results_payload(competition: dict[str, Any], offers: dict[str, dict[str, Any]],
                    awards: dict[str, Decimal], overlaps: dict[str, Any],
                    acknowledged: dict[str, str], now: datetime) -> dict[str, Any]:
    """`results.confirmed`: the awards as confirmed, with every double funding the officer
    acknowledged (the similar applications already funded and the reason)."""
    return {
        "competition_id": competition["_id"],
        "year": competition["year"],
        "department": competition.get("department"),
        "awarded": money(sum(awards.values(), Decimal("0.00"))),
        "awards": [{"offer_id": offer_id, "organization_id": offers[offer_id]["organization_id"],
                    "awarded_amount": money(to_money(amount))}
                   for offer_id, amount in sorted(awards.items())],
        "acknowledged_overlaps": [
            acknowledged_overlap("offer_id", offers[offer_id], acknowledged[offer_id], overlap)
            for offer_id, overlap in sorted(overlaps.items())],
        "confirmed_at": format_time(now),
    }


# --- small grants (art. 19a) --------------------------------------------------------------


def new_small_grant(data: dict[str, Any], submitted_by: str, now: datetime,
                    publication_due_on: date) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "year": data["task_start"].year,
        "organization_id": data["organization_id"],
        "area": data["area"],
        **offer_fields(data),
        "amount_grosze": domain.grosze(data["requested_amount"]),
        "status": domain.SmallGrantStatus.SUBMITTED.value,
        "status_reason": None,
        "published_at": None,
        "publication_due_on": publication_due_on.isoformat(),
        "published_late": None,
        "comments_until": None,
        "decided_at": None,
        "comments_count": 0,
        **first_version(now, "submitted_by", submitted_by, at="submitted_at", updated=False),
    }


def small_grant_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return record_payload(record, """
        year organization_id area title requested_amount total_cost task_start task_end
        status comments_until?:time
    """, **extra)


def new_comment(small_grant_id: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"_id": new_id(), "small_grant_id": small_grant_id, "author": data["author"],
            "organization_id": data.get("organization_id"), "text": data["text"],
            "created_at": now}


# --- contracts and settlement -------------------------------------------------------------


def budget_update(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"total_cost": money(data["total_cost"]),
            "own_contribution": _own_contribution(data["own_contribution"]),
            "cost_items": [{"name": i["name"], "amount": money(i["amount"])}
                           for i in data["cost_items"]],
            "updated_at": now}


def new_contract(offer: dict[str, Any], data: dict[str, Any], report_due: date,
                 created_by: str, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "offer_id": offer["_id"],
        "competition_id": offer["competition_id"],
        "organization_id": offer["organization_id"],
        "amount": offer["awarded_amount"],
        "signed_on": day(data["signed_on"]),
        "task_start": offer["task_start"],
        "task_end": offer["task_end"],
        "schedule": [{"activity": s["activity"], "starts_on": day(s["starts_on"]),
                      "ends_on": day(s["ends_on"])} for s in data["schedule"]],
        "tranches": [{"amount": money(t["amount"]), "due_on": day(t["due_on"])}
                     for t in data["tranches"]],
        "status": domain.ContractStatus.SIGNED.value,
        "report": None,
        "report_due_on": day(report_due),
        "overdue_reported": False,
        # known at the settlement, or when the status changes
        **dict.fromkeys(("unused_amount", "unused_due_on", "returned_amount", "status_reason")),
        **first_version(now, "created_by", created_by),
    }


def contract_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return record_payload(record, """
        offer_id competition_id organization_id amount task_start task_end report_due_on
        status
    """, **extra)


def new_report(data: dict[str, Any], unused: Decimal, now: datetime) -> dict[str, Any]:
    return {
        "status": domain.ReportStatus.SUBMITTED.value,
        "achieved_results": data["achieved_results"],
        "activities": data.get("activities"),
        "expenses": [{"source": e["source"], "name": e.get("name"), "amount": money(e["amount"])}
                     for e in data["expenses"]],
        "personal_contribution": money(data["personal_contribution"]),
        "in_kind_contribution": money(data["in_kind_contribution"]),
        "volunteer_hours": None if data.get("volunteer_hours") is None
        else str(data["volunteer_hours"]),
        "unused_amount": money(unused),
        "corrections": None,
        "submitted_at": now,
    }


def report_payload(record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    report = record["report"]
    by_source: dict[str, Decimal] = {}
    for expense in report["expenses"]:
        by_source[expense["source"]] = by_source.get(expense["source"], Decimal("0")) + \
            Decimal(expense["amount"])
    payload = {
        "contract_id": record["_id"],
        "organization_id": record["organization_id"],
        "amount": record["amount"],
        "expenses_by_source": {k: money(v) for k, v in sorted(by_source.items())},
        "personal_contribution": report["personal_contribution"],
        "in_kind_contribution": report["in_kind_contribution"],
        "unused_amount": report["unused_amount"],
        "submitted_at": format_time(report["submitted_at"]),
    }
    payload.update(extra)
    return payload
