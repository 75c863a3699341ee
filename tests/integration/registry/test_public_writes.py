"""Inquiries are a public form (issue 15, item 8): anyone may file one, but only the
representative of an organisation may file it in that organisation's name (else the city's
answer would go to an impostor's address), and one client address may file only so many."""

from __future__ import annotations

from bson import ObjectId
from registry_helpers import INQUIRIES_PATH, assert_error, db_state, inquiry_body

from registry.service import RegistryService


def test_an_inquiry_names_an_organisation_only_when_its_representative_files_it(
        registry, token, officer):
    org = str(ObjectId())
    before = db_state(registry.db)
    assert_error(registry.post(INQUIRIES_PATH, json=inquiry_body(organization_id=org)), 401)
    for impostor in (token("ngo", org_id=str(ObjectId())), token("ngo"), officer,
                     token("department", department="culture")):
        assert_error(registry.post(INQUIRIES_PATH, impostor,
                                   json=inquiry_body(organization_id=org)), 403, "forbidden")
    assert db_state(registry.db) == before
    filed = registry.post(INQUIRIES_PATH, token("ngo", org_id=org),
                          json=inquiry_body(organization_id=org))
    assert filed.status_code == 201, filed.text
    assert filed.json()["organization_id"] == org
    # without an organisation, anyone, signed in or not
    assert registry.post(INQUIRIES_PATH, json=inquiry_body()).status_code == 201


def test_one_client_address_files_only_so_many_inquiries(start_service, officer):
    registry = start_service(RegistryService, rate_limit_writes=2,
                             rate_limit_window_seconds=3600)
    for _ in range(2):
        assert registry.post(INQUIRIES_PATH, json=inquiry_body()).status_code == 201
    before = db_state(registry.db)
    refused = registry.post(INQUIRIES_PATH, json=inquiry_body())
    assert_error(refused, 429, "rate_limited")
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # a made-up X-Forwarded-For from a peer that is no trusted proxy changes nothing
    assert_error(registry.post(INQUIRIES_PATH, json=inquiry_body(),
                               headers={"X-Forwarded-For": "203.0.113.9"}), 429)
    assert db_state(registry.db) == before
    # the liaison office's own staff are not limited
    assert registry.post(INQUIRIES_PATH, officer, json=inquiry_body()).status_code == 201


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(start_service):
    registry = start_service(RegistryService, rate_limit_writes=1,
                             rate_limit_window_seconds=3600,
                             trusted_proxies=("127.0.0.0/8",))
    first = {"X-Forwarded-For": "203.0.113.1"}
    assert registry.post(INQUIRIES_PATH, json=inquiry_body(), headers=first).status_code == 201
    assert_error(registry.post(INQUIRIES_PATH, json=inquiry_body(), headers=first), 429)
    assert registry.post(INQUIRIES_PATH, json=inquiry_body(),
                         headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 201
