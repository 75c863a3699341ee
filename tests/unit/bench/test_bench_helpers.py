"""The throughput benchmark's test data is valid for the registry (no timing here)."""

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from registry import domain, records
from registry.schemas import OrganizationCreateSchema
from wspolpraca.envelope import CloudEvent

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
    regon = throughput.regon(index)
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
