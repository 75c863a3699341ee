"""Every competition says which department runs it, and a department lists its own
(`?department=`); an unknown filter is refused naming the filters that exist."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

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


def test_the_demos_competitions_say_which_department_runs_them(grants, officer, monkeypatch):
    """Issue 23: `make demo`'s competitions carry their department (none is null), and a
    department finds its own with `?department=`."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
    import demo

    monkeypatch.setattr(demo, "GRANTS", grants.base_url)
    monkeypatch.setattr(demo, "OFFICER", officer)
    year = date.today().year + 1  # as `make demo` plans: next year's programme
    programme = demo.adopt(demo.programme(year))
    made = demo.competitions(year, programme, [])
    assert len(made) == len(demo.COMPETITIONS)
    codes = {code for code, *_ in demo.DEPARTMENTS}
    listed = grants.get(f"{COMPETITIONS}?year={year}", officer).json()["items"]
    assert sorted(c["department"] for c in listed) == sorted(
        demo.department_for(area) for _, area, *_ in demo.COMPETITIONS)
    assert {c["department"] for c in listed} <= codes
    sport = token_free_list(grants, "sport")
    assert [c["title"] for c in sport] == ["Zajęcia sportowe dla dzieci i młodzieży"]


def token_free_list(grants, department: str) -> list[dict]:
    """What anyone (a department's system too) reads of the announced competitions."""
    answer = grants.get(f"{COMPETITIONS}?department={department}")
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]
