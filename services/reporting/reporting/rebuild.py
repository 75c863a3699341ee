"""Rebuild every read model from the event log: `wspolpraca-admin rebuild`.

The handlers keep logging and projecting while this runs, and nothing is lost:

1. take a watermark (now) and replay, in memory and in time order, every event
   logged up to it;
2. drop the read models and write the rebuilt ones;
3. catch up: re-apply every event logged since the watermark less a margin (which
   covers transactions that began before the watermark and committed after the
   replay read the log), repeatedly until a pass finds nothing new;
4. set the kept sums and names from the documents they count (`figures.reconcile`, one
   transaction): step 2 wrote the documents while the handlers went on adding to the
   sums, so the two may differ until then. The sums are never written outside a
   transaction: a bulk delete of them beside the handlers' transactions, which read and
   write them in two statements, can stop the embedded SecantusDB server (the lock order
   of "100 × 100 stops the embedded database" in docs/performance.md).

Re-applying an event the live handlers already applied changes nothing, because
every projection is an idempotent, order-independent merge (see `projections`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol, TextIO

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from reporting import figures
from reporting.projections import READ_MODELS, MemoryStore, apply
from reporting.repository import EVENTS, MongoStore
from wspolpraca.envelope import CloudEvent, utcnow

MARGIN = timedelta(seconds=60)
BATCH = 1000


class ProgressBar(Protocol):
    def advance(self, count: int = 1) -> None: ...

    def finish(self) -> None: ...


class Progress:
    """A textual progress bar: `[#########.........]  45%  45000/100000 events`."""

    def __init__(self, total: int, out: TextIO | None, width: int = 30) -> None:
        self.total, self.out, self.width = total, out, width
        self.done = 0
        self._shown = -1

    def advance(self, count: int = 1) -> None:
        self.done += count
        percent = 100 if not self.total else min(100, self.done * 100 // self.total)
        if self.out is not None and (percent != self._shown or self.done == self.total):
            filled = self.width * percent // 100
            self.out.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%  "
                           f"{self.done}/{self.total} events")
            self.out.flush()
            self._shown = percent

    def finish(self) -> None:
        if self.out is not None:
            self.out.write("\n")
            self.out.flush()


def _write(db: Database, memory: MemoryStore) -> int:
    written = 0
    for name in READ_MODELS:
        if name in figures.KEPT:
            continue  # set in a transaction at the end (`figures.reconcile`)
        db[name].delete_many({})
        docs = memory.find(name)
        for start in range(0, len(docs), BATCH):
            chunk = docs[start:start + BATCH]
            try:
                db[name].insert_many(chunk, ordered=False)
            except BulkWriteError as exc:
                # a live handler created the document meanwhile: the rebuilt one wins,
                # and the catch-up re-applies that handler's event on top of it
                failed = {e["index"] for e in exc.details.get("writeErrors", [])}
                for index in failed:
                    db[name].replace_one({"_id": chunk[index]["_id"]}, chunk[index],
                                         upsert=True)
            written += len(chunk)
    return written


def _apply_live(db: Database, event: CloudEvent) -> None:
    with db.client.start_session() as session:
        session.with_transaction(
            lambda s: apply(event, MongoStore(db, s)),
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
        )


def rebuild(db: Database, out: TextIO | None = sys.stderr,
            margin: timedelta = MARGIN,
            progress_bar: Callable[[int], ProgressBar] | None = None) -> dict[str, Any]:
    """`progress_bar(total)` makes the bar of the replay (default: `Progress` on `out`)."""
    started = time.perf_counter()
    watermark = utcnow()
    upto = {"logged_at": {"$lte": watermark}}
    total = db[EVENTS].count_documents(upto)
    progress = progress_bar(total) if progress_bar else Progress(total, out)
    memory = MemoryStore()
    replayed = 0
    # read in the server's natural order (sorting there is slower) and order by time here
    records = list(db[EVENTS].find(upto, {"time": 1, "body": 1}).batch_size(BATCH))
    records.sort(key=lambda r: (r.get("time") or "", r["_id"]))
    for record in records:
        apply(CloudEvent.from_dict(record["body"]), memory)
        replayed += 1
        if replayed % 500 == 0:
            progress.advance(500)
    if replayed % 500:
        progress.advance(replayed % 500)
    progress.finish()
    replay_seconds = time.perf_counter() - started
    documents = _write(db, memory)

    caught_up: set[str] = set()
    since = watermark - margin
    while True:
        fresh = [r for r in db[EVENTS].find({"logged_at": {"$gte": since}}, {"body": 1})
                 .sort("logged_at", ASCENDING) if r["_id"] not in caught_up]
        if not fresh:
            break
        for record in fresh:
            _apply_live(db, CloudEvent.from_dict(record["body"]))
            caught_up.add(record["_id"])
    with db.client.start_session() as session:
        documents += session.with_transaction(lambda s: figures.reconcile(db, s),
                                 read_concern=ReadConcern("snapshot"),
                                 write_concern=WriteConcern("majority"))
    elapsed = time.perf_counter() - started
    return {"events": replayed, "documents": documents, "caught_up": len(caught_up),
            "seconds": round(elapsed, 3),
            "events_per_second": round(replayed / replay_seconds) if replay_seconds else None}


def main(argv: list[str] | None = None) -> int:
    """`python -m reporting.rebuild`: the operator CLI's `wspolpraca-admin rebuild`."""
    from wspolpraca.cli import run

    return run(["rebuild", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
