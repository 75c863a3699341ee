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
