"""The council's meetings in the liaison officer's workspace (`/urzad/rada/<id>/posiedzenia`,
issue #18): the list of meetings, scheduling one with its agenda, and for a meeting still to
come moving it (a new time, a new place if it changes) or calling it off with a reason.

Every action is the consultations service's API with the officer's token
(`POST /api/v1/councils/{id}/meetings`, `.../{meeting_id}/move`, `.../{meeting_id}/cancel`);
the service applies the rules (a meeting ends after it starts, is moved to a time still to
come, is changed only before it starts, a reason for calling it off) and tells every member:
their inbox, their address and the city's calendar. The portal shows its answers next to
the fields they name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.patronages_ws import LOCAL_TIME, local_moments
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page
from portal.workspaces import edited_form

SCHEDULE_FIELDS = ("title", "starts_at", "ends_at", "place", "agenda")
MOVE_FIELDS = ("starts_at", "ends_at", "place")
CANCEL_FIELDS = ("reason",)
LABELS = {"title": "Tytuł posiedzenia", "starts_at": "Początek", "ends_at": "Koniec",
          "place": "Miejsce", "agenda": "Porządek obrad", "reason": "Powód odwołania"}
TIMES = ("starts_at", "ends_at")
OPINION_FIELDS = ("subject", "document_url")
OPINION_LABELS = {"subject": "Sprawa do zaopiniowania",
                  "document_url": "Adres projektu dokumentu"}
OPINION_STATUSES = {"requested": "czeka na opinię", "issued": "opinia wydana",
                    "lapsed": "termin minął bez opinii"}
DONE = {"zaplanowano": "Posiedzenie zaplanowano. Członkowie rady dostali zawiadomienie, "
                       "a posiedzenie jest w kalendarzu.",
        "przeniesiono": "Posiedzenie przeniesiono. Członkowie rady dostali zawiadomienie "
                        "o nowym terminie, kalendarz pokazuje nowy termin.",
        "odwolano": "Posiedzenie odwołano. Członkowie rady dostali zawiadomienie z powodem, "
                    "a posiedzenie zniknęło z kalendarza.",
        "poproszono": "Wysłano prośbę o opinię. Członkowie rady dostali zawiadomienie z terminem "
                      "na wydanie opinii."}


class CouncilMeetingsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_role`, `_call`, `_items` it
    uses)."""

    # --- the list, and a new meeting --------------------------------------------------------
    @page("GET", "/urzad/rada/<id>/posiedzenia")
    def office_council_meetings(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._meetings_page(request, me, id, Form(SCHEDULE_FIELDS, labels=LABELS))

    def _meetings_page(self, request: Request, me: Session, id: str, form: Form,
                       status: int = 200) -> Response:
        council = self._call(me, "GET", "consultations", f"/api/v1/councils/{id}")
        parts = Parts()
        meetings = parts.fetch(lambda: self._meetings(me, id), [])
        now = datetime.now(formatting.WARSAW)
        coming = [m for m in meetings if _coming(m, now)]
        past = [m for m in meetings if not _coming(m, now)]
        return self.site.render(request, "workspace/council_meetings.html", status=status,
                                parts=parts, council=council, coming=coming,
                                past=list(reversed(past)), form=form,
                                done=DONE.get(request.args.get("zapisano", "")))

    def _meetings(self, me: Session, id: str) -> list[dict]:
        found = self._items(me, "consultations", f"/api/v1/councils/{id}/meetings")
        return sorted(found, key=lambda m: m["starts_at"])

    @page("POST", "/urzad/rada/<id>/posiedzenia")
    def schedule_council_meeting(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, SCHEDULE_FIELDS, LABELS)
        body = meeting_body(form, ("title", "place"))
        body["agenda"] = [line.strip() for line in form.values["agenda"].splitlines()
                          if line.strip()]
        return self._submit_as(me, request, form, "consultations",
                               f"/api/v1/councils/{id}/meetings", body,
                               f"/urzad/rada/{id}/posiedzenia?zapisano=zaplanowano",
                               lambda status: self._meetings_page(request, me, id, form, status))

    # --- one meeting: move it or call it off ------------------------------------------------
    @page("GET", "/urzad/rada/<id>/posiedzenia/<meeting_id>")
    def office_council_meeting(self, request: Request, id: str, meeting_id: str) -> Response:
        me = self._role(request, "officer")
        return self._meeting_page(request, me, id, meeting_id)

    def _meeting_page(self, request: Request, me: Session, id: str, meeting_id: str,
                      move: Form | None = None, cancel: Form | None = None,
                      status: int = 200) -> Response:
        council = self._call(me, "GET", "consultations", f"/api/v1/councils/{id}")
        meeting, version = self._read_versioned(
            me, "consultations", f"/api/v1/councils/{id}/meetings/{meeting_id}")
        stored = {"starts_at": _local(meeting["starts_at"]),
                  "ends_at": _local(meeting["ends_at"]), "place": meeting.get("place") or ""}
        move = edited_form(move, Form(MOVE_FIELDS, labels=LABELS), stored, version,
                           "to posiedzenie")
        cancel = cancel or Form(CANCEL_FIELDS, labels=LABELS)
        return self.site.render(request, "workspace/council_meeting.html", status=status,
                                council=council, meeting=meeting, move=move, cancel=cancel,
                                changeable=_coming(meeting, datetime.now(formatting.WARSAW)))

    @page("POST", "/urzad/rada/<id>/posiedzenia/<meeting_id>/przenies")
    def move_council_meeting(self, request: Request, id: str, meeting_id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, MOVE_FIELDS, LABELS)
        body = meeting_body(form, ("place",))
        return self._save_edit(
            me, request, form, "POST", "consultations",
            f"/api/v1/councils/{id}/meetings/{meeting_id}/move", body,
            f"/urzad/rada/{id}/posiedzenia?zapisano=przeniesiono",
            lambda status: self._meeting_page(request, me, id, meeting_id, move=form,
                                              status=status))

    @page("POST", "/urzad/rada/<id>/posiedzenia/<meeting_id>/odwolaj")
    def cancel_council_meeting(self, request: Request, id: str, meeting_id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, CANCEL_FIELDS, LABELS)
        body = {"reason": form.values["reason"]} if form.values["reason"] else {}
        return self._change(request, me, id, meeting_id, "cancel", body, form, "odwolano")

    def _change(self, request: Request, me: Session, id: str, meeting_id: str, action: str,
                body: dict[str, Any], form: Form, done: str) -> Response:
        """Calling off (the service's 422 at the form's field, its 409, a meeting already
        held or called off, above the form); a move is an edit (`_save_edit`, If-Match)."""
        forms = {"move": form} if action == "move" else {"cancel": form}
        return self._submit_as(me, request, form, "consultations",
                               f"/api/v1/councils/{id}/meetings/{meeting_id}/{action}", body,
                               f"/urzad/rada/{id}/posiedzenia?zapisano={done}",
                               lambda status: self._meeting_page(request, me, id, meeting_id,
                                                                 status=status, **forms))


def meeting_body(form: Form, texts: tuple[str, ...]) -> dict[str, Any]:
    """The API's body: the texts typed (an empty one left out, for the service to ask for)
    and the times typed in Warsaw time with their zone."""
    body: dict[str, Any] = {name: form.values[name] for name in texts if form.values[name]}
    body.update(local_moments(form, TIMES))
    return body


def _coming(meeting: dict[str, Any], now: datetime) -> bool:
    starts = formatting.to_datetime(meeting["starts_at"])
    return not meeting.get("cancelled_at") and starts is not None and starts > now


def _local(value: str | None) -> str:
    moment = formatting.to_datetime(value)
    return moment.strftime(LOCAL_TIME) if moment else ""


class CouncilOpinionsMixin(SignedIn):
    """The officer asks the council for an opinion (`/urzad/rada/<id>/opinie`): the requests
    with their deadlines and opinions, and a new one (consultations
    `POST /api/v1/councils/{id}/opinion-requests`: the 14 days are the service's)."""

    @page("GET", "/urzad/rada/<id>/opinie")
    def office_council_opinions(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._opinions_page(request, me, id, Form(OPINION_FIELDS, labels=OPINION_LABELS))

    def _opinions_page(self, request: Request, me: Session, id: str, form: Form,
                       status: int = 200) -> Response:
        council = self._call(me, "GET", "consultations", f"/api/v1/councils/{id}")
        parts = Parts()
        found = parts.fetch(lambda: self._items(
            me, "consultations", f"/api/v1/councils/{id}/opinion-requests"), [])
        return self.site.render(request, "workspace/council_opinions.html", status=status,
                                parts=parts, council=council, form=form,
                                found=sorted(found, key=lambda r: r["requested_at"],
                                             reverse=True),
                                statuses=OPINION_STATUSES,
                                done=DONE.get(request.args.get("zapisano", "")))

    @page("POST", "/urzad/rada/<id>/opinie")
    def request_council_opinion(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, OPINION_FIELDS, OPINION_LABELS)
        body = {name: form.values[name] for name in OPINION_FIELDS if form.values[name]}
        return self._submit_as(me, request, form, "consultations",
                               f"/api/v1/councils/{id}/opinion-requests", body,
                               f"/urzad/rada/{id}/opinie?zapisano=poproszono",
                               lambda status: self._opinions_page(request, me, id, form, status))
