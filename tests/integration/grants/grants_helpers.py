"""Helpers shared by the grants integration tests: organisations verified through the real
registry, request bodies, dates relative to today, error and database checks."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from wspolpraca.testing.answers import answered, body_with, created
from wspolpraca.testing.answers import assert_error as assert_error  # the tests' import
from wspolpraca.testing.answers import db_state as snapshot
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.waiting import wait_until

WARSAW = ZoneInfo("Europe/Warsaw")
PROGRAMMES = "/api/v1/programmes"
COMPETITIONS = "/api/v1/competitions"
OFFERS = "/api/v1/offers"
STATE_COLLECTIONS = ("programmes", "competitions", "offers", "committee_members", "scores")

def today() -> date:
    return datetime.now(WARSAW).date()


YEAR = today().year + 1
TASK_START = f"{YEAR}-03-01"
TASK_END = f"{YEAR}-10-31"


def at_warsaw(day: date, hour: int, minute: int = 0) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARSAW).isoformat()


def deadline_in(days: int, hour: int = 12) -> str:
    return at_warsaw(today() + timedelta(days=days), hour)


def db_state(db) -> dict[str, Any]:
    return snapshot(db, STATE_COLLECTIONS)


# --- organisations, through the registry's API and events --------------------------------


def verified_organization(registry, grants, token, officer, areas=("culture",),
                          verify: bool = True) -> tuple[str, str]:
    """(organisation id, a token of its representative), known to grants."""
    ngo = token("ngo")
    response = registry.post("/api/v1/organizations", ngo, json={
        "name": "Fundacja Teatr Ulicy", "legal_form": "foundation", "nip": fresh_nip(),
        "areas": list(areas), "email": "biuro@teatr.example.pl"})
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    status = "pending"
    if verify:
        response = registry.post(f"/api/v1/organizations/{org_id}/verify", officer)
        assert response.status_code == 200, response.text
        status = "verified"
    wait_until(lambda: (grants.db["organizations"].find_one({"_id": org_id}) or {}).get(
        "status") == status, what=f"grants to see {org_id} {status}")
    return org_id, token("ngo", org_id=org_id)


# --- programmes and competitions ----------------------------------------------------------


def programme_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "year": YEAR, "title": f"Program współpracy na {YEAR} rok",
        "goals": ["Wzmacnianie aktywności obywatelskiej"],
        "priority_tasks": [{"area": "culture", "task": "Festiwale osiedlowe"}],
        "funds": [{"area": "culture", "amount": "200000.00"},
                  {"area": "sport", "amount": "50000.00"}],
    }
    return body_with(body, overrides)


def adopted_programme(grants, officer, **overrides: Any) -> dict[str, Any]:
    programme = created(grants.post(PROGRAMMES, officer, json=programme_body(**overrides)))
    return answered(grants.post(f"{PROGRAMMES}/{programme['id']}/adopt", officer))


def competition_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Organizacja festiwali osiedlowych", "area": "culture", "mode": "supporting",
        "budget": "100000.00", "submission_deadline": deadline_in(25),
        "task_start": TASK_START, "task_end": TASK_END, "min_own_contribution_pct": "10",
        "criteria": [{"name": "Jakość", "max_points": 10}, {"name": "Koszty", "max_points": 5}],
        "task_description": "Festiwale w dzielnicach", "award_rules": "Zgodnie z programem",
        "delivery_conditions": "Dostępność dla osób z niepełnosprawnościami",
        "funds_spent_this_year": "80000.00", "funds_spent_last_year": "75000.00",
    }
    return body_with(body, overrides)


def create_competition(grants, officer, **overrides: Any) -> dict[str, Any]:
    return created(grants.post(COMPETITIONS, officer, json=competition_body(**overrides)))


def announced_competition(grants, officer, **overrides: Any) -> dict[str, Any]:
    competition = create_competition(grants, officer, **overrides)
    return answered(grants.post(f"{COMPETITIONS}/{competition['id']}/announce", officer))


def offer_body(org_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organization_id": org_id, "title": "Festiwal na Bałutach",
        "requested_amount": "9000.00",
        "own_contribution": {"financial": "500.00", "non_financial": "500.00",
                             "volunteer_work": {"hours": "10", "hourly_rate": "40.00"}},
        "total_cost": "10000.00", "task_start": TASK_START, "task_end": TASK_END,
        "cost_items": [{"name": "Scena", "amount": "6000.00"},
                       {"name": "Honoraria", "amount": "4000.00"}],
    }
    return body_with(body, overrides)


def submit_offer(grants, ngo, competition_id, org_id, **overrides: Any) -> dict[str, Any]:
    return created(grants.post(f"{COMPETITIONS}/{competition_id}/offers", ngo,
                               json=offer_body(org_id, **overrides)))


def pass_deadline(grants, competition_id: str, seconds: int = 1) -> None:
    """Move the competition's deadline to `seconds` ago (the clock has moved on)."""
    grants.db["competitions"].update_one(
        {"_id": competition_id},
        {"$set": {"submission_deadline": datetime.now(UTC) - timedelta(seconds=seconds)}})


ONE_OFFICIAL = ({"user_id": "official-1", "name": "Anna Urzędnik", "kind": "official"},)


