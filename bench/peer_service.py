"""The durable path's real peer: the way nameko-examples builds a service (issue #19, item 3).

`python bench/peer_service.py producer|consumer` runs one of two plain nameko services, with
nothing of wspolpraca's machinery:

- `peer_registry`: nameko's own `@http` entrypoint takes the same registration body as the
  registry, loads it with the registry's own marshmallow schema (as nameko-examples' gateway
  does), stores the same organisation document (the registry's own record function) in a
  collection with the registry's indexes, in a MongoDB transaction, commits, then
  publishes `organization.registered` (the registry's payload) with nameko's
  `EventDispatcher` (persistent messages, publisher confirms: nameko's defaults). No
  outbox: an event is lost if the process dies between the commit and the publish, which is
  what the outbox buys.
- `peer_consumer`: nameko's own `@event_handler` stores each event in its own transaction
  (`seen`, keyed by the event's id, stamped `received_at`). No processed mark: a redelivered
  event fails on its duplicate key, which is the idempotency nameko-examples leave to you.

Environment: AMQP_URI, MONGO_URI, PEER_DB, PEER_HTTP_PORT (producer), PEER_MAX_WORKERS.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from nameko.events import EventDispatcher, event_handler  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.web.handlers import http  # noqa: E402
from pymongo import MongoClient  # noqa: E402

from registry import records  # noqa: E402
from registry.repository import COLLECTIONS as REGISTRY_COLLECTIONS  # noqa: E402
from registry.schemas import OrganizationCreateSchema  # noqa: E402

SEEN = "seen"
ORGANIZATIONS = "organizations"
PRODUCER = "peer_registry"
CONSUMER = "peer_consumer"
HANDLER = "record_registration"
# nameko's queue name for a SERVICE_POOL event handler
QUEUE = f"evt-{PRODUCER}-organization.registered--{CONSUMER}.{HANDLER}"


class Database(DependencyProvider):
    """The service's MongoDB database (what nameko-sqlalchemy is for SQL)."""

    def setup(self) -> None:
        self.client = MongoClient(os.environ["MONGO_URI"], tz_aware=True)
        self.db = self.client[os.environ.get("PEER_DB", "peer")]
        for collection in REGISTRY_COLLECTIONS:  # the registry's indexes, the same cost
            if collection.name == ORGANIZATIONS and collection.indexes:
                self.db[ORGANIZATIONS].create_indexes(list(collection.indexes))

    def stop(self) -> None:
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.db


def in_transaction(db, write) -> None:
    with db.client.start_session() as session:
        session.with_transaction(lambda s: write(s))


SCHEMA = OrganizationCreateSchema()


class PeerRegistry:
    name = PRODUCER
    db = Database()
    dispatch = EventDispatcher()

    @http("GET", "/health")
    def health(self, request):
        return 200, "ok"

    @http("POST", "/api/v1/organizations")
    def register(self, request):
        body = SCHEMA.load(json.loads(request.get_data(as_text=True)))
        record = records.new_organization(body, "peer", datetime.now(UTC))
        in_transaction(self.db, lambda s: self.db[ORGANIZATIONS].insert_one(record, session=s))
        self.dispatch("organization.registered",
                      {"id": str(uuid.uuid4()), "data": records.organization_payload(record)})
        return 201, {"Content-Type": "application/json"}, json.dumps({"id": record["_id"]})


class PeerConsumer:
    name = CONSUMER
    db = Database()

    @event_handler(PRODUCER, "organization.registered")
    def record_registration(self, payload):
        def write(session):
            self.db[SEEN].insert_one({"_id": payload["id"], "subject": payload["data"]["id"],
                                      "received_at": datetime.now(UTC)}, session=session)

        in_transaction(self.db, write)


def main(role: str) -> int:
    service = {"producer": PeerRegistry, "consumer": PeerConsumer}[role]
    config = {"AMQP_URI": os.environ["AMQP_URI"],
              "WEB_SERVER_ADDRESS": f"127.0.0.1:{os.environ.get('PEER_HTTP_PORT', '0')}",
              "max_workers": int(os.environ.get("PEER_MAX_WORKERS", "20"))}
    runner = ServiceRunner(config)
    runner.add_service(service)
    runner.start()
    try:
        runner.wait()
    except KeyboardInterrupt:
        runner.stop()
    return 0


def _stop(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop)
    raise SystemExit(main(sys.argv[1]))
