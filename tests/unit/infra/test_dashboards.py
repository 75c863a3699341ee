"""Grafana: provisioning matches docker-compose, and every dashboard query reads catalogued metrics.

The catalogue (infra/prometheus/metrics.yml) lists every metric with its type and labels; the
integration test tests/integration/shared/test_metrics_catalogue.py checks it against a running
service's /metrics. Here each panel's PromQL is parsed for the metric names and labels it uses,
and promtool parses every query (as a recording rule) to catch syntax errors.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from promql_support import (
    ROOT,
    catalogue,
    catalogued_name,
    grafana_to_promql,
    metric_names,
    promtool,
)

GRAFANA_DIR = ROOT / "infra" / "grafana"
DASHBOARDS_DIR = GRAFANA_DIR / "dashboards"
PROVISIONING_DIR = GRAFANA_DIR / "provisioning"
COMPOSE_FILE = ROOT / "docker-compose.yml"

DASHBOARD_FILES = sorted(DASHBOARDS_DIR.glob("*.json"))
DASHBOARDS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in DASHBOARD_FILES}


def _yaml(path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))  # panels inside collapsed rows
    return found


def _queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, PromQL) of every panel target and templating query."""
    queries = []
    for name, dashboard in DASHBOARDS.items():
        for panel in _panels(dashboard):
            for target in panel.get("targets", []):
                queries.append((name, panel["title"], target["expr"]))
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable.get("type") == "query":
                query = variable["query"]
                query = query["query"] if isinstance(query, dict) else query
                inner = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query)
                queries.append((name, f"${variable['name']}", inner.group(1) if inner else query))
    return queries


QUERIES = _queries()
IDS = [f"{dashboard}: {title}: {expr[:60]}" for dashboard, title, expr in QUERIES]
COMPOSE_SERVICES = _yaml(COMPOSE_FILE)["services"]


def _mount(service: str, source: str) -> str:
    for volume in COMPOSE_SERVICES[service]["volumes"]:
        parts = volume.split(":")
        if parts[0] == source:
            return parts[1]
    raise AssertionError(f"{service} does not mount {source}")


# --- provisioning ------------------------------------------------------------------------------


def test_both_dashboards_exist() -> None:
    assert {"overview", "liaison"} <= set(DASHBOARDS)


def test_grafana_is_provisioned_by_compose() -> None:
    grafana = COMPOSE_SERVICES["grafana"]
    assert grafana["image"].startswith("grafana/grafana:")
    assert _mount("grafana", "./infra/grafana/provisioning") == "/etc/grafana/provisioning"
    providers = [
        provider
        for path in (PROVISIONING_DIR / "dashboards").glob("*.yml")
        for provider in _yaml(path)["providers"]
    ]
    assert [p["options"]["path"] for p in providers] == [
        _mount("grafana", "./infra/grafana/dashboards")
    ]


def test_the_datasource_is_the_compose_prometheus() -> None:
    datasources = [
        source
        for path in (PROVISIONING_DIR / "datasources").glob("*.yml")
        for source in _yaml(path)["datasources"]
    ]
    assert len(datasources) == 1
    source = datasources[0]
    assert source["type"] == "prometheus" and source["uid"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    assert "prometheus" in COMPOSE_SERVICES
    assert any(str(port).endswith(":9090") for port in COMPOSE_SERVICES["prometheus"]["ports"])


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_dashboard_is_well_formed(name: str) -> None:
    dashboard = DASHBOARDS[name]
    assert dashboard["uid"] and dashboard["title"]
    panels = _panels(dashboard)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "prometheus"}, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            assert target["expr"].strip()
            assert target["datasource"]["uid"] == "prometheus"
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24


def test_dashboard_uids_are_unique() -> None:
    uids = [dashboard["uid"] for dashboard in DASHBOARDS.values()]
    assert len(uids) == len(set(uids))


# --- queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("dashboard", "title", "expr"), QUERIES, ids=IDS)
def test_query_reads_only_catalogued_metrics(dashboard: str, title: str, expr: str) -> None:
    known = catalogue()
    used = metric_names(expr)
    assert used, f"no metric found in {expr!r}"
    assert {name for name in used if catalogued_name(name, known) is None} == set()


