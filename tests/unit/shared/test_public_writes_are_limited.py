"""Every public write is rate-limited per client address (issue 15, item 8): comments,
inquiries, subscriptions and training sign-ups; reads are not, nor is unsubscribing (mail
providers post one-click unsubscribes for many people from few addresses)."""

from __future__ import annotations

import pytest

from consultations.service import ConsultationsService
from grants.service import GrantsService
from notifications.service import NotificationsService
from registry.service import RegistryService
from wspolpraca.http import HttpApi

SERVICES = (RegistryService, GrantsService, ConsultationsService, NotificationsService)


def _entrypoints():
    for service in SERVICES:
        for name in dir(service):
            for entrypoint in getattr(getattr(service, name), "nameko_entrypoints", ()):
                if isinstance(entrypoint, HttpApi):
                    yield entrypoint


LIMITED = {(e.method, e.url) for e in _entrypoints() if e.rate_limited}


@pytest.mark.parametrize("method,url", [
    ("POST", "/api/v1/consultations/<id>/comments"),
    ("POST", "/api/v1/small-grants/<id>/comments"),
    ("POST", "/api/v1/inquiries"),
    ("POST", "/api/v1/subscriptions"),
    ("POST", "/api/v1/trainings/<id>/registrations"),
])
def test_the_public_write_is_rate_limited(method, url):
    assert (method, url) in LIMITED


def test_only_writes_are_limited_and_never_unsubscribing():
    assert {method for method, _ in LIMITED} == {"POST"}
    assert ("POST", "/api/v1/subscriptions/unsubscribe") not in LIMITED
