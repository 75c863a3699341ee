"""Two replicas of consultations on one database (issue 15, item 10: every timer checked for
double firing): both replicas' timers fired at once change each due record once and raise its
event once, for each of the service's three timers. The replicas handle each due record in
lockstep, so both transactions read it as due and race to write it: the loser's write conflicts,
it is retried on a fresh snapshot and finds the record done.

Replicas are containers of the same service in this process, sharing the database and the
queues as two pods of a Deployment do."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from consultations_helpers import (
    COUNCILS,
    create_council,
    now,
    open_consultation,
    shift_consultation,
)

from consultations import handlers
from consultations.service import ConsultationsService
from wspolpraca.testing.answers import created
from wspolpraca.testing.entrypoints import in_lockstep, run_at_once

DUE = 4  # records due at once, each raced for by both replicas


@pytest.fixture
def replicas(start_service):
    database = f"consultations_replicas_{uuid.uuid4().hex[:8]}"
    return [start_service(ConsultationsService, mongo_database=database, timers_enabled=True)
            for _ in range(2)]


def past_deadline(db, collection: str, ids: list[str], ago: timedelta) -> None:
    db[collection].update_many({"_id": {"$in": ids}}, {"$set": {"deadline": now() - ago}})


def race(monkeypatch, replicas, handler: str, timer: str, event_type: str,
         due: list[str]) -> None:
    """Both replicas' `timer` fired at once, their `handler` in lockstep on each due record:
    each record handled once, its event (`event_type`) in the outbox exactly once (and no
    other record's)."""
    in_lockstep(monkeypatch, handlers, handler)
    done = run_at_once(replicas, timer)
    assert sum(done) == len(due), done
    raised = Counter(r["body"]["data"]["id"] for r in replicas[0].db["outbox"].find(
        {"type": event_type}, {"body.data.id": 1}))
    assert set(raised) == set(due) and set(raised.values()) == {1}, raised


def test_two_replicas_close_each_due_consultation_once(replicas, officer, monkeypatch):
    due = [open_consultation(replicas[n % 2], officer)["id"] for n in range(DUE)]
    running = open_consultation(replicas[0], officer)["id"]
    for consultation_id in due:
        shift_consultation(replicas[0], consultation_id, now() - timedelta(seconds=5))

    race(monkeypatch, replicas, "close_due", "close_due_consultations",
         "consultations.consultation.closed", due)

    consultations = replicas[0].db["consultations"].find()
    statuses = {c["_id"]: (c["status"], c["closed_by"]) for c in consultations}
    assert statuses == {**{id: ("closed", "timer") for id in due}, running: ("open", None)}


def test_two_replicas_report_each_late_council_request_once(replicas, officer,
                                                            organizations, monkeypatch):
    supporters = organizations(replicas[0], 5)
    filed = [created(replicas[n % 2].post(f"{COUNCILS}/requests", officer, json={
        "kind": "district_commission", "name": f"Komisja Dzielnicy nr {n}",
        "supporters": supporters}))["id"] for n in range(DUE + 1)]
    late, fresh = filed[:DUE], filed[DUE]
    past_deadline(replicas[0].db, "council_requests", late, timedelta(days=1))

    race(monkeypatch, replicas, "flag_late_request", "report_late_council_requests",
         "consultations.council_request.overdue", late)

    flags = {r["_id"]: r["late_reported"] for r in replicas[0].db["council_requests"].find()}
    assert flags == {**dict.fromkeys(late, True), fresh: False}


def test_two_replicas_lapse_each_overdue_opinion_once(replicas, officer, monkeypatch):
    council = create_council(replicas[0], officer)["id"]
    asked = [created(replicas[n % 2].post(f"{COUNCILS}/{council}/opinion-requests", officer,
                                          json={"subject": f"Projekt uchwały nr {n}"}))["id"]
             for n in range(DUE + 1)]
    overdue, pending = asked[:DUE], asked[DUE]
    past_deadline(replicas[0].db, "opinion_requests", overdue, timedelta(seconds=1))

    race(monkeypatch, replicas, "lapse_opinion", "lapse_overdue_opinions",
         "consultations.council.opinion_lapsed", overdue)

    statuses = {r["_id"]: r["status"] for r in replicas[0].db["opinion_requests"].find()}
    assert statuses == {**dict.fromkeys(overdue, "lapsed"), pending: "requested"}
