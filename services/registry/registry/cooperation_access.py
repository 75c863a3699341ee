"""Who may act in non-financial cooperation: an organisation's own representative for a
verified organisation, and the department that manages a resource."""

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
