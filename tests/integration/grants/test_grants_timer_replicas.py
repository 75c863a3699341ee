"""Two replicas of grants on one database (issue 15, item 10: every timer checked for double
firing): both replicas' `close_due_competitions` at once close each due competition once.

Replicas are containers of the same service in this process, sharing the database and the
queues as two pods of a Deployment do."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from grants_helpers import adopted_programme, announced_competition, pass_deadline
from nameko.testing.services import entrypoint_hook

from grants.service import GrantsService


def test_the_timers_of_two_grants_replicas_close_each_due_competition_once(start_service,
                                                                           officer):
    database = f"grants_replicas_{uuid.uuid4().hex[:8]}"
    replicas = [start_service(GrantsService, mongo_database=database, timers_enabled=True)
                for _ in range(2)]
    adopted_programme(replicas[0], officer)
    due = [announced_competition(replicas[n % 2], officer, budget="10000.00")["id"]
           for n in range(4)]
    for competition_id in due:
        pass_deadline(replicas[0], competition_id)

    def fire(replica):
        with entrypoint_hook(replica.container, "close_due_competitions") as close:
            return close()

    with ThreadPoolExecutor(2) as pool:
        closed = list(pool.map(fire, replicas))
    assert sum(closed) == len(due), closed
    db = replicas[0].db
    raised = Counter(r["body"]["subject"] for r in db["outbox"].find(
        {"type": "grants.competition.closed"}, {"body.subject": 1}))
    assert set(raised) == set(due) and set(raised.values()) == {1}
    assert {c["status"] for c in db["competitions"].find({"_id": {"$in": due}})} == {"closed"}
