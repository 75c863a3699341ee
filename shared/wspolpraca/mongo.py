"""The MongoDB dependency: one client per service, its own database with its schema created at
start, the unit of work (wspolpraca.unit_of_work) given to each worker, and the service's
outbox relay (wspolpraca.relay) as a sub-extension.

What a service imports to use its database comes from here: `Mongo`, `Store`, `Transaction`,
`Collection`, `DomainGauge`, `count_by` (defined in their own modules).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from nameko.extensions import DependencyProvider
from pymongo import MongoClient

from wspolpraca import idempotency
from wspolpraca.config import settings_of
from wspolpraca.database import Collection, DomainGauge, connect, count_by, ensure_schema
from wspolpraca.leases import LOCKS_COLLECTION
from wspolpraca.metrics import SCRAPE_TIME
from wspolpraca.outbox import OUTBOX_COLLECTION, outbox_backlog
from wspolpraca.processed import PROCESSED_COLLECTION, is_processed, record_processed
from wspolpraca.relay import OutboxRelay, OutboxRelayProvider
from wspolpraca.unit_of_work import RECEIPTS_COLLECTION, Store, Transaction

__all__ = ["Collection", "DomainGauge", "INFRASTRUCTURE_COLLECTIONS", "Mongo", "Store",
           "Transaction", "connect", "count_by", "ensure_schema"]

INFRASTRUCTURE_COLLECTIONS = (
    OUTBOX_COLLECTION, PROCESSED_COLLECTION, LOCKS_COLLECTION,
    Collection(idempotency.COLLECTION, idempotency.INDEXES), RECEIPTS_COLLECTION,
)


class Mongo(DependencyProvider):
    """`db = Mongo(collections)`: the service's own database, its schema created at start.

    Its sub-extension `outbox_relay` runs the outbox relay of the service (unless disabled by
    settings); a transaction that committed hands it the records it wrote.
    """

    outbox_relay = OutboxRelayProvider()

    def __init__(self, collections: Iterable[Collection] = (),
                 gauges: Iterable[DomainGauge] = ()) -> None:
        self.collections = tuple(collections)
        self.gauges = tuple(gauges)
        self.client: MongoClient | None = None
        # called with the outbox records of every transaction that committed in this process
        # (after the relay's hand-off), e.g. by a read model that applies its own writes at once
        self.commit_listeners: list[Callable[[list[dict[str, Any]]], None]] = []

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)
        self.client = connect(self.settings)
        self.db = self.client[self.settings.mongo_database]
        ensure_schema(self.db, INFRASTRUCTURE_COLLECTIONS + self.collections)
        self._register_gauges()

    def _register_gauges(self) -> None:
        db, service = self.db, self.settings.service
        SCRAPE_TIME.register(
            service, "wspolpraca_outbox_pending", "Events committed and not yet published.", [],
            lambda: [({}, float(outbox_backlog(db)[0]))],
        )
        SCRAPE_TIME.register(
            service, "wspolpraca_outbox_oldest_age_seconds",
            "Age of the oldest event waiting in the outbox.", [],
            lambda: [({}, outbox_backlog(db)[1])],
        )
        for gauge in self.gauges:
            SCRAPE_TIME.register(service, gauge.name, gauge.documentation, list(gauge.labels),
                                 lambda gauge=gauge: gauge.source(db))

    def stop(self) -> None:
        if self.client is not None:
            self.client.close()

    def kill(self) -> None:
        self.stop()

    @property
    def relay(self) -> OutboxRelay | None:
        return self.outbox_relay.relay

    def events_committed(self, records: list[dict[str, Any]]) -> None:
        self.outbox_relay.committed(records)
        for listener in self.commit_listeners:
            listener(records)

    def get_dependency(self, worker_ctx) -> Store:
        return Store(self, worker_ctx.data)

    def background_store(self) -> Store:
        """A Store for the service's own background threads (dispatchers, sweeps): its
        transactions emit events like a worker's, with no correlation to inherit."""
        return Store(self, {})

    def is_processed(self, consumer: str, event_id: str) -> bool:
        return is_processed(self.db, consumer, event_id)

    def record_processed(self, consumer: str, event_id: str) -> None:
        record_processed(self.db, consumer, event_id)
