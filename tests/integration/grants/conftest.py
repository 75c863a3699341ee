import pytest

from grants.service import GrantsService


@pytest.fixture
def grants(start_service):
    return start_service(GrantsService)


@pytest.fixture
def events(listen):
    """The events grants publishes, collected from before the test acts."""
    return listen("grants")
