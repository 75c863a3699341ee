"""The HTTP conventions of DESIGN.md as the registry serves them: health, metrics,
OpenAPI, JSON errors for unknown paths and methods, correlation ids."""

from __future__ import annotations

import re

import pytest
from registry_helpers import (
    INQUIRIES_PATH,
    ORGANIZATIONS_PATH,
    assert_error,
    create_department,
    db_state,
    file_inquiry,
    register,
    register_verified,
    wait_for_count,
)

from wspolpraca.testing.waiting import wait_until

# --- health ------------------------------------------------------------------------------


def test_health_live_answers_200(registry):
    response = registry.get("/health/live")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_health_ready_answers_200_with_its_checks_when_mongodb_and_rabbitmq_answer(registry):
    response = registry.get("/health/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"mongodb": "ok", "rabbitmq": "ok"}


# --- metrics -----------------------------------------------------------------------------


def metric_lines(registry, name: str) -> list[str]:
    response = registry.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return [line for line in response.text.splitlines()
            if line.startswith(name + "{") or line.startswith(name + " ")]


def test_metrics_label_requests_by_route_template_never_by_raw_id(registry, token, officer):
    organization = register(registry, token("ngo"))
    assert registry.get(f"{ORGANIZATIONS_PATH}/{organization['id']}", officer).status_code \
        == 200
    assert registry.post(f"{ORGANIZATIONS_PATH}/{organization['id']}/verify",
                         officer).status_code == 200
    assert registry.get("/api/v1/no-such-thing").status_code == 404

    lines = metric_lines(registry, "wspolpraca_http_requests_total")
    template = 'route="/api/v1/organizations/<id>"'
    assert any(template in line and 'method="GET"' in line and 'status="200"' in line
               and 'service="registry"' in line for line in lines), lines
    assert any('route="/api/v1/organizations/<id>/verify"' in line for line in lines), lines
    assert any('route="/api/v1/organizations"' in line and 'status="201"' in line
               for line in lines), lines
    everything = registry.get("/metrics").text
    assert organization["id"] not in everything
    assert "no-such-thing" not in everything


def metric_value(registry, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(float(line.rsplit(" ", 1)[1]) for line in metric_lines(registry, name)
               if all(label in line for label in wanted))


def eventually(check, timeout: float = 10.0) -> bool:
    try:
        wait_until(check, timeout=timeout)
    except AssertionError:
        return False
    return True


def test_metrics_expose_the_outbox_backlog(registry, token, events):
    register(registry, token("ngo"))
    wait_for_count(events, 1)

    assert metric_lines(registry, "wspolpraca_outbox_pending")
    assert metric_lines(registry, "wspolpraca_outbox_oldest_age_seconds")
    # published and then marked sent: nothing left waiting
    assert eventually(lambda: metric_value(registry, "wspolpraca_outbox_pending",
                                           service="registry") == 0.0)
    assert metric_lines(registry, "wspolpraca_http_request_duration_seconds_count")


def test_metrics_count_published_events_by_type(registry, token, events):
    name, labels = "wspolpraca_events_published_total", {
        "service": "registry", "type": "registry.organization.registered"}
    before = metric_value(registry, name, **labels)  # counters live as long as the process
    register(registry, token("ngo"))
    wait_for_count(events, 1)
    assert eventually(lambda: metric_value(registry, name, **labels) == before + 1)


# --- OpenAPI -----------------------------------------------------------------------------


def test_openapi_describes_the_organization_paths_with_their_request_schemas(registry):
    response = registry.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.text
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert not [p for p in paths if "<" in p]
    one = paths["/api/v1/organizations/{id}"]
    assert {"get", "patch"} <= set(one)
    assert any(p["name"] == "id" and p["in"] == "path" for p in one["patch"]["parameters"])
    patch_schema = one["patch"]["requestBody"]["content"]["application/json"]["schema"]
    update = resolve(spec, patch_schema)
    assert {"name", "areas", "email", "krs", "regon"} <= set(update["properties"])
    assert "nip" not in update["properties"]

    create = paths["/api/v1/organizations"]["post"]
    create_schema = resolve(spec, create["requestBody"]["content"]["application/json"]["schema"])
    assert {"name", "legal_form", "nip", "areas", "email"} <= set(create_schema["required"])
    assert "201" in create["responses"]
    assert {"401", "403", "422"} <= set(create["responses"])
    assert "/api/v1/organizations/{id}/verify" in paths
    assert "/api/v1/departments" in paths and "/api/v1/inquiries" in paths
    assert "Error" in spec["components"]["schemas"]


def resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]


# --- unknown paths, wrong methods --------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/nothing-here"),
    ("GET", "/api/v2/organizations"),
    ("POST", "/api/v1/organizations/abc/explode"),
    ("GET", "/"),
    ("GET", "/api/v1/organizations/abc/def/ghi"),
])
def test_an_unknown_path_is_404_json_with_an_error_code(registry, method, path):
    assert_error(registry.request(method, path), 404, "not_found")


