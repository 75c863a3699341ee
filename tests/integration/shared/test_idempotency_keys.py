"""A write sent twice takes effect once (`Idempotency-Key`, wspolpraca.idempotency), and the
unit of work never does a write twice when the database's answer to its commit is lost."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from pymongo.client_session import ClientSession
from pymongo.errors import ConnectionFailure

from wspolpraca.unit_of_work import RECEIPTS

INQUIRIES = "/api/v1/inquiries"


def inquiry(text: str = "Czy można wynająć salę na warsztaty?") -> dict:
    return {"subject": "Sala na warsztaty", "text": text, "area": "culture",
            "name": "Jan Kowalski", "email": "jan@example.pl"}


def count(registry, text: str) -> int:
    return registry.db["inquiries"].count_documents({"text": text})


def test_the_same_key_twice_files_one_inquiry_and_answers_the_same(registry):
    text = f"Pytanie {uuid.uuid4()}"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = registry.post(INQUIRIES, json=inquiry(text), headers=dict(key))
    again = registry.post(INQUIRIES, json=inquiry(text), headers=dict(key))
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(registry, text) == 1
    # without a key, or with another key, it is a new request
    assert registry.post(INQUIRIES, json=inquiry(text)).status_code == 201
    assert registry.post(INQUIRIES, json=inquiry(text),
                         headers={"Idempotency-Key": str(uuid.uuid4())}).status_code == 201
    assert count(registry, text) == 3


def test_a_double_click_at_once_files_one(registry):
    text = f"Podwójne kliknięcie {uuid.uuid4()}"
    key = str(uuid.uuid4())

    def send(_):
        return registry.request("POST", INQUIRIES, json=inquiry(text),
                                headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1, [a.text for a in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["error"]["code"] == "request_in_progress"
        assert refused.headers["Retry-After"] == "1"
    assert count(registry, text) == 1


def test_a_key_reused_for_another_body_is_refused_and_changes_nothing(registry):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert registry.post(INQUIRIES, json=inquiry("Pierwsze pytanie o salę"),
                         headers=dict(key)).status_code == 201
    other = f"Inne pytanie {uuid.uuid4()}"
    refused = registry.post(INQUIRIES, json=inquiry(other), headers=dict(key))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert list(error["fields"]) == ["Idempotency-Key"]
    assert count(registry, other) == 0


def test_a_malformed_key_is_refused_naming_the_header(registry):
    text = f"Pytanie {uuid.uuid4()}"
    refused = registry.post(INQUIRIES, json=inquiry(text), headers={"Idempotency-Key": "a b"})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert count(registry, text) == 0


def test_a_write_whose_commit_answer_is_lost_is_not_done_twice(registry, monkeypatch):
    """The database commits, its answer is lost, and the retried commit finds no transaction
    (as a restarted server answers): the work must not run again. A write that emits no event
    (here: a processed-style mark written directly) is guarded by its receipt."""
    real_commit = ClientSession.commit_transaction
    lost = {"once": True}

    def commit_then_lose_the_answer(session):
        real_commit(session)
        if lost.pop("once", False):
            error = ConnectionFailure("the answer to commitTransaction was lost")
            error._add_error_label("TransientTransactionError")
            raise error

    monkeypatch.setattr(ClientSession, "commit_transaction", commit_then_lose_the_answer)
    store = registry.container.dependencies
    mongo = next(d for d in store if type(d).__name__ == "Mongo")
    registry.db["departments_probe"].insert_one({"_id": "exists"})
    runs = []
    record_id = str(uuid.uuid4())

    def work(tx):
        runs.append(1)
        tx.db["departments_probe"].insert_one({"_id": record_id}, session=tx.session)
        return record_id

    assert mongo.background_store().transaction(work) == record_id
    assert len(runs) == 1
    assert registry.db["departments_probe"].count_documents({"_id": record_id}) == 1
    assert registry.db[RECEIPTS].count_documents({}) >= 1
