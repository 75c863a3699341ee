"""Pure functions that turn validated input into stored records and event payloads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from consultations import domain
from wspolpraca.areas import validate_areas
from wspolpraca.envelope import format_time
from wspolpraca.pagination import new_id
from wspolpraca.payloads import record_payload


def _time(moment: datetime | None) -> str | None:
    return format_time(moment) if moment is not None else None


# --- consultations ------------------------------------------------------------------


def new_consultation(data: dict[str, Any], created_by: str, now: datetime) -> dict[str, Any]:
    addressees = _addressees(data["addressees"])
    return {
        "_id": new_id(),
        "title": data["title"],
        "subject": data["subject"],
        "act_kind": data["act_kind"],
        "programme_id": data.get("programme_id"),
        "draft_text": data.get("draft_text"),
        "attachment_url": data.get("attachment_url"),
        "sections": domain.check_sections(data["sections"]),
        "forms": domain.check_forms(data["forms"]),
        "opens_at": data["opens_at"],
        "closes_at": data["closes_at"],
        "addressees": addressees,
        "residents_may_comment": data["residents_may_comment"],
        "status": domain.ConsultationStatus.OPEN.value,
        "closed_at": None,
        "closed_by": None,
        "report_published_at": None,
        "meetings": [],
        "comments": 0,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
        "version": 0,
    }


EDITABLE = ("title", "subject", "draft_text", "attachment_url", "sections", "forms",
            "opens_at", "closes_at", "addressees", "residents_may_comment")


def updated_consultation(current: dict[str, Any], changes: dict[str, Any],
                         now: datetime) -> tuple[dict[str, Any], list[str]]:
    """The consultation with `changes` applied, and the names of the fields that changed."""
    checked = {k: v for k, v in changes.items() if k in EDITABLE}
    if "sections" in checked:
        checked["sections"] = domain.check_sections(checked["sections"])
    if "forms" in checked:
        checked["forms"] = domain.check_forms(checked["forms"])
    if "addressees" in checked:
        checked["addressees"] = _addressees(checked["addressees"])
    changed = sorted(k for k, v in checked.items() if current.get(k) != v)
    return {**current, **checked, "updated_at": now}, changed


def _addressees(addressees: dict[str, Any]) -> dict[str, Any]:
    if addressees["scope"] == "areas":
        return {"scope": "areas", "areas": validate_areas(addressees["areas"])}
    return {"scope": "all", "areas": []}


def status_now(record: dict[str, Any], now: datetime) -> domain.ConsultationStatus:
    return domain.consultation_status(record["status"], record["opens_at"],
                                      record["closes_at"], now)


def consultation_view(record: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {**record, "status": status_now(record, now).value}


def consultation_payload(record: dict[str, Any], status: str, **extra: Any) -> dict[str, Any]:
    return record_payload(record, """
        title subject act_kind programme_id? sections forms opens_at:time closes_at:time
        addressees residents_may_comment status
    """, status=status, **extra)


def closed_payload(record: dict[str, Any], comments: int, closed_by: str) -> dict[str, Any]:
    return consultation_payload(record, domain.ConsultationStatus.CLOSED.value,
                                closed_at=format_time(record["closed_at"]),
                                closed_by=closed_by, comments=comments)


def new_comment(consultation_id: str, data: dict[str, Any], submitted_by: str | None,
                now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "consultation_id": consultation_id,
        "section": data.get("section"),
        "author": data["author"],
        "organization_id": data.get("organization_id"),
        "text": data["text"],
        "submitted_by": submitted_by,
        "submitted_at": now,
        "hidden": False,
        "hidden_reason": None,
        "hidden_by": None,
        "hidden_at": None,
        "spam": False,
        "answer": None,
    }


def comment_payload(comment: dict[str, Any], consultation: dict[str, Any]) -> dict[str, Any]:
    """No comment text or author's name: those are read through the API."""
    return record_payload(comment, """
        consultation_id consultation_title section organization_id author_kind
        submitted_at:time
    """,
        consultation_id=consultation["_id"],
        consultation_title=consultation["title"],
        author_kind="organization" if comment["organization_id"] else "resident")


def spam_payload(comment: dict[str, Any], consultation: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": comment["_id"],
        "consultation_id": consultation["_id"],
        "consultation_title": consultation["title"],
        "marked_at": format_time(comment["hidden_at"]),
    }


def public_comment(comment: dict[str, Any]) -> dict[str, Any]:
    """A hidden comment is listed, with the reason, but its text is withheld."""
    if comment.get("spam"):  # nor the name a spammer chose
        return {**comment, "text": None, "author": None}
    if comment.get("hidden"):
        return {**comment, "text": None}
    return comment


def new_meeting(consultation: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "title": data.get("title") or f"Spotkanie konsultacyjne: {consultation['title']}",
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "place": data["place"],
    }


