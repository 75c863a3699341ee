"""Contracts and task reports in the workspaces (issue #18), both sides:

- the officer's (or the running department's) `/urzad/umowy`: the grants awarded that wait
  for a contract, the contract prepared from the confirmed result (signing date, schedule,
  tranches with their dates: grants `POST /contracts`), the task started (the first tranche
  paid), the task report accepted or sent back for corrections, and the contract settled
  with the unused funds returned (art. 16, art. 18);
- the NGO's `/moja-organizacja/umowy`: its contracts with their tranches and dates, and the
  task report form (again when corrections are asked for).

Every action is grants' API with the person's token; the API's 422 messages are shown at the
fields they name (`tranches.1.due_on` at the second tranche sent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.backend import Rejected
from portal.committee import _typed
from portal.listing import Filter
from portal.office_programme import parse_amounts, today
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts, polish
from portal.web import NotAllowed, page
from portal.workspaces import ALL

CONTRACT_STATUS = {"signed": "Podpisana", "in_progress": "W realizacji",
                   "report_due": "Zadanie zakończone, czas na sprawozdanie",
                   "settled": "Rozliczona", "terminated": "Rozwiązana"}
REPORT_STATUS = {"submitted": "Złożone, czeka na ocenę urzędu",
                 "corrections_requested": "Do poprawy", "accepted": "Przyjęte"}
EXPENSE_SOURCES = {"grant": "z dotacji", "own_financial": "ze środków własnych",
                   "other_public": "z innych środków publicznych", "other": "z innych źródeł"}
SCHEDULE_ROWS = 2
TRANCHE_ROWS = 3
EXPENSE_ROWS = 3
# the report can be filed while the contract runs, unless one waits for the office's review
REPORTABLE = ("signed", "in_progress", "report_due")


def _rows(form: Form, prefix: str, count: int, parts: tuple[str, ...]) -> list[int]:
    """The rows of a repeated group with anything typed in them."""
    return [i for i in range(count)
            if any(form.values.get(f"{prefix}_{i}_{p}") for p in parts)]


class ContractsMixin(SignedIn):
    # CommitteeMixin's: an officer or a department's person
    _staff: Callable[[Request], Session]

    # --- the officer ---------------------------------------------------------------------------
    @page("GET", "/urzad/umowy")
    def office_contracts(self, request: Request) -> Response:
        me = self._staff(request)
        parts = Parts()
        listing = self._list(me, request, parts, "grants", "/api/v1/contracts", filters=(
            Filter("stan", "status", "Stan umowy", {**ALL, **CONTRACT_STATUS}),))
        funded = parts.fetch(lambda: self._all(me, "grants", "/api/v1/offers",
                                               status="funded"), []) or []
        signed = parts.fetch(lambda: {c["offer_id"] for c in self._all(
            me, "grants", "/api/v1/contracts")}, None)
        waiting = [o for o in funded if o["id"] not in signed] if signed is not None else []
        return self.site.render(request, "workspace/contracts_office.html", parts=parts,
                                contracts=listing.items, listing=listing, waiting=waiting,
                                statuses=CONTRACT_STATUS, report_statuses=REPORT_STATUS)

    def _contract_form(self) -> Form:
        labels = {"signed_on": "Data zawarcia umowy", "schedule": "Harmonogram",
                  "tranches": "Transze dotacji"}
        for i in range(SCHEDULE_ROWS):
            labels[f"schedule_{i}_activity"] = f"Działanie {i + 1}: nazwa"
            labels[f"schedule_{i}_starts_on"] = f"Działanie {i + 1}: początek"
            labels[f"schedule_{i}_ends_on"] = f"Działanie {i + 1}: koniec"
        for i in range(TRANCHE_ROWS):
            labels[f"tranches_{i}_amount"] = f"Transza {i + 1}: kwota"
            labels[f"tranches_{i}_due_on"] = f"Transza {i + 1}: termin wypłaty"
        return Form(tuple(labels), labels=labels)

    @page("GET", "/urzad/umowy/nowa/<offer_id>")
    def new_contract(self, request: Request, offer_id: str) -> Response:
        me = self._staff(request)
        offer = self._call(me, "GET", "grants", f"/api/v1/offers/{offer_id}")
        form = self._contract_form()
        form.values.update(signed_on=today().isoformat(), tranches_0_due_on=today().isoformat(),
                           tranches_0_amount=_typed(offer.get("awarded_amount")),
                           schedule_0_activity="Realizacja zadania",
                           schedule_0_starts_on=offer["task_start"],
                           schedule_0_ends_on=offer["task_end"])
        return self._contract_page(request, me, offer, form)

    def _contract_page(self, request: Request, me: Session, offer: dict, form: Form,
                       status: int = 200) -> Response:
        parts = Parts()
        competition = parts.fetch(lambda: self._call(
            me, "GET", "grants", f"/api/v1/competitions/{offer['competition_id']}"))
        org = parts.fetch(lambda: self._call(
            me, "GET", "registry", f"/api/v1/organizations/{offer['organization_id']}"))
        return self.site.render(request, "workspace/contracts_new.html", status=status,
                                parts=parts, offer=offer, c=competition, org=org, form=form,
                                schedule_rows=range(SCHEDULE_ROWS),
                                tranche_rows=range(TRANCHE_ROWS))

    @page("POST", "/urzad/umowy/nowa/<offer_id>")
    def sign_contract(self, request: Request, offer_id: str) -> Response:
        me = self._staff(request)
        offer = self._call(me, "GET", "grants", f"/api/v1/offers/{offer_id}")
        blank = self._contract_form()
        form = Form.read(request, blank.fields, blank.labels)
        tranche_rows = _rows(form, "tranches", TRANCHE_ROWS, ("amount", "due_on"))
        amounts = parse_amounts(form, [f"tranches_{i}_amount" for i in tranche_rows])
        schedule_rows = _rows(form, "schedule", SCHEDULE_ROWS,
                              ("activity", "starts_on", "ends_on"))
        body = {
            "offer_id": offer_id, "signed_on": form.values["signed_on"],
            "schedule": [{part: form.values[f"schedule_{i}_{part}"]
                          for part in ("activity", "starts_on", "ends_on")}
                         for i in schedule_rows],
            "tranches": [{"amount": amounts.get(f"tranches_{i}_amount",
                                                form.values[f"tranches_{i}_amount"]),
                          "due_on": form.values[f"tranches_{i}_due_on"]}
                         for i in tranche_rows]}
        return self._submit_as(
            me, request, form, "grants", "/api/v1/contracts", body,
            lambda contract: f"/urzad/umowy/{contract['id']}?zapisano=podpisana",
            lambda status: self._contract_page(request, me, offer, form, status),
            items={"tranches": [f"tranches_{i}_{{}}" for i in tranche_rows],
                   "schedule": [f"schedule_{i}_{{}}" for i in schedule_rows]})

    @page("GET", "/urzad/umowy/<id>")
    def office_contract(self, request: Request, id: str) -> Response:
        me = self._staff(request)
        return self._office_contract(request, me, id)

    def _office_contract(self, request: Request, me: Session, id: str,
                         form: Form | None = None, status: int = 200) -> Response:
        contract = self._call(me, "GET", "grants", f"/api/v1/contracts/{id}")
        if form is None:
            form = Form(("reason", "returned_amount"), labels={
                "reason": "Co trzeba poprawić w sprawozdaniu",
                "returned_amount": "Kwota zwrócona przez organizację"},
                values={"returned_amount": _typed(contract.get("unused_amount") or "0")})
        return self._contract_view(request, me, contract, "workspace/contracts_office_one.html",
                                   status=status, form=form)

    def _contract_view(self, request: Request, me: Session, contract: dict, template: str,
                       status: int = 200, **context: Any) -> Response:
        parts = Parts()
        offer = parts.fetch(lambda: self._call(me, "GET", "grants",
                                               f"/api/v1/offers/{contract['offer_id']}"))
        competition = parts.fetch(lambda: self._call(
            me, "GET", "grants", f"/api/v1/competitions/{contract['competition_id']}"))
        return self.site.render(request, template, status=status, parts=parts, k=contract,
                                offer=offer, c=competition, statuses=CONTRACT_STATUS,
                                report_statuses=REPORT_STATUS, sources=EXPENSE_SOURCES,
                                saved=request.args.get("zapisano"),
                                error=request.args.get("blad"), **context)

    @page("POST", "/urzad/umowy/<id>/<action>")
    def act_on_contract(self, request: Request, id: str, action: str) -> Response:
        """Start (the first tranche paid), accept the report, ask for corrections (with what
        to correct), settle (with the unused funds returned)."""
        me = self._staff(request)
        form = Form.read(request, ("reason", "returned_amount"), {
            "reason": "Co trzeba poprawić w sprawozdaniu",
            "returned_amount": "Kwota zwrócona przez organizację"})
        calls: dict[str, tuple[str, Callable[[], dict | None]]] = {
            "rozpocznij": ("start", lambda: None),
            "przyjmij": ("report/accept", lambda: None),
            "do-poprawy": ("report/corrections", lambda: {"reason": form.values["reason"]}),
            "rozlicz": ("settle", lambda: {"returned_amount": parse_amounts(
                form, ["returned_amount"]).get("returned_amount",
                                               form.values["returned_amount"] or "0")}),
        }
        if action not in calls:
            raise NotAllowed(action)
        path, body = calls[action]
        json = body()
        if form.errors:
            return self._office_contract(request, me, id, form, 422)

        def refused(exc: Rejected) -> Response:
            if exc.fields:
                form.reject(exc)
                return self._office_contract(request, me, id, form, exc.status)
            return redirect(f"/urzad/umowy/{id}?blad={quote(polish(exc.message))}", code=303)

        return self._act_as(me, request, "grants", f"/api/v1/contracts/{id}/{path}",
                            f"/urzad/umowy/{id}?zapisano={action}", refused, json=json)

    # --- the organisation ----------------------------------------------------------------------
    @page("GET", "/moja-organizacja/umowy")
    def my_contracts(self, request: Request) -> Response:
        me = self._role(request, "ngo")
        parts = Parts()
        listing = self._list(me, request, parts, "grants", "/api/v1/contracts")
        return self.site.render(request, "workspace/contracts_mine.html", parts=parts,
                                contracts=listing.items, listing=listing, statuses=CONTRACT_STATUS,
                                report_statuses=REPORT_STATUS)

    def _report_form(self) -> Form:
        labels = {"achieved_results": "Osiągnięte rezultaty",
                  "activities": "Zrealizowane działania", "expenses": "Wydatki",
                  "personal_contribution": "Wkład osobowy (praca wolontariuszy i członków)",
                  "in_kind_contribution": "Wkład rzeczowy",
                  "volunteer_hours": "Liczba godzin pracy wolontariuszy"}
        for i in range(EXPENSE_ROWS):
            labels[f"expenses_{i}_name"] = f"Wydatek {i + 1}: nazwa"
            labels[f"expenses_{i}_source"] = f"Wydatek {i + 1}: źródło finansowania"
            labels[f"expenses_{i}_amount"] = f"Wydatek {i + 1}: kwota"
        return Form(tuple(labels), labels=labels)

    @page("GET", "/moja-organizacja/umowy/<id>")
    def my_contract(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        contract = self._call(me, "GET", "grants", f"/api/v1/contracts/{id}")
        form = self._report_form()
        report = contract.get("report")
        if report:   # corrections: the report as filed, to correct
            form.values.update(
                achieved_results=report.get("achieved_results") or "",
                activities=report.get("activities") or "",
                personal_contribution=_typed(report.get("personal_contribution")),
                in_kind_contribution=_typed(report.get("in_kind_contribution")),
                volunteer_hours=formatting.plain_number(report.get("volunteer_hours")))
            for i, expense in enumerate(report.get("expenses", [])[:EXPENSE_ROWS]):
                form.values.update({f"expenses_{i}_name": expense.get("name") or "",
                                    f"expenses_{i}_source": expense["source"],
                                    f"expenses_{i}_amount": _typed(expense["amount"])})
        else:
            form.values.update(expenses_0_source="grant", personal_contribution="0,00",
                               in_kind_contribution="0,00")
        kept = self._kept_form(request, me, f"/moja-organizacja/umowy/{id}/sprawozdanie")
        if kept is not None:   # posted after the session expired: as typed
            form = Form.read(kept, form.fields, form.labels)
        return self._my_contract(request, me, contract, form, restored=kept is not None)

    def _my_contract(self, request: Request, me: Session, contract: dict, form: Form,
                     status: int = 200, restored: bool = False) -> Response:
        report = contract.get("report")
        may_report = contract["status"] in REPORTABLE and (
            report is None or report["status"] == "corrections_requested")
        return self._contract_view(request, me, contract, "workspace/contracts_mine_one.html",
                                   status=status, form=form, may_report=may_report,
                                   expense_rows=range(EXPENSE_ROWS), restored=restored)

    @page("POST", "/moja-organizacja/umowy/<id>/sprawozdanie")
    def file_report(self, request: Request, id: str) -> Response:
        me = self._role(request, "ngo")
        blank = self._report_form()
        form = Form.read(request, blank.fields, blank.labels)
        rows = _rows(form, "expenses", EXPENSE_ROWS, ("name", "amount"))
        amounts = parse_amounts(form, [f"expenses_{i}_amount" for i in rows]
                                + ["personal_contribution", "in_kind_contribution"])
        v = form.values
        body = {
            "achieved_results": v["achieved_results"], "activities": v["activities"] or None,
            "expenses": [{"source": v[f"expenses_{i}_source"], "name": v[f"expenses_{i}_name"]
                          or None, "amount": amounts.get(f"expenses_{i}_amount",
                                                         v[f"expenses_{i}_amount"])}
                         for i in rows],
            "personal_contribution": amounts.get("personal_contribution",
                                                 v["personal_contribution"] or "0.00"),
            "in_kind_contribution": amounts.get("in_kind_contribution",
                                                v["in_kind_contribution"] or "0.00"),
            "volunteer_hours": v["volunteer_hours"].replace(",", ".") or None}
        return self._submit_as(
            me, request, form, "grants", f"/api/v1/contracts/{id}/report", body,
            f"/moja-organizacja/umowy/{id}?zapisano=sprawozdanie",
            lambda status: self._my_contract(
                request, me, self._call(me, "GET", "grants", f"/api/v1/contracts/{id}"), form,
                status),
            items={"expenses": [f"expenses_{i}_{{}}" for i in rows]})
