"""The grants service: cooperation programmes, open competitions, offers, committees and
results.

Entry points only translate HTTP (and registry events) into calls of the records/domain
functions and one transaction each; the rules live in `domain.py`.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from nameko.timer import timer

from grants import coordination, domain, records, repository
from grants.coordination import SimilarMixin
from grants.repository import (
    COMMENTS,
    COMPETITIONS,
    CONTRACTS,
    OFFERS,
    PROGRAMMES,
    SMALL_GRANTS,
    Committee,
    Competitions,
    Contracts,
    Offers,
    Organizations,
    Programmes,
    Scores,
    SmallGrants,
    SmallGrantTotals,
)
from grants.schemas import (
    AssignmentsSchema,
    BudgetUpdateSchema,
    CommentCreateSchema,
    CommentSchema,
    CommitteeSchema,
    CommitteeViewSchema,
    CompetitionCreateSchema,
    CompetitionQuerySchema,
    CompetitionSchema,
    ContractCreateSchema,
    ContractQuerySchema,
    ContractSchema,
    DeclarationSchema,
    OfferCreateSchema,
    OfferFieldsSchema,
    OfferQuerySchema,
    OfferSchema,
    ProgrammeCreateSchema,
    ProgrammeQuerySchema,
    ProgrammeSchema,
    RankingSchema,
    ReasonSchema,
    ResultsSchema,
    ResultsViewSchema,
    ScoreSchema,
    ScoreViewSchema,
    SettleSchema,
    SmallGrantAwardSchema,
    SmallGrantCreateSchema,
    SmallGrantQuerySchema,
    SmallGrantSchema,
    TaskReportSchema,
)
from wspolpraca.auth import Principal, check_speaks_for
from wspolpraca.departments import LIAISON_OFFICE
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.fields import to_money
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo, Transaction
from wspolpraca.organizations import OrganizationDirectoryMixin
from wspolpraca.pagination import Page, PageQuery, paginate
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(__file__).with_name("rules.toml"))
STAFF = ("officer",)  # admin passes every role check
RUNNERS = ("officer", "department")  # who runs competitions
CONTRACT_CHECK_SECONDS = 3600
# how often announced competitions past their deadline are closed; the end-to-end tests shorten
# it to see the timer close one
COMPETITION_CHECK_SECONDS = float(os.environ.get("GRANTS_COMPETITION_CHECK_SECONDS", "60"))
OPEN_OFFER = (domain.OfferStatus.SUBMITTED.value,)


def _is_runner(principal: Principal | None) -> bool:
    return principal is not None and (principal.is_staff or "department" in principal.roles)


def _public_small_grant(record: dict) -> dict:
    """A small grant as the public reads it: without the office's acknowledgement of a
    double funding (who acknowledged it, and why, is the office's record)."""
    return {k: v for k, v in record.items() if k != "double_funding_acknowledgement"}


def _check_runs(principal: Principal, competition: dict) -> None:
    """Staff, or the department that drafted the competition (art. 15: the body that
    announced it runs it); another department is refused."""
    if not principal.runs(competition.get("department")):
        raise Forbidden("Ten konkurs prowadzi inny wydział.")


def _check_acts_for(principal: Principal, organization_id: str) -> None:
    if not principal.acts_for(organization_id):
        raise Forbidden("Ofertę składasz tylko w imieniu własnej organizacji.")


def _check_funds(programme: dict, area: str, amount: Decimal, field: str) -> None:
    """Enough of the programme's funds left in the area (checked again, by the database,
    when the amount is committed)."""
    fund = records.fund_of(programme, area)
    domain.check_funds_available(
        area, domain.from_grosze(fund["planned_grosze"]) if fund else None,
        domain.from_grosze(fund["committed_grosze"]) if fund else domain.ZERO, amount, field)


class ProgrammesMixin:
    db: Mongo

    def _programme_view(self, record: dict) -> dict:
        today = domain.local_date(utcnow())
        return records.programme_view(
            record, domain.programme_warnings(record["year"], record["status"], today, RULES),
            domain.adoption_deadline(record["year"], RULES))

    @api("POST", "/api/v1/programmes", roles=STAFF, body=ProgrammeCreateSchema,
         response=ProgrammeSchema, status=201, summary="Draft a cooperation programme (art. 5a)")
    def draft_programme(self, request, body):
        domain.check_programme_funds(body["funds"])
        record = records.new_programme(body, request.principal.sub, utcnow())

        def work(tx: Transaction):
            Programmes(tx).add(record)
            tx.emit("programme.drafted", record["_id"], records.programme_payload(record))
            return record

        return self._programme_view(self.db.transaction(work))

    @api("GET", "/api/v1/programmes", roles=RUNNERS, query=ProgrammeQuerySchema,
         response=ProgrammeSchema, summary="Cooperation programmes")
    def list_programmes(self, request, query):
        found = {"year": query["year"]} if query.get("year") else {}
        page = paginate(self.db[PROGRAMMES], found, query["limit"], query["cursor"])
        return Page([self._programme_view(r) for r in page.items], page.next_cursor)

    @api("GET", "/api/v1/programmes/<id>", roles=RUNNERS, response=ProgrammeSchema,
         summary="A programme with its funds planned, committed and remaining per area")
    def get_programme(self, request, id):
        record = self.db[PROGRAMMES].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiego programu współpracy.")
        return self._programme_view(record)

    def _programme_step(self, id: str, transition, routing_key: str | None) -> dict:
        def work(tx: Transaction):
            programmes = Programmes(tx)
            record = programmes.get(id)
            status = transition(record["status"])
            now = utcnow()
            changes = {"updated_at": now}
            if status == domain.ProgrammeStatus.ADOPTED:
                changes["adopted_at"] = now
            programmes.set_status(id, record["status"], status, **changes)
            record.update(status=status, **changes)
            if routing_key:
                tx.emit(routing_key, id, records.programme_payload(record))
            return record

        return self._programme_view(self.db.transaction(work))

    @api("POST", "/api/v1/programmes/<id>/consult", roles=STAFF, response=ProgrammeSchema,
         summary="Mark the programme consulted with NGOs")
    def consult_programme(self, request, id):
        return self._programme_step(id, domain.consult_programme, None)

    @api("POST", "/api/v1/programmes/<id>/adopt", roles=STAFF, response=ProgrammeSchema,
         summary="Adopt the programme (by 30 November of the year before, art. 5a ust. 1)")
    def adopt_programme(self, request, id):
        return self._programme_step(id, domain.adopt_programme, "programme.adopted")


class CompetitionsMixin:
    db: Mongo

    def _visible_competition(self, principal: Principal | None, id: str) -> dict:
        record = self.db[COMPETITIONS].find_one({"_id": id})
        # the public sees what was published (a draft cancelled before it never is)
        if record is None or (not _is_runner(principal) and record["published_at"] is None):
            raise NotFound("Nie ma takiego konkursu.")
        return record

    @api("POST", "/api/v1/competitions", roles=RUNNERS, body=CompetitionCreateSchema,
         response=CompetitionSchema, status=201, summary="Draft an open competition")
    def create_competition(self, request, body):
        principal: Principal = request.principal
        department = body.pop("department", None)
        if not principal.is_staff:
            if department not in (None, principal.department):
                raise Forbidden("Wydział przygotowuje konkursy tylko we własnym imieniu.")
            department = principal.department
        domain.check_competition(body)

        def work(tx: Transaction):
            programme = Programmes(tx).adopted_for(body["task_start"].year)
            _check_funds(programme, body["area"], body["budget"], "budget")
            record = records.new_competition(body, programme["_id"], request.principal.sub,
                                             utcnow())
            record["department"] = department or LIAISON_OFFICE
            Competitions(tx).add(record)
            return record

        return self.db.transaction(work)

    @api("GET", "/api/v1/competitions", query=CompetitionQuerySchema,
         response=CompetitionSchema, summary="Competitions (the public sees announced ones)")
    def list_competitions(self, request, query):
        found: dict = {k: query[k] for k in ("area", "year") if query.get(k)}
        if query.get("status"):
            found["status"] = query["status"]
        if query.get("department"):
            # competitions drafted before every competition named its department: the office's
            found["department"] = {"$in": [None, LIAISON_OFFICE]} \
                if query["department"] == LIAISON_OFFICE else query["department"]
        if not _is_runner(request.principal):
            public = [s.value for s in domain.PUBLIC_COMPETITION_STATUSES]
            if query.get("status") and query["status"] not in public:
                raise Forbidden("Konkursy przed ogłoszeniem widzą tylko biuro i wydziały; "
                                f"publicznie dostępne stany: {', '.join(public)}.")
            found.setdefault("status", {"$in": public})
            found["published_at"] = {"$ne": None}
        return paginate(self.db[COMPETITIONS], found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/competitions/<id>", response=CompetitionSchema,
         summary="One competition (public once announced)")
    def get_competition(self, request, id):
        return self._visible_competition(request.principal, id)

    @api("POST", "/api/v1/competitions/<id>/announce", roles=RUNNERS, response=CompetitionSchema,
         summary="Announce: the deadline must be 21 days after publication (art. 13 ust. 1); "
                 "the budget is committed against the programme")
    def announce_competition(self, request, id):
        def work(tx: Transaction):
            competitions = Competitions(tx)
            record = competitions.get(id)
            _check_runs(request.principal, record)
            status = domain.announce(record["status"])
            now = utcnow()
            terms = records.competition_terms(record)
            domain.check_announcement(record["submission_deadline"], now, terms["task_start"],
                                      RULES)
            programmes = Programmes(tx)
            programme = programmes.adopted_for(record["year"])
            programmes.commit(programme, record["area"], record["budget_grosze"], "budget")
            version = record["version"]
            record.update(status=status, published_at=now, updated_at=now,
                          programme_id=programme["_id"], funds_committed=True)
            competitions.replace(record, version)
            tx.emit("competition.announced", id, records.competition_payload(record))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/competitions/<id>/close", roles=RUNNERS, response=CompetitionSchema,
         summary="Close the competition for offers once the deadline has passed")
    def close_competition(self, request, id):
        return self._close(id, request.principal)

    @timer(interval=COMPETITION_CHECK_SECONDS)
    def close_due_competitions(self) -> int:
        """Close every announced competition whose deadline for offers has passed."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        closed = 0
        for competition_id in repository.competitions_past_deadline(self.db, utcnow()):
            try:
                self._close(competition_id)
            except DomainError:  # closed meanwhile by an officer or another instance
                continue
            closed += 1
        return closed

    def _close(self, id: str, principal: Principal | None = None) -> dict:
        def work(tx: Transaction):
            competitions = Competitions(tx)
            record = competitions.get(id)
            if principal is not None:
                _check_runs(principal, record)
            now = utcnow()
            status = domain.close_for_offers(record["status"], record["submission_deadline"],
                                             now)
            offers = Offers(tx).of_competition(id, OPEN_OFFER)
            version = record["version"]
            record.update(status=status, closed_at=now, updated_at=now)
            competitions.replace(record, version)
            tx.emit("competition.closed", id,
                    records.competition_payload(record, offers_submitted=len(offers)))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/competitions/<id>/cancel", roles=RUNNERS, body=ReasonSchema,
         response=CompetitionSchema, summary="Cancel a competition, with a reason")
    def cancel_competition(self, request, id, body):
        def work(tx: Transaction):
            competitions = Competitions(tx)
            record = competitions.get(id)
            _check_runs(request.principal, record)
            status = domain.cancel(record["status"])
            if record.get("funds_committed"):
                Programmes(tx).release(record["programme_id"], record["area"],
                                       record["budget_grosze"])
            now = utcnow()
            version = record["version"]
            record.update(status=status, cancel_reason=body["reason"], updated_at=now,
                          funds_committed=False)
            competitions.replace(record, version)
            tx.emit("competition.cancelled", id,
                    records.competition_payload(record, reason=body["reason"]))
            return record

        return self.db.transaction(work)


class OffersMixin:
    db: Mongo

    def _runs_competition_of(self, principal: Principal, competition_id: str) -> bool:
        if principal.is_staff:
            return True
        if "department" not in principal.roles:
            return False
        competition = self.db[COMPETITIONS].find_one({"_id": competition_id},
                                                     {"department": 1})
        return competition is not None and principal.runs(competition.get("department"))

    def _departments_competitions(self, principal: Principal) -> list[str]:
        if "department" not in principal.roles or not principal.department:
            return []
        return [c["_id"] for c in self.db[COMPETITIONS].find(
            {"department": principal.department}, {"_id": 1})]

    def _may_read_offer(self, principal: Principal, offer: dict) -> None:
        if self._runs_competition_of(principal, offer["competition_id"]):
            return
        if principal.org_id and (principal.org_id == offer["organization_id"]
                                 or principal.org_id in offer.get("partners", [])):
            return
        if "committee" in principal.roles:
            member = self.db[repository.COMMITTEE].find_one(
                {"_id": f"{offer['competition_id']}:{principal.sub}"})
            if member is not None and not member.get("excluded"):
                return
        raise NotFound("Nie ma takiej oferty.")

    def _checked_offer(self, tx: Transaction, data: dict, competition: dict,
                       organization_id: str, partners: list[str]) -> None:
        terms = records.competition_terms(competition)
        now = utcnow()
        domain.formal_check(data, terms, now)
        organizations = Organizations(tx)
        domain.check_eligible(organizations.view(organization_id), competition["area"])
        domain.check_partners(organization_id, partners,
                              {p: organizations.view(p) for p in partners}, competition["area"])

    @api("POST", "/api/v1/competitions/<id>/offers", roles=("ngo",), body=OfferCreateSchema,
         response=OfferSchema, status=201,
         summary="Submit an offer for the representative's own verified organisation")
    def submit_offer(self, request, id, body):
        principal: Principal = request.principal
        _check_acts_for(principal, body["organization_id"])

        def work(tx: Transaction):
            competition = self._open_competition(tx, id)
            self._checked_offer(tx, body, competition, body["organization_id"],
                                body["partners"])
            record = records.new_offer(body, id, principal.sub, utcnow())
            Offers(tx).add(record)
            coordination.refresh(tx, "offer", record, record["submitted_at"])
            tx.emit("offer.submitted", record["_id"], records.offer_payload(record))
            return record

        return self._with_warnings("offer", self.db.transaction(work))

    def _with_warnings(self, kind: str, record: dict) -> dict:
        """The formal check's warnings beside the application (never a rejection)."""
        return {**record, "warnings": coordination.warnings_for(self.db, kind, record["_id"])}

    @api("GET", "/api/v1/offers", roles=("officer", "department", "ngo", "committee"),
         query=OfferQuerySchema, response=OfferSchema,
         summary="Offers: an organisation sees its own, a committee member its competitions'")
    def list_offers(self, request, query):
        principal: Principal = request.principal
        found: dict = {k: query[k] for k in ("status", "competition_id", "organization_id")
                       if query.get(k)}
        if not principal.is_staff:
            allowed: list[dict] = []
            run = self._departments_competitions(principal)
            if run:
                allowed.append({"competition_id": {"$in": run}})
            if principal.org_id:
                allowed += [{"organization_id": principal.org_id},
                            {"partners": principal.org_id}]
            if "committee" in principal.roles:
                mine = [m["competition_id"] for m in self.db[repository.COMMITTEE].find(
                    {"user_id": principal.sub, "excluded": False}, {"competition_id": 1})]
                if mine:
                    allowed.append({"competition_id": {"$in": mine}})
            if not allowed:
                return Page([], None)
            found = {"$and": [found, {"$or": allowed}]} if found else {"$or": allowed}
        return paginate(self.db[OFFERS], found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/offers/<id>", roles=("officer", "department", "ngo", "committee"),
         response=OfferSchema, summary="One offer")
    def get_offer(self, request, id):
        record = self.db[OFFERS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej oferty.")
        self._may_read_offer(request.principal, record)
        return self._with_warnings("offer", record)

    def _open_competition(self, tx: Transaction, id: str) -> dict:
        competition = Competitions(tx).get(id)
        if competition["status"] != domain.CompetitionStatus.ANNOUNCED:
            if competition["published_at"] is None:
                raise NotFound("Nie ma takiego konkursu.")
            raise Conflict("competition_not_open",
                           "Nabór ofert w tym konkursie jest zamknięty.")
        return competition

    def _own_offer(self, tx: Transaction, principal: Principal, id: str) -> dict:
        record = Offers(tx).get(id)
        if not principal.acts_for(record["organization_id"]):
            raise NotFound("Nie ma takiej oferty.")
        return record

    @api("PATCH", "/api/v1/offers/<id>", roles=("ngo",), body=OfferFieldsSchema,
         response=OfferSchema, summary="Amend an offer (until the deadline)")
    def amend_offer(self, request, id, body):
        def work(tx: Transaction):
            record = self._own_offer(tx, request.principal, id)
            competition = self._open_competition(tx, record["competition_id"])
            now = utcnow()
            domain.check_amendable(record["status"], competition["submission_deadline"], now)
            self._checked_offer(tx, body, competition, record["organization_id"],
                                record["partners"])
            version = record["version"]
            record.update(records.offer_fields(body), updated_at=now)
            Offers(tx).replace(record, version)
            coordination.refresh(tx, "offer", record, now)
            return record

        return self._with_warnings("offer", self.db.transaction(work))

    @api("POST", "/api/v1/offers/<id>/withdraw", roles=("ngo",), response=OfferSchema,
         summary="Withdraw an offer (until the deadline)")
    def withdraw_offer(self, request, id):
        def work(tx: Transaction):
            record = self._own_offer(tx, request.principal, id)
            competition = self._open_competition(tx, record["competition_id"])
            now = utcnow()
            status = domain.withdraw(record["status"], competition["submission_deadline"], now)
            version = record["version"]
            record.update(status=status, updated_at=now)
            Offers(tx).replace(record, version)
            tx.emit("offer.withdrawn", id, records.offer_payload(record))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/offers/<id>/reject", roles=RUNNERS, body=ReasonSchema,
         response=OfferSchema, summary="Reject an offer on formal grounds, with a reason")
    def reject_offer(self, request, id, body):
        def work(tx: Transaction):
            offers = Offers(tx)
            record = offers.get(id)
            competition = Competitions(tx).get(record["competition_id"])
            _check_runs(request.principal, competition)
            status = domain.reject_formally(record["status"], competition["status"])
            version = record["version"]
            record.update(status=status, status_reason=body["reason"], updated_at=utcnow())
            offers.replace(record, version)
            tx.emit("offer.rejected_formally", id,
                    records.offer_payload(record, reason=body["reason"]))
            return record

        return self.db.transaction(work)


