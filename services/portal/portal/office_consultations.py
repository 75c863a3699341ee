"""The officer's consultations (`/urzad/konsultacje/...`, issue #18): opening a consultation
(and changing it before it opens), moderating its comments (spam set aside in one action),
closing it, answering every comment and publishing the report; and an organisation's comment
on the public consultation page, sent in its name with its representative's token.

Every action goes to the consultations service's API with the person's token; the service
applies the rules (the minimum period, who may comment, an answer to every comment before the
report), the portal shows its answers next to the fields they name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.backend import Rejected
from portal.listing import Filter
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts, polish
from portal.web import page
from portal.workspaces import edited_form

STATUSES = {"planned": "Planowane (przed otwarciem)", "open": "Trwają",
            "closed": "Zakończone", "report_published": "Zakończone, raport opublikowany"}
DECISIONS = (("accepted", "uwzględniona"), ("partly_accepted", "uwzględniona częściowo"),
             ("rejected", "nieuwzględniona"))
FIELDS = ("title", "subject", "draft_text", "sections", "opens_at", "closes_at",
          "residents_may_comment")
LABELS = {"title": "Tytuł", "subject": "Przedmiot konsultacji", "draft_text": "Treść projektu",
          "sections": "Fragmenty poddane konsultacjom", "opens_at": "Otwarcie konsultacji",
          "closes_at": "Zamknięcie konsultacji",
          "residents_may_comment": "Uwagi mogą zgłaszać także mieszkańcy"}
TIMES = ("opens_at", "closes_at")
LOCAL_TIME = "%Y-%m-%dT%H:%M"   # what <input type="datetime-local"> sends, in Warsaw time


class ConsultationsOfficeMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_me`, `_role`, `_call`, `_items`
    it uses) and the public pages (whose `_consultation` shows a comment form again)."""

    _consultation: Callable[..., Response]

    def _staff_of_consultations(self, request: Request) -> Session:
        return self._role(request, "officer", "department")

    # --- the list, and a new consultation ------------------------------------------------
    @page("GET", "/urzad/konsultacje")
    def office_consultations(self, request: Request) -> Response:
        me = self._staff_of_consultations(request)
        parts = Parts()
        listing = self._list(me, request, parts, "consultations", "/api/v1/consultations",
                             filters=(Filter("stan", "status", "Stan konsultacji",
                                             {"": "wszystkie", **STATUSES}),))
        return self.site.render(request, "workspace/consultations_office.html", parts=parts,
                                found=listing.items, listing=listing, statuses=STATUSES,
                                chosen=listing.chosen["stan"])

    @page("GET", "/urzad/konsultacje/nowe")
    def new_consultation(self, request: Request) -> Response:
        self._staff_of_consultations(request)
        return self._consultation_form(request, Form(FIELDS, labels=LABELS))

    def _consultation_form(self, request: Request, form: Form, status: int = 200) -> Response:
        return self.site.render(request, "workspace/consultation_new.html", status=status,
                                form=form)

    @page("POST", "/urzad/konsultacje/nowe")
    def open_consultation(self, request: Request) -> Response:
        me = self._staff_of_consultations(request)
        form = Form.read(request, FIELDS, LABELS)
        return self._submit_as(
            me, request, form, "consultations", "/api/v1/consultations", consultation_body(form),
            lambda made: f"/urzad/konsultacje/{made['id']}?zapisano=utworzono",
            lambda status: self._consultation_form(request, form, status))

    # --- one consultation ----------------------------------------------------------------
    @page("GET", "/urzad/konsultacje/<id>")
    def office_consultation(self, request: Request, id: str) -> Response:
        me = self._staff_of_consultations(request)
        kept = self._kept_form(request, me)   # posted after the session expired: as typed
        answering = f"/urzad/konsultacje/{id}/uwagi/"
        if kept is not None and kept.action.startswith(answering) \
                and kept.action.endswith("/odpowiedz"):
            comment_id = kept.action[len(answering):-len("/odpowiedz")]
            blank = answer_form(comment_id)
            return self._office_consultation(
                request, me, id, answer=(comment_id, Form.read(kept, blank.fields, blank.labels)),
                restored=True)
        if kept is not None and kept.action == f"/urzad/konsultacje/{id}":
            return self._office_consultation(request, me, id, restored=True,
                                             edit=Form.read(kept, FIELDS, LABELS))
        return self._office_consultation(request, me, id)

    def _office_consultation(self, request: Request, me: Session, id: str,
                             edit: Form | None = None, answer: tuple[str, Form] | None = None,
                             problem: str = "", waiting: list[str] | None = None,
                             status: int = 200, restored: bool = False) -> Response:
        c, version = self._read_versioned(me, "consultations", f"/api/v1/consultations/{id}")
        parts = Parts()
        listing = self._list(me, request, parts, "consultations",
                             f"/api/v1/consultations/{id}/comments", key="uwagi",
                             at=f"/urzad/konsultacje/{id}")
        comments = listing.items or []
        edit = edited_form(edit, Form(FIELDS, labels=LABELS), form_values(c), version,
                           "te konsultacje")
        answers = {m["id"]: answer_form(m["id"]) for m in comments or []}
        if answer is not None:
            answers[answer[0]] = answer[1]
        summary = Form((), message=problem or edit.message)   # every form's, at the top
        for form in (edit, *answers.values()):
            for name, messages in form.errors.items():
                summary.errors[name] = messages
                summary.labels[name] = form.labels.get(name, "")
        summary.fields = tuple(name for name in summary.errors if name != "_form")
        return self.site.render(
            request, "workspace/consultation_office.html", status=status, parts=parts, c=c,
            comments=comments, edit=edit, answers=answers, errors=summary,
            waiting=set(waiting or []), statuses=STATUSES, decisions=DECISIONS,
            decision_names=dict(DECISIONS), saved=request.args.get("zapisano"),
            restored=restored, listing=listing)

    @page("POST", "/urzad/konsultacje/<id>")
    def edit_consultation(self, request: Request, id: str) -> Response:
        """A change before the consultation opens (consultations' PATCH: 409 once open)."""
        me = self._staff_of_consultations(request)
        form = Form.read(request, FIELDS, LABELS)
        body = consultation_body(form)
        return self._save_edit(
            me, request, form, "PATCH", "consultations", f"/api/v1/consultations/{id}", body,
            f"/urzad/konsultacje/{id}?zapisano=zmiany",
            lambda status: self._office_consultation(request, me, id, edit=form, status=status))

    def _step(self, request: Request, me: Session, id: str, path: str, done: str,
              json: Any = None) -> Response:
        """One action without fields (spam, close, publish): done, or the page with the
        service's refusal in the summary (an unpublishable report marks the comments
        waiting for an answer)."""

        def refused(exc: Rejected) -> Response:
            messages = [polish(m) for name, ms in exc.fields.items() if name != "comments"
                        for m in ms]
            return self._office_consultation(
                request, me, id, problem=" ".join([exc.message, *messages]),
                waiting=exc.fields.get("comments"), status=exc.status)

        return self._act_as(me, request, "consultations", f"/api/v1/consultations/{id}{path}",
                            f"/urzad/konsultacje/{id}?zapisano={done}", refused, json=json)

    @page("POST", "/urzad/konsultacje/<id>/uwagi/<comment_id>/spam")
    def mark_spam(self, request: Request, id: str, comment_id: str) -> Response:
        me = self._staff_of_consultations(request)
        return self._step(request, me, id, f"/comments/{comment_id}/spam", "spam#uwagi")

    @page("POST", "/urzad/konsultacje/<id>/zamknij")
    def close_consultation(self, request: Request, id: str) -> Response:
        me = self._staff_of_consultations(request)
        return self._step(request, me, id, "/close", "zamknieto")

    @page("POST", "/urzad/konsultacje/<id>/raport")
    def publish_consultation_report(self, request: Request, id: str) -> Response:
        me = self._staff_of_consultations(request)
        return self._step(request, me, id, "/report/publish", "raport")

    @page("POST", "/urzad/konsultacje/<id>/uwagi/<comment_id>/odpowiedz")
    def answer_comment(self, request: Request, id: str, comment_id: str) -> Response:
        me = self._staff_of_consultations(request)
        blank = answer_form(comment_id)
        form = Form.read(request, blank.fields, blank.labels)

        def refused(exc: Rejected) -> Response:
            for name, messages in exc.fields.items():
                key = f"{name}_{comment_id}" if f"{name}_{comment_id}" in form.fields \
                    else f"reason_{comment_id}"
                form.errors.setdefault(key, []).extend(polish(m) for m in messages)
            return self._office_consultation(
                request, me, id, answer=(comment_id, form),
                problem="" if exc.fields else exc.message, status=exc.status)

        return self._act_as(me, request, "consultations",
                            f"/api/v1/consultations/{id}/comments/{comment_id}/answer",
                            f"/urzad/konsultacje/{id}?zapisano=odpowiedz#uwaga-{comment_id}",
                            refused, json={"decision": form.values[f"decision_{comment_id}"],
                                           "reason": form.values[f"reason_{comment_id}"]})

    # --- the public page: a comment in an organisation's name -----------------------------
    def _comment_for_organisation(self, request: Request, id: str, form: Form,
                                  body: dict[str, Any]) -> Response:
        """The representative's comment, sent with their token in the name of the
        organisation they act for (the service checks they speak for it)."""
        me = self._role(request, "ngo")
        return self._submit_as(me, request, form, "consultations",
                               f"/api/v1/consultations/{id}/comments",
                               {**body, "organization_id": me.org_id},
                               f"/konsultacje/{id}?wyslano=1#uwagi",
                               lambda status: self._consultation(request, id, form, status))


