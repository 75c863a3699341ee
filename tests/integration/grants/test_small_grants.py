"""Small grants without a competition (art. 19a): limits, 7 days of publication with public
comments, the yearly caps exactly at and one grosz over, and racing awards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from grants_helpers import (
    PROGRAMMES,
    SMALL_GRANTS,
    adopted_programme,
    assert_error,
    awarded_small_grant,
    db_state,
    pass_publication,
    published_small_grant,
    small_grant_body,
    submit_small_grant,
    verified_organization,
)


def test_the_life_of_a_small_grant_from_submission_to_award(
        grants, registry, officer, token, events):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    programme = adopted_programme(grants, officer)
    small = submit_small_grant(grants, ngo, org_id, "10000.00", days=90)
    assert small["status"] == "submitted" and small["year"] == programme["year"]
    assert events.wait_for("grants.small_grant.submitted")[0]["data"][
        "requested_amount"] == "10000.00"
    # not public until published
    assert_error(grants.get(f"{SMALL_GRANTS}/{small['id']}"), 404)
    assert_error(grants.post(f"{SMALL_GRANTS}/{small['id']}/comments",
                             json={"author": "Jan", "text": "Świetny pomysł"}), 404)

    response = grants.post(f"{SMALL_GRANTS}/{small['id']}/publish", officer)
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert response.json()["comments_until"]
    assert events.wait_for("grants.small_grant.published")[0]["subject"] == small["id"]

    # anyone comments during the 7 days, without a token (a change of the small grant: its
    # comment count, so its version and ETag move too)
    published = int(grants.get(f"{SMALL_GRANTS}/{small['id']}").headers["ETag"].strip('"'))
    response = grants.post(f"{SMALL_GRANTS}/{small['id']}/comments",
                           json={"author": "Jan Mieszkaniec", "text": "Świetny pomysł"})
    assert response.status_code == 201, response.text
    assert events.wait_for("grants.small_grant.commented")[0]["data"]["small_grant_id"] == \
        small["id"]
    public = grants.get(f"{SMALL_GRANTS}/{small['id']}").json()
    assert public["comments_count"] == 1
    assert grants.get(f"{SMALL_GRANTS}/{small['id']}").headers["ETag"] == f'"{published + 1}"'
    assert [c["text"] for c in grants.get(
        f"{SMALL_GRANTS}/{small['id']}/comments").json()["items"]] == ["Świetny pomysł"]
    assert [s["id"] for s in grants.get(SMALL_GRANTS).json()["items"]] == [small["id"]]

    # no decision within the 7 days
    assert_error(grants.post(f"{SMALL_GRANTS}/{small['id']}/award", officer), 409,
                 "publication_not_over")
    pass_publication(grants, small["id"])
    assert_error(grants.post(f"{SMALL_GRANTS}/{small['id']}/comments",
                             json={"author": "Jan", "text": "Za późno"}), 409,
                 "comments_closed")
    assert_error(grants.post(f"{SMALL_GRANTS}/{small['id']}/award", ngo), 403)
    response = grants.post(f"{SMALL_GRANTS}/{small['id']}/award", officer)
    assert response.status_code == 200 and response.json()["status"] == "awarded"
    awarded = events.wait_for("grants.small_grant.awarded")[0]["data"]
    assert awarded["awarded_amount"] == "10000.00"
    culture = grants.get(f"{PROGRAMMES}/{programme['id']}", officer).json()["funds"][0]
    assert culture["committed"] == "10000.00"
    assert_error(grants.post(f"{SMALL_GRANTS}/{small['id']}/award", officer), 409)


def test_a_small_grant_may_be_refused_with_a_reason(grants, registry, officer, token, events):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    small = published_small_grant(grants, officer, ngo, org_id, "500.00")
    assert_error(grants.post(f"{SMALL_GRANTS}/{small['id']}/refuse", officer,
                             json={"reason": "Za wcześnie"}), 409, "publication_not_over")
    pass_publication(grants, small["id"])
    response = grants.post(f"{SMALL_GRANTS}/{small['id']}/refuse", officer,
                           json={"reason": "Zadanie nie mieści się w programie."})
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert events.wait_for("grants.small_grant.refused")[0]["data"]["reason"] == \
        "Zadanie nie mieści się w programie."


def test_the_limits_of_art_19a_ust_1_exactly_at_and_just_over(
        grants, registry, officer, token, events):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    events.wait_for("grants.programme.adopted")
    before = db_state(grants.db)
    assert_error(grants.post(SMALL_GRANTS, ngo, json=small_grant_body(org_id, "10000.01")),
                 422, "small_grant_too_large", ("requested_amount",))
    assert_error(grants.post(SMALL_GRANTS, ngo, json=small_grant_body(org_id, days=91)),
                 422, "small_grant_too_long", ("task_end",))
    assert_error(grants.post(SMALL_GRANTS, ngo, json=small_grant_body(
        org_id, requested_amount=10000.0)), 422, "validation_failed", ("requested_amount",))
    assert_error(grants.post(SMALL_GRANTS, ngo, json=small_grant_body(org_id, area="health")),
                 422, "organization_not_eligible")
    assert db_state(grants.db) == before
    assert len(events.settle()) == 2  # drafted, adopted
    submit_small_grant(grants, ngo, org_id, "10000.00", days=90)


def test_an_organisation_reaches_exactly_20000_pln_a_year_and_not_one_grosz_more(
        grants, registry, officer, token):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    awarded_small_grant(grants, officer, ngo, org_id, "10000.00")
    awarded_small_grant(grants, officer, ngo, org_id, "5000.00")
    assert_error(grants.post(SMALL_GRANTS, ngo, json=small_grant_body(org_id, "5000.01")),
                 422, "organization_small_grant_cap", ("requested_amount",))
    # submitted while under the cap, awarded later only if it still fits
    fits = published_small_grant(grants, officer, ngo, org_id, "5000.00")
    also = published_small_grant(grants, officer, ngo, org_id, "0.01")
    pass_publication(grants, fits["id"])
    pass_publication(grants, also["id"])
    assert grants.post(f"{SMALL_GRANTS}/{fits['id']}/award", officer).status_code == 200
    before = db_state(grants.db)
    assert_error(grants.post(f"{SMALL_GRANTS}/{also['id']}/award", officer), 422,
                 "organization_small_grant_cap")
    assert db_state(grants.db) == before
    assert grants.db["small_grant_totals"].find_one(
        {"_id": {"$regex": "^organization:"}})["awarded_grosze"] == 2_000_000


def test_the_city_gives_exactly_20_percent_of_its_grant_funds_and_not_one_grosz_more(
        grants, registry, officer, token):
    # 100,000.00 of yearly grant funds: small grants may take 20,000.00
    adopted_programme(grants, officer, funds=[{"area": "culture", "amount": "60000.00"},
                                              {"area": "sport", "amount": "40000.00"}])
    first_id, first = verified_organization(registry, grants, token, officer)
    second_id, second = verified_organization(registry, grants, token, officer)
    third_id, third = verified_organization(registry, grants, token, officer)
    awarded_small_grant(grants, officer, first, first_id, "10000.00")
    awarded_small_grant(grants, officer, second, second_id, "5000.00")
    assert_error(grants.post(SMALL_GRANTS, third, json=small_grant_body(third_id, "5000.01")),
                 422, "city_small_grant_cap", ("requested_amount",))
    awarded_small_grant(grants, officer, third, third_id, "5000.00")
    assert grants.db["small_grant_totals"].find_one({"_id": {"$regex": "^city:"}})[
        "awarded_grosze"] == 2_000_000


def test_two_officers_awarding_the_last_funds_at_once_cannot_both_succeed(
        grants, registry, officer, token, events):
    adopted_programme(grants, officer, funds=[{"area": "culture", "amount": "10000.00"},
                                              {"area": "sport", "amount": "90000.00"}])
    first_id, first = verified_organization(registry, grants, token, officer)
    second_id, second = verified_organization(registry, grants, token, officer)
    a = published_small_grant(grants, officer, first, first_id, "6000.00")
    b = published_small_grant(grants, officer, second, second_id, "6000.00")
    pass_publication(grants, a["id"])
    pass_publication(grants, b["id"])

    def award(pair):
        small, who = pair
        return grants.post(f"{SMALL_GRANTS}/{small['id']}/award", who)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(award, [(a, officer), (b, token("officer"))]))
    assert sorted(r.status_code for r in responses) == [200, 422], [r.text for r in responses]
    refused = next(r for r in responses if r.status_code == 422).json()["error"]
    assert refused["code"] == "insufficient_programme_funds"
    programme = grants.db["programmes"].find_one({})
    assert programme["funds"][0]["committed_grosze"] == 600_000
    assert grants.db["small_grant_totals"].find_one({"_id": {"$regex": "^city:"}})[
        "awarded_grosze"] == 600_000
    events.wait_for("grants.small_grant.awarded")
    events.settle()
    assert len(events.of_type("grants.small_grant.awarded")) == 1


def test_offers_the_city_has_not_published_within_7_working_days_are_listed_as_overdue(
        grants, registry, officer, token):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    late = submit_small_grant(grants, ngo, org_id, "5000.00", days=30)
    on_time = submit_small_grant(grants, ngo, org_id, "5000.00", days=30)
    assert late["publication_due_on"] and late["published_late"] is None
    grants.db["small_grants"].update_one({"_id": late["id"]},
                                         {"$set": {"publication_due_on": "2020-01-02"}})
    overdue = grants.get(SMALL_GRANTS, officer, params={"publication_overdue": "true"}).json()
    assert [item["id"] for item in overdue["items"]] == [late["id"]]
    published = grants.post(f"{SMALL_GRANTS}/{late['id']}/publish", officer).json()
    assert published["published_late"] is True
    assert grants.post(f"{SMALL_GRANTS}/{on_time['id']}/publish",
                       officer).json()["published_late"] is False
    assert grants.get(SMALL_GRANTS, officer,
                      params={"publication_overdue": "true"}).json()["items"] == []