@pytest.mark.parametrize("method, path", [
    ("DELETE", ORGANIZATIONS_PATH + "/0123456789abcdef01234567"),
    ("PUT", ORGANIZATIONS_PATH),
    ("GET", ORGANIZATIONS_PATH + "/0123456789abcdef01234567/verify"),
    ("PATCH", INQUIRIES_PATH + "/0123456789abcdef01234567"),
    ("POST", "/health/live"),
    ("DELETE", "/metrics"),
])
def test_a_wrong_method_is_405_json_naming_the_allowed_ones(registry, officer, method, path):
    response = registry.request(method, path, officer)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers.get("Allow")


def test_an_unknown_id_is_404_json(registry, officer):
    for path in (ORGANIZATIONS_PATH + "/0123456789abcdef01234567",
                 "/api/v1/departments/no_such_dept",
                 INQUIRIES_PATH + "/0123456789abcdef01234567"):
        assert_error(registry.get(path, officer), 404, "not_found")


# --- correlation and encoding ------------------------------------------------------------


def test_every_answer_carries_a_correlation_id_and_echoes_a_safe_one(registry, token):
    echoed = registry.get(ORGANIZATIONS_PATH, headers={"X-Correlation-Id": "abc-123"})
    assert echoed.headers["X-Correlation-Id"] == "abc-123"
    minted = registry.get(ORGANIZATIONS_PATH)
    assert re.fullmatch(r"[0-9a-f-]{36}", minted.headers["X-Correlation-Id"])
    unsafe = registry.get(ORGANIZATIONS_PATH,
                          headers={"X-Correlation-Id": "x" * 500})
    assert unsafe.headers["X-Correlation-Id"] != "x" * 500
    error = registry.post(ORGANIZATIONS_PATH, token("ngo"), data=b"{",
                          headers={"X-Correlation-Id": "err-1"})
    assert error.headers["X-Correlation-Id"] == "err-1"


def test_json_answers_are_utf8_and_keep_polish_letters(registry, token, officer):
    register_verified(registry, token("ngo"), officer, name="Źródło Łąk")
    response = registry.get(ORGANIZATIONS_PATH, params={"q": "zrodlo"})
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Źródło Łąk".encode() in response.content
    assert response.json()["items"][0]["name"] == "Źródło Łąk"


def test_a_created_resource_reads_back_exactly_as_the_201_returned_it(registry, token,
                                                                       officer):
    for _ in range(3):
        created = register(registry, token("ngo"))
        read = registry.get(f"{ORGANIZATIONS_PATH}/{created['id']}", officer)
        assert read.json() == created
    inquiry = file_inquiry(registry)
    assert registry.get(f"{INQUIRIES_PATH}/{inquiry['id']}", officer).json() == inquiry


# --- write endpoints that take no body ---------------------------------------------------


@pytest.mark.parametrize("endpoint", ["verify", "reinstate", "close"])
@pytest.mark.parametrize("raw", [b'{"reason": ', b'{"colour": "red"}'],
                         ids=["malformed", "unknown-field"])
def test_a_bad_body_sent_to_a_write_endpoint_that_takes_none_is_refused_too(
        registry, token, officer, events, endpoint, raw):
    create_department(registry, officer, "culture_dept", areas=["culture"])
    pending = register(registry, token("ngo"), name="Fundacja Czekająca")
    suspended = register_verified(registry, token("ngo"), officer)
    path = f"{ORGANIZATIONS_PATH}/{suspended['id']}/suspend"
    assert registry.post(path, officer, json={"reason": "Kontrola"}).status_code == 200
    inquiry = file_inquiry(registry)
    answered = registry.post(f"{INQUIRIES_PATH}/{inquiry['id']}/answer", officer,
                             json={"answer": "Tak."})
    assert answered.status_code == 200, answered.text
    # targets on which a well-formed request would succeed
    target = {"verify": f"{ORGANIZATIONS_PATH}/{pending['id']}/verify",
              "reinstate": f"{ORGANIZATIONS_PATH}/{suspended['id']}/reinstate",
              "close": f"{INQUIRIES_PATH}/{inquiry['id']}/close"}[endpoint]
    seeded = len(wait_for_count(events, 8))
    before = db_state(registry.db)

    response = registry.post(target, officer, data=raw,
                             headers={"Content-Type": "application/json"})

    assert response.status_code in (400, 422), response.text
    assert_error(response, response.status_code)
    assert db_state(registry.db) == before
    assert len(events.settle()) == seeded


def test_a_body_over_the_size_limit_is_refused_with_413_and_changes_nothing(registry, token):
    huge = {"name": "x" * (1024 * 1024 + 10), "legal_form": "foundation", "nip": "5260250274",
            "areas": ["culture"], "email": "a@b.pl"}
    response = registry.post("/api/v1/organizations", token("ngo"), json=huge)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert registry.db["organizations"].count_documents({}) == 0
    assert registry.db["outbox"].count_documents({}) == 0
