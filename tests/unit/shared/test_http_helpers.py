import pytest
from marshmallow import Schema, fields

from wspolpraca.errors import DomainError
from wspolpraca.http import flatten_messages, forbidden_keys, load
from wspolpraca.openapi import openapi_path
from wspolpraca.pagination import decode_cursor, encode_cursor, new_id


class Thing(Schema):
    name = fields.String(required=True)
    tags = fields.List(fields.String())


@pytest.mark.parametrize("body, bad", [
    ({"$where": "1"}, ["$where"]),
    ({"name": {"$gt": ""}}, ["name.$gt"]),
    ({"a.b": 1}, ["a.b"]),
    ({"list": [{"ok": 1}, {"$ne": 1}]}, ["list.1.$ne"]),
])
def test_keys_that_could_act_as_mongodb_operators_are_found(body, bad):
    assert forbidden_keys(body) == bad


def test_operator_keys_are_refused_before_validation():
    with pytest.raises(DomainError) as refused:
        load(Thing(), {"name": {"$gt": ""}})
    assert refused.value.code == "forbidden_key" and refused.value.status == 422
    assert "name.$gt" in refused.value.fields


def test_an_operator_object_in_place_of_a_string_is_a_validation_error():
    with pytest.raises(DomainError) as refused:
        load(Thing(), {"name": {"gt": ""}})
    assert refused.value.code == "validation_failed"
    assert "name" in refused.value.fields


def test_unknown_fields_are_refused_naming_the_field():
    with pytest.raises(DomainError) as refused:
        load(Thing(), {"name": "x", "colour": "red"})
    assert list(refused.value.fields) == ["colour"]


def test_nested_messages_are_flattened_to_dotted_field_names():
    assert flatten_messages({"a": {"0": ["bad"]}, "b": ["missing"]}) == {
        "a.0": ["bad"], "b": ["missing"]}


def test_error_body_has_code_message_and_fields():
    error = DomainError("deadline_too_short", "Za krótki termin.", field="submission_deadline")
    assert error.to_body() == {"error": {
        "code": "deadline_too_short", "message": "Za krótki termin.",
        "fields": {"submission_deadline": ["Za krótki termin."]}}}


def test_path_templates_become_openapi_paths():
    assert openapi_path("/api/v1/organizations/<id>/verify") == "/api/v1/organizations/{id}/verify"
    assert openapi_path("/x/<int:year>") == "/x/{year}"


def test_a_cursor_round_trips_and_garbage_is_refused():
    last = new_id()
    assert decode_cursor(encode_cursor(last)) == last
    for garbage in ("", "???", encode_cursor("not-an-id")):
        with pytest.raises(DomainError) as refused:
            decode_cursor(garbage)
        assert refused.value.fields == {"cursor": ["Niepoprawny kursor stronicowania."]}
