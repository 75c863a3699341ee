"""The year's figures kept as the events arrive: the sums of the annual report's largest
calendar-year parts (organisations, inquiries, consultation comments), so that the report
and the statistics read a few sums instead of every organisation, inquiry and comment.

Every counted document carries what it adds to the sums (`_figures`: `[year, key, value]`
triples). When a projection changes the document (`projections.merge`, in the event's own
transaction), `recount` computes what it adds now, writes the difference to the sums and
keeps the new triples on the document. So the sums always equal what the documents add:

- an event applied twice, late, or out of order leaves the document, hence its triples,
  as the merge leaves them, and a document that did not change adds no difference;
- the rebuild replays the log into memory with the same `merge`, so the documents it
  writes carry their triples; it then sets the sums (and names) from the documents in one
  transaction (`reconcile`), after which every event keeps them equal.

The sums of a year are spread over `SHARDS` documents (`<year>:<shard>`, a document always
adding to the same shard, by its id), so that concurrent events rarely write the same sums
document; a reader adds the shards up. Keys with a zero sum are dropped.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

FIGURES = "figures"
NAMES = "organization_names"
"""The organisations' names, `SHARDS` documents (`names:<shard>`): what the report needs of
every organisation it lists, without reading every organisation."""
SHARDS = 16
EVERY_YEAR = 0
"""The year of figures that belong to no year (organisations verified now)."""

ORGANIZATIONS = "organizations"  # the names of projections' collections (no import cycle)
INQUIRIES = "inquiries"
COMMENTS = "consultation_comments"
COUNTED = frozenset({ORGANIZATIONS, INQUIRIES, COMMENTS})
KEPT = frozenset({FIGURES, NAMES})

# keys of the sums
REGISTERED = "organizations.registered"
VERIFIED = "organizations.verified"
TOTAL_VERIFIED = "organizations.total_verified"
RECEIVED = "inquiries.received"
ANSWERED = "inquiries.answered"
ON_TIME = "inquiries.answered_on_time"
RESPONSES = "inquiries.responses"  # answers with a response time
RESPONSE_MS = "inquiries.response_ms"  # their response times summed, in milliseconds


def registered_in(month: int) -> str:
    return f"months|{month}|organizations_registered"


def comments_in(month: int) -> str:
    return f"months|{month}|comments"


def district(code: str) -> str:
    return f"district|{code}"


def department(code: str, what: str) -> str:
    return f"department|{what}|{code}"


class Store(Protocol):
    def get(self, collection: str, _id: str) -> dict[str, Any] | None: ...

    def put(self, collection: str, doc: dict[str, Any]) -> None: ...


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _year(value: Any) -> int | None:  # as stats.year_of
    text = str(value or "")
    return _number(text[:4]) if len(text) >= 4 else None


def _month(value: Any) -> int | None:  # as stats.month_of
    text = str(value or "")
    month = _number(text[5:7]) if len(text) >= 7 else None
    return month if month is not None and 1 <= month <= 12 else None


def span(start: Any, end: Any) -> timedelta | None:
    """The time from `start` to `end` (ISO 8601 texts), None if either is not one; when one
    of them has no zone, both are taken as local times."""
    try:
        a = datetime.fromisoformat(start.replace("Z", "+00:00"))
        b = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    if a.tzinfo is None or b.tzinfo is None:
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return b - a


def response_ms(start: Any, end: Any) -> int | None:
    """Milliseconds from `start` to `end` (as `stats.days_between`, exact)."""
    delta = span(start, end)
    if delta is None:
        return None
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def contributions(collection: str, doc: dict[str, Any]) -> dict[tuple[int, str], int]:
    """What one document of a counted read model adds to the sums: (year, key) → value,
    by the same rules as `stats.summary`."""
    added: dict[tuple[int, str], int] = {}

    def add(year: int, key: str, value: int = 1) -> None:
        added[year, key] = added.get((year, key), 0) + value

    if collection == ORGANIZATIONS:
        moment = doc.get("registered_at") or doc.get("first_seen_at")
        year = _year(moment)
        if year is not None:
            add(year, REGISTERED)
            add(year, district(doc.get("district") or ""))
            month = _month(moment)
            if month is not None:
                add(year, registered_in(month))
        verified = _year(doc.get("verified_at"))
        if verified is not None:
            add(verified, VERIFIED)
        if doc.get("status") == "verified":
            add(EVERY_YEAR, TOTAL_VERIFIED)
    elif collection == INQUIRIES:
        code = doc.get("department") or ""
        received = _year(doc.get("received_at"))
        if received is not None:
            add(received, RECEIVED)
            add(received, department(code, "received"))
        answered = _year(doc.get("answered_at"))
        if answered is not None:
            add(answered, ANSWERED)
            add(answered, department(code, "answered"))
            if doc.get("on_time") is True:
                add(answered, ON_TIME)
            took = response_ms(doc.get("received_at"), doc.get("answered_at"))
            if took is not None:
                add(answered, RESPONSES)
                add(answered, RESPONSE_MS, took)
    elif collection == COMMENTS:
        moment = doc.get("submitted_at")
        year, month = _year(moment), _month(moment)
        if isinstance(moment, str) and year is not None and month is not None:
            add(year, comments_in(month))
    return added


def shard_of(_id: Any) -> int:
    return zlib.crc32(str(_id).encode("utf-8")) % SHARDS


def _escape(key: str) -> str:
    """A key as a field name: no dots or dollars (codes come from events)."""
    return key.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _unescape(name: str) -> str:
    return name.replace("%24", "$").replace("%2E", ".").replace("%25", "%")


def recount(store: Store, collection: str, doc: dict[str, Any]) -> None:
    """Bring the sums up to date with the document as it is now (before it is stored)."""
    now = contributions(collection, doc)
    triples = sorted([year, key, value] for (year, key), value in now.items())
    before = doc.get("_figures")
    doc["_figures"] = triples
    if before == triples:
        return  # the usual case: the event changed nothing the sums count
    changed = dict(now)
    for year, key, value in before or []:
        changed[year, key] = changed.get((year, key), 0) - value
    by_year: dict[int, dict[str, int]] = {}
    for (year, key), value in changed.items():
        if value:
            by_year.setdefault(year, {})[key] = value
    shard = shard_of(doc["_id"])
    for year, values in sorted(by_year.items()):
        _id = f"{year}:{shard:02d}"
        sums = store.get(FIGURES, _id) or {"_id": _id, "year": year, "values": {}}
        kept = sums.setdefault("values", {})
        for key, value in values.items():
            name = _escape(key)
            total = kept.get(name, 0) + value
            if total:
                kept[name] = total
            else:
                kept.pop(name, None)
        store.put(FIGURES, sums)


def keep(store: Store, collection: str, doc: dict[str, Any]) -> None:
    """What `merge` does for a counted document before storing it: its sums, and for an
    organisation its name (set whenever the kept one differs, so a redelivery mends it)."""
    recount(store, collection, doc)
    if collection == ORGANIZATIONS:
        _id = f"names:{shard_of(doc['_id']):02d}"
        names = store.get(NAMES, _id) or {"_id": _id, "names": {}}
        key = _escape(str(doc["_id"]))
        if key not in names["names"] or names["names"][key] != doc.get("name"):
            names["names"][key] = doc.get("name")
            store.put(NAMES, names)


def names(source: Any, ids: Iterable[str]) -> dict[str, Any]:
    """The kept names of these organisations (None for one not known)."""
    kept: dict[str, Any] = {}
    for doc in source.find(NAMES):
        kept.update(doc.get("names") or {})
    return {i: kept.get(_escape(str(i))) for i in ids}


def of_year(documents: Iterable[dict[str, Any]], year: int) -> Counter[str]:
    """The year's sums (key → value) from the sums documents (every shard)."""
    total: Counter[str] = Counter()
    for doc in documents:
        if doc.get("year") == year:
            for name, value in (doc.get("values") or {}).items():
                total[_unescape(name)] += value
    return Counter({key: value for key, value in total.items() if value})  # zero: none


