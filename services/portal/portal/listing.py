"""Long lists of the workspaces: one page of an API's `{items, next_cursor}` at a time, with
the filters the API supports, and links ("Poprzednia strona", "Następna strona") that work
without JavaScript.

The APIs page forward only (a cursor over `_id`), so the way back travels in the URL: `strona`
is the cursor of the page shown, `wstecz` the cursors of the pages before it (the first page
has none). Several lists on one page each take their own `key` ("strona", "wnioski", ...).
No rule of the Act here: the filters are the API's query parameters, under Polish names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

PER_PAGE = 20                    # rows a workspace list shows at once
MAX_LIMIT = 200                  # the most rows the APIs give at once (pagination.MAX_LIMIT)
MAX_TRAIL = 100                  # pages one can step back through (keeps the URL short)
_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,64}$")   # what pagination.encode_cursor makes
_SEP = "."


@dataclass(frozen=True)
class Filter:
    """One of a list's filters: the URL's (Polish) parameter, the API's, the label a person
    reads and, for a select, the choices (value -> Polish name); a search box without."""

    name: str
    api: str
    label: str
    choices: Mapping[str, str] | None = None
    default: str = ""
    max_length: int = 200

    def value(self, args: Mapping[str, str]) -> str:
        raw = args.get(self.name)
        if raw is None:
            return self.default
        text = raw.strip()[: self.max_length]
        if self.choices is not None and text not in self.choices:
            return self.default if text else ""
        return text


@dataclass
class Listing:
    """One page of a list: its rows (None when the service did not answer), the chosen
    filters and the links to the pages around it."""

    path: str
    key: str
    filters: tuple[Filter, ...]
    chosen: dict[str, str]
    cursor: str
    trail: list[str]
    items: list[dict[str, Any]] | None = None
    next_cursor: str | None = None
    total: int | None = None
    keep: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> int:
        """The page's number, from 1."""
        return len(self.trail) + 2 if self.cursor else 1

    @property
    def back_key(self) -> str:
        return back_key(self.key)

    def api_params(self, per_page: int = PER_PAGE) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": per_page}
        if self.cursor:
            params["cursor"] = self.cursor
        for f in self.filters:
            if self.chosen.get(f.name):
                params[f.api] = self.chosen[f.name]
        return params

    def link(self, cursor: str = "", trail: list[str] | None = None) -> str:
        query = dict(self.keep)
        query.update({k: v for k, v in self.chosen.items() if v})
        # a filter chosen empty on purpose ("wszystkie") stays chosen on the other pages
        query.update({f.name: "" for f in self.filters
                      if f.default and not self.chosen.get(f.name)})
        if cursor:
            query[self.key] = cursor
            if trail:
                query[self.back_key] = _SEP.join(trail[-MAX_TRAIL:])
        return self.path + ("?" + urlencode(query) if query else "")

    @property
    def next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        trail = [*self.trail, self.cursor] if self.cursor else []
        return self.link(self.next_cursor, trail)

    @property
    def previous_link(self) -> str | None:
        if not self.cursor:
            return None
        if not self.trail:
            return self.link()
        return self.link(self.trail[-1], self.trail[:-1])

    @property
    def first_link(self) -> str | None:
        return self.link() if len(self.trail) >= 1 else None

    @property
    def filtered(self) -> bool:
        return any(self.chosen.get(f.name) != f.default for f in self.filters)


def back_key(key: str) -> str:
    return "wstecz" if key == "strona" else f"{key}_wstecz"


def _cursor(text: str | None) -> str:
    text = (text or "").strip()
    return text if _CURSOR.match(text) else ""


def listing_of(args: Mapping[str, str], path: str, *, key: str = "strona",
               filters: tuple[Filter, ...] = (), keep: tuple[str, ...] = ()) -> Listing:
    """The page a request asks for: its cursor, the way back and the filters, checked (an
    unknown choice counts as none; a malformed cursor as the first page)."""
    cursor = _cursor(args.get(key))
    trail = [c for c in (_cursor(t) for t in (args.get(back_key(key)) or "").split(_SEP)) if c]
    return Listing(path=path, key=key, filters=filters,
                   chosen={f.name: f.value(args) for f in filters},
                   cursor=cursor, trail=trail[-MAX_TRAIL:] if cursor else [],
                   keep={k: args[k] for k in keep if args.get(k)})


def load(listing: Listing, fetch: Callable[[dict[str, Any]], dict[str, Any]],
         per_page: int = PER_PAGE, **fixed: Any) -> Listing:
    """Fills the listing with the API's answer to its query (and the `fixed` parameters the
    page always sends); `total` when the API counts."""
    answer = fetch({**listing.api_params(per_page), **fixed}) or {}
    listing.items = answer.get("items", [])
    listing.next_cursor = answer.get("next_cursor")
    total = answer.get("total")
    listing.total = total if isinstance(total, int) else None
    return listing
