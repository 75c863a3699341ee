"""HTTP conditional requests on versioned records: `ETag` out, `If-Match` in (RFC 9110).

A record's `ETag` is its `version` as a strong entity tag, `"3"`: the API sends it with a
single record (GET, and the answer of a PUT/PATCH), and a client that edits the record sends
it back as `If-Match: "3"`. The check is made where the record is read and written
(`wspolpraca.repository`), inside the write's transaction: a stored version that is not the
one named answers 412 `stale` and changes nothing. Without `If-Match` nothing is checked
(the optimistic `version` still refuses a concurrent write with 409 `concurrent_update`).

Which record the condition is about: the versioned one whose id is in the request's path
(`/api/v1/programmes/<id>`; `/api/v1/councils/<id>/meetings/<meeting_id>/move`: the meeting,
the council carries no version; `/api/v1/consultations/<id>/meetings/<meeting_id>/move`: the
consultation, whose part the meeting is), so one parsing (`HttpApi`) and one check (the
repository) serve every endpoint. `If-Match: *` matches any existing record. Weak tags
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
    """A request's `If-Match` about the records named in its path: `versions` the versions it
    accepts (None: `*`, any)."""

    versions: frozenset[int] | None
    targets: frozenset[str]

    def applies_to(self, record_id: Any) -> bool:
        return isinstance(record_id, str) and record_id in self.targets

    def matches(self, version: int) -> bool:
        return self.versions is None or version in self.versions

    def check(self, record: dict[str, Any]) -> None:
        """412 unless the record (one the condition applies to) has an accepted version. A
        record that carries no version (a council, read beside the meeting its path names
        and that If-Match is about) is not concerned."""
        version = record_version(record)
        if version is None or not self.applies_to(record.get("_id")):
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


def request_data(headers: Any, method: str, path_values: dict[str, Any]) -> dict[str, Any]:
    """What a request's worker needs to check its `If-Match` (nothing without one; a GET's
    is ignored: it changes nothing)."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return {}
    parsed = parse_if_match(headers.get("If-Match"))
    if parsed is False:
        return {}
    targets = [str(v) for v in path_values.values() if isinstance(v, str)]
    return {context.IF_MATCH: None if parsed is None else sorted(parsed),
            context.IF_MATCH_TARGETS: targets}


def from_worker(data: dict[str, Any] | None) -> Precondition | None:
    """The worker's precondition (None when its request sent no `If-Match`)."""
    if not data or context.IF_MATCH_TARGETS not in data:
        return None
    versions = data.get(context.IF_MATCH)
    return Precondition(None if versions is None else frozenset(versions),
                        frozenset(data[context.IF_MATCH_TARGETS]))


def etag_of(method: str, result: Any) -> str | None:
    """The `ETag` of an answer: a single versioned record read or edited (GET, PUT, PATCH)."""
    if method not in ("GET", "HEAD", "PUT", "PATCH"):
        return None
    version = record_version(result)
    return etag(version) if version is not None else None