class CommitteeMixin:
    db: Mongo

    @api("POST", "/api/v1/competitions/<id>/committee", roles=RUNNERS, body=CommitteeSchema,
         response=CommitteeViewSchema, status=201,
         summary="Appoint the committee; nominees of organisations taking part are excluded "
                 "(art. 15 ust. 2d); the competition goes under evaluation")
    def appoint_committee(self, request, id, body):
        domain.check_members(body["members"])

        def work(tx: Transaction):
            competitions = Competitions(tx)
            competition = competitions.get(id)
            _check_runs(request.principal, competition)
            status = domain.start_evaluation(competition["status"])
            offers = Offers(tx).of_competition(id)
            bidders = {o["organization_id"] for o in offers} | {
                p for o in offers for p in o.get("partners", [])}
            now = utcnow()
            members = records.committee_members(
                id, body["members"], domain.excluded_members(body["members"], bidders), now)
            committee = Committee(tx)
            for member in members:
                committee.add(member)
            version = competition["version"]
            competition.update(status=status, updated_at=now)
            competitions.replace(competition, version)
            tx.emit("committee.appointed", id, records.committee_payload(id, members))
            return {"competition_id": id, "members": members}

        return self.db.transaction(work)

    @api("GET", "/api/v1/competitions/<id>/committee", roles=("officer", "department",
                                                              "committee"),
         response=CommitteeViewSchema, summary="The committee of a competition")
    def get_committee(self, request, id):
        members = list(self.db[repository.COMMITTEE].find({"competition_id": id}))
        principal: Principal = request.principal
        if not self._runs_competition_of(principal, id) and not any(
                m["user_id"] == principal.sub for m in members):
            raise NotFound("Nie ma takiej komisji.")
        return {"competition_id": id, "members": members}

    @api("POST", "/api/v1/competitions/<id>/committee/declaration", roles=("committee",),
         body=DeclarationSchema, response=CommitteeViewSchema,
         summary="Declare no conflict of interest before scoring (art. 15 ust. 2f)")
    def declare_no_conflict(self, request, id, body):
        def work(tx: Transaction):
            committee = Committee(tx)
            member = committee.member(id, request.principal.sub)
            if member is None:
                raise NotFound("Nie jesteś członkiem komisji tego konkursu.")
            if member["excluded"]:
                raise Conflict("member_excluded",
                               "Osoba wskazana przez organizację biorącą udział w konkursie "
                               "nie może zasiadać w komisji (art. 15 ust. 2d).")
            if not member.get("declared_at"):
                member["declared_at"] = utcnow()
                committee.save(member)
            return {"competition_id": id, "members": [member]}

        return self.db.transaction(work)

    @api("POST", "/api/v1/competitions/<id>/committee/assignments", roles=RUNNERS,
         body=AssignmentsSchema, response=CommitteeViewSchema,
         summary="Assign offers to committee members in bulk")
    def assign_offers(self, request, id, body):
        def work(tx: Transaction):
            competition = Competitions(tx).get(id)
            _check_runs(request.principal, competition)
            committee = Committee(tx)
            offers = {o["_id"]: o for o in Offers(tx).of_competition(id, OPEN_OFFER)}
            if body["distribute"] is not None:
                new = self._distribution(id, committee, offers, body["distribute"])
            else:
                new = self._explicit_assignments(id, committee, offers, body["assignments"])
            changed = []
            for user_id, offer_ids in new.items():
                member = committee.member(id, user_id)
                assigned = set(member.get("assigned_offers") or [])
                added = sorted(set(offer_ids) - assigned)
                member["assigned_offers"] = sorted(assigned | set(offer_ids))
                committee.save(member)
                changed.append(member)
                if added:  # the member is told of the offers new to them
                    tx.emit("committee.offers_assigned", id, records.offers_assigned_payload(
                        competition, member, [offers[o] for o in added]))
            return {"competition_id": id, "members": changed}

        return self.db.transaction(work)

    @staticmethod
    def _explicit_assignments(id: str, committee: Committee, offers: dict,
                              assignments: list[dict]) -> dict[str, list[str]]:
        new: dict[str, list[str]] = {}
        for index, assignment in enumerate(assignments):
            unknown = sorted(set(assignment["offer_ids"]) - set(offers))
            if unknown:
                raise DomainError("offer_not_in_competition",
                                  f"Oferty spoza konkursu: {', '.join(unknown)}.",
                                  field=f"assignments.{index}.offer_ids")
            domain.check_assignable(committee.member(id, assignment["user_id"]),
                                    [offers[o] for o in assignment["offer_ids"]],
                                    f"assignments.{index}.user_id")
            new.setdefault(assignment["user_id"], []).extend(assignment["offer_ids"])
        return new

    @staticmethod
    def _distribution(id: str, committee: Committee, offers: dict,
                      distribute: dict) -> dict[str, list[str]]:
        found = distribute["filter"]
        if found.get("offer_ids"):
            unknown = sorted(set(found["offer_ids"]) - set(offers))
            if unknown:
                raise DomainError("offer_not_in_competition",
                                  f"Oferty spoza konkursu: {', '.join(unknown)}.",
                                  field="distribute.filter.offer_ids")
        by_user = {m["user_id"]: m for m in committee.of_competition(id)}
        members = []
        for index, user_id in enumerate(distribute["user_ids"]):
            member = by_user.get(user_id)
            if member is None or member["excluded"]:
                raise DomainError("not_a_member", "Ta osoba nie jest członkiem komisji.",
                                  field=f"distribute.user_ids.{index}")
            members.append(member)
        typed = [{**o, "requested_amount": Decimal(o["requested_amount"])}
                 for o in offers.values()]
        chosen = domain.select_offers(typed, found.get("offer_ids"),
                                      found.get("requested_amount_min"),
                                      found.get("requested_amount_max"))
        return domain.distribute_offers(chosen, members, distribute["per_offer"])

    @api("POST", "/api/v1/offers/<id>/scores", roles=("committee",), body=ScoreSchema,
         response=ScoreViewSchema, status=201,
         summary="Score an offer per criterion, within each criterion's maximum")
    def score_offer(self, request, id, body):
        def work(tx: Transaction):
            offer = Offers(tx).get(id)
            competition = Competitions(tx).get(offer["competition_id"])
            member = Committee(tx).member(competition["_id"], request.principal.sub)
            domain.check_may_score(member, id)
            if competition["status"] != domain.CompetitionStatus.UNDER_EVALUATION \
                    or offer["status"] != domain.OfferStatus.SUBMITTED:
                raise Conflict("invalid_state", "Tej oferty nie można teraz oceniać.")
            domain.check_scores(competition["criteria"], body["scores"])
            score = records.new_score(offer, request.principal.sub, body["scores"], utcnow())
            Scores(tx).save(score)
            tx.emit("offer.scored", id, records.score_payload(score))
            return score

        return self.db.transaction(work)

    def _ranking(self, competition: dict) -> list[dict]:
        offers = list(self.db[OFFERS].find({"competition_id": competition["_id"],
                                            "status": {"$in": [
                                                domain.OfferStatus.SUBMITTED.value,
                                                domain.OfferStatus.FUNDED.value,
                                                domain.OfferStatus.NOT_FUNDED.value]}}
                                           ).sort("_id", 1))
        totals: dict[str, list[Decimal]] = {}
        for score in self.db[repository.SCORES].find({"competition_id": competition["_id"]}):
            totals.setdefault(score["offer_id"], []).append(Decimal(score["total"]))
        typed = [{"_id": o["_id"], "requested_amount": Decimal(o["requested_amount"])}
                 for o in offers]
        ranking = domain.rank(typed, totals)
        proposal = domain.propose_awards(ranking, Decimal(competition["budget"]))
        by_id = {o["_id"]: o for o in offers}
        return [{"offer_id": r.offer_id, "organization_id": by_id[r.offer_id]["organization_id"],
                 "title": by_id[r.offer_id]["title"], "requested_amount": r.requested,
                 "average": str(r.average), "scored_by": r.scored_by,
                 "proposed_amount": proposal[r.offer_id]} for r in ranking]

    @api("GET", "/api/v1/competitions/<id>/ranking", roles=("officer", "department",
                                                            "committee"),
         response=RankingSchema,
         summary="Offers ranked by average score and a proposal of awards within the budget")
    def get_ranking(self, request, id):
        competition = self.db[COMPETITIONS].find_one({"_id": id})
        principal: Principal = request.principal
        if competition is None:
            raise NotFound("Nie ma takiego konkursu.")
        if not self._runs_competition_of(principal, id):
            member = self.db[repository.COMMITTEE].find_one({"_id": f"{id}:{principal.sub}"})
            if member is None or member["excluded"]:
                raise NotFound("Nie ma takiego konkursu.")
        return {"competition_id": id, "budget": competition["budget"],
                "items": self._ranking(competition)}

    @api("POST", "/api/v1/competitions/<id>/results", roles=STAFF, body=ResultsSchema,
         response=ResultsViewSchema,
         summary="Confirm the results: awards within the budget, funded and not funded offers "
                 "published; unused funds return to the programme")
    def confirm_results(self, request, id, body):
        awards = {a["offer_id"]: a["amount"] for a in body["awards"]}
        if len(awards) != len(body["awards"]):
            raise DomainError("duplicate_offer", "Oferta podana dwa razy.", field="awards")
        acknowledged = {a["offer_id"]: a["reason"] for a in body["acknowledged_overlaps"]}

        def work(tx: Transaction):
            competitions = Competitions(tx)
            competition = competitions.get(id)
            status = domain.resolve(competition["status"])
            offers_repo = Offers(tx)
            offers = {o["_id"]: o for o in offers_repo.of_competition(id, OPEN_OFFER)}
            typed = {k: {"requested_amount": Decimal(o["requested_amount"])}
                     for k, o in offers.items()}
            total = domain.check_awards(awards, typed, Decimal(competition["budget"]))
            # funding the same costs twice needs an acknowledgement with a reason (422)
            overlaps = {o.id: o for o in coordination.double_funding(
                tx, "offer", sorted(k for k, a in awards.items() if a > 0), acknowledged)}
            now = utcnow()
            for offer_id, amount in awards.items():
                offer = offers[offer_id]
                version = offer["version"]
                funded = amount > 0
                offer.update(status=(domain.OfferStatus.FUNDED if funded
                                     else domain.OfferStatus.NOT_FUNDED).value,
                             awarded_amount=records.money(amount), updated_at=now)
                if offer_id in overlaps:
                    offer["double_funding_acknowledgement"] = coordination.acknowledgement(
                        overlaps[offer_id], acknowledged[offer_id], request.principal.sub, now)
                offers_repo.replace(offer, version)
                if funded:
                    tx.emit("grant.awarded", offer_id,
                            records.award_payload(offer, competition, amount))
                else:
                    tx.emit("offer.not_funded", offer_id,
                            records.offer_payload(offer, awarded_amount="0.00"))
            unused = competition["budget_grosze"] - domain.grosze(total)
            Programmes(tx).release(competition["programme_id"], competition["area"], unused)
            version = competition["version"]
            competition.update(status=status, resolved_at=now, updated_at=now,
                               awarded=records.money(total))
            competitions.replace(competition, version)
            tx.emit("competition.resolved", id, records.competition_payload(
                competition, awarded=records.money(total),
                funded=sum(1 for a in awards.values() if a > 0),
                not_funded=sum(1 for a in awards.values() if a == 0)))
            tx.emit("results.confirmed", id, records.results_payload(
                competition, offers, awards, overlaps, acknowledged, now))
            return competition

        self.db.transaction(work)
        return self._results(id)

    def _results(self, id: str) -> dict:
        competition = self.db[COMPETITIONS].find_one({"_id": id})
        if competition is None or competition["status"] != domain.CompetitionStatus.RESOLVED:
            raise NotFound("Wyniki tego konkursu nie zostały ogłoszone.")
        averages = {r["offer_id"]: r["average"] for r in self._ranking(competition)}
        offers = self.db[OFFERS].find({"competition_id": id, "status": {"$in": [
            domain.OfferStatus.FUNDED.value, domain.OfferStatus.NOT_FUNDED.value]}})
        items = sorted(({"offer_id": o["_id"], "organization_id": o["organization_id"],
                         "title": o["title"], "requested_amount": o["requested_amount"],
                         "awarded_amount": o["awarded_amount"],
                         "funded": o["status"] == domain.OfferStatus.FUNDED,
                         "average": averages.get(o["_id"])} for o in offers),
                       key=lambda i: (-to_money(Decimal(i["awarded_amount"])), i["offer_id"]))
        return {"competition_id": id, "title": competition["title"],
                "status": competition["status"], "budget": competition["budget"],
                "awarded": competition["awarded"], "resolved_at": competition["resolved_at"],
                "items": items}

    @api("GET", "/api/v1/competitions/<id>/results", response=ResultsViewSchema,
         summary="Published results: funded and not funded offers with amounts (public)")
    def get_results(self, request, id):
        return self._results(id)


