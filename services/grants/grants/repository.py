"""MongoDB access of the grants service: collections, indexes and the conditional updates
that keep money safe under concurrency."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from pymongo import ASCENDING, DeleteOne, IndexModel, InsertOne
from pymongo.errors import DuplicateKeyError

from grants import domain
from wspolpraca import conditional
from wspolpraca.errors import Conflict, DomainError
from wspolpraca.fields import format_money
from wspolpraca.mongo import Collection, DomainGauge, Transaction, count_by
from wspolpraca.organizations import ORGANIZATION_DIRECTORY, ORGANIZATIONS
from wspolpraca.repository import (
    CONCURRENT_UPDATE,
    Repository,
    backfill_versions,
    collection_repository,
)

PROGRAMMES = "programmes"
COMPETITIONS = "competitions"
OFFERS = "offers"
COMMITTEE = "committee_members"
SCORES = "scores"
SMALL_GRANTS = "small_grants"
COMMENTS = "small_grant_comments"
TOTALS = "small_grant_totals"
CONTRACTS = "contracts"
# the read model of similar applications (grants/coordination.py), keyed "<kind>:<id>"
SIMILAR = "similar_applications"
# an organisation's drafts of offers, one per competition, keyed "<competition>:<organisation>"
OFFER_DRAFTS = "offer_drafts"


COLLECTIONS = (
    Collection(PROGRAMMES, (IndexModel([("year", ASCENDING)], name="year_unique",
                                       unique=True),), migrate=backfill_versions),
    Collection(COMPETITIONS, (
        IndexModel([("status", ASCENDING), ("_id", ASCENDING)], name="status"),
        IndexModel([("area", ASCENDING), ("_id", ASCENDING)], name="area"),
        IndexModel([("department", ASCENDING), ("_id", ASCENDING)], name="department"),
    )),
    Collection(OFFERS, (
        IndexModel([("competition_id", ASCENDING), ("_id", ASCENDING)], name="competition"),
        IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)], name="organization"),
    )),
    ORGANIZATION_DIRECTORY,
    Collection(COMMITTEE, (IndexModel([("competition_id", ASCENDING)], name="competition"),
                           IndexModel([("user_id", ASCENDING)], name="user"))),
    Collection(SCORES, (IndexModel([("competition_id", ASCENDING)], name="competition"),)),
    Collection(SMALL_GRANTS, (
        IndexModel([("status", ASCENDING), ("_id", ASCENDING)], name="status"),
        IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)], name="organization"),
    )),
    Collection(COMMENTS, (IndexModel([("small_grant_id", ASCENDING), ("_id", ASCENDING)],
                                     name="small_grant"),)),
    Collection(TOTALS),
    Collection(CONTRACTS, (
        # one contract per award: two officers signing at once cannot both win
        IndexModel([("offer_id", ASCENDING)], name="offer_unique", unique=True),
        IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)], name="organization"),
        IndexModel([("status", ASCENDING), ("report_due_on", ASCENDING)], name="report_due"),
    )),
    Collection(SIMILAR),
    Collection(OFFER_DRAFTS, (IndexModel([("organization_id", ASCENDING), ("_id", ASCENDING)],
                                         name="organization"),), migrate=backfill_versions),
)


class Programmes(Repository):
    collection_name = PROGRAMMES
    not_found = "Nie ma takiego programu współpracy."

    def add(self, record: dict[str, Any]) -> None:
        try:
            self.collection.insert_one(record, session=self.session)
        except DuplicateKeyError:
            raise Conflict("duplicate_year",
                           f"Program współpracy na rok {record['year']} już istnieje.",
                           field="year") from None

    def adopted_for(self, year: int) -> dict[str, Any]:
        found = self.collection.find_one({"year": year}, session=self.session)
        if found is None or found["status"] != domain.ProgrammeStatus.ADOPTED:
            raise DomainError("no_adopted_programme",
                              f"Brak uchwalonego programu współpracy na rok {year}.",
                              field="task_start")
        return found

    def commit(self, programme: dict[str, Any], area: str, amount_grosze: int,
               field: str) -> None:
        """Take `amount_grosze` from the area's remaining funds, or refuse.

        The condition is checked by the database in the same update, so two transactions
        committing the last funds cannot both succeed (the loser's transaction conflicts,
        is retried, and then finds too little left)."""
        result = self.update(
            {"_id": programme["_id"], "status": domain.ProgrammeStatus.ADOPTED.value,
             "funds": {"$elemMatch": {"area": area,
                                      "available_grosze": {"$gte": amount_grosze}}}},
            {"$inc": {"funds.$.available_grosze": -amount_grosze,
                      "funds.$.committed_grosze": amount_grosze}})
        if result.matched_count == 1:
            return
        current = self.get(programme["_id"])
        fund = next((f for f in current["funds"] if f["area"] == area), None)
        domain.check_funds_available(
            area, domain.from_grosze(fund["planned_grosze"]) if fund else None,
            domain.from_grosze(fund["committed_grosze"]) if fund else domain.ZERO,
            domain.from_grosze(amount_grosze), field=field)
        raise DomainError("insufficient_programme_funds",  # pragma: no cover - defensive
                          f"Brak {format_money(domain.from_grosze(amount_grosze))} zł.",
                          field=field)

    def release(self, programme_id: str, area: str, amount_grosze: int) -> None:
        if amount_grosze <= 0:
            return
        self.update(
            {"_id": programme_id, "funds.area": area},
            {"$inc": {"funds.$.available_grosze": amount_grosze,
                      "funds.$.committed_grosze": -amount_grosze}})


Competitions = collection_repository("Competitions", COMPETITIONS, "Nie ma takiego konkursu.")


class Offers(Repository):
    collection_name = OFFERS
    not_found = "Nie ma takiej oferty."

    def add_later(self, record: dict[str, Any]) -> None:
        """A new offer, inserted with the transaction's other kept writes before the commit
        (`Transaction.later`: one round trip for them all)."""
        self.tx.later(InsertOne(record, namespace=self.tx.namespace(OFFERS)))

    def of_competition(self, competition_id: str,
                       statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"competition_id": competition_id}
        if statuses:
            query["status"] = {"$in": list(statuses)}
        return list(self.collection.find(query, session=self.session).sort("_id", ASCENDING))


DRAFT_CHANGED = ("Ktoś inny zapisał ten szkic oferty w międzyczasie (z innego urządzenia albo "
                 "konta organizacji). Twoje zmiany nie zostały zapisane: porównaj je z "
                 "aktualnym szkicem i zapisz ponownie.")


class DraftChanged(Conflict):
    """409 `draft_changed`: the draft is not the version the editor started from; the answer
    carries the current draft (`error.current`, null when it was discarded or submitted)."""

    def __init__(self, current: dict[str, Any] | None) -> None:
        super().__init__("draft_changed", DRAFT_CHANGED)
        self.current = current

    def to_body(self) -> dict:
        current = None
        if self.current is not None:
            current = {k: v for k, v in self.current.items() if k != "_id"}
        return {"error": {"code": self.code, "message": self.message, "fields": {},
                          "current": current}}


class OfferDrafts(Repository):
    """An organisation's draft of its offer in a competition: what the form held as typed,
    kept by grants so that any of its representatives resumes it on any device."""

    collection_name = OFFER_DRAFTS
    not_found = "Nie ma szkicu oferty w tym konkursie."

    @staticmethod
    def key(competition_id: str, organization_id: str) -> str:
        return f"{competition_id}:{organization_id}"

    def put(self, record: dict[str, Any], expected: int | None = None) -> None:
        """Save the draft: version 0 on creation, +1 per save, in one conditional write.

        `expected`: the version the editor started from (-1: it started without a draft); a
        stored draft of another version (or none: discarded or submitted meanwhile; or one
        begun meanwhile elsewhere) changes nothing and answers 409 `draft_changed` with the
        current draft. Without it the draft is replaced as it is
        (a write between this read and the replace still answers 409 `concurrent_update`)."""
        key = record["_id"]
        if self._if_match(record["competition_id"], key) and expected is None:
            current = self.collection.find_one({"_id": key}, session=self.session)
            expected = (current or {}).get("version") or 0   # the one If-Match named
        if expected is not None and expected < 0:   # the editor started without a draft
            current = self.collection.find_one({"_id": key}, session=self.session)
            if current is not None:                 # a draft begun meanwhile elsewhere
                raise DraftChanged(current)
        if expected is None or expected < 0:
            current = self.collection.find_one({"_id": key}, session=self.session)
            if current is None:
                record["version"] = 0
                try:
                    self.collection.insert_one(record, session=self.session)
                except DuplicateKeyError:
                    raise Conflict("concurrent_update", CONCURRENT_UPDATE) from None
                return
            base = current.get("version") or 0
        else:
            base = expected
        # a draft from before drafts carried a version counts as version 0
        version: Any = {"$in": [0, None]} if base == 0 else base
        result = self.collection.replace_one({"_id": key, "version": version},
                                             {**record, "version": base + 1},
                                             session=self.session)
        if result.matched_count != 1:
            if expected is None:
                raise Conflict("concurrent_update", CONCURRENT_UPDATE)
            raise DraftChanged(self.collection.find_one({"_id": key}, session=self.session))
        record["version"] = base + 1

    def discard(self, competition_id: str, organization_id: str) -> dict[str, Any] | None:
        """The draft removed (None if there was none)."""
        key = self.key(competition_id, organization_id)
        self._if_match(competition_id, key)
        return self.collection.find_one_and_delete({"_id": key}, session=self.session)

    def _if_match(self, competition_id: str, key: str) -> bool:
        """The request's If-Match, when it is about this draft (the ETag the draft's GET and
        PUT answer at /competitions/<id>/offer-draft, whose endpoints name this collection:
        the competition in the path is not held to it): 412 `stale` unless the draft exists
        in a version it names. True when it was checked."""
        precondition = self.precondition
        if precondition is None or not precondition.applies_to(competition_id,
                                                               self.collection_name):
            return False
        current = self.collection.find_one({"_id": key}, session=self.session)
        if current is None:
            raise conditional.Stale()
        version = current.get("version") or 0
        if not precondition.matches(version):
            raise conditional.Stale(version)
        return True

    def discard_later(self, competition_id: str, organization_id: str) -> None:
        """The draft removed, if there is one, with the transaction's other kept writes
        (`Transaction.later`): a submitted offer leaves no draft behind, and usually there
        is none to remove. The request's If-Match is held as in `discard` (read only when
        there is one about the draft)."""
        key = self.key(competition_id, organization_id)
        self._if_match(competition_id, key)
        self.tx.later(DeleteOne({"_id": key}, namespace=self.tx.namespace(OFFER_DRAFTS)))


class Organizations(Repository):
    collection_name = ORGANIZATIONS
    not_found = "Nie ma takiej organizacji."

    def view(self, organization_id: str) -> domain.OrganizationView | None:
        found = self.collection.find_one({"_id": organization_id}, session=self.session)
        if found is None:
            return None
        return _view(found)

    def views(self, organization_ids: list[str]) -> dict[str, domain.OrganizationView]:
        """The organisations found among `organization_ids` (an offerer and its partners),
        in one query."""
        return {found["_id"]: _view(found) for found in self.collection.find(
            {"_id": {"$in": sorted(set(organization_ids))}}, session=self.session)}


def _view(found: dict[str, Any]) -> domain.OrganizationView:
    return domain.OrganizationView(found["_id"], found["status"],
                                   frozenset(found.get("areas", [])))


class Committee(Repository):
    collection_name = COMMITTEE
    not_found = "Nie jesteś członkiem komisji tego konkursu."

    def of_competition(self, competition_id: str) -> list[dict[str, Any]]:
        return list(self.collection.find({"competition_id": competition_id},
                                         session=self.session).sort("_id", ASCENDING))

    def member(self, competition_id: str, user_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": f"{competition_id}:{user_id}"},
                                        session=self.session)

    def save(self, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": record["_id"]}, record, upsert=True,
                                    session=self.session)


class Scores(Repository):
    collection_name = SCORES

    def save(self, record: dict[str, Any]) -> None:
        self.collection.replace_one({"_id": record["_id"]}, record, upsert=True,
                                    session=self.session)

    def of_competition(self, competition_id: str) -> list[dict[str, Any]]:
        return list(self.collection.find({"competition_id": competition_id},
                                         session=self.session))


class SmallGrants(Repository):
    collection_name = SMALL_GRANTS
    not_found = "Nie ma takiej oferty w trybie małej dotacji."

    def count_comment(self, small_grant_id: str) -> None:
        self.update({"_id": small_grant_id}, {"$inc": {"comments_count": 1}})


class Comments(Repository):
    collection_name = COMMENTS


class Contracts(Repository):
    collection_name = CONTRACTS
    not_found = "Nie ma takiej umowy."

    def add(self, record: dict[str, Any]) -> None:
        try:
            self.collection.insert_one(record, session=self.session)
        except DuplicateKeyError:
            raise Conflict("duplicate_contract", "Umowa dla tej oferty już istnieje.",
                           field="offer_id") from None

    def of_offer(self, offer_id: str) -> dict[str, Any] | None:
        return self.find_one({"offer_id": offer_id})


class SmallGrantTotals:
    """Small grants awarded per year: for the city and per organisation (art. 19a ust. 4-5).

    Each award adds to both counters with an update whose filter carries the cap, so the
    database refuses the one that would cross it, however many officers award at once."""

    def __init__(self, tx: Transaction) -> None:
        self.collection = tx.db[TOTALS]
        self.session = tx.session

    @staticmethod
    def city_key(year: int) -> str:
        return f"city:{year}"

    @staticmethod
    def organization_key(year: int, organization_id: str) -> str:
        return f"organization:{year}:{organization_id}"

    def total(self, key: str) -> int:
        found = self.collection.find_one({"_id": key}, session=self.session)
        return found["awarded_grosze"] if found else 0

    def add_within(self, key: str, amount_grosze: int, cap_grosze: int) -> bool:
        self.collection.update_one({"_id": key}, {"$setOnInsert": {"awarded_grosze": 0}},
                                   upsert=True, session=self.session)
        result = self.collection.update_one(
            {"_id": key, "awarded_grosze": {"$lte": cap_grosze - amount_grosze}},
            {"$inc": {"awarded_grosze": amount_grosze}}, session=self.session)
        return result.matched_count == 1


def _money_awarded(db) -> list[tuple[dict[str, str], float]]:
    """PLN awarded per area of public benefit and kind (competition grant or small grant)."""
    areas = {c["_id"]: c["area"] for c in db[COMPETITIONS].find({}, {"area": 1})}
    grosze: dict[tuple[str, str], int] = {}
    for offer in db[OFFERS].find({"status": domain.OfferStatus.FUNDED.value},
                                 {"awarded_amount": 1, "competition_id": 1}):
        key = (areas.get(offer["competition_id"], "unknown"), "competition")
        grosze[key] = grosze.get(key, 0) + domain.grosze(Decimal(offer["awarded_amount"]))
    for grant in db[SMALL_GRANTS].find({"status": domain.SmallGrantStatus.AWARDED.value},
                                       {"amount_grosze": 1, "area": 1}):
        key = (grant["area"], "small_grant")
        grosze[key] = grosze.get(key, 0) + grant["amount_grosze"]
    return [({"area": area, "kind": kind}, amount / 100)
            for (area, kind), amount in sorted(grosze.items())]


def _task_reports(db) -> list[tuple[dict[str, str], float]]:
    """Task reports by state: due (not yet submitted), overdue, or the report's own status."""
    today = datetime.now(UTC).date()
    counts: dict[str, int] = {}
    for contract in db[CONTRACTS].find({}, {"status": 1, "report": 1, "report_due_on": 1}):
        report = contract.get("report")
        if report is not None:
            state = report["status"]
        elif contract["status"] in (domain.ContractStatus.SETTLED,
                                    domain.ContractStatus.TERMINATED):
            continue
        elif domain.report_overdue(contract["status"], None,
                                   date.fromisoformat(contract["report_due_on"]), today):
            state = "overdue"
        else:
            state = "due"
        counts[state] = counts.get(state, 0) + 1
    return [({"state": state}, float(n)) for state, n in sorted(counts.items())]


GAUGES = (
    DomainGauge("wspolpraca_grants_competitions", "Competitions by state.", ("state",),
                lambda db: count_by(db, COMPETITIONS, "status", "state")),
    DomainGauge("wspolpraca_grants_offers", "Offers by state.", ("state",),
                lambda db: count_by(db, OFFERS, "status", "state")),
    DomainGauge("wspolpraca_grants_small_grants", "Small grants by state.", ("state",),
                lambda db: count_by(db, SMALL_GRANTS, "status", "state")),
    DomainGauge("wspolpraca_grants_contracts", "Contracts by state.", ("state",),
                lambda db: count_by(db, CONTRACTS, "status", "state")),
    DomainGauge("wspolpraca_grants_money_awarded_pln", "Money awarded, in PLN, by area and kind.",
                ("area", "kind"), _money_awarded),
    DomainGauge("wspolpraca_grants_task_reports", "Task reports by state (due, overdue, ...).",
                ("state",), _task_reports),
)
