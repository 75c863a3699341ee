"""The whole life of an open competition: programme, announcement, offers, committee with
an excluded nominee, conflict-of-interest declarations, scoring, ranking, results."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    PROGRAMMES,
    assert_error,
    db_state,
)

GOOD = [{"criterion": "Jakość", "points": 10, "comment": "Bardzo dobry program"},
        {"criterion": "Koszty", "points": 5}]


def scores(quality: int, costs: int) -> dict:
    return {"scores": [{"criterion": "Jakość", "points": quality},
                       {"criterion": "Koszty", "points": costs}]}


def test_the_life_of_a_competition_from_programme_to_published_results(
        grants, officer, token, events, given):
    first_id, first = given.organization()
    second_id, second = given.organization()
    third_id, third = given.organization()
    outsider_id, _ = given.organization()
    programme = given.programme()
    competition = given.competition(budget="20000.00")
    cid = competition["id"]

    big = dict(requested_amount="12000.00", total_cost="13500.00",
               own_contribution={"financial": "1000.00", "non_financial": "500.00"},
               cost_items=[{"name": "Scena", "amount": "13500.00"}])
    a = given.offer(first, cid, first_id, **big)
    b = given.offer(second, cid, second_id, **big)
    c = given.offer(third, cid, third_id)
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/committee", officer, json={"members": [
        {"user_id": "official-1", "name": "Anna Urzędnik", "kind": "official"}]}), 409,
        "invalid_state")
    given.deadline_passed(cid)
    assert grants.post(f"{COMPETITIONS}/{cid}/close", officer).status_code == 200

    # the committee: an official, an outside nominee, and a nominee of a bidder (excluded)
    members = [
        {"user_id": "official-1", "name": "Anna Urzędnik", "kind": "official"},
        {"user_id": "nominee-1", "name": "Jan Społecznik", "kind": "ngo",
         "organization_id": outsider_id},
        {"user_id": "nominee-2", "name": "Ewa Oferentka", "kind": "ngo",
         "organization_id": second_id},
    ]
    response = grants.post(f"{COMPETITIONS}/{cid}/committee", officer, json={"members": members})
    assert response.status_code == 201, response.text
    excluded = {m["user_id"]: m["excluded"] for m in response.json()["members"]}
    assert excluded == {"official-1": False, "nominee-1": False, "nominee-2": True}
    appointed = events.wait_for("grants.committee.appointed")[0]
    assert [m["excluded"] for m in appointed["data"]["members"]] == [False, False, True]
    assert grants.get(f"{COMPETITIONS}/{cid}", officer).json()["status"] == "under_evaluation"

    official = token("committee", sub="official-1")
    nominee = token("committee", sub="nominee-1")
    conflicted = token("committee", "ngo", sub="nominee-2", org_id=second_id)
    stranger = token("committee", sub="someone-else")

    # committee members see only their competitions' offers
    assert len(grants.get(f"{OFFERS}?competition_id={cid}", official).json()["items"]) == 3
    assert grants.get(f"{OFFERS}/{a['id']}", official).status_code == 200
    assert_error(grants.get(f"{OFFERS}/{a['id']}", stranger), 404)
    assert grants.get(OFFERS, stranger).json()["items"] == []

    # scoring needs the declaration first; the excluded nominee may not declare or score
    before = db_state(grants.db)
    assert_error(grants.post(f"{OFFERS}/{a['id']}/scores", official, json=scores(8, 4)), 409,
                 "conflict_of_interest_not_declared")
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/committee/declaration", conflicted,
                             json={"no_conflict_of_interest": True}), 409, "member_excluded")
    assert_error(grants.post(f"{OFFERS}/{a['id']}/scores", conflicted, json=scores(8, 4)), 403,
                 "not_a_member")
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/committee/declaration", official,
                             json={"no_conflict_of_interest": False}), 422,
                 "validation_failed")
    assert db_state(grants.db) == before
    for member in (official, nominee):
        assert grants.post(f"{COMPETITIONS}/{cid}/committee/declaration", member,
                           json={"no_conflict_of_interest": True}).status_code == 200

    # bulk assignment: the nominee scores only a and b
    response = grants.post(f"{COMPETITIONS}/{cid}/committee/assignments", officer, json={
        "assignments": [{"user_id": "nominee-1", "offer_ids": [a["id"], b["id"]]}]})
    assert response.status_code == 200, response.text
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/committee/assignments", officer, json={
        "assignments": [{"user_id": "nominee-2", "offer_ids": [a["id"]]}]}), 422,
        "not_a_member")
    assert_error(grants.post(f"{OFFERS}/{c['id']}/scores", nominee, json=scores(1, 1)), 403,
                 "offer_not_assigned")

    # a score above a criterion's maximum is refused; at the maximum it is accepted
    assert_error(grants.post(f"{OFFERS}/{a['id']}/scores", official, json=scores(11, 5)), 422,
                 "score_out_of_range", ("scores.0.points",))
    assert grants.post(f"{OFFERS}/{a['id']}/scores", official,
                       json={"scores": GOOD}).status_code == 201
    assert grants.post(f"{OFFERS}/{a['id']}/scores", nominee, json=scores(9, 5)).status_code \
        == 201
    assert grants.post(f"{OFFERS}/{b['id']}/scores", official, json=scores(7, 3)).status_code \
        == 201
    assert grants.post(f"{OFFERS}/{b['id']}/scores", nominee, json=scores(6, 3)).status_code \
        == 201
    assert grants.post(f"{OFFERS}/{c['id']}/scores", official, json=scores(2, 1)).status_code \
        == 201
    assert len(events.wait_for("grants.offer.scored", 5)) == 5

    ranking = grants.get(f"{COMPETITIONS}/{cid}/ranking", official).json()
    assert [(i["offer_id"], i["average"], i["proposed_amount"]) for i in ranking["items"]] == [
        (a["id"], "14.50", "12000.00"), (b["id"], "9.50", "8000.00"), (c["id"], "3.00", "0.00")]
    assert_error(grants.get(f"{COMPETITIONS}/{cid}/ranking", conflicted), 404)
    assert_error(grants.get(f"{COMPETITIONS}/{cid}/results"), 404)

    # the officer confirms: a partial award for b, nothing for c
    awards = {"awards": [{"offer_id": a["id"], "amount": "12000.00"},
                         {"offer_id": b["id"], "amount": "7000.00"},
                         {"offer_id": c["id"], "amount": "0.00"}]}
    over = {"awards": [{"offer_id": a["id"], "amount": "12000.00"},
                       {"offer_id": b["id"], "amount": "8000.01"},
                       {"offer_id": c["id"], "amount": "0.00"}]}
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/results", officer, json=over), 422,
                 "awards_exceed_budget")
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/results", officer,
                             json={"awards": awards["awards"][:2]}), 422, "offer_not_decided")
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/results", official, json=awards), 403)
    response = grants.post(f"{COMPETITIONS}/{cid}/results", officer, json=awards)
    assert response.status_code == 200, response.text

    # published to everyone, with funded and not funded offers and amounts
    results = grants.get(f"{COMPETITIONS}/{cid}/results").json()
    assert results["awarded"] == "19000.00"
    assert [(i["offer_id"], i["funded"], i["awarded_amount"]) for i in results["items"]] == [
        (a["id"], True, "12000.00"), (b["id"], True, "7000.00"), (c["id"], False, "0.00")]
    awarded = events.wait_for("grants.grant.awarded", 2)
    partial = next(e for e in awarded if e["subject"] == b["id"])
    assert partial["data"]["partial"] is True and partial["data"]["awarded_amount"] == "7000.00"
    assert events.wait_for("grants.offer.not_funded")[0]["subject"] == c["id"]
    resolved = events.wait_for("grants.competition.resolved")[0]["data"]
    assert (resolved["awarded"], resolved["funded"], resolved["not_funded"]) == (
        "19000.00", 2, 1)
    # the unused 1,000.00 returns to the programme's culture funds
    culture = grants.get(f"{PROGRAMMES}/{programme['id']}", officer).json()["funds"][0]
    assert (culture["committed"], culture["remaining"]) == ("19000.00", "181000.00")
    assert_error(grants.post(f"{COMPETITIONS}/{cid}/results", officer, json=awards), 409,
                 "invalid_state")


def test_two_officers_confirming_results_at_once_cannot_both_succeed(
        grants, officer, token, events, given):
    org_id, ngo = given.organization()
    given.programme()
    competition = given.competition(budget="20000.00")
    cid = competition["id"]
    offer = given.offer(ngo, cid, org_id)
    given.under_evaluation(cid)
    awards = {"awards": [{"offer_id": offer["id"], "amount": "9000.00"}]}

    def confirm(who):
        return grants.post(f"{COMPETITIONS}/{cid}/results", who, json=awards)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(confirm, [officer, token("officer")]))
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    events.wait_for("grants.competition.resolved")
    events.settle()
    assert len(events.of_type("grants.grant.awarded")) == 1
    programme = grants.db["programmes"].find_one({})
    assert programme["funds"][0]["committed_grosze"] == 900_000
