"""One organisation's whole cooperation with the city, and the departments' overview.

Its own read model, `cooperation`: one document per form of cooperation of one
organisation (an offer, a small grant, a contract and its report, a booking, a patronage,
a training's registrations, a partnership, a volunteering offer, a consultation comment, a
council seat), one per competition (its department, budget and status) and one per cancelled
training (so that every organisation's registrations read as cancelled), projected from
the events with the same idempotent, order-independent merge as every read model
(reporting/projections.py). Nothing personal: no names of people, no texts of comments.

`history` answers `GET /api/v1/stats/organizations/{id}` (the public gets the public part:
published results, small grants once published, patronages, partnerships, council seats);
`departments` answers `GET /api/v1/stats/departments?year=`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from reporting import projections as p
from reporting.stats import amount as _amount
from reporting.stats import year_of as _year
from wspolpraca.envelope import CloudEvent
from wspolpraca.fields import format_money

COOPERATION = p.COOPERATION
ZERO = Decimal("0.00")

# forms of cooperation, as the history names them (Polish: the organisation's page shows them)
LABELS = {
    "offer": "oferta w otwartym konkursie",
    "small_grant": "mała dotacja (art. 19a)",
    "contract": "umowa i sprawozdanie",
    "booking": "lokal lub sprzęt miasta",
    "patronage": "patronat lub promocja",
    "training": "szkolenie",
    "partnership": "partnerstwo",
    "volunteering": "wolontariat",
    "consultation_comment": "uwaga w konsultacjach",
    "council": "członkostwo w radzie lub komisji dialogu",
}
PUBLIC_STATUSES = {
    "offer": {"funded", "not_funded"},  # the published results
    "small_grant": {"published", "awarded", "refused"},
    "patronage": {"granted"},
    "partnership": None,  # every one
    "council": None,
}


# documents of a whole competition or training, not of one organisation's cooperation
CITY_WIDE = ("competition", "training_cancelled")


def _merge(store, _id: str, event: CloudEvent, form: str, organization_id: Any,
           **kwargs) -> None:
    if not organization_id and form not in CITY_WIDE:
        return  # not one organisation's cooperation
    fill = {"form": form, **({"organization_id": organization_id} if organization_id else {}),
            **kwargs.pop("fill", {})}
    p.merge(store, COOPERATION, _id, event, fill=fill, **kwargs)


def _kind(event: CloudEvent) -> str:
    return event.routing_key.split(".", 1)[1]


def competition(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    groups = {"data": (0, p.pick(data, "title", "year", "area", "budget", "department")),
              "status": (p.COMPETITION_RANK.get(kind, 0), {"status": kind})}
    if kind == "resolved":
        groups["result"] = (0, p.pick(data, "awarded"))
    _merge(store, f"competition:{data.get('id') or event.subject}", event, "competition",
           None, groups=groups)


def offer(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    _merge(store, f"offer:{data.get('id') or event.subject}", event, "offer",
           data.get("organization_id"),
           groups={"data": (0, p.pick(data, "title", "requested_amount", "task_start",
                                      "task_end")),
                   "status": (p.OFFER_RANK[kind], {"status": kind})},
           fill=p.pick(data, "competition_id"))


def grant_awarded(event: CloudEvent, store) -> None:
    data = event.data
    _merge(store, f"offer:{data.get('offer_id') or event.subject}", event, "offer",
           data.get("organization_id"),
           groups={"status": (p.OFFER_RANK["funded"], {"status": "funded"}),
                   "award": (0, p.pick(data, "awarded_amount"))},
           fill=p.pick(data, "competition_id", "requested_amount", "year"))


def small_grant(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    groups = {"data": (0, p.pick(data, "title", "requested_amount", "task_start", "task_end",
                                 "year", "area")),
              "status": (p.SMALL_GRANT_RANK[kind], {"status": kind})}
    if kind == "awarded":
        groups["award"] = (0, p.pick(data, "awarded_amount"))
    _merge(store, f"small_grant:{data.get('id') or event.subject}", event, "small_grant",
           data.get("organization_id"), groups=groups)


def contract(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    groups = {"status": (p.CONTRACT_RANK.get(kind, 0), {"status": kind})}
    if kind == "settled":
        groups["settlement"] = (0, p.pick(data, "returned_amount"))
    _merge(store, f"contract:{data.get('id') or event.subject}", event, "contract",
           data.get("organization_id"), groups=groups,
           fill=p.pick(data, "offer_id", "competition_id", "amount", "task_start", "task_end",
                       "report_due_on"))


def task_report(event: CloudEvent, store) -> None:
    """The report of a contract lands on the contract's document."""
    data, kind = event.data, _kind(event)
    contract_id = data.get("contract_id") or data.get("id") or event.subject
    firsts = {}
    if kind == "submitted":
        firsts["report_submitted_at"] = p.normalize_time(data.get("submitted_at")) \
            or p.event_time(event)
    if kind == "overdue":
        firsts["report_overdue_at"] = p.event_time(event)
    _merge(store, f"contract:{contract_id}", event, "contract", data.get("organization_id"),
           groups={"report": (p.TASK_REPORT_RANK.get(kind, 0), {"report_status": kind})},
           firsts=firsts,
           fill=p.pick(data, "amount", "report_due_on", "task_end", "competition_id"))


