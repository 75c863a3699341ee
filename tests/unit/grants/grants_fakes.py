"""An in-memory unit of work for the grants command handlers: the repositories (on the
shared wspolpraca.testing.memory) keep their records in dicts, with the same optimistic
versions and refusals as the real ones, and the events emitted are collected in order
(published only by a unit that commits: the test reads `committed` when the handler
returned, `emitted` is empty when it raised)."""

from __future__ import annotations

import copy
from typing import Any

from grants import domain
from grants.repository import DraftChanged, OfferDrafts, SmallGrantTotals
from wspolpraca.errors import DomainError
from wspolpraca.testing.memory import MemoryRepository


class FakeRepository(MemoryRepository):
    """The shared in-memory repository (versions checked on `replace`, as the real one)."""


class FakeProgrammes(FakeRepository):
    not_found = "Nie ma takiego programu współpracy."

    def adopted_for(self, year: int) -> dict[str, Any]:
        found = self.find_one({"year": year})
        if found is None or found["status"] != domain.ProgrammeStatus.ADOPTED:
            raise DomainError("no_adopted_programme",
                              f"Brak uchwalonego programu współpracy na rok {year}.",
                              field="task_start")
        return found

    def _fund(self, programme_id: str, area: str) -> dict[str, Any]:
        return next(f for f in self.records[programme_id]["funds"] if f["area"] == area)

    def commit(self, programme: dict[str, Any], area: str, amount_grosze: int,
               field: str) -> None:
        fund = self._fund(programme["_id"], area)
        domain.check_funds_available(area, domain.from_grosze(fund["planned_grosze"]),
                                     domain.from_grosze(fund["committed_grosze"]),
                                     domain.from_grosze(amount_grosze), field=field)
        fund["available_grosze"] -= amount_grosze
        fund["committed_grosze"] += amount_grosze

    def release(self, programme_id: str, area: str, amount_grosze: int) -> None:
        if amount_grosze > 0:
            fund = self._fund(programme_id, area)
            fund["available_grosze"] += amount_grosze
            fund["committed_grosze"] -= amount_grosze


class FakeOffers(FakeRepository):
    not_found = "Nie ma takiej oferty."

    def add_later(self, record: dict[str, Any]) -> None:
        self.add(record)

    def of_competition(self, competition_id: str,
                       statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for _, r in sorted(self.records.items())
                if r["competition_id"] == competition_id
                and (not statuses or r["status"] in statuses)]


class FakeOfferDrafts(FakeRepository):
    not_found = "Nie ma szkicu oferty w tym konkursie."
    key = staticmethod(OfferDrafts.key)

    def put(self, record: dict[str, Any], expected: int | None = None) -> None:
        """As the real one: version 0 on creation, +1 per save, `expected` checked."""
        stored = self.records.get(record["_id"])
        version = None if stored is None else stored.get("version", 0)
        if expected is not None and expected != version:
            raise DraftChanged(copy.deepcopy(stored))
        record["version"] = 0 if version is None else version + 1
        self.records[record["_id"]] = copy.deepcopy(record)

    def discard(self, competition_id: str, organization_id: str) -> dict[str, Any] | None:
        return self.records.pop(self.key(competition_id, organization_id), None)

    def discard_later(self, competition_id: str, organization_id: str) -> None:
        self.discard(competition_id, organization_id)


class FakeCommittee(FakeRepository):
    def member(self, competition_id: str, user_id: str) -> dict[str, Any] | None:
        found = self.records.get(f"{competition_id}:{user_id}")
        return copy.deepcopy(found) if found else None

    def of_competition(self, competition_id: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(r) for _, r in sorted(self.records.items())
                if r["competition_id"] == competition_id]


class FakeContracts(FakeRepository):
    not_found = "Nie ma takiej umowy."

    def of_offer(self, offer_id: str) -> dict[str, Any] | None:
        return self.find_one({"offer_id": offer_id})


class FakeSmallGrants(FakeRepository):
    not_found = "Nie ma takiej oferty w trybie małej dotacji."

    def count_comment(self, small_grant_id: str) -> None:
        self.records[small_grant_id]["comments_count"] = \
            self.records[small_grant_id].get("comments_count", 0) + 1


class FakeTotals:
    city_key = staticmethod(SmallGrantTotals.city_key)
    organization_key = staticmethod(SmallGrantTotals.organization_key)

    def __init__(self) -> None:
        self.awarded: dict[str, int] = {}

    def total(self, key: str) -> int:
        return self.awarded.get(key, 0)

    def add_within(self, key: str, amount_grosze: int, cap_grosze: int) -> bool:
        if self.total(key) + amount_grosze > cap_grosze:
            return False
        self.awarded[key] = self.total(key) + amount_grosze
        return True


class FakeOrganizations:
    def __init__(self, *views: domain.OrganizationView) -> None:
        self.known = {v.id: v for v in views}

    def view(self, organization_id: str) -> domain.OrganizationView | None:
        return self.known.get(organization_id)

    def views(self, organization_ids: list[str]) -> dict[str, domain.OrganizationView]:
        return {i: self.known[i] for i in organization_ids if i in self.known}


class FakeUnit:
    """Stands for grants.unit.GrantsUnit; `run` commits what the handler did, or nothing."""

    def __init__(self) -> None:
        self.programmes = FakeProgrammes()
        self.competitions = FakeRepository()
        self.offers = FakeOffers()
        self.offer_drafts = FakeOfferDrafts()
        self.organizations = FakeOrganizations()
        self.committee = FakeCommittee()
        self.scores = FakeRepository()
        self.small_grants = FakeSmallGrants()
        self.comments = FakeRepository()
        self.totals = FakeTotals()
        self.contracts = FakeContracts()
        self.emitted: list[tuple[str, str, dict[str, Any]]] = []
        self.committed: list[tuple[str, str, dict[str, Any]]] = []
        self.overlaps: list = []
        self.refreshed: list[tuple[str, str]] = []

    def emit(self, routing_key: str, subject: str, data: dict[str, Any]) -> None:
        self.emitted.append((routing_key, subject, data))

    def refresh_similar(self, kind: str, record: dict[str, Any], now,
                        new: bool = False) -> list[str]:
        self.refreshed.append((kind, record["_id"]))
        return []

    def double_funding(self, kind: str, funded: list[str], acknowledged: dict[str, str],
                       field_name: str = "acknowledged_overlaps") -> list:
        return list(self.overlaps)

    def run(self, handler, command: Any) -> Any:
        """`handler(command, uow)` in this unit: what it wrote and emitted stays only if it
        returns (a refusal rolls the records back, like the database's transaction)."""
        before = copy.deepcopy({k: v for k, v in vars(self).items()
                                if k not in ("emitted", "committed")})
        self.emitted = []
        try:
            result = handler(command, self)
        except Exception:
            vars(self).update(before)
            self.emitted = []
            raise
        self.committed.extend(self.emitted)
        return result

    def routing_keys(self) -> list[str]:
        return [routing_key for routing_key, _, _ in self.committed]
