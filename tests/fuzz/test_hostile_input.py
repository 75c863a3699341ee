"""Hostile input on every operation of every service, found from its OpenAPI: MongoDB operators
in place of every body field and query parameter, bodies over the size limit, JSON nested
thousands deep, bytes that are not UTF-8, and bodies that are not JSON at all.

Each is refused with the documented error (a JSON body with a code, a message and, where one
field is at fault, that field) and changes nothing: after all of them the service's database
holds exactly what it held before. The requests carry a token with every role, so that they
get past the role checks to the parsing and validation they are here to test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from consultations.service import ConsultationsService
from grants.service import GrantsService
from notifications.service import NotificationsService
from registry.service import RegistryService
from reporting.service import ReportingService
from wspolpraca.auth import ROLES, mint_token
from wspolpraca.leases import LOCKS
from wspolpraca.testing.plugin import RunningService, run_service, stop_services

pytestmark = pytest.mark.integration

SERVICES = {cls.name: cls for cls in (RegistryService, GrantsService, ConsultationsService,
                                      NotificationsService, ReportingService)}
UNKNOWN_ID = "665f1c2a9b1e8a00000000ff"
OPERATORS = ({"$gt": ""}, {"$ne": None}, {"$where": "sleep(1000)"}, {"$regex": ".*"})
TOKEN = mint_token("fuzz-everyone", list(ROLES), org_id=UNKNOWN_ID, department="culture")
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module", params=sorted(SERVICES))
def service(request, mongo_uri, amqp_uri) -> Iterator[RunningService]:
    running = run_service(SERVICES[request.param], mongo_uri, amqp_uri)
    try:
        yield running
    finally:
        stop_services([running], amqp_uri)


def _operations(service: RunningService) -> Iterator[tuple[str, str, dict, dict]]:
    """(method, concrete path, operation, spec) of every operation."""
    spec = service.get("/api/v1/openapi.json").json()
    for template, operations in spec["paths"].items():
        path = (template.replace("{dataset}.{fmt}", "organizations.json")
                .replace("{year}", "2026").replace("{code}", "culture"))
        while "{" in path:
            start = path.index("{")
            path = path[:start] + UNKNOWN_ID + path[path.index("}", start) + 1:]
        for method, operation in operations.items():
            yield method.upper(), path, operation, spec


def _body_schema(operation: dict, spec: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    return _resolved(content["schema"], spec)


def _resolved(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _snapshot(service: RunningService) -> dict[str, list]:
    """Every collection but the relay's lease, which its holder renews while it runs."""
    db = service.db
    return {name: sorted(map(repr, db[name].find())) for name in db.list_collection_names()
            if name != LOCKS}


def _is_error(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    error = response.json()["error"]
    assert error["code"] and error["message"], error
    return error


def _names(error: dict, field: str) -> bool:
    """The error is about `field` (or a key inside it: `title.$gt`)."""
    return any(key == field or key.startswith(f"{field}.") for key in error.get("fields", {}))


@pytest.fixture
def unchanged(service):
    before = _snapshot(service)
    yield
    assert _snapshot(service) == before, "a refused request changed the database"


def test_an_operator_in_place_of_any_body_field_is_refused_naming_it(service, unchanged):
    tried = 0
    for method, path, operation, spec in _operations(service):
        schema = _body_schema(operation, spec)
        if schema is None:
            continue
        for field in schema.get("properties", {}):
            for operator in OPERATORS:
                response = service.request(method, path, TOKEN, json={field: operator})
                # 422 when the body is checked, 403/404 where what the path names is checked
                # first (by a role on it, or its existence), never a success
                error = _is_error(response, 403, 404, 409, 422)
                if response.status_code == 422:
                    assert _names(error, field), (method, path, field, error)
                tried += 1
    # reporting only reads; every other service has bodies with fields
    assert tried or service.settings.service == "reporting"


def test_an_operator_in_a_query_parameter_is_taken_as_text_or_refused(service, unchanged):
    for method, path, operation, _spec in _operations(service):
        if method != "GET":
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            name = parameter["name"]
            for value in ('{"$ne": null}', "[$ne]", ".*"):
                response = service.get(path, TOKEN, params={name: value})
                assert response.status_code < 500, (path, name, value, response.text[:300])
            bracketed = service.get(path, TOKEN, params={f"{name}[$ne]": "x"})
            error = _is_error(bracketed, 403, 404, 422)
            if bracketed.status_code == 422:
                assert _names(error, f"{name}[$ne]"), (path, error)


def _writes(service: RunningService) -> Iterator[tuple[str, str]]:
    for method, path, _operation, _spec in _operations(service):
        if method in ("POST", "PUT", "PATCH"):
            yield method, path


def test_a_body_over_the_limit_is_413(service, unchanged):
    limit = service.settings.max_body_bytes
    for method, path in _writes(service):
        response = service.request(method, path, TOKEN, data=b'{"x": "' + b"a" * limit + b'"}',
                                   headers={"Content-Type": "application/json"})
        if response.status_code in (401, 403):
            continue  # refused before the body is read, as it should be
        assert _is_error(response, 413)["code"] == "payload_too_large", (method, path)


def test_json_nested_thousands_deep_is_400(service, unchanged):
    deep = b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for method, path in _writes(service):
        response = service.request(method, path, TOKEN, data=deep,
                                   headers={"Content-Type": "application/json"})
        _is_error(response, 400, 403, 404, 422)


def test_bytes_that_are_not_utf8_are_400(service, unchanged):
    for method, path in _writes(service):
        for raw in (b'{"name": "\xff\xfe"}', b'{"name": "\xc3\x28"}', b"\xed\xa0\x80"):
            response = service.request(method, path, TOKEN, data=raw,
                                       headers={"Content-Type": "application/json"})
            error = _is_error(response, 400, 403, 404)
            if response.status_code == 400:
                assert error["code"] == "malformed_json", (method, path, error)


def test_a_body_that_is_not_json_is_415(service, unchanged):
    for method, path, operation, spec in _operations(service):
        if _body_schema(operation, spec) is None:
            continue
        for content_type, raw in (("text/plain", b"name=x"),
                                  ("application/x-www-form-urlencoded", b"name=x"),
                                  ("application/xml", b"<name>x</name>")):
            response = service.request(method, path, TOKEN, data=raw,
                                       headers={"Content-Type": content_type})
            error = _is_error(response, 403, 404, 415)
            if response.status_code == 415:
                assert error["code"] == "unsupported_media_type"


def test_a_json_value_that_only_looks_like_a_number_is_refused(service, unchanged):
    """NaN, Infinity and numbers too big for any field: standard JSON has none of them."""
    for method, path, operation, spec in _operations(service):
        if _body_schema(operation, spec) is None:
            continue
        for raw in (b'{"amount": NaN}', b'{"amount": Infinity}', b'{"amount": 1e999999}',
                    json.dumps({"amount": 10 ** 400}).encode()):
            response = service.request(method, path, TOKEN, data=raw,
                                       headers={"Content-Type": "application/json"})
            _is_error(response, 400, 403, 404, 422)
