import pytest
from registry_helpers import organization_body  # noqa: F401 - kept for older tests

from registry.service import RegistryService


@pytest.fixture
def registry(start_service):
    return start_service(RegistryService)


@pytest.fixture
def officer(token):
    return token("officer")


@pytest.fixture
def events(listen):
    """The events the registry publishes, collected from before the test acts."""
    return listen("registry")
