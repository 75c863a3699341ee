"""Fixtures of one line for a test directory's conftest.py: the service it starts and the
events it listens to (`start_service` and `listen` come from wspolpraca.testing.plugin)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest


def service_fixture(name: str, service_class: str, doc: str = "") -> Any:
    """A fixture `name` starting the service class at `service_class` ("module:Class"),
    imported only when a test asks for it."""

    def started(start_service):
        module, cls = service_class.split(":")
        return start_service(getattr(importlib.import_module(module), cls))

    started.__doc__ = doc or f"{service_class}, running against the test's database and vhost."
    return pytest.fixture(name=name)(started)


def events_fixture(service: str) -> Any:
    """A fixture `events`: the events `service` publishes, collected from before the test
    acts."""

    def events(listen):
        return listen(service)

    events.__doc__ = f"The events {service} publishes, collected from before the test acts."
    return pytest.fixture(name="events")(events)
