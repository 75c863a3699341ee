"""A graceful stop (a rolling update) records every success before the process ends: the sends
under way finish first, then all that wait are recorded, not only one batch. A success left
unrecorded would be sent again once its claim expires, and an email has no dedupe."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from eventlet.greenpool import GreenPool

from notifications.channels import ReceiverPools
from notifications.dispatcher import SENT_BATCH, Dispatcher


def stopping_dispatcher(waiting: int) -> tuple[Dispatcher, list[int]]:
    dispatcher = Dispatcher.__new__(Dispatcher)
    dispatcher.config = SimpleNamespace(webhook_timeout=5)
    dispatcher.pool = GreenPool(4)
    dispatcher._wake, dispatcher._sent_wake = threading.Event(), threading.Event()
    dispatcher._renew_wake = threading.Event()
    dispatcher.receivers = ReceiverPools()
    dispatcher._claimed = {}
    dispatcher._stopped = False
    dispatcher._sent = [({"_id": f"d{n}"}, "claim") for n in range(waiting)]
    batches: list[int] = []

    def record_sent() -> int:           # the database's part: one batch at a time
        batch, dispatcher._sent[:] = dispatcher._sent[:SENT_BATCH], dispatcher._sent[SENT_BATCH:]
        batches.append(len(batch))
        return len(batch)

    dispatcher.record_sent = record_sent
    return dispatcher, batches


def test_every_success_waiting_is_recorded_at_stop_not_only_one_batch():
    dispatcher, batches = stopping_dispatcher(2 * SENT_BATCH + 50)
    dispatcher.stop()
    assert dispatcher._sent == [] and sum(batches) == 2 * SENT_BATCH + 50


def test_a_send_under_way_at_stop_is_recorded_once_it_has_finished():
    dispatcher, batches = stopping_dispatcher(0)
    finished = threading.Event()

    def send() -> None:                  # a webhook answering after the stop began
        dispatcher._sent_wake.wait()     # stop() sets it before it waits for the sends
        dispatcher._sent.append(({"_id": "late"}, "claim"))
        finished.set()

    dispatcher.pool.spawn(send)
    dispatcher.stop()
    assert finished.is_set() and batches == [1] and dispatcher._sent == []
