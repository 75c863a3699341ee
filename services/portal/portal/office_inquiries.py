"""The liaison officer's inquiries (issue #18, `/urzad/zapytania`): every question sent through
the contact form or the API, the ones waiting first with their deadline; each routed to the
department that answers it (which then sees it on `/wydzial/zapytania` and in its inbox) or
answered here (the asker gets the answer by email).

The registry decides: routing to a department that does not exist, routing or answering an
inquiry already answered (409), an answer without text (422), shown at that inquiry's field.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from portal.department import INQUIRY_STATUS, _message
from portal.listing import Filter
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Parts
from portal.web import NotAllowed, page
from portal.workspaces import ALL

OPEN = ("received", "routed", "assigned")


class OfficeInquiriesMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`, `_items`)."""

    @page("GET", "/urzad/zapytania")
    def office_inquiries(self, request: Request) -> Response:
        return self._office_inquiries(request, self._role(request, "officer"))

    def _office_inquiries(self, request: Request, me: Session, failed: str | None = None,
                          field: str = "", errors: list[str] | None = None,
                          typed: str = "", status: int = 200) -> Response:
        parts = Parts()
        departments = self._department_names(parts)
        listing = self._list(me, request, parts, "registry", "/api/v1/inquiries",
                             at="/urzad/zapytania", filters=(
                                 Filter("stan", "status", "Stan zapytania",
                                        {**ALL, **INQUIRY_STATUS}),
                                 Filter("wydzial", "department", "Wydział",
                                        {**ALL, **departments}),
                                 Filter("termin", "overdue", "Termin odpowiedzi",
                                        {**ALL, "true": "tylko po terminie"})))
        found = listing.items
        waiting = sorted((i for i in found or [] if i["status"] in OPEN),
                         key=lambda i: i["deadline"])
        done = [i for i in found or [] if i["status"] not in OPEN]
        return self.site.render(
            request, "workspace/office_inquiries.html", status=status, parts=parts,
            found=found, listing=listing, waiting=waiting, done=done,
            statuses=INQUIRY_STATUS, departments=departments, failed=failed,
            field=field, errors=errors or [], typed=typed,
            saved=request.args.get("zapisano"))

    @page("POST", "/urzad/zapytania/<id>/<action>")
    def handle_inquiry(self, request: Request, id: str, action: str) -> Response:
        me = self._role(request, "officer")
        if action == "przekaz":
            field, typed = "department", (request.form.get("department") or "").strip()
            path, body = f"/api/v1/inquiries/{id}/route", {"department": typed} if typed else {}
        elif action == "odpowiedz":
            field, typed = "answer", (request.form.get("answer") or "").strip()
            if not typed:
                return self._office_inquiries(request, me, id, field, ["Wpisz odpowiedź."],
                                              status=422)
            path, body = f"/api/v1/inquiries/{id}/answer", {"answer": typed}
        else:
            raise NotAllowed(action)
        return self._act_as(me, request, "registry", path,
                            f"/urzad/zapytania?zapisano={action}#czekajace",
                            lambda exc: self._office_inquiries(request, me, id, field,
                                                               [_message(exc)], typed,
                                                               exc.status),
                            json=body)
