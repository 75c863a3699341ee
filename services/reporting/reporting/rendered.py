"""The annual report's rendered documents, kept per year and format until the year's
figures change, with the entity tag that names them.

The report is public and a PDF or XLSX costs far more to render than its figures cost to
compute, so a rendering is kept under (year, format) with the fingerprint of the figures it
was made from (everything in the built report except when it was generated). A request
computes the figures (the read models, so never stale), and renders again only when their
fingerprint differs from the kept one: a new event that changes the year's figures gives a
new document, one that does not (another year, a redelivery) keeps it. The fingerprint is
the weak `ETag` (two renderings of the same figures differ only in the generation date), so
`If-None-Match` is answered with 304 before anything is rendered.

Renderings of one key are serialised (ten clients asking for the same new PDF render it
once); the cache holds at most `size` documents, the least recently used leaving first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from eventlet.semaphore import Semaphore

Render = Callable[[dict[str, Any], str], bytes]
DEFAULT_SIZE = 32


def fingerprint(built: dict[str, Any], fmt: str) -> str:
    figures = {k: v for k, v in built.items() if k != "generated_at"}
    text = json.dumps([fmt, figures], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class RenderedReports:
    def __init__(self, render: Render, size: int = DEFAULT_SIZE) -> None:
        self.render = render
        self.size = size
        self.renderings = 0
        self._kept: OrderedDict[tuple[int, str], tuple[str, bytes]] = OrderedDict()
        self._locks: dict[tuple[int, str], Semaphore] = {}

    def _lookup(self, key: tuple[int, str], tag: str) -> bytes | None:
        found = self._kept.get(key)
        if found is None or found[0] != tag:
            return None
        self._kept.move_to_end(key)
        return found[1]

    def get(self, built: dict[str, Any], fmt: str) -> tuple[str, bytes]:
        """(the fingerprint, the document) of the built report in `fmt`."""
        tag = fingerprint(built, fmt)
        key = (int(built["year"]), fmt)
        content = self._lookup(key, tag)
        if content is not None:
            return tag, content
        lock = self._locks.setdefault(key, Semaphore())
        with lock:
            content = self._lookup(key, tag)  # rendered meanwhile by another request
            if content is None:
                content = self.render(built, fmt)
                self.renderings += 1
                self._kept[key] = (tag, content)
                self._kept.move_to_end(key)
                while len(self._kept) > self.size:
                    old, _ = self._kept.popitem(last=False)
                    self._locks.pop(old, None)
        return tag, content

    def clear(self) -> None:
        self._kept.clear()
        self._locks.clear()

