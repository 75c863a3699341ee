"""Issue #20 in notifications: a write that emits no event (creating a subscription) whose
commit answer is lost is not run again: one subscription, the one answered (without the
transaction's receipt the work ran twice and stored two)."""

from __future__ import annotations

from wspolpraca.testing.lost_commit import lose_a_receipt_commit_answer

SUBSCRIPTIONS = "/api/v1/subscriptions"


def test_a_write_without_an_event_whose_commit_answer_is_lost_is_done_once(
        notifications, token, monkeypatch):
    dept = token("department", department="culture", email="dyzur@kultura.example.pl")
    outbox = notifications.db["outbox"].count_documents({})

    lost = lose_a_receipt_commit_answer(monkeypatch)
    created = notifications.post(SUBSCRIPTIONS, dept, json={
        "channel": "email", "target": "dyzur@kultura.example.pl",
        "event_types": ["registry.inquiry.*"]})

    assert lost
    assert created.status_code == 201, created.text
    [stored] = notifications.db["subscriptions"].find({"target": "dyzur@kultura.example.pl"})
    assert stored["_id"] == created.json()["id"]
    assert notifications.db["outbox"].count_documents({}) == outbox   # it emitted nothing
