"""A service's MongoDB database: the client, the collections it owns with their indexes,
and the domain gauges read from it when Prometheus scrapes. A leaf of the platform."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pymongo import IndexModel, MongoClient
from pymongo.collection import Collection as PymongoCollection
from pymongo.database import Database
from pymongo.errors import CollectionInvalid

from wspolpraca.config import Settings


@dataclass(frozen=True)
class Collection:
    """A collection the service owns and the indexes it needs, created at start.

    `migrate`, when given, runs at every start after the indexes exist: it brings
    documents stored by an older version up to date (so it must be idempotent and cheap
    when there is nothing to do).
    """

    name: str
    indexes: tuple[IndexModel, ...] = ()
    migrate: Callable[[PymongoCollection], None] | None = None


@dataclass(frozen=True)
class DomainGauge:
    """A domain figure computed from the service's database when Prometheus scrapes."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    source: Callable[[Database], Iterable[tuple[dict[str, str], float]]]


def count_by(db: Database, collection: str, field: str, label: str,
             query: dict[str, Any] | None = None) -> list[tuple[dict[str, str], float]]:
    """Documents per value of `field`, as samples of a `DomainGauge` labelled `label`."""
    pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
    pipeline.append({"$group": {"_id": f"${field}", "n": {"$sum": 1}}})
    return [({label: str(g["_id"])}, float(g["n"])) for g in db[collection].aggregate(pipeline)]


def connect(settings: Settings) -> MongoClient:
    return MongoClient(
        settings.mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname=f"wspolpraca-{settings.service}",
    )


def ensure_schema(db: Database, collections: Iterable[Collection]) -> None:
    """Create collections and indexes up front (never implicitly inside a transaction)."""
    existing = set(db.list_collection_names())
    for collection in collections:
        if collection.name not in existing:
            try:
                db.create_collection(collection.name)
            except CollectionInvalid:
                pass  # created by a concurrent start
        if collection.indexes:
            db[collection.name].create_indexes(list(collection.indexes))
        if collection.migrate is not None:
            collection.migrate(db[collection.name])
