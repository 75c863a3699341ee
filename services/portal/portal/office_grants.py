"""The officer's remaining grants actions (issue #18): what grants' API lets the office (and
the department running a competition) do that had no screen.

- `/urzad/oferty/<id>/odrzucenie`: an offer rejected on formal grounds, with the reason
  (grants `POST /offers/{id}/reject`), from the competition's offers;
- `/urzad/konkursy/<id>/uniewaznienie`: a competition cancelled (unieważniony), with the
  reason (`POST /competitions/{id}/cancel`; the funds committed go back to the programme);
- `/urzad/konkursy/<id>/zamkniecie`: the call for offers closed once its deadline has passed
  (`POST /competitions/{id}/close`; grants' timer does it too, within a minute);
- `/urzad/umowy/<id>/rozwiazanie`: a contract terminated, with the reason
  (`POST /contracts/{id}/terminate`);
- `/urzad/program/<id>/konsultacje`: the draft programme marked as consulted
  (`POST /programmes/{id}/consult`; after it the draft is no longer edited).

Each cannot be undone, so each has two steps: the reason typed (and what follows explained),
then a page to check it and confirm. The confirmation is sent with the Idempotency-Key it was
rendered with (a double click acts once) through `WorkspacesMixin._submit_as`; the API's 422
comes back next to the reason, its 409 (the thing's state forbids it, someone else acted first)
above the form. The portal only hides the link where the role or the record's state cannot use
it; grants decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page

CONFIRM = "potwierdz"   # the confirmation page's button: the action is sent


@dataclass(frozen=True)
class Step:
    """One irreversible action of the office on a grants record."""

    record: str              # "offer", "competition", "contract", "programme"
    api: str                 # grants' path, `{id}` the record's
    title: str               # the page's heading
    consequences: str        # what follows, said on both steps
    button: str              # the confirmation's button: says what happens
    done: str                # where to go afterwards, `{id}` the record's (`{competition}`)
    notice: str              # the `zapisano=` of the page `done` shows a notice for
    open_states: tuple[str, ...]   # the record's states the link is shown in
    reason_label: str = ""   # "" = no reason asked
    reason_hint: str = ""
    roles: tuple[str, ...] = ("officer", "department")


STEPS: dict[str, Step] = {
    "odrzucenie": Step(
        record="offer", api="/api/v1/offers/{id}/reject",
        title="Odrzucenie oferty z przyczyn formalnych",
        consequences="Oferta nie będzie oceniana przez komisję. Organizacja dostanie "
                     "wiadomość z powodem odrzucenia. Tej decyzji nie można cofnąć.",
        button="Odrzuć ofertę", done="/urzad/konkursy/{competition}?zapisano=odrzucono#oferty",
        notice="odrzucono", open_states=("submitted",),
        reason_label="Powód odrzucenia oferty",
        reason_hint="Napisz, czego brakuje lub co jest niezgodne z ogłoszeniem, np. oferta "
                    "złożona po terminie, brak wymaganego wkładu własnego, organizacja nie "
                    "prowadzi działalności w obszarze konkursu. Organizacja zobaczy ten tekst."),
    "uniewaznienie": Step(
        record="competition", api="/api/v1/competitions/{id}/cancel",
        title="Unieważnienie konkursu",
        consequences="Konkurs zostanie unieważniony: nie przyjmie już ofert i nie zostanie "
                     "rozstrzygnięty, a zarezerwowane na niego środki wrócą do programu "
                     "współpracy. Powód będzie widoczny na stronie konkursu. Tej decyzji nie "
                     "można cofnąć.",
        button="Unieważnij konkurs", done="/urzad/konkursy/{id}?zapisano=uniewazniono",
        notice="uniewazniono",
        open_states=("draft", "announced", "closed", "under_evaluation"),
        reason_label="Powód unieważnienia konkursu",
        reason_hint="Np. nie złożono żadnej oferty, żadna oferta nie spełnia wymogów "
                    "ogłoszenia albo zmieniły się okoliczności, których nie dało się "
                    "przewidzieć. Powód zostanie opublikowany na stronie konkursu."),
    "zamkniecie": Step(
        record="competition", api="/api/v1/competitions/{id}/close",
        title="Zamknięcie naboru ofert",
        consequences="Termin składania ofert minął. Po zamknięciu naboru organizacje nie mogą "
                     "już złożyć, zmienić ani wycofać oferty; możesz powołać komisję "
                     "konkursową. System zamyka nabór sam w ciągu minuty od terminu.",
        button="Zamknij nabór ofert", done="/urzad/konkursy/{id}?zapisano=zamknieto#komisja",
        notice="zamknieto", open_states=("announced",)),
    "rozwiazanie": Step(
        record="contract", api="/api/v1/contracts/{id}/terminate",
        title="Rozwiązanie umowy",
        consequences="Umowa zostanie rozwiązana: organizacja zobaczy to w swojej umowie razem "
                     "z powodem. Rozliczenie przekazanej już dotacji prowadzi się poza "
                     "platformą. Tej decyzji nie można cofnąć.",
        button="Rozwiąż umowę", done="/urzad/umowy/{id}?zapisano=rozwiazano",
        notice="rozwiazano", open_states=("signed", "in_progress", "report_due"),
        reason_label="Powód rozwiązania umowy",
        reason_hint="Np. porozumienie stron, zadanie nie jest realizowane zgodnie z umową, "
                    "dotacja jest wykorzystywana niezgodnie z przeznaczeniem. Organizacja "
                    "zobaczy ten tekst."),
    "konsultacje": Step(
        record="programme", api="/api/v1/programmes/{id}/consult",
        title="Zakończenie konsultacji projektu programu",
        consequences="Projekt programu zostanie oznaczony jako skonsultowany z organizacjami. "
                     "Od tej chwili nie można go już zmieniać: rada uchwala program w wersji, "
                     "która była konsultowana.",
        button="Oznacz projekt jako skonsultowany",
        done="/urzad/program/{id}?zapisano=skonsultowano", notice="skonsultowano",
        open_states=("draft",), roles=("officer",)),
}
# each record: where grants has it, how the page names it, where to go back to
RECORDS = {
    "offer": ("/api/v1/offers/{id}", "Oferta", "/urzad/konkursy/{competition}#oferty"),
    "competition": ("/api/v1/competitions/{id}", "Konkurs", "/urzad/konkursy/{id}"),
    "contract": ("/api/v1/contracts/{id}", "Umowa", "/urzad/umowy/{id}"),
    "programme": ("/api/v1/programmes/{id}", "Program współpracy", "/urzad/program/{id}"),
}
# the portal's path of each action: the record's list, its id, the action's name
PATHS = {"odrzucenie": "/urzad/oferty", "uniewaznienie": "/urzad/konkursy",
         "zamkniecie": "/urzad/konkursy", "rozwiazanie": "/urzad/umowy",
         "konsultacje": "/urzad/program"}
MISSING_REASON = "Wpisz powód: organizacje i mieszkańcy zobaczą go w decyzji."


def action_path(action: str, id: str) -> str:
    return f"{PATHS[action]}/{id}/{action}"


def shown(action: str, status: str | None, has: Callable[[str], bool]) -> bool:
    """Whether a record's page links to the action: a role that may use it (`has`: the
    session's) and a state it is used in (grants decides; the portal hides what it refuses)."""
    step = STEPS[action]
    return status in step.open_states and any(has(role) for role in step.roles)