def under_evaluation(grants, officer, competition_id: str,
                     members: tuple[dict[str, Any], ...] | list[dict[str, Any]] = ONE_OFFICIAL
                     ) -> dict[str, Any]:
    """The deadline passed (the clock has moved on), the competition closed and its committee
    of `members` appointed: the committee as grants answered."""
    pass_deadline(grants, competition_id)
    answered(grants.post(f"{COMPETITIONS}/{competition_id}/close", officer))
    return created(grants.post(f"{COMPETITIONS}/{competition_id}/committee", officer,
                               json={"members": list(members)}))


# --- small grants -------------------------------------------------------------------------

SMALL_GRANTS = "/api/v1/small-grants"


# unrelated projects, one after another: an organisation's small grants in one test are not
# the same project funded twice (grants/similarity.py), unless a test says they are
_PROJECTS = itertools.cycle([
    ("Koncert w parku", "Nagłośnienie"),
    ("Warsztaty ceramiki dla seniorów", "Glina i szkliwa"),
    ("Turniej szachowy szkół", "Nagrody rzeczowe"),
    ("Sprzątanie brzegów Wisły", "Rękawice i worki"),
    ("Spotkania autorskie w bibliotece", "Honoraria autorów"),
])


def small_grant_body(org_id: str, amount: str = "10000.00", days: int = 90,
                     **overrides: Any) -> dict[str, Any]:
    start = date(YEAR, 4, 1)
    own = "100.00"
    total = add_money(amount, own)
    title, cost = next(_PROJECTS)
    body: dict[str, Any] = {
        "organization_id": org_id, "area": "culture", "title": title,
        "requested_amount": amount,
        "own_contribution": {"financial": own, "non_financial": "0.00"},
        "total_cost": total, "task_start": start.isoformat(),
        "task_end": (start + timedelta(days=days - 1)).isoformat(),
        "cost_items": [{"name": cost, "amount": total}],
    }
    return body_with(body, overrides)


def add_money(a: str, b: str) -> str:
    return f"{Decimal(a) + Decimal(b):.2f}"


def submit_small_grant(grants, ngo, org_id, amount="10000.00", **overrides) -> dict[str, Any]:
    return created(grants.post(SMALL_GRANTS, ngo,
                               json=small_grant_body(org_id, amount, **overrides)))


def published_small_grant(grants, officer, ngo, org_id, amount="10000.00",
                          **overrides) -> dict[str, Any]:
    small = submit_small_grant(grants, ngo, org_id, amount, **overrides)
    return answered(grants.post(f"{SMALL_GRANTS}/{small['id']}/publish", officer))


def pass_publication(grants, small_grant_id: str, seconds: int = 1) -> None:
    """The 7 days of publication ended `seconds` ago (the clock has moved on)."""
    grants.db["small_grants"].update_one(
        {"_id": small_grant_id},
        {"$set": {"comments_until": datetime.now(UTC) - timedelta(seconds=seconds)}})


def awarded_small_grant(grants, officer, ngo, org_id, amount="10000.00") -> dict[str, Any]:
    small = published_small_grant(grants, officer, ngo, org_id, amount)
    pass_publication(grants, small["id"])
    return answered(grants.post(f"{SMALL_GRANTS}/{small['id']}/award", officer))


# --- the set-ups above, bound to one test's services and tokens -------------------------------


class Given:
    """The set-ups of a competition through to its results for one test (the `given` fixture):
    `given.organization()`, `given.programme()`, `given.competition()`, `given.offer(...)`,
    `given.deadline_passed(...)`, `given.under_evaluation(...)`, and the small grants'. Each is
    the module's function of the same step with the test's grants service, officer and token
    factory; the registry service starts only when an organisation is asked for."""

    def __init__(self, grants, officer, token, registry) -> None:
        self.grants, self.officer, self.token = grants, officer, token
        self._registry = registry

    def organization(self, areas=("culture",), verify: bool = True) -> tuple[str, str]:
        return verified_organization(self._registry(), self.grants, self.token, self.officer,
                                     areas=areas, verify=verify)

    def programme(self, **overrides: Any) -> dict[str, Any]:
        return adopted_programme(self.grants, self.officer, **overrides)

    def competition(self, **overrides: Any) -> dict[str, Any]:
        return announced_competition(self.grants, self.officer, **overrides)

    def offer(self, ngo, competition_id: str, org_id: str, **overrides: Any) -> dict[str, Any]:
        return submit_offer(self.grants, ngo, competition_id, org_id, **overrides)

    def deadline_passed(self, competition_id: str, seconds: int = 1) -> None:
        pass_deadline(self.grants, competition_id, seconds)

    def under_evaluation(self, competition_id: str, members=ONE_OFFICIAL) -> dict[str, Any]:
        return under_evaluation(self.grants, self.officer, competition_id, members)

    def small_grant(self, ngo, org_id: str, amount: str = "10000.00",
                    **overrides: Any) -> dict[str, Any]:
        return submit_small_grant(self.grants, ngo, org_id, amount, **overrides)

    def published_small_grant(self, ngo, org_id: str, amount: str = "10000.00",
                              **overrides: Any) -> dict[str, Any]:
        return published_small_grant(self.grants, self.officer, ngo, org_id, amount,
                                     **overrides)

    def publication_passed(self, small_grant_id: str, seconds: int = 1) -> None:
        pass_publication(self.grants, small_grant_id, seconds)
