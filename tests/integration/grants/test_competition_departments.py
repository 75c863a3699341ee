"""Every competition says which department runs it, and a department lists its own
(`?department=`); an unknown filter is refused naming the filters that exist."""

from __future__ import annotations

from grants_helpers import (
    COMPETITIONS,
    adopted_programme,
    announced_competition,
    assert_error,
    competition_body,
    create_competition,
)


def test_a_department_lists_the_competitions_it_runs(grants, officer, token, events):
    adopted_programme(grants, officer)
    sport = token("department", department="sport")
    ours = create_competition(grants, sport, area="sport", budget="10000.00")
    named = announced_competition(grants, officer, department="culture")
    office = create_competition(grants, officer)

    assert ours["department"] == "sport"  # a department drafts in its own name
    assert named["department"] == "culture"  # an officer names the department
    assert office["department"] == "liaison_office"  # none named: the office runs it

    def ids(response):
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids(grants.get(f"{COMPETITIONS}?department=sport", sport)) == [ours["id"]]
    assert ids(grants.get(f"{COMPETITIONS}?department=culture", officer)) == [named["id"]]
    assert ids(grants.get(f"{COMPETITIONS}?department=liaison_office", officer)) == [
        office["id"]]
    # the public sees the announced one, and may filter by who runs it too
    assert ids(grants.get(f"{COMPETITIONS}?department=culture")) == [named["id"]]
    assert ids(grants.get(f"{COMPETITIONS}?department=sport")) == []

    announced = events.wait_for("grants.competition.announced")[0]
    assert announced["data"]["department"] == "culture"


def test_a_competition_drafted_before_departments_were_named_is_the_offices(grants, officer):
    adopted_programme(grants, officer)
    old = create_competition(grants, officer)
    grants.db["competitions"].update_one({"_id": old["id"]}, {"$set": {"department": None}})
    assert grants.get(f"{COMPETITIONS}/{old['id']}", officer).json()["department"] == \
        "liaison_office"
    listed = grants.get(f"{COMPETITIONS}?department=liaison_office", officer).json()["items"]
    assert [c["id"] for c in listed] == [old["id"]]


def test_an_unknown_filter_is_refused_naming_the_filters_there_are(grants, officer):
    error = assert_error(grants.get(f"{COMPETITIONS}?departament=sport", officer), 422,
                         "validation_failed", ("departament",))
    for name in ("area", "department", "status", "year"):
        assert name in error["message"], error
    assert "departament" in error["message"]
    # every list says it the same way
    error = assert_error(grants.get("/api/v1/offers?competition=x", officer), 422,
                         "validation_failed", ("competition",))
    assert "competition_id" in error["fields"]["competition"][0]


def test_a_bad_department_code_is_refused(grants, officer):
    adopted_programme(grants, officer)
    assert_error(grants.get(f"{COMPETITIONS}?department=Sport!", officer), 422,
                 "validation_failed", ("department",))
    assert_error(grants.post(COMPETITIONS, officer, json=competition_body(
        department="Wydział Sportu")), 422, "validation_failed", ("department",))


def test_the_public_asking_for_unpublished_small_grants_is_refused(grants):
    for query in ("status=submitted", "publication_overdue=true"):
        assert_error(grants.get(f"/api/v1/small-grants?{query}"), 403, "forbidden")
    listed = grants.get("/api/v1/small-grants?status=published")
    assert listed.status_code == 200 and listed.json()["items"] == []
