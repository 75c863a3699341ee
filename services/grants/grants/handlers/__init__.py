"""The command handlers of the grants service: plain functions `handler(command, uow)`, the
command a frozen dataclass named after what is asked (`AnnounceCompetition`) and the unit of
work (grants/unit.py) last; they load through a repository, apply the rules of
grants/domain.py, save (a change of one record through `wspolpraca.service_layer.change`)
and emit.

The entry points in grants/service.py run one handler each with `self.handle(handler,
command)`; the unit tests run them with an in-memory unit (tests/unit/grants/grants_fakes.py).
"""

from grants.handlers.committee import (
    AppointCommittee,
    AssignOffers,
    ConfirmResults,
    DeclareNoConflict,
    ScoreOffer,
    appoint_committee,
    assign_offers,
    confirm_results,
    declare_no_conflict,
    score_offer,
)
from grants.handlers.competitions import (
    AnnounceCompetition,
    CancelCompetition,
    CloseCompetition,
    CreateCompetition,
    announce_competition,
    cancel_competition,
    close_competition,
    create_competition,
)
from grants.handlers.contracts import (
    AcceptReport,
    FlagContractDeadlines,
    RequestCorrections,
    SettleContract,
    SignContract,
    StartContract,
    SubmitReport,
    TerminateContract,
    UpdateBudget,
    accept_report,
    flag_contract_deadlines,
    request_corrections,
    settle_contract,
    sign_contract,
    start_contract,
    submit_report,
    terminate_contract,
    update_budget,
)
from grants.handlers.offers import (
    AmendOffer,
    DiscardOfferDraft,
    RejectOffer,
    SaveOfferDraft,
    SubmitOffer,
    WithdrawOffer,
    amend_offer,
    check_offer,
    discard_offer_draft,
    reject_offer,
    save_offer_draft,
    submit_offer,
    withdraw_offer,
)
from grants.handlers.programmes import (
    AdoptProgramme,
    ConsultProgramme,
    DraftProgramme,
    UpdateProgramme,
    adopt_programme,
    consult_programme,
    draft_programme,
    update_programme,
)
from grants.handlers.small_grants import (
    AwardSmallGrant,
    CommentSmallGrant,
    PublishSmallGrant,
    RefuseSmallGrant,
    SubmitSmallGrant,
    award_small_grant,
    comment_small_grant,
    publish_small_grant,
    refuse_small_grant,
    submit_small_grant,
)

__all__ = [
    "AcceptReport", "AdoptProgramme", "AmendOffer", "AnnounceCompetition", "AppointCommittee",
    "AssignOffers", "AwardSmallGrant", "CancelCompetition", "CloseCompetition",
    "CommentSmallGrant", "ConfirmResults", "ConsultProgramme", "CreateCompetition",
    "DeclareNoConflict", "DiscardOfferDraft", "DraftProgramme", "FlagContractDeadlines",
    "PublishSmallGrant", "RefuseSmallGrant", "RejectOffer", "RequestCorrections", "SaveOfferDraft",
    "ScoreOffer", "SettleContract", "SignContract", "StartContract", "SubmitOffer", "SubmitReport",
    "SubmitSmallGrant", "TerminateContract", "UpdateBudget", "UpdateProgramme", "WithdrawOffer",
    "accept_report", "adopt_programme", "amend_offer", "announce_competition", "appoint_committee",
    "assign_offers", "award_small_grant", "cancel_competition", "check_offer", "close_competition",
    "comment_small_grant", "confirm_results", "consult_programme", "create_competition",
    "declare_no_conflict", "discard_offer_draft", "draft_programme", "flag_contract_deadlines",
    "publish_small_grant", "refuse_small_grant", "reject_offer", "request_corrections",
    "save_offer_draft", "score_offer", "settle_contract", "sign_contract", "start_contract",
    "submit_offer", "submit_report", "submit_small_grant", "terminate_contract", "update_budget",
    "update_programme", "withdraw_offer",
]
