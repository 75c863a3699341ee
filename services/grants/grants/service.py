"""The grants service: cooperation programmes, open competitions, offers, committees,
contracts and small grants.

The entry points only route, validate (the schemas), check the role and make one call: a
command handler with its command, `self.handle(handler, command)` (grants/handlers, in one
unit of work of grants/unit.py), or a query (grants/queries.py); the rules of the Act live
in grants/domain.py.
"""

from __future__ import annotations

import os

from grants import domain, handlers, queries, repository
from grants.access import RUNNERS, STAFF
from grants.schemas import (
    AnnouncementTermsSchema,
    AssignmentsSchema,
    BudgetUpdateSchema,
    CommentCreateSchema,
    CommentSchema,
    CommitteeSchema,
    CommitteeViewSchema,
    CompetitionCreateSchema,
    CompetitionQuerySchema,
    CompetitionSchema,
    CompetitionSimilarSchema,
    ContractCreateSchema,
    ContractQuerySchema,
    ContractSchema,
    DeclarationSchema,
    FormalCheckSchema,
    OfferCreateSchema,
    OfferDraftQuerySchema,
    OfferDraftSchema,
    OfferDraftViewSchema,
    OfferFieldsSchema,
    OfferQuerySchema,
    OfferSchema,
    ProgrammeCreateSchema,
    ProgrammeQuerySchema,
    ProgrammeSchema,
    ProgrammeUpdateSchema,
    RankingSchema,
    ReasonSchema,
    ResultsSchema,
    ResultsViewSchema,
    ScoreSchema,
    ScoreViewSchema,
    SettleSchema,
    SimilarListSchema,
    SmallGrantAwardSchema,
    SmallGrantCreateSchema,
    SmallGrantQuerySchema,
    SmallGrantSchema,
    TaskReportSchema,
)
from grants.unit import GrantsUnit
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError
from wspolpraca.http import api
from wspolpraca.logs import WorkerLogContext
from wspolpraca.mongo import Mongo
from wspolpraca.organizations import OrganizationDirectoryMixin
from wspolpraca.pagination import PageQuery
from wspolpraca.service_layer import HandlesCommands
from wspolpraca.timers import scheduled

CONTRACT_CHECK_SECONDS = 3600
# how often announced competitions past their deadline are closed; the end-to-end tests shorten
# it to see the timer close one
COMPETITION_CHECK_SECONDS = float(os.environ.get("GRANTS_COMPETITION_CHECK_SECONDS", "60"))


class _Entry(HandlesCommands):
    db: Mongo
    unit = GrantsUnit


class ProgrammesMixin(_Entry):
    """Cooperation programmes (art. 5a)."""

    @api("POST", "/api/v1/programmes", roles=STAFF, body=ProgrammeCreateSchema,
         response=ProgrammeSchema, status=201, summary="Draft a cooperation programme (art. 5a)")
    def draft_programme(self, request, body):
        return queries.programme_view(self.handle(handlers.draft_programme,
                                                  handlers.Submit(request.principal, body)))

    @api("GET", "/api/v1/programmes", roles=RUNNERS, query=ProgrammeQuerySchema,
         response=ProgrammeSchema, summary="Cooperation programmes")
    def list_programmes(self, request, query):
        return queries.list_programmes(self.db, query)

    @api("GET", "/api/v1/programmes/<id>", roles=RUNNERS, response=ProgrammeSchema,
         summary="A programme with its funds planned, committed and remaining per area")
    def get_programme(self, request, id):
        return queries.get_programme(self.db, id)

    @api("PATCH", "/api/v1/programmes/<id>", roles=STAFF, body=ProgrammeUpdateSchema,
         response=ProgrammeSchema,
         summary="Edit the draft programme before its consultation (409 once consulted)")
    def update_programme(self, request, id, body):
        return queries.programme_view(self.handle(handlers.update_programme,
                                                  handlers.ProgrammeStep(id, body)))

    @api("POST", "/api/v1/programmes/<id>/consult", roles=STAFF, response=ProgrammeSchema,
         summary="Mark the programme consulted with NGOs")
    def consult_programme(self, request, id):
        return queries.programme_view(self.handle(handlers.consult_programme,
                                                  handlers.ProgrammeStep(id)))

    @api("POST", "/api/v1/programmes/<id>/adopt", roles=STAFF, response=ProgrammeSchema,
         summary="Adopt the programme (by 30 November of the year before, art. 5a ust. 1)")
    def adopt_programme(self, request, id):
        return queries.programme_view(self.handle(handlers.adopt_programme,
                                                  handlers.ProgrammeStep(id)))