def booking(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    _merge(store, f"booking:{data.get('id') or event.subject}", event, "booking",
           data.get("organization_id"),
           groups={"data": (0, p.pick(data, "resource_kind", "resource_name", "department",
                                      "starts_at", "ends_at", "hours")),
                   "status": (p.BOOKING_RANK.get(kind, 0), {"status": kind})})


def patronage(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    _merge(store, f"patronage:{data.get('id') or event.subject}", event, "patronage",
           data.get("organization_id"),
           groups={"data": (0, p.pick(data, "kind", "name", "starts_at", "ends_at")),
                   "status": (0 if kind == "requested" else 1, {"status": kind})})


def training(event: CloudEvent, store) -> None:
    """A person's registration counts for the organisation they registered for."""
    data = event.data
    registration = data.get("registration")
    if not isinstance(registration, dict) or not registration.get("organization_id"):
        return
    organization_id = registration["organization_id"]
    registration_id = str(registration.get("id") or event.id)
    left = registration.get("status") == "unregistered"
    _merge(store, f"training:{data.get('id') or event.subject}:{organization_id}", event,
           "training", organization_id,
           fields=p.pick(data, "title", "kind", "topic", "starts_at", "ends_at"),
           sets={"unregistered_ids" if left else "registration_ids": [registration_id]})


def training_attendance(event: CloudEvent, store) -> None:
    """How many of each organisation's people attended (numbers only); the training's
    record `version` orders a correction after the first record, whatever the clocks say."""
    data = event.data
    version = data.get("version") if isinstance(data.get("version"), int) else 0
    for row in data.get("attended_by_organization") or []:
        if isinstance(row, dict) and row.get("organization_id"):
            _merge(store, f"training:{data.get('id') or event.subject}:"
                          f"{row['organization_id']}", event, "training",
                   row["organization_id"],
                   fill=p.pick(data, "title", "kind", "topic", "starts_at", "ends_at"),
                   groups={"attendance": (version, {"people_attended": row.get("attended")})})


def training_cancelled(event: CloudEvent, store) -> None:
    """A cancelled training, whole: the registrations of every organisation, before or after
    this event arrives, read as cancelled."""
    _merge(store, f"training_cancelled:{event.data.get('id') or event.subject}", event,
           "training_cancelled", None, fields={"status": "cancelled"})


def partnership(event: CloudEvent, store) -> None:
    data = event.data
    for party in data.get("parties") or []:
        if isinstance(party, dict) and party.get("organization_id"):
            _merge(store, f"partnership:{data.get('id') or event.subject}:"
                          f"{party['organization_id']}", event, "partnership",
                   party["organization_id"],
                   fields=p.pick(data, "kind", "title", "starts_on", "ends_on"))


def volunteering(event: CloudEvent, store) -> None:
    data = event.data
    _merge(store, f"volunteering:{data.get('id') or event.subject}", event, "volunteering",
           data.get("organization_id"),
           fields=p.pick(data, "title", "volunteers_needed", "starts_on", "ends_on"))


def consultation_comment(event: CloudEvent, store) -> None:
    data = event.data
    _merge(store, f"consultation_comment:{data.get('id') or event.id}", event,
           "consultation_comment", data.get("organization_id"),
           fields=p.pick(data, "consultation_id", "consultation_title"),
           firsts={"submitted_at": p.normalize_time(data.get("submitted_at"))
                   or p.event_time(event)})


def _council_seat(store, event: CloudEvent, council_id: str, name: str | None,
                  member: dict[str, Any], status: str, rank: int, since: str | None) -> None:
    if not member.get("organization_id"):
        return
    _merge(store, f"council:{council_id}:{member.get('id')}", event, "council",
           member["organization_id"],
           groups={"status": (rank, {"status": status})},
           firsts={"since": since},
           fill={"council_id": council_id, "council_name": name, "side": member.get("side")})


def council(event: CloudEvent, store) -> None:
    data, kind = event.data, _kind(event)
    if kind == "created":
        for member in data.get("members") or []:
            if isinstance(member, dict):
                _council_seat(store, event, data.get("id") or event.subject, data.get("name"),
                              member, "member", 0, p.normalize_time(data.get("term_start")))
        return
    member = data.get("member")
    if isinstance(member, dict):
        left = kind == "member_left"
        _council_seat(store, event, data.get("council_id") or event.subject,
                      data.get("council_name"), member, "left" if left else "member",
                      1 if left else 0,
                      None if left else p.normalize_time(data.get("appointed_at"))
                      or p.event_time(event))


PROJECTIONS = {
    **p._types("grants", "competition.announced competition.closed competition.cancelled "
             "competition.resolved", competition),
    **p._types("grants", "offer.submitted offer.withdrawn offer.rejected_formally "
             "offer.not_funded", offer),
    **p._types("grants", "grant.awarded", grant_awarded),
    **p._types("grants", "small_grant.submitted small_grant.published small_grant.awarded "
             "small_grant.refused", small_grant),
    **p._types("grants", "contract.signed contract.terminated contract.settled", contract),
    **p._types("grants", "task_report.submitted task_report.accepted task_report.overdue",
             task_report),
    **p._types("registry", "booking.requested booking.approved booking.refused "
             "booking.cancelled", booking),
    **p._types("registry", "patronage.requested patronage.granted patronage.refused",
             patronage),
    **p._types("registry", "training.registered training.unregistered", training),
    **p._types("registry", "training.attendance_recorded", training_attendance),
    **p._types("registry", "training.cancelled", training_cancelled),
    **p._types("registry", "partnership.signed", partnership),
    **p._types("registry", "volunteering.posted", volunteering),
    **p._types("consultations", "consultation.comment_submitted", consultation_comment),
    **p._types("consultations", "council.created council.member_appointed council.member_left",
             council),
}


def apply(event: CloudEvent, store) -> bool:
    projection = PROJECTIONS.get(event.type)
    if projection is None:
        return False
    projection(event, store)
    return True


# --- reading ---------------------------------------------------------------------------


def report_timeliness(doc: dict[str, Any]) -> str | None:
    """"on_time", "late", or None while no report is due or submitted."""
    submitted, due = doc.get("report_submitted_at"), doc.get("report_due_on")
    if doc.get("report_overdue_at") or (submitted and due and submitted[:10] > due):
        return "late"
    return "on_time" if submitted else None


def _entry(doc: dict[str, Any], competitions: dict[str, dict[str, Any]],
           cancelled_trainings: set[str]) -> dict[str, Any]:
    form = doc["form"]
    competition = competitions.get(doc.get("competition_id") or "") or {}
    when = {
        "offer": doc.get("task_start"), "small_grant": doc.get("task_start"),
        "contract": doc.get("task_end"), "booking": doc.get("starts_at"),
        "patronage": doc.get("starts_at"), "training": doc.get("starts_at"),
        "partnership": doc.get("starts_on"), "volunteering": doc.get("starts_on"),
        "consultation_comment": doc.get("submitted_at"), "council": doc.get("since"),
    }.get(form)
    entry: dict[str, Any] = {
        "form": form, "label": LABELS[form], "id": doc["_id"].split(":")[1],
        "date": str(when)[:10] if when else None, "year": _year(when),
        "title": doc.get("title") or doc.get("name") or doc.get("council_name")
        or doc.get("consultation_title") or doc.get("resource_name")
        or competition.get("title"),
        "status": doc.get("status"),
        "department": doc.get("department") or competition.get("department"),
    }
    if form == "offer":
        entry.update(competition_id=doc.get("competition_id"),
                     competition_title=competition.get("title"),
                     requested_amount=doc.get("requested_amount"),
                     awarded_amount=doc.get("awarded_amount"))
    elif form == "small_grant":
        entry.update(requested_amount=doc.get("requested_amount"),
                     awarded_amount=doc.get("awarded_amount"))
    elif form == "contract":
        entry.update(competition_id=doc.get("competition_id"), amount=doc.get("amount"),
                     report_status=doc.get("report_status"),
                     report_due_on=doc.get("report_due_on"),
                     report=report_timeliness(doc),
                     returned_amount=doc.get("returned_amount"))
    elif form == "booking":
        entry.update(resource_kind=doc.get("resource_kind"), hours=doc.get("hours"))
    elif form == "training":
        registered = set(doc.get("registration_ids") or []) \
            - set(doc.get("unregistered_ids") or [])
        entry.update(people_registered=len(registered),
                     people_attended=doc.get("people_attended"))
        if entry["id"] in cancelled_trainings:
            entry["status"] = "cancelled"
    elif form == "volunteering":
        entry.update(volunteers_needed=doc.get("volunteers_needed"))
    return entry


def _public(entry: dict[str, Any]) -> bool:
    form = entry["form"]
    if form not in PUBLIC_STATUSES:
        return False
    statuses = PUBLIC_STATUSES[form]
    return statuses is None or entry["status"] in statuses


YEAR_COUNTS = ("offers", "offers_funded", "small_grants", "small_grants_awarded",
               "contracts", "reports_on_time", "reports_late", "bookings", "booking_hours",
               "patronages", "trainings", "trainings_attended", "partnerships",
               "volunteering",
               "consultation_comments", "council_seats")
YEAR_MONEY = ("requested", "awarded", "returned")
PUBLIC_TOTALS = ("year", "departments", "offers", "offers_funded", "small_grants",
                 "small_grants_awarded", "awarded", "patronages", "partnerships",
                 "council_seats")


def yearly_totals(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    for entry in entries:
        if entry["year"] is None:
            continue
        row = years.setdefault(entry["year"], {
            "year": entry["year"], **{k: 0 for k in YEAR_COUNTS},
            **{k: ZERO for k in YEAR_MONEY}, "departments": set()})
        form, status = entry["form"], entry["status"]
        if entry.get("department"):
            row["departments"].add(entry["department"])
        if form in ("offer", "small_grant") and status != "withdrawn":
            plural = "offers" if form == "offer" else "small_grants"
            row[plural] += 1
            row["requested"] += _amount(entry.get("requested_amount"))
            if status in ("funded", "awarded"):
                row["offers_funded" if form == "offer" else "small_grants_awarded"] += 1
                row["awarded"] += _amount(entry.get("awarded_amount"))
        elif form == "contract":
            row["contracts"] += 1
            if entry.get("report") == "on_time":
                row["reports_on_time"] += 1
            elif entry.get("report") == "late":
                row["reports_late"] += 1
            row["returned"] += _amount(entry.get("returned_amount"))
        elif form == "booking" and status == "approved":
            row["bookings"] += 1
            row["booking_hours"] += float(entry.get("hours") or 0)
        elif form == "patronage" and status == "granted":
            row["patronages"] += 1
        elif form == "training" and status != "cancelled":
            if entry.get("people_registered"):
                row["trainings"] += 1
            if entry.get("people_attended"):
                row["trainings_attended"] += 1
        elif form == "partnership":
            row["partnerships"] += 1
        elif form == "volunteering":
            row["volunteering"] += 1
        elif form == "consultation_comment":
            row["consultation_comments"] += 1
        elif form == "council" and status == "member":
            row["council_seats"] += 1
    result = []
    for year in sorted(years):
        row = years[year]
        row["departments"] = sorted(row["departments"])
        for name in YEAR_MONEY:
            row[name] = format_money(row[name])
        result.append(row)
    return result


def history(db, organization_id: str, full: bool) -> dict[str, Any]:
    docs = list(db[COOPERATION].find({"organization_id": organization_id}))
    competition_ids = sorted({f"competition:{d['competition_id']}" for d in docs
                              if d.get("competition_id")})
    competitions = list(db[COOPERATION].find({"_id": {"$in": competition_ids}}))
    training_ids = sorted({f"training_cancelled:{d['_id'].split(':')[1]}" for d in docs
                           if d.get("form") == "training"})
    cancelled = list(db[COOPERATION].find({"_id": {"$in": training_ids}}))
    organization = db[p.ORGANIZATIONS].find_one({"_id": organization_id}, {"name": 1}) or {}
    return build_history(organization_id, organization.get("name"), docs, competitions, full,
                         cancelled)


def build_history(organization_id: str, name: str | None, docs: list[dict[str, Any]],
                  competition_docs: list[dict[str, Any]], full: bool,
                  cancelled_training_docs: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The organisation's history, best read oldest first, and its yearly totals; the public
    part only unless `full`. A cancelled training stays in the history, as cancelled, and
    counts in no year."""
    competitions = {c["_id"].split(":", 1)[1]: c for c in competition_docs}
    cancelled = {c["_id"].split(":", 1)[1] for c in cancelled_training_docs}
    entries = [_entry(d, competitions, cancelled) for d in docs if d.get("form") in LABELS]
    if not full:
        entries = [e for e in entries if _public(e)]
    entries.sort(key=lambda e: (e["date"] or "", e["form"], e["id"]))
    years = yearly_totals(entries)
    if not full:
        years = [{k: row[k] for k in PUBLIC_TOTALS} for row in years]
    return {"organization_id": organization_id, "name": name,
            "scope": "full" if full else "public",
            "departments": sorted({e["department"] for e in entries if e["department"]}),
            "years": years, "history": entries}


def departments(db, year: int) -> dict[str, Any]:
    competitions = list(db[COOPERATION].find({"form": "competition", "year": year}))
    applications = list(db[COOPERATION].find(
        {"form": {"$in": ["offer", "small_grant"]},
         "$or": [{"competition_id": {"$in": sorted(c["_id"].split(":", 1)[1]
                                                   for c in competitions)}},
                 {"form": "small_grant", "year": {"$in": [year, year - 1, year + 1]}}]}))
    organization_ids = sorted({a["organization_id"] for a in applications})
    names = {o["_id"]: o.get("name") for o in db[p.ORGANIZATIONS].find(
        {"_id": {"$in": organization_ids}}, {"name": 1})}
    return build_departments(year, competitions, applications, names)


def build_departments(year: int, competition_docs: list[dict[str, Any]],
                      applications: list[dict[str, Any]],
                      names: dict[str, str | None]) -> dict[str, Any]:
    """Per department: its competitions, funds, organisations, and the organisations it
    shares with other departments (who else funds them). Small grants are the liaison
    office's (department null). A competition counts in its programme year, a small grant
    in the year its task starts."""
    competitions = {d["_id"].split(":", 1)[1]: d for d in competition_docs
                    if d.get("year") == year}
    rows: dict[Any, dict[str, Any]] = defaultdict(lambda: {
        "competitions": 0, "budget": ZERO, "awarded": ZERO, "offers": 0, "small_grants": 0,
        "applied": set(), "funded": set()})
    for competition in competitions.values():
        if competition.get("status") == "cancelled":
            continue
        row = rows[competition.get("department")]
        row["competitions"] += 1
        row["budget"] += _amount(competition.get("budget"))
    # per organisation and department: applications and money
    by_org: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)
    for doc in applications:
        if doc.get("status") == "withdrawn" or not doc.get("organization_id"):
            continue
        if doc["form"] == "offer":
            competition = competitions.get(doc.get("competition_id") or "")
            if competition is None or competition.get("status") == "cancelled":
                continue
            department = competition.get("department")
        elif (_year(doc.get("task_start")) or doc.get("year")) != year:
            continue
        else:
            department = None
        organization_id = doc["organization_id"]
        row = rows[department]
        row["offers" if doc["form"] == "offer" else "small_grants"] += 1
        row["applied"].add(organization_id)
        mine = by_org[organization_id].setdefault(department, {
            "department": department, "applications": 0, "funded": 0, "awarded": ZERO})
        mine["applications"] += 1
        if doc.get("status") in ("funded", "awarded"):
            amount = _amount(doc.get("awarded_amount"))
            row["awarded"] += amount
            row["funded"].add(organization_id)
            mine["funded"] += 1
            mine["awarded"] += amount
    result = []
    for department in sorted(rows, key=lambda d: (d is None, d or "")):
        row = rows[department]
        shared = []
        for organization_id in sorted(row["applied"]):
            others = [dict(v, awarded=format_money(v["awarded"]))
                      for k, v in sorted(by_org[organization_id].items(),
                                         key=lambda kv: (kv[0] is None, kv[0] or ""))
                      if k != department]
            if others:
                shared.append({"organization_id": organization_id,
                               "name": names.get(organization_id), "also_with": others})
        result.append({
            "department": department, "competitions": row["competitions"],
            "budget": format_money(row["budget"]), "awarded": format_money(row["awarded"]),
            "offers": row["offers"], "small_grants": row["small_grants"],
            "organizations": {"applied": len(row["applied"]), "funded": len(row["funded"])},
            "shared_organizations": shared})
    return {"year": year, "departments": result}
