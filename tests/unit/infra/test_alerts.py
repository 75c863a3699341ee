"""The Prometheus alert rules: valid, unit-tested with promtool, documented, and deployed.

`promtool` comes from Debian's prometheus package (infra/scripts/ensure-promtool.sh, run by
`make test`). Without it these tests fail on CI (CI=true) and are skipped elsewhere.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from promql_support import PROMETHEUS_DIR, ROOT, catalogue, catalogued_name, metric_names, promtool

ALERTS_FILE = PROMETHEUS_DIR / "alerts.yml"
ALERTS_TEST_FILE = PROMETHEUS_DIR / "alerts_test.yml"
PROMETHEUS_FILE = PROMETHEUS_DIR / "prometheus.yml"
COMPOSE_FILE = ROOT / "docker-compose.yml"
OPERATIONS_DOC = ROOT / "docs" / "operations.md"


def _yaml(path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


RULES = [rule for group in _yaml(ALERTS_FILE)["groups"] for rule in group["rules"]]
ALERTS = {rule["alert"]: rule for rule in RULES if "alert" in rule}
TESTS = _yaml(ALERTS_TEST_FILE)["tests"]

# What issue 9 asks the rules to cover, and the alert that does it.
REQUIRED = {
    "service down": "WspolpracaServiceDown",
    "error rate": "WspolpracaHighErrorRate",
    "p99 latency": "WspolpracaHighLatencyP99",
    "outbox backlog": "WspolpracaOutboxBacklog",
    "outbox oldest age": "WspolpracaOutboxStale",
    "consumer DLQ not empty": "WspolpracaDeadLetters",
    "webhook receiver failing": "WspolpracaWebhookDeliveriesFailing",
    "inquiries overdue piling up": "WspolpracaInquiriesOverduePilingUp",
    "reports overdue piling up": "WspolpracaTaskReportsOverduePilingUp",
}


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([promtool(), *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


def test_promtool_check_rules() -> None:
    result = _run("check", "rules", str(ALERTS_FILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    result = _run("test", "rules", str(ALERTS_TEST_FILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_config_finds_the_rules() -> None:
    result = _run("check", "config", str(PROMETHEUS_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout


def test_the_unit_tests_catch_a_broken_rule(tmp_path) -> None:
    """A rule whose threshold is wrong must make `promtool test rules` fail (the tests bite)."""
    broken = ALERTS_FILE.read_text(encoding="utf-8").replace(
        "(wspolpraca_outbox_pending) > 500", "(wspolpraca_outbox_pending) > 5000")
    assert broken != ALERTS_FILE.read_text(encoding="utf-8")
    (tmp_path / "alerts.yml").write_text(broken, encoding="utf-8")
    (tmp_path / "alerts_test.yml").write_text(
        ALERTS_TEST_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    result = _run("test", "rules", str(tmp_path / "alerts_test.yml"))
    assert result.returncode != 0
    assert "WspolpracaOutboxBacklog" in result.stdout + result.stderr


@pytest.mark.parametrize("topic", sorted(REQUIRED))
def test_issue_9_topic_has_an_alert(topic: str) -> None:
    assert REQUIRED[topic] in ALERTS


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_alert_is_tested_firing_and_silent(name: str) -> None:
    checks = [
        check
        for test in TESTS
        for check in test.get("alert_rule_test", [])
        if check["alertname"] == name
    ]
    assert any(check.get("exp_alerts") for check in checks), f"{name} is never tested firing"
    assert any(not check.get("exp_alerts") for check in checks), f"{name} is never tested silent"


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_alert_has_severity_summary_and_runbook(name: str) -> None:
    rule = ALERTS[name]
    assert rule["labels"]["severity"] in {"critical", "warning"}
    assert rule["annotations"]["summary"]
    assert rule["annotations"]["runbook"] == f"docs/operations.md#{name.lower()}"


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_runbook_has_a_section_for_the_alert(name: str) -> None:
    headings = re.findall(r"^#{2,4}\s+(\S+)\s*$", OPERATIONS_DOC.read_text(encoding="utf-8"),
                          re.MULTILINE)
    assert name in headings, f"docs/operations.md has no `### {name}` section"


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_alert_reads_only_catalogued_metrics(name: str) -> None:
    known = catalogue()
    used = metric_names(ALERTS[name]["expr"])
    assert used
    assert {metric for metric in used if catalogued_name(metric, known) is None} == set()


def test_compose_runs_prometheus_with_the_config_and_the_rules() -> None:
    prometheus = _yaml(COMPOSE_FILE)["services"]["prometheus"]
    assert prometheus["image"].startswith("prom/prometheus:")
    mounts = dict(volume.split(":")[:2] for volume in prometheus["volumes"])
    config_path = mounts["./infra/prometheus/prometheus.yml"]
    assert f"--config.file={config_path}" in prometheus["command"]
    # rule_files are resolved relative to the configuration file.
    config_dir = config_path.rsplit("/", 1)[0]
    for rule_file in _yaml(PROMETHEUS_FILE)["rule_files"]:
        assert mounts[f"./infra/prometheus/{rule_file}"] == f"{config_dir}/{rule_file}"
