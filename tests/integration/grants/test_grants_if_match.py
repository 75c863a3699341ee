"""Issue #18, "a conflict is explained, not lost": a draft programme and an offer answer GET
with their version as ETag and take If-Match on PATCH; a stale one answers 412 `stale` and
changes nothing (wspolpraca.conditional, checked by the shared repository)."""

from __future__ import annotations

from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    PROGRAMMES,
    adopted_programme,
    announced_competition,
    assert_error,
    db_state,
    offer_body,
    programme_body,
    submit_offer,
    verified_organization,
)


def stale(response) -> None:
    assert response.status_code == 412, response.text
    assert response.json() == {"error": {"code": "stale", "message": response.json()["error"][
        "message"], "fields": {}}}
    assert "w międzyczasie" in response.json()["error"]["message"]


def test_a_programme_edit_from_a_stale_version_is_412_and_changes_nothing(grants, officer):
    programme = grants.post(PROGRAMMES, officer, json=programme_body()).json()
    url = f"{PROGRAMMES}/{programme['id']}"
    read = grants.get(url, officer)
    tag = read.headers["ETag"]
    assert tag == f'"{read.json()["version"]}"'

    first = grants.patch(url, officer, json={"title": "Pierwsza zmiana"},
                         headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] != tag
    assert grants.get(url, officer).headers["ETag"] == first.headers["ETag"]

    before = db_state(grants.db)
    second = grants.patch(url, officer, json={"title": "Druga zmiana"},
                          headers={"If-Match": tag})
    stale(second)
    assert second.headers["ETag"] == first.headers["ETag"]   # the current one, to read again
    assert db_state(grants.db) == before
    assert grants.get(url, officer).json()["title"] == "Pierwsza zmiana"

    # from the current version it goes through; `*` and a list with it match too
    again = grants.patch(url, officer, json={"title": "Druga zmiana"},
                         headers={"If-Match": f'"999", {first.headers["ETag"]}'})
    assert again.status_code == 200, again.text
    assert grants.patch(url, officer, json={"title": "Trzecia"},
                        headers={"If-Match": "*"}).status_code == 200
    # without If-Match as before: the last write wins
    assert grants.patch(url, officer, json={"title": "Czwarta"}).status_code == 200
    # a weak tag never matches; a header that is no list of tags is refused
    stale(grants.patch(url, officer, json={"title": "Piąta"},
                       headers={"If-Match": f"W/{grants.get(url, officer).headers['ETag']}"}))
    assert_error(grants.patch(url, officer, json={"title": "Piąta"},
                              headers={"If-Match": "3"}), 400, "malformed_if_match",
                 ("If-Match",))
    assert grants.get(url, officer).json()["title"] == "Czwarta"


def test_a_status_change_also_honours_if_match(grants, officer):
    programme = grants.post(PROGRAMMES, officer, json=programme_body()).json()
    url = f"{PROGRAMMES}/{programme['id']}"
    tag = grants.get(url, officer).headers["ETag"]
    grants.patch(url, officer, json={"title": "Zmieniony"})
    before = db_state(grants.db)
    stale(grants.post(f"{url}/consult", officer, headers={"If-Match": tag}))
    assert db_state(grants.db) == before


def test_an_offer_amended_from_a_stale_version_is_412_and_changes_nothing(
        grants, registry, officer, token):
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer)
    assert grants.get(f"{COMPETITIONS}/{competition['id']}").headers["ETag"].strip('"').isdigit()
    offer = submit_offer(grants, ngo, competition["id"], org_id)
    url = f"{OFFERS}/{offer['id']}"
    tag = grants.get(url, ngo).headers["ETag"]
    amended = offer_body(org_id, requested_amount="8000.00", total_cost="9000.00",
                         cost_items=[{"name": "Scena", "amount": "9000.00"}])
    del amended["organization_id"]

    first = grants.patch(url, ngo, json=amended, headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    before = db_state(grants.db)
    stale(grants.patch(url, ngo, json={**amended, "requested_amount": "7000.00",
                                       "total_cost": "9000.00"}, headers={"If-Match": tag}))
    assert db_state(grants.db) == before
    assert grants.get(url, ngo).json()["requested_amount"] == "8000.00"


def test_a_funds_move_changes_the_programmes_etag_so_an_earlier_if_match_is_stale(
        grants, officer):
    """Committing and releasing the programme's funds (partial `$inc` updates) bump its
    version like any other change: an ETag read before the funds moved is stale after."""
    programme = adopted_programme(grants, officer)
    url = f"{PROGRAMMES}/{programme['id']}"
    read = grants.get(url, officer)
    tag = read.headers["ETag"]

    competition = announced_competition(grants, officer)       # commits 100 000 of culture
    committed = grants.get(url, officer)
    culture = next(f for f in committed.json()["funds"] if f["area"] == "culture")
    assert culture["committed"] == "100000.00"
    assert committed.json()["version"] == read.json()["version"] + 1
    assert committed.headers["ETag"] == f'"{committed.json()["version"]}"' != tag
    before = db_state(grants.db)
    stale(grants.post(f"{url}/consult", officer, headers={"If-Match": tag}))
    assert db_state(grants.db) == before

    cancelled = grants.post(f"{COMPETITIONS}/{competition['id']}/cancel", officer,
                            json={"reason": "Zmiana planów"})
    assert cancelled.status_code == 200, cancelled.text                # releases the funds
    released = grants.get(url, officer)
    assert released.json()["version"] == committed.json()["version"] + 1
    assert released.headers["ETag"] != committed.headers["ETag"]
    stale(grants.post(f"{url}/consult", officer,
                      headers={"If-Match": committed.headers["ETag"]}))


def test_if_match_on_an_offer_draft_is_about_the_draft_not_the_competition_in_the_path(
        grants, registry, officer, token):
    """`/competitions/<id>/offer-draft` answers the draft's version as ETag; If-Match sent
    back there is about that draft. (It was held to the competition named in the path: a
    current draft tag was refused, or another's version let a stale save through.)"""
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    competition = announced_competition(grants, officer)
    competition_tag = grants.get(f"{COMPETITIONS}/{competition['id']}").headers["ETag"]
    draft = f"{COMPETITIONS}/{competition['id']}/offer-draft"
    body = {"organization_id": org_id, "values": {"title": "Festiwal"}}
    for _ in range(5):   # the draft's version moves past the competition's
        grants.put(draft, ngo, json=body)
    read = grants.get(draft, ngo, params={"organization_id": org_id})
    tag = read.headers["ETag"]
    assert tag == f'"{read.json()["version"]}"' != competition_tag

    saved = grants.put(draft, ngo, json={**body, "values": {"title": "Nowy"}},
                       headers={"If-Match": tag})
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] != tag
    before = db_state(grants.db)
    for stale_tag in (tag, competition_tag):   # neither the draft's old tag nor another's
        stale(grants.put(draft, ngo, json={**body, "values": {"title": "Stary"}},
                         headers={"If-Match": stale_tag}))
        stale(grants.delete(draft, ngo, params={"organization_id": org_id},
                            headers={"If-Match": stale_tag}))
    assert db_state(grants.db) == before
    assert grants.delete(draft, ngo, params={"organization_id": org_id},
                         headers={"If-Match": saved.headers["ETag"]}).status_code == 200
    # no draft: a tag names nothing there
    stale(grants.put(draft, ngo, json=body, headers={"If-Match": saved.headers["ETag"]}))
