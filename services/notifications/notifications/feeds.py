"""The calendar feeds, kept rendered in each process until an entry in them changes.

Calendar apps poll a feed often, and a feed holds every entry of its audiences (from 90 days
back), so rendering it grows with the entries. A feed is named by its audiences (the public
feed `["public"]`, a personal one the signed link's audiences with `"public"`); its version
is the stamps of those audiences' documents in `calendar_versions`, which every write of an
entry changes in the entry's own transaction (`repository.Calendar`). A request reads the
stamps (one read by _id) and answers the kept rendering when they are the ones it was made
from, so every replica and a restarted process see a change at once; otherwise it renders
again (that first rendering after a change still grows with the entries).

Time changes a feed too: an entry older than the 90 days leaves it. A rendering remembers its
oldest entry's start and is current only while that entry is still in the window. The entity
tag names the feed, its version and that oldest start: the same tag means the same entries,
rendered to the same bytes in every replica (the events' DTSTAMP is the feed's last change),
so it is a strong tag and `If-None-Match` is answered 304 without a body.

Each process keeps at most `max_feeds` renderings and `max_bytes` of them, the least
recently used leaving first; `max_feeds` 0 keeps none (every request renders, as before).
Renderings of one feed are serialised (clients polling a feed that just changed render it
once).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from notifications.config import load_notification_settings
from wspolpraca.config import settings_of

FeedKey = tuple[tuple[str, ...], str]          # (the audiences, sorted; the feed's name)
Version = tuple[tuple[str, str], ...]          # ((audience, stamp), ...)


@dataclass(frozen=True)
class Rendered:
    """A feed as rendered: the version it was read at, its oldest entry's start (None:
    no entries) and the bytes, with their entity tag."""

    version: Version
    oldest: datetime | None
    etag: str
    body: bytes

    def current(self, version: Version, since: datetime) -> bool:
        return self.version == version and (self.oldest is None or self.oldest >= since)


def version_of(documents: list[Mapping[str, Any]]) -> Version:
    return tuple(sorted((str(d["_id"]), str(d.get("stamp", ""))) for d in documents))


def entity_tag(key: FeedKey, version: Version, oldest: datetime | None) -> str:
    """The feed's strong entity tag (unquoted): its key, version and oldest entry."""
    text = repr((key, version, oldest.isoformat() if oldest else None))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class KeptFeeds:
    """The renderings of one process: an LRU bounded by count and by bytes."""

    def __init__(self, max_feeds: int, max_bytes: int) -> None:
        self.max_feeds = max_feeds
        self.max_bytes = max_bytes
        self.bytes = 0
        self.renderings = 0
        self._kept: OrderedDict[FeedKey, Rendered] = OrderedDict()
        self._locks: dict[FeedKey, Semaphore] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def lookup(self, key: FeedKey, version: Version, since: datetime) -> Rendered | None:
        found = self._kept.get(key)
        if found is None or not found.current(version, since):
            return None
        self._kept.move_to_end(key)
        return found

    def keep(self, key: FeedKey, rendered: Rendered) -> None:
        old = self._kept.pop(key, None)
        if old is not None:
            self.bytes -= len(old.body)
        if self.max_feeds <= 0 or len(rendered.body) > self.max_bytes:
            return
        self._kept[key] = rendered
        self.bytes += len(rendered.body)
        while len(self._kept) > self.max_feeds or self.bytes > self.max_bytes:
            gone_key, gone = self._kept.popitem(last=False)
            self.bytes -= len(gone.body)
            self._locks.pop(gone_key, None)

    def get(self, key: FeedKey, version: Version, since: datetime,
            render: Callable[[], Rendered]) -> Rendered:
        """The kept rendering of `key` if it is current, else `render()`, kept when it has
        an entity tag (one without was read while entries kept changing)."""
        found = self.lookup(key, version, since)
        if found is not None:
            return found
        lock = self._locks.setdefault(key, Semaphore())
        with lock:
            found = self.lookup(key, version, since)   # rendered meanwhile by another request
            if found is not None:
                return found
            rendered = render()
            self.renderings += 1
            if rendered.etag:
                self.keep(key, rendered)
        if key not in self._kept:
            self._locks.pop(key, None)
        return rendered

    def clear(self) -> None:
        self._kept.clear()
        self._locks.clear()
        self.bytes = 0


class CalendarFeeds(DependencyProvider):
    """`feeds = CalendarFeeds()`: the process's kept renderings (a worker gets them whole)."""

    def setup(self) -> None:
        config = load_notification_settings(settings_of(self.container.config),
                                            self.container.config)
        self.kept = KeptFeeds(config.calendar_kept_feeds, config.calendar_kept_bytes)

    def get_dependency(self, worker_ctx) -> KeptFeeds:
        return self.kept
