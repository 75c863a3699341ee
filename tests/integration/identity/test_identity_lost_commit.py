"""Issue #20 in identity: a write that emits no event (a client registered by the admin)
whose commit answer is lost is not run again: one client, the one answered (without the
transaction's receipt a second one was registered and the first kept a secret nobody had)."""

from __future__ import annotations

from identity_helpers import WEB_LOGOUT, WEB_REDIRECT

from wspolpraca.testing.lost_commit import lose_a_receipt_commit_answer


def test_a_write_without_an_event_whose_commit_answer_is_lost_is_done_once(
        identity, admin_token, monkeypatch):
    clients = identity.db["clients"].count_documents({})
    outbox = identity.db["outbox"].count_documents({})

    lost = lose_a_receipt_commit_answer(monkeypatch)
    response = identity.post("/api/v1/clients", admin_token, json={
        "name": "Portal", "kind": "web", "redirect_uris": [WEB_REDIRECT],
        "post_logout_redirect_uris": [WEB_LOGOUT]})

    assert lost
    assert response.status_code == 201, response.text
    assert identity.db["clients"].count_documents({}) == clients + 1
    assert identity.db["clients"].find_one({"_id": response.json()["client_id"]}) is not None
    assert identity.db["outbox"].count_documents({}) == outbox    # it emitted nothing
