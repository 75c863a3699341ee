"""Coordination across departments (issue #22): one organisation's similar applications to
two departments' competitions and a small grant, the similar endpoints, the formal check's
warning, and the acknowledgement that confirming results or awarding a small grant needs when
it would fund the same costs twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    SMALL_GRANTS,
    YEAR,
    assert_error,
    db_state,
)

from reporting.service import ReportingService
from wspolpraca.testing.waiting import wait_until

CAMP = dict(
    title="Letni obóz dla dzieci z Bałut", requested_amount="18000.00", total_cost="20000.00",
    own_contribution={"financial": "2000.00", "non_financial": "0.00"},
    task_start=f"{YEAR}-07-01", task_end=f"{YEAR}-08-31",
    description="Dwa turnusy obozu wypoczynkowego nad jeziorem dla dzieci z rodzin "
                "w trudnej sytuacji.",
    cost_items=[{"name": "Zakwaterowanie", "amount": "12000.00"},
                {"name": "Wyżywienie", "amount": "6000.00"},
                {"name": "Transport", "amount": "2000.00"}])
# the same camp sent to the sports department, a word changed, partly the same weeks
CAMP_AGAIN = dict(CAMP, title="LETNI OBÓZ dla dzieci z Balut", task_start=f"{YEAR}-08-01",
                  task_end=f"{YEAR}-09-15")
WORKSHOPS = dict(
    title="Warsztaty ekologiczne dla seniorów", requested_amount="4000.00",
    total_cost="4500.00", own_contribution={"financial": "500.00", "non_financial": "0.00"},
    task_start=f"{YEAR}-07-01", task_end=f"{YEAR}-10-31",
    description="Cykl spotkań o segregacji odpadów i ogrodach społecznych.",
    cost_items=[{"name": "Materiały", "amount": "1500.00"},
                {"name": "Honoraria prowadzących", "amount": "3000.00"}])


def test_similar_applications_across_departments_and_the_acknowledged_double_funding(
        grants, start_service, officer, token, events, given):
    """The done-when test of issue #22: grants, registry and reporting as services on the
    real broker and database."""
    reporting = start_service(ReportingService)
    org_id, ngo = given.organization(areas=("culture", "sport"))
    other_id, other_ngo = given.organization(areas=("culture", "sport"))
    given.programme()
    culture = given.competition(department="culture",
                                title="Wypoczynek letni dzieci")
    sport = given.competition(department="sport", area="sport",
                              budget="40000.00", title="Aktywne wakacje")
    camp = given.offer(ngo, culture["id"], org_id, **CAMP)
    workshops = given.offer(ngo, culture["id"], org_id, **WORKSHOPS)
    # another organisation's identical camp is not this organisation's double funding
    stranger = given.offer(other_ngo, sport["id"], other_id, **CAMP)
    assert camp["warnings"] == [] and stranger["warnings"] == []
    again = given.offer(ngo, sport["id"], org_id, **CAMP_AGAIN)

    # the formal check warns (never rejects) on the later application
    assert again["status"] == "submitted"
    [warning] = again["warnings"]
    assert warning.startswith("possible_double_funding:") and camp["id"] in warning
    assert "wydział culture" in warning  # the matched offer's department, named
    # the response's warnings (from the submission's transaction) are what is stored
    assert grants.get(f"{OFFERS}/{again['id']}", officer).json()["warnings"] == [warning]

    # the similar endpoint: only the near-identical one, with its reasons, in both directions
    culture_desk = token("department", department="culture")
    sport_desk = token("department", department="sport")
    response = grants.get(f"{OFFERS}/{again['id']}/similar", sport_desk)
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert {k: item[k] for k in ("kind", "id", "competition_id", "department",
                                 "organization_id", "title", "task_start", "task_end",
                                 "status")} == {
        "kind": "offer", "id": camp["id"], "competition_id": culture["id"],
        "department": "culture", "organization_id": org_id, "title": CAMP["title"],
        "task_start": CAMP["task_start"], "task_end": CAMP["task_end"],
        "status": "submitted"}
    assert item["score"] >= 90
    assert {"ten sam tytuł", "pokrywające się terminy",
            "te same pozycje kosztorysu: 3 z 3"} <= set(item["reasons"])
    items = grants.get(f"{OFFERS}/{camp['id']}/similar", officer).json()["items"]
    assert [(i["id"], i["department"]) for i in items] == [(again["id"], "sport")]
    assert grants.get(f"{OFFERS}/{workshops['id']}/similar", officer).json()["items"] == []
    # the competition's page reads every offer's similar applications in one call
    response = grants.get(f"{COMPETITIONS}/{culture['id']}/similar", culture_desk)
    assert response.status_code == 200, response.text
    [(offer_id, [listed])] = [(i["offer_id"], i["similar"]) for i in response.json()["items"]]
    assert (offer_id, listed["id"], listed["department"]) == (camp["id"], again["id"], "sport")
    assert "pokrywające się terminy" in listed["reasons"]
    assert_error(grants.get(f"{COMPETITIONS}/{culture['id']}/similar", sport_desk), 403)
    assert_error(grants.get(f"{COMPETITIONS}/{culture['id']}/similar", ngo), 403)
    assert_error(grants.get(f"{COMPETITIONS}/{'0' * 24}/similar", officer), 404)
    # the committee sees the warning on the offer
    assert grants.get(f"{OFFERS}/{camp['id']}", officer).json()["warnings"]

    # who may ask: the officer and the department running the competition; others 403
    assert_error(grants.get(f"{OFFERS}/{camp['id']}/similar", sport_desk), 403)
    assert grants.get(f"{OFFERS}/{camp['id']}/similar", culture_desk).status_code == 200
    assert_error(grants.get(f"{OFFERS}/{camp['id']}/similar", ngo), 403)
    assert_error(grants.get(f"{OFFERS}/{camp['id']}/similar", token("committee")), 403)
    assert_error(grants.get(f"{OFFERS}/{camp['id']}/similar"), 401)
    assert_error(grants.get(f"{OFFERS}/{'0' * 24}/similar", officer), 404)

    # a small grant for the same camp is found too
    small = given.small_grant(ngo, org_id, amount="9000.00", **{
        "title": CAMP["title"], "task_start": f"{YEAR}-07-01", "task_end": f"{YEAR}-08-31",
        "own_contribution": {"financial": "3000.00", "non_financial": "0.00"},
        "total_cost": "12000.00", "cost_items": [CAMP["cost_items"][0]]})
    found = grants.get(f"{SMALL_GRANTS}/{small['id']}/similar", officer).json()["items"]
    assert {i["id"] for i in found} == {camp["id"], again["id"]}
    [warning] = small["warnings"]
    assert camp["id"] in warning and again["id"] in warning
    assert all(i["kind"] == "offer" for i in found)
    assert_error(grants.get(f"{SMALL_GRANTS}/{small['id']}/similar", culture_desk), 403)
    assert small["id"] in {i["id"] for i in grants.get(
        f"{OFFERS}/{camp['id']}/similar", officer).json()["items"]}

    # culture funds the camp first: nothing else is funded, no acknowledgement needed
    given.under_evaluation(culture["id"])
    # the committee member reads the offer with its warning (the similar lists stay the
    # office's and the running department's)
    member = token("committee", sub="official-1")
    [seen] = grants.get(f"{OFFERS}/{camp['id']}", member).json()["warnings"]
    assert again["id"] in seen and "pokrywające się terminy" in seen
    assert_error(grants.get(f"{OFFERS}/{camp['id']}/similar", member), 403)
    response = grants.post(f"{COMPETITIONS}/{culture['id']}/results", officer, json={"awards": [
        {"offer_id": camp["id"], "amount": "18000.00"},
        {"offer_id": workshops["id"], "amount": "4000.00"}]})
    assert response.status_code == 200, response.text

    # sport would fund the same costs again: 422 naming the overlap, nothing changed
    given.under_evaluation(sport["id"])
    awards = [{"offer_id": again["id"], "amount": "18000.00"},
              {"offer_id": stranger["id"], "amount": "18000.00"}]
    before = db_state(grants.db)
    error = assert_error(grants.post(f"{COMPETITIONS}/{sport['id']}/results", officer,
                                     json={"awards": awards}),
                         422, "double_funding_not_acknowledged", ("acknowledged_overlaps",))
    [named] = error["fields"]["acknowledged_overlaps"]
    assert again["id"] in named and camp["id"] in named and "wydział culture" in named
    assert db_state(grants.db) == before
    assert_error(grants.post(f"{COMPETITIONS}/{sport['id']}/results", officer, json={
        "awards": awards, "acknowledged_overlaps": [{"offer_id": again["id"]}]}), 422)

    reason = "Drugi turnus w innym terminie; koszty rozdzielone między wydziały."
    response = grants.post(f"{COMPETITIONS}/{sport['id']}/results", officer, json={
        "awards": awards,
        "acknowledged_overlaps": [{"offer_id": again["id"], "reason": reason}]})
    assert response.status_code == 200, response.text
    acknowledged = grants.get(f"{OFFERS}/{again['id']}", officer).json()[
        "double_funding_acknowledgement"]
    assert acknowledged["reason"] == reason
    assert [o["id"] for o in acknowledged["overlaps"]] == [camp["id"]]

    confirmed = [e for e in events.wait_for("grants.results.confirmed", 2)
                 if e["subject"] == sport["id"]]
    [event] = confirmed
    assert event["data"]["department"] == "sport"
    [recorded] = event["data"]["acknowledged_overlaps"]
    assert recorded["offer_id"] == again["id"] and recorded["reason"] == reason
    assert recorded["overlaps"][0]["id"] == camp["id"]
    assert "pokrywające się terminy" in recorded["overlaps"][0]["reasons"]
    announced = events.wait_for("grants.competition.announced", 2)
    assert {e["data"]["department"] for e in announced} == {"culture", "sport"}

    # reporting: the organisation's history and the departments' overview show both
    def history(who=officer) -> dict:
        response = reporting.get(f"/api/v1/stats/organizations/{org_id}", who)
        assert response.status_code == 200, response.text
        return response.json()

    wait_until(lambda: sum(e["status"] == "funded" for e in history()["history"]
                           if e["form"] == "offer") == 3, what="the three awards in the history")
    full = history()
    assert full["departments"] == ["culture", "sport"]
    [totals] = full["years"]
    assert (totals["year"], totals["offers"], totals["offers_funded"], totals["awarded"],
            totals["small_grants"]) == (YEAR, 3, 3, "40000.00", 1)
    assert history(ngo)["scope"] == "full"
    public = history(None)
    assert public["scope"] == "public"
    assert {e["form"] for e in public["history"]} == {"offer"}  # the small grant is unpublished
    assert history(other_ngo)["scope"] == "public"

    response = reporting.get(f"/api/v1/stats/departments?year={YEAR}", officer)
    assert response.status_code == 200, response.text
    rows = {r["department"]: r for r in response.json()["departments"]}
    assert rows["culture"]["competitions"] == 1 and rows["sport"]["competitions"] == 1
    assert rows["sport"]["awarded"] == "36000.00"
    [shared] = rows["sport"]["shared_organizations"]
    assert shared["organization_id"] == org_id
    assert [(o["department"], o["funded"]) for o in shared["also_with"]] == [
        ("culture", 2), (None, 0)]
    assert [s["organization_id"] for s in rows["culture"]["shared_organizations"]] == [org_id]
    assert_error(reporting.get(f"/api/v1/stats/departments?year={YEAR}", sport_desk), 403)
    assert_error(reporting.get(f"/api/v1/stats/departments?year={YEAR}"), 401)


def test_an_amended_offer_is_compared_again(grants, officer, token, given):
    org_id, ngo = given.organization()
    given.programme()
    first = given.competition()
    second = given.competition()
    camp = given.offer(ngo, first["id"], org_id, **CAMP)
    other = given.offer(ngo, second["id"], org_id, **WORKSHOPS)
    assert grants.get(f"{OFFERS}/{camp['id']}/similar", officer).json()["items"] == []

    body = {k: v for k, v in CAMP.items()}
    response = grants.patch(f"{OFFERS}/{other['id']}", ngo, json=body)
    assert response.status_code == 200, response.text
    [warning] = response.json()["warnings"]
    assert camp["id"] in warning
    assert [i["id"] for i in grants.get(f"{OFFERS}/{camp['id']}/similar",
                                        officer).json()["items"]] == [other["id"]]
    response = grants.patch(f"{OFFERS}/{other['id']}", ngo, json=WORKSHOPS)
    assert response.status_code == 200, response.text
    assert response.json()["warnings"] == []
    assert grants.get(f"{OFFERS}/{camp['id']}/similar", officer).json()["items"] == []


def test_two_similar_offers_arriving_at_once_see_each_other(grants, officer, token, given):
    org_id, ngo = given.organization()
    given.programme()
    first = given.competition()
    second = given.competition()

    def submit(competition_id):
        return grants.post(f"{COMPETITIONS}/{competition_id}/offers", ngo,
                           json={"organization_id": org_id, **CAMP})

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(submit, [first["id"], second["id"]]))
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    a, b = (r.json()["id"] for r in responses)
    assert [i["id"] for i in grants.get(f"{OFFERS}/{a}/similar", officer).json()["items"]] \
        == [b]
    assert [i["id"] for i in grants.get(f"{OFFERS}/{b}/similar", officer).json()["items"]] \
        == [a]


def test_a_small_grant_funding_the_same_costs_as_an_award_needs_an_acknowledgement(
        grants, officer, token, events, given):
    """Art. 19a: a small grant for the camp a department funds already asks for the
    officer's reason (422 naming the award otherwise), recorded on the small grant and in
    `grants.small_grant.awarded`; an unrelated small grant is awarded as before."""
    org_id, ngo = given.organization()
    given.programme()
    culture = given.competition(department="culture")
    camp = given.offer(ngo, culture["id"], org_id, **CAMP)
    given.under_evaluation(culture["id"])
    response = grants.post(f"{COMPETITIONS}/{culture['id']}/results", officer, json={
        "awards": [{"offer_id": camp["id"], "amount": CAMP["requested_amount"]}]})
    assert response.status_code == 200, response.text

    # the same camp's lodging, asked for again without a competition
    twin = given.published_small_grant(ngo, org_id, amount="9000.00", **{
        "title": CAMP["title"], "task_start": f"{YEAR}-07-01", "task_end": f"{YEAR}-08-31",
        "own_contribution": {"financial": "3000.00", "non_financial": "0.00"},
        "total_cost": "12000.00", "cost_items": [CAMP["cost_items"][0]]})
    unrelated = given.published_small_grant(ngo, org_id, amount="4000.00")
    given.publication_passed(twin["id"])
    given.publication_passed(unrelated["id"])

    award = f"{SMALL_GRANTS}/{twin['id']}/award"
    before = db_state(grants.db)
    error = assert_error(grants.post(award, officer), 422, "double_funding_not_acknowledged",
                         ("double_funding_reason",))
    [named] = error["fields"]["double_funding_reason"]
    assert twin["id"] in named and camp["id"] in named and "wydział culture" in named
    assert "te same pozycje kosztorysu" in named
    assert_error(grants.post(award, officer, json={"double_funding_reason": "  "}), 422)
    assert_error(grants.post(award, officer, json={"reason": "x"}), 422)  # unknown field
    assert db_state(grants.db) == before

    reason = "Obóz trwa dłużej: mała dotacja pokrywa zakwaterowanie drugiego turnusu."
    response = grants.post(award, officer, json={"double_funding_reason": reason})
    assert response.status_code == 200, response.text
    awarded = response.json()
    assert awarded["status"] == "awarded"
    acknowledged = awarded["double_funding_acknowledgement"]
    assert acknowledged["reason"] == reason
    assert [o["id"] for o in acknowledged["overlaps"]] == [camp["id"]]
    # the office's record: the public reads the awarded small grant without it
    public = grants.get(f"{SMALL_GRANTS}/{twin['id']}")
    assert public.status_code == 200 and "double_funding_acknowledgement" not in public.json()
    listed = grants.get(f"{SMALL_GRANTS}?organization_id={org_id}").json()["items"]
    assert all("double_funding_acknowledgement" not in i for i in listed)
    assert grants.get(f"{SMALL_GRANTS}/{twin['id']}", ngo).json()[
        "double_funding_acknowledgement"]["reason"] == reason

    # an unrelated small grant needs no body, and records no acknowledgement
    response = grants.post(f"{SMALL_GRANTS}/{unrelated['id']}/award", officer)
    assert response.status_code == 200, response.text
    assert response.json().get("double_funding_acknowledgement") is None

    # the OpenAPI says the award's body may be left out
    spec = grants.get("/api/v1/openapi.json").json()
    body = spec["paths"]["/api/v1/small-grants/{id}/award"]["post"]["requestBody"]
    assert body["required"] is False

    by_subject = {e["subject"]: e["data"]
                  for e in events.wait_for("grants.small_grant.awarded", 2)}
    [recorded] = by_subject[twin["id"]]["acknowledged_overlaps"]
    assert (recorded["small_grant_id"], recorded["organization_id"], recorded["reason"]) == (
        twin["id"], org_id, reason)
    [overlap] = recorded["overlaps"]
    assert (overlap["kind"], overlap["id"]) == ("offer", camp["id"])
    assert "pokrywające się terminy" in overlap["reasons"]
    assert by_subject[unrelated["id"]]["acknowledged_overlaps"] == []
