"""Read models built from the events of every service: `apply(event, store)`.

Every projection is a merge that is idempotent and order-independent, so an event
that arrives twice, late, or before the event it depends on changes the read
models exactly as if all had arrived once and in order:

- a group of fields is a last-writer-wins register stamped `[rank, time, event id]`
  (a terminal state outranks an earlier one whatever the clocks say);
- `firsts` keep the earliest value seen (e.g. when an organisation was verified);
- `sets` are unions (e.g. the ids of a small grant's comments): counts are derived
  from sets of ids, never from increments;
- `fill` sets a field only while it is unknown (facts that never change).

A document is created by whichever of its events comes first. Nothing personal is
kept: no e-mails, no names of people, no texts of comments or answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from reporting import figures
from wspolpraca.envelope import CloudEvent, format_time
from wspolpraca.fields import MONEY_PATTERN, format_money

ORGANIZATIONS = "organizations"
DEPARTMENTS = "departments"
INQUIRIES = "inquiries"
PROGRAMMES = "programmes"
COMPETITIONS = "competitions"
OFFERS = "offers"
CONTRACTS = "contracts"
TASK_REPORTS = "task_reports"
SMALL_GRANTS = "small_grants"
CONSULTATIONS = "consultations"
COMMENTS = "consultation_comments"
COUNCILS = "councils"
OPINIONS = "council_opinions"
MEETINGS = "meetings"
BOOKINGS = "bookings"
PATRONAGES = "patronages"
PARTNERSHIPS = "partnerships"
TRAININGS = "trainings"
VOLUNTEERING = "volunteering"
DELIVERIES = "deliveries"
COOPERATION = "cooperation"  # each organisation's cooperation (reporting/cooperation.py)
FIGURES = figures.FIGURES  # the year's sums kept as events arrive (reporting/figures.py)
NAMES = figures.NAMES  # the organisations' names, for the lists of the report

READ_MODELS = (
    ORGANIZATIONS, DEPARTMENTS, INQUIRIES, PROGRAMMES, COMPETITIONS, OFFERS, CONTRACTS,
    TASK_REPORTS, SMALL_GRANTS, CONSULTATIONS, COMMENTS, COUNCILS, OPINIONS, MEETINGS,
    BOOKINGS, PATRONAGES, PARTNERSHIPS, TRAININGS, VOLUNTEERING, DELIVERIES, COOPERATION,
    FIGURES, NAMES,
)


class Store(Protocol):
    """Where projections read and write documents (MongoDB in a transaction, or memory)."""

    def get(self, collection: str, _id: str) -> dict[str, Any] | None: ...

    def put(self, collection: str, doc: dict[str, Any]) -> None: ...


class MemoryStore:
    """Read models in memory: unit tests, and the rebuild before it writes them out."""

    def __init__(self) -> None:
        self.collections: dict[str, dict[str, dict[str, Any]]] = {}

    def get(self, collection: str, _id: str) -> dict[str, Any] | None:
        return self.collections.get(collection, {}).get(_id)

    def put(self, collection: str, doc: dict[str, Any]) -> None:
        self.collections.setdefault(collection, {})[doc["_id"]] = doc

    def find(self, collection: str) -> list[dict[str, Any]]:
        return list(self.collections.get(collection, {}).values())

    def count_between(self, collection: str, field: str, low: str, high: str) -> int:
        return sum(1 for doc in self.collections.get(collection, {}).values()
                   if doc.get(field) is not None and low <= doc[field] < high)


def normalize_time(value: Any) -> str | None:
    """An RFC 3339 time as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), so strings compare as times;
    a bare date stays a date."""
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) == 10 or (len(text) == 24 and text[19] == "." and text[23] == "Z"):
        return text  # a date, or already canonical (what `format_time` writes)
    try:
        return format_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return text


MONEY_FIELDS = frozenset({"requested_amount", "awarded_amount", "budget", "total_funds",
                          "total_cost", "amount", "returned_amount"})


class PoisonEvent(ValueError):
    """An event whose data no read model can take (e.g. an amount that is no amount)."""


def checked(values: dict[str, Any]) -> dict[str, Any]:
    """Amounts normalised to two decimals; anything else that claims to be money refused."""
    result = dict(values)
    for name in MONEY_FIELDS.intersection(result):
        value = result[name]
        if value is None:
            continue
        if not isinstance(value, str) or not MONEY_PATTERN.fullmatch(value):
            raise PoisonEvent(f"{name} is not an amount: {value!r}")
        result[name] = format_money(value)
    return result


def merge(store: Store, collection: str, _id: str, event: CloudEvent, *,
          fields: dict[str, Any] | None = None, group: str = "data", rank: int = 0,
          groups: dict[str, tuple[int, dict[str, Any]]] | None = None,
          firsts: dict[str, Any] | None = None, sets: dict[str, Iterable[str]] | None = None,
          fill: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = store.get(collection, _id) or {"_id": _id}
    clocks = doc.setdefault("_clock", {})
    moment = normalize_time(event.time) or ""
    all_groups = {name: (r, checked(values)) for name, (r, values) in (groups or {}).items()}
    if fields:
        all_groups[group] = (rank, checked(fields))
    for name, (group_rank, values) in all_groups.items():
        stamp = [group_rank, moment, event.id]
        if name not in clocks or stamp > list(clocks[name]):
            doc.update(values)
            clocks[name] = stamp
    for name, value in (firsts or {}).items():
        if value is not None and (doc.get(name) is None or value < doc[name]):
            doc[name] = value
    for name, values in (sets or {}).items():
        doc[name] = sorted(set(doc.get(name) or []) | {str(v) for v in values})
    for name, value in checked(fill or {}).items():
        if value is not None and doc.get(name) is None:
            doc[name] = value
    if collection in figures.COUNTED:  # the year's sums (and names) follow the document
        figures.keep(store, collection, doc)
    store.put(collection, doc)
    return doc


def pick(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: data.get(name) for name in names if name in data}


def event_time(event: CloudEvent) -> str:
    return normalize_time(event.time) or ""


def stated_time(event: CloudEvent, field: str) -> str:
    """The time the event's data states in `field`, or else the event's own time."""
    return normalize_time(event.data.get(field)) or event_time(event)


# registry ------------------------------------------------------------------
ORGANIZATION_FIELDS = ("name", "legal_form", "nip", "regon", "krs", "areas", "district",
                       "public_benefit_status")


def organization(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    firsts: dict[str, Any] = {"first_seen_at": event_time(event)}
    if kind == "registered":
        firsts["registered_at"] = event_time(event)
    if kind == "verified":
        firsts["verified_at"] = stated_time(event, "changed_at")
    # the record's version (+1 on every change) orders its events; the clock breaks ties
    version = data.get("version") if isinstance(data.get("version"), int) else 0
    merge(store, ORGANIZATIONS, data.get("id") or event.subject, event,
          groups={"data": (version, pick(data, *ORGANIZATION_FIELDS)),
                  "status": (version, pick(data, "status"))},
          firsts=firsts)


def department(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, DEPARTMENTS, data.get("code") or event.subject, event,
          fields=pick(data, "code", "name", "areas"))


INQUIRY_RANK = {"received": 0, "routed": 1, "assigned": 2, "answered": 3, "closed": 4}


def inquiry(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    groups: dict[str, tuple[int, dict[str, Any]]] = {
        "data": (0, pick(data, "area", "organization_id")),
    }
    if data.get("department"):
        groups["department"] = (0, {"department": data["department"]})
    if kind in INQUIRY_RANK:
        groups["status"] = (INQUIRY_RANK[kind], {"status": kind})
    if kind == "answered":
        groups["answer"] = (0, {"on_time": data.get("on_time")})
    firsts = {"received_at": normalize_time(data.get("received_at")),
              "deadline": normalize_time(data.get("deadline"))}
    if kind in ("answered", "overdue"):
        firsts[f"{kind}_at"] = stated_time(event, "answered_at") if kind == "answered" \
            else event_time(event)
    merge(store, INQUIRIES, data.get("id") or event.subject, event, groups=groups,
          firsts=firsts)


BOOKING_RANK = {"requested": 0, "approved": 1, "refused": 1, "cancelled": 2}


def booking(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    merge(store, BOOKINGS, data.get("id") or event.subject, event,
          groups={"data": (0, pick(data, "resource_id", "resource_kind", "department",
                                   "organization_id", "starts_at", "ends_at", "hours")),
                  "status": (BOOKING_RANK.get(kind, 0), {"status": kind})})


def patronage(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    merge(store, PATRONAGES, data.get("id") or event.subject, event,
          groups={"data": (0, pick(data, "organization_id", "kind", "name", "starts_at",
                                   "ends_at", "areas")),
                  "status": (0 if kind == "requested" else 1, {"status": kind})})


def partnership(event: CloudEvent, store: Store) -> None:
    data = event.data
    organizations = [p.get("organization_id") for p in data.get("parties") or []
                     if isinstance(p, dict) and p.get("organization_id")]
    merge(store, PARTNERSHIPS, data.get("id") or event.subject, event,
          fields=pick(data, "kind", "title", "areas", "starts_on", "ends_on"),
          sets={"organization_ids": organizations},
          firsts={"signed_at": event_time(event)})


def training(event: CloudEvent, store: Store) -> None:
    """The training's record `version` (+1 on every change: a registration, attendance, the
    cancellation) orders its events, so the counters of the newest state win whatever the
    clocks say; a cancellation is final."""
    data = event.data
    kind = event.routing_key.split(".")[1]
    version = data.get("version") if isinstance(data.get("version"), int) else 0
    groups = {"data": (version, pick(data, "kind", "title", "topic", "starts_at", "ends_at",
                                     "seats", "seats_taken", "waiting"))}
    if data.get("status") in ("published", "cancelled"):
        groups["status"] = (version + (1 << 40 if data["status"] == "cancelled" else 0),
                            {"status": data["status"]})
    if kind == "attendance_recorded":
        groups["attendance"] = (version, {"attended": data.get("attended")})
    merge(store, TRAININGS, data.get("id") or event.subject, event, groups=groups)


def volunteering(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, VOLUNTEERING, data.get("id") or event.subject, event,
          fields=pick(data, "organization_id", "areas", "district", "volunteers_needed",
                      "starts_on", "ends_on"),
          firsts={"posted_at": event_time(event)})


# grants --------------------------------------------------------------------
def programme(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    merge(store, PROGRAMMES, data.get("id") or event.subject, event,
          groups={"data": (0, pick(data, "year", "title", "funds", "total_funds",
                                   "resolution", "priority_tasks", "measures")),
                  "status": (1 if kind == "adopted" else 0,
                             {"status": "adopted" if kind == "adopted" else "draft"})},
          firsts={"adopted_at": normalize_time(data.get("adopted_at"))})


COMPETITION_RANK = {"announced": 1, "closed": 2, "cancelled": 3, "resolved": 3}
COMPETITION_FIELDS = ("year", "title", "area", "mode", "budget", "submission_deadline",
                      "task_start", "task_end", "min_own_contribution_pct")


def competition(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    groups = {"data": (0, pick(data, *COMPETITION_FIELDS)),
              "status": (COMPETITION_RANK.get(kind, 0), {"status": kind})}
    firsts: dict[str, Any] = {}
    published = normalize_time(data.get("published_at"))
    if kind == "announced":
        firsts["announced_at"] = published or event_time(event)
    elif published:
        firsts["announced_at"] = published
    if kind == "resolved":
        firsts["resolved_at"] = event_time(event)
    if kind == "cancelled":
        firsts["cancelled_at"] = event_time(event)
    merge(store, COMPETITIONS, data.get("id") or event.subject, event, groups=groups,
          firsts=firsts)


OFFER_RANK = {"submitted": 0, "withdrawn": 1, "rejected_formally": 1, "not_funded": 2,
              "funded": 2}
OFFER_FIELDS = ("competition_id", "organization_id", "partners", "title", "requested_amount",
                "total_cost", "task_start", "task_end")


def offer(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    firsts = {"first_seen_at": event_time(event)}
    if kind == "submitted":
        firsts["submitted_at"] = event_time(event)
    merge(store, OFFERS, data.get("id") or event.subject, event,
          groups={"data": (0, pick(data, *OFFER_FIELDS)),
                  "status": (OFFER_RANK[kind], {"status": kind})},
          firsts=firsts)


def grant_awarded(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, OFFERS, data.get("offer_id") or event.subject, event,
          groups={"status": (OFFER_RANK["funded"], {"status": "funded"}),
                  "award": (0, {"awarded_amount": data.get("awarded_amount"),
                                "partial": data.get("partial")})},
          firsts={"awarded_at": event_time(event), "first_seen_at": event_time(event)},
          fill=pick(data, "competition_id", "organization_id", "requested_amount", "area",
                    "year"))


CONTRACT_RANK = {"signed": 0, "terminated": 1, "settled": 1}


def contract(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    firsts = {f"{kind}_at": normalize_time(data.get("signed_on")) if kind == "signed"
              and data.get("signed_on") else event_time(event)}
    merge(store, CONTRACTS, data.get("id") or event.subject, event,
          groups={"status": (CONTRACT_RANK.get(kind, 0), {"status": kind})},
          firsts=firsts,
          fill=pick(data, "offer_id", "competition_id", "organization_id", "amount",
                    "returned_amount", "task_start"))


TASK_REPORT_RANK = {"overdue": 0, "submitted": 1, "accepted": 2}


def task_report(event: CloudEvent, store: Store) -> None:
    """One report per contract: keyed by the contract's id."""
    data = event.data
    kind = event.routing_key.split(".")[1]
    merge(store, TASK_REPORTS, data.get("contract_id") or data.get("id") or event.subject,
          event,
          groups={"status": (TASK_REPORT_RANK.get(kind, 0), {"status": kind})},
          firsts={f"{kind}_at": event_time(event)},
          fill=pick(data, "organization_id", "amount"))


