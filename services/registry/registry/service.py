"""The registry service: organisations, departments, areas and inquiries.

Entry points only translate HTTP into calls of the records/domain functions and
one transaction each; the rules live in `domain.py`.
"""

from __future__ import annotations

from pathlib import Path

from nameko.timer import timer

from registry import cooperation_repository, domain, records, repository
from registry.partnerships import PartnershipsMixin
from registry.patronages import PatronagesMixin
from registry.repository import (
    DEPARTMENTS,
    INQUIRIES,
    ORGANIZATIONS,
    Departments,
    Inquiries,
    Organizations,
)
from registry.resources import ResourcesMixin
from registry.schemas import (
    AreasSchema,
    DepartmentCreateSchema,
    DepartmentQuerySchema,
    DepartmentSchema,
    DepartmentUpdateSchema,
    InquiryAnswerSchema,
    InquiryAssignSchema,
    InquiryCreateSchema,
    InquiryQuerySchema,
    InquiryRouteSchema,
    InquirySchema,
    OrganizationCreateSchema,
    OrganizationQuerySchema,
    OrganizationSchema,
    OrganizationUpdateSchema,
    PublicOrganizationSchema,
    ReasonSchema,
)
from registry.search_index import OrganizationSearch
from registry.trainings import TrainingsMixin
from wspolpraca.areas import AREAS, AREAS_VERSION, validate_areas
from wspolpraca.auth import Principal, check_speaks_for
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import Forbidden, NotFound
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.pagination import Page
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(__file__).with_name("rules.toml"))
STAFF = ("officer",)  # admin passes every role check
OVERDUE_CHECK_SECONDS = 60


class OrganizationsMixin:
    db: Mongo
    search: OrganizationSearch

    @api("POST", "/api/v1/organizations", roles=("ngo", "officer"),
         body=OrganizationCreateSchema, response=OrganizationSchema, status=201,
         summary="Register an organisation (status pending until an officer verifies it)")
    def register_organization(self, request, body):
        record = records.new_organization(body, request.principal.sub, utcnow())

        def work(tx: Transaction):
            Organizations(tx).add(record)
            tx.emit("organization.registered", record["_id"],
                    records.organization_payload(record))
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/organizations", query=OrganizationQuerySchema,
         response=PublicOrganizationSchema, summary="Search organisations")
    def list_organizations(self, request, query):
        principal: Principal | None = request.principal
        status = query.get("status")
        if principal is None or not principal.is_staff:
            # the public and NGOs see the published list: verified organisations only
            status = domain.OrganizationStatus.VERIFIED.value
            if query.get("status") not in (None, status):
                raise Forbidden("Organizacje o statusie innym niż zweryfikowane widzi tylko "
                                "biuro; publiczna lista obejmuje zweryfikowane.")
        indexed = self.search.page(query.get("q"), query.get("area"), status,
                                   query.get("district"), query["limit"], query["cursor"])
        if indexed is not None:  # the in-memory read model; the database while it loads
            return indexed
        found = repository.organization_query(query.get("q"), query.get("area"), status,
                                              query.get("district"))
        return repository.list_page(self.db, ORGANIZATIONS, found, query["limit"],
                                    query["cursor"])

    @api("GET", "/api/v1/organizations/<id>", summary="One organisation")
    def get_organization(self, request, id):
        record = self.db[ORGANIZATIONS].find_one({"_id": id})
        principal: Principal | None = request.principal
        if record is None:
            raise NotFound("Nie ma takiej organizacji.")
        if principal is not None and (principal.is_staff or principal.org_id == id):
            return OrganizationSchema().dump(record)
        if record["status"] != domain.OrganizationStatus.VERIFIED.value:
            raise NotFound("Nie ma takiej organizacji.")
        return PublicOrganizationSchema().dump(record)

    @api("PATCH", "/api/v1/organizations/<id>", roles=("ngo", "officer"),
         body=OrganizationUpdateSchema, response=OrganizationSchema,
         summary="Change an organisation's data (its representative or an officer)")
    def update_organization(self, request, id, body):
        principal: Principal = request.principal
        if not principal.is_staff and principal.org_id != id:
            raise Forbidden("Możesz zmieniać tylko dane własnej organizacji.")

        def work(tx: Transaction):
            organizations = Organizations(tx)
            current = organizations.get(id)
            now = utcnow()
            record, changed = records.updated_organization(current, body, now)
            if not changed:
                return current
            to_verify = domain.fields_to_verify_again(current["status"], current, record,
                                                      changed, principal.is_staff)
            reason = domain.reverification_reason(to_verify) if to_verify else None
            if to_verify:
                status = domain.return_to_verification(current["status"])
                record = records.with_status(record, status.value, reason, now)
            organizations.replace(record, current["version"])
            tx.emit("organization.updated", id,
                    records.organization_payload(record, changed_fields=changed))
            if to_verify:
                tx.emit("organization.returned_to_verification", id,
                        records.organization_payload(record, reason=reason,
                                                     changed_by=principal.sub,
                                                     changed_at=format_time(now)))
            return record

        return self.db.transaction(work)

    def _change_status(self, request, id: str, transition, routing_key: str,
                       reason: str | None = None):
        def work(tx: Transaction):
            organizations = Organizations(tx)
            current = organizations.get(id)
            status = (transition(current["status"], reason) if reason is not None
                      else transition(current["status"]))
            now = utcnow()
            record = records.with_status(current, status.value, reason, now)
            organizations.replace(record, current["version"])
            tx.emit(routing_key, id, records.organization_payload(
                record, reason=reason, changed_by=request.principal.sub,
                changed_at=format_time(now)))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/organizations/<id>/verify", roles=STAFF, response=OrganizationSchema,
         summary="Verify an organisation against the official registers")
    def verify_organization(self, request, id):
        return self._change_status(request, id, domain.verify, "organization.verified")

    @api("POST", "/api/v1/organizations/<id>/suspend", roles=STAFF, body=ReasonSchema,
         response=OrganizationSchema, summary="Suspend a verified organisation, with a reason")
    def suspend_organization(self, request, id, body):
        return self._change_status(request, id, domain.suspend, "organization.suspended",
                                   body["reason"])

    @api("POST", "/api/v1/organizations/<id>/reinstate", roles=STAFF,
         response=OrganizationSchema, summary="Lift a suspension")
    def reinstate_organization(self, request, id):
        return self._change_status(request, id, domain.reinstate, "organization.reinstated")

    @api("POST", "/api/v1/organizations/<id>/archive", roles=STAFF, body=ReasonSchema,
         response=OrganizationSchema, summary="Archive an organisation, with a reason")
    def archive_organization(self, request, id, body):
        return self._change_status(request, id, domain.archive, "organization.archived",
                                   body["reason"])


