"""The grants service exports the metrics infra/prometheus/metrics.yml catalogues for it."""

from __future__ import annotations

from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from grants.service import GrantsService

CATALOGUE = Path(__file__).resolve().parents[3] / "infra" / "prometheus" / "metrics.yml"


def test_every_catalogued_grants_metric_is_exported_with_its_type_and_labels(start_service):
    grants = start_service(GrantsService)
    assert grants.get("/api/v1/competitions").status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(grants.get("/metrics").text)}
    catalogued = [m for m in yaml.safe_load(CATALOGUE.read_text())["metrics"]
                  if m["services"] == ["grants"]]
    assert catalogued
    for metric in catalogued:
        family = families.get(metric["name"])
        assert family is not None, f"{metric['name']} is not exported"
        assert family.type == metric["type"]
        for sample in family.samples:
            if sample.labels.get("service") == "grants":
                assert set(sample.labels) == set(metric["labels"]), metric["name"]