SMALL_GRANT_RANK = {"submitted": 0, "published": 1, "awarded": 2, "refused": 2}
SMALL_GRANT_FIELDS = ("year", "organization_id", "area", "title", "requested_amount",
                      "total_cost", "task_start", "task_end")


def small_grant(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    groups = {"data": (0, pick(data, *SMALL_GRANT_FIELDS)),
              "status": (SMALL_GRANT_RANK[kind], {"status": kind})}
    if kind == "awarded":
        groups["award"] = (0, {"awarded_amount": data.get("awarded_amount")})
    firsts = {"first_seen_at": event_time(event)}
    if kind in ("submitted", "published", "awarded"):  # published_at as the event states it
        firsts[f"{kind}_at"] = stated_time(event, "published_at") if kind == "published" \
            else event_time(event)
    merge(store, SMALL_GRANTS, data.get("id") or event.subject, event, groups=groups,
          firsts=firsts)


def small_grant_commented(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, SMALL_GRANTS, data.get("small_grant_id") or event.subject, event,
          sets={"comment_ids": [data.get("comment_id") or event.id]})


# consultations ---------------------------------------------------------------
CONSULTATION_RANK = {"opened": 0, "closed": 1, "report_published": 2}


def consultation(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    status = {"opened": data.get("status") or "open", "closed": "closed",
              "report_published": "report_published"}[kind]
    groups = {"data": (0, pick(data, "title", "subject", "act_kind", "programme_id",
                               "opens_at", "closes_at")),
              "status": (CONSULTATION_RANK[kind], {"status": status})}
    if kind == "report_published":
        groups["report"] = (0, pick(data, "hidden", "accepted", "partly_accepted",
                                    "rejected"))
    merge(store, CONSULTATIONS, data.get("id") or event.subject, event, groups=groups,
          firsts={"closed_at": normalize_time(data.get("closed_at")),
                  "report_published_at": normalize_time(data.get("published_at"))
                  if kind == "report_published" else None})


def consultation_comment(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, COMMENTS, data.get("id") or event.id, event,
          fields=pick(data, "consultation_id", "section", "organization_id", "author_kind"),
          firsts={"submitted_at": stated_time(event, "submitted_at")})


def meeting(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, MEETINGS, data.get("id") or event.subject, event,
          fields={**pick(data, "title", "starts_at", "ends_at", "consultation_id",
                         "council_id"),
                  "kind": event.routing_key.split(".")[0]})


def council(event: CloudEvent, store: Store) -> None:
    data = event.data
    members = [m for m in data.get("members") or [] if isinstance(m, dict)]
    merge(store, COUNCILS, data.get("id") or event.subject, event,
          fields=pick(data, "name", "kind", "term_start", "term_end"),
          groups={"members": (0, {"members": len(members),
                                  "ngo_members": sum(m.get("side") == "ngo"
                                                     for m in members)})},
          firsts={"created_at": event_time(event)})


def council_member(event: CloudEvent, store: Store) -> None:
    data = event.data
    merge(store, COUNCILS, data.get("council_id") or event.subject, event,
          groups={"members": (0, pick(data, "members", "ngo_members"))},
          fill={"name": data.get("council_name")})


OPINION_RANK = {"opinion_requested": 0, "opinion_issued": 1, "opinion_lapsed": 1}


def council_opinion(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    merge(store, OPINIONS, data.get("id") or event.subject, event,
          fields=pick(data, "council_id", "subject", "consultation_id"),
          groups={"status": (OPINION_RANK[kind], {"status": kind.removeprefix("opinion_")})},
          firsts={"requested_at": normalize_time(data.get("requested_at")),
                  "deadline": normalize_time(data.get("deadline")),
                  "issued_at": normalize_time(data.get("issued_at")),
                  "lapsed_at": normalize_time(data.get("lapsed_at"))})


# notifications -------------------------------------------------------------
def delivery(event: CloudEvent, store: Store) -> None:
    data = event.data
    kind = event.routing_key.split(".")[1]
    merge(store, DELIVERIES, data.get("delivery_id") or event.subject, event,
          fields=pick(data, "event_type", "channel", "attempts"),
          groups={"status": (1 if kind == "sent" else 0, {"status": kind})},
          firsts={"first_seen_at": event_time(event)})


Projection = Callable[[CloudEvent, Store], None]


def _types(service: str, names: str, projection: Projection) -> dict[str, Projection]:
    return {f"{service}.{name}": projection for name in names.split()}


PROJECTIONS: dict[str, Projection] = {
    **_types("registry", "organization.registered organization.updated organization.verified "
             "organization.suspended organization.reinstated organization.archived",
             organization),
    **_types("registry", "department.created department.updated", department),
    **_types("registry", "inquiry.received inquiry.routed inquiry.assigned inquiry.answered "
             "inquiry.closed inquiry.overdue", inquiry),
    **_types("registry", "booking.requested booking.approved booking.refused "
             "booking.cancelled", booking),
    **_types("registry", "patronage.requested patronage.granted patronage.refused",
             patronage),
    **_types("registry", "partnership.signed", partnership),
    **_types("registry", "training.published training.registered training.unregistered "
             "training.attendance_recorded training.cancelled", training),
    **_types("registry", "volunteering.posted", volunteering),
    **_types("grants", "programme.drafted programme.adopted", programme),
    **_types("grants", "competition.announced competition.closed competition.cancelled "
             "competition.resolved", competition),
    **_types("grants", "offer.submitted offer.withdrawn offer.rejected_formally "
             "offer.not_funded", offer),
    **_types("grants", "grant.awarded", grant_awarded),
    **_types("grants", "contract.signed contract.terminated contract.settled", contract),
    **_types("grants", "task_report.submitted task_report.accepted task_report.overdue",
             task_report),
    **_types("grants", "small_grant.submitted small_grant.published small_grant.awarded "
             "small_grant.refused", small_grant),
    **_types("grants", "small_grant.commented", small_grant_commented),
    **_types("consultations", "consultation.opened consultation.closed "
             "consultation.report_published", consultation),
    **_types("consultations", "consultation.comment_submitted", consultation_comment),
    **_types("consultations", "consultation.meeting_scheduled council.meeting_scheduled",
             meeting),
    **_types("consultations", "council.created", council),
    **_types("consultations", "council.member_appointed council.member_left",
             council_member),
    **_types("consultations", "council.opinion_requested council.opinion_issued "
             "council.opinion_lapsed", council_opinion),
    **_types("notifications", "notification.sent notification.failed", delivery),
}


def apply(event: CloudEvent, store: Store) -> bool:
    """Apply one event to the read models; False for a type no read model uses
    (it is still kept in the event log)."""
    from reporting import cooperation  # its own read model; it builds on this module

    used = cooperation.apply(event, store)
    projection = PROJECTIONS.get(event.type)
    if projection is None:
        return used
    projection(event, store)
    return True