def answer_form(comment_id: str) -> Form:
    return Form((f"decision_{comment_id}", f"reason_{comment_id}"), labels={
        f"decision_{comment_id}": "Stanowisko miasta",
        f"reason_{comment_id}": "Uzasadnienie odpowiedzi"})


def consultation_body(form: Form) -> dict[str, Any]:
    """The API's body from what was typed: the sections one per line, the times typed in
    Warsaw time with their zone (a time that is not one is told here: its format, not a rule);
    an empty time left out, for the service to ask for."""
    v = form.values
    body: dict[str, Any] = {name: v[name] for name in ("title", "subject") if v[name]}
    body["draft_text"] = v["draft_text"] or None
    body["sections"] = [line.strip() for line in v["sections"].splitlines() if line.strip()]
    body["residents_may_comment"] = v["residents_may_comment"] == "tak"
    for name in TIMES:
        if not v[name]:
            continue
        try:
            typed = datetime.strptime(v[name], LOCAL_TIME)
        except ValueError:
            form.errors.setdefault(name, []).append(
                "Wpisz datę i godzinę, np. 15.01.2027, 10:00.")
            continue
        body[name] = typed.replace(tzinfo=formatting.WARSAW).isoformat()
    return body


def form_values(c: dict[str, Any]) -> dict[str, Any]:
    """A consultation as its edit form shows it."""
    def local(value: str | None) -> str:
        moment = formatting.to_datetime(value)
        return moment.strftime(LOCAL_TIME) if moment else ""

    return {"title": c.get("title") or "", "subject": c.get("subject") or "",
            "draft_text": c.get("draft_text") or "",
            "sections": "\n".join(c.get("sections") or []),
            "opens_at": local(c.get("opens_at")), "closes_at": local(c.get("closes_at")),
            "residents_may_comment": "tak" if c.get("residents_may_comment") else ""}
