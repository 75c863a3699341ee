"""HTTP conditional requests on versioned records: `ETag` out, `If-Match` in (RFC 9110).

A record's `ETag` is its `version` as a strong entity tag, `"3"`: the API sends it with a
single record (GET, and the answer of a PUT/PATCH), and a client that edits the record sends
it back as `If-Match: "3"`. The check is made where the record is read and written
(`wspolpraca.repository`), inside the write's transaction: a stored version that is not the
one named answers 412 `stale` and changes nothing. Without `If-Match` nothing is checked
(the optimistic `version` still refuses a concurrent write with 409 `concurrent_update`).

Which record the condition is about: exactly the one the ETag was given for, the record a
GET of the endpoint's resource answers. That is one path value of the request, by default
the first (`/api/v1/programmes/<id>/adopt`: the programme; `/api/v1/consultations/<id>/
meetings/<meeting_id>/move`: the consultation, whose part the meeting is); an endpoint whose
record is another path value names it (`@api(..., if_match="meeting_id")` on
`/api/v1/councils/<id>/meetings/<meeting_id>/move`: the meeting, not the council), and may
name its collection too (`if_match_collection`), so that a record of another collection
with the same id is never held to a tag it was not given. Every other record the request
reads or writes is not concerned, whatever id it has. One parsing (`HttpApi`) and one check
(the repository) serve every endpoint. `If-Match: *` matches any existing record. Weak tags
(`W/"3"`) never match (RFC 9110 13.1.1 compares strongly); the API never sends them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wspolpraca import context
from wspolpraca.errors import DomainError

STALE = "stale"
STALE_MESSAGE = ("Ktoś inny zmienił ten zapis w międzyczasie: wersja, od której zaczęto "
                 "zmiany, nie jest już aktualna. Pobierz aktualną wersję i wprowadź zmiany "
                 "ponownie.")
# one entity tag of the header's list: optional W/, then a quoted opaque tag
_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
_VERSION = re.compile(r"^(?:0|[1-9][0-9]{0,17})$")


def etag(version: int) -> str:
    """The strong entity tag of a record's version."""
    return f'"{version}"'


def record_version(record: Any) -> int | None:
    """A record's (or its view's) version, when it has one."""
    if not isinstance(record, dict):
        return None
    version = record.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        return version
    return None


class Stale(DomainError):
    """412: the record changed since the client read the version it names (its ETag and
    the current one in the `ETag` header of the answer)."""

    def __init__(self, current: int | None = None) -> None:
        super().__init__(STALE, STALE_MESSAGE, status=412)
        self.headers = {"ETag": etag(current)} if current is not None else {}

    def to_body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": {}}}


class MalformedIfMatch(DomainError):
    def __init__(self) -> None:
        super().__init__("malformed_if_match",
                         'Nagłówek If-Match musi być listą znaczników w cudzysłowie, '
                         'np. If-Match: "3", albo znakiem *.', field="If-Match", status=400)


@dataclass(frozen=True)
class Precondition:
    """A request's `If-Match` about the one record its ETag was given for: `versions` the
    versions it accepts (None: `*`, any), `target` the record's id, `collection` its
    collection (None: the endpoint did not name it; then the id alone tells it)."""

    versions: frozenset[int] | None
    target: str
    collection: str | None = None

    def applies_to(self, record_id: Any, collection: str | None = None) -> bool:
        """Is this the record the condition is about (`collection`: where it was read)?"""
        if not isinstance(record_id, str) or record_id != self.target:
            return False
        return self.collection is None or collection == self.collection

    def matches(self, version: int) -> bool:
        return self.versions is None or version in self.versions

    def check(self, record: dict[str, Any], collection: str | None = None) -> None:
        """412 unless the record (if it is the one the condition applies to) has an accepted
        version. A record that carries no version is not concerned."""
        version = record_version(record)
        if version is None or not self.applies_to(record.get("_id"), collection):
            return
        if not self.matches(version):
            raise Stale(version)


def parse_if_match(header: str | None) -> frozenset[int] | None | bool:
    """The versions `If-Match` accepts: a set (empty when its tags name no version, so nothing
    matches), None for `*`, False without the header. A header that is no list of quoted
    tags is refused (400)."""
    if header is None:
        return False
    text = header.strip()
    if text == "*":
        return None
    if not text:
        raise MalformedIfMatch()
    versions: set[int] = set()
    position = 0
    while position < len(text):
        found = _TAG.match(text, position)
        if found is None or found.end() == position:
            raise MalformedIfMatch()
        weak, opaque = found.group(1), found.group(2)
        if not weak and _VERSION.match(opaque):
            versions.add(int(opaque))
        position = found.end()
    return frozenset(versions)


def request_data(headers: Any, method: str, path_values: dict[str, Any],
                 target: str | None = None, collection: str | None = None) -> dict[str, Any]:
    """What a request's worker needs to check its `If-Match` (nothing without one; a GET's
    is ignored: it changes nothing): the path value `target` names (by default the first
    one) is the id of the record it is about, of `collection` when the endpoint names it.
    A path that names no record (or not that value) leaves nothing to check."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return {}
    parsed = parse_if_match(headers.get("If-Match"))
    if parsed is False:
        return {}
    name = target if target is not None else next(iter(path_values), None)
    record_id = path_values.get(name) if name is not None else None
    if not isinstance(record_id, str):
        return {}
    return {context.IF_MATCH: None if parsed is None else sorted(parsed),
            context.IF_MATCH_TARGET: record_id, context.IF_MATCH_COLLECTION: collection}


def from_worker(data: dict[str, Any] | None) -> Precondition | None:
    """The worker's precondition (None when its request sent no `If-Match`)."""
    if not data or not isinstance(data.get(context.IF_MATCH_TARGET), str):
        return None
    versions = data.get(context.IF_MATCH)
    return Precondition(None if versions is None else frozenset(versions),
                        data[context.IF_MATCH_TARGET], data.get(context.IF_MATCH_COLLECTION))


def etag_of(method: str, result: Any) -> str | None:
    """The `ETag` of an answer: a single versioned record read or edited (GET, PUT, PATCH)."""
    if method not in ("GET", "HEAD", "PUT", "PATCH"):
        return None
    version = record_version(result)
    return etag(version) if version is not None else None

