"""The command handlers of the grants service: plain functions taking a unit of work
(grants/unit.py) and the command (the principal and the validated body), which load
through a repository, apply the rules of grants/domain.py, save and emit.

The entry points in grants/service.py run one handler each in a unit of work; the unit
tests run them with an in-memory one (tests/unit/grants/fakes.py).
"""

from grants.handlers.committee import (
    appoint_committee,
    assign_offers,
    confirm_results,
    declare_no_conflict,
    score_offer,
)
from grants.handlers.competitions import (
    announce_competition,
    cancel_competition,
    close_competition,
    create_competition,
)
from grants.handlers.contracts import (
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
    amend_offer,
    check_offer,
    discard_offer_draft,
    reject_offer,
    save_offer_draft,
    submit_offer,
    withdraw_offer,
)
from grants.handlers.programmes import (
    adopt_programme,
    consult_programme,
    draft_programme,
    update_programme,
)
from grants.handlers.small_grants import (
    award_small_grant,
    comment_small_grant,
    publish_small_grant,
    refuse_small_grant,
    submit_small_grant,
)

__all__ = [
    "accept_report", "adopt_programme", "amend_offer", "announce_competition", "check_offer",
    "discard_offer_draft", "save_offer_draft",
    "appoint_committee", "assign_offers", "award_small_grant", "cancel_competition",
    "close_competition", "comment_small_grant", "confirm_results", "consult_programme",
    "create_competition", "declare_no_conflict", "draft_programme", "flag_contract_deadlines",
    "publish_small_grant", "refuse_small_grant", "reject_offer", "request_corrections",
    "score_offer", "settle_contract", "sign_contract", "start_contract", "submit_offer",
    "submit_report", "submit_small_grant", "terminate_contract", "update_budget",
    "update_programme", "withdraw_offer",
]
