"""Issue #20's fault, for integration tests: the database commits a transaction but its answer
to the commit is lost (it restarted under the commit), and the retried commit finds no
transaction, so `with_transaction` runs the work again.

`lose_a_receipt_commit_answer(monkeypatch)` loses the answer of the next commit of a
transaction that neither emitted nor consumed an event (the kind that leaves a receipt,
`wspolpraca.unit_of_work`), whichever thread commits it: a test starts its services, sets up
what it needs, then calls it right before the write under test, and checks afterwards that
the write was done once, answered as done, and that the fault did happen (`lost`).
"""

from __future__ import annotations

from typing import Any

from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.errors import ConnectionFailure

from wspolpraca.unit_of_work import RECEIPTS

_MARK = "_wspolpraca_receipt_written"


class LostCommit:
    """How many commit answers were lost so far."""

    def __init__(self) -> None:
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0


def lose_a_receipt_commit_answer(monkeypatch: Any) -> LostCommit:
    lost = LostCommit()
    real_insert = Collection.insert_one
    real_commit = ClientSession.commit_transaction

    def insert_one(collection: Collection, document: Any, *args: Any, **kwargs: Any) -> Any:
        session = kwargs.get("session")
        if collection.name == RECEIPTS and session is not None:
            setattr(session, _MARK, True)
        return real_insert(collection, document, *args, **kwargs)

    def commit_then_lose_the_answer(session: ClientSession) -> None:
        marked = getattr(session, _MARK, False)
        setattr(session, _MARK, False)
        real_commit(session)
        if marked and not lost:
            lost.count += 1
            error = ConnectionFailure("the answer to commitTransaction was lost")
            error._add_error_label("TransientTransactionError")
            raise error

    monkeypatch.setattr(Collection, "insert_one", insert_one)
    monkeypatch.setattr(ClientSession, "commit_transaction", commit_then_lose_the_answer)
    return lost
