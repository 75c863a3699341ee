"""Two replicas of grants on one database (issue 15, item 10: every timer checked for double
firing): both replicas' `close_due_competitions` fired at once close each due competition once
and raise its event once. The replicas handle each due competition in lockstep, so both
transactions read it as announced and race to close it: the loser's write conflicts, it is
retried on a fresh snapshot, finds the competition closed and leaves it.

Replicas are containers of the same service in this process, sharing the database and the
queues as two pods of a Deployment do."""

from __future__ import annotations

import uuid
from collections import Counter
from operator import attrgetter

from grants_helpers import adopted_programme, announced_competition, pass_deadline

from grants import handlers
from grants.service import GrantsService
from wspolpraca.testing.entrypoints import in_lockstep, run_at_once

DUE = 4  # competitions due at once, each raced for by both replicas


def test_the_timers_of_two_grants_replicas_close_each_due_competition_once(
        start_service, officer, monkeypatch):
    database = f"grants_replicas_{uuid.uuid4().hex[:8]}"
    replicas = [start_service(GrantsService, mongo_database=database, timers_enabled=True)
                for _ in range(2)]
    adopted_programme(replicas[0], officer)
    due = [announced_competition(replicas[n % 2], officer, budget="10000.00")["id"]
           for n in range(DUE)]
    running = announced_competition(replicas[0], officer, budget="10000.00")["id"]
    for competition_id in due:
        pass_deadline(replicas[0], competition_id)

    in_lockstep(monkeypatch, handlers, "close_competition", key=attrgetter("competition_id"))
    closed = run_at_once(replicas, "close_due_competitions")

    assert sum(closed) == DUE, closed
    db = replicas[0].db
    raised = Counter(r["body"]["subject"] for r in db["outbox"].find(
        {"type": "grants.competition.closed"}, {"body.subject": 1}))
    assert set(raised) == set(due) and set(raised.values()) == {1}, raised
    statuses = {c["_id"]: c["status"] for c in db["competitions"].find()}
    assert statuses == {**dict.fromkeys(due, "closed"), running: "announced"}
