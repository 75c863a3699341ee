import warnings

warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")

import eventlet  # noqa: E402

# The services run on eventlet; patch before anything imports socket or threading.
eventlet.monkey_patch()

pytest_plugins = ["wspolpraca.testing.plugin"]


def pytest_collection_modifyitems(session, config, items):
    # Contract tests validate every event the other tests made the services publish.
    items.sort(key=lambda item: "/tests/contract/" in str(item.fspath))
