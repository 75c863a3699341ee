"""Schemathesis against each service's OpenAPI (`/api/v1/openapi.json`), on the real broker and
database: for every operation, requests that fit the schema and requests that do not, sent as an
officer who is also an admin (so that the requests reach the handlers, not only the role check).

Every response must be no server error, a documented status, the documented content type, and
match the documented schema. The number of examples per operation and mode is
`FUZZ_EXAMPLES` (the test command runs a few; `make fuzz` runs many).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consultations.service import ConsultationsService
from grants.service import GrantsService
from notifications.service import NotificationsService
from registry.service import RegistryService
from reporting.service import ReportingService
from wspolpraca.auth import mint_token

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
SERVICES = [RegistryService, GrantsService, ConsultationsService, NotificationsService,
            ReportingService]


def _fuzz(operation, mode: GenerationMode, base_url: str, headers: dict) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              derandomize="FUZZ_EXAMPLES" not in os.environ,  # CI: the same cases every run
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    run()


@pytest.mark.parametrize("service_cls", SERVICES, ids=[s.name for s in SERVICES])
def test_every_operation_survives_generated_requests(start_service, service_cls) -> None:
    running = start_service(service_cls)
    schema = schemathesis.openapi.from_dict(running.get("/api/v1/openapi.json").json())
    token = mint_token("fuzz-officer", ["officer", "admin"], department="culture")
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, running.base_url, headers)
            except Unsatisfiable:  # nothing to negate (no body, no typed parameter)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all, then fail
                failures.append(f"{operation.label} [{mode.value}]: {_summary(exc)}")
    assert not failures, f"{len(failures)} failing:\n" + "\n".join(failures)


def _summary(exc: Exception) -> str:
    """What failed and how to reproduce it, without the schemas schemathesis prints."""
    lines = [line.strip() for line in str(exc).splitlines()]
    wanted = [line for line in lines if line.startswith(("- ST", "curl ", "[")) or
              "were unexpected" in line or "is not of type" in line or "is not valid" in line]
    return " | ".join(wanted[:8]) or lines[0]
