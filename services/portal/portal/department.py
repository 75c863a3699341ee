"""The department's workspace (issue #18, `/wydzial/...`): the inquiries routed to it (answered
here), its rooms and equipment with their week (requested and approved bookings) and the
bookings waiting for its decision (approve; refuse with a reason), and a link to the
competitions it runs (`/urzad/konkursy`, which shows a department its own).

Every action is the registry's API with the person's token: the registry checks that the
department manages the resource or handles the inquiry, refuses an approval that would overlap
an approved booking (409, shown at the booking) and a refusal without a reason.
"""

from __future__ import annotations

from datetime import datetime

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.backend import Rejected
from portal.bookings import BOOKING_STATUS, RESOURCE_KIND, calendar_range, first_day, week
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Parts, polish
from portal.web import NotAllowed, page

INQUIRY_STATUS = {"received": "Przyjęte", "routed": "Przekazane do wydziału",
                  "assigned": "Przydzielone", "answered": "Udzielono odpowiedzi",
                  "closed": "Zamknięte"}
WAITING = ("routed", "assigned")


def _message(exc: Rejected) -> str:
    return " ".join(polish(m) for ms in exc.fields.values() for m in ms) or exc.message


class DepartmentMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_role`, `_call`, `_items` it
    uses)."""

    def _department(self, request: Request) -> tuple[Session, str]:
        me = self._role(request, "department")
        code = me.claims.get("department")
        if not code:
            raise NotAllowed("department")
        return me, code

    def _department_name(self, code: str) -> str:
        found = Parts().fetch(lambda: self.site.backends.get("registry",
                                                             f"/api/v1/departments/{code}"))
        return (found or {}).get("name") or code

    @page("GET", "/wydzial")
    def department_home(self, request: Request) -> Response:
        me, code = self._department(request)
        parts = Parts()
        inquiries = parts.fetch(lambda: [i for i in self._items(
            me, "registry", "/api/v1/inquiries") if i["status"] in WAITING])
        bookings = parts.fetch(lambda: self._items(me, "registry", "/api/v1/bookings",
                                                   status="requested"))
        return self.site.render(request, "workspace/department_home.html", parts=parts,
                                name=self._department_name(code), inquiries=inquiries,
                                bookings=bookings)

    # --- inquiries -------------------------------------------------------------------------
    @page("GET", "/wydzial/zapytania")
    def department_inquiries(self, request: Request) -> Response:
        me, _ = self._department(request)
        return self._inquiries_page(request, me)

    def _inquiries_page(self, request: Request, me: Session, failed: str | None = None,
                        errors: list[str] | None = None, typed: str = "",
                        status: int = 200) -> Response:
        parts = Parts()
        listing = self._list(me, request, parts, "registry", "/api/v1/inquiries",
                             at="/wydzial/zapytania")
        found = listing.items
        waiting = [i for i in found or [] if i["status"] in WAITING]
        done = [i for i in found or [] if i["status"] not in WAITING]
        return self.site.render(request, "workspace/department_inquiries.html", status=status,
                                parts=parts, found=found, listing=listing,
                                waiting=waiting, done=done,
                                statuses=INQUIRY_STATUS, failed=failed, errors=errors or [],
                                typed=typed, answered=request.args.get("odpowiedziano"))

    @page("POST", "/wydzial/zapytania/<id>/odpowiedz")
    def answer_inquiry(self, request: Request, id: str) -> Response:
        me, _ = self._department(request)
        answer = (request.form.get("answer") or "").strip()
        if not answer:
            return self._inquiries_page(request, me, id, ["Wpisz odpowiedź."], status=422)
        return self._act_as(me, request, "registry", f"/api/v1/inquiries/{id}/answer",
                            f"/wydzial/zapytania?odpowiedziano={id}",
                            lambda exc: self._inquiries_page(request, me, id, [_message(exc)],
                                                             answer, exc.status),
                            json={"answer": answer})

    # --- rooms, equipment and their bookings -------------------------------------------------
    @page("GET", "/wydzial/rezerwacje")
    def department_bookings(self, request: Request) -> Response:
        me, code = self._department(request)
        return self._bookings_page(request, me, code)

    def _bookings_page(self, request: Request, me: Session, code: str,
                       failed: str | None = None, field: str = "", errors: list[str] | None = None,
                       typed: str = "", status: int = 200) -> Response:
        parts = Parts()
        listing = self._list(me, request, parts, "registry", "/api/v1/bookings",
                             at="/wydzial/rezerwacje", status="requested")
        waiting = listing.items
        waiting = sorted(waiting, key=lambda b: b["starts_at"]) if waiting is not None else None
        resources = parts.fetch(lambda: self.site.backends.items(
            "registry", "/api/v1/resources", department=code), [])
        moment = datetime.now(formatting.WARSAW)
        first = first_day(request.args.get("od"), moment.date())
        weeks = {}
        for r in resources or []:
            found = parts.fetch(lambda r=r: self._call(
                me, "GET", "registry", f"/api/v1/resources/{r['id']}/calendar",
                params=calendar_range(first)), {}) or {}
            weeks[r["id"]] = week(first, r.get("opening_hours"), found.get("items", []), moment)
        return self.site.render(
            request, "workspace/department_bookings.html", status=status, parts=parts,
            waiting=waiting, resources=resources, weeks=weeks, kinds=RESOURCE_KIND,
            statuses=BOOKING_STATUS, failed=failed, field=field, errors=errors or [],
            typed=typed, saved=request.args.get("zapisano"), listing=listing)

    @page("POST", "/wydzial/rezerwacje/<id>/<action>")
    def decide_booking(self, request: Request, id: str, action: str) -> Response:
        me, code = self._department(request)
        if action not in ("zatwierdz", "odrzuc"):
            raise NotAllowed(action)
        reason = (request.form.get("reason") or "").strip()
        path, body = ("approve", None) if action == "zatwierdz" else ("refuse", {"reason": reason})
        field = "reason" if action == "odrzuc" else "approve"
        return self._act_as(me, request, "registry", f"/api/v1/bookings/{id}/{path}",
                            f"/wydzial/rezerwacje?zapisano={action}#czekajace",
                            lambda exc: self._bookings_page(request, me, code, id, field,
                                                            [_message(exc)], reason, exc.status),
                            json=body)
