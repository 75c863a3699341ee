"""Issue #20 in grants: a write that emits no event (a programme sent to consultation) whose
commit answer is lost is not run again: it answers as done, once (without the transaction's
receipt the second run found the programme consulted already and answered an error)."""

from __future__ import annotations

from grants_helpers import PROGRAMMES, programme_body

from wspolpraca.testing.answers import created
from wspolpraca.testing.lost_commit import lose_a_receipt_commit_answer


def test_a_write_without_an_event_whose_commit_answer_is_lost_is_done_once(
        grants, officer, monkeypatch):
    programme = created(grants.post(PROGRAMMES, officer, json=programme_body()))
    url = f"{PROGRAMMES}/{programme['id']}"
    outbox = grants.db["outbox"].count_documents({})

    lost = lose_a_receipt_commit_answer(monkeypatch)
    consulted = grants.post(f"{url}/consult", officer)

    assert lost
    assert consulted.status_code == 200, consulted.text
    assert consulted.json()["status"] == "consulted"
    stored = grants.db["programmes"].find_one({"_id": programme["id"]})
    assert stored["status"] == "consulted"
    assert stored["version"] == programme["version"] + 1          # one change, not two
    assert grants.db["outbox"].count_documents({}) == outbox      # it emitted nothing