def sums(source: Any, year: int) -> Counter[str]:
    """The kept sums of `year` from a source (`Reader` or `MemoryStore`)."""
    return of_year(source.find(FIGURES), year)


def prefixed(sums: Counter[str], prefix: str) -> dict[str, int]:
    """Sums whose key starts with `prefix|`, by the rest of their key."""
    start = prefix + "|"
    return {key[len(start):]: value for key, value in sums.items() if key.startswith(start)}


def totals(documents: Iterable[tuple[Any, list[list[Any]]]]) -> dict[str, dict[str, Any]]:
    """The sums documents that (document id, `_figures`) pairs add up to."""
    result: dict[str, dict[str, Any]] = {}
    for _id, triples in documents:
        shard = shard_of(_id)
        for year, key, value in triples or []:
            name = f"{year}:{shard:02d}"
            values = result.setdefault(name, {"_id": name, "year": year, "values": {}})["values"]
            values[_escape(key)] = values.get(_escape(key), 0) + value
    for doc in result.values():
        doc["values"] = {k: v for k, v in doc["values"].items() if v}
    return result


def name_documents(organizations: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The names documents of these organisations."""
    result: dict[str, dict[str, Any]] = {}
    for doc in organizations:
        _id = f"names:{shard_of(doc['_id']):02d}"
        result.setdefault(_id, {"_id": _id, "names": {}})["names"][
            _escape(str(doc["_id"]))] = doc.get("name")
    return result


def reconcile(db: Any, session: Any = None) -> int:
    """Set the sums to what the counted documents add (their `_figures`) and the names to
    the organisations', every kept document written, so that a handler committing meanwhile
    conflicts with this transaction and one of the two is retried on top of the other.
    The number of documents written."""
    pairs = ((doc["_id"], doc.get("_figures"))
             for name in sorted(COUNTED)
             for doc in db[name].find({}, {"_figures": 1}, session=session))
    wanted = {FIGURES: totals(pairs),
              NAMES: name_documents(db[ORGANIZATIONS].find({}, {"name": 1}, session=session))}
    for name, docs in wanted.items():
        for doc in db[name].find({}, {"_id": 1, "year": 1}, session=session):
            empty = {"values": {}, "year": doc.get("year")} if name == FIGURES else {"names": {}}
            docs.setdefault(doc["_id"], {"_id": doc["_id"], **empty})
        for doc in docs.values():
            db[name].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=session)
    return sum(len(docs) for docs in wanted.values())
