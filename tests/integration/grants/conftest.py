import pytest
from grants_helpers import Given

from wspolpraca.testing.fixtures import events_fixture, service_fixture

grants = service_fixture("grants", "grants.service:GrantsService")
events = events_fixture("grants")


@pytest.fixture
def given(request, grants, officer, token) -> Given:
    """A competition through to its results, step by step (grants_helpers.Given)."""
    return Given(grants, officer, token, lambda: request.getfixturevalue("registry"))
