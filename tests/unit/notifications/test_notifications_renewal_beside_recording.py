"""The lease renewal renews first what is sent or being sent, and leaves out the batch the
success recorder is writing at that moment (issue #19): both would write the same deliveries,
and one would only wait for the other. The batch's leases are renewed in the next round if it
is handed back."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from notifications import dispatcher as module
from notifications.dispatcher import Dispatcher
from wspolpraca.envelope import utcnow


def renewing_dispatcher(monkeypatch, held: list[str]) -> tuple[Dispatcher, list[dict]]:
    dispatcher = Dispatcher.__new__(Dispatcher)
    dispatcher.mongo = SimpleNamespace(db=None)
    dispatcher.lease_seconds, dispatcher.clock_skew = 40.0, 2.0
    running_low = utcnow() + timedelta(seconds=10)     # past half its time, unexpired
    dispatcher._held = {i: ("mine", running_low) for i in held}
    dispatcher._recording = frozenset()
    dispatcher._claimed = {}
    asked: list[dict] = []

    def renew_claims(db, claims, now, until, busy):   # the database's part
        skipped = set(busy())
        sent = {token: [i for i in ids if i not in skipped]
                for token, ids in claims.items()}
        asked.append(sent)
        return {i for ids in sent.values() for i in ids}

    monkeypatch.setattr(module, "repository", SimpleNamespace(renew_claims=renew_claims))
    return dispatcher, asked


def test_the_batch_being_recorded_is_not_renewed_meanwhile(monkeypatch):
    dispatcher, asked = renewing_dispatcher(monkeypatch, ["a", "b", "c"])
    dispatcher._recording = frozenset({"b"})
    assert dispatcher.renew_claims() == 2
    assert asked == [{"mine": ["a", "c"]}]


def test_once_the_recording_is_over_its_leases_are_renewed_again(monkeypatch):
    dispatcher, asked = renewing_dispatcher(monkeypatch, ["a", "b"])
    dispatcher._recording = frozenset({"b"})
    assert dispatcher.renew_claims() == 1              # "a"; "b" is being recorded
    dispatcher._recording = frozenset()                 # handed back unrecorded
    assert dispatcher.renew_claims() == 1
    assert asked[-1] == {"mine": ["b"]}


def test_what_is_sent_or_being_sent_is_renewed_before_what_still_waits(monkeypatch):
    dispatcher, asked = renewing_dispatcher(monkeypatch, ["waits", "sent", "sending"])
    dispatcher._claimed = {"waits": {"_id": "waits"}}     # handed over, not taken yet
    assert dispatcher.renew_claims() == 3
    assert asked == [{"mine": ["sent", "sending", "waits"]}]
