"""Prometheus metrics with the shared names of DESIGN.md, one registry per process.

Every service runs in its own process, so the module-level registry is the
service's registry; the `service` label tells them apart when tests run several
containers in one process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

HTTP_REQUESTS = Counter(
    "wspolpraca_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "wspolpraca_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
EVENTS_PUBLISHED = Counter(
    "wspolpraca_events_published_total",
    "Events published by the outbox relay.",
    ["service", "type"],
    registry=REGISTRY,
)
EVENTS_CONSUMED = Counter(
    "wspolpraca_events_consumed_total",
    "Events consumed, by outcome: ok, duplicate, retry, dead.",
    ["service", "type", "outcome"],
    registry=REGISTRY,
)
EVENT_HANDLING_DURATION = Histogram(
    "wspolpraca_event_handling_duration_seconds",
    "Time spent in an event handler.",
    ["service", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

Sample = tuple[dict[str, str], float]
GaugeSource = Callable[[], Iterable[Sample]]


class ScrapeTimeGauges:
    """Gauges computed when Prometheus scrapes (outbox backlog, domain figures)."""

    def __init__(self) -> None:
        self._sources: dict[tuple[str, str], tuple[str, list[str], GaugeSource]] = {}

    def register(
        self, service: str, name: str, documentation: str, labels: list[str], source: GaugeSource
    ) -> None:
        self._sources[(service, name)] = (documentation, labels, source)

    def unregister_service(self, service: str) -> None:
        for key in [k for k in self._sources if k[0] == service]:
            del self._sources[key]

    def describe(self):
        return []

    def collect(self):
        families: dict[str, GaugeMetricFamily] = {}
        for (service, name), (documentation, labels, source) in list(self._sources.items()):
            family = families.get(name)
            if family is None:
                family = families[name] = GaugeMetricFamily(
                    name, documentation, labels=["service", *labels]
                )
            try:
                for label_values, value in source():
                    family.add_metric([service, *(label_values[lbl] for lbl in labels)], value)
            except Exception:
                log.warning("metric source %s of %s failed", name, service, exc_info=True)
        yield from families.values()


SCRAPE_TIME = ScrapeTimeGauges()
REGISTRY.register(SCRAPE_TIME)


def exposition() -> bytes:
    return generate_latest(REGISTRY)