@pytest.mark.parametrize(("dashboard", "title", "expr"), QUERIES, ids=IDS)
def test_query_uses_only_labels_the_metrics_have(dashboard: str, title: str, expr: str) -> None:
    known = catalogue()
    metrics = {catalogued_name(name, known) for name in metric_names(expr)}
    labels_of = {name: set(known[name]["labels"]) for name in metrics if name}
    for name, matchers in re.findall(r"([A-Za-z_:][\w:]*)\{([^}]*)\}", expr):
        base = catalogued_name(name, known)
        used = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers)) - {"le"}
        assert used <= labels_of[base], f"{name} has no label(s) {used - labels_of[base]}"
    every = set().union(*labels_of.values()) | {"le"}
    for grouping in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        grouped = {label.strip() for label in grouping.split(",") if label.strip()}
        assert grouped <= every, f"grouping by unknown label(s) {grouped - every}"


def test_every_query_parses_as_promql(tmp_path) -> None:
    """promtool parses each query as a recording rule (Grafana's variables substituted)."""
    rules = [
        {"record": f"dashboard:query_{index}", "expr": grafana_to_promql(expr)}
        for index, (_, _, expr) in enumerate(QUERIES)
    ]
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}),
                    encoding="utf-8")
    result = subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# --- coverage of the issue -----------------------------------------------------------------------

OVERVIEW_METRICS = {
    "wspolpraca_http_requests_total",
    "wspolpraca_http_request_duration_seconds",
    "wspolpraca_events_published_total",
    "wspolpraca_events_consumed_total",
    "wspolpraca_outbox_pending",
    "wspolpraca_outbox_oldest_age_seconds",
    "wspolpraca_dlq_messages",
}
LIAISON_METRICS = {
    "wspolpraca_registry_organizations",
    "wspolpraca_registry_inquiries",
    "wspolpraca_grants_competitions",
    "wspolpraca_grants_offers",
    "wspolpraca_grants_money_awarded_pln",
}


def _metrics_of(dashboard: str) -> set[str]:
    known = catalogue()
    return {
        catalogued_name(name, known)
        for name_, _, expr in QUERIES
        if name_ == dashboard
        for name in metric_names(expr)
    }


def test_overview_shows_red_events_outbox_and_dlq() -> None:
    assert OVERVIEW_METRICS <= _metrics_of("overview")
    exprs = " ".join(expr for name, _, expr in QUERIES if name == "overview")
    for quantile in ("0.5", "0.99"):
        assert f"histogram_quantile({quantile}, sum by (service, le)" in exprs
        assert f"histogram_quantile({quantile}, sum by (service, route, le)" in exprs
    assert 'status=~"5.."' in exprs


def test_liaison_board_shows_the_business_figures() -> None:
    assert LIAISON_METRICS <= _metrics_of("liaison")
    exprs = " ".join(expr for name, _, expr in QUERIES if name == "liaison")
    assert "sum by (area) (max by (area, kind) (wspolpraca_grants_money_awarded_pln))" in exprs
    assert 'wspolpraca_registry_inquiries{state="overdue"}' in exprs


# Scrape-time gauges count the service's database: every replica reports the same figure.
DATABASE_GAUGES = {
    name for name, metric in catalogue().items()
    if metric["type"] == "gauge" and name.startswith("wspolpraca_")
}


@pytest.mark.parametrize(("dashboard", "title", "expr"), QUERIES, ids=IDS)
def test_database_figures_are_not_summed_across_replicas(dashboard: str, title: str,
                                                         expr: str) -> None:
    for name in metric_names(expr) & DATABASE_GAUGES:
        summed = rf"\bsum\s*(?:(?:by|without)\s*\([^)]*\))?\s*\(\s*{name}\b"
        assert not re.search(summed, expr), \
            f"sum over {name} counts it once per replica; aggregate with max first"


# --- the catalogue itself -----------------------------------------------------------------------


def test_catalogue_entries_are_complete() -> None:
    for name, metric in catalogue().items():
        assert re.fullmatch(r"[a-z_:][a-z0-9_:]*", name)
        assert metric["type"] in {"counter", "gauge", "histogram"}, name
        assert metric["status"] in {"exported", "planned", "prometheus"}, name
        assert metric["help"].strip() and metric["services"], name
        assert (metric["type"] == "counter") == name.endswith("_total"), name
        if name.startswith("wspolpraca_"):
            assert metric["labels"][0] == "service", f"{name}: every metric carries `service`"
            assert "le" not in metric["labels"]
