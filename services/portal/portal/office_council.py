"""The liaison officer's council pages (`/urzad/rada/...`): the councils, their members, and
inviting a member from the council's page (issue #16): identity makes the person an account
and emails a one-time link (`POST /api/v1/accounts/invitations`), and consultations appoints
the account to the council (`POST /api/v1/councils/{id}/members` with its `user_id`), so the
member signs in and finds the council's meetings and opinion requests in their inbox."""

from __future__ import annotations

from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import page

MEMBER_FIELDS = ("name", "email", "side", "organization_id")
MEMBER_LABELS = {"name": "Imię i nazwisko", "email": "E-mail", "side": "Strona",
                 "organization_id": "Identyfikator organizacji"}
REQUIRED = {"name": "Podaj imię i nazwisko.", "email": "Podaj adres e-mail.",
            "side": "Wybierz stronę, którą członek reprezentuje."}
SIDES = (("city", "strona samorządowa"), ("ngo", "strona społeczna (organizacje)"))
KINDS = {"public_benefit_council": "rada działalności pożytku publicznego",
         "sector_commission": "komisja dialogu społecznego (branżowa)",
         "district_commission": "dzielnicowa komisja dialogu społecznego"}


class CouncilOfficeMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (whose `_role`, `_invite`,
    `_submit_as` it uses)."""

    @page("GET", "/urzad/rada")
    def office_councils(self, request: Request) -> Response:
        self._role(request, "officer")
        parts = Parts()
        councils = parts.fetch(lambda: self.site.backends.items(
            "consultations", "/api/v1/councils"))
        return self.site.render(request, "workspace/councils.html", parts=parts,
                                councils=councils, kinds=KINDS)

    @page("GET", "/urzad/rada/<id>")
    def office_council(self, request: Request, id: str) -> Response:
        self._role(request, "officer")
        return self._council_page(request, id, Form(MEMBER_FIELDS, labels=MEMBER_LABELS,
                                                    values={"side": "ngo"}))

    def _council_page(self, request: Request, id: str, form: Form,
                      status: int = 200) -> Response:
        council = self.site.backends.get("consultations", f"/api/v1/councils/{id}")
        return self.site.render(request, "workspace/council.html", status, council=council,
                                form=form, sides=SIDES, kinds=KINDS,
                                invited=request.args.get("zaproszono"))

    @page("POST", "/urzad/rada/<id>/czlonkowie")
    def invite_council_member(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        form = Form.read(request, MEMBER_FIELDS, MEMBER_LABELS)
        for name, message in REQUIRED.items():
            form.require(name, message)
        if form.errors:
            return self._council_page(request, id, form, 422)
        values = form.values
        key = form.key or ""
        account_id = self._invite(me, form, values["email"], values["name"], [],
                                  idempotency_key=key and f"{key}-invitation")
        return self._submit_as(
            me, request, form, "consultations", f"/api/v1/councils/{id}/members",
            {"name": values["name"], "side": values["side"], "email": values["email"],
             "organization_id": values["organization_id"] or None, "user_id": account_id},
            f"/urzad/rada/{id}?" + urlencode({"zaproszono": values["email"]}),
            lambda status: self._council_page(request, id, form, status))
