"""wspolpraca.conditional: If-Match parsed once, the ETag of a versioned record, and the
check the shared repository makes with it (issue #18, "a conflict is explained")."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from wspolpraca import conditional, context
from wspolpraca.conditional import MalformedIfMatch, Stale, parse_if_match
from wspolpraca.errors import Conflict
from wspolpraca.repository import Repository, first_version


def test_if_match_is_a_list_of_strong_tags_or_a_star():
    assert parse_if_match(None) is False
    assert parse_if_match('"3"') == frozenset({3})
    assert parse_if_match(' "3" , "7"') == frozenset({3, 7})
    assert parse_if_match("*") is None
    assert parse_if_match('W/"3"') == frozenset()          # weak never matches
    assert parse_if_match('"abc"') == frozenset()          # not one of our versions
    for bad in ("3", '"3', "", '"3" "4"', "W/3"):
        with pytest.raises(MalformedIfMatch):
            parse_if_match(bad)


def test_the_etag_is_the_version_of_a_single_record_read_or_edited():
    assert conditional.etag_of("GET", {"id": "a", "version": 4}) == '"4"'
    assert conditional.etag_of("PATCH", {"version": 0}) == '"0"'
    assert conditional.etag_of("POST", {"version": 4}) is None   # an action, not the record
    assert conditional.etag_of("GET", {"items": []}) is None
    assert conditional.etag_of("GET", {"version": True}) is None


def test_a_request_without_if_match_or_a_get_carries_no_condition():
    headers = {"If-Match": '"2"'}
    assert conditional.request_data({}, "PATCH", {"id": "p1"}) == {}
    assert conditional.request_data(headers, "GET", {"id": "p1"}) == {}
    data = conditional.request_data(headers, "PATCH", {"id": "p1", "meeting_id": "m1"})
    assert data == {context.IF_MATCH: [2], context.IF_MATCH_TARGET: "p1",
                    context.IF_MATCH_COLLECTION: None}
    precondition = conditional.from_worker(data)
    assert precondition is not None and precondition.applies_to("p1")
    assert not precondition.applies_to("other")


def test_if_match_is_about_one_path_value_not_every_string_in_the_path():
    """The ETag was given for one record: the first path value's by default, or the one
    the endpoint names; the other path values (a council beside its meeting, a consultation
    beside its comment) are not held to it."""
    headers = {"If-Match": '"2"'}
    path = {"id": "council", "meeting_id": "m1"}
    first = conditional.from_worker(conditional.request_data(headers, "POST", path))
    assert first is not None and first.applies_to("council")
    assert not first.applies_to("m1")
    named = conditional.from_worker(conditional.request_data(headers, "POST", path,
                                                             "meeting_id"))
    assert named is not None and named.applies_to("m1")
    assert not named.applies_to("council")
    # no path value: nothing to check (and a name the path lacks neither)
    assert conditional.request_data(headers, "POST", {}) == {}
    assert conditional.request_data(headers, "POST", path, "other_id") == {}


def test_if_match_of_a_named_collection_concerns_no_record_of_another_one():
    data = conditional.request_data({"If-Match": '"2"'}, "POST", {"id": "c", "meeting_id": "m"},
                                    "meeting_id", "council_meetings")
    precondition = conditional.from_worker(data)
    assert precondition is not None
    assert precondition.applies_to("m", "council_meetings")
    assert not precondition.applies_to("m", "consultations")   # the same id elsewhere
    assert not precondition.applies_to("c", "council_meetings")


def test_an_endpoint_naming_a_path_value_it_lacks_is_refused_when_declared():
    from wspolpraca.http import HttpApi

    with pytest.raises(ValueError):
        HttpApi("POST", "/api/v1/things/<id>/move", if_match="meeting_id")
    assert HttpApi("POST", "/api/v1/c/<id>/m/<meeting_id>/move").if_match == "id"
    assert HttpApi("POST", "/api/v1/c/<id>/m/<meeting_id>/move",
                   if_match="meeting_id").if_match == "meeting_id"
    assert HttpApi("POST", "/api/v1/things").if_match is None


def test_stale_is_412_with_no_fields_and_the_current_etag():
    error = Stale(5)
    assert error.status == 412
    assert error.to_body()["error"]["code"] == "stale"
    assert error.to_body()["error"]["fields"] == {}
    assert error.headers == {"ETag": '"5"'}


class FakeCollection:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = {r["_id"]: dict(r) for r in records}

    def find_one(self, query: dict[str, Any], session: Any = None) -> dict[str, Any] | None:
        found = self.records.get(query["_id"])
        return dict(found) if found else None

    def replace_one(self, query: dict[str, Any], record: dict[str, Any],
                    session: Any = None) -> Any:
        found = self.records.get(query["_id"])
        wanted = query.get("version")
        matched = found is not None and (
            wanted is None or found.get("version") == wanted
            or (isinstance(wanted, dict) and found.get("version") in wanted["$in"]))
        if matched:
            self.records[query["_id"]] = dict(record)
        return SimpleNamespace(matched_count=int(matched))


class Things(Repository):
    collection_name = "things"


def repository(records: list[dict[str, Any]], worker_data: dict[str, Any]) -> Things:
    collection = FakeCollection(records)
    tx = SimpleNamespace(db={"things": collection}, session=None,
                         store=SimpleNamespace(worker_data=worker_data))
    return Things(tx)  # type: ignore[arg-type]


def if_match(header: str, target: str, *others: str, collection: str | None = None,
             ) -> dict[str, Any]:
    """A PATCH whose path names `target` (the record the ETag was given for), then `others`."""
    path = {"id": target, **{f"other{i}": o for i, o in enumerate(others)}}
    return conditional.request_data({"If-Match": header}, "PATCH", path, None, collection)


def test_a_stale_version_is_refused_when_read_and_when_written_and_nothing_changes():
    things = repository([{"_id": "a", "version": 2, "title": "stary"}], if_match('"1"', "a"))
    with pytest.raises(Stale) as refused:
        things.get("a")
    assert refused.value.headers == {"ETag": '"2"'}
    with pytest.raises(Stale):
        things.replace({"_id": "a", "title": "nowy"}, 2)
    assert things.collection.records["a"]["title"] == "stary"


def test_the_version_named_goes_through_and_other_records_are_not_concerned():
    things = repository([{"_id": "a", "version": 2, "title": "stary"},
                         {"_id": "b", "version": 9}], if_match('"2"', "a"))
    record = things.get("a")
    record["title"] = "nowy"
    things.save(record)
    assert things.collection.records["a"] == {"_id": "a", "version": 3, "title": "nowy"}
    other = things.get("b")                     # not named in the path: not checked
    things.save(other)
    assert things.collection.records["b"]["version"] == 10


def test_without_if_match_a_concurrent_write_is_still_409():
    things = repository([{"_id": "a", "version": 2}], {})
    with pytest.raises(Conflict):
        things.replace({"_id": "a"}, 1)


def test_a_new_record_is_stamped_by_whom_and_when_and_starts_at_version_1():
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert first_version(now, "created_by", "u1") == {
        "created_by": "u1", "created_at": now, "updated_at": now, "version": 1}
    assert list(first_version(now, "submitted_by", "u2", at="submitted_at", updated=False)) \
        == ["submitted_by", "submitted_at", "version"]


def test_a_record_from_before_versions_counts_as_version_0():
    things = repository([{"_id": "a", "title": "stary"}], if_match('"0"', "a"))
    record = things.get("a")
    things.save(record)
    assert things.collection.records["a"]["version"] == 1


def test_a_record_without_a_version_named_in_the_path_is_not_concerned():
    things = repository([{"_id": "council"}, {"_id": "m", "version": 1}],
                        if_match('"1"', "council", "m"))
    assert things.get("council") == {"_id": "council"}
    assert things.get("m")["version"] == 1


def test_another_versioned_record_named_in_the_path_is_not_held_to_the_tag():
    """`/parents/<id>/children/<child_id>`: the ETag was given for the parent; the child, a
    versioned record of its own, is read and written whatever its version (the old check
    held every path string to the one tag, so one of the two always failed)."""
    things = repository([{"_id": "parent", "version": 4}, {"_id": "child", "version": 7}],
                        if_match('"4"', "parent", "child"))
    child = things.get("child")
    things.save(child)
    assert things.collection.records["child"]["version"] == 8
    things.save(things.get("parent"))
    assert things.collection.records["parent"]["version"] == 5


def test_a_record_of_another_collection_with_the_target_id_is_not_concerned():
    elsewhere = repository([{"_id": "a", "version": 9}],
                           if_match('"1"', "a", collection="other_things"))
    elsewhere.save(elsewhere.get("a"))                 # `things`, not `other_things`
    assert elsewhere.collection.records["a"]["version"] == 10
    named = repository([{"_id": "a", "version": 9}], if_match('"1"', "a", collection="things"))
    with pytest.raises(Stale):
        named.get("a")


def test_a_record_read_again_after_its_write_is_not_refused_for_its_new_version():
    things = repository([{"_id": "a", "version": 2}], if_match('"2"', "a"))
    record = things.get("a")
    things.save(record)
    assert things.get("a")["version"] == 3           # the transaction's own write
    things.save(things.get("a"))
    assert things.collection.records["a"]["version"] == 4


def test_a_partial_update_of_a_versioned_record_bumps_its_version():
    """`$inc`/`$set` writes (a programme's funds, a comment count) change the record, so
    they change its version (its ETag) in the same update; an unversioned one's do not."""
    from wspolpraca.repository import UnversionedRepository

    written: list[tuple[dict[str, Any], dict[str, Any]]] = []

    class Updates(FakeCollection):
        def update_one(self, query: dict[str, Any], change: dict[str, Any], upsert: bool = False,
                       session: Any = None) -> Any:
            written.append((query, change))
            return SimpleNamespace(matched_count=1)

    tx = SimpleNamespace(db={"things": Updates([])}, session=None, store=None)
    Things(tx).update({"_id": "a"}, {"$inc": {"funds.$.available": -5},   # type: ignore[arg-type]
                                     "$set": {"note": "x"}})
    assert written[-1] == ({"_id": "a"}, {"$inc": {"funds.$.available": -5, "version": 1},
                                          "$set": {"note": "x"}})
    Things(tx).update({"_id": "a"}, {"$set": {"note": "y"}})          # type: ignore[arg-type]
    assert written[-1][1] == {"$set": {"note": "y"}, "$inc": {"version": 1}}

    class Plain(UnversionedRepository):
        collection_name = "things"

    Plain(tx).update({"_id": "a"}, {"$set": {"note": "z"}})          # type: ignore[arg-type]
    assert written[-1][1] == {"$set": {"note": "z"}}
