"""The scrape-time gauge `wspolpraca_dlq_messages{service,queue}`: messages parked in a
service's own dead-letter queues.

    register_dlq_gauge("notifications", settings.amqp_uri, ["<consumer queue>"])

counts `<consumer queue>.dlq` for every queue registered so far for that service (calls add up,
so each event handler can register its own queue). The depth is read with a passive
`queue.declare` (it never creates a queue and never changes one), all queues over one short
connection, and cached for `CACHE_SECONDS` so scrapes stay cheap. When the broker cannot be
reached the last known depths are reported (and retried only after the cache time), so a broker
outage neither slows every scrape nor makes a non-empty DLQ look empty. A DLQ that does not exist
(yet) has no sample.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from wspolpraca import broker
from wspolpraca.metrics import SCRAPE_TIME, ScrapeTimeGauges
from wspolpraca.queues import dead_letter_queue_name

log = logging.getLogger(__name__)

METRIC = "wspolpraca_dlq_messages"
DOCUMENTATION = "Messages parked in the service's own dead-letter queues (<queue>.dlq)."
CACHE_SECONDS = 15.0
CONNECT_TIMEOUT = 3.0


def dlq_depths(amqp_uri: str, queues: Iterable[str]) -> dict[str, int]:
    """{`<queue>.dlq`: message count} of the DLQs that exist, over one connection."""
    with broker.connection(amqp_uri, timeout=CONNECT_TIMEOUT) as connection:
        return broker.message_counts(connection, [dead_letter_queue_name(q) for q in queues])


class DlqDepthGauge:
    """The DLQ depths of one service, cached; its `samples` feed `ScrapeTimeGauges`."""

    def __init__(self, amqp_uri: str, *, cache_seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.amqp_uri = amqp_uri
        self.cache_seconds = cache_seconds
        self.clock = clock
        self.queues: list[str] = []
        self._depths: dict[str, int] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def add(self, queues: Iterable[str]) -> None:
        """Count `queues` too; the next scrape reads the broker anew, since the consumer that
        calls this has just declared its DLQ (a cached "no such queue" is stale)."""
        with self._lock:
            for queue in queues:
                if queue not in self.queues:
                    self.queues.append(queue)
            self._read_at = None

    def samples(self) -> list[tuple[dict[str, str], float]]:
        with self._lock:
            now = self.clock()
            if self._read_at is None or now - self._read_at >= self.cache_seconds:
                self._read_at = now
                try:
                    self._depths = dlq_depths(self.amqp_uri, list(self.queues))
                except (*broker.UNREACHABLE, broker.ChannelError) as exc:
                    log.warning("could not read the dead-letter queue depths: %s", exc)
            return [({"queue": name}, float(count)) for name, count in self._depths.items()]


_gauges: dict[str, DlqDepthGauge] = {}
_gauges_lock = threading.Lock()


def register_dlq_gauge(service: str, amqp_uri: str, queues: Iterable[str], *,
                       registry: ScrapeTimeGauges = SCRAPE_TIME,
                       cache_seconds: float = CACHE_SECONDS) -> DlqDepthGauge:
    """Export the depth of `<queue>.dlq` for each of `queues` (the service's consumer queues).

    Safe to call once per consumer: the queues of one service accumulate in one gauge. Calling it
    again after the service's gauges were unregistered (a restarted container) registers it anew.
    """
    with _gauges_lock:
        gauge = _gauges.get(service)
        if gauge is None or gauge.amqp_uri != amqp_uri:
            gauge = _gauges[service] = DlqDepthGauge(amqp_uri, cache_seconds=cache_seconds)
        gauge.cache_seconds = cache_seconds  # the latest call decides
        gauge.add(queues)
        registry.register(service, METRIC, DOCUMENTATION, ["queue"], gauge.samples)
    return gauge
