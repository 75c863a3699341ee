"""The metric catalogue (infra/prometheus/metrics.yml) against a running service's /metrics.

The registry is started, used a little (a create, a read by id, an error, a 404, a health check),
and scraped. Every catalogued metric it exports, shared or its own, must be there with the
catalogued type and exactly the catalogued labels; every `wspolpraca_*` metric it exports must be
catalogued; and routes are labelled by their template, never by a raw path.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from registry.service import RegistryService

pytestmark = pytest.mark.integration

CATALOGUE_FILE = Path(__file__).resolve().parents[3] / "infra" / "prometheus" / "metrics.yml"
SERVICE = "registry"
BUILTIN_ROUTES = {"/health/live", "/health/ready", "/metrics", "/api/v1/openapi.json", "unmatched"}
_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_seeds = itertools.count(310_000_001)


def _fresh_nip() -> str:
    while True:
        digits = f"{next(_seeds):09d}"
        check = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
        if check != 10:
            return digits + str(check)


def _catalogue() -> dict[str, dict]:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return {metric["name"]: metric for metric in yaml.safe_load(handle)["metrics"]}


def _family_name(metric: dict) -> str:
    """The family name the text parser reports (counters lose their `_total`)."""
    name = metric["name"]
    return name.removesuffix("_total") if metric["type"] == "counter" else name


@pytest.fixture
def scraped(start_service, token):
    registry = start_service(RegistryService)
    officer = token("officer")
    ngo = token("ngo")

    body = {"name": "Fundacja Metryk", "legal_form": "foundation", "nip": _fresh_nip(),
            "areas": ["culture"], "email": "biuro@metryki.example.pl"}
    created = registry.post("/api/v1/organizations", ngo, json=body)
    assert created.status_code == 201, created.text
    organization_id = created.json()["id"]
    assert registry.get(f"/api/v1/organizations/{organization_id}", officer).status_code == 200
    assert registry.post(f"/api/v1/organizations/{organization_id}/verify",
                         officer).status_code == 200
    assert registry.post("/api/v1/organizations", ngo, data=b"{not json",
                         headers={"Content-Type": "application/json"}).status_code == 400
    inquiry = {"subject": "Sala prób", "text": "Czy możemy korzystać z sali?", "area": "culture",
               "name": "Jan Kowalski", "email": "jan@chor.example.pl"}
    assert registry.post("/api/v1/inquiries", json=inquiry).status_code == 201
    assert registry.get("/no/such/path").status_code == 404
    assert registry.get("/health/live").status_code == 200
    registry.get("/metrics")  # so /metrics itself is counted in the next scrape

    response = registry.get("/metrics")
    assert response.status_code == 200
    # the Prometheus text format, its charset said once (a mimetype would get a second one)
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = {family.name: family for family in text_string_to_metric_families(response.text)}
    return families, organization_id


def _ours(family) -> list:
    return [sample for sample in family.samples if sample.labels.get("service") == SERVICE]


def _exported_here(metric: dict) -> bool:
    return metric["status"] == "exported" and bool({"all", SERVICE} & set(metric["services"]))


CATALOGUE = _catalogue()
CHECKED = sorted(name for name, metric in CATALOGUE.items() if _exported_here(metric))


def test_the_registry_has_catalogued_metrics_to_check() -> None:
    assert {"wspolpraca_http_requests_total", "wspolpraca_registry_organizations"} <= set(CHECKED)


@pytest.mark.parametrize("name", CHECKED)
def test_catalogued_metric_is_exported_with_its_type_and_labels(scraped, name: str) -> None:
    families, _ = scraped
    metric = CATALOGUE[name]
    family = families.get(_family_name(metric))
    assert family is not None, f"{name} is not in the registry's /metrics"
    assert family.type == metric["type"]
    samples = _ours(family)
    expected = set(metric["labels"])
    for sample in samples:
        labels = set(sample.labels)
        if metric["type"] == "histogram" and sample.name.endswith("_bucket"):
            assert "le" in labels
            labels.discard("le")
        assert labels == expected, f"{sample.name}: {sorted(labels)} != {sorted(expected)}"


# Metrics the requests above must have produced a sample of.
PRODUCED = [
    "wspolpraca_http_requests_total",
    "wspolpraca_http_request_duration_seconds",
    "wspolpraca_events_published_total",
    "wspolpraca_outbox_pending",
    "wspolpraca_outbox_oldest_age_seconds",
    "wspolpraca_registry_organizations",
    "wspolpraca_registry_inquiries",
]


@pytest.mark.parametrize("name", PRODUCED)
def test_used_metric_has_samples(scraped, name: str) -> None:
    families, _ = scraped
    assert _ours(families[_family_name(CATALOGUE[name])]), f"no {name} sample of {SERVICE}"


def test_every_exported_wspolpraca_metric_is_catalogued(scraped) -> None:
    families, _ = scraped
    documented = {_family_name(metric) for metric in CATALOGUE.values()}
    # prometheus_client adds `<counter or histogram>_created` (the series' creation time).
    documented |= {_family_name(metric) + "_created" for metric in CATALOGUE.values()
                   if metric["type"] in {"counter", "histogram"}}
    undocumented = sorted(
        name for name, family in families.items()
        if name.startswith("wspolpraca_") and _ours(family) and name not in documented
    )
    assert undocumented == [], "add these to infra/prometheus/metrics.yml"


def test_routes_are_labelled_by_template(scraped) -> None:
    families, organization_id = scraped
    routes = {sample.labels["route"] for sample in _ours(families["wspolpraca_http_requests"])}
    assert "/api/v1/organizations" in routes
    templated = [route for route in routes if re.search(r"<[^>]+>", route)]
    assert any(route.startswith("/api/v1/organizations/<") for route in templated), routes
    assert "unmatched" in routes and "/no/such/path" not in routes
    for route in routes:
        assert organization_id not in route
        assert route in BUILTIN_ROUTES or route.startswith("/api/v1/"), route


def test_statuses_and_methods_are_what_was_asked(scraped) -> None:
    families, _ = scraped
    seen = {(sample.labels["method"], sample.labels["route"], sample.labels["status"])
            for sample in _ours(families["wspolpraca_http_requests"])}
    assert ("POST", "/api/v1/organizations", "201") in seen
    assert ("POST", "/api/v1/organizations", "400") in seen
    assert ("GET", "unmatched", "404") in seen


def test_domain_figures_count_what_was_done(scraped) -> None:
    families, _ = scraped
    organizations = {sample.labels["status"]: sample.value
                     for sample in _ours(families["wspolpraca_registry_organizations"])}
    assert organizations.get("verified") == 1
    inquiries = {sample.labels["state"]: sample.value
                 for sample in _ours(families["wspolpraca_registry_inquiries"])}
    assert inquiries == {"open": 1, "overdue": 0}
