import pytest

from grants.service import GrantsService
from registry.service import RegistryService


@pytest.fixture
def grants(start_service):
    return start_service(GrantsService)


@pytest.fixture
def registry(start_service):
    return start_service(RegistryService)


@pytest.fixture
def officer(token):
    return token("officer")


@pytest.fixture
def events(listen):
    """The events grants publishes, collected from before the test acts."""
    return listen("grants")