def competition_actions(competition: dict[str, Any], has: Callable[[str], bool],
                        now: datetime) -> list[tuple[str, str, str]]:
    """The competition page's links to its irreversible actions (label, address, what it
    does): closing the call once its deadline has passed, cancelling it."""
    found = []
    status, id = competition.get("status"), competition["id"]
    deadline = formatting.to_datetime(competition.get("submission_deadline"))
    if shown("zamkniecie", status, has) and deadline is not None and deadline < now:
        found.append(("Zamknij nabór ofert", action_path("zamkniecie", id),
                      "termin składania ofert minął; potem można powołać komisję"))
    if shown("uniewaznienie", status, has):
        found.append(("Unieważnij konkurs", action_path("uniewaznienie", id),
                      "z podaniem powodu; środki wrócą do programu współpracy"))
    return found


def offers_rejectable(competition: dict[str, Any]) -> bool:
    """Whether the competition's offers may be rejected on formal grounds now: after the call
    for offers closed, before the results (grants' rule, to hide links it would refuse)."""
    return competition.get("status") in ("closed", "under_evaluation")


def record_name(record: dict[str, Any], offer: dict[str, Any] | None = None) -> str:
    """How the pages name the record: its title; a contract by its task's."""
    if record.get("title"):
        return record["title"]
    if offer and offer.get("title"):
        return offer["title"]
    return record.get("id", "")


def _format(template: str, record: dict[str, Any], id: str) -> str:
    return template.format(id=id, competition=record.get("competition_id", ""))


class OfficeGrantsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_me`, `_call` and `_submit_as`
    it uses)."""

    def _acting(self, request: Request, step: Step) -> Session:
        return self._role(request, *step.roles)   # the role cannot: 403

    def _step_form(self, step: Step, request: Any = None) -> Form:
        fields = ("reason",) if step.reason_label else ()
        labels = {"reason": step.reason_label} if step.reason_label else {}
        if request is None:
            return Form(fields, labels=labels)
        return Form.read(request, fields, labels)

    def _step_page(self, request: Request, me: Session, action: str, id: str, form: Form,
                   stage: str, status: int = 200) -> Response:
        step = STEPS[action]
        where, kind, back = RECORDS[step.record]
        record = self._call(me, "GET", "grants", where.format(id=id))
        parts = Parts()
        competition = offer = None
        if step.record in ("offer", "contract"):
            competition = parts.fetch(lambda: self._call(
                me, "GET", "grants", f"/api/v1/competitions/{record['competition_id']}"))
        if step.record == "contract":
            offer = parts.fetch(lambda: self._call(
                me, "GET", "grants", f"/api/v1/offers/{record['offer_id']}"))
        return self.site.render(
            request, "workspace/office_grants_step.html", status=status, parts=parts,
            step=step, action=action, kind=kind, record=record, c=competition, form=form,
            name=record_name(record, offer),
            stage=stage, confirm=CONFIRM, action_url=action_path(action, id),
            back=_format(back, record, id), open=record.get("status") in step.open_states)

    def _step_get(self, request: Request, action: str, id: str) -> Response:
        step = STEPS[action]
        me = self._acting(request, step)
        # an action without a reason asks only for the confirmation
        return self._step_page(request, me, action, id, self._step_form(step),
                               "form" if step.reason_label else "confirm")

    def _step_post(self, request: Request, action: str, id: str) -> Response:
        """The reason typed: the page to check it and confirm; the confirmation: the API."""
        step = STEPS[action]
        me = self._acting(request, step)
        form = self._step_form(step, request)
        if step.reason_label and request.form.get("action") == "zmien":   # back to the reason
            return self._step_page(request, me, action, id, form, "form")
        if step.reason_label and request.form.get("action") != CONFIRM:
            form.require("reason", MISSING_REASON)
            stage = "form" if form.errors else "confirm"
            return self._step_page(request, me, action, id, form, stage,
                                   422 if form.errors else 200)
        body = {"reason": form.values["reason"]} if step.reason_label else None
        if step.reason_label:
            form.require("reason", MISSING_REASON)
        # where to go afterwards needs the offer's competition: asked before the action
        done = step.done
        if "{competition}" in done:
            done = _format(done, self._call(me, "GET", "grants",
                                            RECORDS[step.record][0].format(id=id)), id)
        else:
            done = _format(done, {}, id)
        return self._submit_as(me, request, form, "grants", step.api.format(id=id), body, done,
                               again=lambda status: self._step_page(
                                   request, me, action, id, form,
                                   "form" if step.reason_label else "confirm", status))

    # --- the pages: one GET (the form or the confirmation) and one POST per action ----------
    @page("GET", "/urzad/oferty/<id>/odrzucenie")
    def reject_offer_form(self, request: Request, id: str) -> Response:
        return self._step_get(request, "odrzucenie", id)

    @page("POST", "/urzad/oferty/<id>/odrzucenie")
    def reject_offer(self, request: Request, id: str) -> Response:
        return self._step_post(request, "odrzucenie", id)

    @page("GET", "/urzad/konkursy/<id>/uniewaznienie")
    def cancel_competition_form(self, request: Request, id: str) -> Response:
        return self._step_get(request, "uniewaznienie", id)

    @page("POST", "/urzad/konkursy/<id>/uniewaznienie")
    def cancel_competition(self, request: Request, id: str) -> Response:
        return self._step_post(request, "uniewaznienie", id)

    @page("GET", "/urzad/konkursy/<id>/zamkniecie")
    def close_competition_form(self, request: Request, id: str) -> Response:
        return self._step_get(request, "zamkniecie", id)

    @page("POST", "/urzad/konkursy/<id>/zamkniecie")
    def close_competition(self, request: Request, id: str) -> Response:
        return self._step_post(request, "zamkniecie", id)

    @page("GET", "/urzad/umowy/<id>/rozwiazanie")
    def terminate_contract_form(self, request: Request, id: str) -> Response:
        return self._step_get(request, "rozwiazanie", id)

    @page("POST", "/urzad/umowy/<id>/rozwiazanie")
    def terminate_contract(self, request: Request, id: str) -> Response:
        return self._step_post(request, "rozwiazanie", id)

    @page("GET", "/urzad/program/<id>/konsultacje")
    def consult_programme_form(self, request: Request, id: str) -> Response:
        return self._step_get(request, "konsultacje", id)

    @page("POST", "/urzad/program/<id>/konsultacje")
    def consult_programme(self, request: Request, id: str) -> Response:
        return self._step_post(request, "konsultacje", id)

