"""The registry service: organisations, departments, areas and inquiries.

Entry points only route, parse (the schemas), check the role and make one call: a command
handler of `registry.handlers` in one transaction, or a query function of `queries.py`.
The rules live in `domain.py` and `cooperation_domain.py`.
"""

from __future__ import annotations

from registry import cooperation_repository, domain, queries, repository
from registry.entry import STAFF, Entry
from registry.handlers import departments, inquiries, organizations
from registry.partnerships import PartnershipsMixin
from registry.patronages import PatronagesMixin
from registry.repository import ORGANIZATIONS
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
from wspolpraca.areas import AREAS, AREAS_VERSION
from wspolpraca.auth import Principal, check_speaks_for
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Forbidden
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo
from wspolpraca.service_layer import ChangeStatus, Due, RecordStep, Submit
from wspolpraca.timers import scheduled

OVERDUE_CHECK_SECONDS = 60


def listed_status(principal: Principal | None, query: dict) -> str | None:
    """The status a search lists: the public and NGOs see the published list, verified
    organisations only; the office any status it asks for."""
    if principal is not None and principal.is_staff:
        return query.get("status")
    status = domain.OrganizationStatus.VERIFIED.value
    if query.get("status") not in (None, status):
        raise Forbidden("Organizacje o statusie innym niż zweryfikowane widzi tylko "
                        "biuro; publiczna lista obejmuje zweryfikowane.")
    return status


def indexed_search(search: OrganizationSearch, principal: Principal | None, query: dict):
    """A search answered by the process's search index in the request's own thread (no
    worker: the index is in memory); None for a search by NIP (the database's unique index
    answers it) or while the index loads, and the worker answers."""
    if query.get("nip"):
        return None
    return search.page(query.get("q"), query.get("area"), listed_status(principal, query),
                       query.get("district"), query["limit"], query["cursor"])


class OrganizationsMixin(Entry):
    search: OrganizationSearch

    @api("POST", "/api/v1/organizations", roles=("ngo", "officer"),
         body=OrganizationCreateSchema, response=OrganizationSchema, status=201,
         summary="Register an organisation (status pending until an officer verifies it)")
    def register_organization(self, request, body):
        return self.handle(organizations.register_organization,
                           organizations.RegisterOrganization(body, request.principal.sub))

    @api("GET", "/api/v1/organizations", query=OrganizationQuerySchema,
         response=PublicOrganizationSchema, summary="Search organisations",
         remember_queries=True,  # its filters are checked against fixed lists only
         answer=lambda container, request, query: indexed_search(
             OrganizationSearch.of(container), request.principal, query))
    def list_organizations(self, request, query):
        status = listed_status(request.principal, query)
        if query.get("nip"):  # one organisation at most, by the unique index on the NIP
            found = {**repository.organization_query(query.get("q"), query.get("area"), status,
                                                     query.get("district")),
                     "nip": domain.validate_nip(query["nip"])}
            return repository.list_page(self.db, ORGANIZATIONS, found, query["limit"],
                                        query["cursor"])
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
        return queries.organization(self.db, request.principal, id)

    @api("PATCH", "/api/v1/organizations/<id>", roles=("ngo", "officer"),
         body=OrganizationUpdateSchema, response=OrganizationSchema,
         summary="Change an organisation's data (its representative or an officer)")
    def update_organization(self, request, id, body):
        principal: Principal = request.principal
        if not principal.is_staff and principal.org_id != id:
            raise Forbidden("Możesz zmieniać tylko dane własnej organizacji.")
        return self.handle(organizations.update_organization, organizations.UpdateOrganization(
            id, body, principal.sub, principal.is_staff))

    def _change_status(self, request, id: str, action: str, reason: str | None = None):
        return self.handle(organizations.change_organization_status,
                           ChangeStatus(id, action, request.principal.sub, reason))

    @api("POST", "/api/v1/organizations/<id>/verify", roles=STAFF, response=OrganizationSchema,
         summary="Verify an organisation against the official registers")
    def verify_organization(self, request, id):
        return self._change_status(request, id, "verify")

    @api("POST", "/api/v1/organizations/<id>/suspend", roles=STAFF, body=ReasonSchema,
         response=OrganizationSchema, summary="Suspend a verified organisation, with a reason")
    def suspend_organization(self, request, id, body):
        return self._change_status(request, id, "suspend", body["reason"])

    @api("POST", "/api/v1/organizations/<id>/reinstate", roles=STAFF,
         response=OrganizationSchema, summary="Lift a suspension")
    def reinstate_organization(self, request, id):
        return self._change_status(request, id, "reinstate")

    @api("POST", "/api/v1/organizations/<id>/archive", roles=STAFF, body=ReasonSchema,
         response=OrganizationSchema, summary="Archive an organisation, with a reason")
    def archive_organization(self, request, id, body):
        return self._change_status(request, id, "archive", body["reason"])


