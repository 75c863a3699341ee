"""Identity with the domain services: representation of a registry organisation, the
representative's identity-issued token submitting an offer to grants, a department's system
reading its competitions by client credentials, key rotation, and tokens of another key,
audience or issuer refused."""

from __future__ import annotations

import time

import jwt
import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from cryptography.hazmat.primitives.asymmetric import rsa
from grants_helpers import adopted_programme, announced_competition, offer_body
from identity_helpers import active_account, sign_in, web_client

from grants.service import GrantsService
from registry.service import RegistryService
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.waiting import wait_until


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def city(start_service, identity, relying):
    registry = start_service(RegistryService, **relying)
    grants = start_service(GrantsService, **relying)
    return registry, grants


def verified_organization(registry, grants, identity, token) -> str:
    response = registry.post("/api/v1/organizations", token("ngo"), json={
        "name": "Fundacja Zielone Podwórka", "legal_form": "foundation", "nip": fresh_nip(),
        "areas": ["culture"], "email": "biuro@podworka.example.pl"})
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    assert registry.post(f"/api/v1/organizations/{org_id}/verify",
                         token("officer")).status_code == 200
    for service in (grants, identity):
        wait_until(lambda s=service: (s.db["organizations"].find_one({"_id": org_id}) or {})
                   .get("status") == "verified", what=f"{service.settings.service} sees it")
    return org_id


def test_a_representative_submits_an_offer_with_an_identity_token(city, identity, admin_token,
                                                                  token, listen):
    registry, grants = city
    events = listen("identity")
    org_id = verified_organization(registry, grants, identity, token)
    client = web_client(identity, admin_token)
    person = active_account(identity, name="Ewa Kowalska")
    signed = sign_in(identity, client, person["email"], scope="openid offline_access")
    access = signed.token["access_token"]
    assert "org_id" not in claims_of(access)

    asked = identity.post("/api/v1/representations", access,
                          json={"organization_id": org_id})
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "requested"
    assert identity.post("/api/v1/representations", access,
                         json={"organization_id": org_id}).status_code == 409
    # the person may not grant it to themselves
    assert identity.post(f"/api/v1/representations/{asked.json()['id']}/approve",
                         access).status_code == 403

    officer = sign_in(identity, client, active_account(identity, roles=["officer"])["email"])
    granted = identity.post(f"/api/v1/representations/{asked.json()['id']}/approve",
                            officer.token["access_token"])
    assert granted.status_code == 200, granted.text
    assert granted.json()["status"] == "granted"
    event = events.wait_for("identity.representation.granted", timeout=30)[0]
    assert event["data"]["organization_id"] == org_id

    # the next token carries org_id (a refresh, as the portal would)
    refreshed = signed.session.refresh_token(identity.url("/oauth2/token"),
                                             refresh_token=signed.token["refresh_token"])
    claims = claims_of(refreshed["access_token"])
    assert claims["org_id"] == org_id and claims["roles"] == ["ngo"]

    staff = token("officer")
    adopted_programme(grants, staff)
    competition = announced_competition(grants, staff)
    offer = grants.post(f"/api/v1/competitions/{competition['id']}/offers",
                        refreshed["access_token"], json=offer_body(org_id))
    assert offer.status_code == 201, offer.text

    # withdrawn: the next token no longer acts for the organisation
    assert identity.post(f"/api/v1/representations/{asked.json()['id']}/withdraw",
                         refreshed["access_token"]).status_code == 200
    after = signed.session.refresh_token(identity.url("/oauth2/token"),
                                         refresh_token=refreshed["refresh_token"])
    assert "org_id" not in claims_of(after["access_token"])
    events.wait_for("identity.representation.revoked", timeout=30)


def test_a_department_system_reads_its_competitions_by_client_credentials(city, identity,
                                                                          admin_token):
    _registry, grants = city
    created = identity.post("/api/v1/clients", admin_token, json={
        "name": "System Wydziału Kultury", "kind": "department", "department": "kultura"})
    client = created.json()
    session = OAuth2Session(client["client_id"], client["client_secret"])
    token = session.fetch_token(identity.url("/oauth2/token"), grant_type="client_credentials")
    answer = grants.get("/api/v1/competitions", token["access_token"])
    assert answer.status_code == 200, answer.text
    with pytest.raises(OAuthError):
        OAuth2Session(client["client_id"], "wrong").fetch_token(
            identity.url("/oauth2/token"), grant_type="client_credentials")


