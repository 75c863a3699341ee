"""CloudEvents as the other services publish them (shapes per infra/asyncapi), for the
reporting tests."""

from __future__ import annotations

import hashlib
import itertools
import re
import uuid
from typing import Any

from wspolpraca.envelope import CloudEvent

_ids = itertools.count(1)
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def oid(name: str | None) -> str | None:
    """A readable test name as the ObjectId-shaped id the services use (stable)."""
    if name is None or _OBJECT_ID.match(name):
        return name
    return hashlib.md5(name.encode()).hexdigest()[:24]


def event(service: str, routing_key: str, data: dict[str, Any], *, time: str,
          subject: str | None = None, id: str | None = None) -> CloudEvent:
    return CloudEvent(service=service, routing_key=routing_key,
                      subject=subject or str(data.get("id") or data.get("offer_id") or "s"),
                      data=data, time=time, id=id or str(uuid.UUID(int=next(_ids))))


def organization(kind: str, org_id: str, time: str, status: str, **extra) -> CloudEvent:
    data = {"id": oid(org_id), "name": f"Fundacja {org_id}", "legal_form": "foundation",
            "nip": "5260250274", "regon": None, "krs": None, "areas": ["culture"],
            "email": "biuro@example.pl", "district": "mokotow", "status": status,
            "public_benefit_status": None, "version": 1 if kind == "registered" else 2,
            **extra}
    if kind != "registered":
        data = {"reason": None, "changed_by": "user-officer", "changed_at": time, **data}
    return event("registry", f"organization.{kind}", data, time=time)


def competition(kind: str, cid: str, time: str, *, year: int = 2026, area: str = "culture",
                mode: str = "supporting", budget: str = "100000.00", **extra) -> CloudEvent:
    data = {"id": oid(cid), "year": year, "title": f"Konkurs {cid}", "area": area, "mode": mode,
            "budget": budget, "status": kind, "submission_deadline": f"{year}-03-01T12:00:00Z",
            "task_start": f"{year}-04-01", "task_end": f"{year}-12-31",
            "min_own_contribution_pct": "10.00", "criteria": [{"name": "Jakość", "max_points": 10}],
            "published_at": f"{year}-01-15T10:00:00.000Z", **extra}
    return event("grants", f"competition.{kind}", data, time=time)


def offer(kind: str, offer_id: str, cid: str, org: str, time: str,
          requested: str = "20000.00", **extra) -> CloudEvent:
    data = {"id": oid(offer_id), "competition_id": oid(cid), "organization_id": oid(org),
            "partners": [],
            "title": f"Zadanie {offer_id}", "requested_amount": requested,
            "own_contribution": {"financial": "1000.00", "non_financial": "0.00"},
            "total_cost": "30000.00", "task_start": "2026-04-01", "task_end": "2026-12-31",
            "status": kind, **extra}
    if kind == "not_funded":
        data.setdefault("awarded_amount", "0.00")
    return event("grants", f"offer.{kind}", data, time=time)


def awarded(offer_id: str, cid: str, org: str, time: str, amount: str, *,
            area: str = "culture", year: int = 2026, requested: str = "20000.00") -> CloudEvent:
    data = {"offer_id": oid(offer_id), "competition_id": oid(cid),
            "organization_id": oid(org), "area": area,
            "year": year, "requested_amount": requested, "awarded_amount": amount,
            "partial": amount != requested}
    return event("grants", "grant.awarded", data, time=time, subject=oid(offer_id))


def small_grant(kind: str, gid: str, org: str, time: str, *, requested: str = "8000.00",
                area: str = "sport", year: int = 2026, **extra) -> CloudEvent:
    data = {"id": oid(gid), "year": year, "organization_id": oid(org), "area": area,
            "title": f"Mały grant {gid}", "requested_amount": requested,
            "total_cost": "9000.00", "task_start": f"{year}-05-01",
            "task_end": f"{year}-06-30", "status": kind, "comments_until": None, **extra}
    return event("grants", f"small_grant.{kind}", data, time=time)


def consultation(kind: str, cid: str, time: str, **extra) -> CloudEvent:
    data = {"id": oid(cid), "title": f"Konsultacje {cid}", "subject": "Program współpracy",
            "act_kind": "cooperation_programme", "programme_id": None, "sections": [],
            "forms": ["written_comments"], "opens_at": "2026-02-01T08:00:00Z",
            "closes_at": "2026-02-20T16:00:00Z",
            "addressees": {"scope": "all", "areas": []}, "residents_may_comment": True,
            "status": {"opened": "open"}.get(kind, kind), **extra}
    return event("consultations", f"consultation.{kind}", data, time=time)


