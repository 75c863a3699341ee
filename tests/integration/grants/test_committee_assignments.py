"""Assigning offers to committee members in bulk, by filter: round-robin, N assessors per
offer, never to an excluded nominee; refused requests change nothing. Each member given
offers new to them is told by `grants.committee.offers_assigned`."""

from __future__ import annotations

from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    assert_error,
    db_state,
)

SCORES = {"scores": [{"criterion": "Jakość", "points": 7},
                     {"criterion": "Koszty", "points": 3}]}


def assigned(grants, cid: str) -> dict[str, list[str]]:
    return {m["user_id"]: m["assigned_offers"]
            for m in grants.db["committee_members"].find({"competition_id": cid})}


def told(events, count: int) -> dict[str, list[dict]]:
    """The `committee.offers_assigned` events so far, by member."""
    found: dict[str, list[dict]] = {}
    for event in events.wait_for("grants.committee.offers_assigned", count):
        found.setdefault(event["data"]["member"]["user_id"], []).append(event)
    return found


def test_an_officer_distributes_offers_by_filter_among_members(grants, officer, token, events,
                                                                given):
    orgs = [given.organization() for _ in range(4)]
    given.programme()
    cid = given.competition(budget="50000.00")["id"]
    small, large = [], []
    for index, (org_id, ngo) in enumerate(orgs):
        small.append(given.offer(ngo, cid, org_id)["id"])  # 9,000.00
        if index < 2:
            large.append(given.offer(
                ngo, cid, org_id, requested_amount="12000.00", total_cost="13500.00",
                own_contribution={"financial": "1000.00", "non_financial": "500.00"},
                cost_items=[{"name": "Scena", "amount": "13500.00"}])["id"])
    members = [{"user_id": f"official-{i}", "name": f"Urzędnik {i}", "kind": "official"}
               for i in range(3)]
    members[0]["email"] = "urzednik0@miasto.example.pl"
    members.append({"user_id": "nominee", "name": "Ewa Oferentka", "kind": "ngo",
                    "organization_id": orgs[0][0]})  # her organisation bids: excluded
    given.under_evaluation(cid, members)
    url = f"{COMPETITIONS}/{cid}/committee/assignments"

    # refused: the excluded nominee, an unknown member, both ways at once, nothing at all,
    # an offer of another competition, a range upside down; nothing changes
    before = db_state(grants.db)
    distribute = {"user_ids": ["official-0", "nominee"]}
    assert_error(grants.post(url, officer, json={"distribute": distribute}), 422,
                 "not_a_member", ("distribute.user_ids.1",))
    assert_error(grants.post(url, officer, json={"distribute": {"user_ids": ["stranger"]}}),
                 422, "not_a_member")
    assert_error(grants.post(url, officer, json={
        "distribute": {"user_ids": ["official-0"]},
        "assignments": [{"user_id": "official-0", "offer_ids": small}]}), 422,
        "validation_failed")
    assert_error(grants.post(url, officer, json={}), 422, "validation_failed")
    assert_error(grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0"], "filter": {"offer_ids": ["0" * 24]}}}), 422,
        "offer_not_in_competition")
    assert_error(grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0"], "filter": {"requested_amount_min": "10000.00",
                                               "requested_amount_max": "9000.00"}}}), 422,
        "invalid_range")
    assert_error(grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0", "official-1"], "per_offer": 3}}), 422,
        "not_enough_members")
    assert_error(grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0", "official-0"]}}), 422, "validation_failed")
    assert_error(grants.post(url, officer, json={
        "assignments": [{"user_id": "nominee", "offer_ids": small}]}), 422, "not_a_member")
    assert db_state(grants.db) == before

    # the large offers (12,000.00 and up) to two members each, round-robin
    response = grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0", "official-1", "official-2"], "per_offer": 2,
        "filter": {"requested_amount_min": "12000.00"}}})
    assert response.status_code == 200, response.text
    now = assigned(grants, cid)
    assert now["nominee"] is None
    assert sorted(now["official-0"] + now["official-1"] + (now["official-2"] or [])) \
        == sorted(large * 2)
    assert all(len(set(ids)) == len(ids) for ids in now.values() if ids)
    first = told(events, sum(1 for ids in now.values() if ids))
    assert "nominee" not in first
    for user_id, [event] in first.items():
        data = event["data"]
        assert event["subject"] == cid and data["competition_id"] == cid
        assert sorted(o["id"] for o in data["offers"]) == sorted(now[user_id])
        assert data["assigned_offers"] == len(now[user_id])
        assert data["competition_title"]
        assert all(o["requested_amount"] == "12000.00" for o in data["offers"])
    assert first["official-0"][0]["data"]["member"] == {
        "user_id": "official-0", "name": "Urzędnik 0", "email": "urzednik0@miasto.example.pl"}
    after_first = now

    # then everything still short of two assessors: the small offers, spread evenly; the
    # large ones already have two and are left alone
    response = grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0", "official-1", "official-2"], "per_offer": 2}})
    assert response.status_code == 200, response.text
    now = assigned(grants, cid)
    load = sorted(len(now[f"official-{i}"]) for i in range(3))
    assert load == [4, 4, 4]
    for offer_id in small + large:
        assert sum(offer_id in now[f"official-{i}"] for i in range(3)) == 2
    second = told(events, len(first) + 3)
    for user_id in ("official-0", "official-1", "official-2"):
        new_to_them = set(now[user_id]) - set(after_first[user_id] or [])
        assert {o["id"] for o in second[user_id][-1]["data"]["offers"]} == new_to_them

    # nothing left to distribute: a repeated call changes nothing
    again = grants.post(url, officer, json={"distribute": {
        "user_ids": ["official-0", "official-1", "official-2"], "per_offer": 2}})
    assert again.status_code == 200 and again.json()["members"] == []
    assert assigned(grants, cid) == now

    # one member, every offer not yet assigned to them
    response = grants.post(url, officer, json={"distribute": {"user_ids": ["official-0"]}})
    assert response.status_code == 200, response.text
    assert sorted(assigned(grants, cid)["official-0"]) == sorted(small + large)
    # told once more, of only the offers new to them (the repeated call told nobody)
    last = told(events, len(first) + 4)
    assert sum(len(v) for v in last.values()) == len(first) + 4
    assert {o["id"] for o in last["official-0"][-1]["data"]["offers"]} == \
        set(small + large) - set(now["official-0"])
    assert {i: assigned(grants, cid)[i] for i in ("official-1", "official-2")} \
        == {i: now[i] for i in ("official-1", "official-2")}

    # a member scores what was assigned to them, and only that
    official = token("committee", sub="official-1")
    assert grants.post(f"{COMPETITIONS}/{cid}/committee/declaration", official,
                       json={"no_conflict_of_interest": True}).status_code == 200
    mine = now["official-1"]
    other = next(o for o in small + large if o not in mine)
    assert grants.post(f"{OFFERS}/{mine[0]}/scores", official, json=SCORES).status_code == 201
    assert_error(grants.post(f"{OFFERS}/{other}/scores", official, json=SCORES), 403,
                 "offer_not_assigned")
