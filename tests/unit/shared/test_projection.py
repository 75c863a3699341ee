"""The one rule for keeping the newest projection (wspolpraca.projection)."""

from wspolpraca.projection import newer_kept

T1, T2 = "2026-05-01T10:00:00.000Z", "2026-05-01T11:00:00.000Z"


def test_nothing_kept_yet_takes_the_state():
    assert not newer_kept(None, 3, T1)


def test_a_higher_version_wins_whatever_the_times():
    assert newer_kept({"version": 4, "event_time": T1}, 3, T2)
    assert not newer_kept({"version": 3, "event_time": T2}, 4, T1)


def test_without_versions_the_later_event_wins():
    assert newer_kept({"event_time": T2}, None, T1)
    assert not newer_kept({"event_time": T1}, None, T2)


def test_an_equally_new_state_is_applied_again():
    assert not newer_kept({"version": 3, "event_time": T1}, 3, T1)
    assert not newer_kept({"event_time": T1}, None, T1)
