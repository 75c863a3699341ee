"""Every service's /metrics against DESIGN.md and the catalogue (infra/prometheus/metrics.yml).

Each of the five services is started (on the test SecantusDB and RabbitMQ
vhost), used a little through its API (a create, a read by id, a bad request, a 404, a health
check), and scraped. Then, per service:

- every catalogued metric it exports (shared or its own) is there, with the catalogued type and
  exactly the catalogued labels, and every `wspolpraca_*` metric it exports is catalogued;
- DESIGN.md's shared names are in the catalogue as exported by all services;
- routes are labelled by their template, never by a raw path with an id in it;
- the domain figures issue 9 asks for exist (organisations by status, competitions by state,
  offers, money awarded, inquiries open and overdue, consultations open, DLQ depth,
  notification deliveries by outcome) and count what was done.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from consultations.service import ConsultationsService
from grants.service import GrantsService
from identity.service import IdentityService
from notifications.service import NotificationsService
from registry.service import RegistryService
from reporting.service import ReportingService
from wspolpraca.testing.identifiers import fresh_nip
from wspolpraca.testing.plugin import RunningService

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "tests" / "integration" / "grants"),
                str(ROOT / "tests" / "integration" / "consultations")]
from consultations_helpers import open_consultation  # noqa: E402
from grants_helpers import adopted_programme, announced_competition  # noqa: E402

pytestmark = pytest.mark.integration

CATALOGUE_FILE = ROOT / "infra" / "prometheus" / "metrics.yml"
BUILTIN_ROUTES = {"/health/live", "/health/ready", "/metrics", "/api/v1/openapi.json", "unmatched"}
DESIGN_SHARED = {  # DESIGN.md, "Metrics": name -> labels besides `service`
    "wspolpraca_http_requests_total": {"method", "route", "status"},
    "wspolpraca_http_request_duration_seconds": {"method", "route"},
    "wspolpraca_events_published_total": {"type"},
    "wspolpraca_events_consumed_total": {"type", "outcome"},
    "wspolpraca_event_handling_duration_seconds": {"type"},
    "wspolpraca_outbox_pending": set(),
    "wspolpraca_outbox_oldest_age_seconds": set(),
}


def _catalogue() -> dict[str, dict]:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        return {metric["name"]: metric for metric in yaml.safe_load(handle)["metrics"]}


def _family_name(name: str) -> str:
    """The family name the text parser reports (counters lose their `_total`)."""
    return name.removesuffix("_total") if CATALOGUE[name]["type"] == "counter" else name


CATALOGUE = _catalogue()


# --- what each service is asked before the scrape ---------------------------------------------


@dataclass
class Scrape:
    service: str
    families: dict = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)  # ids the requests put in paths
    templated: str = ""  # a route template the requests must have produced

    def samples(self, name: str) -> list:
        family = self.families.get(_family_name(name))
        return [] if family is None else [
            s for s in family.samples if s.labels.get("service") == self.service]

    def values(self, name: str, label: str) -> dict[str, float]:
        return {s.labels[label]: s.value for s in self.samples(name)
                if not s.name.endswith("_created")}


def _registry(service: RunningService, token) -> Scrape:
    officer, ngo = token("officer"), token("ngo")
    body = {"name": "Fundacja Metryk", "legal_form": "foundation", "nip": fresh_nip(),
            "areas": ["culture"], "email": "biuro@metryki.example.pl"}
    created = service.post("/api/v1/organizations", ngo, json=body)
    assert created.status_code == 201, created.text
    organization_id = created.json()["id"]
    assert service.get(f"/api/v1/organizations/{organization_id}", officer).status_code == 200
    assert service.post(f"/api/v1/organizations/{organization_id}/verify",
                        officer).status_code == 200
    assert service.post("/api/v1/organizations", ngo, data=b"{not json",
                        headers={"Content-Type": "application/json"}).status_code == 400
    inquiry = {"subject": "Sala prób", "text": "Czy możemy korzystać z sali?", "area": "culture",
               "name": "Jan Kowalski", "email": "jan@chor.example.pl"}
    assert service.post("/api/v1/inquiries", json=inquiry).status_code == 201
    return Scrape("registry", ids=[organization_id], templated="/api/v1/organizations/<")


def _grants(service: RunningService, token) -> Scrape:
    officer = token("officer")
    programme = adopted_programme(service, officer)
    competition = announced_competition(service, officer)
    assert service.get(f"/api/v1/competitions/{competition['id']}").status_code == 200
    assert service.post("/api/v1/competitions", officer, json={"title": 1}).status_code == 422
    return Scrape("grants", ids=[programme["id"], competition["id"]],
                  templated="/api/v1/competitions/<")


def _consultations(service: RunningService, token) -> Scrape:
    officer = token("officer")
    consultation = open_consultation(service, officer)
    assert service.get(f"/api/v1/consultations/{consultation['id']}").status_code == 200
    assert service.post("/api/v1/consultations", officer, json={}).status_code == 422
    return Scrape("consultations", ids=[consultation["id"]],
                  templated="/api/v1/consultations/<")


def _notifications(service: RunningService, token) -> Scrape:
    department = token("department", department="culture")
    created = service.post("/api/v1/subscriptions", department, json={
        "channel": "webhook", "target": "https://odbiorca.example.pl/hook",
        "event_types": ["registry.inquiry.routed"]})
    assert created.status_code == 201, created.text
    subscription_id = created.json()["id"]
    assert service.get(f"/api/v1/subscriptions/{subscription_id}/deliveries",
                       department).status_code == 200
    assert service.post("/api/v1/subscriptions", department, json={}).status_code == 422
    return Scrape("notifications", ids=[subscription_id], templated="/api/v1/subscriptions/<")


def _reporting(service: RunningService, token) -> Scrape:
    officer = token("officer")
    assert service.get("/api/v1/stats/summary?year=2031", officer).status_code == 200
    assert service.get("/api/v1/reports/annual/2031?format=json", officer).status_code == 200
    assert service.get("/api/v1/stats/summary?year=abc", officer).status_code == 422
    return Scrape("reporting", ids=["2031"], templated="/api/v1/reports/annual/<")


def _identity(service: RunningService, token) -> Scrape:
    created = service.post("/api/v1/accounts", json={
        "email": "metryki@example.pl", "name": "Anna Metryczna",
        "password": "jesienne liscie nad Wisla 2026"})
    assert created.status_code == 201, created.text
    assert service.post("/api/v1/accounts", json={}).status_code == 422
    missing = "0" * 32
    assert service.post(f"/api/v1/representations/{missing}/approve",
                        token("officer")).status_code == 404
    return Scrape("identity", ids=[missing], templated="/api/v1/representations/<")


EXERCISES: dict[str, tuple[type, Callable[[RunningService, Callable], Scrape]]] = {
    "registry": (RegistryService, _registry),
    "grants": (GrantsService, _grants),
    "consultations": (ConsultationsService, _consultations),
    "notifications": (NotificationsService, _notifications),
    "reporting": (ReportingService, _reporting),
    "identity": (IdentityService, _identity),
}
SERVICES = sorted(EXERCISES)


def _scrape(start_service, token, service: str) -> Scrape:
    """Start the service, exercise it, and scrape its /metrics."""
    service_cls, exercise = EXERCISES[service]
    instance = start_service(service_cls)
    result = exercise(instance, token)
    assert instance.get("/no/such/path").status_code == 404
    assert instance.get("/health/live").status_code == 200
    instance.get("/metrics")  # so /metrics itself is counted in the next scrape
    response = instance.get("/metrics")
    assert response.status_code == 200
    # the Prometheus text format, its charset said once (a mimetype would get a second one)
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    result.families = {f.name: f for f in text_string_to_metric_families(response.text)}
    return result


def _exported_by(service: str) -> list[str]:
    return sorted(name for name, metric in CATALOGUE.items()
                  if metric["status"] == "exported" and {"all", service} & set(metric["services"]))


# --- the catalogue itself ---------------------------------------------------------------------


def test_the_catalogue_has_design_md_shared_names_for_every_service() -> None:
    for name, labels in DESIGN_SHARED.items():
        metric = CATALOGUE[name]
        assert metric["services"] == ["all"] and metric["status"] == "exported", name
        assert set(metric["labels"]) == {"service", *labels}, name


def test_nothing_is_left_planned() -> None:
    assert [n for n, m in CATALOGUE.items() if m["status"] == "planned"] == []


def test_every_catalogued_service_metric_names_a_built_service() -> None:
    for name, metric in CATALOGUE.items():
        if metric["status"] == "exported":
            assert set(metric["services"]) <= {"all", *SERVICES}, name


# --- each service's /metrics ------------------------------------------------------------------


def _type_and_labels_problems(scrape: Scrape) -> list[str]:
    problems = []
    for name in _exported_by(scrape.service):
        metric = CATALOGUE[name]
        family = scrape.families.get(_family_name(name))
        if family is None:
            problems.append(f"{name} is not exported")
            continue
        if family.type != metric["type"]:
            problems.append(f"{name} is a {family.type}, catalogued as a {metric['type']}")
        expected = set(metric["labels"])
        for sample in scrape.samples(name):
            labels = set(sample.labels)
            if metric["type"] == "histogram" and sample.name.endswith("_bucket"):
                if "le" not in labels:
                    problems.append(f"{sample.name} has no le")
                labels.discard("le")
            if labels != expected:
                problems.append(f"{sample.name}: {sorted(labels)} != {sorted(expected)}")
                break
    return problems


def _undocumented(scrape: Scrape) -> list[str]:
    documented = {_family_name(name) for name in CATALOGUE}
    # prometheus_client adds `<counter or histogram>_created` (the series' creation time).
    documented |= {_family_name(name) + "_created" for name, metric in CATALOGUE.items()
                   if metric["type"] in {"counter", "histogram"}}
    return sorted(
        name for name, family in scrape.families.items()
        if name.startswith("wspolpraca_") and name not in documented
        and any(s.labels.get("service") == scrape.service for s in family.samples))


def _check_shared_metrics_show_the_requests(scrape: Scrape) -> None:
    for name in ("wspolpraca_http_requests_total", "wspolpraca_http_request_duration_seconds",
                 "wspolpraca_outbox_pending", "wspolpraca_outbox_oldest_age_seconds"):
        assert scrape.samples(name), f"no {name} sample of {scrape.service}"
    seen = {(s.labels["method"], s.labels["route"], s.labels["status"])
            for s in scrape.samples("wspolpraca_http_requests_total")}
    assert ("GET", "unmatched", "404") in seen
    assert ("GET", "/health/live", "200") in seen
    assert any(status.startswith("4") and route.startswith("/api/v1/")
               for _, route, status in seen), seen


def _check_routes_are_templates(scrape: Scrape) -> None:
    routes = {s.labels["route"] for name in ("wspolpraca_http_requests_total",
                                             "wspolpraca_http_request_duration_seconds")
              for s in scrape.samples(name)}
    assert any(route.startswith(scrape.templated) and re.search(r"<[^>]+>", route)
               for route in routes), routes
    assert "/no/such/path" not in routes
    for route in routes:
        assert not any(identifier in route for identifier in scrape.ids), route
        assert not re.search(r"[0-9a-f]{24}|[0-9a-f-]{36}", route), route
        # identity also serves the OpenID Connect paths of DESIGN.md (other tests of this
        # process sign in through them: the registry is one per process)
        assert route in BUILTIN_ROUTES or route.startswith(
            ("/api/v1/", "/oauth2/", "/.well-known/")), route


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_of_the_service(start_service, token, service) -> None:
    """Catalogued names, types and label sets; nothing uncatalogued; routes by template; the
    domain figures."""
    scrape = _scrape(start_service, token, service)
    assert _type_and_labels_problems(scrape) == []
    assert _undocumented(scrape) == [], "add these to infra/prometheus/metrics.yml"
    _check_shared_metrics_show_the_requests(scrape)
    _check_routes_are_templates(scrape)
    DOMAIN_CHECKS[service](scrape)


# --- the domain figures of issue 9 ------------------------------------------------------------

def _registry_figures(scrape: Scrape) -> None:
    """Organisations by status, inquiries open and overdue; no consumer queues."""
    assert scrape.values("wspolpraca_registry_organizations", "status") == {"verified": 1}
    assert scrape.values("wspolpraca_registry_inquiries", "state") == {"open": 1, "overdue": 0}
    assert scrape.samples("wspolpraca_events_published_total")
    assert scrape.samples("wspolpraca_dlq_messages") == []


def _grants_figures(scrape: Scrape) -> None:
    """Competitions by state; offers and money awarded exported before there are any."""
    assert scrape.values("wspolpraca_grants_competitions", "state") == {"announced": 1}
    # no offer yet and nothing awarded: the figures are exported, with no series
    for name in ("wspolpraca_grants_offers", "wspolpraca_grants_money_awarded_pln"):
        assert _family_name(name) in scrape.families and scrape.samples(name) == []


def _consultations_figures(scrape: Scrape) -> None:
    assert scrape.values("wspolpraca_consultations_consultations", "status") == {"open": 1}


def _notifications_figures(scrape: Scrape) -> None:
    """Deliveries by channel and outcome, every series there from the start.

    The counters belong to the test process, which other tests' notifications also ran in, so
    only the series are checked here, not their values."""
    series = {(s.labels["channel"], s.labels["outcome"])
              for s in scrape.samples("wspolpraca_notification_deliveries_total")
              if s.name.endswith("_total")}
    assert series == {(channel, outcome) for channel in ("webhook", "email")
                      for outcome in ("sent", "failed", "dead")}
    assert scrape.values("wspolpraca_notifications_subscriptions", "status") == {"active": 1}


def _dlq_depth(scrape: Scrape) -> None:
    samples = scrape.samples("wspolpraca_dlq_messages")
    assert samples, f"{scrape.service} reports no DLQ depth"
    assert all(s.labels["queue"].endswith(".dlq") and s.value == 0 for s in samples)


def _reporting_figures(scrape: Scrape) -> None:
    assert scrape.samples("wspolpraca_reporting_events_logged")


def _identity_figures(scrape: Scrape) -> None:
    """Accounts and representations by status."""
    assert scrape.values("wspolpraca_identity_accounts", "status").get("unconfirmed") == 1
    assert _family_name("wspolpraca_identity_representations") in scrape.families


def _with_dlq(check: Callable[[Scrape], None]) -> Callable[[Scrape], None]:
    def both(scrape: Scrape) -> None:
        check(scrape)
        _dlq_depth(scrape)
    return both


DOMAIN_CHECKS: dict[str, Callable[[Scrape], None]] = {
    "registry": _registry_figures,
    "grants": _with_dlq(_grants_figures),
    "consultations": _with_dlq(_consultations_figures),
    "notifications": _with_dlq(_notifications_figures),
    "reporting": _with_dlq(_reporting_figures),
    "identity": _with_dlq(_identity_figures),
}
