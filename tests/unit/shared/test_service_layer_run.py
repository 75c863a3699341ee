"""`wspolpraca.service_layer.run`: one handler in one transaction, a fresh unit for each
attempt, and `UnitOfWork.committed` called once, on the unit of the attempt that committed,
never when the transaction failed."""

from __future__ import annotations

import pytest

from wspolpraca.service_layer import UnitOfWork, run


class Unit(UnitOfWork):
    made: list[Unit] = []

    def __init__(self, tx) -> None:
        super().__init__(tx)
        self.told = 0
        Unit.made.append(self)

    def committed(self) -> None:
        self.told += 1


class RetryingStore:
    """Runs the work `attempts` times (as with_transaction does after a transient error),
    then commits; `fail` raises instead of committing."""

    def __init__(self, attempts: int = 1, fail: bool = False) -> None:
        self.attempts, self.fail = attempts, fail

    def transaction(self, work):
        for attempt in range(self.attempts):
            result = work(f"tx{attempt}")
        if self.fail:
            raise RuntimeError("the commit failed")
        return result


@pytest.fixture(autouse=True)
def fresh():
    Unit.made = []


def test_the_unit_of_the_attempt_that_committed_is_told_once():
    assert run(RetryingStore(attempts=2), Unit, lambda command, uow: (command, uow.tx),
               "c") == ("c", "tx1")
    assert [unit.told for unit in Unit.made] == [0, 1]


def test_a_transaction_that_failed_tells_no_unit():
    with pytest.raises(RuntimeError):
        run(RetryingStore(fail=True), Unit, lambda command, uow: None, "c")
    assert [unit.told for unit in Unit.made] == [0]


def test_the_base_unit_needs_nothing_after_the_commit():
    assert run(RetryingStore(), UnitOfWork, lambda command, uow: command, 7) == 7
