"""The seams of the shared library: services add operator commands through an entry point,
the outbox relay is an extension of its own, and queue names come from one module."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from wspolpraca import admin, queues
from wspolpraca.cli import app
from wspolpraca.mongo import Mongo
from wspolpraca.relay import OutboxRelayProvider


def test_reporting_owns_rebuild_and_export_through_an_entry_point():
    found = {e.name: e.value for e in entry_points(group=admin.ENTRY_POINT_GROUP)}
    assert found["reporting"] == "reporting.commands:register"
    commands = {c.name or c.callback.__name__: c.callback for c in app.registered_commands}
    assert commands["rebuild"].__module__ == "reporting.commands"
    assert commands["export"].__module__ == "reporting.commands"
    assert commands["token"].__module__ == "wspolpraca.cli"


def test_every_registered_service_adds_its_commands(monkeypatch):
    calls = []

    class Entry:
        def __init__(self, name):
            self.name = name

        def load(self):
            return lambda target: calls.append((self.name, target))

    monkeypatch.setattr(admin, "entry_points",
                        lambda group: [Entry("zeta"), Entry("alpha")]
                        if group == admin.ENTRY_POINT_GROUP else [])
    target = typer.Typer()
    admin.register_commands(target)
    assert calls == [("alpha", target), ("zeta", target)]


def test_the_relay_is_an_extension_of_the_database_dependency():
    assert isinstance(Mongo.outbox_relay, OutboxRelayProvider)
    unbound = Mongo()
    assert unbound.relay is None
    unbound.events_committed([{"_id": "e-1"}])  # no relay (not started): nothing to hand off


def test_queue_names():
    assert queues.events_exchange("grants") == "grants.events"
    assert queues.retry_queue_name("q", 0.5) == "q.retry.500ms"
    assert queues.dead_letter_queue_name("q") == "q.dlq"
    assert queues.consumer_queue_name("q.dlq") == queues.consumer_queue_name("q") == "q"
    assert queues.department_queue_name("sport", "bookings") == "dept.sport.bookings"
