"""The scrape-time gauge `wspolpraca_notifications_deliveries` reads what waits only (issue #19,
item 2): each waiting status through the `due` index, never the delivery log's history (sent,
dead and digested deliveries are counted as they happen by
`wspolpraca_notification_deliveries_total`)."""

from __future__ import annotations

from typing import Any

from notifications.repository import DELIVERIES, GAUGES


class Collection:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        self.queries: list[dict[str, Any]] = []
        self.returned = 0

    def find(self, query: dict[str, Any], projection: dict[str, Any] | None = None):
        self.queries.append(query)
        found = [d for d in self.docs if all(d.get(k) == v for k, v in query.items())]
        self.returned += len(found)
        return iter(found)

    def aggregate(self, pipeline):   # the old gauge's way: a group of the whole collection
        raise AssertionError("the whole delivery log is grouped at a scrape")


def test_the_gauge_counts_waiting_deliveries_by_status_only_through_the_index():
    history = [{"status": s, "channel": "webhook"} for s in ("sent", "dead", "digested")
               for _ in range(1000)]
    waiting = ([{"status": "pending", "channel": "webhook"}] * 3
               + [{"status": "sending", "channel": "email"}] * 2
               + [{"status": "digest", "channel": "email"}])
    deliveries = Collection(history + waiting)
    gauge = next(g for g in GAUGES if g.name == "wspolpraca_notifications_deliveries")
    samples = {(labels["channel"], labels["status"]): n
               for labels, n in gauge.source({DELIVERIES: deliveries})}
    assert samples == {("webhook", "pending"): 3.0, ("webhook", "sending"): 0.0,
                       ("webhook", "digest"): 0.0, ("email", "pending"): 0.0,
                       ("email", "sending"): 2.0, ("email", "digest"): 1.0}
    # one equality on `status` (the first field of the `due` index) per waiting status:
    # what is read is the backlog, not the 3,000 past deliveries
    assert deliveries.queries == [{"status": "pending"}, {"status": "sending"},
                                  {"status": "digest"}]
    assert deliveries.returned == len(waiting)
