"""The calendar feeds kept rendered in a process (notifications.feeds): current only at the
version and within the window they were rendered for, bounded by count and by bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifications.feeds import KeptFeeds, Rendered, entity_tag

SINCE = datetime(2030, 1, 1, tzinfo=UTC)
V1 = (("public", "a"),)
V2 = (("public", "b"),)


def key(n: int) -> tuple[tuple[str, ...], str]:
    return ((f"user:{n}", "public"), "Współpraca: mój kalendarz")


def rendered(version=V1, size: int = 10, oldest: datetime | None = SINCE,
             tagged: bool = True) -> Rendered:
    return Rendered(version, oldest, "tag" if tagged else "", b"x" * size)


class Renders:
    def __init__(self, **kwargs) -> None:
        self.kwargs = kwargs
        self.count = 0

    def __call__(self) -> Rendered:
        self.count += 1
        return rendered(**self.kwargs)


def test_a_feed_is_rendered_once_while_its_version_and_window_hold():
    kept = KeptFeeds(max_feeds=4, max_bytes=1000)
    render = Renders()
    first = kept.get(key(1), V1, SINCE, render)
    assert kept.get(key(1), V1, SINCE, render) is first
    assert render.count == 1
    assert kept.get(key(1), V2, SINCE, Renders(version=V2)) is not first   # an entry changed
    later = SINCE + timedelta(days=1)   # its oldest entry left the window
    assert kept.lookup(key(1), V2, later) is None


def test_at_most_max_feeds_are_kept_the_least_recently_used_leaving_first():
    kept = KeptFeeds(max_feeds=3, max_bytes=10_000)
    for n in range(3):
        kept.get(key(n), V1, SINCE, Renders())
    kept.get(key(0), V1, SINCE, Renders())          # used again: now the newest
    kept.get(key(3), V1, SINCE, Renders())
    assert len(kept) == 3
    assert kept.lookup(key(1), V1, SINCE) is None    # the least recently used left
    assert all(kept.lookup(key(n), V1, SINCE) for n in (0, 2, 3))
    for n in range(4, 100):
        kept.get(key(n), V1, SINCE, Renders())
    assert len(kept) == 3 and kept.bytes == 30


def test_the_kept_bytes_stay_under_max_bytes_and_a_larger_feed_is_not_kept():
    kept = KeptFeeds(max_feeds=100, max_bytes=250)
    for n in range(10):
        kept.get(key(n), V1, SINCE, Renders(size=100))
    assert len(kept) == 2 and kept.bytes == 200
    huge = kept.get(key(99), V1, SINCE, Renders(size=251))
    assert huge.body == b"x" * 251                     # answered all the same
    assert kept.lookup(key(99), V1, SINCE) is None and kept.bytes <= 250
    kept.get(key(8), V2, SINCE, Renders(version=V2, size=50))   # replaced, not added
    assert kept.bytes == 150


def test_nothing_is_kept_with_max_feeds_zero_nor_a_rendering_without_a_tag():
    off = KeptFeeds(max_feeds=0, max_bytes=1000)
    render = Renders()
    off.get(key(1), V1, SINCE, render)
    off.get(key(1), V1, SINCE, render)
    assert render.count == 2 and len(off) == 0
    kept = KeptFeeds(max_feeds=4, max_bytes=1000)
    kept.get(key(1), V1, SINCE, Renders(tagged=False))  # read while entries kept changing
    assert len(kept) == 0


def test_the_entity_tag_names_the_feed_its_version_and_its_oldest_entry():
    tag = entity_tag(key(1), V1, SINCE)
    assert tag == entity_tag(key(1), V1, SINCE)
    assert len({tag, entity_tag(key(2), V1, SINCE), entity_tag(key(1), V2, SINCE),
                entity_tag(key(1), V1, SINCE + timedelta(hours=1)),
                entity_tag(key(1), V1, None)}) == 5


def test_a_feed_read_while_its_entries_change_is_read_again_and_untagged_if_they_keep_changing(
        monkeypatch):
    from notifications import queries, repository

    stamps = iter(["b", "c", "d", "e"])
    monkeypatch.setattr(repository, "calendar_entries", lambda db, audiences, since: [])
    monkeypatch.setattr(repository, "calendar_versions", lambda db, audiences: [
        {"_id": "public", "stamp": next(stamps), "changed_at": SINCE}])
    key_ = (("public",), "Współpraca: kalendarz")
    changing = queries._render_calendar(None, key_, V1, SINCE, attempts=3)
    assert changing.etag == "" and changing.version == (("public", "d"),)
    settled = queries._render_calendar(None, key_, (("public", "e"),), SINCE)
    assert settled.etag == entity_tag(key_, (("public", "e"),), None)
    assert b"BEGIN:VCALENDAR" in settled.body
