import pytest
from registry_helpers import organization_body  # noqa: F401 - kept for older tests


@pytest.fixture
def events(listen):
    """The events the registry publishes, collected from before the test acts."""
    return listen("registry")
