"""The signed-in part of the portal: signing in and out, the NGO representative's workspace
(`/moja-organizacja/...`) and the liaison officer's (`/urzad/...`).

Every action goes to the owning service's API with the person's access token (refreshed
quietly with the refresh token); the services check roles and apply the Act, the portal shows
their answers (a 422's messages next to the fields they name) and hides what a role cannot do.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.backend import Rejected
from portal.csrf import FIELD as CSRF_FIELD
from portal.listing import MAX_LIMIT, PER_PAGE, Filter, Listing, listing_of, load
from portal.offer_budget import lower_grant
from portal.sessions import Session
from portal.signin import REFRESH_MARGIN, SignInFailed, portal_url, safe_next
from portal.views import VERSION_FIELD, Form, Parts, areas_of, polish
from portal.web import NotAllowed, Redirect, Site, origin_of, page

log = logging.getLogger(__name__)

REPRESENTATION_STATUS = {"requested": "Czeka na decyzję", "granted": "Zatwierdzony",
                         "refused": "Odmowa", "withdrawn": "Wycofany", "revoked": "Cofnięty"}
OFFER_STATUS = {"submitted": "Złożona", "withdrawn": "Wycofana", "rejected_formally":
                "Odrzucona z przyczyn formalnych", "under_evaluation": "W ocenie",
                "awarded": "Przyznano dotację", "not_awarded": "Nie przyznano dotacji",
                # grants' names of the results (domain.OfferStatus)
                "funded": "Przyznano dotację", "not_funded": "Nie przyznano dotacji"}
# the API's own_contribution.volunteer_work.hours and .hourly_rate, so its 422 lands there
VOLUNTEER_HOURS = "own_contribution_volunteer_work_hours"
VOLUNTEER_RATE = "own_contribution_volunteer_work_hourly_rate"
COST_ROWS = 3          # cost item rows an empty offer form shows
MAX_COST_ROWS = 200    # as many as the API takes
ALL = {"": "wszystkie"}   # a list filter's first choice
ORGANISATION_STATUS = {"pending": "Czeka na weryfikację", "verified": "Zweryfikowana",
                       "suspended": "Zawieszona", "archived": "Zarchiwizowana"}


# an offer form opened without a draft: the first save creates one, or is told of one begun
# meanwhile elsewhere (grants: version -1, 409 draft_changed)
NO_DRAFT = "-1"


def form_key(request: Request) -> str | None:
    """The Idempotency-Key the form was rendered with (a double click sends it twice)."""
    return (request.form.get("idempotency_key") or "")[:128] or None


def sign_in_link(path: str) -> str:
    return "/logowanie?next=" + quote(safe_next(path), safe="/")


def form_page(request: Request) -> str:
    """The page a posted form was on, to come back to after signing in again: the POST's
    Referer when it is this portal's (same origin; the Referrer-Policy is same-origin), else
    the posted path itself (a form posting to its own page)."""
    referer = urlsplit(request.headers.get("Referer") or "")
    own = {origin_of(request.host_url), origin_of(portal_url())}
    if referer.path and f"{referer.scheme}://{referer.netloc}" in own:
        return safe_next(referer.path)
    return request.path


def stash_items(request: Request) -> list[tuple[str, str]]:
    """What a posted form held, without its CSRF token and Idempotency-Key (a new token and
    key come with the form again)."""
    return [(k, v) for k, v in request.form.items(multi=True)
            if k not in (CSRF_FIELD, "idempotency_key")]


def _expiring(tokens: Any) -> bool:
    return tokens.expires_at - REFRESH_MARGIN < time.time()


def amendable(offer: dict[str, Any], competition: dict[str, Any] | None,
              now: datetime) -> bool:
    """Whether to show "change" and "withdraw" on an offer (grants decides when they are
    used: it refuses after the deadline)."""
    return bool(competition) and offer.get("status") == "submitted" \
        and competition.get("status") == "announced" \
        and formatting.to_datetime(competition["submission_deadline"]) > now


def search_by(typed: str) -> dict[str, str]:
    """The registry's query for what a person typed to find an organisation: its NIP when it is
    ten digits (dashes and spaces allowed; the registry checks the check digit), else its name."""
    digits = "".join(c for c in typed if c not in "- ")
    return {"nip": typed} if digits.isdigit() and len(digits) == 10 else {"q": typed}


STALE = "stale"   # form.conflict after a 412, until the page reads the record again


@dataclass(frozen=True)
class EditConflict:
    """Someone else saved a record while a person edited it: what to tell them, and for each
    field that differs its stored value beside the one they typed."""

    title: str
    message: str
    rows: list[tuple[str, str, str]]


_LOCAL_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")   # <input datetime-local>


def _shown(value: Any, names: dict[str, str] | None = None) -> str:
    """A form's value as a person reads it in the comparison: a list joined, a moment the
    Polish way, a ticked box as "tak"; a code among `names` (a field's choices) by its name."""
    if names is not None:
        codes = value if isinstance(value, (list, tuple)) else [value] if value else []
        return ", ".join(names.get(str(code), str(code)) for code in codes)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    text = "\n".join(line.rstrip() for line in str(value or "").strip().splitlines())
    if _LOCAL_MOMENT.match(text):
        try:
            return formatting.moment(text)
        except ValueError:
            return text
    return text


def edited_form(form: Form | None, blank: Form, stored: dict[str, Any], version: str | None,
                what: str, choices: dict[str, dict[str, str]] | None = None) -> Form:
    """The edit form of a record read with its ETag `version`; `stored`: the record's values
    as the form shows them, `what`: the record in the accusative ("ten projekt programu"),
    `choices`: a field's codes by their names, for the comparison (the areas ticked).

    - no form yet (the page opened): `blank` filled with the stored values and the version;
    - a form sent back after a 412 (`_save_edit`): what was typed stays (nothing lost), the
      conflict names each field whose stored value differs from it, and the form now carries
      the current version, so saving again applies what the person decides;
    - a form refused otherwise (a 422): as typed, with the version it was rendered from (a
      change saved meanwhile still answers 412 on the next save)."""
    if form is None:
        blank.values.update(stored)
        blank.version = version
        return blank
    if form.conflict == STALE:
        names = choices or {}
        rows = [(form.labels.get(name, name), _shown(stored.get(name, ""), names.get(name)),
                 _shown(form.values.get(name, ""), names.get(name)))
                for name in form.fields]
        form.conflict = EditConflict(
            title=f"Ktoś inny zmienił {what} w międzyczasie.",
            message="Poniżej aktualnie zapisana wersja obok Twojej. Twoje zmiany nie "
                    "przepadły: są w formularzu, ale nie zostały zapisane. Sprawdź je wobec "
                    "aktualnej wersji, popraw, jeśli trzeba, i zapisz ponownie.",
            rows=[row for row in rows if row[1] != row[2]])
        form.version = version
    return form


class WorkspacesMixin:
    site: Site
    # PortalService's: a form passed to its API, redirect on success, the form again on a 422
    _submit: Callable[..., Response]
    # OfferWorkMixin's (portal/offer_work.py): the competition offer's partners, drafts, check
    _competition_offer: Callable[[Any], Form]
    _competition_body: Callable[[Form, str], dict[str, Any]]
    _partner_choices: Callable[[dict[str, Any], Session], list[dict]]
    _restored: Callable[[Request, Session], Any]
    _draft: Callable[[Session, str], dict[str, Any] | None]
    _from_draft: Callable[[dict[str, Any]], Any]
    _save_draft: Callable[[Session, str, Form], dict[str, Any]]
    _draft_conflict: Callable[[Session, str, Form], Form]
    _drafts: Callable[[Session, Parts], list[dict[str, Any]]]
    _check: Callable[[Session, str, Form], dict[str, Any] | None]
    _organisation_names: Callable[[list[str]], list[str]]

    # --- the person and their token ------------------------------------------------------
    def _me(self, request: Request) -> Session:
        """The signed-in person, with an access token valid for the next minute (refreshed
        quietly); otherwise to the sign-in, back here afterwards."""
        session: Session | None = request.session
        if session is None or session.tokens is None:
            raise Redirect(self._sign_in_again(request, None))
        if _expiring(session.tokens):
            self._refresh(request, session)
        return session

    def _refresh(self, request: Request, session: Session) -> None:
        """One refresh per session at a time, across the portal's replicas (the store's
        compare-and-set, `portal.sessions`): a request that waited for another's refresh
        uses the tokens it got (a second use of the rotated refresh token would make identity
        revoke them all), or signs in again when that refresh failed."""
        sub = session.claims.get("sub")
        try:
            self.site.sessions.refresh(session, self.site.provider.refresh)
        except SignInFailed as exc:
            log.info("refresh failed (%s): signing in again", exc)
            raise Redirect(self._sign_in_again(request, sub)) from None
        if session.tokens is None:    # the refresh this request waited for failed
            raise Redirect(self._sign_in_again(request, sub))

    def _sign_in_again(self, request: Request, sub: str | None) -> str:
        """The sign-in, back to this page; a form posted meanwhile is kept on the server
        under a one-time key (`site.stash`) and comes back filled in (`?przywroc=`)."""
        if request.method != "POST":
            return sign_in_link(request.full_path.rstrip("?"))
        back = form_page(request)
        key = self.site.stash.put(back, stash_items(request), sub, action=request.path)
        return sign_in_link(f"{back}?przywroc={key}")

    def _kept_form(self, request: Request, me: Session, action: str | None = None,
                   ) -> SimpleNamespace | None:
        """The form posted from this page after the session expired (`?przywroc=`, once): as
        a request's `.form` for `Form.read`, with `.action`, where it posted; with `action`
        given, only a form that posted there (a page with several forms)."""
        found = self.site.stash.take_form(request.args.get("przywroc"), request.path,
                                          me.claims.get("sub"), action)
        if found is None:
            return None
        return SimpleNamespace(form=MultiDict(found.items), action=found.action)

    def _role(self, request: Request, role: str, *others: str) -> Session:
        """The person signed in, if they hold `role` or one of `others` (else 403)."""
        me = self._me(request)
        if not any(me.has(r) for r in (role, *others)):
            raise NotAllowed(role)
        return me

    def _call(self, me: Session, method: str, service: str, path: str, *,
              params: dict[str, Any] | None = None, json: Any = None,
              idempotency_key: str | None = None, if_match: str | None = None,
              tagged: bool = False) -> Any:
        assert me.tokens is not None
        try:
            return self.site.backends.personal(method, service, path, me.tokens.access_token,
                                               params=params, json=json,
                                               idempotency_key=idempotency_key,
                                               if_match=if_match, tagged=tagged)
        except Rejected as exc:
            if exc.status == 401:   # the token was refused: sign in again
                self.site.sessions.drop_tokens(me)
                raise Redirect(sign_in_link("/moja-organizacja")) from None
            if exc.status == 403 and method == "GET":
                raise NotAllowed(path) from None
            raise

    def _act_as(self, me: Session, request: Request, service: str, path: str,
                done: str | Callable[[Any], str], refused: Callable[[Rejected], Response], *,
                json: Any = None, method: str = "POST", if_match: str | None = None) -> Response:
        """The one way a signed-in page sends something to its API: with the person's token
        and the Idempotency-Key the form was rendered with (and `if_match`, the version an
        edit was rendered from); on success a redirect to `done` (POST/redirect/GET; a
        function of the API's answer when the address needs it, the new record's id), on a
        refusal what `refused` makes of it."""
        try:
            answer = self._call(me, method, service, path, json=json,
                                idempotency_key=form_key(request), if_match=if_match)
        except Rejected as exc:
            return refused(exc)
        return redirect(done(answer) if callable(done) else done, code=303)

    def _submit_as(self, me: Session, request: Request, form: Form, service: str, path: str,
                   body: Any, done: str | Callable[[Any], str],
                   again: Callable[[int], Response], *, method: str = "POST",
                   items: dict[str, list[str]] | None = None) -> Response:
        """PortalService._submit with the person's token: the form checked, then passed to its
        API (`_act_as`); redirect on success, on an error or a refusal the page `again` with
        the messages next to the fields (`items`: see Form.reject)."""
        if form.errors:
            return again(422)

        def refused(exc: Rejected) -> Response:
            form.reject(exc, items)
            return again(exc.status)

        return self._act_as(me, request, service, path, done, refused, json=body,
                            method=method)

    def _send_for_organisation(self, request: Request, fields: tuple[str, ...],
                               labels: dict[str, str], path: str,
                               body_of: Callable[[Form, str | None], Any], done: str,
                               show: Callable[[Request, Session, Form, int], Response],
                               ) -> Response:
        """A representative's form in the name of their organisation (its `areas` ticked),
        made into the registry's body by `body_of(form, organisation id)` and sent
        (`_submit_as`); `show(request, me, form, status)` is its page again."""
        me = self._role(request, "ngo")
        form = Form.read(request, fields, labels, many=("areas",))
        return self._submit_as(me, request, form, "registry", path, body_of(form, me.org_id),
                               done, lambda status: show(request, me, form, status))

    def _read_versioned(self, me: Session, service: str, path: str,
                        ) -> tuple[dict[str, Any], str | None]:
        """A record an edit form shows, and its ETag (the version the form is rendered from,
        sent back as If-Match by `_save_edit`)."""
        return self._call(me, "GET", service, path, tagged=True)

    def _save_edit(self, me: Session, request: Request, form: Form, method: str,
                   service: str, path: str, body: Any, done: str,
                   again: Callable[[int], Response],
                   items: dict[str, list[str]] | None = None) -> Response:
        """An edit form sent to its API with If-Match (the version it was rendered from):
        redirect on success; on a 422 or a refusal the page `again` with the messages next to
        the fields; on a 412 (someone else saved the record meanwhile) the page `again` with
        what was typed kept and `form.conflict` set, for `edited_form` to show both versions
        when the page reads the record again."""
        if form.errors:
            return again(422)

        def refused(exc: Rejected) -> Response:
            if exc.status == 412:
                form.conflict = STALE
                return again(409)
            form.reject(exc, items=items)
            return again(exc.status)

        return self._act_as(me, request, service, path, done, refused, json=body,
                            method=method, if_match=form.version)

    def _invite(self, me: Session, form: Form, email: str, name: str, roles: list[str], *,
                at: str = "", idempotency_key: str | None = None) -> str | None:
        """An account for a committee or council member, invited by email through identity
        (a known address keeps its account): its id, the `user_id` to appoint; or None with
        identity's refusal at the form's field it names (`at` + its name: a row's field; one
        naming no field of the form at the email), so the form's send shows it and sends
        nothing."""
        try:
            invited = self._call(me, "POST", "identity", "/api/v1/accounts/invitations",
                                 json={"email": email, "name": name, "roles": roles},
                                 idempotency_key=idempotency_key)
        except Rejected as exc:
            for field, messages in (exc.fields or {"email": [exc.message]}).items():
                key = f"{at}{field}" if f"{at}{field}" in form.fields else f"{at}email"
                form.errors.setdefault(key, []).extend(polish(m) for m in messages)
            return None
        return invited["account_id"]

    def _items(self, me: Session, service: str, path: str, **params: Any) -> list[dict]:
        """Every row of a short or computed list (a competition's offers for its results,
        a person's subscriptions), page after page: nothing is cut silently. A list a
        person reads pages through `_list`."""
        return self._all(me, service, path, **params)

    def _list(self, me: Session, request: Request, parts: Parts, service: str, path: str, *,
              key: str = "strona", filters: tuple[Filter, ...] = (), keep: tuple[str, ...] = (),
              per_page: int = PER_PAGE, at: str | None = None, **fixed: Any) -> Listing:
        """One page of a long list (portal/listing.py), its filters and links from the
        request's query; `items` stays None when the service does not answer (the part
        says so). A stale cursor (422) shows the first page. `at`: the page's address when
        a POST renders it again."""
        listing = listing_of(request.args, at or request.path, key=key, filters=filters, keep=keep)

        def fetch(params: dict[str, Any]) -> dict[str, Any]:
            try:
                return self._call(me, "GET", service, path, params=params)
            except Rejected as exc:
                if exc.status != 422 or not listing.cursor:
                    raise
                listing.cursor, listing.trail = "", []
                return self._call(me, "GET", service, path,
                                  params={**listing.api_params(per_page), **fixed})

        return parts.fetch(lambda: load(listing, fetch, per_page, **fixed), listing)

    def _all(self, me: Session, service: str, path: str, pages: int = 25,
             **params: Any) -> list[dict]:
        """Every row of a list, page after page (for a set the page computes, such as the
        funded offers that have a contract, never for a list it shows: `_list` pages those)."""
        found: list[dict] = []
        cursor = None
        for _ in range(pages):
            answer = self._call(me, "GET", service, path,
                                params={"limit": MAX_LIMIT, **params, "cursor": cursor})
            found.extend(answer.get("items", []))
            cursor = answer.get("next_cursor")
            if not cursor:
                break
        return found

    def _area_names(self, parts: Parts) -> dict[str, str]:
        return areas_of(self.site, parts)

    _areas = _area_names   # the name most parts of the workspaces use

    def _own_areas(self, me: Session, parts: Parts) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """The areas' names by code, and the choices of a form of the person's organisation:
        its own areas (all of them when it names none)."""
        org = parts.fetch(lambda: self._call(me, "GET", "registry",
                                             f"/api/v1/organizations/{me.org_id}"), {}) or {}
        names = self._area_names(parts)
        return names, [(code, names.get(code, code)) for code in org.get("areas") or names]

    def _registry_public(self, request: Request, path: str, districts: tuple[str, ...] = (),
                         ) -> tuple[Parts, dict[str, str], dict[str, str], list[dict] | None]:
        """A public list of the registry's (`path`) in the area chosen (`?obszar=`) and, given
        `districts`, the district (`?dzielnica=`), each when it is one of them: the page's
        parts, the areas' names, the filters applied ("" for none) and what was found."""
        parts = Parts()
        names = self._area_names(parts)
        area, district = request.args.get("obszar", ""), request.args.get("dzielnica", "")
        chosen = {"area": area if area in names else "",
                  "district": district if district in districts else ""}
        found = parts.fetch(lambda: self.site.backends.items(
            "registry", path, **{k: v for k, v in chosen.items() if v}))
        return parts, names, chosen, found

    # --- signing in and out --------------------------------------------------------------
    @page("GET", "/logowanie")
    def sign_in(self, request: Request) -> Response:
        return self._start_sign_in(request, request.args.get("next"))

    def _start_sign_in(self, request: Request, next_path: str | None,
                       **extra: str) -> Response:
        session = request.session or self.site.sessions.new()
        url, pending = self.site.provider.start(next_path or "", **extra)
        self.site.sessions.start_sign_in(session, pending)
        request.session, request.session_changed = session, True
        return redirect(url, code=303)

    @page("GET", "/logowanie/powrot")
    def signed_in(self, request: Request) -> Response:
        session: Session | None = request.session
        pending = session.pending if session else None
        if session is None or pending is None:
            return self.site.render(request, "signin_failed.html", status=400)
        try:
            tokens = self.site.provider.finish(pending, request.args.to_dict())
        except SignInFailed as exc:
            log.warning("sign-in refused: %s", exc)
            return self.site.render(request, "signin_failed.html", status=400)
        self.site.sessions.signed_in(session, tokens)   # a new id, the pending one gone
        request.session_changed = True
        self.site.sessions.set_organisations(session, self._organisations(session))
        if session.org_id is None and len(session.organisations) > 1:
            return redirect("/wybierz-organizacje?next=" + quote(pending.next, safe="/"),
                            code=303)
        return redirect(pending.next, code=303)

    def _organisations(self, me: Session) -> list[tuple[str, str]]:
        """The organisations the person represents (identity's granted representations)."""
        sub = me.claims.get("sub")
        found = Parts().fetch(lambda: self._all(me, "identity", "/api/v1/representations",
                                                status="granted"), []) or []
        return [(r["organization_id"], r.get("organization_name") or r["organization_id"])
                for r in found if r.get("account_id") == sub]

    @page("GET", "/wybierz-organizacje")
    def choose_organisation(self, request: Request) -> Response:
        me = self._me(request)
        self.site.sessions.set_organisations(me, self._organisations(me))
        return self.site.render(request, "choose_organisation.html",
                                next=safe_next(request.args.get("next")))

    @page("POST", "/wybierz-organizacje")
    def chose_organisation(self, request: Request) -> Response:
        me = self._me(request)
        chosen = request.form.get("organization_id", "")
        if chosen not in dict(me.organisations):
            return self.site.render(request, "choose_organisation.html", status=422,
                                    next=safe_next(request.form.get("next")),
                                    error="Wybierz organizację z listy.")
        # the provider's session is still open: the code comes back at once, for that one
        # (no `prompt=none`: were that session gone, its sign-in page is the right answer)
        return self._start_sign_in(request, request.form.get("next"), org_id=chosen)

    @page("POST", "/wyloguj")
    def sign_out(self, request: Request) -> Response:
        session: Session | None = request.session
        tokens = session.tokens if session else None
        if session is not None:
            self.site.sessions.end(session)
        request.session, request.session_changed = None, True
        url = self.site.provider.logout_url(tokens, portal_url() + "/") if tokens else None
        return redirect(url or "/", code=303)

    # --- an account (identity's registration; the email confirms it) --------------------
    ACCOUNT_FIELDS = ("name", "email", "password")
    ACCOUNT_LABELS = {"name": "Imię i nazwisko", "email": "Adres e-mail", "password": "Hasło"}

    @page("GET", "/rejestracja")
    def register(self, request: Request) -> Response:
        return self._register(request, Form(self.ACCOUNT_FIELDS, labels=self.ACCOUNT_LABELS))

    @page("POST", "/rejestracja")
    def registered(self, request: Request) -> Response:
        form = Form.read(request, self.ACCOUNT_FIELDS, self.ACCOUNT_LABELS)
        body = dict(form.values)
        form.values["password"] = ""   # never sent back to the browser
        return self._submit(form, "identity", "/api/v1/accounts", body,
                            "/rejestracja?wyslano=1",
                            lambda status: self._register(request, form, status))

    def _register(self, request: Request, form: Form, status: int = 200) -> Response:
        return self.site.render(request, "register.html", status=status, form=form,
                                sent=request.args.get("wyslano") == "1")

    # --- the NGO representative ----------------------------------------------------------
    @page("GET", "/moja-organizacja")
    def my_organisation(self, request: Request) -> Response:
        me = self._me(request)
        return self._my_organisation(request, me, Form(("organization_id",), labels={
            "organization_id": "Identyfikator organizacji"}))

    def _find_organisations(self, request: Request) -> tuple[Form, list[dict] | None]:
        """The registry's search for the organisation to represent: by NIP when ten digits
        are typed (dashes and spaces allowed), else by name. The registry shows verified
        organisations only to a person who represents none."""
        search = Form(("szukaj",), labels={
            "szukaj": "Znajdź organizację po nazwie albo numerze NIP"},
            values={"szukaj": (request.args.get("szukaj") or "").strip()[:200]})
        typed = search.values["szukaj"]
        if not typed:
            return search, None
        try:
            return search, self.site.backends.items("registry", "/api/v1/organizations",
                                                    limit=20, pages=1, **search_by(typed))
        except Rejected as exc:
            search.errors["szukaj"] = [polish(m) for messages in exc.fields.values()
                                              for m in messages] or [exc.message]
            return search, None

    def _my_organisation(self, request: Request, me: Session, form: Form,
                         status: int = 200) -> Response:
        parts = Parts()
        search, found = self._find_organisations(request)
        org = offers = competitions = colleagues = None
        offer_list = colleague_list = None
        if me.org_id:
            org = parts.fetch(lambda: self._call(me, "GET", "registry",
                                                 f"/api/v1/organizations/{me.org_id}"))
            offer_list = self._list(me, request, parts, "grants", "/api/v1/offers",
                                    key="oferty", keep=("wnioski", "wnioski_wstecz"),
                                    at="/moja-organizacja", organization_id=me.org_id)
            offers = offer_list.items or []
            # as the person, never the public cache: a competition announced a moment ago
            # (by an officer elsewhere) is open to offers here at once
            competitions = parts.fetch(lambda: self._all(
                me, "grants", "/api/v1/competitions", status="announced"), [])
            colleague_list = self._list(me, request, parts, "identity",
                                        "/api/v1/representations", key="wnioski",
                                        keep=("oferty", "oferty_wstecz"),
                                        at="/moja-organizacja", organization_id=me.org_id,
                                        status="requested")
            colleagues = colleague_list.items or []
        own = parts.fetch(lambda: [r for r in self._all(me, "identity",
                                                        "/api/v1/representations")
                                   if r.get("account_id") == me.claims.get("sub")], [])
        # everyone signed in has an inbox (a council member invited by the office has no role)
        unread = parts.fetch(lambda: self._call(me, "GET", "notifications",
                                                "/api/v1/inbox/unread-count"), {}) or {}
        moment = _now()
        open_competitions = [c for c in competitions or []
                             if formatting.to_datetime(c["submission_deadline"]) > moment]
        return self.site.render(
            request, "workspace/organisation.html", status=status, parts=parts, org=org,
            offers=offers, competitions=open_competitions, colleagues=colleagues,
            offer_list=offer_list, colleague_list=colleague_list,
            own=own, unread=unread.get("unread"), form=form,
            statuses=REPRESENTATION_STATUS, offer_statuses=OFFER_STATUS, now=moment,
            left=formatting.days_left_text, sent=request.args.get("wyslano") == "1",
            drafts=self._drafts(me, parts), discarded=request.args.get("usunieto") == "1",
            decided="blad" if request.args.get("blad") else request.args.get("zapisano"),
            search=search, found=found)

    @page("POST", "/moja-organizacja/reprezentacja")
    def ask_to_represent(self, request: Request) -> Response:
        me = self._me(request)
        form = Form.read(request, ("organization_id",),
                         {"organization_id": "Identyfikator organizacji"})

        def refused(exc: Rejected) -> Response:
            form.reject(exc)
            if exc.status == 409 and not exc.fields:
                form.errors.setdefault("organization_id", []).append(exc.message)
                form.message = ""
            return self._my_organisation(request, me, form, exc.status)

        return self._act_as(me, request, "identity", "/api/v1/representations",
                            "/moja-organizacja?wyslano=1#reprezentacja", refused,
                            json={"organization_id": form.values["organization_id"]})

    @page("POST", "/moja-organizacja/reprezentacje/<id>/<action>")
    def decide_colleague(self, request: Request, id: str, action: str) -> Response:
        """A representative approves (or refuses) a colleague's request for the organisation."""
        me = self._me(request)
        return self._decide_representation(me, request, id, action, "/moja-organizacja")

    def _decide_representation(self, me: Session, request: Request, id: str, action: str,
                               back: str) -> Response:
        if action not in ("zatwierdz", "odmow"):
            raise NotAllowed(action)
        path, body = (f"/api/v1/representations/{id}/approve", None) \
            if action == "zatwierdz" else (f"/api/v1/representations/{id}/refuse",
                                           {"reason": (request.form.get("reason") or "").strip()})

        def refused(exc: Rejected) -> Response:
            message = " ".join(polish(m) for ms in exc.fields.values() for m in ms) \
                or exc.message
            return redirect(f"{back}?blad={quote(message)}&wniosek={id}#wnioski", code=303)

        return self._act_as(me, request, "identity", path, f"{back}?zapisano={action}#wnioski",
                            refused, json=body)

    @page("GET", "/moja-organizacja/skrzynka")
    def inbox(self, request: Request) -> Response:
        me = self._me(request)
        parts = Parts()
        listing = self._list(me, request, parts, "notifications", "/api/v1/inbox", filters=(
            Filter("pokaz", "unread", "Wiadomości", {**ALL, "true": "tylko nieprzeczytane"}),))
        unread = parts.fetch(lambda: self._call(me, "GET", "notifications",
                                                "/api/v1/inbox/unread-count"), {}) or {}
        return self.site.render(request, "workspace/inbox.html", parts=parts,
                                items=listing.items, listing=listing,
                                unread=unread.get("unread"))

    @page("POST", "/moja-organizacja/skrzynka/<id>/przeczytane")
    def mark_read(self, request: Request, id: str) -> Response:
        """A message marked read; one that is gone meanwhile: the inbox as it is now."""
        me = self._me(request)
        inbox = "/moja-organizacja/skrzynka"
        return self._act_as(me, request, "notifications", f"/api/v1/inbox/{id}/read", inbox,
                            lambda exc: redirect(inbox, code=303))

    # --- an offer ------------------------------------------------------------------------
    OFFER_LABELS = {
        "title": "Tytuł zadania", "description": "Opis zadania",
        "expected_results": "Zakładane rezultaty", "task_start": "Początek realizacji",
        "task_end": "Koniec realizacji", "requested_amount": "Wnioskowana kwota dotacji",
        "own_contribution_financial": "Wkład własny finansowy",
        "own_contribution_non_financial": "Wkład własny niefinansowy (osobowy i rzeczowy)",
        "total_cost": "Całkowity koszt zadania", "cost_items": "Kosztorys",
        # volunteers' work valued as hours × rate, part of the non-financial contribution
        VOLUNTEER_HOURS: "Praca wolontariuszy: liczba godzin",
        VOLUNTEER_RATE: "Praca wolontariuszy: stawka za godzinę",
    }
    MONEY_FIELDS = ("requested_amount", "own_contribution_financial",
                    "own_contribution_non_financial", "total_cost", VOLUNTEER_RATE)

    def _offer_fields(self, rows: int) -> tuple[str, ...]:
        items = tuple(f"cost_items_{i}_{part}" for i in range(rows)
                      for part in ("name", "amount"))
        return (*self.OFFER_LABELS, *items)

    def _offer_labels(self, rows: int) -> dict[str, str]:
        labels = dict(self.OFFER_LABELS)
        for i in range(rows):
            labels[f"cost_items_{i}_name"] = f"Pozycja kosztorysu {i + 1}: nazwa"
            labels[f"cost_items_{i}_amount"] = f"Pozycja kosztorysu {i + 1}: kwota"
        return labels

    def _read_offer(self, request: Any) -> Form:
        try:
            rows = int(request.form.get("rows") or COST_ROWS)
        except ValueError:
            rows = COST_ROWS
        rows = max(1, min(rows, MAX_COST_ROWS))
        if request.form.get("action") == "dodaj" and rows < MAX_COST_ROWS:
            rows += 1
        form = Form.read(request, self._offer_fields(rows), self._offer_labels(rows))
        form.values["rows"] = rows
        return form

    def _offer_body(self, form: Form, organization_id: str) -> dict[str, Any]:
        """The API's body from what was typed; an amount that is not money is told here
        (the format of a number, not a rule of the Act)."""
        v = form.values
        amounts: dict[str, str] = {}
        for name in self.MONEY_FIELDS + tuple(
                f"cost_items_{i}_amount" for i in range(v["rows"])):
            if not v.get(name):
                continue
            parsed = formatting.parse_money(v[name])
            if parsed is None:
                form.errors.setdefault(name, []).append(
                    "Wpisz kwotę w złotych, np. 12 500,00.")
            else:
                amounts[name] = parsed
        items = []
        for i in range(v["rows"]):
            name, amount = v.get(f"cost_items_{i}_name"), v.get(f"cost_items_{i}_amount")
            if name or amount:
                items.append({"name": name, "amount": amounts.get(
                    f"cost_items_{i}_amount", amount)})
        body: dict[str, Any] = {
            "organization_id": organization_id, "title": v["title"],
            "description": v["description"] or None,
            "expected_results": v["expected_results"] or None,
            "task_start": v["task_start"], "task_end": v["task_end"],
            "requested_amount": amounts.get("requested_amount", v["requested_amount"]),
            "total_cost": amounts.get("total_cost", v["total_cost"]),
            "own_contribution": {
                "financial": amounts.get("own_contribution_financial",
                                         v["own_contribution_financial"] or "0.00"),
                "non_financial": amounts.get("own_contribution_non_financial",
                                             v["own_contribution_non_financial"] or "0.00")},
            "cost_items": items}
        hours = _hours(v.get(VOLUNTEER_HOURS))
        if v.get(VOLUNTEER_HOURS) and hours is None:
            form.errors.setdefault(VOLUNTEER_HOURS, []).append(
                "Wpisz liczbę godzin, np. 120 albo 12,5.")
        if v.get(VOLUNTEER_HOURS) or v.get(VOLUNTEER_RATE):
            body["own_contribution"]["volunteer_work"] = {
                "hours": hours or v.get(VOLUNTEER_HOURS) or None,
                "hourly_rate": amounts.get(VOLUNTEER_RATE, v.get(VOLUNTEER_RATE) or None)}
        return body

    @staticmethod
    def _sums(form: Form) -> dict[str, str]:
        """The live sums shown beside the cost items (arithmetic only: the API decides)."""
        total = sum((_amount(form.values.get(f"cost_items_{i}_amount"))
                     for i in range(form.values["rows"])), start=_amount("0"))
        own = (_amount(form.values.get("own_contribution_financial"))
               + _amount(form.values.get("own_contribution_non_financial")))
        requested = _amount(form.values.get("requested_amount"))
        volunteers = Decimal(_hours(form.values.get(VOLUNTEER_HOURS)) or "0") \
            * _amount(form.values.get(VOLUNTEER_RATE))
        return {"items": formatting.money(total), "own": formatting.money(own),
                "requested_and_own": formatting.money(requested + own),
                "volunteers": formatting.money(volunteers.quantize(Decimal("0.01")))}

    @page("GET", "/moja-organizacja/oferty/nowa/<competition_id>")
    def new_offer(self, request: Request, competition_id: str) -> Response:
        """The form: empty, or what was kept when the session expired, or the draft."""
        me = self._role(request, "ngo")
        restored = self._restored(request, me)
        draft = None if restored else self._draft(me, competition_id)
        source = restored or (self._from_draft(draft) if draft else None)
        if source is not None:
            form = self._competition_offer(source)
        else:   # no draft yet: its first save must not replace one begun meanwhile elsewhere
            form = self._competition_offer(SimpleNamespace(form=MultiDict({
                VERSION_FIELD: NO_DRAFT})))
        return self._offer_form(request, competition_id, form, draft=draft,
                                restored=restored is not None)

    def _offer_form(self, request: Request, competition_id: str, form: Form,
                    status: int = 200, **extra: Any) -> Response:
        me = self._me(request)
        competition = self.site.backends.get("grants",
                                             f"/api/v1/competitions/{competition_id}")
        return self.site.render(request, "workspace/offer_form.html", status=status,
                                c=competition, form=form, sums=self._sums(form), now=_now(),
                                left=formatting.days_left_text,
                                partners=self._partner_choices(competition, me), **extra)

    @page("POST", "/moja-organizacja/oferty/suma")
    def offer_sums(self, request: Request) -> Response:
        """The sums of the cost items for htmx (the form posts here as it is typed)."""
        self._me(request)
        form = self._read_offer(request)
        return self.site.render(request, "workspace/offer_sums.html", sums=self._sums(form))

    @page("POST", "/moja-organizacja/oferty/nowa/<competition_id>")
    def submit_offer(self, request: Request, competition_id: str) -> Response:
        me = self._role(request, "ngo")
        form = self._competition_offer(request)
        action = request.form.get("action")
        if action == "dodaj":   # no JavaScript: one more cost item row
            return self._offer_form(request, competition_id, form)
        if action == "szkic":   # no JavaScript: the draft saved by the button
            try:
                draft = self._save_draft(me, competition_id, form)
            except Rejected as exc:
                if exc.code == "draft_changed":   # both versions shown, nothing typed lost
                    form = self._draft_conflict(me, competition_id, form)
                else:
                    form.reject(exc)
                return self._offer_form(request, competition_id, form, exc.status)
            form.version = str(draft["version"])
            return self._offer_form(request, competition_id, form, draft=draft, saved=True)
        if action == "sprawdz":   # grants' formal check, nothing submitted
            checked = self._check(me, competition_id, form)
            return self._offer_form(request, competition_id, form,
                                    200 if checked else 422, checked=checked)
        return self._submit_as(
            me, request, form, "grants", f"/api/v1/competitions/{competition_id}/offers",
            self._competition_body(form, me.org_id or ""),
            lambda offer: f"/moja-organizacja/oferty/{offer['id']}?zlozono=1",
            lambda status: self._offer_form(request, competition_id, form, status))

    @page("GET", "/moja-organizacja/oferty/<id>")
    def offer(self, request: Request, id: str) -> Response:
        me = self._me(request)
        offer = self._call(me, "GET", "grants", f"/api/v1/offers/{id}")
        parts = Parts()
        competition = parts.fetch(lambda: self.site.backends.get(
            "grants", f"/api/v1/competitions/{offer['competition_id']}"))
        return self.site.render(request, "workspace/offer.html", parts=parts, offer=offer,
                                c=competition, statuses=OFFER_STATUS,
                                submitted=request.args.get("zlozono") == "1",
                                amended=request.args.get("zmieniono") == "1",
                                withdrawn=request.args.get("wycofano") == "1",
                                budget_updated=request.args.get("kosztorys") == "1",
                                lower_grant=lower_grant(offer),
                                can_change=amendable(offer, competition, _now()),
                                partner_names=self._organisation_names(
                                    offer.get("partners") or []))

    # --- the liaison officer -------------------------------------------------------------
    @page("GET", "/urzad")
    def office(self, request: Request) -> Response:
        me = self._role(request, "officer")
        parts = Parts()
        # the counts on the cards: every page (the lists themselves page)
        waiting = parts.fetch(lambda: self._all(me, "registry", "/api/v1/organizations",
                                                status="pending"), [])
        requests_ = parts.fetch(lambda: self._all(me, "identity", "/api/v1/representations",
                                                  status="requested"), [])
        return self.site.render(request, "workspace/office.html", parts=parts,
                                waiting=waiting, requests=requests_)

    @page("GET", "/urzad/organizacje")
    def to_verify(self, request: Request) -> Response:
        me = self._role(request, "officer")
        parts = Parts()
        areas = self._area_names(parts)
        listing = self._list(me, request, parts, "registry", "/api/v1/organizations", filters=(
            Filter("stan", "status", "Stan", {**ALL, **ORGANISATION_STATUS}, default="pending"),
            Filter("obszar", "area", "Obszar", {**ALL, **areas}),
            Filter("q", "q", "Nazwa zawiera")))
        return self.site.render(request, "workspace/to_verify.html", parts=parts,
                                listing=listing, waiting=listing.items,
                                statuses=ORGANISATION_STATUS,
                                done=request.args.get("zweryfikowano"),
                                error=request.args.get("blad"))

    @page("POST", "/urzad/organizacje/<id>/weryfikuj")
    def verify(self, request: Request, id: str) -> Response:
        me = self._role(request, "officer")
        return self._act_as(
            me, request, "registry", f"/api/v1/organizations/{id}/verify",
            lambda org: "/urzad/organizacje?zweryfikowano=" + quote(org.get("name", "")),
            lambda exc: redirect("/urzad/organizacje?blad=" + quote(exc.message), code=303))

    @page("GET", "/urzad/reprezentacje")
    def representation_requests(self, request: Request) -> Response:
        me = self._role(request, "officer")
        parts = Parts()
        listing = self._list(me, request, parts, "identity", "/api/v1/representations",
                             filters=(Filter("stan", "status", "Stan",
                                             {**ALL, **REPRESENTATION_STATUS},
                                             default="requested"),))
        return self.site.render(request, "workspace/representations.html", parts=parts,
                                found=listing.items, listing=listing,
                                statuses=REPRESENTATION_STATUS, saved=request.args.get("zapisano"),
                                error=request.args.get("blad"),
                                failed=request.args.get("wniosek"))

    @page("POST", "/urzad/reprezentacje/<id>/<action>")
    def decide_representation(self, request: Request, id: str, action: str) -> Response:
        me = self._role(request, "officer")
        return self._decide_representation(me, request, id, action, "/urzad/reprezentacje")


def _hours(text: str | None) -> str | None:
    """Hours typed the Polish way ("12,5", "120") as the API takes them; None if not."""
    cleaned = (text or "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        hours = Decimal(cleaned)
    except ArithmeticError:
        return None
    return str(hours) if hours.is_finite() and hours >= 0 else None


def _amount(text: str | None) -> Decimal:
    return Decimal(formatting.parse_money(text or "0") or "0")


def _now() -> datetime:
    return datetime.now(UTC)
