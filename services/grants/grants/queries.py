"""The read side of the grants service: what the GET endpoints answer, and who may read it.

Plain functions of the database (no unit of work: reads need no transaction); the command
side writes through grants/handlers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from grants import access, coordination, domain, records
from grants.repository import (
    COMMENTS,
    COMMITTEE,
    COMPETITIONS,
    CONTRACTS,
    OFFER_DRAFTS,
    OFFERS,
    PROGRAMMES,
    SCORES,
    SMALL_GRANTS,
)
from grants.rules import RULES
from wspolpraca.auth import Principal
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Forbidden, NotFound
from wspolpraca.fields import to_money
from wspolpraca.pagination import Page, paginate

Record = dict[str, Any]

# --- programmes ---------------------------------------------------------------------------


def programme_view(record: Record) -> Record:
    """A programme with its funds per area and the warnings of its adoption deadline."""
    today = domain.local_date(utcnow())
    return records.programme_view(
        record, domain.programme_warnings(record["year"], record["status"], today, RULES),
        domain.adoption_deadline(record["year"], RULES))


def list_programmes(db, query: dict[str, Any]) -> Page:
    found = {"year": query["year"]} if query.get("year") else {}
    page = paginate(db[PROGRAMMES], found, query["limit"], query["cursor"])
    return Page([programme_view(r) for r in page.items], page.next_cursor)


def get_programme(db, programme_id: str) -> Record:
    record = db[PROGRAMMES].find_one({"_id": programme_id})
    if record is None:
        raise NotFound("Nie ma takiego programu współpracy.")
    return programme_view(record)


# --- competitions -------------------------------------------------------------------------


def announcement_terms(now: datetime) -> dict[str, Any]:
    """The earliest deadline for offers of an announcement published now (art. 13 ust. 1)."""
    days, earliest = domain.earliest_submission_deadline(now, RULES)
    return {"min_submission_days": days, "earliest_submission_deadline": earliest,
            "legal_basis": "art. 13 ust. 1 ustawy o działalności pożytku publicznego i o "
                           "wolontariacie"}


def visible_competition(db, principal: Principal | None, competition_id: str) -> Record:
    record = db[COMPETITIONS].find_one({"_id": competition_id})
    # the public sees what was published (a draft cancelled before it never is)
    if record is None or (not access.is_runner(principal) and record["published_at"] is None):
        raise NotFound("Nie ma takiego konkursu.")
    return record


def list_competitions(db, principal: Principal | None, query: dict[str, Any]) -> Page:
    found: dict = {k: query[k] for k in ("area", "year") if query.get(k)}
    if query.get("status"):
        found["status"] = query["status"]
    if query.get("department"):
        # competitions drafted before every competition named its department: the office's
        found["department"] = {"$in": [None, LIAISON_OFFICE]} \
            if query["department"] == LIAISON_OFFICE else query["department"]
    if not access.is_runner(principal):
        public = [s.value for s in domain.PUBLIC_COMPETITION_STATUSES]
        if query.get("status") and query["status"] not in public:
            raise Forbidden("Konkursy przed ogłoszeniem widzą tylko biuro i wydziały; "
                            f"publicznie dostępne stany: {', '.join(public)}.")
        found.setdefault("status", {"$in": public})
        found["published_at"] = {"$ne": None}
    return paginate(db[COMPETITIONS], found, query["limit"], query["cursor"])


def competitions_past_deadline(db, now, limit: int = 200) -> list[str]:
    cursor = db[COMPETITIONS].find(
        {"status": domain.CompetitionStatus.ANNOUNCED.value,
         "submission_deadline": {"$lt": now}}, {"_id": 1}).limit(limit)
    return [doc["_id"] for doc in cursor]


def runs_competition_of(db, principal: Principal, competition_id: str) -> bool:
    if principal.is_staff:
        return True
    if "department" not in principal.roles:
        return False
    competition = db[COMPETITIONS].find_one({"_id": competition_id}, {"department": 1})
    return competition is not None and principal.runs(competition.get("department"))


def departments_competitions(db, principal: Principal) -> list[str]:
    if "department" not in principal.roles or not principal.department:
        return []
    return [c["_id"] for c in db[COMPETITIONS].find({"department": principal.department},
                                                     {"_id": 1})]


# --- offers -------------------------------------------------------------------------------


def with_warnings(db, kind: str, record: Record) -> Record:
    """The formal check's warnings beside the application (never a rejection)."""
    return {**record, "warnings": coordination.warnings_for(db, kind, record["_id"])}