class DepartmentsMixin(Entry):
    @api("GET", "/api/v1/areas", response=AreasSchema,
         summary="The dictionary of areas of public benefit (art. 4 ust. 1)")
    def list_areas(self, request):
        return {"version": AREAS_VERSION, "items": [{"code": a.code, "name": a.name}
                                                     for a in AREAS]}

    @api("POST", "/api/v1/departments", roles=STAFF, body=DepartmentCreateSchema,
         response=DepartmentSchema, status=201, summary="Create a city department")
    def create_department(self, request, body):
        return self.handle(departments.create_department, Submit(request.principal, body))

    @api("PATCH", "/api/v1/departments/<code>", roles=STAFF, body=DepartmentUpdateSchema,
         response=DepartmentSchema, summary="Change a department (its areas, contact)")
    def update_department(self, request, code, body):
        return self.handle(departments.update_department,
                           RecordStep(request.principal, code, body))

    @api("GET", "/api/v1/departments", query=DepartmentQuerySchema, response=DepartmentSchema,
         summary="City departments and the areas they handle")
    def list_departments(self, request, query):
        return queries.departments_page(self.db, query.get("area"), query["limit"],
                                        query["cursor"])

    @api("GET", "/api/v1/departments/<code>", response=DepartmentSchema)
    def get_department(self, request, code):
        return queries.department(self.db, code)


class InquiriesMixin(Entry):
    @api("POST", "/api/v1/inquiries", body=InquiryCreateSchema, response=InquirySchema,
         status=201, rate_limited=True,
         summary="File an inquiry with the liaison office (anyone may; in an "
                 "organisation's name only its representative)")
    def file_inquiry(self, request, body):
        check_speaks_for(request.principal, body.get("organization_id"))
        return queries.inquiry_view(self.handle(inquiries.file_inquiry,
                                                inquiries.FileInquiry(body)))

    @api("GET", "/api/v1/inquiries", roles=("officer", "department", "ngo"),
         query=InquiryQuerySchema, response=InquirySchema, summary="Inquiries")
    def list_inquiries(self, request, query):
        return queries.inquiries_page(self.db, request.principal, query)

    @api("GET", "/api/v1/inquiries/<id>", roles=("officer", "department", "ngo"),
         response=InquirySchema)
    def get_inquiry(self, request, id):
        return queries.inquiry(self.db, request.principal, id)

    def _inquiry_step(self, handler, request, id: str, value: str | None = None) -> dict:
        return queries.inquiry_view(self.handle(handler, inquiries.InquiryStep(
            id, request.principal, value)))

    @api("POST", "/api/v1/inquiries/<id>/route", roles=STAFF, body=InquiryRouteSchema,
         response=InquirySchema, summary="Route an inquiry to a department by hand")
    def route_inquiry(self, request, id, body):
        return self._inquiry_step(inquiries.route_inquiry, request, id, body["department"])

    @api("POST", "/api/v1/inquiries/<id>/assign", roles=("officer", "department"),
         body=InquiryAssignSchema, response=InquirySchema,
         summary="Assign an inquiry to a person")
    def assign_inquiry(self, request, id, body):
        return self._inquiry_step(inquiries.assign_inquiry, request, id, body["assignee"])

    @api("POST", "/api/v1/inquiries/<id>/answer", roles=("officer", "department"),
         body=InquiryAnswerSchema, response=InquirySchema, summary="Answer an inquiry")
    def answer_inquiry(self, request, id, body):
        return self._inquiry_step(inquiries.answer_inquiry, request, id, body["answer"])

    @api("POST", "/api/v1/inquiries/<id>/close", roles=("officer", "department"),
         response=InquirySchema, summary="Close an answered inquiry")
    def close_inquiry(self, request, id):
        return self._inquiry_step(inquiries.close_inquiry, request, id)

    @scheduled(OVERDUE_CHECK_SECONDS)
    def report_overdue_inquiries(self) -> int:
        """Raise `inquiry.overdue` once for each inquiry past its deadline."""
        return self.flag_overdue_inquiries()

    def flag_overdue_inquiries(self) -> int:
        now = utcnow()
        return sum(self.handle(inquiries.flag_overdue, Due(inquiry_id, now))
                   for inquiry_id in repository.overdue_inquiry_ids(self.db, now))


class RegistryService(OrganizationsMixin, DepartmentsMixin, InquiriesMixin, ResourcesMixin,
                      TrainingsMixin, PatronagesMixin, PartnershipsMixin):
    name = "registry"

    db = Mongo(repository.COLLECTIONS + cooperation_repository.COLLECTIONS,
               repository.GAUGES + cooperation_repository.GAUGES)
    search = OrganizationSearch()
    log_context = WorkerLogContext()
