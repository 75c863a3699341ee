"""Public comments on a small grant's offer (issue 15, item 8): anyone may comment, only an
organisation's representative in its name, and one client address only so many times."""

from __future__ import annotations

from bson import ObjectId
from grants_helpers import (
    SMALL_GRANTS,
    adopted_programme,
    assert_error,
    db_state,
    published_small_grant,
    verified_organization,
)

from grants.service import GrantsService


def _published(grants, registry, token, officer) -> tuple[str, str, str]:
    org_id, ngo = verified_organization(registry, grants, token, officer)
    adopted_programme(grants, officer)
    small = published_small_grant(grants, officer, ngo, org_id, "500.00")
    return f"{SMALL_GRANTS}/{small['id']}/comments", org_id, ngo


def test_a_comment_names_an_organisation_only_when_its_representative_writes_it(
        grants, registry, token, officer):
    path, org_id, ngo = _published(grants, registry, token, officer)
    body = {"author": "Fundacja Teatr Ulicy", "text": "Popieramy.", "organization_id": org_id}
    before = db_state(grants.db)
    assert_error(grants.post(path, json=body), 401)
    for impostor in (token("ngo", org_id=str(ObjectId())), token("ngo"), officer,
                     token("committee")):
        assert_error(grants.post(path, impostor, json=body), 403, "forbidden")
    assert db_state(grants.db) == before
    written = grants.post(path, ngo, json=body)
    assert written.status_code == 201, written.text
    assert written.json()["organization_id"] == org_id
    anonymous = grants.post(path, json={"author": "Jan", "text": "Dobry pomysł"})
    assert anonymous.status_code == 201 and anonymous.json()["organization_id"] is None


def test_one_client_address_comments_only_so_many_times(
        start_service, registry, token, officer):
    grants = start_service(GrantsService, rate_limit_writes=2, rate_limit_window_seconds=3600)
    path, _, _ = _published(grants, registry, token, officer)
    for number in range(2):
        assert grants.post(path, json={"author": "Jan", "text": f"Uwaga {number}"}
                           ).status_code == 201
    refused = grants.post(path, json={"author": "Jan", "text": "Spam"})
    assert_error(refused, 429, "rate_limited")
    assert int(refused.headers["Retry-After"]) > 0
    assert grants.db["small_grant_comments"].count_documents({}) == 2
