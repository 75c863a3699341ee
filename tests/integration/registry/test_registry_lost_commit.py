"""Issue #20 in the registry: its unit of work's write that emits no event, whose commit
answer is lost, is not run again. (Every write of the registry's API emits an event, so the
write here is the unit's own: a record added through one of its repositories; run again, it
was refused as a duplicate, a 500 although it committed.)"""

from __future__ import annotations

import uuid

from registry.handlers import Unit
from wspolpraca.service_layer import run
from wspolpraca.testing.lost_commit import lose_a_receipt_commit_answer


def test_a_write_without_an_event_whose_commit_answer_is_lost_is_done_once(
        registry, monkeypatch):
    mongo = next(d for d in registry.container.dependencies if type(d).__name__ == "Mongo")
    code = f"t{uuid.uuid4().hex[:8]}"
    runs: list[str] = []

    def add_department(command: str, uow: Unit) -> str:
        runs.append(command)
        uow.departments.add({"_id": command, "code": command, "name": "Wydział Próbny",
                             "areas": [], "version": 0})
        return command

    outbox = registry.db["outbox"].count_documents({})
    lost = lose_a_receipt_commit_answer(monkeypatch)
    assert run(mongo.background_store(), Unit, add_department, code) == code

    assert lost
    assert runs == [code]
    assert registry.db["departments"].count_documents({"_id": code}) == 1
    assert registry.db["outbox"].count_documents({}) == outbox
