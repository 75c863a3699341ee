"""An offer's draft (kept by grants, resumed by any representative on any device) and the
formal check before submission (nothing saved)."""

from __future__ import annotations

from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    adopted_programme,
    announced_competition,
    assert_error,
    offer_body,
    pass_deadline,
    verified_organization,
)


def test_a_draft_is_saved_resumed_and_gone_once_the_offer_is_submitted(
        grants, registry, officer, token):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    other_id, other = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer)
    draft = f"{COMPETITIONS}/{competition['id']}/offer-draft"

    saved = grants.put(draft, ngo, json={"organization_id": org_id,
                                         "values": {"title": "Festi", "total_cost": "12 5"}})
    assert saved.status_code == 200, saved.text
    again = grants.put(draft, ngo, json={"organization_id": org_id,
                                         "values": {"title": "Festiwal", "rows": "3"}})
    assert again.json()["values"] == {"title": "Festiwal", "rows": "3"}
    found = grants.get(draft, ngo, params={"organization_id": org_id}).json()
    assert found["values"]["title"] == "Festiwal" and found["competition_id"] == competition["id"]
    listed = grants.get("/api/v1/offers/drafts", ngo, params={"organization_id": org_id}).json()
    assert [d["competition_id"] for d in listed["items"]] == [competition["id"]]

    # another organisation's representative neither reads nor writes it
    assert grants.get(draft, other, params={"organization_id": org_id}).status_code == 403
    assert grants.put(draft, other, json={"organization_id": org_id,
                                          "values": {}}).status_code == 403
    assert grants.get(draft, other, params={"organization_id": other_id}).status_code == 404

    # submitted: the draft is gone
    response = grants.post(f"{COMPETITIONS}/{competition['id']}/offers", ngo,
                           json=offer_body(org_id))
    assert response.status_code == 201, response.text
    assert grants.get(draft, ngo, params={"organization_id": org_id}).status_code == 404

    # discarded explicitly
    grants.put(draft, ngo, json={"organization_id": org_id, "values": {"title": "x"}})
    assert grants.delete(draft, ngo, params={"organization_id": org_id}).status_code == 200
    assert grants.delete(draft, ngo, params={"organization_id": org_id}).status_code == 404

    # after the deadline no draft is saved
    pass_deadline(grants, competition["id"])
    assert_error(grants.put(draft, ngo, json={"organization_id": org_id, "values": {}}), 409,
                 "deadline_passed")


def test_a_draft_saved_meanwhile_on_another_device_is_not_overwritten(
        grants, registry, officer, token):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer)
    draft = f"{COMPETITIONS}/{competition['id']}/offer-draft"

    created = grants.put(draft, ngo, json={"organization_id": org_id,
                                           "values": {"title": "Festiwal"}})
    assert created.status_code == 200, created.text
    assert created.json()["version"] == 0
    read = grants.get(draft, ngo, params={"organization_id": org_id}).json()
    assert read["version"] == 0

    # the laptop saves from version 0: version 1
    laptop = grants.put(draft, ngo, json={"organization_id": org_id, "version": 0,
                                          "values": {"title": "Festiwal (laptop)"}})
    assert laptop.status_code == 200, laptop.text
    assert laptop.json()["version"] == 1

    # the phone, still at version 0: refused, nothing changed, the current draft told
    phone = grants.put(draft, ngo, json={"organization_id": org_id, "version": 0,
                                         "values": {"title": "Festiwal (telefon)"}})
    error = assert_error(phone, 409, "draft_changed")
    assert error["fields"] == {} and "w międzyczasie" in error["message"]
    current = error["current"]
    assert current["version"] == 1 and current["values"] == {"title": "Festiwal (laptop)"}
    stored = grants.get(draft, ngo, params={"organization_id": org_id}).json()
    assert stored["version"] == 1 and stored["values"]["title"] == "Festiwal (laptop)"

    # the phone saves again from the version it was told: it goes through
    again = grants.put(draft, ngo, json={"organization_id": org_id, "version": 1,
                                         "values": {"title": "Festiwal (telefon)"}})
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2

    # without a version, as before: replaced (and counted)
    plain = grants.put(draft, ngo, json={"organization_id": org_id, "values": {"title": "X"}})
    assert plain.status_code == 200 and plain.json()["version"] == 3

    # a version that is not a whole number is the field's 422, nothing saved
    assert_error(grants.put(draft, ngo, json={"organization_id": org_id, "version": "3",
                                              "values": {"title": "Y"}}), 422,
                 "validation_failed")
    assert grants.get(draft, ngo, params={"organization_id": org_id}).json()["version"] == 3

    # discarded meanwhile: a save from a version is told so (nothing recreated)
    assert grants.delete(draft, ngo, params={"organization_id": org_id}).status_code == 200
    gone = grants.put(draft, ngo, json={"organization_id": org_id, "version": 3,
                                        "values": {"title": "Z"}})
    assert assert_error(gone, 409, "draft_changed")["current"] is None
    assert grants.get(draft, ngo, params={"organization_id": org_id}).status_code == 404

    # two forms opened without a draft (version -1): the first save creates it, the second
    # is told of it instead of replacing it
    first = grants.put(draft, ngo, json={"organization_id": org_id, "version": -1,
                                         "values": {"title": "Z telefonu"}})
    assert first.status_code == 200 and first.json()["version"] == 0, first.text
    second = grants.put(draft, ngo, json={"organization_id": org_id, "version": -1,
                                          "values": {"title": "Z laptopa"}})
    assert assert_error(second, 409, "draft_changed")["current"]["values"] == {
        "title": "Z telefonu"}


def test_the_formal_check_before_submission_saves_nothing(grants, registry, officer, token):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer)
    check = f"{COMPETITIONS}/{competition['id']}/offers/check"

    passed = grants.post(check, ngo, json=offer_body(org_id))
    assert passed.status_code == 200, passed.text
    assert passed.json()["passed"] is True and passed.json()["checked"]
    assert_error(grants.post(check, ngo, json=offer_body(org_id, total_cost="10000.01")), 422,
                 "sums_do_not_add_up")
    assert grants.get(OFFERS, ngo, params={"organization_id": org_id}).json()["items"] == []
