"""Coordination across departments: the read model of similar applications, and what the
formal check, the results confirmation and a small grant's award read from it (the
endpoints that list them are in grants/service.py, their reads in grants/queries.py).

When an offer or a small-grant application arrives (or an offer is amended) its matches
among the organisation's other applications are computed (grants/similarity.py) and kept in
`similar_applications`, one document per application, on both sides of every match, in the
submission's own transaction. Reading them is one document plus the current state of the
matched applications, however many offers the city has.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pymongo import ReplaceOne, UpdateOne

from grants import records, similarity
from grants.repository import COMPETITIONS, OFFERS, SIMILAR, SMALL_GRANTS
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.envelope import format_time
from wspolpraca.mongo import Transaction

KINDS = {"offer": OFFERS, "small_grant": SMALL_GRANTS}
_FIELDS = {"organization_id": 1, "title": 1, "description": 1, "task_start": 1, "task_end": 1,
           "cost_items": 1, "place": 1, "beneficiaries": 1, "requested_amount": 1,
           "status": 1, "competition_id": 1}


def application_of(kind: str, record: dict[str, Any]) -> similarity.Application:
    return similarity.Application(
        kind=kind, id=record["_id"], organization_id=record["organization_id"],
        title=record["title"], task_start=date.fromisoformat(record["task_start"]),
        task_end=date.fromisoformat(record["task_end"]),
        cost_items=tuple((i["name"], Decimal(i["amount"])) for i in record["cost_items"]),
        description=record.get("description"), place=record.get("place"),
        beneficiaries=record.get("beneficiaries"),
        requested_amount=Decimal(record["requested_amount"]))


def read_key(kind: str, record_id: str) -> str:
    return f"{kind}:{record_id}"


def _match_doc(match: similarity.Match) -> dict[str, Any]:
    return {"kind": match.kind, "id": match.id, "score": match.score,
            "reasons": list(match.reasons), "shared_costs": match.shared_costs}


def match_of(doc: dict[str, Any]) -> similarity.Match:
    return similarity.Match(doc["kind"], doc["id"], doc["score"], tuple(doc["reasons"]),
                            doc.get("shared_costs", 0))


def _candidates(tx: Transaction, application: similarity.Application
                ) -> dict[tuple[str, str], tuple[similarity.Application, dict[str, Any]]]:
    """The organisation's other applications whose task periods overlap (dates are
    `YYYY-MM-DD` strings, so they compare as dates), withdrawn ones left out, with the
    records they were read from."""
    found = {}
    for kind, collection in KINDS.items():
        for record in tx.db[collection].find(
                {"organization_id": application.organization_id,
                 "task_start": {"$lte": application.task_end.isoformat()},
                 "task_end": {"$gte": application.task_start.isoformat()},
                 "status": {"$nin": sorted(similarity.IGNORED)}}, _FIELDS,
                session=tx.session):
            if (kind, record["_id"]) != application.key:
                found[(kind, record["_id"])] = (application_of(kind, record), record)
    return found


def refresh(tx: Transaction, kind: str, record: dict[str, Any], now: datetime,
            new: bool = False) -> list[str]:
    """Recompute the application's matches and put them on both sides; the formal check's
    warnings about them (`similarity.warnings`). `new`: the application was submitted in
    this transaction (so no other application's list names it yet).

    The read model's writes are kept for the transaction's single round trip of writes
    before the commit (`Transaction.later`)."""
    me = application_of(kind, record)
    collection, similar = tx.db[SIMILAR], tx.namespace(SIMILAR)
    # two applications of one organisation arriving at once must see each other: both
    # write the organisation's guard, so one transaction conflicts (at its write, or at
    # its commit: either sees the other's write after its own snapshot), is retried, and
    # then reads the other's committed application
    tx.later(UpdateOne({"_id": f"organization:{me.organization_id}"},
                       {"$inc": {"applications_checked": 1}}, upsert=True,
                       namespace=similar))
    found = _candidates(tx, me)
    others = {key: application for key, (application, _) in found.items()}
    mine = similarity.find_similar(me, list(others.values()))
    theirs = {key: similarity.compare(other, me) for key, other in others.items()}
    own_key = read_key(kind, me.id)
    # the read model of this application and of the candidates whose lists change, in one
    # query (none when a new application matches nothing: no list names it yet)
    wanted = [read_key(*key) for key, match in theirs.items()
              if match is not None or not new]
    if not new:
        wanted.insert(0, own_key)
    docs = {d["_id"]: d for d in collection.find(
        {"_id": {"$in": wanted}}, session=tx.session)} if wanted else {}
    before = docs.get(own_key) or {}
    tx.later(ReplaceOne({"_id": own_key}, {
        "_id": own_key, "kind": kind, "id": me.id, "organization_id": me.organization_id,
        "matches": [_match_doc(m) for m in mine], "computed_at": now},
        upsert=True, namespace=similar))
    # an amended application may have left periods it overlapped before
    affected = set(others) | {(m["kind"], m["id"]) for m in before.get("matches", [])}
    for other_key in sorted(affected):
        match = theirs.get(other_key)
        doc_key = read_key(*other_key)
        doc = docs.get(doc_key) if other_key in others else collection.find_one(
            {"_id": doc_key}, session=tx.session)
        kept = [m for m in (doc or {}).get("matches", [])
                if (m["kind"], m["id"]) != me.key]
        if match is None and (doc is None or len(kept) == len(doc["matches"])):
            continue  # nothing to change on that side
        if match is not None:
            kept.append(_match_doc(match))
        kept.sort(key=lambda m: (-m["score"], m["kind"], m["id"]))
        tx.later(ReplaceOne({"_id": doc_key}, {
            "_id": doc_key, "kind": other_key[0], "id": other_key[1],
            "organization_id": me.organization_id, "matches": kept,
            "computed_at": (doc or {}).get("computed_at", now)},
            upsert=True, namespace=similar))
    # the warnings from what this transaction read: the matches are live candidates
    matched = {m.key: dict(found[m.key][1]) for m in mine}
    _add_departments(tx.db, matched, tx.session)
    return similarity.warnings(mine, {k: label(k[0], r, k[1]) for k, r in matched.items()})


def matches(db, kind: str, record_id: str, session=None) -> list[similarity.Match]:
    doc = db[SIMILAR].find_one({"_id": read_key(kind, record_id)}, session=session)
    return [match_of(m) for m in (doc or {}).get("matches", [])]


def described(db, keys, session=None) -> dict[tuple[str, str], dict[str, Any]]:
    """The current state of the matched applications, with the department that runs the
    competition of each offer (small grants are the liaison office's)."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, collection in KINDS.items():
        ids = sorted({i for k, i in keys if k == kind})
        if ids:
            for record in db[collection].find({"_id": {"$in": ids}}, _FIELDS,
                                              session=session):
                found[(kind, record["_id"])] = record
    _add_departments(db, found, session)
    return found


def _add_departments(db, found: dict[tuple[str, str], dict[str, Any]], session=None) -> None:
    """Each offer's `department`, the one running its competition (None for small
    grants)."""
    competition_ids = sorted({r["competition_id"] for (k, _), r in found.items()
                              if k == "offer"})
    # no offer matched (the common case): no query for their competitions either
    departments = {c["_id"]: records.department_of(c) for c in db[COMPETITIONS].find(
        {"_id": {"$in": competition_ids}}, {"department": 1}, session=session)
    } if competition_ids else {}
    for (kind, _), record in found.items():
        record["department"] = departments.get(record.get("competition_id")) \
            if kind == "offer" else None


def label(kind: str, record: dict[str, Any] | None, record_id: str) -> str:
    if record is None:
        return record_id
    what = "oferta" if kind == "offer" else "mała dotacja"
    department = record.get("department")
    where = f", wydział {department}" if department and department != LIAISON_OFFICE else ""
    return f"{what} „{record['title']}” ({record_id}{where})"


def items(db, kind: str, record_id: str) -> list[dict[str, Any]]:
    """The similar endpoint's items, best first; withdrawn applications are left out."""
    return items_of_many(db, kind, [record_id]).get(record_id, [])


def items_of_many(db, kind: str, record_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The similar items of many applications of `kind` (a competition's offers) in three
    queries: their read model, the matched applications, their competitions. Only the
    applications with a similar one are keys."""
    found = {doc["id"]: [match_of(m) for m in doc.get("matches", [])]
             for doc in db[SIMILAR].find(
                 {"_id": {"$in": [read_key(kind, i) for i in record_ids]}})}
    current = described(db, {m.key for ms in found.values() for m in ms})
    result: dict[str, list[dict[str, Any]]] = {}
    for record_id in record_ids:
        listed = [_item(match, current[match.key]) for match in found.get(record_id, [])
                  if match.key in current
                  and current[match.key]["status"] not in similarity.IGNORED]
        if listed:
            result[record_id] = listed
    return result


def _item(match: similarity.Match, record: dict[str, Any]) -> dict[str, Any]:
    return {"kind": match.kind, "id": match.id, "competition_id": record.get("competition_id"),
            "department": record["department"], "organization_id": record["organization_id"],
            "title": record["title"], "task_start": record["task_start"],
            "task_end": record["task_end"], "status": record["status"],
            "score": match.score, "reasons": list(match.reasons)}


def warnings_for(db, kind: str, record_id: str) -> list[str]:
    found = [m for m in matches(db, kind, record_id)]
    current = described(db, [m.key for m in found])
    live = [m for m in found if m.key in current
            and current[m.key]["status"] not in similarity.IGNORED]
    return similarity.warnings(live, {k: label(k[0], r, k[1]) for k, r in current.items()})


def double_funding(tx: Transaction, kind: str, funded: list[str], acknowledged: dict[str, str],
                   field_name: str = "acknowledged_overlaps") -> list[similarity.Overlap]:
    """The double funding that awarding these applications of `kind` would cause (the offers
    of a results confirmation, or one small grant); refused unless every one is acknowledged
    with a reason (in the body's `field_name`)."""
    by_id = {application_id: matches(tx.db, kind, application_id, tx.session)
             for application_id in funded}
    keys = {m.key for found in by_id.values() for m in found}
    current = described(tx.db, keys, tx.session)
    statuses = {k: r["status"] for k, r in current.items()}
    overlaps = similarity.double_funding(funded, by_id, statuses, kind)
    similarity.check_acknowledged(overlaps, acknowledged,
                                  {k: label(k[0], r, k[1]) for k, r in current.items()},
                                  field_name)
    return overlaps


def acknowledgement(overlap: similarity.Overlap, reason: str, by: str,
                    now: datetime) -> dict[str, Any]:
    return {"reason": reason, "acknowledged_by": by, "acknowledged_at": format_time(now),
            "overlaps": records.overlap_matches(overlap)}