class CompetitionsMixin(_Entry):
    """Open competitions (art. 11-15)."""

    @api("POST", "/api/v1/competitions", roles=RUNNERS, body=CompetitionCreateSchema,
         response=CompetitionSchema, status=201,
         summary="Draft an open competition (with `announce`: drafted and announced at once, a "
                 "refused announcement leaves no draft)")
    def create_competition(self, request, body):
        return self.handle(handlers.create_competition,
                           handlers.Submit(request.principal, body))

    @api("GET", "/api/v1/competitions/announcement-terms", response=AnnouncementTermsSchema,
         summary="The 21 days of art. 13 ust. 1: the earliest deadline for offers of an "
                 "announcement published now (public)")
    def announcement_terms(self, request):
        return queries.announcement_terms(utcnow())

    @api("GET", "/api/v1/competitions", query=CompetitionQuerySchema,
         response=CompetitionSchema, summary="Competitions (the public sees announced ones)")
    def list_competitions(self, request, query):
        return queries.list_competitions(self.db, request.principal, query)

    @api("GET", "/api/v1/competitions/<id>", response=CompetitionSchema,
         summary="One competition (public once announced)")
    def get_competition(self, request, id):
        return queries.visible_competition(self.db, request.principal, id)

    @api("POST", "/api/v1/competitions/<id>/announce", roles=RUNNERS, response=CompetitionSchema,
         summary="Announce: the deadline must be 21 days after publication (art. 13 ust. 1); "
                 "the budget is committed against the programme")
    def announce_competition(self, request, id):
        return self.handle(handlers.announce_competition,
                           handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/competitions/<id>/close", roles=RUNNERS, response=CompetitionSchema,
         summary="Close the competition for offers once the deadline has passed")
    def close_competition(self, request, id):
        return self.handle(handlers.close_competition,
                           handlers.CloseCompetition(request.principal, id))

    @api("POST", "/api/v1/competitions/<id>/cancel", roles=RUNNERS, body=ReasonSchema,
         response=CompetitionSchema, summary="Cancel a competition, with a reason")
    def cancel_competition(self, request, id, body):
        return self.handle(handlers.cancel_competition,
                           handlers.RecordStep(request.principal, id, body))

    @scheduled(COMPETITION_CHECK_SECONDS)
    def close_due_competitions(self) -> int:
        """Close every announced competition whose deadline for offers has passed."""
        closed = 0
        for competition_id in queries.competitions_past_deadline(self.db, utcnow()):
            try:
                self.handle(handlers.close_competition,
                            handlers.CloseCompetition(None, competition_id))
            except DomainError:  # closed meanwhile by an officer or another instance
                continue
            closed += 1
        return closed


