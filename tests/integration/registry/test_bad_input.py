"""Bad input on every write endpoint is refused with the right status and error body,
and a refused request changes nothing: the database stays as it was and no event goes
out. Also: MongoDB operators never reach a query, and broken tokens are refused.

One registry serves the whole module (the requests here must not change anything, and
each test checks that they did not); the last test settles the event listener and
checks that none of the refused requests published an event.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

import jwt
import pytest
from registry_helpers import (
    DEPARTMENTS_PATH,
    INQUIRIES_PATH,
    ORGANIZATIONS_PATH,
    assert_error,
    create_department,
    db_state,
    department_body,
    file_inquiry,
    inquiry_body,
    organization_body,
    register_verified,
    wait_for_count,
)

from registry.service import RegistryService
from wspolpraca.auth import mint_token
from wspolpraca.config import DEFAULT_AUDIENCE, DEVELOPMENT_JWT_SECRET
from wspolpraca.testing.plugin import RunningService, run_service, stop_services
from wspolpraca.testing.rabbit import EventListener

DEPARTMENT = "culture_dept"


@dataclass
class World:
    registry: RunningService
    events: EventListener
    organization: dict
    inquiry: dict
    seeded_events: int


@pytest.fixture(scope="module")
def world(mongo_uri, amqp_uri):
    registry = run_service(RegistryService, mongo_uri, amqp_uri)
    events = EventListener(amqp_uri, "registry").start()
    try:
        officer = mint_token("officer-1", ["officer"])
        create_department(registry, officer, DEPARTMENT, areas=["culture"])
        organization = register_verified(registry, mint_token("ngo-1", ["ngo"]), officer)
        inquiry = file_inquiry(registry)
        assert inquiry["status"] == "routed"
        # department.created, organization.registered + verified, inquiry.received + routed
        seeded = len(wait_for_count(events, 5))
        yield World(registry, events, organization, inquiry, seeded)
    finally:
        events.stop()
        stop_services([registry], amqp_uri)


@pytest.fixture
def registry(world):
    return world.registry


@pytest.fixture
def unchanged(world):
    """After the test: the database is exactly as before and no event arrived."""
    before = db_state(world.registry.db)
    seen = len(world.events.messages)
    yield
    assert db_state(world.registry.db) == before
    assert len(world.events.messages) == seen, world.events.messages[seen:]


OFFICER = mint_token("officer-2", ["officer"])


def valid_organization():
    return organization_body(name="Fundacja Nowa", krs="98765")


# endpoint name: (method, path template, a valid body); sent with an officer's token
WRITES = {
    "register_organization": ("POST", ORGANIZATIONS_PATH, valid_organization),
    "update_organization": ("PATCH", ORGANIZATIONS_PATH + "/{org}",
                            lambda: {"name": "Fundacja Inna"}),
    "suspend_organization": ("POST", ORGANIZATIONS_PATH + "/{org}/suspend",
                             lambda: {"reason": "Brak sprawozdania"}),
    "archive_organization": ("POST", ORGANIZATIONS_PATH + "/{org}/archive",
                             lambda: {"reason": "Likwidacja"}),
    "create_department": ("POST", DEPARTMENTS_PATH, lambda: department_body("sport_dept")),
    "update_department": ("PATCH", DEPARTMENTS_PATH + "/" + DEPARTMENT,
                          lambda: {"areas": ["culture", "sport"]}),
    "file_inquiry": ("POST", INQUIRIES_PATH, inquiry_body),
    "route_inquiry": ("POST", INQUIRIES_PATH + "/{inq}/route",
                      lambda: {"department": DEPARTMENT}),
    "assign_inquiry": ("POST", INQUIRIES_PATH + "/{inq}/assign", lambda: {"assignee": "Anna"}),
    "answer_inquiry": ("POST", INQUIRIES_PATH + "/{inq}/answer", lambda: {"answer": "Tak."}),
}
BODYLESS_WRITES = {
    "verify_organization": ("POST", ORGANIZATIONS_PATH + "/{org}/verify"),
    "reinstate_organization": ("POST", ORGANIZATIONS_PATH + "/{org}/reinstate"),
    "close_inquiry": ("POST", INQUIRIES_PATH + "/{inq}/close"),
}
REQUIRED = {
    "register_organization": ("name", "legal_form", "nip", "areas", "email"),
    "suspend_organization": ("reason",),
    "archive_organization": ("reason",),
    "create_department": ("code", "name", "contact_person", "email"),
    "file_inquiry": ("subject", "text", "area", "name", "email"),
    "route_inquiry": ("department",),
    "assign_inquiry": ("assignee",),
    "answer_inquiry": ("answer",),
}
ROLES = {  # who may call each endpoint; everyone else is refused
    "register_organization": ("ngo", "officer"),
    "update_organization": ("ngo", "officer"),
    "suspend_organization": ("officer",),
    "archive_organization": ("officer",),
    "verify_organization": ("officer",),
    "reinstate_organization": ("officer",),
    "create_department": ("officer",),
    "update_department": ("officer",),
    "route_inquiry": ("officer",),
    "assign_inquiry": ("officer", "department"),
    "answer_inquiry": ("officer", "department"),
    "close_inquiry": ("officer", "department"),
}


def send(world: World, endpoint: str, body=None, *, data=None, token=OFFICER, headers=None):
    method, template, *_ = (WRITES.get(endpoint) or BODYLESS_WRITES[endpoint])
    path = template.format(org=world.organization["id"], inq=world.inquiry["id"])
    headers = {"Content-Type": "application/json", **(headers or {})}
    if body is not None:
        return world.registry.request(method, path, token, json=body, headers=headers)
    return world.registry.request(method, path, token, data=data, headers=headers)


def valid_body(endpoint: str) -> dict:
    return WRITES[endpoint][2]()


def first_string_field(endpoint: str) -> str:
    return next((k for k, v in valid_body(endpoint).items() if isinstance(v, str)), "name")


# --- the body is not a JSON object -------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", WRITES)
@pytest.mark.parametrize(
    "raw",
    [b'{"name": "Fundacja', b"{'name': 'x'}", b"{}{}", b"not json", b"\xff\xfe{}", b"",
     b"   "],
    ids=["truncated", "single-quotes", "two-objects", "text", "not-utf8", "empty", "blank"],
)
def test_malformed_json_is_400_malformed_json(world, endpoint, raw):
    assert_error(send(world, endpoint, data=raw), 400, "malformed_json")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", WRITES)
@pytest.mark.parametrize("raw", [b"[]", b'[{"name": "x"}]', b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_400(world, endpoint, raw):
    assert_error(send(world, endpoint, data=raw), 400, "malformed_json")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", ["register_organization", "file_inquiry"])
def test_deeply_nested_json_is_refused_as_a_client_error(world, endpoint):
    depth = 100_000
    raw = b'{"name": ' + b"[" * depth + b"]" * depth + b"}"
    response = send(world, endpoint, data=raw)
    assert 400 <= response.status_code < 500, response.text
    assert_error(response, response.status_code)


# --- the object's fields -------------------------------------------------------------------


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", WRITES)
def test_an_unknown_field_is_422_naming_it(world, endpoint):
    response = send(world, endpoint, {**valid_body(endpoint), "colour": "red"})
    error = assert_error(response, 422, "validation_failed", fields=("colour",))
    assert list(error["fields"]) == ["colour"]


REQUIRED_CASES = [(e, f) for e, names in REQUIRED.items() for f in names]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("endpoint", "field"), REQUIRED_CASES,
                         ids=[f"{e}-{f}" for e, f in REQUIRED_CASES])
def test_a_missing_required_field_is_422_naming_it(world, endpoint, field):
    body = valid_body(endpoint)
    del body[field]
    assert_error(send(world, endpoint, body), 422, "validation_failed", fields=(field,))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("endpoint", "field"), REQUIRED_CASES,
                         ids=[f"{e}-{f}" for e, f in REQUIRED_CASES])
def test_a_required_field_given_as_null_is_422_naming_it(world, endpoint, field):
    body = {**valid_body(endpoint), field: None}
    assert_error(send(world, endpoint, body), 422, fields=(field,))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("endpoint", "change", "field"),
    [
        # identifiers with a wrong check digit or shape
        ("register_organization", {"nip": "1234567890"}, "nip"),
        ("register_organization", {"nip": "526-025-02-75"}, "nip"),
        ("register_organization", {"nip": "0000000000"}, "nip"),
        ("register_organization", {"nip": "52602502"}, "nip"),
        ("register_organization", {"nip": "PL5260250274"}, "nip"),
        ("register_organization", {"nip": 5260250274}, "nip"),
        ("register_organization", {"regon": "123456789"}, "regon"),
        ("register_organization", {"regon": "12345678500011"}, "regon"),
        ("register_organization", {"regon": "1234567"}, "regon"),
        ("register_organization", {"krs": "12345678901"}, "krs"),
        ("register_organization", {"krs": "0000000000"}, "krs"),
        ("register_organization", {"krs": "KRS 12345"}, "krs"),
        ("update_organization", {"regon": "123456789"}, "regon"),
        ("update_organization", {"krs": "12a45"}, "krs"),
        # enums and the dictionary of areas
        ("register_organization", {"legal_form": "corporation"}, "legal_form"),
        ("register_organization", {"legal_form": "Association"}, "legal_form"),
        ("update_organization", {"legal_form": "llc"}, "legal_form"),
        ("register_organization", {"areas": ["atlantis"]}, "areas"),
        ("register_organization", {"areas": ["ecology", "ecology"]}, "areas"),
        ("register_organization", {"areas": []}, "areas"),
        ("register_organization", {"areas": "ecology"}, "areas"),
        ("update_organization", {"areas": ["ecology", "atlantis"]}, "areas"),
        ("update_organization", {"areas": []}, "areas"),
        ("create_department", {"areas": ["atlantis"]}, "areas"),
        ("update_department", {"areas": ["atlantis"]}, "areas"),
        ("file_inquiry", {"area": "atlantis"}, "area"),
        # other shapes
        ("register_organization", {"email": "not-an-email"}, "email"),
        ("register_organization", {"name": "X"}, "name"),
        ("register_organization", {"name": 42}, "name"),
        ("register_organization", {"website": "javascript:alert(1)"}, "website"),
        ("register_organization", {"address": {"street": "Piotrkowska 1",
                                               "postal_code": "90001", "city": "Łódź"}},
         "address.postal_code"),
        ("register_organization", {"representatives": [{"name": "Jan"}]},
         "representatives.0.function"),
        ("update_organization", {"email": "nope"}, "email"),
        ("create_department", {"code": "Wydział Kultury!"}, "code"),
        ("file_inquiry", {"email": "nope"}, "email"),
        ("file_inquiry", {"organization_id": "not-an-id"}, "organization_id"),
        ("file_inquiry", {"subject": ""}, "subject"),
        ("suspend_organization", {"reason": ""}, "reason"),
        ("archive_organization", {"reason": "   "}, "reason"),
        ("answer_inquiry", {"answer": "  "}, "answer"),
    ],
    ids=lambda v: "-".join(v) if isinstance(v, dict) else None,
)
def test_an_invalid_value_is_422_naming_the_field(world, endpoint, change, field):
    assert_error(send(world, endpoint, {**valid_body(endpoint), **change}), 422,
                 fields=(field,))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("endpoint", "field", "code"), [
    ("register_organization", "nip", "invalid_nip"),
    ("register_organization", "regon", "invalid_regon"),
    ("register_organization", "krs", "invalid_krs"),
])
def test_a_bad_identifier_has_its_own_error_code(world, endpoint, field, code):
    bad = {"nip": "1234567890", "regon": "123456789", "krs": "12345678901"}[field]
    assert_error(send(world, endpoint, {**valid_body(endpoint), field: bad}), 422, code,
                 fields=(field,))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("endpoint", "field"), [
    ("register_organization", "status"),
    ("register_organization", "id"),
    ("register_organization", "_id"),
    ("register_organization", "version"),
    ("register_organization", "verified_at"),
    ("update_organization", "status"),
    ("update_organization", "nip"),
    ("update_organization", "version"),
    ("update_department", "code"),
    ("file_inquiry", "status"),
    ("file_inquiry", "department"),
    ("file_inquiry", "deadline"),
    ("answer_inquiry", "status"),
])
def test_fields_the_server_owns_cannot_be_set_by_the_client(world, endpoint, field):
    body = {**valid_body(endpoint), field: "verified"}
    assert_error(send(world, endpoint, body), 422, fields=(field,))


# --- values that look like MongoDB operators -------------------------------------------------


OPERATOR_BODIES = {
    "operator-as-value": lambda body, field: {**body, field: {"$gt": ""}},
    "operator-in-list": lambda body, field: {**body, "areas": [{"$ne": None}]},
    "dollar-key-top": lambda body, field: {**body, "$where": "sleep(1000)"},
    "dollar-key-nested": lambda body, field: {**body, "address": {"$set": {"status": "x"}}},
    "dollar-key-deep": lambda body, field: {
        **body, "representatives": [{"name": "Jan", "function": "x", "$inc": {"v": 1}}]},
    "dotted-key-top": lambda body, field: {**body, "address.city": "Łódź"},
    "dotted-key-nested": lambda body, field: {**body, "x": {"status.value": "verified"}},
    "only-operator": lambda body, field: {"$set": {"status": "verified"}},
}


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", WRITES)
@pytest.mark.parametrize("shape", OPERATOR_BODIES)
def test_keys_that_look_like_mongodb_operators_are_422_and_never_reach_a_query(
        world, endpoint, shape):
    body = OPERATOR_BODIES[shape](valid_body(endpoint), first_string_field(endpoint))
    error = assert_error(send(world, endpoint, body), 422)
    assert error["fields"], error
    assert any("$" in name or "." in name for name in error["fields"]), error


@pytest.mark.usefixtures("unchanged")
def test_an_operator_in_place_of_a_name_names_the_field(world):
    body = {**valid_body("register_organization"), "name": {"$gt": ""}}
    error = assert_error(send(world, "register_organization", body), 422, "forbidden_key")
    assert list(error["fields"]) == ["name.$gt"]


# --- the query string ------------------------------------------------------------------------


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


LISTS = {"organizations": ORGANIZATIONS_PATH, "departments": DEPARTMENTS_PATH,
         "inquiries": INQUIRIES_PATH}


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("listing", LISTS)
@pytest.mark.parametrize("cursor", [
    "!!!", "not-a-cursor", b64("123"), b64('{"$gt": ""}'), b64("0" * 23 + "g"), "%00",
])
def test_a_bad_cursor_is_422(world, listing, cursor):
    response = world.registry.get(LISTS[listing], OFFICER, params={"cursor": cursor})
    assert_error(response, 422, fields=("cursor",))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("listing", "params", "field"), [
    ("organizations", {"limit": "0"}, "limit"),
    ("organizations", {"limit": "201"}, "limit"),
    ("organizations", {"limit": "ten"}, "limit"),
    ("organizations", {"status": "approved"}, "status"),
    ("organizations", {"area": "atlantis"}, "area"),
    ("organizations", {"colour": "red"}, "colour"),
    ("organizations", {"$where": "1"}, "$where"),
    ("organizations", {"q[$regex]": ".*"}, "q[$regex]"),
    ("organizations", {"status.$ne": "x"}, "status.$ne"),
    ("departments", {"area": "atlantis"}, "area"),
    ("inquiries", {"status": "lost"}, "status"),
    ("inquiries", {"overdue": "perhaps"}, "overdue"),
])
def test_a_bad_query_parameter_is_422_naming_it(world, listing, params, field):
    response = world.registry.get(LISTS[listing], OFFICER, params=params)
    assert_error(response, 422, fields=(field,))


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("q", [".*", ".", "^", "$", "[", "(", ")", "*", "+", "?", "\\", "|",
                               "{1}", "(?i)", "a{2,}", "[^x]"])
def test_regex_metacharacters_in_q_neither_fail_nor_match_everything(world, q):
    response = world.registry.get(ORGANIZATIONS_PATH, params={"q": q})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


# --- who is asking ---------------------------------------------------------------------------


def expired_token() -> str:
    return mint_token("officer-x", ["officer"], ttl_seconds=-60)


def forged(**claims) -> str:
    now = int(time.time())
    base = {"sub": "officer-x", "roles": ["officer"], "aud": DEFAULT_AUDIENCE, "iat": now,
            "exp": now + 600}
    base.update(claims)
    secret = base.pop("secret", DEVELOPMENT_JWT_SECRET)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, secret,
                      algorithm="HS256")


def unsigned() -> str:
    header = b64('{"alg":"none","typ":"JWT"}')
    claims = b64(f'{{"sub":"x","roles":["officer"],"aud":"wspolpraca",'
                 f'"exp":{int(time.time()) + 600}}}')
    return f"{header}.{claims}."


BAD_AUTHORIZATION = {
    "garbage": lambda: "Bearer not-a-jwt",
    "empty-bearer": lambda: "Bearer ",
    "basic-scheme": lambda: "Basic b2ZmaWNlcjpzZWNyZXQ=",
    "bare-token": lambda: mint_token("officer-x", ["officer"]),
    "expired": lambda: "Bearer " + expired_token(),
    "wrong-audience": lambda: "Bearer " + forged(aud="another-system"),
    "no-audience": lambda: "Bearer " + forged(aud=None),
    "no-expiry": lambda: "Bearer " + forged(exp=None),
    "no-subject": lambda: "Bearer " + forged(sub=None),
    "wrong-secret": lambda: "Bearer " + forged(secret="somebody-elses-secret-of-32-bytes!"),
    "alg-none": lambda: "Bearer " + unsigned(),
    "roles-not-a-list": lambda: "Bearer " + forged(roles="officer"),
    # claims that would reach a query as an operator or an unexpected type (issue 15, 12c)
    "org-id-an-operator": lambda: "Bearer " + forged(roles=["ngo"], org_id={"$ne": None}),
    "department-a-list": lambda: "Bearer " + forged(roles=["department"],
                                                    department=["culture", "sport"]),
    "subject-a-number": lambda: "Bearer " + forged(sub=42),
    "tampered": lambda: "Bearer " + forged()[:-3] + "abc",
}


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", ROLES)
def test_no_token_is_401_with_www_authenticate(world, endpoint):
    body = valid_body(endpoint) if endpoint in WRITES else None
    response = send(world, endpoint, body, data=None if body else b"", token=None)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("endpoint", [*ROLES, "file_inquiry"])
@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
def test_a_bad_token_is_401_even_where_none_is_needed(world, endpoint, authorization):
    body = valid_body(endpoint) if endpoint in WRITES else None
    response = send(world, endpoint, body, data=None if body else b"", token=None,
                    headers={"Authorization": BAD_AUTHORIZATION[authorization]()})
    assert_error(response, 401, "unauthorized")
    assert "WWW-Authenticate" in response.headers


WRONG_ROLES = [(e, r) for e, allowed in ROLES.items()
               for r in ("ngo", "department", "committee", "none")
               if r not in allowed]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("endpoint", "role"), WRONG_ROLES,
                         ids=[f"{e}-{r}" for e, r in WRONG_ROLES])
def test_a_role_that_may_not_act_is_403(world, endpoint, role):
    roles = [] if role == "none" else [role]
    claims = {"department": DEPARTMENT} if role == "department" else {}
    if role == "ngo":
        claims = {"org_id": world.organization["id"]}
    token = mint_token("someone", roles, **claims)
    body = valid_body(endpoint) if endpoint in WRITES else None
    response = send(world, endpoint, body, data=None if body else b"", token=token)
    assert_error(response, 403, "forbidden")


# --- and nothing went out ------------------------------------------------------------------


def test_none_of_the_refused_requests_published_an_event(world):
    settled = world.events.settle()
    assert len(settled) == world.seeded_events, [e["type"] for e in settled]