class SmallGrantsMixin:
    """Small grants without a competition (art. 19a)."""

    db: Mongo

    def _small_grant_view(self, principal: Principal | None, id: str) -> dict:
        record = self.db[SMALL_GRANTS].find_one({"_id": id})
        if record is None:
            raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
        owner = principal is not None and principal.org_id == record["organization_id"]
        if not (_is_runner(principal) or owner
                or record["status"] != domain.SmallGrantStatus.SUBMITTED):
            raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
        return record

    def _check_caps(self, tx: Transaction, record: dict, programme: dict, now) -> None:
        totals = SmallGrantTotals(tx)
        year = record["year"]
        domain.check_small_grant_caps(
            Decimal(record["requested_amount"]),
            domain.from_grosze(totals.total(totals.organization_key(
                year, record["organization_id"]))),
            domain.from_grosze(totals.total(totals.city_key(year))),
            domain.from_grosze(programme["total_grosze"]), domain.local_date(now), RULES)

    @api("POST", "/api/v1/small-grants", roles=("ngo",), body=SmallGrantCreateSchema,
         response=SmallGrantSchema, status=201,
         summary="Submit an offer without a competition: at most 10,000.00 PLN and 90 days "
                 "(art. 19a ust. 1)")
    def submit_small_grant(self, request, body):
        principal: Principal = request.principal
        _check_acts_for(principal, body["organization_id"])
        now = utcnow()
        domain.check_small_grant(body, domain.local_date(now), RULES)

        def work(tx: Transaction):
            domain.check_eligible(Organizations(tx).view(body["organization_id"]), body["area"])
            programme = Programmes(tx).adopted_for(body["task_start"].year)
            _check_funds(programme, body["area"], body["requested_amount"], "requested_amount")
            received_on = domain.local_date(now)
            record = records.new_small_grant(body, principal.sub, now,
                                             domain.publication_due_on(received_on, RULES))
            self._check_caps(tx, record, programme, now)
            SmallGrants(tx).add(record)
            coordination.refresh(tx, "small_grant", record, now)
            tx.emit("small_grant.submitted", record["_id"], records.small_grant_payload(record))
            return record

        return self._with_warnings("small_grant", self.db.transaction(work))

    @api("GET", "/api/v1/small-grants", query=SmallGrantQuerySchema,
         response=SmallGrantSchema,
         summary="Small grants (the public sees published and decided ones)")
    def list_small_grants(self, request, query):
        principal: Principal | None = request.principal
        found: dict = {k: query[k] for k in ("status", "organization_id") if query.get(k)}
        if query.get("publication_overdue"):
            # received more than 7 working days ago and still not published (art. 19a ust. 3)
            found["status"] = domain.SmallGrantStatus.SUBMITTED.value
            found["publication_due_on"] = {"$lt": domain.local_date(utcnow()).isoformat()}
        if not _is_runner(principal):
            own = principal is not None and principal.org_id is not None
            if not own and (query.get("publication_overdue") or query.get("status") ==
                            domain.SmallGrantStatus.SUBMITTED.value):
                raise Forbidden("Oferty przed publikacją widzą tylko biuro, wydziały i "
                                "organizacja, która je złożyła.")
            visible: list[dict] = [{"status": {"$ne": domain.SmallGrantStatus.SUBMITTED.value}}]
            if own:
                visible.append({"organization_id": principal.org_id})
            found = {"$and": [found, {"$or": visible}]}
            page = paginate(self.db[SMALL_GRANTS], found, query["limit"], query["cursor"])
            return Page([r if principal is not None and principal.acts_for(r["organization_id"])
                         else _public_small_grant(r) for r in page.items], page.next_cursor)
        return paginate(self.db[SMALL_GRANTS], found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/small-grants/<id>", response=SmallGrantSchema,
         summary="One small grant offer (public once published)")
    def get_small_grant(self, request, id):
        record = self._small_grant_view(request.principal, id)
        principal: Principal | None = request.principal
        if _is_runner(principal) or (principal is not None
                                     and principal.acts_for(record["organization_id"])):
            return self._with_warnings("small_grant", record)
        # the public reads the published offer, not the office's warnings and acknowledgement
        return _public_small_grant(record)

    @api("POST", "/api/v1/small-grants/<id>/publish", roles=RUNNERS, response=SmallGrantSchema,
         summary="Publish the offer for 7 days of comments (art. 19a ust. 3)")
    def publish_small_grant(self, request, id):
        def work(tx: Transaction):
            small_grants = SmallGrants(tx)
            record = small_grants.get(id)
            status = domain.publish_small_grant(record["status"])
            now = utcnow()
            version = record["version"]
            due_on = record.get("publication_due_on")
            record.update(status=status, published_at=now,
                          comments_until=domain.publication_ends(now, RULES),
                          published_late=bool(due_on) and domain.local_date(now)
                          > date.fromisoformat(due_on))
            small_grants.replace(record, version)
            tx.emit("small_grant.published", id, records.small_grant_payload(
                record, published_at=format_time(now)))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/small-grants/<id>/comments", body=CommentCreateSchema,
         response=CommentSchema, status=201, rate_limited=True,
         summary="Comment on a published offer (anyone, during the 7 days; in an "
                 "organisation's name only its representative)")
    def comment_small_grant(self, request, id, body):
        check_speaks_for(request.principal, body.get("organization_id"))

        def work(tx: Transaction):
            small_grants = SmallGrants(tx)
            record = small_grants.get(id)
            if record["status"] == domain.SmallGrantStatus.SUBMITTED \
                    and not _is_runner(request.principal):
                raise NotFound("Nie ma takiej oferty w trybie małej dotacji.")
            now = utcnow()
            domain.check_may_comment(record["status"], record["comments_until"], now)
            comment = records.new_comment(id, body, now)
            tx.db[COMMENTS].insert_one(comment, session=tx.session)
            tx.db[SMALL_GRANTS].update_one({"_id": id}, {"$inc": {"comments_count": 1}},
                                           session=tx.session)
            tx.emit("small_grant.commented", id, {
                "small_grant_id": id, "comment_id": comment["_id"],
                "organization_id": comment["organization_id"],
                "created_at": format_time(now)})
            return comment

        return self.db.transaction(work)

    @api("GET", "/api/v1/small-grants/<id>/comments", query=PageQuery, response=CommentSchema,
         summary="Comments on a published offer")
    def list_small_grant_comments(self, request, id, query):
        self._small_grant_view(request.principal, id)
        return paginate(self.db[COMMENTS], {"small_grant_id": id}, query["limit"],
                        query["cursor"])

    @api("POST", "/api/v1/small-grants/<id>/award", roles=STAFF, response=SmallGrantSchema,
         body=SmallGrantAwardSchema, optional_body=True,
         summary="Award the small grant after the 7 days; the yearly caps of art. 19a ust. 4-5 "
                 "and the programme's funds are enforced by the database; funding the same "
                 "costs as another award needs `double_funding_reason`")
    def award_small_grant(self, request, id, body):
        reason = body["double_funding_reason"]

        def work(tx: Transaction):
            small_grants = SmallGrants(tx)
            record = small_grants.get(id)
            now = utcnow()
            domain.check_may_decide(record["status"], record["comments_until"], now)
            # funding the same costs twice needs an acknowledgement with a reason (422)
            overlaps = coordination.double_funding(tx, "small_grant", [id], {id: reason or ""},
                                                   "double_funding_reason")
            programmes = Programmes(tx)
            programme = programmes.adopted_for(record["year"])
            per_org, city = domain.small_grant_limits(
                domain.from_grosze(programme["total_grosze"]), domain.local_date(now), RULES)
            self._check_caps(tx, record, programme, now)  # a clear error in the usual case
            totals = SmallGrantTotals(tx)
            amount = record["amount_grosze"]
            today = domain.local_date(now)
            # the database re-checks both caps in the updates that count the award
            if not totals.add_within(totals.organization_key(record["year"],
                                                             record["organization_id"]),
                                     amount, domain.grosze(per_org)):
                raise domain.organization_cap_exceeded(today, RULES)
            if not totals.add_within(totals.city_key(record["year"]), amount,
                                     domain.grosze(city)):
                raise domain.city_cap_exceeded(today, RULES)
            programmes.commit(programme, record["area"], amount, "requested_amount")
            version = record["version"]
            record.update(status=domain.SmallGrantStatus.AWARDED.value, decided_at=now)
            if overlaps:  # one small grant: at most one overlap
                record["double_funding_acknowledgement"] = coordination.acknowledgement(
                    overlaps[0], reason, request.principal.sub, now)
            small_grants.replace(record, version)
            tx.emit("small_grant.awarded", id, records.small_grant_payload(
                record, awarded_amount=record["requested_amount"],
                acknowledged_overlaps=[records.acknowledged_overlap("small_grant_id", record,
                                                                    reason, overlap)
                                       for overlap in overlaps]))
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/small-grants/<id>/refuse", roles=STAFF, body=ReasonSchema,
         response=SmallGrantSchema, summary="Refuse the small grant after the 7 days")
    def refuse_small_grant(self, request, id, body):
        def work(tx: Transaction):
            small_grants = SmallGrants(tx)
            record = small_grants.get(id)
            now = utcnow()
            domain.check_may_decide(record["status"], record["comments_until"], now)
            version = record["version"]
            record.update(status=domain.SmallGrantStatus.REFUSED.value, decided_at=now,
                          status_reason=body["reason"])
            small_grants.replace(record, version)
            tx.emit("small_grant.refused", id,
                    records.small_grant_payload(record, reason=body["reason"]))
            return record

        return self.db.transaction(work)


