"""Who may act: an organisation's own representative for a verified organisation, the
department that manages a resource or handles an inquiry, an officer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry.domain import OrganizationStatus
from registry.repository import Organizations
from wspolpraca.auth import Principal
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(__file__).with_name("rules.toml"))


def acting_for(principal: Principal, organization_id: str) -> None:
    """A representative acts only for the organisation of their token (admin for any)."""
    if not principal.acts_for(organization_id):
        raise Forbidden("Możesz działać tylko w imieniu własnej organizacji.")


def verified_organization(organizations: Organizations,
                          organization_id: str) -> dict[str, Any]:
    """The organisation, which must exist (422) and be verified (409)."""
    try:
        organization = organizations.get(organization_id)
    except NotFound:
        raise DomainError("unknown_organization", "Nie ma takiej organizacji.",
                          field="organization_id") from None
    if organization["status"] != OrganizationStatus.VERIFIED.value:
        raise Conflict("organization_not_verified",
                       "Organizacja nie jest zweryfikowana: tylko zweryfikowane organizacje "
                       "mogą korzystać z tej formy współpracy.", field="organization_id")
    return organization


def may_manage(principal: Principal, department: str) -> None:
    """An officer, or the department that manages the thing."""
    if not principal.runs(department):
        raise Forbidden("Tym zasobem zarządza inny wydział.")


def may_see_booking(principal: Principal, record: dict[str, Any]) -> None:
    """The organisation that booked, the department managing the resource, an officer."""
    if principal.org_id and principal.org_id == record["organization_id"]:
        return
    may_manage(principal, record["department"])


def may_handle_inquiry(principal: Principal, record: dict[str, Any]) -> None:
    """An officer, or the department the inquiry was routed to."""
    if principal.is_staff:
        return
    if "department" in principal.roles and principal.department == record.get("department"):
        return
    raise Forbidden("To zapytanie prowadzi inny wydział.")
