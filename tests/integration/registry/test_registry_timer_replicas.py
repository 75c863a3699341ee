"""Two replicas of the registry on one database (issue #19, item 7): the timers that fire in
every replica raise each overdue inquiry once.

Replicas here are containers of the same service in this process, sharing the database and the
queues exactly as two pods of a Deployment do."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from registry.handlers import inquiries
from registry.service import RegistryService
from wspolpraca.envelope import utcnow
from wspolpraca.testing.entrypoints import in_lockstep, run_at_once


def test_the_timers_of_two_registry_replicas_raise_each_overdue_inquiry_once(start_service,
                                                                            monkeypatch):
    database = f"registry_replicas_{uuid.uuid4().hex[:8]}"
    replicas = [start_service(RegistryService, mongo_database=database, timers_enabled=True)
                for _ in range(2)]
    filed = []
    for n in range(6):
        answer = replicas[n % 2].post("/api/v1/inquiries", json={
            "subject": f"Sala na próby nr {n}", "text": "Czy możemy korzystać z sali?",
            "area": "culture", "name": "Jan Kowalski", "email": "jan@chor.example.pl"})
        assert answer.status_code == 201, answer.text
        filed.append(answer.json()["id"])
    db = replicas[0].db
    # the tests' clock: their deadlines passed a day ago
    db["inquiries"].update_many({"_id": {"$in": filed}},
                                {"$set": {"deadline": utcnow() - timedelta(days=1)}})

    # both replicas' timers at once, and each inquiry taken by both together, so that their
    # transactions really race for it (without the lockstep one replica trails the other)
    in_lockstep(monkeypatch, inquiries, "flag_overdue")
    flagged = run_at_once(replicas, "report_overdue_inquiries")
    assert sum(flagged) == len(filed), flagged
    raised = Counter(r["body"]["subject"] for r in db["outbox"].find(
        {"type": "registry.inquiry.overdue"}, {"body.subject": 1}))
    assert set(raised) == set(filed) and set(raised.values()) == {1}