class OffersMixin(_Entry):
    """Offers in open competitions."""

    @api("POST", "/api/v1/competitions/<id>/offers", roles=("ngo",), body=OfferCreateSchema,
         response=OfferSchema, status=201,
         summary="Submit an offer for the representative's own verified organisation")
    def submit_offer(self, request, id, body):
        # the formal check's warnings come from the transaction (no read after it)
        return self.handle(handlers.submit_offer, handlers.OfferForm(request.principal, id, body))

    @api("POST", "/api/v1/competitions/<id>/offers/check", roles=("ngo",),
         body=OfferCreateSchema, response=FormalCheckSchema,
         summary="The formal check of an offer before it is submitted (nothing is saved): "
                 "200 with what was checked, or the finding as submission would answer it")
    def check_offer(self, request, id, body):
        return self.handle(handlers.check_offer, handlers.OfferForm(request.principal, id, body))

    @api("PUT", "/api/v1/competitions/<id>/offer-draft", roles=("ngo",),
         if_match_collection=repository.OFFER_DRAFTS, body=OfferDraftSchema,
         response=OfferDraftViewSchema,
         summary="Save the organisation's draft of its offer in an open competition (the "
                 "form's values as typed; replaced on every save, removed on submission). "
                 "Its `version` is 0 when created, +1 per save; with `version` in the body "
                 "(the one the editor started from) a draft saved meanwhile by someone else "
                 "is not overwritten: 409 draft_changed, the current draft in `error.current`")
    def save_offer_draft(self, request, id, body):
        return self.handle(handlers.save_offer_draft,
                           handlers.OfferForm(request.principal, id, body))

    @api("GET", "/api/v1/competitions/<id>/offer-draft", roles=("ngo",),
         query=OfferDraftQuerySchema, response=OfferDraftViewSchema,
         summary="The organisation's draft of its offer in the competition")
    def get_offer_draft(self, request, id, query):
        return queries.get_offer_draft(self.db, request.principal, id,
                                       query["organization_id"])

    @api("DELETE", "/api/v1/competitions/<id>/offer-draft", roles=("ngo",),
         if_match_collection=repository.OFFER_DRAFTS,
         query=OfferDraftQuerySchema, response=OfferDraftViewSchema,
         summary="Discard the organisation's draft (the answer is the draft discarded)")
    def discard_offer_draft(self, request, id, query):
        return self.handle(handlers.discard_offer_draft, handlers.DiscardOfferDraft(
            request.principal, id, query["organization_id"]))

    @api("GET", "/api/v1/offers/drafts", roles=("ngo",), query=OfferDraftQuerySchema,
         response=OfferDraftViewSchema,
         summary="The organisation's drafts of offers, to any of its representatives")
    def list_offer_drafts(self, request, query):
        return queries.list_offer_drafts(self.db, request.principal, query)

    @api("GET", "/api/v1/offers", roles=("officer", "department", "ngo", "committee"),
         query=OfferQuerySchema, response=OfferSchema,
         summary="Offers: an organisation sees its own, a committee member its competitions'")
    def list_offers(self, request, query):
        return queries.list_offers(self.db, request.principal, query)

    @api("GET", "/api/v1/offers/<id>", roles=("officer", "department", "ngo", "committee"),
         response=OfferSchema, summary="One offer")
    def get_offer(self, request, id):
        return queries.get_offer(self.db, request.principal, id)

    @api("PATCH", "/api/v1/offers/<id>", roles=("ngo",), body=OfferFieldsSchema,
         response=OfferSchema, summary="Amend an offer (until the deadline)")
    def amend_offer(self, request, id, body):
        # the formal check's warnings come from the transaction (no read after it)
        return self.handle(handlers.amend_offer, handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/offers/<id>/withdraw", roles=("ngo",), response=OfferSchema,
         summary="Withdraw an offer (until the deadline)")
    def withdraw_offer(self, request, id):
        return self.handle(handlers.withdraw_offer, handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/offers/<id>/reject", roles=RUNNERS, body=ReasonSchema,
         response=OfferSchema, summary="Reject an offer on formal grounds, with a reason")
    def reject_offer(self, request, id, body):
        return self.handle(handlers.reject_offer, handlers.RecordStep(request.principal, id, body))


class CommitteeMixin(_Entry):
    """The committee, its scores and the results (art. 15)."""

    @api("POST", "/api/v1/competitions/<id>/committee", roles=RUNNERS, body=CommitteeSchema,
         response=CommitteeViewSchema, status=201,
         summary="Appoint the committee; nominees of organisations taking part are excluded "
                 "(art. 15 ust. 2d); the competition goes under evaluation")
    def appoint_committee(self, request, id, body):
        return self.handle(handlers.appoint_committee,
                           handlers.RecordStep(request.principal, id, body))

    @api("GET", "/api/v1/competitions/<id>/committee", roles=("officer", "department",
                                                              "committee"),
         response=CommitteeViewSchema, summary="The committee of a competition")
    def get_committee(self, request, id):
        return queries.get_committee(self.db, request.principal, id)

    @api("POST", "/api/v1/competitions/<id>/committee/declaration", roles=("committee",),
         body=DeclarationSchema, response=CommitteeViewSchema,
         summary="Declare no conflict of interest before scoring (art. 15 ust. 2f)")
    def declare_no_conflict(self, request, id, body):
        return self.handle(handlers.declare_no_conflict,
                           handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/competitions/<id>/committee/assignments", roles=RUNNERS,
         body=AssignmentsSchema, response=CommitteeViewSchema,
         summary="Assign offers to committee members in bulk")
    def assign_offers(self, request, id, body):
        return self.handle(handlers.assign_offers,
                           handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/offers/<id>/scores", roles=("committee",), body=ScoreSchema,
         response=ScoreViewSchema, status=201,
         summary="Score an offer per criterion, within each criterion's maximum")
    def score_offer(self, request, id, body):
        return self.handle(handlers.score_offer, handlers.RecordStep(request.principal, id, body))

    @api("GET", "/api/v1/competitions/<id>/ranking", roles=("officer", "department",
                                                            "committee"),
         response=RankingSchema,
         summary="Offers ranked by average score and a proposal of awards within the budget")
    def get_ranking(self, request, id):
        return queries.get_ranking(self.db, request.principal, id)

    @api("POST", "/api/v1/competitions/<id>/results", roles=STAFF, body=ResultsSchema,
         response=ResultsViewSchema,
         summary="Confirm the results: awards within the budget, funded and not funded offers "
                 "published; unused funds return to the programme")
    def confirm_results(self, request, id, body):
        self.handle(handlers.confirm_results, handlers.RecordStep(request.principal, id, body))
        return queries.results(self.db, id)

    @api("GET", "/api/v1/competitions/<id>/results", response=ResultsViewSchema,
         summary="Published results: funded and not funded offers with amounts (public)")
    def get_results(self, request, id):
        return queries.results(self.db, id)


