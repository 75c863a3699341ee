import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from wspolpraca.testing.contract import (
    Catalogue,
    load_catalogue,
    service_suites_in_session,
)
from wspolpraca.testing.event_examples import CatalogueExamples
from wspolpraca.testing.plugin import run_service, stop_services
from wspolpraca.testing.sync import wait_outboxes_drained

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_PATH = ROOT / "infra" / "asyncapi" / "asyncapi.yaml"

# What `own_events` makes the services publish when the contract tests run alone.
OWN_EVENT_TYPES = frozenset({
    "registry.department.created", "registry.organization.registered",
    "registry.organization.verified", "registry.organization.suspended",
    "registry.organization.reinstated", "registry.inquiry.received", "registry.inquiry.routed",
    "grants.programme.drafted", "grants.programme.adopted",
    "grants.competition.announced", "consultations.consultation.opened",
    "consultations.council.created",
})


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_PATH)


def pytest_generate_tests(metafunc) -> None:
    if metafunc.cls is not None and issubclass(metafunc.cls, CatalogueExamples):
        metafunc.cls.parametrize(metafunc)


def _import_helpers(*suites: str) -> None:
    """The integration suites' helper modules (imported there as top-level modules)."""
    for suite in suites:
        folder = str(ROOT / "tests" / "integration" / suite)
        if folder not in sys.path:
            sys.path.insert(0, folder)


@pytest.fixture(scope="session")
def own_events(request, mongo_client, mongo_uri, amqp_uri, token) -> Iterator[frozenset[str]]:
    """What the contract tests make the services publish themselves. When no service's
    integration suite runs in this session (the contract tests alone, say), the registry, grants
    and consultations are started here and driven through their APIs with the integration
    tests' helpers, so that the checks of what services publish always have something to
    check: `OWN_EVENT_TYPES` then; nothing when the integration suites made the events."""
    if service_suites_in_session(request.session):
        yield frozenset()
        return
    _import_helpers("registry", "grants", "consultations")
    from consultations_helpers import create_council, open_consultation
    from grants_helpers import adopted_programme, announced_competition, verified_organization
    from registry_helpers import create_department, file_inquiry

    from consultations.service import ConsultationsService
    from grants.service import GrantsService
    from registry.service import RegistryService

    started = [run_service(service, mongo_uri, amqp_uri)
               for service in (RegistryService, GrantsService, ConsultationsService)]
    registry, grants, consultations = started
    try:
        officer = token("officer")
        create_department(registry, officer, areas=["culture"])
        org_id, _ = verified_organization(registry, grants, token, officer)
        for action, body in (("suspend", {"reason": "Kontrola kontraktu zdarzeń."}),
                             ("reinstate", None)):
            response = registry.post(f"/api/v1/organizations/{org_id}/{action}", officer,
                                     json=body)
            assert response.status_code == 200, response.text
        file_inquiry(registry)
        adopted_programme(grants, officer)
        announced_competition(grants, officer)
        open_consultation(consultations, officer)
        create_council(consultations, officer)
        wait_outboxes_drained(running.db for running in started)
        yield OWN_EVENT_TYPES
    finally:
        stop_services(started, amqp_uri)

