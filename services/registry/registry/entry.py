"""What every entry point of the registry shares: its database and its unit of work, so
`self.handle(handler, command)` runs a command handler in one transaction."""

from __future__ import annotations

from registry.handlers import Unit
from wspolpraca.mongo import Mongo
from wspolpraca.service_layer import HandlesCommands

STAFF = ("officer",)  # admin passes every role check


class Entry(HandlesCommands):
    db: Mongo
    unit = Unit
