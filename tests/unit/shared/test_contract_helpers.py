"""wspolpraca.testing.contract on a tiny inline catalogue and a fake MongoDB client."""

from __future__ import annotations

import textwrap
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from wspolpraca.testing.contract import (
    Catalogue,
    CatalogueError,
    load_catalogue,
    published_events,
    published_records,
)

CATALOGUE = """\
asyncapi: 3.0.0
info:
  title: demo
  version: 1.0.0
channels:
  demo.thing.happened:
    address: thing.happened
    messages:
      happened:
        $ref: '#/components/messages/happened'
    bindings:
      amqp:
        is: routingKey
        exchange: {name: demo.events, type: topic, durable: true}
  demo.thing.vanished:
    address: thing.vanished
    messages:
      vanished:
        name: demo.thing.vanished
        payload:
          schemaFormat: application/schema+json;version=draft-07
          schema:
            type: object
            required: [type]
            properties:
              type: {const: demo.thing.vanished}
operations:
  send.happened:
    action: send
    channel: {$ref: '#/channels/demo.thing.happened'}
components:
  messages:
    happened:
      name: demo.thing.happened
      payload:
        allOf:
          - $ref: '#/components/schemas/Envelope'
          - properties:
              type: {const: demo.thing.happened}
              data: {$ref: '#/components/schemas/Thing'}
  schemas:
    Envelope:
      type: object
      additionalProperties: false
      required: [id, type, time, data]
      properties:
        id: {type: string, format: uuid}
        type: {type: string}
        time: {$ref: '#/components/schemas/Instant'}
        data: {type: object}
    Instant:
      type: string
      format: date-time
    Thing:
      type: object
      additionalProperties: false
      required: [name, note]
      properties:
        name: {type: string, enum: [{$ref: 'not a reference'}, plain]}
        note: {type: [string, 'null']}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "asyncapi.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def catalogue(tmp_path) -> Catalogue:
    return load_catalogue(write(tmp_path, CATALOGUE))


def happened(**changes):
    event = {"id": str(uuid.uuid4()), "type": "demo.thing.happened",
             "time": "2025-01-02T03:04:05.006Z", "data": {"name": "plain", "note": None}}
    event.update(changes)
    return event


def refs_in(node) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "$ref"] + [
            r for k, v in node.items() if k != "enum" for r in refs_in(v)]
    if isinstance(node, list):
        return [r for item in node for r in refs_in(item)]
    return []


# --- loading -------------------------------------------------------------------------------


def test_the_event_types_are_the_names_of_the_channel_messages(catalogue):
    assert catalogue.event_types() == ["demo.thing.happened", "demo.thing.vanished"]
    assert catalogue.asyncapi_version == "3.0.0"


def test_the_route_is_the_channel_exchange_and_address(catalogue):
    assert catalogue.route_of("demo.thing.happened") == ("demo.events", "thing.happened")
    assert catalogue.route_of("demo.thing.vanished") == (None, "thing.vanished")
    assert catalogue.route_of("demo.other") is None


def test_schema_for_inlines_every_ref(catalogue):
    schema = catalogue.schema_for("demo.thing.happened")
    assert refs_in(schema) == []
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # data values are kept as they are, even when they look like a reference
    assert '{"$ref": "not a reference"}' in str(schema).replace("'", '"')


def test_schema_for_a_multi_format_payload_is_its_schema(catalogue):
    schema = catalogue.schema_for("demo.thing.vanished")
    assert schema["properties"]["type"] == {"const": "demo.thing.vanished"}


def test_schema_for_an_unknown_type_is_none_and_a_copy_otherwise(catalogue):
    assert catalogue.schema_for("demo.nothing") is None
    catalogue.schema_for("demo.thing.happened")["allOf"].clear()
    assert catalogue.schema_for("demo.thing.happened")["allOf"]


def test_not_asyncapi_or_not_yaml_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match="not an AsyncAPI document"):
        load_catalogue(write(tmp_path, "openapi: 3.1.0\n"))
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(write(tmp_path, "asyncapi: [3.0.0\n"))


def test_a_dangling_ref_is_refused(tmp_path):
    text = CATALOGUE.replace("$ref: '#/components/schemas/Thing'",
                             "$ref: '#/components/schemas/Nothing'")
    with pytest.raises(CatalogueError, match="'#/components/schemas/Nothing' does not resolve"):
        load_catalogue(write(tmp_path, text))


def test_a_recursive_ref_is_refused(tmp_path):
    text = CATALOGUE.replace("note: {type: [string, 'null']}",
                             "note: {$ref: '#/components/schemas/Thing'}")
    with pytest.raises(CatalogueError, match="recursive"):
        load_catalogue(write(tmp_path, text))


def test_a_type_catalogued_twice_or_a_message_without_name_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match="catalogued twice"):
        load_catalogue(write(tmp_path, CATALOGUE.replace(
            "name: demo.thing.vanished", "name: demo.thing.happened")))
    with pytest.raises(CatalogueError, match="needs a `name`"):
        load_catalogue(write(tmp_path, CATALOGUE.replace("name: demo.thing.vanished", "")))


def test_broken_refs_outside_the_messages_are_listed(tmp_path):
    text = CATALOGUE.replace("channel: {$ref: '#/channels/demo.thing.happened'}",
                             "channel: {$ref: '#/channels/demo.thing.gone'}")
    assert load_catalogue(write(tmp_path, text)).broken_refs() == [
        "#/operations/send.happened/channel: #/channels/demo.thing.gone"]


# --- validating ----------------------------------------------------------------------------


def test_a_conforming_event_has_no_errors(catalogue):
    assert catalogue.validate(happened()) == []


def test_an_unknown_type_or_a_non_object_is_an_error(catalogue):
    assert catalogue.validate(happened(type="demo.thing.exploded")) == [
        "type: unknown event type 'demo.thing.exploded': not in the catalogue"]
    assert catalogue.validate({"data": {}}) == [
        "type: unknown event type None: not in the catalogue"]
    assert catalogue.validate(None) == ["(event): not a JSON object but NoneType"]


def test_errors_name_the_path_of_what_is_wrong(catalogue):
    errors = catalogue.validate(happened(data={"name": "other", "extra": 1}, spare=True))
    assert errors == [
        "(event): Additional properties are not allowed ('spare' was unexpected)",
        "data: 'note' is a required property",
        "data: Additional properties are not allowed ('extra' was unexpected)",
        "data.name: 'other' is not one of [{'$ref': 'not a reference'}, 'plain']",
    ]


def test_formats_are_checked(catalogue):
    assert catalogue.validate(happened(id="not-a-uuid")) == [
        "id: 'not-a-uuid' is not a 'uuid'"]
    assert catalogue.validate(happened(time="2025-02-30T10:00:00Z")) == [
        "time: '2025-02-30T10:00:00Z' is not a 'date-time'"]
    assert catalogue.validate(happened(time="2025-01-02 03:04")) == [
        "time: '2025-01-02 03:04' is not a 'date-time'"]
    assert catalogue.validate(happened(time="2025-01-02T03:04:05+02:00")) == []


# --- published events ----------------------------------------------------------------------


class FakeCollection:
    def __init__(self, documents):
        self.documents = documents

    def find(self, query, sort):
        assert query == {} and sort == [("created_at", 1), ("_id", 1)]
        return iter(sorted(self.documents, key=lambda d: (d["created_at"], d["_id"])))


class FakeDatabase:
    def __init__(self, collections):
        self.collections = collections

    def list_collection_names(self):
        return list(self.collections)

    def __getitem__(self, name):
        return FakeCollection(self.collections[name])


class FakeClient:
    def __init__(self, databases):
        self.databases = databases

    def list_database_names(self):
        return list(self.databases)

    def __getitem__(self, name):
        return FakeDatabase(self.databases[name])


def record(event_id: str, created_at: int, body=None):
    return {"_id": event_id, "created_at": created_at, "status": "sent",
            "body": body if body is not None else {"id": event_id}}


CLIENT = FakeClient({
    "registry_b": {"outbox": [record("b2", 2), record("b1", 1)]},
    "admin": {"outbox": [record("admin", 0)]},
    "local": {"outbox": [record("local", 0)]},
    "config": {"outbox": [record("config", 0)]},
    "registry_a": {"outbox": [record("a1", 5)], "organizations": []},
    "grants": {"competitions": []},
    "flaky_1": {"outbox": [record("f1", 0)]},
    "registryx": {"outbox": [record("x1", 0)]},
})


def test_published_events_are_every_outbox_body_except_in_system_databases():
    assert [e["id"] for e in published_events(CLIENT)] == ["f1", "a1", "b1", "b2", "x1"]


def test_published_events_of_some_services_only():
    assert [e["id"] for e in published_events(CLIENT, ["registry", "grants"])] == [
        "a1", "b1", "b2"]
    assert published_events(CLIENT, []) == []


def test_published_records_name_their_database():
    records = published_records(CLIENT, ["flaky"])
    assert records == [{**record("f1", 0), "database": "flaky_1"}]


def test_a_record_without_a_body_gives_none():
    client = FakeClient({"svc": {"outbox": [{"_id": "x", "created_at": 0}]}})
    assert published_events(client) == [None]