def _check_may_read_offer(db, principal: Principal, offer: Record) -> None:
    if runs_competition_of(db, principal, offer["competition_id"]):
        return
    if principal.org_id and (principal.org_id == offer["organization_id"]
                             or principal.org_id in offer.get("partners", [])):
        return
    if "committee" in principal.roles:
        member = db[COMMITTEE].find_one({"_id": f"{offer['competition_id']}:{principal.sub}"})
        if member is not None and not member.get("excluded"):
            return
    raise NotFound("Nie ma takiej oferty.")


def list_offers(db, principal: Principal, query: dict[str, Any]) -> Page:
    found: dict = {k: query[k] for k in ("status", "competition_id", "organization_id")
                   if query.get(k)}
    if not principal.is_staff:
        allowed: list[dict] = []
        run = departments_competitions(db, principal)
        if run:
            allowed.append({"competition_id": {"$in": run}})
        if principal.org_id:
            allowed += [{"organization_id": principal.org_id}, {"partners": principal.org_id}]
        if "committee" in principal.roles:
            mine = [m["competition_id"] for m in db[COMMITTEE].find(
                {"user_id": principal.sub, "excluded": False}, {"competition_id": 1})]
            if mine:
                allowed.append({"competition_id": {"$in": mine}})
        if not allowed:
            return Page([], None)
        found = {"$and": [found, {"$or": allowed}]} if found else {"$or": allowed}
    return paginate(db[OFFERS], found, query["limit"], query["cursor"])


def get_offer(db, principal: Principal, offer_id: str) -> Record:
    record = db[OFFERS].find_one({"_id": offer_id})
    if record is None:
        raise NotFound("Nie ma takiej oferty.")
    _check_may_read_offer(db, principal, record)
    return with_warnings(db, "offer", record)


def list_offer_drafts(db, principal: Principal, query: dict[str, Any]) -> Page:
    """The organisation's drafts (to any of its representatives: resumed on any device)."""
    access.check_acts_for(principal, query["organization_id"])
    return paginate(db[OFFER_DRAFTS], {"organization_id": query["organization_id"]},
                    query["limit"], query["cursor"])


def get_offer_draft(db, principal: Principal, competition_id: str,
                    organization_id: str) -> Record:
    access.check_acts_for(principal, organization_id)
    found = db[OFFER_DRAFTS].find_one({"_id": f"{competition_id}:{organization_id}"})
    if found is None:
        raise NotFound("Nie ma szkicu oferty w tym konkursie.")
    return found


# --- committee and results ----------------------------------------------------------------


def get_committee(db, principal: Principal, competition_id: str) -> dict[str, Any]:
    members = list(db[COMMITTEE].find({"competition_id": competition_id}))
    if not runs_competition_of(db, principal, competition_id) and not any(
            m["user_id"] == principal.sub for m in members):
        raise NotFound("Nie ma takiej komisji.")
    return {"competition_id": competition_id, "members": members}


def _ranking(db, competition: Record) -> list[dict[str, Any]]:
    offers = list(db[OFFERS].find({"competition_id": competition["_id"], "status": {"$in": [
        domain.OfferStatus.SUBMITTED.value, domain.OfferStatus.FUNDED.value,
        domain.OfferStatus.NOT_FUNDED.value]}}).sort("_id", 1))
    totals: dict[str, list[Decimal]] = {}
    for score in db[SCORES].find({"competition_id": competition["_id"]}):
        totals.setdefault(score["offer_id"], []).append(Decimal(score["total"]))
    typed = [{"_id": o["_id"], "requested_amount": Decimal(o["requested_amount"])}
             for o in offers]
    ranking = domain.rank(typed, totals)
    proposal = domain.propose_awards(ranking, Decimal(competition["budget"]))
    by_id = {o["_id"]: o for o in offers}
    return [{"offer_id": r.offer_id, "organization_id": by_id[r.offer_id]["organization_id"],
             "title": by_id[r.offer_id]["title"], "requested_amount": r.requested,
             "average": str(r.average), "scored_by": r.scored_by,
             "proposed_amount": proposal[r.offer_id]} for r in ranking]


