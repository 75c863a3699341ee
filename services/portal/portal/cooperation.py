"""An organisation's cooperation with the city on its page (issue #22): the history reporting
keeps from the events (`GET /api/v1/stats/organizations/{id}`), its public part for everyone,
all of it for the liaison officer, the departments and the organisation's own representative
(reporting decides what each sees; the portal asks with the person's token when one of them
is signed in)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request

from portal.backend import NotFound, Rejected
from portal.sessions import Session
from portal.web import Site

PATH = "/api/v1/stats/organizations/{id}"
FULL_ROLES = ("officer", "department")

# the statuses of the history's entries, per form, as a person reads them
STATUSES: dict[str, dict[str, str]] = {
    "offer": {"submitted": "złożona", "withdrawn": "wycofana",
              "rejected_formally": "odrzucona z przyczyn formalnych",
              "funded": "przyznano dotację", "not_funded": "nie przyznano dotacji"},
    "small_grant": {"submitted": "złożona", "published": "opublikowana do uwag",
                    "awarded": "przyznano dotację", "refused": "odmowa dotacji",
                    "withdrawn": "wycofana"},
    "contract": {"signed": "umowa podpisana", "terminated": "umowa rozwiązana",
                 "settled": "rozliczona"},
    "booking": {"requested": "wniosek", "approved": "zatwierdzona", "refused": "odmowa",
                "cancelled": "odwołana"},
    "patronage": {"requested": "wniosek", "granted": "przyznany", "refused": "odmowa"},
    "training": {"cancelled": "szkolenie odwołane"},
    "council": {"member": "członek", "left": "członkostwo zakończone"},
}
REPORTS = {"on_time": "sprawozdanie w terminie", "late": "sprawozdanie po terminie"}


def may_see_all(session: Session | None, organization_id: str) -> bool:
    """Whether reporting would give this person the whole history (the portal then asks
    with their token)."""
    if session is None or not session.signed_in:
        return False
    return any(session.has(role) for role in FULL_ROLES) or session.org_id == organization_id


def history(site: Site, request: Request, organization_id: str,
            personal: Callable[[], Session]) -> dict[str, Any] | None:
    """The organisation's history: with the signed-in person's token when they may see all
    of it (`personal` gives the person with a fresh token), else the public part (cached)."""
    path = PATH.format(id=organization_id)
    try:
        if may_see_all(getattr(request, "session", None), organization_id):
            me = personal()
            assert me.tokens is not None
            try:
                return site.backends.personal("GET", "reporting", path,
                                              me.tokens.access_token)
            except Rejected:   # a token refused: this public page shows the public part
                pass
        return site.backends.get("reporting", path)
    except NotFound:
        return None


def status_of(entry: dict[str, Any]) -> str:
    """What became of one entry, in Polish: its status, and a contract's report and returns."""
    said = [STATUSES.get(entry["form"], {}).get(entry.get("status") or "", "")]
    if entry.get("report"):
        said.append(REPORTS.get(entry["report"], ""))
    return ", ".join(s for s in said if s)