class ContractsMixin:
    """Contracts per award, task reports and settlement (art. 16, art. 18)."""

    db: Mongo

    @api("POST", "/api/v1/offers/<id>/budget-update", roles=("ngo",), body=BudgetUpdateSchema,
         response=OfferSchema,
         summary="Update the budget to a grant lower than requested (art. 16 ust. 1)")
    def update_budget(self, request, id, body):
        def work(tx: Transaction):
            offers = Offers(tx)
            offer = offers.get(id)
            if not request.principal.acts_for(offer["organization_id"]):
                raise NotFound("Nie ma takiej oferty.")
            if offer["status"] != domain.OfferStatus.FUNDED \
                    or offer["awarded_amount"] == offer["requested_amount"]:
                raise Conflict("invalid_state", "Kosztorys aktualizuje się tylko po dotacji "
                                                "niższej niż wnioskowana.")
            if tx.db[CONTRACTS].find_one({"offer_id": id}, session=tx.session):
                raise Conflict("contract_signed", "Umowa została już podpisana.")
            competition = records.competition_terms(Competitions(tx).get(
                offer["competition_id"]))
            domain.check_updated_budget(body, Decimal(offer["awarded_amount"]),
                                        competition["min_own_contribution_pct"],
                                        competition["mode"])
            version = offer["version"]
            offer["updated_budget"] = records.budget_update(body, utcnow())
            offers.replace(offer, version)
            return offer

        return self.db.transaction(work)

    @api("POST", "/api/v1/contracts", roles=RUNNERS, body=ContractCreateSchema,
         response=ContractSchema, status=201,
         summary="Sign the contract for an award, with its schedule and tranches")
    def sign_contract(self, request, body):
        def work(tx: Transaction):
            offer = Offers(tx).get(body["offer_id"])
            _check_runs(request.principal, Competitions(tx).get(offer["competition_id"]))
            if offer["status"] != domain.OfferStatus.FUNDED:
                raise Conflict("offer_not_funded", "Umowę zawiera się tylko dla przyznanej "
                                                   "dotacji.")
            if offer["awarded_amount"] != offer["requested_amount"] \
                    and not offer.get("updated_budget"):
                raise Conflict("budget_update_required",
                               "Dotacja jest niższa niż wnioskowana: organizacja musi najpierw "
                               "zaktualizować kosztorys (art. 16 ust. 1).")
            task_end = date.fromisoformat(offer["task_end"])
            domain.check_tranches(body["tranches"], Decimal(offer["awarded_amount"]),
                                  body["signed_on"], task_end)
            now = utcnow()
            record = records.new_contract(offer, body, domain.report_due_on(task_end, RULES),
                                          request.principal.sub, now)
            Contracts(tx).add(record)
            tx.emit("contract.signed", record["_id"], records.contract_payload(
                record, signed_on=record["signed_on"],
                tranches=[dict(t) for t in record["tranches"]]))
            return record

        return self.db.transaction(work)

    def _contract(self, principal: Principal, id: str) -> dict:
        record = self.db[CONTRACTS].find_one({"_id": id})
        if record is None or not (
                self._runs_competition_of(principal, record["competition_id"])
                or principal.acts_for(record["organization_id"])):
            raise NotFound("Nie ma takiej umowy.")
        return record

    @api("GET", "/api/v1/contracts", roles=("officer", "department", "ngo"),
         query=ContractQuerySchema, response=ContractSchema,
         summary="Contracts (an organisation sees its own)")
    def list_contracts(self, request, query):
        principal: Principal = request.principal
        found: dict = {"status": query["status"]} if query.get("status") else {}
        run = self._departments_competitions(principal)
        if not principal.is_staff and run:
            found["competition_id"] = {"$in": run}
        elif not principal.is_staff:
            if not principal.org_id:
                return Page([], None)
            found["organization_id"] = principal.org_id
        return paginate(self.db[CONTRACTS], found, query["limit"], query["cursor"])

    @api("GET", "/api/v1/contracts/<id>", roles=("officer", "department", "ngo"),
         response=ContractSchema, summary="One contract")
    def get_contract(self, request, id):
        return self._contract(request.principal, id)

    def _contract_step(self, id: str, step, owner: Principal | None = None,
                       runner: Principal | None = None) -> dict:
        """`owner`: the organisation's representative acts; `runner`: the department that
        runs the competition (or staff)."""
        def work(tx: Transaction):
            contracts = Contracts(tx)
            record = contracts.get(id)
            if owner is not None and not owner.acts_for(record["organization_id"]):
                raise NotFound("Nie ma takiej umowy.")
            if runner is not None:
                _check_runs(runner, Competitions(tx).get(record["competition_id"]))
            version = record["version"]
            emitted = step(tx, record, utcnow())
            record["updated_at"] = utcnow()
            contracts.replace(record, version)
            if emitted:
                routing_key, payload = emitted
                tx.emit(routing_key, id, payload)
            return record

        return self.db.transaction(work)

    @api("POST", "/api/v1/contracts/<id>/start", roles=RUNNERS, response=ContractSchema,
         summary="The task started (the first tranche is paid)")
    def start_contract(self, request, id):
        def step(tx, record, now):
            record["status"] = domain.start_contract(record["status"])

        return self._contract_step(id, step, runner=request.principal)

    @api("POST", "/api/v1/contracts/<id>/report", roles=("ngo",), body=TaskReportSchema,
         response=ContractSchema, status=201,
         summary="Submit the task report: results, expenses by source, personal and in-kind "
                 "contribution (art. 18)")
    def submit_report(self, request, id, body):
        def step(tx, record, now):
            domain.check_may_report(record["status"], record["report"])
            unused = domain.check_report(body["expenses"], Decimal(record["amount"]))
            record["report"] = records.new_report(body, unused, now)
            return "task_report.submitted", records.report_payload(record)

        return self._contract_step(id, step, owner=request.principal)

    @api("POST", "/api/v1/contracts/<id>/report/accept", roles=RUNNERS,
         response=ContractSchema, summary="Accept the task report; unused funds fall due")
    def accept_report(self, request, id):
        def step(tx, record, now):
            record["report"]["status"] = domain.review_report(record["report"], True)
            record["report"]["accepted_at"] = now
            unused = Decimal(record["report"]["unused_amount"])
            record["unused_amount"] = records.money(unused)
            record["unused_due_on"] = records.day(domain.unused_funds_due_on(
                date.fromisoformat(record["task_end"]), RULES)) if unused > 0 else None
            return "task_report.accepted", records.report_payload(
                record, unused_due_on=record["unused_due_on"])

        return self._contract_step(id, step, runner=request.principal)

    @api("POST", "/api/v1/contracts/<id>/report/corrections", roles=RUNNERS, body=ReasonSchema,
         response=ContractSchema, summary="Send the task report back for corrections")
    def request_corrections(self, request, id, body):
        def step(tx, record, now):
            record["report"]["status"] = domain.review_report(record["report"], False)
            record["report"]["corrections"] = body["reason"]

        return self._contract_step(id, step, runner=request.principal)

    @api("POST", "/api/v1/contracts/<id>/settle", roles=RUNNERS, body=SettleSchema,
         response=ContractSchema,
         summary="Settle the contract once the report is accepted and unused funds returned")
    def settle_contract(self, request, id, body):
        def step(tx, record, now):
            unused = Decimal(record["unused_amount"] or "0")
            record["status"] = domain.check_may_settle(record["status"], record["report"],
                                                       unused, body["returned_amount"])
            record["returned_amount"] = records.money(body["returned_amount"])
            return "contract.settled", records.contract_payload(
                record, returned_amount=record["returned_amount"],
                unused_due_on=record["unused_due_on"])

        return self._contract_step(id, step, runner=request.principal)

    @api("POST", "/api/v1/contracts/<id>/terminate", roles=RUNNERS, body=ReasonSchema,
         response=ContractSchema, summary="Terminate the contract, with a reason")
    def terminate_contract(self, request, id, body):
        def step(tx, record, now):
            record["status"] = domain.terminate_contract(record["status"])
            record["status_reason"] = body["reason"]
            return "contract.terminated", records.contract_payload(record,
                                                                   reason=body["reason"])

        return self._contract_step(id, step, runner=request.principal)

    @timer(interval=CONTRACT_CHECK_SECONDS)
    def check_contracts(self) -> int:
        """Mark ended tasks' reports due and raise `task_report.overdue` once per contract."""
        if not self.db.provider.settings.timers_enabled:
            return 0
        return self.flag_contract_deadlines()

    def flag_contract_deadlines(self) -> int:
        today = domain.local_date(utcnow())
        flagged = 0
        for contract_id in repository.contracts_to_check(self.db, today.isoformat()):
            def work(tx: Transaction, contract_id=contract_id):
                contracts = Contracts(tx)
                record = contracts.get(contract_id)
                version = record["version"]
                task_end = date.fromisoformat(record["task_end"])
                due_on = date.fromisoformat(record["report_due_on"])
                if domain.task_ended(record["status"], task_end, today):
                    record["status"] = domain.ContractStatus.REPORT_DUE.value
                overdue = not record["overdue_reported"] and domain.report_overdue(
                    record["status"], record["report"], due_on, today)
                if overdue:
                    record["overdue_reported"] = True
                    tx.emit("task_report.overdue", contract_id, records.contract_payload(
                        record, days_overdue=(today - due_on).days))
                contracts.replace(record, version)
                return 1 if overdue else 0

            flagged += self.db.transaction(work)
        return flagged


class GrantsService(ProgrammesMixin, CompetitionsMixin, OffersMixin, CommitteeMixin,
                    SmallGrantsMixin, ContractsMixin, SimilarMixin, OrganizationDirectoryMixin):
    name = "grants"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    log_context = WorkerLogContext()