def get_ranking(db, principal: Principal, competition_id: str) -> dict[str, Any]:
    competition = db[COMPETITIONS].find_one({"_id": competition_id})
    if competition is None:
        raise NotFound("Nie ma takiego konkursu.")
    if not runs_competition_of(db, principal, competition_id):
        member = db[COMMITTEE].find_one({"_id": f"{competition_id}:{principal.sub}"})
        if member is None or member["excluded"]:
            raise NotFound("Nie ma takiego konkursu.")
    return {"competition_id": competition_id, "budget": competition["budget"],
            "items": _ranking(db, competition)}


def results(db, competition_id: str) -> dict[str, Any]:
    competition = db[COMPETITIONS].find_one({"_id": competition_id})
    if competition is None or competition["status"] != domain.CompetitionStatus.RESOLVED:
        raise NotFound("Wyniki tego konkursu nie zostały ogłoszone.")
    averages = {r["offer_id"]: r["average"] for r in _ranking(db, competition)}
    offers = db[OFFERS].find({"competition_id": competition_id, "status": {"$in": [
        domain.OfferStatus.FUNDED.value, domain.OfferStatus.NOT_FUNDED.value]}})
    items = sorted(({"offer_id": o["_id"], "organization_id": o["organization_id"],
                     "title": o["title"], "requested_amount": o["requested_amount"],
                     "awarded_amount": o["awarded_amount"],
                     "funded": o["status"] == domain.OfferStatus.FUNDED,
                     "average": averages.get(o["_id"])} for o in offers),
                   key=lambda i: (-to_money(Decimal(i["awarded_amount"])), i["offer_id"]))
    return {"competition_id": competition_id, "title": competition["title"],
            "status": competition["status"], "budget": competition["budget"],
            "awarded": competition["awarded"], "resolved_at": competition["resolved_at"],
            "items": items}


def similar_to_offer(db, principal: Principal, offer_id: str) -> dict[str, Any]:
    """The officer, and the department running the offer's competition."""
    offer = db[OFFERS].find_one({"_id": offer_id}, {"competition_id": 1})
    if offer is None:
        raise NotFound("Nie ma takiej oferty.")
    competition = db[COMPETITIONS].find_one({"_id": offer["competition_id"]},
                                            {"department": 1}) or {}
    if not principal.runs(competition.get("department")):
        raise Forbidden("Podobne wnioski widzi biuro pełnomocnika i wydział, który "
                        "prowadzi ten konkurs.")
    return {"items": coordination.items(db, "offer", offer_id)}


def similar_in_competition(db, principal: Principal, competition_id: str) -> dict[str, Any]:
    """Every offer of the competition with similar applications (the officer's and the
    running department's competition page shows a warning on each), offers in id order."""
    if db[COMPETITIONS].find_one({"_id": competition_id}, {"_id": 1}) is None:
        raise NotFound("Nie ma takiego konkursu.")
    if not runs_competition_of(db, principal, competition_id):
        raise Forbidden("Podobne wnioski widzi biuro pełnomocnika i wydział, który "
                        "prowadzi ten konkurs.")
    offer_ids = sorted(o["_id"] for o in db[OFFERS].find({"competition_id": competition_id},
                                                          {"_id": 1}))
    found = coordination.items_of_many(db, "offer", offer_ids)
    return {"items": [{"offer_id": i, "similar": found[i]} for i in offer_ids if i in found]}


def similar_to_small_grant(db, small_grant_id: str) -> dict[str, Any]:
    if db[SMALL_GRANTS].find_one({"_id": small_grant_id}, {"_id": 1}) is None:
        raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
    return {"items": coordination.items(db, "small_grant", small_grant_id)}


