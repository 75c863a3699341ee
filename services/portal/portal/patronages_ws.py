"""Patronage and promotion requests (issue #18, `/moja-organizacja/patronaty`,
`/urzad/patronaty`): the organisation asks for the mayor's honorary patronage or the city's
promotion of its event; the liaison office grants it or refuses it with a reason. A granted one
is public (the calendar) and reaches the organisation's inbox.

The registry decides: an event too soon (the city's minimum days before it), in the past or
ending before it starts, an organisation not verified, a refusal without a reason are its
422/409, shown next to the field they name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import NotAllowed, page

PATRONAGE_KIND = {"patronage": "Patronat honorowy prezydenta miasta",
                  "promotion": "Promocja wydarzenia przez miasto"}
PATRONAGE_STATUS = {"requested": "Czeka na decyzję biura", "granted": "Przyznany",
                    "refused": "Odmowa"}
FIELDS = ("kind", "name", "starts_at", "ends_at", "place", "audience", "justification",
          "areas", "website")
LABELS = {"kind": "O co prosisz", "name": "Nazwa wydarzenia", "starts_at": "Początek",
          "ends_at": "Koniec", "place": "Miejsce", "audience": "Do kogo wydarzenie jest skierowane",
          "justification": "Uzasadnienie", "areas": "Obszary", "website": "Strona wydarzenia"}
LOCAL_TIME = "%Y-%m-%dT%H:%M"   # what <input type="datetime-local"> sends, in Warsaw time


def local_moments(form: Form, names: tuple[str, ...]) -> dict[str, str]:
    """The times typed in Warsaw time (`datetime-local`) with their zone, for the API."""
    return _typed(form, names, "Wpisz datę i godzinę, np. 15.01.2027, 10:00.", lambda typed:
                  datetime.strptime(typed, LOCAL_TIME).replace(tzinfo=formatting.WARSAW)
                  .isoformat())


def local_days(form: Form, names: tuple[str, ...]) -> dict[str, str]:
    """The days typed (`<input type="date">`) as the API takes them."""
    return _typed(form, names, "Wybierz dzień, np. 2027-01-15.",
                  lambda typed: date.fromisoformat(typed).isoformat())


def _typed(form: Form, names: tuple[str, ...], message: str,
           parse: Callable[[str], str]) -> dict[str, str]:
    """The fields `names` as `parse` reads them; one it cannot read is told at its field
    (`message`: a format, not a rule); an empty one left out, for the service to ask for."""
    found = {}
    for name in names:
        typed = form.values.get(name) or ""
        if not typed:
            continue
        try:
            found[name] = parse(typed)
        except ValueError:
            form.errors.setdefault(name, []).append(message)
    return found


def patronage_body(form: Form, org_id: str | None) -> dict[str, Any]:
    v = form.values
    body: dict[str, Any] = {"organization_id": org_id, "areas": v["areas"],
                            "website": v["website"] or None}
    body.update({name: v[name] for name in ("kind", "name", "place", "audience",
                                            "justification") if v[name]})
    body.update(local_moments(form, ("starts_at", "ends_at")))
    return body


class PatronagesMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`, `_items`) and
    SmallGrantsWorkspaceMixin (`_areas`)."""

    # --- the organisation asks -------------------------------------------------------------
    @page("GET", "/moja-organizacja/patronaty")
    def my_patronages(self, request: Request) -> Response:
        self._role(request, "ngo")
        return self._my_patronages(request, Form(FIELDS, labels=LABELS,
                                                 values={"kind": "patronage", "areas": []}))

    def _my_patronages(self, request: Request, form: Form, status: int = 200) -> Response:
        me = self._role(request, "ngo")
        parts = Parts()
        listing = self._list(me, request, parts, "registry", "/api/v1/patronages",
                             at="/moja-organizacja/patronaty", organization_id=me.org_id)
        own = listing.items
        _, areas = self._own_areas(me, parts)
        return self.site.render(request, "workspace/patronage_mine.html", status=status,
                                parts=parts, own=sorted(own or [], key=lambda p: p["created_at"],
                                                        reverse=True) if own is not None else None,
                                form=form, areas=areas, kinds=PATRONAGE_KIND, listing=listing,
                                statuses=PATRONAGE_STATUS, sent=request.args.get("wyslano"))

    @page("POST", "/moja-organizacja/patronaty")
    def ask_patronage(self, request: Request) -> Response:
        return self._send_for_organisation(
            request, FIELDS, LABELS, "/api/v1/patronages", patronage_body,
            "/moja-organizacja/patronaty?wyslano=1#wnioski",
            lambda request, me, form, status: self._my_patronages(request, form, status))

    # --- the office decides ----------------------------------------------------------------
    @page("GET", "/urzad/patronaty")
    def office_patronages(self, request: Request) -> Response:
        return self._office_patronages(request, self._role(request, "officer"))

    def _office_patronages(self, request: Request, me: Session, failed: str | None = None,
                           form: Form | None = None, status: int = 200) -> Response:
        parts = Parts()
        listing = self._list(me, request, parts, "registry", "/api/v1/patronages",
                             at="/urzad/patronaty")
        found = listing.items
        # the list is the public's view of each; the office reads a waiting one whole (its
        # justification) to decide
        waiting = sorted((parts.fetch(lambda p=p: self._call(
            me, "GET", "registry", f"/api/v1/patronages/{p['id']}"), p) or p
            for p in found or [] if p["status"] == "requested"), key=lambda p: p["starts_at"])
        decided = sorted((p for p in found or [] if p["status"] != "requested"),
                         key=lambda p: p.get("decided_at") or "", reverse=True)
        return self.site.render(request, "workspace/patronage_office.html", status=status,
                                parts=parts, found=found, listing=listing, waiting=waiting,
                                decided=decided,
                                kinds=PATRONAGE_KIND, statuses=PATRONAGE_STATUS,
                                areas=self._areas(parts), failed=failed,
                                form=form or Form(("reason",)),
                                saved=request.args.get("zapisano"))

    @page("POST", "/urzad/patronaty/<id>/<action>")
    def decide_patronage(self, request: Request, id: str, action: str) -> Response:
        me = self._role(request, "officer")
        if action not in ("przyznaj", "odmow"):
            raise NotAllowed(action)
        form = Form.read(request, ("reason",), {"reason": "Powód odmowy"})
        reason = form.values["reason"]
        path, body = ("grant", None) if action == "przyznaj" \
            else ("refuse", {"reason": reason} if reason else {})
        return self._submit_as(me, request, form, "registry", f"/api/v1/patronages/{id}/{path}",
                               body, f"/urzad/patronaty?zapisano={action}#rozpatrzone",
                               lambda status: self._office_patronages(request, me, id, form,
                                                                      status))
