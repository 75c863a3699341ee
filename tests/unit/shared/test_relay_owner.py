"""Each relay instance has an owner name of its own, so the lease tells instances apart."""

from __future__ import annotations

from wspolpraca.relay import OutboxRelay
from wspolpraca.testing.plugin import make_settings


def test_two_instances_on_one_host_have_different_owners(monkeypatch) -> None:
    monkeypatch.delenv("WSPOLPRACA_INSTANCE", raising=False)
    settings = make_settings("registry", "mongodb://127.0.0.1:1/", "amqp://guest:guest@x/")
    first, second = OutboxRelay(settings, db=None), OutboxRelay(settings, db=None)
    assert first.owner != second.owner
    assert first.lease_name == second.lease_name == "outbox-relay:registry"


def test_the_instance_name_can_be_set(monkeypatch) -> None:
    monkeypatch.setenv("WSPOLPRACA_INSTANCE", "registry-7d9f-abcde")
    settings = make_settings("registry", "mongodb://127.0.0.1:1/", "amqp://guest:guest@x/")
    assert OutboxRelay(settings, db=None).owner == "registry-7d9f-abcde"
