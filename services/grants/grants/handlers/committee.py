"""The committee and the results (art. 15): appointed, declaring no conflict of interest,
assigned offers and scoring them; the officer confirms the awards."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from grants import access, coordination, domain, records
from grants.handlers.common import Record, RecordStep
from grants.handlers.competitions import OPEN_OFFER
from grants.unit import GrantsUnit
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, NotFound
from wspolpraca.service_layer import Changed, Event, change


def appoint_committee(command: RecordStep, uow: GrantsUnit) -> dict[str, Any]:
    competition_id, body = command.record_id, command.body
    domain.check_members(body["members"])
    members: list[Record] = []

    def appoint(competition: Record) -> Changed:
        access.check_runs(command.principal, competition)
        now = utcnow()
        status = domain.start_evaluation(competition["status"])
        offers = uow.offers.of_competition(competition_id)
        bidders = {o["organization_id"] for o in offers} | {
            p for o in offers for p in o.get("partners", [])}
        members[:] = records.committee_members(
            competition_id, body["members"],
            domain.excluded_members(body["members"], bidders), now)
        for member in members:
            uow.committee.add(member)
        competition.update(status=status, updated_at=now)
        return Changed(competition, [Event("committee.appointed",
                                           records.committee_payload(competition_id, members))])

    change(uow, uow.competitions, competition_id, appoint)
    return {"competition_id": competition_id, "members": members}


def declare_no_conflict(command: RecordStep, uow: GrantsUnit) -> dict[str, Any]:
    competition_id = command.record_id
    member = uow.committee.member(competition_id, command.principal.sub)
    if member is None:
        raise NotFound("Nie jesteś członkiem komisji tego konkursu.")
    if domain.declare_no_conflict(member):
        member["declared_at"] = utcnow()
        uow.committee.save(member)
    return {"competition_id": competition_id, "members": [member]}


def _unknown_offers(offer_ids: list[str], offers: dict[str, Record], field: str) -> None:
    unknown = sorted(set(offer_ids) - set(offers))
    if unknown:
        raise DomainError("offer_not_in_competition",
                          f"Oferty spoza konkursu: {', '.join(unknown)}.", field=field)


def _explicit_assignments(uow: GrantsUnit, competition_id: str, offers: dict[str, Record],
                          assignments: list[dict[str, Any]]) -> dict[str, list[str]]:
    new: dict[str, list[str]] = {}
    for index, assignment in enumerate(assignments):
        _unknown_offers(assignment["offer_ids"], offers, f"assignments.{index}.offer_ids")
        domain.check_assignable(uow.committee.member(competition_id, assignment["user_id"]),
                                [offers[o] for o in assignment["offer_ids"]],
                                f"assignments.{index}.user_id")
        new.setdefault(assignment["user_id"], []).extend(assignment["offer_ids"])
    return new


def _distribution(uow: GrantsUnit, competition_id: str, offers: dict[str, Record],
                  distribute: dict[str, Any]) -> dict[str, list[str]]:
    found = distribute["filter"]
    if found.get("offer_ids"):
        _unknown_offers(found["offer_ids"], offers, "distribute.filter.offer_ids")
    by_user = {m["user_id"]: m for m in uow.committee.of_competition(competition_id)}
    members = []
    for index, user_id in enumerate(distribute["user_ids"]):
        member = by_user.get(user_id)
        if member is None or member["excluded"]:
            raise DomainError("not_a_member", "Ta osoba nie jest członkiem komisji.",
                              field=f"distribute.user_ids.{index}")
        members.append(member)
    typed = [{**o, "requested_amount": Decimal(o["requested_amount"])}
             for o in offers.values()]
    chosen = domain.select_offers(typed, found.get("offer_ids"),
                                  found.get("requested_amount_min"),
                                  found.get("requested_amount_max"))
    return domain.distribute_offers(chosen, members, distribute["per_offer"])


def assign_offers(command: RecordStep, uow: GrantsUnit) -> dict[str, Any]:
    competition_id, body = command.record_id, command.body
    competition = uow.competitions.get(competition_id)
    access.check_runs(command.principal, competition)
    offers = {o["_id"]: o for o in uow.offers.of_competition(competition_id, OPEN_OFFER)}
    if body["distribute"] is not None:
        new = _distribution(uow, competition_id, offers, body["distribute"])
    else:
        new = _explicit_assignments(uow, competition_id, offers, body["assignments"])
    changed = []
    for user_id, offer_ids in new.items():
        member = uow.committee.member(competition_id, user_id)
        assigned = set(member.get("assigned_offers") or [])
        added = sorted(set(offer_ids) - assigned)
        member["assigned_offers"] = sorted(assigned | set(offer_ids))
        uow.committee.save(member)
        changed.append(member)
        if added:  # the member is told of the offers new to them
            uow.emit("committee.offers_assigned", competition_id,
                     records.offers_assigned_payload(competition, member,
                                                     [offers[o] for o in added]))
    return {"competition_id": competition_id, "members": changed}


def score_offer(command: RecordStep, uow: GrantsUnit) -> Record:
    offer_id, scores, user_id = command.record_id, command.body["scores"], command.principal.sub
    offer = uow.offers.get(offer_id)
    competition = uow.competitions.get(offer["competition_id"])
    domain.check_may_score(uow.committee.member(competition["_id"], user_id), offer_id)
    domain.check_scoring_open(competition["status"], offer["status"])
    domain.check_scores(competition["criteria"], scores)
    score = records.new_score(offer, user_id, scores, utcnow())
    uow.scores.save(score)
    uow.emit("offer.scored", offer_id, records.score_payload(score))
    return score


def _decide(uow: GrantsUnit, principal: Principal, offer: Record, amount: Decimal,
            competition: Record, overlaps: dict, acknowledged: dict[str, str],
            now: datetime) -> None:
    """One offer of the results: funded (with the amount) or not funded."""
    version = offer["version"]
    offer.update(status=domain.award_status(amount).value,
                 awarded_amount=records.money(amount), updated_at=now)
    if offer["_id"] in overlaps:
        offer["double_funding_acknowledgement"] = coordination.acknowledgement(
            overlaps[offer["_id"]], acknowledged[offer["_id"]], principal.sub, now)
    uow.offers.replace(offer, version)
    if amount > 0:
        uow.emit("grant.awarded", offer["_id"], records.award_payload(offer, competition, amount))
    else:
        uow.emit("offer.not_funded", offer["_id"],
                 records.offer_payload(offer, awarded_amount="0.00"))


def confirm_results(command: RecordStep, uow: GrantsUnit) -> Record:
    principal, competition_id = command.principal, command.record_id
    awards = domain.awards_by_offer(command.body["awards"])
    acknowledged = {a["offer_id"]: a["reason"] for a in command.body["acknowledged_overlaps"]}

    def confirm(competition: Record) -> Changed:
        now = utcnow()
        status = domain.resolve(competition["status"])
        offers = {o["_id"]: o for o in uow.offers.of_competition(competition_id, OPEN_OFFER)}
        typed = {k: {"requested_amount": Decimal(o["requested_amount"])}
                 for k, o in offers.items()}
        total = domain.check_awards(awards, typed, Decimal(competition["budget"]))
        # funding the same costs twice needs an acknowledgement with a reason (422)
        overlaps = {o.id: o for o in uow.double_funding(
            "offer", sorted(k for k, a in awards.items() if a > 0), acknowledged)}
        for offer_id, amount in awards.items():
            _decide(uow, principal, offers[offer_id], amount, competition, overlaps,
                    acknowledged, now)
        uow.programmes.release(competition["programme_id"], competition["area"],
                               domain.unused_competition_funds(competition["budget_grosze"],
                                                               total))
        competition.update(status=status, resolved_at=now, updated_at=now,
                           awarded=records.money(total))
        return Changed(competition, [
            Event("competition.resolved", records.competition_payload(
                competition, awarded=records.money(total),
                funded=sum(1 for a in awards.values() if a > 0),
                not_funded=sum(1 for a in awards.values() if a == 0))),
            Event("results.confirmed", records.results_payload(
                competition, offers, awards, overlaps, acknowledged, now))])

    return change(uow, uow.competitions, competition_id, confirm)
