"""Issue #20 in consultations: a write that emits no event (a comment hidden by the officer)
whose commit answer is lost is not run again: it answers as done, once (without the
transaction's receipt the second run found the comment hidden already and answered 409)."""

from __future__ import annotations

from consultations_helpers import CONSULTATIONS, comment, open_consultation

from wspolpraca.testing.lost_commit import lose_a_receipt_commit_answer


def test_a_write_without_an_event_whose_commit_answer_is_lost_is_done_once(
        service, officer, monkeypatch):
    consultation = open_consultation(service, officer, residents_may_comment=True)
    made = comment(service, consultation["id"], None, author="Anonim", text="Treść obraźliwa.")
    assert made.status_code == 201, made.text
    comment_id = made.json()["id"]
    outbox = service.db["outbox"].count_documents({})

    lost = lose_a_receipt_commit_answer(monkeypatch)
    hidden = service.post(f"{CONSULTATIONS}/{consultation['id']}/comments/{comment_id}/hide",
                          officer, json={"reason": "Wulgaryzmy"})

    assert lost
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["hidden"] is True
    assert service.db["comments"].find_one({"_id": comment_id})["hidden_reason"] == "Wulgaryzmy"
    assert service.db["outbox"].count_documents({}) == outbox     # it emitted nothing
