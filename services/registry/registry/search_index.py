"""The organisation search read model: every organisation in memory, in each registry process.

`GET /api/v1/organizations` (the public directory, the portal's search-as-you-type on every
keystroke) asked SecantusDB, which decodes and sorts every match in Python before it applies
the limit: 0.2 s for one search at 20,000 organisations. Each registry process now keeps what a
search needs in memory and answers the same queries with the same pages, in the same order and
with the same cursors as `repository.organization_query` + `repository.list_page`:

- per organisation its search fields (folded name, its word prefixes, areas, status, folded
  district) and its public view, rendered once as JSON bytes (the response is these joined);
- sorted id lists (posting lists) by name prefix, area and status: a search walks the
  shortest list that applies from the cursor on, checks the other conditions (the same
  anchored pattern on the folded name as the database query) and stops at the page's end.

Kept current from the registry's own committed organisation events: each process binds a queue
of its own (exclusive, deleted with its connection) to `registry.events` `organization.#`
*before* it reads the organisations, so whatever commits during or after the load arrives as
an event; an event only names the organisation, whose current state is then read back from the
database, so events applied late, twice or out of order still leave the committed state. A lost
broker connection (the queue, and the events in it, go with it) makes the process read
everything again on a new queue. Until the index is loaded the database answers
(`OrganizationSearch.page` returns None), so a search never depends on it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from bisect import bisect_right, insort
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from kombu import Connection, Exchange, Queue, binding
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from registry.domain import SEARCH_PREFIX_LENGTH, query_prefix, search_key, word_prefixes
from registry.repository import ORGANIZATIONS
from registry.schemas import PublicOrganizationSchema
from wspolpraca.config import settings_of
from wspolpraca.http import _default as json_default
from wspolpraca.metrics import SCRAPE_TIME
from wspolpraca.mongo import Mongo
from wspolpraca.pagination import decode_cursor, encode_cursor

log = logging.getLogger(__name__)

# what a search reads of an organisation (the public view and the search keys)
PROJECTION = {"representatives": 0, "phone": 0, "status_reason": 0}
LOAD_BATCH = 1000
RECONNECT_SECONDS = (0.5, 1, 2, 5)
# how often the follower looks at this process's own commits between broker messages
POLL_SECONDS = 0.05
STOP_SECONDS = 5.0
# pages kept per process, dropped at any change of the index (a page is 10-20 KiB)
PAGES_KEPT = 256
_EMPTY: list[str] = []


class Entry:
    """One organisation as the index keeps it."""

    __slots__ = ("name_key", "prefixes", "areas", "status", "district_key", "version", "body",
                 "exact")

    def __init__(self, doc: dict[str, Any], body: bytes) -> None:
        self.name_key: str | None = doc.get("name_key")
        self.prefixes: tuple[str, ...] = tuple(sys.intern(p)
                                               for p in doc.get("name_prefixes") or ())
        # its stored prefixes are its name's word prefixes (as `records` keeps them): then a
        # one-word query up to the prefix length matches the name exactly when the query is
        # one of them, and the pattern need not run
        self.exact: bool = (isinstance(self.name_key, str)
                            and sorted(self.prefixes) == word_prefixes(self.name_key))
        self.areas: tuple[str, ...] = tuple(sys.intern(a) for a in doc.get("areas") or ())
        status = doc.get("status")
        self.status: str | None = sys.intern(status) if isinstance(status, str) else status
        self.district_key: str | None = doc.get("district_key")
        self.version: int = doc.get("version") or 0
        self.body = body


def render(doc: dict[str, Any], schema: PublicOrganizationSchema) -> bytes:
    """The organisation's public view as the API answers it (one item of a page)."""
    return json.dumps(schema.dump(doc), ensure_ascii=False, default=json_default).encode()


def page_body(items: Iterable[bytes], next_cursor: str | None) -> bytes:
    """What `json_response({"items": [...], "next_cursor": ...})` writes, byte for byte."""
    return (b'{"items": [' + b", ".join(items) + b'], "next_cursor": '
            + json.dumps(next_cursor).encode() + b"}")


