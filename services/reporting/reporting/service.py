"""The reporting service: keeps every event of every service in its log, projects them
into read models in the same transaction, and answers statistics, open data and the
annual report from those read models. It publishes no events."""

from __future__ import annotations

from werkzeug.wrappers import Response

from reporting import cooperation, opendata, projections, rendered, report, repository, stats
from reporting.repository import EventLog, MongoStore, Reader, log_record
from reporting.schemas import (
    YEARS,
    DepartmentsOverviewSchema,
    DepartmentsQuerySchema,
    GrantsQuerySchema,
    OpenDataQuerySchema,
    OrganizationHistorySchema,
    ReportQuerySchema,
    YearQuerySchema,
)
from wspolpraca.consumer import event_handler
from wspolpraca.documents import off_the_hub
from wspolpraca.envelope import CloudEvent, utcnow
from wspolpraca.errors import DomainError, NotFound
from wspolpraca.http import api, json_response
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction

DOCUMENTS = rendered.RenderedReports(
    lambda built, fmt: off_the_hub(report.render, built, fmt),
    size=(YEARS.max - YEARS.min + 1) * len(set(report.CONTENT_TYPES) - {"json"}))
"""The annual reports rendered (off the hub), kept per year and format until their figures
change: shared by the service's workers. It holds every year and format the report may be
asked in, so a client looping over the years cannot evict them and make every request a new
rendering (documents of years without figures are small)."""


class ReportingService:
    name = "reporting"
    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    log_context = WorkerLogContext()

    # the event log and the projections ---------------------------------------
    def _record(self, event: CloudEvent) -> None:
        def work(tx: Transaction) -> None:
            log = EventLog(tx)
            if log.has(event.id):
                return
            log.add(log_record(event, utcnow()))
            projections.apply(event, MongoStore(tx.db, tx.session))

        self.db.transaction(work)

    @event_handler("registry", "#", precheck=False)
    def on_registry_event(self, event: CloudEvent) -> None:
        self._record(event)

    @event_handler("grants", "#", precheck=False)
    def on_grants_event(self, event: CloudEvent) -> None:
        self._record(event)

    @event_handler("consultations", "#", precheck=False)
    def on_consultations_event(self, event: CloudEvent) -> None:
        self._record(event)

    @event_handler("notifications", "#", precheck=False)
    def on_notifications_event(self, event: CloudEvent) -> None:
        self._record(event)

    # statistics --------------------------------------------------------------
    @api("GET", "/api/v1/stats/summary", query=YearQuerySchema,
         summary="The year's figures: organisations, competitions, offers, money, small "
                 "grants, consultations, councils, inquiries, by area, department, district "
                 "and month")
    def stats_summary(self, request, query):
        return stats.summary(Reader(self.db.db), query["year"])

    @api("GET", "/api/v1/stats/grants", query=GrantsQuerySchema,
         summary="What the city gave, to whom, for what: the year's grants per organisation "
                 "and per area")
    def stats_grants(self, request, query):
        return stats.grants(Reader(self.db.db), query["year"], query["area"],
                            query["organization_id"])

    @api("GET", "/api/v1/stats/organizations/<id>", response=OrganizationHistorySchema,
         summary="One organisation's whole cooperation with the city, from the events, with "
                 "yearly totals (officer, departments and the organisation itself: all of it; "
                 "anyone else: the public part)")
    def stats_organization(self, request, id):
        principal = request.principal
        full = principal is not None and (
            principal.is_staff or "department" in principal.roles or principal.acts_for(id))
        return cooperation.history(self.db.db, id, full)

    @api("GET", "/api/v1/stats/departments", roles=("officer",), query=DepartmentsQuerySchema,
         response=DepartmentsOverviewSchema,
         summary="Per department: its competitions, funds, organisations, and the "
                 "organisations it shares with other departments")
    def stats_departments(self, request, query):
        return cooperation.departments(self.db.db, query["year"])

    # open data ---------------------------------------------------------------
    @api("GET", "/api/v1/open-data", summary="The data dictionary of the open datasets")
    def open_data_dictionary(self, request):
        return opendata.dictionary()

    @api("GET", "/api/v1/open-data/<dataset>.<fmt>", query=OpenDataQuerySchema,
         summary="A public dataset as CSV or JSON (no personal data)")
    def open_data(self, request, dataset, fmt, query):
        found = opendata.DATASETS.get(dataset)
        if found is None:
            raise NotFound("dataset_not_found", f"Nie ma zbioru danych „{dataset}”.")
        if fmt not in ("csv", "json"):
            raise DomainError("unknown_format", "Dostępne formaty: csv, json.", field="format")
        items = opendata.rows(found, stats.Data(Reader(self.db.db)), query["year"])
        if fmt == "json":
            return json_response({"dataset": found.name, "items": items})
        return Response(opendata.to_csv(found, items), mimetype="text/csv",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{found.name}.csv"'})

    # the annual report ---------------------------------------------------------
    @api("GET", "/api/v1/reports/annual/<year>", query=ReportQuerySchema,
         summary="The annual report on the cooperation programme's execution "
                 "(json, csv, xlsx, html or pdf)")
    def annual_report(self, request, year, query):
        if not (year.isascii() and year.isdigit()) or not 2000 <= int(year) <= 2100:
            raise DomainError("invalid_year", "Rok musi być liczbą od 2000 do 2100.",
                              field="year")
        fmt = query["format"]
        built = report.build(Reader(self.db.db), int(year))
        tag = rendered.fingerprint(built, fmt)
        if request.if_none_match.contains_weak(tag):
            response = Response(status=304)
        elif fmt == "json":
            response = json_response(built)
        else:
            tag, content = DOCUMENTS.get(built, fmt)
            filename = f"sprawozdanie-{year}.{fmt}"
            disposition = "inline" if fmt == "html" else f'attachment; filename="{filename}"'
            response = Response(content, content_type=report.CONTENT_TYPES[fmt],
                                headers={"Content-Disposition": disposition})
            if fmt == "html":
                response.headers["Content-Security-Policy"] = \
                    report.content_security_policy(content)
        response.set_etag(tag, weak=True)
        response.headers["Cache-Control"] = "public, no-cache"
        return response
