"""The throughput benchmark's test data is valid for the registry (no timing here)."""

import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from registry import domain, records
from registry.schemas import OrganizationCreateSchema
from wspolpraca.envelope import CloudEvent
from wspolpraca.testing.identifiers import regon_from

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

import throughput


def test_generated_nips_are_distinct_and_pass_the_registry_checksum():
    numbers = throughput.nips(2000, seed=42)
    assert len(set(numbers)) == 2000
    assert all(domain.validate_nip(n) == n for n in numbers)


def test_nips_skip_prefixes_whose_remainder_is_ten():
    # 10 of every 11 prefixes give a valid check digit
    numbers = throughput.nips(1000, seed=1)
    first, last = int(numbers[0][:9]), int(numbers[-1][:9])
    assert last - first + 1 > 1000


@pytest.mark.parametrize("index", [0, 1, 99_999_998, 123_456])
def test_generated_regons_are_valid(index):
    regon = regon_from(index)
    assert domain.validate_regon(regon) == regon


def test_a_registration_body_is_accepted_by_the_registry_schema_and_records():
    body = OrganizationCreateSchema().load(throughput.registration(7, throughput.nips(1, 3)[0]))
    record = records.new_organization(body, "bench", datetime.now(UTC))
    assert record["status"] == "pending"


def test_the_baseline_message_is_a_registry_event_of_realistic_size():
    raw = throughput.sample_event_body()
    event = CloudEvent.from_dict(json.loads(raw))
    assert event.type == "registry.organization.registered"
    assert 550 <= len(raw) <= 900


def test_percentiles():
    found = throughput.percentiles([float(i) for i in range(1, 101)])
    assert found["p50"] == 51.0
    assert found["max"] == 100.0
    assert throughput.percentiles([]) == {}


def test_the_similarity_bench_year_has_twins_and_consistent_offers():
    import similarity
    import suite

    batch = similarity.offers(300, seed=7)
    assert len(batch) == 300 and len({o["_id"] for o in batch}) == 300
    for offer in batch:
        assert sum(Decimal(i["amount"]) for i in offer["cost_items"]) \
            == Decimal(offer["total_cost"]) == Decimal(offer["requested_amount"])
        assert offer["task_start"] <= offer["task_end"]
    titles = [(o["organization_id"], o["title"].casefold()) for o in batch]
    assert len(set(titles)) < len(titles)  # the same project sent twice
    [row, *_] = suite._similarity({"sizes": [
        {"offers": 600, "ours_ms": 3.0, "baseline_ms": 1.5},
        {"offers": 6000, "ours_ms": 3.3, "baseline_ms": 1.5}],
        "growth": 1.1, "target_growth": 1.5})
    assert (row.ratio, row.unit) == (2.0, "ms/offer")
    assert suite._similarity({"sizes": [{"offers": 6, "ours_ms": 1, "baseline_ms": 1}],
                              "growth": 2.0, "target_growth": 1.5})[-1].verdict == "ABOVE"


def test_a_service_process_gets_its_own_database_vhost_and_port(monkeypatch):
    monkeypatch.setenv("MONGO_URI_GRANTS", "mongodb://elsewhere")
    env = throughput.service_env("grants", "mongodb://bench", "amqp://bench", 8123)
    assert (env["MONGO_URI"], env["AMQP_URI"], env["WSPOLPRACA_HTTP_PORT_GRANTS"]) == (
        "mongodb://bench", "amqp://bench", "8123")
    assert env["WSPOLPRACA_TIMERS"] == "off"
    assert "MONGO_URI_GRANTS" not in env