class DepartmentsMixin:
    db: Mongo

    @api("GET", "/api/v1/areas", response=AreasSchema,
         summary="The dictionary of areas of public benefit (art. 4 ust. 1)")
    def list_areas(self, request):
        return {"version": AREAS_VERSION, "items": [{"code": a.code, "name": a.name}
                                                     for a in AREAS]}

    @api("POST", "/api/v1/departments", roles=STAFF, body=DepartmentCreateSchema,
         response=DepartmentSchema, status=201, summary="Create a city department")
    def create_department(self, request, body):
        record = records.new_department(body, utcnow())

        def work(tx: Transaction):
            Departments(tx).add(record)
            tx.emit("department.created", record["_id"], records.department_payload(record))
            return record

        return self.db.transaction(work)

    @api("PATCH", "/api/v1/departments/<code>", roles=STAFF, body=DepartmentUpdateSchema,
         response=DepartmentSchema, summary="Change a department (its areas, contact)")
    def update_department(self, request, code, body):
        def work(tx: Transaction):
            departments = Departments(tx)
            current = departments.get(code)
            changes = dict(body)
            if "areas" in changes:
                changes["areas"] = validate_areas(changes["areas"]) \
                    if changes["areas"] else []
            changed = sorted(k for k, v in changes.items() if current.get(k) != v)
            if not changed:
                return current
            record = {**current, **changes, "updated_at": utcnow()}
            departments.save(record)
            tx.emit("department.updated", code, {**records.department_payload(record),
                                                 "changed_fields": changed})
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/departments", query=DepartmentQuerySchema, response=DepartmentSchema,
         summary="City departments and the areas they handle")
    def list_departments(self, request, query):
        found = {"areas": query["area"]} if query.get("area") else {}
        return repository.department_page(self.db, found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/departments/<code>", response=DepartmentSchema)
    def get_department(self, request, code):
        record = self.db[DEPARTMENTS].find_one({"_id": code})
        if record is None:
            raise NotFound("Nie ma takiego wydziału.")
        return record


class InquiriesMixin:
    db: Mongo

    @api("POST", "/api/v1/inquiries", body=InquiryCreateSchema, response=InquirySchema,
         status=201, rate_limited=True,
         summary="File an inquiry with the liaison office (anyone may; in an "
                 "organisation's name only its representative)")
    def file_inquiry(self, request, body):
        check_speaks_for(request.principal, body.get("organization_id"))
        now = utcnow()
        record = records.new_inquiry(body, domain.response_deadline(now, RULES), now)

        def work(tx: Transaction):
            departments = [domain.DepartmentAreas(d["_id"], frozenset(d.get("areas", [])))
                           for d in Departments(tx).handling()]
            tx.emit("inquiry.received", record["_id"], records.inquiry_payload(record))
            department = domain.route_inquiry(record["area"], departments)
            if department is not None:
                record["status"] = domain.route(record["status"]).value
                record["department"] = department
                tx.emit("inquiry.routed", record["_id"], records.inquiry_payload(record))
            Inquiries(tx).add(record)
            return record

        return self._inquiry_view(self.db.transaction(work))

    def _inquiry_view(self, record: dict) -> dict:
        overdue = domain.is_overdue(record["deadline"], record["status"], utcnow())
        return {**record, "overdue": overdue}

    def _may_handle(self, principal: Principal, record: dict) -> None:
        if principal.is_staff:
            return
        if "department" in principal.roles and principal.department == record.get("department"):
            return
        raise Forbidden("To zapytanie prowadzi inny wydział.")

    @api("GET", "/api/v1/inquiries", roles=("officer", "department", "ngo"),
         query=InquiryQuerySchema, response=InquirySchema, summary="Inquiries")
    def list_inquiries(self, request, query):
        principal: Principal = request.principal
        found: dict = {}
        if query.get("status"):
            found["status"] = query["status"]
        if query.get("department"):
            found["department"] = query["department"]
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
        page = repository.list_page(self.db, INQUIRIES, found, query["limit"], query["cursor"])
        return Page([self._inquiry_view(r) for r in page.items], page.next_cursor)

    @api("GET", "/api/v1/inquiries/<id>", roles=("officer", "department", "ngo"),
         response=InquirySchema)
    def get_inquiry(self, request, id):
        record = self.db[INQUIRIES].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego zapytania.")
        principal: Principal = request.principal
        if not (principal.org_id and principal.org_id == record.get("organization_id")):
            self._may_handle(principal, record)
        return self._inquiry_view(record)

    def _inquiry_step(self, request, id: str, step) -> dict:
        def work(tx: Transaction):
            inquiries = Inquiries(tx)
            record = inquiries.get(id)
            self._may_handle(request.principal, record)
            routing_key, extra = step(tx, record)
            inquiries.save(record)
            if routing_key:
                tx.emit(routing_key, id, records.inquiry_payload(record, **extra))
            return record

        return self._inquiry_view(self.db.transaction(work))

    @api("POST", "/api/v1/inquiries/<id>/route", roles=STAFF, body=InquiryRouteSchema,
         response=InquirySchema, summary="Route an inquiry to a department by hand")
    def route_inquiry(self, request, id, body):
        def step(tx, record):
            Departments(tx).get(body["department"])
            record["status"] = domain.route(record["status"]).value
            record["department"] = body["department"]
            return "inquiry.routed", {}

        return self._inquiry_step(request, id, step)

    @api("POST", "/api/v1/inquiries/<id>/assign", roles=("officer", "department"),
         body=InquiryAssignSchema, response=InquirySchema,
         summary="Assign an inquiry to a person")
    def assign_inquiry(self, request, id, body):
        def step(tx, record):
            record["status"] = domain.assign(record["status"]).value
            record["assignee"] = body["assignee"]
            return "inquiry.assigned", {"assignee": body["assignee"]}

        return self._inquiry_step(request, id, step)

    @api("POST", "/api/v1/inquiries/<id>/answer", roles=("officer", "department"),
         body=InquiryAnswerSchema, response=InquirySchema, summary="Answer an inquiry")
    def answer_inquiry(self, request, id, body):
        def step(tx, record):
            now = utcnow()
            record["status"] = domain.answer(record["status"], body["answer"]).value
            record["answer"] = body["answer"]
            record["answered_at"] = now
            return "inquiry.answered", {
                "answer": body["answer"], "answered_at": format_time(now),
                "contact_email": record["email"],
                "on_time": now <= record["deadline"],
            }

        return self._inquiry_step(request, id, step)

    @api("POST", "/api/v1/inquiries/<id>/close", roles=("officer", "department"),
         response=InquirySchema, summary="Close an answered inquiry")
    def close_inquiry(self, request, id):
        def step(tx, record):
            record["status"] = domain.close(record["status"]).value
            record["closed_at"] = utcnow()
            return "inquiry.closed", {}

        return self._inquiry_step(request, id, step)

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def report_overdue_inquiries(self) -> int:
        """Raise `inquiry.overdue` once for each inquiry past its deadline."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.flag_overdue_inquiries()

    def flag_overdue_inquiries(self) -> int:
        now = utcnow()
        flagged = 0
        for inquiry_id in repository.overdue_inquiry_ids(self.db, now):
            def work(tx: Transaction, inquiry_id=inquiry_id):
                inquiries = Inquiries(tx)
                record = inquiries.get(inquiry_id)
                if not domain.is_overdue(record["deadline"], record["status"], now) or \
                        not inquiries.report_overdue(inquiry_id):
                    return 0
                record["overdue_reported"] = True
                days = (now - record["deadline"]).days
                tx.emit("inquiry.overdue", inquiry_id,
                        records.inquiry_payload(record, days_overdue=days))
                return 1

            flagged += self.db.transaction(work)
        return flagged


class RegistryService(OrganizationsMixin, DepartmentsMixin, InquiriesMixin, ResourcesMixin,
                      TrainingsMixin, PatronagesMixin, PartnershipsMixin):
    name = "registry"

    db = Mongo(repository.COLLECTIONS + cooperation_repository.COLLECTIONS,
               repository.GAUGES + cooperation_repository.GAUGES)
    search = OrganizationSearch()
    log_context = WorkerLogContext()