def comment(comment_id: str, consultation_id: str, time: str) -> CloudEvent:
    data = {"id": oid(comment_id), "consultation_id": oid(consultation_id),
            "consultation_title": "Konsultacje", "section": None, "organization_id": None,
            "author_kind": "resident", "submitted_at": time}
    return event("consultations", "consultation.comment_submitted", data, time=time,
                 subject=oid(consultation_id))


def inquiry(kind: str, iid: str, time: str, **extra) -> CloudEvent:
    data = {"id": oid(iid), "subject": "Pytanie", "area": "culture", "organization_id": None,
            "department": None if kind == "received" else "culture_dept", "status": kind,
            "received_at": "2026-03-01T10:00:00Z", "deadline": "2026-03-15T23:59:59Z",
            **extra}
    return event("registry", f"inquiry.{kind}", data, time=time)


def contract(kind: str, contract_id: str, offer_id: str, org: str, time: str,
             amount: str = "15000.50", **extra) -> CloudEvent:
    data = {"id": oid(contract_id), "offer_id": oid(offer_id), "competition_id": oid("comp-1"),
            "organization_id": oid(org), "amount": amount, "task_start": "2026-04-01",
            "task_end": "2026-12-31", "report_due_on": "2027-01-30",
            "status": {"signed": "signed", "terminated": "terminated",
                       "settled": "settled"}[kind], **extra}
    if kind == "signed":
        data = {"signed_on": time[:10], "tranches": [{"amount": amount, "due_on": time[:10]}],
                **data}
    return event("grants", f"contract.{kind}", data, time=time, subject=oid(contract_id))


def task_report(contract_id: str, org: str, time: str) -> CloudEvent:
    data = {"contract_id": oid(contract_id), "organization_id": oid(org), "amount": "15000.50",
            "expenses_by_source": {"grant": "15000.50"}, "personal_contribution": "0.00",
            "in_kind_contribution": "0.00", "unused_amount": "0.00", "submitted_at": time}
    return event("grants", "task_report.submitted", data, time=time, subject=oid(contract_id))


def year_story() -> list[CloudEvent]:
    """A small year: two organisations, a resolved competition with three offers, small
    grants, a consultation with comments and an answered inquiry."""
    return [
        organization("registered", "org-1", "2026-01-10T09:00:00Z", "pending"),
        organization("verified", "org-1", "2026-01-12T09:00:00Z", "verified",
                     changed_at="2026-01-12T09:00:00Z"),
        organization("registered", "org-2", "2026-02-10T09:00:00Z", "pending",
                     district="wola"),
        competition("announced", "comp-1", "2026-01-15T10:00:00Z"),
        offer("submitted", "off-1", "comp-1", "org-1", "2026-02-01T10:00:00Z"),
        offer("submitted", "off-2", "comp-1", "org-2", "2026-02-02T10:00:00Z",
              requested="30000.00"),
        offer("submitted", "off-3", "comp-1", "org-2", "2026-02-03T10:00:00Z",
              requested="5000.00"),
        offer("withdrawn", "off-3", "comp-1", "org-2", "2026-02-04T10:00:00Z",
              requested="5000.00"),
        awarded("off-1", "comp-1", "org-1", "2026-03-20T10:00:00Z", "15000.50"),
        offer("not_funded", "off-2", "comp-1", "org-2", "2026-03-20T10:00:01Z",
              requested="30000.00"),
        competition("resolved", "comp-1", "2026-03-20T10:00:02Z", awarded="15000.50",
                    funded=1, not_funded=1),
        contract("signed", "k-1", "off-1", "org-1", "2026-03-25T10:00:00Z"),
        task_report("k-1", "org-1", "2026-12-20T10:00:00Z"),
        small_grant("submitted", "sg-1", "org-2", "2026-04-01T10:00:00Z"),
        small_grant("published", "sg-1", "org-2", "2026-04-02T10:00:00Z",
                    comments_until="2026-04-09T23:59:59Z", published_at="2026-04-02T10:00:00Z"),
        small_grant("awarded", "sg-1", "org-2", "2026-04-12T10:00:00Z",
                    awarded_amount="7999.99", comments_until="2026-04-09T23:59:59Z"),
        small_grant("submitted", "sg-2", "org-1", "2026-05-01T10:00:00Z"),
        consultation("opened", "con-1", "2026-02-01T08:00:00Z"),
        comment("com-1", "con-1", "2026-02-05T08:00:00Z"),
        comment("com-2", "con-1", "2026-02-06T08:00:00Z"),
        inquiry("received", "inq-1", "2026-03-01T10:00:00Z"),
        inquiry("answered", "inq-1", "2026-03-04T10:00:00Z",
                answered_at="2026-03-04T10:00:00Z", answer="Odpowiedź",
                contact_email="a@example.pl", on_time=True),
    ]
