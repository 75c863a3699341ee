"""The liaison officer's cooperation programme and announcements (issue #18):
`/urzad/program` — the programme editor (a draft with its funds per area, edited while it is
a draft, adopted; art. 5a) — and `/urzad/konkursy/nowy` — announcing an open competition, the
21 days of art. 13 ust. 1 explained before they bite (grants' earliest deadline as the hint,
its 422 at the field).

Every action is grants' API with the person's token: the portal parses what was typed (money
the Polish way, a date and an hour in Warsaw time) and shows the API's answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.committee import _typed
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page
from portal.workspaces import edited_form

PROGRAMME_STATUS = {"draft": "Projekt", "consulted": "Projekt po konsultacjach",
                    "adopted": "Uchwalony"}
MODES = {"supporting": "wspieranie (z wkładem własnym organizacji)",
         "entrusting": "powierzenie (pełne finansowanie)"}
CRITERION_ROWS = 3
MONEY_HINT = "Wpisz kwotę w złotych, np. 12 500,00."


def parse_amounts(form: Form, names: list[str]) -> dict[str, str]:
    """The amounts typed in `names` as the API takes them ("12 500,00" -> "12500.00"); one that
    is not money is told at its field (the format of a number, not a rule of the Act)."""
    parsed: dict[str, str] = {}
    for name in names:
        typed = form.values.get(name)
        if not typed:
            continue
        amount = formatting.parse_money(typed)
        if amount is None:
            form.errors.setdefault(name, []).append(MONEY_HINT)
        else:
            parsed[name] = amount
    return parsed


def warsaw_moment(day_typed: str, hour_typed: str) -> str:
    """A date and an hour typed in the form as an instant of Warsaw time (ISO 8601); what is
    not a date is passed on as typed, for the API to explain."""
    try:
        when = datetime.combine(date.fromisoformat(day_typed),
                                time.fromisoformat(hour_typed or "12:00"),
                                tzinfo=formatting.WARSAW)
    except ValueError:
        return day_typed
    return when.isoformat()


class ProgrammeOfficeMixin(SignedIn):
    # CommitteeMixin's: the officer or a department (who run competitions)
    _staff: Callable[[Request], Session]

    # --- the programme ---------------------------------------------------------------------
    @staticmethod
    def _programme_form(areas: dict[str, str], with_year: bool) -> Form:
        labels = {"year": "Rok programu", "title": "Tytuł programu",
                  "goals": "Cele programu", "funds": "Planowane środki na obszary"}
        labels.update({f"fund_{code}": name for code, name in areas.items()})
        fields = tuple(k for k in labels if with_year or k != "year")
        return Form(fields, labels=labels)

    def _programme_body(self, form: Form, areas: dict[str, str]) -> tuple[dict, list[str]]:
        """The API's body, and the fund fields in the order sent (for the 422's
        `funds.N.amount`)."""
        names = [f"fund_{code}" for code in areas]
        amounts = parse_amounts(form, names)
        sent = [n for n in names if n in amounts]
        body: dict[str, Any] = {
            "title": form.values["title"],
            "goals": [g.strip() for g in form.values["goals"].splitlines() if g.strip()],
            "funds": [{"area": n.removeprefix("fund_"), "amount": amounts[n]} for n in sent]}
        if "year" in form.fields:
            try:
                body["year"] = int(form.values["year"])
            except ValueError:
                form.errors.setdefault("year", []).append("Wpisz rok, np. 2028.")
        return body, sent

    @page("GET", "/urzad/program")
    def programmes(self, request: Request) -> Response:
        me = self._role(request, "officer")
        parts = Parts()
        areas = self._areas(parts)
        form = self._programme_form(areas, with_year=True)
        form.values["year"] = str(today().year + 1)
        return self._programmes(request, me, form, parts, areas)

    def _programmes(self, request: Request, me: Session, form: Form, parts: Parts,
                    areas: dict[str, str], status: int = 200) -> Response:
        listing = self._list(me, request, parts, "grants", "/api/v1/programmes",
                             at="/urzad/program")
        found = listing.items
        if found:
            found.sort(key=lambda p: p["year"], reverse=True)
        return self.site.render(request, "workspace/programme_list.html", status=status,
                                parts=parts, found=found, listing=listing, form=form,
                                areas=areas,
                                statuses=PROGRAMME_STATUS)

    @page("POST", "/urzad/program")
    def draft_programme(self, request: Request) -> Response:
        me = self._role(request, "officer")
        parts = Parts()
        areas = self._areas(parts)
        blank = self._programme_form(areas, with_year=True)
        form = Form.read(request, blank.fields, blank.labels)
        body, sent = self._programme_body(form, areas)
        return self._submit_as(
            me, request, form, "grants", "/api/v1/programmes", body,
            lambda made: f"/urzad/program/{made['id']}?zapisano=projekt",
            lambda status: self._programmes(request, me, form, parts, areas, status),
            items={"funds": sent})

    @page("GET", "/urzad/program/<id>")
    def programme(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._programme(request, me, id)

    def _programme(self, request: Request, me: Session, id: str, form: Form | None = None,
                   status: int = 200) -> Response:
        programme, version = self._read_versioned(me, "grants", f"/api/v1/programmes/{id}")
        parts = Parts()
        areas = self._areas(parts)
        stored = {"title": programme["title"],
                  "goals": "\n".join(programme.get("goals") or [])}
        for fund in programme["funds"]:
            stored[f"fund_{fund['area']}"] = _typed(fund["amount"])
        form = edited_form(form, self._programme_form(areas, with_year=False), stored, version,
                           "ten projekt programu")
        return self.site.render(request, "workspace/programme.html", status=status,
                                parts=parts, p=programme, form=form, areas=areas,
                                statuses=PROGRAMME_STATUS, saved=request.args.get("zapisano"),
                                error=request.args.get("blad"))

    @page("POST", "/urzad/program/<id>")
    def edit_programme(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        areas = self._areas(Parts())
        blank = self._programme_form(areas, with_year=False)
        form = Form.read(request, blank.fields, blank.labels)
        body, sent = self._programme_body(form, areas)
        return self._save_edit(me, request, form, "PATCH", "grants", f"/api/v1/programmes/{id}",
                               body, f"/urzad/program/{id}?zapisano=zmiany",
                               lambda status: self._programme(request, me, id, form, status),
                               items={"funds": sent})

    @page("POST", "/urzad/program/<id>/uchwal")
    def adopt_programme(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._act_as(me, request, "grants", f"/api/v1/programmes/{id}/adopt",
                            f"/urzad/program/{id}?zapisano=uchwalony",
                            lambda exc: redirect(f"/urzad/program/{id}?blad={quote(exc.message)}",
                                                 code=303))

    # --- announcing a competition ------------------------------------------------------------
    COMPETITION_LABELS = {
        "title": "Tytuł konkursu", "area": "Obszar zadania publicznego",
        "mode": "Forma realizacji zadania", "budget": "Wysokość środków na zadanie",
        "submission_deadline": "Termin składania ofert: dzień",
        "submission_deadline_time": "Termin składania ofert: godzina",
        "task_start": "Początek realizacji zadania", "task_end": "Koniec realizacji zadania",
        "min_own_contribution_pct": "Wymagany wkład własny (% kosztu zadania)",
        "criteria": "Kryteria oceny ofert",
        "task_description": "Opis zadania", "award_rules": "Zasady przyznawania dotacji",
        "delivery_conditions": "Warunki realizacji zadania",
    }

    def _competition_form(self) -> Form:
        labels = dict(self.COMPETITION_LABELS)
        for i in range(CRITERION_ROWS):
            labels[f"criteria_{i}_name"] = f"Kryterium {i + 1}: nazwa"
            labels[f"criteria_{i}_max_points"] = f"Kryterium {i + 1}: najwyższa liczba punktów"
        return Form(tuple(labels), labels=labels)

    @page("GET", "/urzad/konkursy/nowy")
    def new_competition(self, request: Request) -> Response:
        # the officer, or a department announcing its own (grants names it from the claim)
        self._staff(request)
        form = self._competition_form()
        form.values.update(mode="supporting", submission_deadline_time="12:00",
                           min_own_contribution_pct="10", criteria_0_name="Jakość merytoryczna",
                           criteria_0_max_points="10", criteria_1_name="Koszty realizacji",
                           criteria_1_max_points="5")
        return self._competition_page(request, form)

    def _competition_page(self, request: Request, form: Form, status: int = 200) -> Response:
        parts = Parts()
        terms = parts.fetch(lambda: self.site.backends.get(
            "grants", "/api/v1/competitions/announcement-terms"))
        return self.site.render(request, "workspace/programme_competition_form.html",
                                status=status, parts=parts, form=form, terms=terms,
                                areas=self._areas(parts), modes=MODES,
                                rows=range(CRITERION_ROWS))

    @page("POST", "/urzad/konkursy/nowy")
    def announce_competition(self, request: Request) -> Response:
        me = self._staff(request)
        blank = self._competition_form()
        form = Form.read(request, blank.fields, blank.labels)
        v = form.values
        budget = parse_amounts(form, ["budget"]).get("budget", v["budget"])
        criteria, sent = [], []
        for i in range(CRITERION_ROWS):
            name, points = v[f"criteria_{i}_name"], v[f"criteria_{i}_max_points"]
            if not (name or points):
                continue
            try:
                points_sent: Any = int(points)
            except ValueError:
                points_sent = points
            criteria.append({"name": name, "max_points": points_sent})
            sent.append(f"criteria_{i}_{{}}")
        body = {
            "title": v["title"], "area": v["area"], "mode": v["mode"], "budget": budget,
            "submission_deadline": warsaw_moment(v["submission_deadline"],
                                                 v["submission_deadline_time"]),
            "task_start": v["task_start"], "task_end": v["task_end"],
            "min_own_contribution_pct": v["min_own_contribution_pct"].replace(",", ".") or "0",
            "criteria": criteria, "task_description": v["task_description"] or None,
            "award_rules": v["award_rules"] or None,
            "delivery_conditions": v["delivery_conditions"] or None, "announce": True}
        return self._submit_as(
            me, request, form, "grants", "/api/v1/competitions", body,
            lambda made: f"/urzad/konkursy/{made['id']}?zapisano=ogloszono",
            lambda status: self._competition_page(request, form, status),
            items={"criteria": sent})


def today() -> date:
    return datetime.now(formatting.WARSAW).date()
