"""Query functions of the registry: what the read endpoints return.

They read the database directly (nothing is written, so no unit of work) and apply who may
see what; the entry points call one of them per read endpoint. The organisation search's
query stays `repository.organization_query`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from registry import cooperation_domain as rules
from registry import domain, repository
from registry.cooperation_access import may_handle_inquiry, may_see_booking
from registry.cooperation_repository import (
    BOOKINGS,
    PARTNERSHIPS,
    PATRONAGES,
    REGISTRATIONS,
    RESOURCES,
    TRAININGS,
    VOLUNTEERING,
)
from registry.domain import search_key
from registry.repository import DEPARTMENTS, INQUIRIES, ORGANIZATIONS
from registry.schemas import OrganizationSchema, PublicOrganizationSchema
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, Forbidden, NotFound
from wspolpraca.pagination import Page

CALENDAR_DEFAULT_DAYS = 31
CALENDAR_MAX_DAYS = 366
CALENDAR_MAX_ITEMS = 1000
GRANTED = rules.PatronageStatus.GRANTED.value


def one(db, collection: str, record_id: str, missing: str) -> dict[str, Any]:
    """One record by its id, or 404 with `missing`."""
    record = db[collection].find_one({"_id": record_id})
    if record is None:
        raise NotFound(missing)
    return record


def _matching(query: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The filter of the given query parameters that were set."""
    return {key: query[key] for key in keys if query.get(key)}


# --- organisations and departments ------------------------------------------------------


def organization(db, principal: Principal | None, organization_id: str) -> dict[str, Any]:
    """Staff and the organisation itself see everything; the public a verified one's
    public data."""
    record = one(db, ORGANIZATIONS, organization_id, "Nie ma takiej organizacji.")
    if principal is not None and (principal.is_staff or principal.org_id == organization_id):
        return OrganizationSchema().dump(record)
    if record["status"] != domain.OrganizationStatus.VERIFIED.value:
        raise NotFound("Nie ma takiej organizacji.")
    return PublicOrganizationSchema().dump(record)


def departments_page(db, area: str | None, limit: int, cursor: str | None) -> Page:
    return repository.department_page(db, {"areas": area} if area else {}, limit, cursor)


def department(db, code: str) -> dict[str, Any]:
    return one(db, DEPARTMENTS, code, "Nie ma takiego wydziału.")


# --- inquiries --------------------------------------------------------------------------


def inquiry_view(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "overdue": domain.is_overdue(record["deadline"], record["status"],
                                                   utcnow())}


def inquiries_page(db, principal: Principal, query: dict[str, Any]) -> Page:
    """Officers see all; a department those routed to it; an organisation its own."""
    found: dict[str, Any] = _matching(query, "status", "department")
    if not principal.is_staff:
        if "department" in principal.roles and principal.department:
            if query.get("department") not in (None, principal.department):
                raise Forbidden(f"Wydział widzi tylko zapytania przekazane jemu "
                                f"({principal.department}); zapytania innych wydziałów "
                                f"przegląda biuro.")
            found["department"] = principal.department
        elif principal.org_id:
            found["organization_id"] = principal.org_id
        else:
            raise Forbidden()
    if query.get("overdue") is not None:
        now = utcnow()
        if query["overdue"]:
            found["status"] = {"$in": repository.OPEN_INQUIRY_STATUSES}
            found["deadline"] = {"$lt": now}
        else:
            found["$or"] = [{"status": {"$nin": repository.OPEN_INQUIRY_STATUSES}},
                            {"deadline": {"$gte": now}}]
    page = repository.list_page(db, INQUIRIES, found, query["limit"], query["cursor"])
    return Page([inquiry_view(r) for r in page.items], page.next_cursor)


def inquiry(db, principal: Principal, inquiry_id: str) -> dict[str, Any]:
    record = one(db, INQUIRIES, inquiry_id, "Nie ma takiego zapytania.")
    if not (principal.org_id and principal.org_id == record.get("organization_id")):
        may_handle_inquiry(principal, record)
    return inquiry_view(record)


# --- trainings --------------------------------------------------------------------------


def trainings_page(db, query: dict[str, Any]) -> Page:
    return repository.list_page(db, TRAININGS, _matching(query, "kind"), query["limit"],
                                query["cursor"])


def training(db, training_id: str) -> dict[str, Any]:
    return one(db, TRAININGS, training_id, "Nie ma takiego szkolenia.")


def registrations_page(db, training_id: str, limit: int, cursor: str | None) -> Page:
    training(db, training_id)
    return repository.list_page(db, REGISTRATIONS, {"training_id": training_id}, limit,
                                cursor)


def own_registrations_page(db, person: str, limit: int, cursor: str | None) -> Page:
    """The person's own registrations, every training (a seat, waiting, or given up)."""
    return repository.list_page(db, REGISTRATIONS, {"person": person}, limit, cursor)


# --- resources and bookings -------------------------------------------------------------


