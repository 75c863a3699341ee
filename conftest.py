import warnings

warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")

import eventlet  # noqa: E402

# The services run on eventlet; patch before anything imports socket or threading.
eventlet.monkey_patch()

pytest_plugins = ["wspolpraca.testing.plugin"]


def pytest_collection_modifyitems(session, config, items):
    # Contract tests validate every event the other tests made the services publish.
    items.sort(key=lambda item: "/tests/contract/" in str(item.fspath))


# Hypothesis (tests/unit/properties): the test command explores the same examples on every run,
# so that CI is deterministic; `make fuzz` (--hypothesis-profile=fuzz) explores new ones, more.
from hypothesis import settings  # noqa: E402

settings.register_profile("default", derandomize=True, deadline=None, database=None)
settings.register_profile("fuzz", max_examples=2000, deadline=None)
settings.load_profile("default")


# Fixtures of the integration tests of several services (a directory's own conftest adds what
# only its tests need). Services are imported inside them: a conftest.py under tests/ would put
# tests/<dir> on the import path, where tests/integration/registry would hide the registry.
import pytest  # noqa: E402


@pytest.fixture
def registry(start_service):
    from registry.service import RegistryService

    return start_service(RegistryService)


@pytest.fixture
def reporting(start_service):
    from reporting.service import ReportingService

    return start_service(ReportingService)


@pytest.fixture
def officer(token):
    return token("officer")