class OrganizationIndex:
    """The organisations in id order, with posting lists by name prefix, area and status."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.ids: list[str] = []
        self.by_prefix: dict[str, list[str]] = {}
        self.by_area: dict[str, list[str]] = {}
        self.by_status: dict[str, list[str]] = {}
        self._schema = PublicOrganizationSchema()
        # the last pages answered, as their bytes: search-as-you-type asks for the same few
        # prefixes again and again; any change of the index drops them all (`changes`)
        self._pages: dict[tuple, bytes] = {}
        self.changes = 0

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def build(cls, docs: Iterable[dict[str, Any]]) -> OrganizationIndex:
        index = cls()
        for doc in docs:
            index.entries[doc["_id"]] = Entry(doc, render(doc, index._schema))
        index.ids = sorted(index.entries)
        for organization_id in index.ids:  # appended in id order: every list sorted
            for postings, keys in index._postings(index.entries[organization_id]):
                for key in keys:
                    postings.setdefault(key, []).append(organization_id)
        return index

    def _postings(self, entry: Entry):
        yield self.by_prefix, entry.prefixes
        yield self.by_area, entry.areas
        yield self.by_status, (entry.status,) if isinstance(entry.status, str) else ()

    # changes ------------------------------------------------------------------
    def put(self, doc: dict[str, Any]) -> None:
        """The organisation's current state (new or changed); an older state read back
        late (two reads of one organisation racing) is ignored."""
        organization_id = doc["_id"]
        known = self.entries.get(organization_id)
        if known is not None and (doc.get("version") or 0) < known.version:
            return
        self.remove(organization_id)
        self._changed()
        entry = Entry(doc, render(doc, self._schema))
        self.entries[organization_id] = entry
        insort(self.ids, organization_id)
        for postings, keys in self._postings(entry):
            for key in keys:
                insort(postings.setdefault(key, []), organization_id)

    def remove(self, organization_id: str) -> None:
        entry = self.entries.pop(organization_id, None)
        if entry is None:
            return
        self._changed()
        _discard(self.ids, organization_id)
        for postings, keys in self._postings(entry):
            for key in keys:
                found = postings.get(key)
                if found is not None:
                    _discard(found, organization_id)
                    if not found:
                        del postings[key]

    def _changed(self) -> None:
        self.changes += 1
        self._pages.clear()

    # the search -----------------------------------------------------------------
    def page(self, q: str | None, area: str | None, status: str | None,
             district: str | None, limit: int, cursor: str | None) -> bytes:
        """The page's response body: `page_body` of `search`, the same bytes, answered from
        the pages kept while the index has not changed since."""
        key = (q, area, status, district, limit, cursor)
        body = self._pages.get(key)
        if body is not None:
            return body
        changes = self.changes
        body = page_body(*self.search(q, area, status, district, limit, cursor))
        if changes == self.changes:  # not changed meanwhile (another thread)
            if len(self._pages) >= PAGES_KEPT:
                self._pages.pop(next(iter(self._pages)))  # the oldest first
            self._pages[key] = body
        return body

    def search(self, q: str | None, area: str | None, status: str | None,
               district: str | None, limit: int, cursor: str | None) -> tuple[list[bytes],
                                                                              str | None]:
        """The page `organization_query` + `list_page` gives: rendered items, next cursor."""
        after = decode_cursor(cursor) if cursor else None
        lists: list[list[str]] = []
        prefix = pattern = None
        one_word = False
        if q:
            prefix, pattern, one_word = name_condition(q)
            if prefix:
                lists.append(self.by_prefix.get(prefix, _EMPTY))
        if area:
            lists.append(self.by_area.get(area, _EMPTY))
        if status:
            lists.append(self.by_status.get(status, _EMPTY))
        district_key = folded(district) if district else None
        candidates = min(lists, key=len) if lists else self.ids
        from_prefix = bool(prefix) and candidates is self.by_prefix.get(prefix)
        if from_prefix:
            prefix = None  # every candidate has it
        found: list[str] = []
        entries = self.entries
        for position in range(bisect_right(candidates, after) if after else 0,
                              len(candidates)):
            organization_id = candidates[position]
            entry = entries[organization_id]
            if pattern is not None:
                if one_word and entry.exact:  # the prefix is the whole condition
                    if not from_prefix and prefix not in entry.prefixes:
                        continue
                elif ((prefix and prefix not in entry.prefixes)
                        or not isinstance(entry.name_key, str)
                        or pattern.search(entry.name_key) is None):
                    continue
            if area and area not in entry.areas:
                continue
            if status and entry.status != status:
                continue
            if district and entry.district_key != district_key:
                continue
            found.append(organization_id)
            if len(found) > limit:
                break
        more = len(found) > limit
        found = found[:limit]
        return ([entries[i].body for i in found],
                encode_cursor(found[-1]) if more and found else None)


@lru_cache(maxsize=4096)
def name_condition(q: str) -> tuple[str | None, re.Pattern, bool]:
    """What `organization_query` asks of the name: the stored prefix of the query's first
    word, the pattern anchored at a word start (user input escaped), and whether the query
    is that prefix alone (one word of at most the prefix length: then a name whose prefixes
    are its own matches the pattern exactly when it has the prefix)."""
    key = search_key(q)
    prefix = query_prefix(key)
    one_word = bool(prefix) and prefix == key and len(key) <= SEARCH_PREFIX_LENGTH
    return prefix, re.compile(r"(^|\s)" + re.escape(key)), one_word


folded = lru_cache(maxsize=1024)(search_key)


def _discard(ordered: list[str], value: str) -> None:
    position = bisect_right(ordered, value) - 1
    if position >= 0 and ordered[position] == value:
        del ordered[position]


def load(db) -> OrganizationIndex:
    """Every organisation of the database, read in batches."""
    return OrganizationIndex.build(db[ORGANIZATIONS].find({}, PROJECTION,
                                                          batch_size=LOAD_BATCH))


def refresh(index: OrganizationIndex, db, ids: Iterable[str]) -> None:
    """Read these organisations' current state back into the index (an organisation that is
    no longer in the database leaves it)."""
    wanted = sorted(set(ids))
    current = {doc["_id"]: doc for doc in db[ORGANIZATIONS].find({"_id": {"$in": wanted}},
                                                                  PROJECTION)}
    for organization_id in wanted:
        if organization_id in current:
            index.put(current[organization_id])
        else:
            index.remove(organization_id)


class OrganizationSearch(DependencyProvider):
    """`search = OrganizationSearch()`: the worker gets this provider; `page(...)` answers a
    search from the index as a ready response, or None while the index is not loaded.

    Two ways a change arrives, both read back from the database:
    - the organisation events the relay publishes (the guarantee: every committed change,
      whichever process made it, also after a lost notice);
    - at once: an organisation change this process commits is read back here by the follower
      within `POLL_SECONDS` (the commits of that moment in one query, off the request's path)
      or by the next search on this process, whichever comes first, and announced on the
      fanout exchange `registry.search` to the other processes (a notice of ids only, not
      durable), so a replica sees it in a fraction of a second even when another replica's
      relay holds the lease and publishes the event only at its next sweep.
    """

    def setup(self) -> None:
        self.settings = settings_of(self.container.config)
        self.index: OrganizationIndex | None = None
        self.queue_name = f"{self.settings.service}.search.{uuid.uuid4().hex}"
        self._stopped = False
        self._finished = threading.Event()
        self._dirty: set[str] = set()
        self._catching_up = threading.Lock()
        self._to_announce: set[str] = set()
        self._mongo().commit_listeners.append(self._committed)
        SCRAPE_TIME.register(
            self.settings.service, "wspolpraca_registry_search_index_organizations",
            "Organisations in this process's search index; -1 while it loads.", [],
            lambda: [({}, float(len(self.index)) if self.index is not None else -1.0)])

    def start(self) -> None:
        self.container.spawn_managed_thread(self._run)

    def stop(self) -> None:
        """The follower closes its own connection (closing it from here, while it reads the
        same socket, could hang the stop); it sees the flag within `POLL_SECONDS`."""
        self._stopped = True
        self._finished.wait(STOP_SECONDS)

    def kill(self) -> None:
        self._stopped = True

    def get_dependency(self, worker_ctx) -> OrganizationSearch:
        return self

    @classmethod
    def of(cls, container) -> OrganizationSearch:
        """The container's search provider (for an answer given without a worker)."""
        return next(d for d in container.dependencies if isinstance(d, cls))

    def page(self, q: str | None, area: str | None, status: str | None,
             district: str | None, limit: int, cursor: str | None) -> Response | None:
        index = self.index
        if index is None:
            return None
        if self._dirty or self._catching_up.locked():  # marked, or being read back now
            try:
                self._catch_up(index)
            except Exception:  # the database answers this one
                log.warning("could not read back organisations for search", exc_info=True)
                return None
        return Response(index.page(q, area, status, district, limit, cursor),
                        mimetype="application/json")

    # keeping current ----------------------------------------------------------
    def _mongo(self) -> Mongo:
        return next(d for d in self.container.dependencies if isinstance(d, Mongo))

    def _committed(self, records: list[dict[str, Any]]) -> None:
        """After a transaction of this process committed: its organisations are marked to be
        read back, by the follower within `POLL_SECONDS` (the commits of that moment in one
        query, not one read per request) or by the next search on this process, whichever
        comes first (`_catch_up`: a search that follows on this process sees the change), and
        announced to the other processes by the follower."""
        ids = {r["body"]["subject"] for r in records
               if str(r.get("routing_key", "")).startswith("organization.")}
        if not ids:
            return
        self._to_announce |= ids
        if self.index is None:  # loading: the organisation's event reaches the new index
            return
        self._dirty |= ids

    def _catch_up(self, index: OrganizationIndex) -> None:
        """Read back what is marked for it (the lock: a read-back the follower has begun is
        finished before a search answers); on a database error the marks stay, and raise."""
        with self._catching_up:
            if not self._dirty:
                return
            ids, self._dirty = self._dirty, set()
            try:
                refresh(index, self._mongo().db, ids)
            except Exception:
                self._dirty |= ids
                raise

    def _run(self) -> None:
        try:
            self._keep_following()
        finally:
            self._finished.set()

    def _keep_following(self) -> None:
        attempt = 0
        while not self._stopped:
            try:
                self._follow()
                attempt = 0
            except Exception:  # the index must outlive any fault; the database answers
                if self._stopped:
                    return
                log.warning("organisation search index lost its events; reloading",
                            exc_info=True)
            self.index = None
            delay = RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)]
            attempt += 1
            if not self._stopped:
                time.sleep(delay)

    def _follow(self) -> None:
        """Bind this process's queue, load everything, then apply changes until stopped."""
        service = self.settings.service
        events = Exchange(f"{service}.events", "topic", durable=True, auto_delete=False)
        notices = Exchange(f"{service}.search", "fanout", durable=False, auto_delete=False)
        queue = Queue(self.queue_name, exclusive=True, auto_delete=True, durable=False,
                      bindings=[binding(events, "organization.#"), binding(notices, "")])
        with Connection(self.settings.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            events(channel).declare()
            notices(channel).declare()
            producer = connection.Producer(channel, exchange=notices)
            with connection.Consumer(queue, callbacks=[self._on_message], accept=["json"],
                                     no_ack=True):
                db = self._mongo().db
                started = time.perf_counter()
                self._dirty = set()
                index = load(db)
                self.index = index
                log.info("organisation search index: %d organisations in %.2fs",
                         len(index), time.perf_counter() - started)
                while not self._stopped:
                    try:
                        connection.drain_events(timeout=POLL_SECONDS)
                        while True:  # everything waiting, then one read for all of it
                            connection.drain_events(timeout=0.001)
                    except TimeoutError:
                        pass
                    if self._dirty:
                        self._catch_up(index)
                    if self._to_announce:
                        ids, self._to_announce = self._to_announce, set()
                        producer.publish({"ids": sorted(ids), "from": self.queue_name},
                                         serializer="json", delivery_mode=1)

    def _known(self, organization_id: str, version: Any) -> bool:
        """The index has this version already (this process wrote it, or a notice brought
        it): the event needs no read."""
        entry = self.index.entries.get(organization_id) if self.index is not None else None
        return entry is not None and isinstance(version, int) and entry.version >= version

    def _on_message(self, body: Any, message) -> None:
        if not isinstance(body, dict):
            return
        subject = body.get("subject")  # an organisation event
        if isinstance(subject, str):
            data = body.get("data")
            version = data.get("version") if isinstance(data, dict) else None
            if not self._known(subject, version):
                self._dirty.add(subject)
        elif body.get("from") != self.queue_name:  # another process's notice
            self._dirty.update(i for i in body.get("ids") or () if isinstance(i, str))