def forged(claims: dict, key, kid: str) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_tokens_of_another_key_audience_or_issuer_are_refused(city, identity, admin_token):
    registry, grants = city
    client = web_client(identity, admin_token)
    officer = active_account(identity, roles=["officer"])
    good = sign_in(identity, client, officer["email"]).token["access_token"]
    claims = claims_of(good)
    kid = jwt.get_unverified_header(good)["kid"]
    path = "/api/v1/organizations?status=pending"
    assert registry.get(path, good).status_code == 200
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for what, forgery in {"another key": forged(claims, other_key, kid),
                          "an unknown kid": forged(claims, other_key, "no-such-kid")}.items():
        assert registry.get(path, forgery).status_code == 401, what
        assert grants.get("/api/v1/competitions?status=draft", forgery).status_code == 401
        assert identity.get("/api/v1/accounts/me", forgery).status_code == 401, what
    # identity's own key with another audience or issuer, or expired (signed here with the
    # stored key, as only identity could)
    from identity.keys import KeyRing

    key = KeyRing(b"wspolpraca-identity-development-passphrase").ensure(identity.db)
    pem = key.private.as_pem(private=True)
    now = int(time.time())
    for what, changed in {"audience": {"aud": "another-api"},
                          "issuer": {"iss": "https://elsewhere.example"},
                          "expiry": {"exp": now - 60, "iat": now - 700}}.items():
        token = jwt.encode({**claims, **changed}, pem, algorithm="RS256",
                           headers={"kid": key.kid})
        assert registry.get(path, token).status_code == 401, what
        assert grants.get("/api/v1/competitions?status=draft", token).status_code == 401
        assert identity.get("/api/v1/accounts/me", token).status_code == 401, what
    assert grants.get("/api/v1/competitions?status=draft", good).status_code == 200


def test_keys_rotate_with_two_published_during_the_rollover(city, identity, admin_token):
    registry, _grants = city
    client = web_client(identity, admin_token)
    officer = active_account(identity, roles=["officer"])
    before = sign_in(identity, client, officer["email"]).token["access_token"]
    assert len(identity.get("/oauth2/jwks").json()["keys"]) == 1
    rotated = identity.post("/oauth2/jwks/rotate", admin_token)
    assert rotated.status_code == 200, rotated.text
    assert len(rotated.json()["keys"]) == 2
    after = sign_in(identity, client, officer["email"]).token["access_token"]
    assert jwt.get_unverified_header(after)["kid"] != jwt.get_unverified_header(before)["kid"]
    path = "/api/v1/organizations?status=pending"
    assert registry.get(path, before).status_code == 200   # the retiring key still verifies
    assert registry.get(path, after).status_code == 200    # the new kid is fetched
    identity.post("/oauth2/jwks/rotate", admin_token)
    keys = identity.get("/oauth2/jwks").json()["keys"]
    assert jwt.get_unverified_header(before)["kid"] not in [k["kid"] for k in keys]
    # its key is no longer published: refused once the registry's cached key set expires
    wait_until(lambda: registry.get(path, before).status_code == 401, timeout=30,
               what="the registry to drop the retired key")
    assert registry.get(path, after).status_code == 200


def test_a_request_refused_with_a_reason_then_asked_again(identity, token, listen):
    events = listen("identity")
    org_id = "abcdef0123456789abcdef01"
    identity.db["organizations"].insert_one({"_id": org_id, "name": "Klub Sportowy Orzeł",
                                             "status": "verified"})
    person = active_account(identity)
    mine = token(sub=person["_id"])
    asked = identity.post("/api/v1/representations", mine, json={"organization_id": org_id})
    assert asked.status_code == 201, asked.text
    path = f"/api/v1/representations/{asked.json()['id']}"
    assert identity.post(f"{path}/refuse", token("officer"), json={}).status_code == 422
    refused = identity.post(f"{path}/refuse", token("officer"),
                            json={"reason": "Brak pełnomocnictwa zarządu."})
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    assert identity.post(f"{path}/approve", token("officer")).status_code == 409
    [event] = events.wait_for("identity.representation.refused", timeout=30)
    assert event["data"]["reason"] == "Brak pełnomocnictwa zarządu."
    # a refused request is closed: the person may ask again
    assert identity.post("/api/v1/representations", mine,
                         json={"organization_id": org_id}).status_code == 201
    assert identity.post("/api/v1/representations", mine,
                         json={"organization_id": "f" * 24}).status_code == 422