def moved_meeting(meeting: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The meeting at its new time (and place, when given); the payload's `previous_*`
    say where it was."""
    return {**meeting, "starts_at": data["starts_at"], "ends_at": data["ends_at"],
            "place": data.get("place") or meeting["place"]}


def previous_time(meeting: dict[str, Any]) -> dict[str, Any]:
    return {"previous_starts_at": format_time(meeting["starts_at"]),
            "previous_ends_at": format_time(meeting["ends_at"])}


def meeting_payload(meeting: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What calendars need: title, start, end and place."""
    return record_payload(meeting, "title starts_at:time ends_at:time place", **extra)


def report(consultation: dict[str, Any], comments: list[dict[str, Any]],
           now: datetime) -> dict[str, Any]:
    """The consultation report: every comment, in order, with the city's answer; comments
    marked as spam are left out of the list and only counted."""
    spam = [c for c in comments if c.get("spam")]
    comments = [c for c in comments if not c.get("spam")]
    items = []
    for number, comment in enumerate(comments, start=1):
        answer = comment.get("answer")
        items.append({
            "number": number,
            "id": comment["_id"],
            "section": comment.get("section"),
            "author": comment["author"],
            "organization_id": comment.get("organization_id"),
            "submitted_at": format_time(comment["submitted_at"]),
            "text": None if comment.get("hidden") else comment["text"],
            "hidden": bool(comment.get("hidden")),
            "hidden_reason": comment.get("hidden_reason"),
            "answer": None if answer is None else {
                "decision": answer["decision"],
                "decision_label": domain.Decision(answer["decision"]).label,
                "reason": answer["reason"],
            },
        })
    status = status_now(consultation, now)
    return {
        "consultation_id": consultation["_id"],
        "title": consultation["title"],
        "subject": consultation["subject"],
        "act_kind": consultation["act_kind"],
        "programme_id": consultation.get("programme_id"),
        "forms": consultation["forms"],
        "forms_labels": [domain.ConsultationForm(f).label for f in consultation["forms"]],
        "opens_at": format_time(consultation["opens_at"]),
        "closes_at": format_time(consultation["closes_at"]),
        "closed_at": _time(consultation.get("closed_at")),
        "published": status is domain.ConsultationStatus.REPORT_PUBLISHED,
        "published_at": _time(consultation.get("report_published_at")),
        "meetings": [meeting_payload(m) for m in consultation.get("meetings", [])],
        "summary": {"comments": len(comments),
                    "hidden": sum(1 for c in comments if c.get("hidden")),
                    "spam": len(spam),
                    **domain.decision_counts(comments)},
        "comments": items,
    }


# --- councils -----------------------------------------------------------------------


def new_member(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "name": data["name"],
        "side": data["side"],
        "organization_id": data.get("organization_id"),
        "user_id": data.get("user_id"),
        "email": data.get("email"),
        "appointed_at": now,
        "left_at": None,
        "left_reason": None,
    }


def active_members(council: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in council["members"] if m.get("left_at") is None]


def new_council(data: dict[str, Any], term_end: date, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "name": data["name"],
        "kind": data["kind"],
        "term_start": data["term_start"].isoformat(),
        "term_end": term_end.isoformat(),
        "members": [new_member(m, now) for m in data["members"]],
        "request_id": data.get("request_id"),
        "created_at": now,
        "updated_at": now,
    }


def council_view(council: dict[str, Any]) -> dict[str, Any]:
    active = active_members(council)
    return {**council, "ngo_share_ok": domain.ngo_share_ok(m["side"] for m in active)}


def member_payload(member: dict[str, Any]) -> dict[str, Any]:
    return record_payload(member, "name side organization_id user_id? email?")


def composition(council: dict[str, Any]) -> dict[str, Any]:
    active = active_members(council)
    return {"members": len(active),
            "ngo_members": sum(1 for m in active if m["side"] == domain.Side.NGO.value),
            "ngo_share_ok": domain.ngo_share_ok(m["side"] for m in active)}


def council_payload(council: dict[str, Any]) -> dict[str, Any]:
    return record_payload(council, """
        name kind term_start term_end request_id? members
    """, members=[member_payload(m) for m in active_members(council)])


def member_event(council: dict[str, Any], member: dict[str, Any], **extra: Any) -> dict:
    return {"council_id": council["_id"], "council_name": council["name"],
            "member": member_payload(member), **composition(council), **extra}


def new_council_request(data: dict[str, Any], supporters: list[str], deadline: datetime,
                        filed_by: str, now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "kind": data["kind"],
        "name": data["name"],
        "supporters": supporters,
        "justification": data.get("justification"),
        "filed_by": filed_by,
        "received_at": now,
        "deadline": deadline,
        "council_id": None,
        "late_reported": False,
    }


def council_request_view(request: dict[str, Any], now: datetime) -> dict[str, Any]:
    late = domain.request_is_late(request["deadline"], request["council_id"] is not None, now)
    return {**request, "late": late}


def council_request_payload(request: dict[str, Any], now: datetime) -> dict[str, Any]:
    return record_payload(request, """
        kind name supporters received_at:time deadline:time days_late
    """, days_late=max(0, (now - request["deadline"]).days))


def new_council_meeting(council_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "council_id": council_id,
        "title": data["title"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "place": data["place"],
        "agenda": data["agenda"],
        "attendance": [],
        "minutes": None,
        "resolutions": [],
        "version": 0,
    }


def new_opinion_request(council_id: str, data: dict[str, Any], deadline: datetime,
                        now: datetime) -> dict[str, Any]:
    return {
        "_id": new_id(),
        "council_id": council_id,
        "subject": data["subject"],
        "consultation_id": data.get("consultation_id"),
        "document_url": data.get("document_url"),
        "status": domain.OpinionStatus.REQUESTED.value,
        "requested_at": now,
        "deadline": deadline,
        "opinion": None,
        "issued_at": None,
        "lapsed_at": None,
    }


def opinion_payload(request: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return record_payload(request, """
        council_id subject consultation_id? status requested_at:time deadline:time
    """, **extra)
