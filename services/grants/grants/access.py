"""Who may act on or read a record of the grants service (checks shared by the command
handlers and the queries; the roles themselves are checked by the entry points)."""

from __future__ import annotations

from typing import Any

from wspolpraca.auth import Principal
from wspolpraca.errors import Forbidden, NotFound

STAFF = ("officer",)  # admin passes every role check
RUNNERS = ("officer", "department")  # who runs competitions


def is_runner(principal: Principal | None) -> bool:
    return principal is not None and (principal.is_staff or "department" in principal.roles)


def check_runs(principal: Principal, competition: dict[str, Any]) -> None:
    """Staff, or the department that drafted the competition (art. 15: the body that
    announced it runs it); another department is refused."""
    if not principal.runs(competition.get("department")):
        raise Forbidden("Ten konkurs prowadzi inny wydział.")


def check_acts_for(principal: Principal, organization_id: str) -> None:
    if not principal.acts_for(organization_id):
        raise Forbidden("Ofertę składasz tylko w imieniu własnej organizacji.")


def check_own(principal: Principal, record: dict[str, Any], not_found: str) -> None:
    """The organisation's representative acts on its record; to anyone else it does not
    exist (404 with `not_found`)."""
    if not principal.acts_for(record["organization_id"]):
        raise NotFound(not_found)


def public_small_grant(record: dict[str, Any]) -> dict[str, Any]:
    """A small grant as the public reads it: without the office's acknowledgement of a
    double funding (who acknowledged it, and why, is the office's record)."""
    return {k: v for k, v in record.items() if k != "double_funding_acknowledgement"}
