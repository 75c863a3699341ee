"""Helpers of the infrastructure tests: find promtool and nginx; the metrics PromQL reads."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = ROOT / "infra" / "prometheus"
CATALOGUE_FILE = PROMETHEUS_DIR / "metrics.yml"


def required_tool(name: str, script: str, *fallbacks: str) -> str:
    """A tool `make test` installs (with infra/scripts/<script>). Missing: a failure on CI
    (CI=true), a skip on a developer's machine."""
    found = shutil.which(name) or next((f for f in fallbacks if os.path.exists(f)), None)
    if found:
        return found
    message = f"{name} is missing (`make test` installs it: infra/scripts/{script})"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def promtool() -> str:
    return required_tool("promtool", "ensure-promtool.sh")


# --- PromQL ------------------------------------------------------------------------------------

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENTIFIER = re.compile(r"(?<![\w:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")
_NUMBER = re.compile(r"(?<![\w:])\d+(?:\.\d+)?(?:e[+-]?\d+|ms|[smhdwy])?(?![\w:])", re.IGNORECASE)
_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "and", "or", "unless", "atan2", "inf", "nan",
}
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def metric_names(query: str) -> set[str]:
    """The metric names a PromQL query selects (Grafana's `$variables` allowed in matchers)."""
    text = _STRING.sub('""', query)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana variables outside matchers
    text = _NUMBER.sub(" ", text)
    return {
        name
        for name, call in _IDENTIFIER.findall(text)
        if not call and name.lower() not in _KEYWORDS
    }


def catalogue() -> dict[str, dict]:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return {metric["name"]: metric for metric in document["metrics"]}


def catalogued_name(name: str, known: dict[str, dict]) -> str | None:
    """The catalogue entry a series name belongs to (`x_bucket` belongs to the histogram `x`)."""
    if name in known:
        return name
    for suffix in _HISTOGRAM_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and known.get(base, {}).get("type") == "histogram":
            return base
    return None


def grafana_to_promql(query: str) -> str:
    """A dashboard query with Grafana's variables replaced, so promtool can parse it."""
    query = query.replace("$__rate_interval", "5m").replace("$__interval", "1m")
    query = query.replace("$__range", "1h")
    return re.sub(r"\$\{?(\w+)(?::\w+)?\}?", ".*", query)
