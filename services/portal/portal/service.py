"""The portal: the city's public website in Polish (DESIGN.md, "Shape"; PORTAL.md).

Thin pages: each reads the services' public APIs through `site.backends`, renders a template
and degrades part by part when a backend is down. Forms post here (CSRF-checked by the page
entrypoint), are passed to the owning API, and redirect on success (POST/redirect/GET); the API's
422 messages are shown next to their fields.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from portal import cooperation, formatting
from portal.backend import BACKENDS, Rejected
from portal.bookings import BookingsMixin
from portal.committee import CommitteeMixin
from portal.contracts import ContractsMixin
from portal.department import DepartmentMixin
from portal.notifications_ws import NotificationsWorkspaceMixin
from portal.offer_budget import OfferBudgetMixin
from portal.offer_work import OfferWorkMixin
from portal.office_consultations import ConsultationsOfficeMixin
from portal.office_council import CouncilOfficeMixin
from portal.office_council_meetings import CouncilMeetingsMixin, CouncilOpinionsMixin
from portal.office_grants import OfficeGrantsMixin
from portal.office_inquiries import OfficeInquiriesMixin
from portal.office_programme import ProgrammeOfficeMixin
from portal.office_registry import LEGAL_FORMS, RegistryActionsMixin
from portal.office_stats import OfficeStatsMixin
from portal.partnerships_ws import PartnershipsMixin
from portal.patronages_ws import PatronagesMixin
from portal.small_grants_ws import SmallGrantsWorkspaceMixin
from portal.trainings_ws import TrainingsMixin
from portal.views import (
    AreaNames,
    Form,
    Parts,
    areas_of,
    calendar_entries,
    month_grid,
    shift_month,
    upcoming,
)
from portal.volunteering_ws import VolunteeringMixin
from portal.web import ASYNCAPI_CSP, PageNotFound, Site, SiteProvider, page
from portal.workspaces import WorkspacesMixin
from wspolpraca.logs import WorkerLogContext

DEPARTMENTS = AreaNames(path="/api/v1/departments", params={"limit": 100})
ORGANISATIONS_PER_PAGE = 20
# the city's districts for the directory's filter (PORTAL_DISTRICTS, comma-separated)
DISTRICTS = tuple(d.strip() for d in os.environ.get(
    "PORTAL_DISTRICTS", "Bałuty,Górna,Polesie,Śródmieście,Widzew").split(",") if d.strip())
DIGESTS = (("weekly", "raz w tygodniu"), ("daily", "codziennie"))
COMPETITION_STATUS = {
    "announced": "Nabór ofert trwa", "closed": "Nabór zakończony",
    "under_evaluation": "Nabór zakończony, trwa ocena ofert",
    "resolved": "Rozstrzygnięty", "cancelled": "Unieważniony",
}
MODES = {"supporting": "wspieranie (z wkładem własnym organizacji)",
         "entrusting": "powierzenie (pełne finansowanie)"}
CONSULTATION_STATUS = {"planned": "Planowane", "open": "Trwają", "closed": "Zakończone",
                       "report_published": "Zakończone, raport opublikowany"}
REPORT_FORMATS = (("pdf", "PDF"), ("html", "HTML"), ("xlsx", "XLSX (arkusz)"), ("csv", "CSV"))
SERVICES_FOR_DEVELOPERS = {
    "registry": "Rejestr: organizacje, wydziały, zapytania, zasoby",
    "grants": "Dotacje: programy, konkursy, oferty, umowy, małe granty",
    "consultations": "Konsultacje i rady",
    "notifications": "Powiadomienia: subskrypcje, webhooki, kalendarz",
    "reporting": "Sprawozdawczość: statystyki, sprawozdania, dane otwarte",
}


def now() -> datetime:
    return datetime.now(UTC)


def asyncapi_path() -> Path:
    own = os.environ.get("PORTAL_ASYNCAPI")
    if own:
        return Path(own)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "infra" / "asyncapi" / "asyncapi.yaml"
        if candidate.exists():
            return candidate
    return Path("infra/asyncapi/asyncapi.yaml")


def departments_of(site: Site, parts: Parts) -> dict[str, str]:
    """The departments' names by code ("culture" -> "Wydział Kultury")."""
    return parts.fetch(lambda: DEPARTMENTS.get(site.backends), {}) or {}