class SmallGrantsMixin(_Entry):
    """Small grants without a competition (art. 19a)."""

    @api("POST", "/api/v1/small-grants", roles=("ngo",), body=SmallGrantCreateSchema,
         response=SmallGrantSchema, status=201,
         summary="Submit an offer without a competition: at most 10,000.00 PLN and 90 days "
                 "(art. 19a ust. 1)")
    def submit_small_grant(self, request, body):
        # the formal check's warnings come from the transaction (no read after it)
        return self.handle(handlers.submit_small_grant, handlers.Submit(request.principal, body))

    @api("GET", "/api/v1/small-grants", query=SmallGrantQuerySchema,
         response=SmallGrantSchema,
         summary="Small grants (the public sees published and decided ones)")
    def list_small_grants(self, request, query):
        return queries.list_small_grants(self.db, request.principal, query)

    @api("GET", "/api/v1/small-grants/<id>", response=SmallGrantSchema,
         summary="One small grant offer (public once published)")
    def get_small_grant(self, request, id):
        return queries.get_small_grant(self.db, request.principal, id)

    @api("POST", "/api/v1/small-grants/<id>/publish", roles=RUNNERS, response=SmallGrantSchema,
         summary="Publish the offer for 7 days of comments (art. 19a ust. 3)")
    def publish_small_grant(self, request, id):
        return self.handle(handlers.publish_small_grant,
                           handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/small-grants/<id>/comments", body=CommentCreateSchema,
         response=CommentSchema, status=201, rate_limited=True,
         summary="Comment on a published offer (anyone, during the 7 days; in an "
                 "organisation's name only its representative)")
    def comment_small_grant(self, request, id, body):
        return self.handle(handlers.comment_small_grant,
                           handlers.CommentSmallGrant(request.principal, id, body))

    @api("GET", "/api/v1/small-grants/<id>/comments", query=PageQuery, response=CommentSchema,
         summary="Comments on a published offer")
    def list_small_grant_comments(self, request, id, query):
        return queries.list_small_grant_comments(self.db, request.principal, id, query)

    @api("POST", "/api/v1/small-grants/<id>/award", roles=STAFF, response=SmallGrantSchema,
         body=SmallGrantAwardSchema, optional_body=True,
         summary="Award the small grant after the 7 days; the yearly caps of art. 19a ust. 4-5 "
                 "and the programme's funds are enforced by the database; funding the same "
                 "costs as another award needs `double_funding_reason`")
    def award_small_grant(self, request, id, body):
        return self.handle(handlers.award_small_grant,
                           handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/small-grants/<id>/refuse", roles=STAFF, body=ReasonSchema,
         response=SmallGrantSchema, summary="Refuse the small grant after the 7 days")
    def refuse_small_grant(self, request, id, body):
        return self.handle(handlers.refuse_small_grant,
                           handlers.RecordStep(request.principal, id, body))


