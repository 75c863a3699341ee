"""The command handlers of the grants service: plain functions `handler(command, uow)`, the
command a frozen dataclass and the unit of work (grants/unit.py) last; they load through a
repository, apply the rules of grants/domain.py, save (a change of one record through
`wspolpraca.service_layer.change`) and emit. Handlers that ask for the
same share one command (wspolpraca.service_layer): `Submit` (who acts, the request's
fields) for a new programme, competition, contract or small grant; `RecordStep` (who acts,
the record, the request's fields) for every step on a competition, an offer, a contract or
a small grant; `OfferForm` for an offer submitted, checked or saved as a draft. Others are
named after what is asked (`CloseCompetition`, `DiscardOfferDraft`, `ProgrammeStep`).

The entry points in grants/service.py run one handler each with `self.handle(handler,
command)`; the unit tests run them with an in-memory unit (tests/unit/grants/grants_fakes.py).
"""

from grants.handlers.committee import (
    appoint_committee,
    assign_offers,
    confirm_results,
    declare_no_conflict,
    score_offer,
)
from grants.handlers.common import RecordStep, Submit
from grants.handlers.competitions import (
    CloseCompetition,
    announce_competition,
    cancel_competition,
    close_competition,
    create_competition,
)
from grants.handlers.contracts import (
    FlagContractDeadlines,
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
    DiscardOfferDraft,
    OfferForm,
    amend_offer,
    check_offer,
    discard_offer_draft,
    reject_offer,
    save_offer_draft,
    submit_offer,
    withdraw_offer,
)
from grants.handlers.programmes import (
    ProgrammeStep,
    adopt_programme,
    consult_programme,
    draft_programme,
    update_programme,
)
from grants.handlers.small_grants import (
    CommentSmallGrant,
    award_small_grant,
    comment_small_grant,
    publish_small_grant,
    refuse_small_grant,
    submit_small_grant,
)

__all__ = [
    "CloseCompetition", "CommentSmallGrant", "DiscardOfferDraft", "FlagContractDeadlines",
    "OfferForm", "ProgrammeStep", "RecordStep", "Submit", "accept_report", "adopt_programme",
    "amend_offer", "announce_competition", "appoint_committee", "assign_offers",
    "award_small_grant", "cancel_competition", "check_offer", "close_competition",
    "comment_small_grant", "confirm_results", "consult_programme", "create_competition",
    "declare_no_conflict", "discard_offer_draft", "draft_programme", "flag_contract_deadlines",
    "publish_small_grant", "refuse_small_grant", "reject_offer", "request_corrections",
    "save_offer_draft", "score_offer", "settle_contract", "sign_contract", "start_contract",
    "submit_offer", "submit_report", "submit_small_grant", "terminate_contract",
    "update_budget", "update_programme", "withdraw_offer"
]