def passthrough(upstream, chunks, filename: str | None = None) -> Response:
    headers = {}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if "Content-Security-Policy" in upstream.headers:  # a document's own (the annual report's)
        headers["Content-Security-Policy"] = upstream.headers["Content-Security-Policy"]
    return Response(chunks, status=upstream.status_code, headers=headers,
                    content_type=upstream.headers.get("Content-Type",
                                                      "application/octet-stream"),
                    direct_passthrough=True)


class PortalService(WorkspacesMixin, CommitteeMixin, CouncilOfficeMixin,
                    DepartmentMixin, BookingsMixin, SmallGrantsWorkspaceMixin,
                    ConsultationsOfficeMixin, ProgrammeOfficeMixin, ContractsMixin,
                    OfferWorkMixin, PatronagesMixin, TrainingsMixin, VolunteeringMixin,
                    NotificationsWorkspaceMixin, OfficeInquiriesMixin, PartnershipsMixin,
                    OfficeStatsMixin, CouncilMeetingsMixin, CouncilOpinionsMixin,
                    RegistryActionsMixin, OfficeGrantsMixin, OfferBudgetMixin):
    name = "portal"
    site = SiteProvider()
    districts = DISTRICTS
    log_context = WorkerLogContext()

    def _department_names(self, parts: Parts) -> dict[str, str]:
        return departments_of(self.site, parts)

    def _submit(self, form: Form, service: str, path: str, body: dict, done: str,
                again: Callable[[int], Response]) -> Response:
        """A form passed to its API: on success redirect (POST/redirect/GET), on a refusal the
        same page again with the API's messages next to the fields."""
        try:
            self.site.backends.post(service, path, body, idempotency_key=form.key)
        except Rejected as exc:
            form.reject(exc)
            return again(exc.status)
        return redirect(done, code=303)

    def _send(self, request: Request, fields: tuple[str, ...], labels: dict[str, str],
              service: str, path: str, done: str, show: Callable[..., Response],
              many: tuple[str, ...] = ()) -> Response:
        """A public form sent as typed (`_submit`); `show(request, form, status)` is its page
        again with the API's messages."""
        form = Form.read(request, fields, labels, many=many)
        return self._submit(form, service, path, dict(form.values), done,
                            lambda status: show(request, form, status))

    def _commented(self, request: Request, service: str, path: str, hidden: str,
                   ) -> tuple[Parts, dict[str, Any], list[dict] | None]:
        """A public record open to the public's comments (`{path}/comments`): not found while
        its status is `hidden` (not yet public)."""
        parts = Parts()
        record = self.site.backends.get(service, path)
        if record["status"] == hidden:
            raise PageNotFound(request.path)
        comments = parts.fetch(lambda: self.site.backends.items(service, f"{path}/comments"), [])
        return parts, record, comments

    # --- what is open now ----------------------------------------------------------------
    @page("GET", "/")
    def home(self, request: Request) -> Response:
        site, parts, moment = self.site, Parts(), now()
        b = site.backends
        competitions = parts.fetch(lambda: b.items("grants", "/api/v1/competitions",
                                                   status="announced"), [])
        open_competitions = [c for c in competitions
                             if formatting.to_datetime(c["submission_deadline"]) > moment]
        open_competitions.sort(key=lambda c: c["submission_deadline"])
        small_grants = parts.fetch(lambda: b.items("grants", "/api/v1/small-grants",
                                                   status="published"), [])
        small_grants = [g for g in small_grants if not g.get("comments_until")
                        or formatting.to_datetime(g["comments_until"]) > moment]
        consultations = parts.fetch(lambda: b.items("consultations", "/api/v1/consultations",
                                                    status="open"), [])
        ics = parts.fetch(lambda: b.content("notifications", "/api/v1/calendar.ics"))
        events = upcoming(calendar_entries(ics), moment)[:8] if ics else []
        return site.render(request, "home.html", parts=parts, now=moment,
                           competitions=open_competitions, small_grants=small_grants,
                           consultations=consultations, events=events,
                           areas=areas_of(site, parts), left=formatting.days_left_text)

    # --- competitions --------------------------------------------------------------------
    @page("GET", "/konkursy")
    def competitions(self, request: Request) -> Response:
        site, parts, moment = self.site, Parts(), now()
        found = parts.fetch(lambda: site.backends.items("grants", "/api/v1/competitions"))
        if found is None:  # the grants service is down: the page says so, the rest renders
            return site.render(request, "competitions.html", parts=parts, now=moment,
                               open_now=None, others=None, areas={}, statuses=COMPETITION_STATUS,
                               left=formatting.days_left_text)
        open_now = sorted((c for c in found if c["status"] == "announced"
                           and formatting.to_datetime(c["submission_deadline"]) > moment),
                          key=lambda c: c["submission_deadline"])
        others = sorted((c for c in found if c not in open_now),
                        key=lambda c: c.get("published_at") or "", reverse=True)
        return site.render(request, "competitions.html", parts=parts, now=moment,
                           open_now=open_now, others=others, areas=areas_of(site, parts),
                           statuses=COMPETITION_STATUS, left=formatting.days_left_text)

    @page("GET", "/konkursy/<id>")
    def competition(self, request: Request, id: str) -> Response:
        site, parts, moment = self.site, Parts(), now()
        competition = site.backends.get("grants", f"/api/v1/competitions/{id}")
        results = None
        organisations: dict[str, str] = {}
        if competition["status"] == "resolved":
            results = parts.fetch(lambda: site.backends.get(
                "grants", f"/api/v1/competitions/{id}/results"))
            for item in (results or {}).get("items", []):
                org = parts.fetch(lambda i=item: site.backends.get(
                    "registry", f"/api/v1/organizations/{i['organization_id']}"))
                organisations[item["organization_id"]] = (org or {}).get("name", "")
        taking_offers = (competition["status"] == "announced" and
                         formatting.to_datetime(competition["submission_deadline"]) > moment)
        return site.render(request, "competition.html", parts=parts, now=moment,
                           c=competition, results=results, organisations=organisations,
                           taking_offers=taking_offers, areas=areas_of(site, parts),
                           statuses=COMPETITION_STATUS, modes=MODES,
                           left=formatting.days_left_text)

    # --- organisations -------------------------------------------------------------------
    @page("GET", "/organizacje")
    def organisations(self, request: Request) -> Response:
        site, parts = self.site, Parts()
        q = (request.args.get("q") or "").strip()[:200]
        area = (request.args.get("obszar") or "").strip()
        district = (request.args.get("dzielnica") or "").strip()
        cursor = (request.args.get("strona") or "").strip()
        areas = areas_of(site, parts)
        if area and area not in areas:
            area = ""
        if district not in DISTRICTS:
            district = ""
        page_of = parts.fetch(lambda: site.backends.get(
            "registry", "/api/v1/organizations", q=q or None, area=area or None,
            district=district or None, status="verified", limit=ORGANISATIONS_PER_PAGE,
            cursor=cursor or None))

        def link(cursor_of: str) -> str:
            query = {k: v for k, v in (("q", q), ("obszar", area), ("dzielnica", district),
                                       ("strona", cursor_of)) if v}
            return "/organizacje" + ("?" + urlencode(query) if query else "")

        next_cursor = (page_of or {}).get("next_cursor")
        next_link = link(next_cursor) if next_cursor else None
        context = dict(q=q, area=area, areas=areas, district=district, districts=DISTRICTS,
                       found=(page_of or {}).get("items"), next_link=next_link,
                       first_link=link("") if cursor else None, legal_forms=LEGAL_FORMS)
        # the form and the results are the same for every reader until the registry's
        # answers change: rendered once for them, the header (the reader's account) per
        # request (docs/performance.md, "/organizacje"); shown but not kept when a part failed
        directory = site.fragment(("/organizacje", q, area, district, cursor),
                                  (page_of, areas), "organisations_directory.html",
                                  keep=not parts.unavailable, **context)
        # and a reader who is not signed in gets the whole page kept (per address)
        return site.render_public(request, ("/organizacje", q, area, district, cursor),
                                  (page_of, areas), "organisations.html",
                                  keep=not parts.unavailable, parts=parts, q=q,
                                  directory=directory)

    @page("GET", "/organizacje/<id>")
    def organisation(self, request: Request, id: str) -> Response:
        site, parts = self.site, Parts()
        org = site.backends.get("registry", f"/api/v1/organizations/{id}")
        if org.get("status") != "verified":
            raise PageNotFound(id)
        found = parts.fetch(lambda: cooperation.history(site, request, id,
                                                        lambda: self._me(request)))
        return site.render(request, "organisation.html", parts=parts, org=org,
                           areas=areas_of(site, parts), legal_forms=LEGAL_FORMS,
                           cooperation=found, status_of=cooperation.status_of,
                           departments=departments_of(site, parts) if found else {})

    # --- consultations -------------------------------------------------------------------
    @page("GET", "/konsultacje")
    def consultations(self, request: Request) -> Response:
        site, parts, moment = self.site, Parts(), now()
        found = parts.fetch(lambda: site.backends.items("consultations",
                                                        "/api/v1/consultations"))
        found = None if found is None else [c for c in found if c["status"] != "planned"]
        if found:
            found.sort(key=lambda c: (c["status"] != "open", c.get("closes_at") or ""))
        return site.render(request, "consultations.html", parts=parts, now=moment,
                           consultations=found, statuses=CONSULTATION_STATUS,
                           left=formatting.days_left_text)

    CONSULTATION_FIELDS = ("section", "author", "text")
    CONSULTATION_LABELS = {"section": "Fragment projektu", "author": "Imię i nazwisko",
                           "text": "Treść uwagi"}

    @page("GET", "/konsultacje/<id>")
    def consultation(self, request: Request, id: str) -> Response:
        form = Form(self.CONSULTATION_FIELDS, labels=self.CONSULTATION_LABELS)
        return self._consultation(request, id, form)

    @page("POST", "/konsultacje/<id>")
    def comment_consultation(self, request: Request, id: str) -> Response:
        form = Form.read(request, self.CONSULTATION_FIELDS, self.CONSULTATION_LABELS)
        body = {"author": form.values["author"], "text": form.values["text"]}
        if form.values["section"]:
            body["section"] = form.values["section"]
        if request.form.get("as_organization"):   # a representative, in its name
            return self._comment_for_organisation(request, id, form, body)
        return self._submit(form, "consultations", f"/api/v1/consultations/{id}/comments",
                            body, f"/konsultacje/{id}?wyslano=1#uwagi",
                            lambda status: self._consultation(request, id, form, status))

    def _consultation(self, request: Request, id: str, form: Form,
                      status: int = 200) -> Response:
        site, moment = self.site, now()
        parts, consultation, comments = self._commented(
            request, "consultations", f"/api/v1/consultations/{id}", hidden="planned")
        return site.render(request, "consultation.html", status=status, parts=parts,
                           now=moment, c=consultation, comments=comments, form=form,
                           sent=request.args.get("wyslano") == "1",
                           statuses=CONSULTATION_STATUS, left=formatting.days_left_text)

    @page("GET", "/konsultacje/<id>/raport")
    def consultation_report(self, request: Request, id: str) -> Response:
        upstream, chunks = self.site.backends.stream(
            "consultations", f"/api/v1/consultations/{id}/report", format="pdf")
        return passthrough(upstream, chunks, f"raport-z-konsultacji-{id}.pdf")

    # --- small grants --------------------------------------------------------------------
    @page("GET", "/male-granty")
    def small_grants(self, request: Request) -> Response:
        site, parts, moment = self.site, Parts(), now()
        published = parts.fetch(lambda: site.backends.items(
            "grants", "/api/v1/small-grants", status="published"))
        awarded = parts.fetch(lambda: site.backends.items(
            "grants", "/api/v1/small-grants", status="awarded"))
        return site.render(request, "small_grants.html", parts=parts, now=moment,
                           published=published, awarded=awarded,
                           areas=areas_of(site, parts), left=formatting.days_left_text)

    SMALL_GRANT_FIELDS = ("author", "text")
    SMALL_GRANT_LABELS = {"author": "Imię i nazwisko lub nazwa", "text": "Treść uwagi"}

    @page("GET", "/male-granty/<id>")
    def small_grant(self, request: Request, id: str) -> Response:
        return self._small_grant(request, id, Form(self.SMALL_GRANT_FIELDS,
                                                   labels=self.SMALL_GRANT_LABELS))

    @page("POST", "/male-granty/<id>")
    def comment_small_grant(self, request: Request, id: str) -> Response:
        return self._send(request, self.SMALL_GRANT_FIELDS, self.SMALL_GRANT_LABELS, "grants",
                          f"/api/v1/small-grants/{id}/comments",
                          f"/male-granty/{id}?wyslano=1#uwagi",
                          lambda request, form, status: self._small_grant(request, id, form,
                                                                          status))

    def _small_grant(self, request: Request, id: str, form: Form,
                     status: int = 200) -> Response:
        site, moment = self.site, now()
        parts, grant, comments = self._commented(request, "grants", f"/api/v1/small-grants/{id}",
                                                 hidden="submitted")
        org = parts.fetch(lambda: site.backends.get(
            "registry", f"/api/v1/organizations/{grant['organization_id']}"))
        open_for_comments = (grant["status"] == "published" and (
            not grant.get("comments_until")
            or formatting.to_datetime(grant["comments_until"]) > moment))
        return site.render(request, "small_grant.html", status=status, parts=parts,
                           now=moment, g=grant, org=org, comments=comments, form=form,
                           open_for_comments=open_for_comments,
                           sent=request.args.get("wyslano") == "1",
                           areas=areas_of(site, parts), left=formatting.days_left_text)

    # --- the council ---------------------------------------------------------------------
    @page("GET", "/rada")
    def council(self, request: Request) -> Response:
        site, parts = self.site, Parts()
        councils = parts.fetch(lambda: site.backends.items("consultations",
                                                           "/api/v1/councils"), [])
        councils.sort(key=lambda c: c["kind"] != "public_benefit_council")
        details = []
        for council in councils:
            meetings = parts.fetch(lambda c=council: site.backends.items(
                "consultations", f"/api/v1/councils/{c['id']}/meetings"), [])
            opinions = parts.fetch(lambda c=council: site.backends.items(
                "consultations", f"/api/v1/councils/{c['id']}/opinion-requests"), [])
            members = [m for m in council.get("members", []) if not m.get("left_at")]
            details.append({"council": council, "meetings": meetings, "opinions": opinions,
                            "members": members})
        return site.render(request, "council.html", parts=parts, councils=details)

    # --- the calendar --------------------------------------------------------------------
    @page("GET", "/kalendarz")
    def calendar(self, request: Request) -> Response:
        site, parts, moment = self.site, Parts(), now()
        today = moment.astimezone(formatting.WARSAW).date()
        try:
            year, month = (int(x) for x in (request.args.get("miesiac") or "").split("-"))
            if not (2011 <= year <= 2100 and 1 <= month <= 12):
                raise ValueError
        except ValueError:
            year, month = today.year, today.month
        ics = parts.fetch(lambda: site.backends.content(
            "notifications", "/api/v1/calendar.ics"))
        entries = calendar_entries(ics) if ics else []
        in_month = [e for e in entries if (e.starts.year, e.starts.month) == (year, month)]
        previous, following = shift_month(year, month, -1), shift_month(year, month, 1)
        return site.render(request, "calendar.html", parts=parts, today=today,
                           title=formatting.month_name(year, month), weeks=month_grid(
                               year, month, entries), entries=in_month,
                           previous=f"{previous[0]}-{previous[1]:02d}",
                           following=f"{following[0]}-{following[1]:02d}",
                           previous_name=formatting.month_name(*previous),
                           following_name=formatting.month_name(*following),
                           available=ics is not None)

    @page("GET", "/kalendarz.ics")
    def calendar_feed(self, request: Request) -> Response:
        upstream, chunks = self.site.backends.stream("notifications", "/api/v1/calendar.ics")
        return passthrough(upstream, chunks)

    # --- reports and open data -----------------------------------------------------------
    @page("GET", "/sprawozdania")
    def reports(self, request: Request) -> Response:
        site = self.site
        this_year = now().astimezone(formatting.WARSAW).year

        def build(parts: Parts) -> dict[str, Any]:
            dictionary = parts.fetch(lambda: site.backends.get("reporting",
                                                               "/api/v1/open-data"))
            return {"years": list(range(this_year + 1, this_year - 3, -1)),
                    "formats": REPORT_FORMATS,
                    "datasets": (dictionary or {}).get("datasets", [])}

        # the same for every reader and rendered from a static dictionary: kept (bench)
        return site.render_kept(request, ("reporting", "page", request.path, this_year),
                                "reports.html", build)

    @page("GET", "/sprawozdania/<int:year>.<fmt>")
    def report_file(self, request: Request, year: int, fmt: str) -> Response:
        if fmt not in dict(REPORT_FORMATS):
            raise PageNotFound(fmt)
        upstream, chunks = self.site.backends.stream(
            "reporting", f"/api/v1/reports/annual/{year}", format=fmt)
        return passthrough(upstream, chunks, None if fmt == "html"
                           else f"sprawozdanie-{year}.{fmt}")

    @page("GET", "/sprawozdania/dane/<dataset>.<fmt>")
    def open_data(self, request: Request, dataset: str, fmt: str) -> Response:
        if fmt not in ("csv", "json"):
            raise PageNotFound(fmt)
        upstream, chunks = self.site.backends.stream(
            "reporting", f"/api/v1/open-data/{dataset}.{fmt}")
        return passthrough(upstream, chunks, f"{dataset}.{fmt}")

    # --- contact: an inquiry to the liaison office -----------------------------------------
    CONTACT_FIELDS = ("name", "email", "area", "subject", "text")
    CONTACT_LABELS = {"name": "Imię i nazwisko", "email": "Adres e-mail",
                      "area": "Czego dotyczy sprawa", "subject": "Temat", "text": "Treść"}

    @page("GET", "/kontakt")
    def contact(self, request: Request) -> Response:
        return self._contact(request, Form(self.CONTACT_FIELDS, labels=self.CONTACT_LABELS))

    @page("POST", "/kontakt")
    def send_inquiry(self, request: Request) -> Response:
        return self._send(request, self.CONTACT_FIELDS, self.CONTACT_LABELS, "registry",
                          "/api/v1/inquiries", "/kontakt?wyslano=1", self._contact)

    def _contact(self, request: Request, form: Form, status: int = 200) -> Response:
        parts = Parts()
        return self.site.render(request, "contact.html", status=status, parts=parts,
                                form=form, areas=areas_of(self.site, parts),
                                sent=request.args.get("wyslano") == "1")

    # --- the newsletter (double opt-in by the notifications service) ----------------------
    NEWSLETTER_FIELDS = ("email", "areas", "digest")
    NEWSLETTER_LABELS = {"email": "Adres e-mail", "areas": "Obszary",
                         "digest": "Jak często"}

    @page("GET", "/newsletter")
    def newsletter(self, request: Request) -> Response:
        form = Form(self.NEWSLETTER_FIELDS, values={"areas": [], "digest": "weekly"},
                    labels=self.NEWSLETTER_LABELS)
        return self._newsletter(request, form)

    @page("POST", "/newsletter")
    def subscribe(self, request: Request) -> Response:
        return self._send(request, self.NEWSLETTER_FIELDS, self.NEWSLETTER_LABELS,
                          "notifications", "/api/v1/newsletter", "/newsletter?wyslano=1",
                          self._newsletter, many=("areas",))

    def _newsletter(self, request: Request, form: Form, status: int = 200) -> Response:
        parts = Parts()
        return self.site.render(request, "newsletter.html", status=status, parts=parts,
                                form=form, areas=areas_of(self.site, parts), digests=DIGESTS,
                                sent=request.args.get("wyslano") == "1")

    @page("GET", "/newsletter/potwierdz")
    def confirm_newsletter(self, request: Request) -> Response:
        token = (request.args.get("token") or "")[:2000]
        return self.site.render(request, "newsletter_confirm.html", token=token,
                                state=request.args.get("stan", ""))

    @page("POST", "/newsletter/potwierdz")
    def confirmed_newsletter(self, request: Request) -> Response:
        token = (request.form.get("token") or "")[:2000]
        try:
            self.site.backends.post("notifications", "/api/v1/newsletter/confirm",
                                    {"token": token})
        except Rejected:
            return redirect("/newsletter/potwierdz?stan=blad", code=303)
        return redirect("/newsletter/potwierdz?stan=ok", code=303)

    # --- for developers ------------------------------------------------------------------
    @page("GET", "/dla-deweloperow")
    def developers(self, request: Request) -> Response:
        return self.site.render(request, "developers.html",
                                services=SERVICES_FOR_DEVELOPERS)

    @page("GET", "/dla-deweloperow/api/<service>")
    def swagger(self, request: Request, service: str) -> Response:
        if service not in SERVICES_FOR_DEVELOPERS:
            raise PageNotFound(service)
        return self.site.render(request, "swagger.html", service=service,
                                title=SERVICES_FOR_DEVELOPERS[service])

    @page("GET", "/dla-deweloperow/api/<service>/openapi.json")
    def openapi(self, request: Request, service: str) -> Response:
        if service not in BACKENDS:
            raise PageNotFound(service)
        upstream, chunks = self.site.backends.stream(service, "/api/v1/openapi.json")
        return passthrough(upstream, chunks)

    @page("GET", "/dla-deweloperow/zdarzenia", csp=ASYNCAPI_CSP)
    def events(self, request: Request) -> Response:
        return self.site.render(request, "asyncapi.html")

    @page("GET", "/dla-deweloperow/asyncapi.yaml")
    def asyncapi(self, request: Request) -> Response:
        path = asyncapi_path()
        if not path.exists():
            raise PageNotFound("asyncapi.yaml")
        return Response(path.read_bytes(), mimetype="application/yaml")

    # --- the accessibility statement -----------------------------------------------------
    @page("GET", "/deklaracja-dostepnosci")
    def accessibility(self, request: Request) -> Response:
        return self.site.render(request, "accessibility.html")

    @page("GET", "/rodo")
    def privacy(self, request: Request) -> Response:
        return self.site.render(request, "privacy.html")