# --- small grants -------------------------------------------------------------------------


def visible_small_grant(db, principal: Principal | None, small_grant_id: str) -> Record:
    record = db[SMALL_GRANTS].find_one({"_id": small_grant_id})
    if record is None:
        raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
    owner = principal is not None and principal.org_id == record["organization_id"]
    if not (access.is_runner(principal) or owner
            or record["status"] != domain.SmallGrantStatus.SUBMITTED):
        raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
    return record


def list_small_grants(db, principal: Principal | None, query: dict[str, Any]) -> Page:
    found: dict = {k: query[k] for k in ("status", "organization_id") if query.get(k)}
    if query.get("publication_overdue"):
        # received more than 7 working days ago and still not published (art. 19a ust. 3)
        found["status"] = domain.SmallGrantStatus.SUBMITTED.value
        found["publication_due_on"] = {"$lt": domain.local_date(utcnow()).isoformat()}
    if access.is_runner(principal):
        return paginate(db[SMALL_GRANTS], found, query["limit"], query["cursor"])
    own = principal is not None and principal.org_id is not None
    if not own and (query.get("publication_overdue") or query.get("status") ==
                    domain.SmallGrantStatus.SUBMITTED.value):
        raise Forbidden("Oferty przed publikacją widzą tylko biuro, wydziały i "
                        "organizacja, która je złożyła.")
    visible: list[dict] = [{"status": {"$ne": domain.SmallGrantStatus.SUBMITTED.value}}]
    if own:
        visible.append({"organization_id": principal.org_id})
    found = {"$and": [found, {"$or": visible}]}
    page = paginate(db[SMALL_GRANTS], found, query["limit"], query["cursor"])
    return Page([r if principal is not None and principal.acts_for(r["organization_id"])
                 else access.public_small_grant(r) for r in page.items], page.next_cursor)


def get_small_grant(db, principal: Principal | None, small_grant_id: str) -> Record:
    record = visible_small_grant(db, principal, small_grant_id)
    if access.is_runner(principal) or (principal is not None
                                       and principal.acts_for(record["organization_id"])):
        return with_warnings(db, "small_grant", record)
    # the public reads the published offer, not the office's warnings and acknowledgement
    return access.public_small_grant(record)


def list_small_grant_comments(db, principal: Principal | None, small_grant_id: str,
                              query: dict[str, Any]) -> Page:
    visible_small_grant(db, principal, small_grant_id)
    return paginate(db[COMMENTS], {"small_grant_id": small_grant_id}, query["limit"],
                    query["cursor"])


# --- contracts ----------------------------------------------------------------------------


def get_contract(db, principal: Principal, contract_id: str) -> Record:
    record = db[CONTRACTS].find_one({"_id": contract_id})
    if record is None or not (
            runs_competition_of(db, principal, record["competition_id"])
            or principal.acts_for(record["organization_id"])):
        raise NotFound("Nie ma takiej umowy.")
    return record


def list_contracts(db, principal: Principal, query: dict[str, Any]) -> Page:
    found: dict = {"status": query["status"]} if query.get("status") else {}
    run = departments_competitions(db, principal)
    if not principal.is_staff and run:
        found["competition_id"] = {"$in": run}
    elif not principal.is_staff:
        if not principal.org_id:
            return Page([], None)
        found["organization_id"] = principal.org_id
    return paginate(db[CONTRACTS], found, query["limit"], query["cursor"])


OPEN_CONTRACT_STATUSES = ["signed", "in_progress", "report_due"]


def contracts_to_check(db, today_iso: str, limit: int = 500) -> list[str]:
    """Contracts whose task ended or whose report is overdue and not yet reported."""
    cursor = db[CONTRACTS].find(
        {"status": {"$in": OPEN_CONTRACT_STATUSES},
         "$or": [{"task_end": {"$lt": today_iso}, "status": {"$ne": "report_due"}},
                 {"report": None, "report_due_on": {"$lt": today_iso},
                  "overdue_reported": False}]},
        {"_id": 1}).limit(limit)
    return [doc["_id"] for doc in cursor]
