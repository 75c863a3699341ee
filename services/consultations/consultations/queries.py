"""Query functions of the consultations service: what the read endpoints return.

They read the database directly (no unit of work: nothing is written) and apply who may
see what; `service.py` calls one of them per read endpoint.
"""

from __future__ import annotations

from typing import Any

from consultations import domain, records
from consultations.repository import (
    COMMENTS,
    CONSULTATIONS,
    COUNCIL_MEETINGS,
    COUNCIL_REQUESTS,
    COUNCILS,
    OPINION_REQUESTS,
)
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import NotFound
from wspolpraca.pagination import Page, paginate


def is_staff(principal: Principal | None) -> bool:
    return principal is not None and principal.is_staff


def _page(page: Page, view) -> Page:
    return Page([view(item) for item in page.items], page.next_cursor)


def visible_consultation(db, principal: Principal | None, consultation_id: str) -> dict:
    """The consultation, 404 when missing or (to all but officers) not yet open."""
    record = db[CONSULTATIONS].find_one({"_id": consultation_id})
    if record is None:
        raise NotFound("Nie ma takich konsultacji.")
    if not is_staff(principal) and \
            records.status_now(record, utcnow()) is domain.ConsultationStatus.PLANNED:
        raise NotFound("Nie ma takich konsultacji.")
    return record


def consultations_page(db, principal: Principal | None, status: str | None, limit: int,
                       cursor: str | None) -> Page:
    now = utcnow()
    found: dict[str, Any] = {}
    if status == "planned":
        found = {"status": "open", "opens_at": {"$gt": now}}
    elif status == "open":
        found = {"status": "open", "opens_at": {"$lte": now}, "closes_at": {"$gt": now}}
    elif status == "closed":
        found = {"$or": [{"status": "closed"},
                         {"status": "open", "closes_at": {"$lte": now}}]}
    elif status == "report_published":
        found = {"status": "report_published"}
    if not is_staff(principal):
        found = {"$and": [found, {"opens_at": {"$lte": now}}]} if found \
            else {"opens_at": {"$lte": now}}
    page = paginate(db[CONSULTATIONS], found, limit, cursor)
    return _page(page, lambda r: records.consultation_view(r, now))


def comments_page(db, principal: Principal | None, consultation_id: str, limit: int,
                  cursor: str | None) -> Page:
    """Comments of a consultation (hidden ones, spam too, without their text, except for
    officers: the moderators see what they hid)."""
    visible_consultation(db, principal, consultation_id)
    page = paginate(db[COMMENTS], {"consultation_id": consultation_id}, limit, cursor)
    return page if is_staff(principal) else _page(page, records.public_comment)


def report(db, principal: Principal | None, consultation_id: str) -> dict[str, Any]:
    """The consultation report (public once published, officers see it before)."""
    consultation = visible_consultation(db, principal, consultation_id)
    now = utcnow()
    published = records.status_now(consultation, now) is \
        domain.ConsultationStatus.REPORT_PUBLISHED
    if not published and not is_staff(principal):
        raise NotFound("Sprawozdanie z tych konsultacji nie zostało jeszcze opublikowane.",
                       code="report_not_published")
    comments = list(db[COMMENTS].find({"consultation_id": consultation_id}).sort("_id", 1))
    return records.report(consultation, comments, now)


def council_requests_page(db, late: bool | None, limit: int, cursor: str | None) -> Page:
    now = utcnow()
    found: dict[str, Any] = {}
    if late is True:
        found = {"council_id": None, "deadline": {"$lt": now}}
    elif late is False:
        found = {"$or": [{"council_id": {"$ne": None}}, {"deadline": {"$gte": now}}]}
    page = paginate(db[COUNCIL_REQUESTS], found, limit, cursor)
    return _page(page, lambda r: records.council_request_view(r, now))


def councils_page(db, limit: int, cursor: str | None) -> Page:
    return _page(paginate(db[COUNCILS], {}, limit, cursor), records.council_view)


def council(db, council_id: str) -> dict[str, Any]:
    record = db[COUNCILS].find_one({"_id": council_id})
    if record is None:
        raise NotFound("Nie ma takiej rady.")
    return records.council_view(record)


def council_meetings_page(db, council_id: str, limit: int, cursor: str | None) -> Page:
    return paginate(db[COUNCIL_MEETINGS], {"council_id": council_id}, limit, cursor)


def council_meeting(db, council_id: str, meeting_id: str) -> dict[str, Any]:
    """One meeting of a council (its version is the ETag a move's If-Match names)."""
    found = db[COUNCIL_MEETINGS].find_one({"_id": meeting_id, "council_id": council_id})
    if found is None:
        raise NotFound("Nie ma takiego posiedzenia.")
    return found


def opinion_requests_page(db, council_id: str, limit: int, cursor: str | None) -> Page:
    return paginate(db[OPINION_REQUESTS], {"council_id": council_id}, limit, cursor)
