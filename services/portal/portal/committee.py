"""The competition's workspaces (issue #18): the officer's (and the running department's)
`/urzad/konkursy/...` — the competitions, their offers, appointing the committee (members
invited through identity), assigning offers, following the scoring and confirming the results
within the budget — and the committee member's `/komisja/...` — the declaration of no conflict
of interest (art. 15 ust. 2d, 2f), the offers assigned and a scoring sheet per criterion.

Every action goes to grants' (and identity's) API with the person's token; the services apply
the Act, the portal shows their answers next to the fields they name.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.backend import NotFound, Rejected
from portal.listing import Filter
from portal.office_grants import competition_actions, offers_rejectable
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts
from portal.web import NotAllowed, page
from portal.workspaces import ALL, OFFER_STATUS

COMPETITION_STATUS = {"draft": "Projekt", "announced": "Nabór trwa", "closed": "Nabór zamknięty",
                      "under_evaluation": "W ocenie komisji", "resolved": "Rozstrzygnięty",
                      "cancelled": "Unieważniony"}
# grants' own names of the decided offers (workspaces.OFFER_STATUS names them otherwise)
OFFER_STATUSES = {**OFFER_STATUS, "funded": "Przyznano dotację",
                  "not_funded": "Nie przyznano dotacji"}
MEMBER_ROWS = 3    # committee members an empty appointment form shows
OVERLAP = "overlap_"   # the results form's reason for funding despite a similar application
STAFF_ROLES = ("officer", "department")


class SimilarNames:
    """How the similar-applications box names things (issue #22), in Polish."""

    kinds = {"offer": "Oferta w konkursie", "small_grant": "Mała dotacja (art. 19a)"}
    statuses = {**OFFER_STATUSES, "published": "Opublikowana do uwag",
                "awarded": "Przyznano dotację", "refused": "Odmowa dotacji"}
    plural = staticmethod(formatting.plural)


class CommitteeMixin(SignedIn):
    def _staff(self, request: Request) -> Session:
        return self._role(request, *STAFF_ROLES)

    def _optional(self, me: Session, path: str) -> Any:
        """A part that may not exist yet (no committee, no ranking): None."""
        try:
            return self._call(me, "GET", "grants", path)
        except NotFound:
            return None
        except Rejected as exc:
            if exc.status in (409, 422):
                return None
            raise

    # --- the officer: competitions ---------------------------------------------------------
    @page("GET", "/urzad/konkursy")
    def office_competitions(self, request: Request) -> Response:
        me = self._staff(request)
        fixed = {}
        if not me.has("officer") and me.claims.get("department"):
            fixed["department"] = me.claims["department"]   # the department's own
        parts = Parts()
        year = datetime.now(UTC).year
        filters = (Filter("stan", "status", "Stan konkursu", {**ALL, **COMPETITION_STATUS}),
                   Filter("obszar", "area", "Obszar", {**ALL, **self._area_names(parts)}),
                   Filter("rok", "year", "Rok", {**ALL, **{str(y): str(y) for y in
                                                          range(year + 1, 2010, -1)}}))
        if not fixed:
            filters += (Filter("wydzial", "department", "Wydział",
                               {**ALL, **self._department_names(parts)}),)
        listing = self._list(me, request, parts, "grants", "/api/v1/competitions",
                             filters=filters, **fixed)
        return self.site.render(request, "workspace/office_competitions.html", parts=parts,
                                found=listing.items, listing=listing,
                                statuses=COMPETITION_STATUS)

    def _member_form(self) -> Form:
        fields = tuple(f"members_{i}_{part}" for i in range(MEMBER_ROWS)
                       for part in ("name", "email"))
        labels = {}
        for i in range(MEMBER_ROWS):
            labels[f"members_{i}_name"] = f"Członek komisji {i + 1}: imię i nazwisko"
            labels[f"members_{i}_email"] = f"Członek komisji {i + 1}: adres e-mail"
        return Form(fields, labels=labels)

    @page("GET", "/urzad/konkursy/<id>")
    def office_competition(self, request: Request, id: str) -> Response:
        me = self._staff(request)
        # the results posted after the session expired: as typed
        kept = self._kept_form(request, me, f"/urzad/konkursy/{id}/wyniki")
        return self._office_competition(request, me, id, kept_results=kept)

    def _office_competition(self, request: Request, me: Session, id: str,
                            members_form: Form | None = None,
                            results_form: Form | None = None, status: int = 200,
                            kept_results: Any = None) -> Response:
        competition = self._call(me, "GET", "grants", f"/api/v1/competitions/{id}")
        parts = Parts()
        offers = parts.fetch(lambda: self._items(me, "grants", "/api/v1/offers",
                                                 competition_id=id), [])
        committee = parts.fetch(lambda: self._optional(
            me, f"/api/v1/competitions/{id}/committee"))
        members = [m for m in (committee or {}).get("members", [])]
        ranking = None
        if competition["status"] in ("under_evaluation", "resolved"):
            ranking = parts.fetch(lambda: self._optional(
                me, f"/api/v1/competitions/{id}/ranking"))
        results = None
        if competition["status"] == "resolved":
            results = parts.fetch(lambda: self._optional(
                me, f"/api/v1/competitions/{id}/results"))
        items = (ranking or {}).get("items", [])
        similar = parts.fetch(lambda: self._similar(me, id), {})
        if results_form is None and kept_results is not None:
            blank = results_fields(items, similar)
            results_form = Form.read(kept_results, blank.fields, blank.labels)
        if results_form is None:
            results_form = results_fields(items, similar)
            results_form.values = {f"award_{r['offer_id']}": _typed(r.get("proposed_amount"))
                                   for r in items}
        bar = budget_bar([results_form.values.get(f"award_{r['offer_id']}") for r in items],
                         competition.get("budget"))
        return self.site.render(
            request, "workspace/office_competition.html", status=status, parts=parts,
            c=competition, offers=offers, members=members, committee=committee,
            ranking=items, results=results, statuses=COMPETITION_STATUS,
            offer_statuses=OFFER_STATUSES, similar=similar, names=SimilarNames,
            departments=self._department_names(parts) if similar else {},
            members_form=members_form or self._member_form(), results_form=results_form,
            restored=kept_results is not None,
            grants_actions=competition_actions(competition, me.has, datetime.now(UTC)),
            rejectable=offers_rejectable(competition),
            **bar,
            saved=request.args.get("zapisano"), error=request.args.get("blad"))

    def _similar(self, me: Session, competition_id: str) -> dict[str, list[dict]]:
        """The competition's offers with similar applications of their organisation (issue
        #22), by offer id: the warning box on each, a reason asked for at the results."""
        found = self._call(me, "GET", "grants", f"/api/v1/competitions/{competition_id}/similar")
        return {i["offer_id"]: i["similar"] for i in found.get("items", [])}

    @page("POST", "/urzad/konkursy/<id>/komisja")
    def appoint_committee(self, request: Request, id: str) -> Response:
        """Invites each person (identity: a new address gets an account and an emailed link)
        and appoints them all as the committee (grants)."""
        me = self._staff(request)
        blank = self._member_form()
        form = Form.read(request, blank.fields, blank.labels)
        rows = [i for i in range(MEMBER_ROWS)
                if form.values[f"members_{i}_name"] or form.values[f"members_{i}_email"]]
        if not rows:
            form.errors["members_0_name"] = ["Podaj co najmniej jednego członka komisji."]
        members = []
        for i in rows:
            account_id = self._invite(me, form, form.values[f"members_{i}_email"],
                                      form.values[f"members_{i}_name"], ["committee"],
                                      at=f"members_{i}_")
            if account_id is None:
                continue
            members.append({"user_id": account_id,
                            "name": form.values[f"members_{i}_name"], "kind": "official",
                            "email": form.values[f"members_{i}_email"]})
        return self._submit_as(
            me, request, form, "grants", f"/api/v1/competitions/{id}/committee",
            {"members": members}, f"/urzad/konkursy/{id}?zapisano=komisja#komisja",
            lambda status: self._office_competition(request, me, id, members_form=form,
                                                    status=status))

    @page("POST", "/urzad/konkursy/<id>/przydzial")
    def assign_offers(self, request: Request, id: str) -> Response:
        """The offers ticked for each member (`assign_<user id>`), or every offer to every
        member ("wszystkie"; grants refuses a member's conflicted offer)."""
        me = self._staff(request)
        committee = self._call(me, "GET", "grants", f"/api/v1/competitions/{id}/committee")
        user_ids = [m["user_id"] for m in committee["members"] if not m.get("excluded")]
        chosen = [{"user_id": u, "offer_ids": request.form.getlist(f"assign_{u}")}
                  for u in user_ids if request.form.getlist(f"assign_{u}")]
        body: dict[str, Any] = {"assignments": chosen}
        if request.form.get("action") == "wszystkie":
            body = {"distribute": {"user_ids": user_ids, "per_offer": max(1, len(user_ids))}}
        elif not chosen:
            return redirect(f"/urzad/konkursy/{id}?blad={quote('Zaznacz oferty do przydziału.')}"
                            "#komisja", code=303)

        def refused(exc: Rejected) -> Response:
            message = " ".join(m for ms in exc.fields.values() for m in ms) or exc.message
            return redirect(f"/urzad/konkursy/{id}?blad={quote(message)}#komisja", code=303)

        return self._act_as(me, request, "grants",
                            f"/api/v1/competitions/{id}/committee/assignments",
                            f"/urzad/konkursy/{id}?zapisano=przydzial#komisja", refused,
                            json=body)

    @page("POST", "/urzad/konkursy/<id>/wyniki/suma")
    def results_sum(self, request: Request, id: str) -> Response:
        """The budget bar for htmx as the amounts are typed (arithmetic only: grants decides)."""
        me = self._staff(request)
        competition = self._call(me, "GET", "grants", f"/api/v1/competitions/{id}")
        typed = [v for k, v in request.form.items() if k.startswith("award_")]
        return self.site.render(request, "workspace/budget_bar.html",
                                **budget_bar(typed, competition.get("budget")))

    @page("POST", "/urzad/konkursy/<id>/wyniki")
    def confirm_results(self, request: Request, id: str) -> Response:
        me = self._staff(request)
        ranking = self._call(me, "GET", "grants", f"/api/v1/competitions/{id}/ranking")
        ids = [r["offer_id"] for r in ranking.get("items", [])]
        blank = results_fields(ranking.get("items", []), self._similar(me, id))
        form = Form.read(request, blank.fields, blank.labels)
        # funding an offer despite a similar application is acknowledged with a reason
        acknowledged = [{"offer_id": o, "reason": form.values[OVERLAP + o]} for o in ids
                        if form.values.get(OVERLAP + o)]
        awards = []
        for offer_id in ids:
            typed = form.values[f"award_{offer_id}"] or "0"
            amount = formatting.parse_money(typed)
            if amount is None:
                form.errors[f"award_{offer_id}"] = ["Wpisz kwotę w złotych, np. 12 500,00."]
            awards.append({"offer_id": offer_id, "amount": amount or typed})
        if form.errors:
            return self._office_competition(request, me, id, results_form=form, status=422)

        def refused(exc: Rejected) -> Response:
            for key, messages in award_errors(exc.fields, ids,
                                              [a["offer_id"] for a in acknowledged]).items():
                form.errors.setdefault(key, []).extend(messages)
            if not exc.fields:
                form.message = exc.message
            return self._office_competition(request, me, id, results_form=form,
                                            status=exc.status)

        return self._act_as(me, request, "grants", f"/api/v1/competitions/{id}/results",
                            f"/urzad/konkursy/{id}?zapisano=wyniki#wyniki", refused,
                            json={"awards": awards, "acknowledged_overlaps": acknowledged})

    # --- the committee member --------------------------------------------------------------
    def _membership(self, me: Session, competition_id: str) -> dict | None:
        committee = self._optional(me, f"/api/v1/competitions/{competition_id}/committee")
        sub = me.claims.get("sub")
        return next((m for m in (committee or {}).get("members", [])
                     if m["user_id"] == sub), None)

    @page("GET", "/komisja")
    def committee_home(self, request: Request) -> Response:
        me = self._role(request, "committee")
        parts = Parts()
        offers = parts.fetch(lambda: self._items(me, "grants", "/api/v1/offers"), []) or []
        competitions = []
        for competition_id in dict.fromkeys(o["competition_id"] for o in offers):
            competition = parts.fetch(lambda c=competition_id: self._call(
                me, "GET", "grants", f"/api/v1/competitions/{c}"))
            if competition is not None:
                member = parts.fetch(lambda c=competition_id: self._membership(me, c))
                competitions.append((competition, member))
        return self.site.render(request, "workspace/committee_home.html", parts=parts,
                                competitions=competitions, statuses=COMPETITION_STATUS)

    @page("GET", "/komisja/konkursy/<id>")
    def committee_competition(self, request: Request, id: str) -> Response:
        me = self._role(request, "committee")
        return self._committee_competition(request, me, id)

    def _committee_competition(self, request: Request, me: Session, id: str,
                               form: Form | None = None, status: int = 200) -> Response:
        competition = self._call(me, "GET", "grants", f"/api/v1/competitions/{id}")
        member = self._membership(me, id)
        if member is None:
            raise NotAllowed("committee")
        parts = Parts()
        offers = parts.fetch(lambda: self._items(me, "grants", "/api/v1/offers",
                                                 competition_id=id), []) or []
        assigned = member.get("assigned_offers")
        if assigned is not None:
            offers = [o for o in offers if o["id"] in assigned]
        ranking = parts.fetch(lambda: self._optional(
            me, f"/api/v1/competitions/{id}/ranking")) or {}
        scored = {r["offer_id"]: r["scored_by"] for r in ranking.get("items", [])}
        return self.site.render(
            request, "workspace/committee_competition.html", status=status, parts=parts,
            c=competition, member=member, offers=offers, scored=scored,
            progress=sum(1 for o in offers if scored.get(o["id"])),
            form=form or Form(("no_conflict_of_interest",), labels={
                "no_conflict_of_interest": "Oświadczenie o braku konfliktu interesów"}),
            done=request.args.get("oceniono"), statuses=COMPETITION_STATUS)

    @page("POST", "/komisja/konkursy/<id>/oswiadczenie")
    def declare(self, request: Request, id: str) -> Response:
        me = self._role(request, "committee")
        form = Form.read(request, ("no_conflict_of_interest",), {
            "no_conflict_of_interest": "Oświadczenie o braku konfliktu interesów"})

        def refused(exc: Rejected) -> Response:
            form.reject(exc)
            if not exc.fields:
                form.errors["no_conflict_of_interest"] = [exc.message]
                form.message = ""
            return self._committee_competition(request, me, id, form, exc.status)

        return self._act_as(me, request, "grants",
                            f"/api/v1/competitions/{id}/committee/declaration",
                            f"/komisja/konkursy/{id}", refused, json={
                                "no_conflict_of_interest":
                                    form.values["no_conflict_of_interest"] == "tak"})

    @staticmethod
    def _sheet_form(criteria: list[dict]) -> Form:
        fields, labels = [], {}
        for i, criterion in enumerate(criteria):
            fields += [f"scores_{i}_points", f"scores_{i}_comment"]
            labels[f"scores_{i}_points"] = (f"{criterion['name']}: punkty "
                                            f"(od 0 do {criterion['max_points']})")
            labels[f"scores_{i}_comment"] = f"{criterion['name']}: uzasadnienie"
        return Form(tuple(fields), labels=labels)

    @page("GET", "/komisja/oferty/<id>")
    def score_sheet(self, request: Request, id: str) -> Response:
        me = self._role(request, "committee")
        return self._score_sheet(request, me, id)

    def _score_sheet(self, request: Request, me: Session, id: str, form: Form | None = None,
                     status: int = 200) -> Response:
        offer = self._call(me, "GET", "grants", f"/api/v1/offers/{id}")
        competition = self._call(me, "GET", "grants",
                                 f"/api/v1/competitions/{offer['competition_id']}")
        return self.site.render(request, "workspace/score_sheet.html", status=status,
                                offer=offer, c=competition,
                                form=form or self._sheet_form(competition["criteria"]))

    @page("POST", "/komisja/oferty/<id>")
    def score(self, request: Request, id: str) -> Response:
        me = self._role(request, "committee")
        offer = self._call(me, "GET", "grants", f"/api/v1/offers/{id}")
        competition = self._call(me, "GET", "grants",
                                 f"/api/v1/competitions/{offer['competition_id']}")
        criteria = competition["criteria"]
        blank = self._sheet_form(criteria)
        form = Form.read(request, blank.fields, blank.labels)
        scores = []
        for i, criterion in enumerate(criteria):
            typed = form.values[f"scores_{i}_points"]
            try:
                points = int(typed)
            except ValueError:
                form.errors[f"scores_{i}_points"] = ["Wpisz liczbę całkowitą punktów."]
                continue
            scores.append({"criterion": criterion["name"], "points": points,
                           "comment": form.values[f"scores_{i}_comment"] or None})
        return self._submit_as(me, request, form, "grants", f"/api/v1/offers/{id}/scores",
                               {"scores": scores},
                               f"/komisja/konkursy/{competition['id']}?oceniono={id}",
                               lambda status: self._score_sheet(request, me, id, form, status))


def budget_bar(typed: list[str | None], budget: Any) -> dict[str, Any]:
    """The awards typed against the pool: their sum, the pool, the share of it (at most 100)."""
    awarded = sum((_decimal(t) for t in typed), start=Decimal("0"))
    pool = _decimal(budget)
    return {"awarded": awarded, "budget": pool,
            "share": min(100, int(awarded * 100 / pool)) if pool else 0}


def results_fields(items: list[dict], similar: dict[str, list[dict]]) -> Form:
    """The results form: an amount per ranked offer (`award_<id>`), and for an offer with
    similar applications of its organisation the reason to fund it all the same
    (`overlap_<id>`, grants' `acknowledged_overlaps`), asked for once grants finds that it
    would fund the same costs twice."""
    fields, labels = [], {}
    for r in items:
        fields.append(f"award_{r['offer_id']}")
        labels[f"award_{r['offer_id']}"] = f"Kwota dotacji: {r['title']}"
        if r["offer_id"] in similar:
            fields.append(OVERLAP + r["offer_id"])
            labels[OVERLAP + r["offer_id"]] = (f"Powód przyznania dotacji mimo podobnego "
                                               f"wniosku: {r['title']}")
    return Form(tuple(fields), labels=labels)


def award_errors(fields: dict[str, list[str]], offer_ids: list[str],
                 acknowledged: list[str] = ()) -> dict[str, list[str]]:
    """The API's messages on the awards (`awards.3.amount`: the 4th offer sent) at the form's
    field of that offer (`award_<offer id>`); on the acknowledgements
    (`acknowledged_overlaps.0.reason`: the first reason sent; `acknowledged_overlaps`: one
    message per offer, naming it) at the offer's reason (`overlap_<offer id>`); the rest for
    the summary (`_form`)."""
    errors: dict[str, list[str]] = {}
    for name, messages in fields.items():
        path = name.split(".")
        if path == ["acknowledged_overlaps"]:
            for message in messages:   # "Oferta <id> sfinansowałaby ponownie ..."
                named = re.search(r"[0-9a-f]{24}", message)
                key = OVERLAP + named[0] if named and named[0] in offer_ids else "_form"
                errors.setdefault(key, []).append(message)
            continue
        key = "_form"
        if len(path) > 1 and path[0] == "awards" and path[1].isdigit() \
                and int(path[1]) < len(offer_ids):
            key = f"award_{offer_ids[int(path[1])]}"
        elif len(path) > 1 and path[0] == "acknowledged_overlaps" and path[1].isdigit() \
                and int(path[1]) < len(acknowledged):
            key = OVERLAP + acknowledged[int(path[1])]
        errors.setdefault(key, []).extend(messages)
    return errors


def _typed(amount: Any) -> str:
    """An amount as a person types it: "13500.00" -> "13 500,00"."""
    return formatting.money(_decimal(amount)).removesuffix("zł").strip()


def _decimal(value: Any) -> Decimal:
    return Decimal(formatting.parse_money(str(value or "0")) or "0")