def resources_page(db, query: dict[str, Any]) -> Page:
    found = _matching(query, "kind", "department")
    if query.get("district"):
        found["district_key"] = search_key(query["district"])
    return repository.list_page(db, RESOURCES, found, query["limit"], query["cursor"])


def resource(db, resource_id: str) -> dict[str, Any]:
    return one(db, RESOURCES, resource_id, "Nie ma takiego zasobu.")


def resource_calendar(db, principal: Principal | None, resource_id: str,
                      starts: datetime | None, ends: datetime | None) -> dict[str, Any]:
    """Approved bookings in a period (staff and departments also see requested ones)."""
    resource(db, resource_id)
    starts = starts or utcnow()
    ends = ends or starts + timedelta(days=CALENDAR_DEFAULT_DAYS)
    if ends <= starts or ends - starts > timedelta(days=CALENDAR_MAX_DAYS):
        raise DomainError("invalid_period",
                          f"Okres kalendarza: od 1 sekundy do {CALENDAR_MAX_DAYS} dni.",
                          field="to")
    shown = [rules.BookingStatus.APPROVED.value]
    if principal is not None and (principal.is_staff or "department" in principal.roles):
        shown.append(rules.BookingStatus.REQUESTED.value)
    items = list(db[BOOKINGS].find(
        {"resource_id": resource_id, "status": {"$in": shown}, "starts_at": {"$lt": ends},
         "ends_at": {"$gt": starts}}).sort("starts_at", ASCENDING).limit(CALENDAR_MAX_ITEMS))
    return {"resource_id": resource_id, "starts": starts, "ends": ends, "items": items}


def bookings_page(db, principal: Principal, query: dict[str, Any]) -> Page:
    """An organisation's own, a department's resources', or all (officer)."""
    found = _matching(query, "organization_id", "resource_id", "status")
    if not principal.is_staff:
        if "department" in principal.roles and principal.department:
            found["department"] = principal.department
        elif principal.org_id:
            if query.get("organization_id") not in (None, principal.org_id):
                raise Forbidden("Możesz przeglądać tylko rezerwacje własnej organizacji.")
            found["organization_id"] = principal.org_id
        else:
            raise Forbidden()
    return repository.list_page(db, BOOKINGS, found, query["limit"], query["cursor"])


def booking(db, principal: Principal, booking_id: str) -> dict[str, Any]:
    record = one(db, BOOKINGS, booking_id, "Nie ma takiej rezerwacji.")
    may_see_booking(principal, record)
    return record


# --- patronages -------------------------------------------------------------------------


def patronages_page(db, principal: Principal | None, query: dict[str, Any]) -> Page:
    """Granted ones for everyone; an organisation's own; all (officer)."""
    found = _matching(query, "organization_id", "status", "kind")
    if principal is None or not principal.is_staff:
        own = principal is not None and principal.org_id is not None \
            and query.get("organization_id") == principal.org_id
        if not own:
            if query.get("status") not in (None, GRANTED):
                raise Forbidden("Wnioski o patronat w innym stanie niż przyznane widzi "
                                "biuro i organizacja, która je złożyła (filtr "
                                "organization_id własnej organizacji).")
            found["status"] = GRANTED
    return repository.list_page(db, PATRONAGES, found, query["limit"], query["cursor"])


def patronage(db, principal: Principal | None, patronage_id: str) -> tuple[dict, bool]:
    """The request, and whether the reader sees it whole (staff, the organisation) or
    only as the public does (a granted one)."""
    record = one(db, PATRONAGES, patronage_id, "Nie ma takiego wniosku o patronat.")
    if principal is not None and (principal.is_staff
                                  or principal.org_id == record["organization_id"]):
        return record, True
    if record["status"] != GRANTED:
        raise NotFound("Nie ma takiego wniosku o patronat.")
    return record, False


# --- partnerships and volunteering ------------------------------------------------------


def partnerships_page(db, query: dict[str, Any]) -> Page:
    found: dict[str, Any] = {}
    if query.get("organization_id"):
        found["organization_ids"] = query["organization_id"]
    if query.get("area"):
        found["areas"] = query["area"]
    return repository.list_page(db, PARTNERSHIPS, found, query["limit"], query["cursor"])


def partnership(db, partnership_id: str) -> dict[str, Any]:
    return one(db, PARTNERSHIPS, partnership_id, "Nie ma takiego partnerstwa.")


def volunteering_page(db, query: dict[str, Any]) -> Page:
    found = _matching(query, "organization_id")
    if query.get("area"):
        found["areas"] = query["area"]
    if query.get("district"):
        found["district_key"] = search_key(query["district"])
    return repository.list_page(db, VOLUNTEERING, found, query["limit"], query["cursor"])


def volunteering(db, need_id: str) -> dict[str, Any]:
    return one(db, VOLUNTEERING, need_id, "Nie ma takiego ogłoszenia.")