class ContractsMixin(_Entry):
    """Contracts per award, task reports and settlement (art. 16, art. 18)."""

    @api("POST", "/api/v1/offers/<id>/budget-update", roles=("ngo",), body=BudgetUpdateSchema,
         response=OfferSchema,
         summary="Update the budget to a grant lower than requested (art. 16 ust. 1)")
    def update_budget(self, request, id, body):
        return self.handle(handlers.update_budget,
                           handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/contracts", roles=RUNNERS, body=ContractCreateSchema,
         response=ContractSchema, status=201,
         summary="Sign the contract for an award, with its schedule and tranches")
    def sign_contract(self, request, body):
        return self.handle(handlers.sign_contract, handlers.Submit(request.principal, body))

    @api("GET", "/api/v1/contracts", roles=("officer", "department", "ngo"),
         query=ContractQuerySchema, response=ContractSchema,
         summary="Contracts (an organisation sees its own)")
    def list_contracts(self, request, query):
        return queries.list_contracts(self.db, request.principal, query)

    @api("GET", "/api/v1/contracts/<id>", roles=("officer", "department", "ngo"),
         response=ContractSchema, summary="One contract")
    def get_contract(self, request, id):
        return queries.get_contract(self.db, request.principal, id)

    @api("POST", "/api/v1/contracts/<id>/start", roles=RUNNERS, response=ContractSchema,
         summary="The task started (the first tranche is paid)")
    def start_contract(self, request, id):
        return self.handle(handlers.start_contract, handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/contracts/<id>/report", roles=("ngo",), body=TaskReportSchema,
         response=ContractSchema, status=201,
         summary="Submit the task report: results, expenses by source, personal and in-kind "
                 "contribution (art. 18)")
    def submit_report(self, request, id, body):
        return self.handle(handlers.submit_report,
                           handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/contracts/<id>/report/accept", roles=RUNNERS,
         response=ContractSchema, summary="Accept the task report; unused funds fall due")
    def accept_report(self, request, id):
        return self.handle(handlers.accept_report, handlers.RecordStep(request.principal, id))

    @api("POST", "/api/v1/contracts/<id>/report/corrections", roles=RUNNERS, body=ReasonSchema,
         response=ContractSchema, summary="Send the task report back for corrections")
    def request_corrections(self, request, id, body):
        return self.handle(handlers.request_corrections,
                           handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/contracts/<id>/settle", roles=RUNNERS, body=SettleSchema,
         response=ContractSchema,
         summary="Settle the contract once the report is accepted and unused funds returned")
    def settle_contract(self, request, id, body):
        return self.handle(handlers.settle_contract,
                           handlers.RecordStep(request.principal, id, body))

    @api("POST", "/api/v1/contracts/<id>/terminate", roles=RUNNERS, body=ReasonSchema,
         response=ContractSchema, summary="Terminate the contract, with a reason")
    def terminate_contract(self, request, id, body):
        return self.handle(handlers.terminate_contract,
                           handlers.RecordStep(request.principal, id, body))

    @scheduled(CONTRACT_CHECK_SECONDS)
    def check_contracts(self) -> int:
        """Mark ended tasks' reports due and raise `task_report.overdue` once per contract."""
        return self.flag_contract_deadlines()

    def flag_contract_deadlines(self) -> int:
        today = domain.local_date(utcnow())
        return sum(self.handle(handlers.flag_contract_deadlines,
                               handlers.FlagContractDeadlines(contract_id, today))
                   for contract_id in queries.contracts_to_check(self.db, today.isoformat()))


class SimilarMixin:
    """Similar applications across departments (grants/coordination.py keeps them)."""

    db: Mongo

    @api("GET", "/api/v1/offers/<id>/similar", roles=("officer", "department"),
         response=SimilarListSchema,
         summary="The organisation's other applications (every department, competitions and "
                 "small grants) for an overlapping period with similar content, best first")
    def similar_to_offer(self, request, id):
        return queries.similar_to_offer(self.db, request.principal, id)

    @api("GET", "/api/v1/competitions/<id>/similar", roles=RUNNERS,
         response=CompetitionSimilarSchema,
         summary="Every offer of the competition that has similar applications, with them "
                 "(one call for the competition's page)")
    def similar_in_competition(self, request, id):
        return queries.similar_in_competition(self.db, request.principal, id)

    @api("GET", "/api/v1/small-grants/<id>/similar", roles=("officer",),
         response=SimilarListSchema,
         summary="The organisation's other applications similar to this small grant "
                 "application, best first")
    def similar_to_small_grant(self, request, id):
        return queries.similar_to_small_grant(self.db, id)


class GrantsService(ProgrammesMixin, CompetitionsMixin, OffersMixin, CommitteeMixin,
                    SmallGrantsMixin, ContractsMixin, SimilarMixin, OrganizationDirectoryMixin):
    name = "grants"

    db = Mongo(repository.COLLECTIONS, repository.GAUGES)
    log_context = WorkerLogContext()
