"""The event catalogue (`infra/asyncapi/asyncapi.yaml`) and the events services published.

The catalogue is an AsyncAPI 3 document. Each message on a channel is one CloudEvent type:
its `name` is the CloudEvent `type`, its `payload` the JSON Schema of the whole event
(envelope and `data`), the channel `address` its routing key and the channel's AMQP binding
names the exchange. `$ref`s point into the same document (`#/components/...`); they are
resolved with a `referencing.Registry` over the whole document and inlined, so
`Catalogue.schema_for` returns a self-contained JSON Schema (draft 2020-12).

`published_events(mongo_client)` reads the outbox of every database on a MongoDB server:
run after the integration tests (the root conftest orders `tests/contract` last), it is
everything the tests made the services publish.

    catalogue = load_catalogue(ROOT / "infra" / "asyncapi" / "asyncapi.yaml")
    for event in published_events(mongo_client):
        assert not catalogue.validate(event)
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from wspolpraca.outbox import OUTBOX

# DESIGN.md, "Shape": the services whose events the catalogue must document. Outboxes of
# other databases (test doubles such as the outbox tests' `flaky`) are not checked.
PROJECT_SERVICES = ("registry", "grants", "consultations", "notifications", "reporting",
                    "identity")

DOCUMENT_URI = "urn:wspolpraca:asyncapi"
"""The base URI the catalogue is registered under, so `#/components/...` resolves."""

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SYSTEM_DATABASES = frozenset({"admin", "local", "config"})

# Keywords whose values are data, not schemas: a "$ref" key inside them is not a reference.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples", "example"})
_MAX_MESSAGE = 300


class CatalogueError(ValueError):
    """The catalogue cannot be used: not AsyncAPI, a $ref that does not resolve, ..."""


@dataclass(frozen=True)
class CatalogueMessage:
    """One catalogued event type and where it is published."""

    event_type: str
    channel: str
    exchange: str | None
    routing_key: str | None
    schema: dict[str, Any]


class Catalogue:
    def __init__(self, document: dict[str, Any], path: Path | None = None) -> None:
        if not isinstance(document, dict) or "asyncapi" not in document:
            raise CatalogueError(f"{path or 'the document'} is not an AsyncAPI document")
        self.document = document
        self.path = path
        self.asyncapi_version = str(document["asyncapi"])
        self._registry: Registry = Registry().with_resource(
            DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012)
        )
        self._resolver = self._registry.resolver(base_uri=DOCUMENT_URI)
        self._messages = self._collect_messages()
        self._validators: dict[str, Draft202012Validator] = {}
        self._format_checker = format_checker()

    # --- what the catalogue says ------------------------------------------------------------

    def event_types(self) -> list[str]:
        return sorted(self._messages)

    def message(self, event_type: str) -> CatalogueMessage | None:
        return self._messages.get(event_type)

    def schema_for(self, event_type: str) -> dict[str, Any] | None:
        """The JSON Schema of the whole event (every $ref inlined), or None if not catalogued."""
        message = self._messages.get(event_type)
        return copy.deepcopy(message.schema) if message else None

    def route_of(self, event_type: str) -> tuple[str | None, str | None] | None:
        """(exchange, routing key) the event is published with, or None if not catalogued."""
        message = self._messages.get(event_type)
        return (message.exchange, message.routing_key) if message else None

    def broken_refs(self) -> list[str]:
        """Every `$ref` anywhere in the document that does not resolve, with where it is."""
        broken = []
        for where, ref in _refs(self.document, "#"):
            try:
                self._resolver.lookup(ref)
            except Unresolvable:
                broken.append(f"{where}: {ref}")
        return broken

    # --- checking events --------------------------------------------------------------------

    def validate(self, event: Any) -> list[str]:
        """What is wrong with `event` according to the catalogue; [] when it conforms.

        An event of a type the catalogue does not list is an error.
        """
        if not isinstance(event, dict):
            return [f"(event): not a JSON object but {type(event).__name__}"]
        event_type = event.get("type")
        if not isinstance(event_type, str) or event_type not in self._messages:
            return [f"type: unknown event type {event_type!r}: not in the catalogue"]
        errors = self._validator(event_type).iter_errors(event)
        return [_describe(error) for error in sorted(errors, key=_error_order)]

    def _validator(self, event_type: str) -> Draft202012Validator:
        if event_type not in self._validators:
            self._validators[event_type] = Draft202012Validator(
                self._messages[event_type].schema, format_checker=self._format_checker
            )
        return self._validators[event_type]

    # --- reading the document ---------------------------------------------------------------

    def _lookup(self, ref: str, resolver=None):
        try:
            return (resolver or self._resolver).lookup(ref)
        except Unresolvable:
            raise CatalogueError(f"$ref {ref!r} does not resolve") from None

    def _deref(self, node: Any) -> Any:
        """A Reference Object replaced by what it points to (no schema inlining)."""
        seen = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise CatalogueError(f"$ref {ref!r} refers to itself")
            seen.add(ref)
            node = self._lookup(ref).contents
        return node

    def _collect_messages(self) -> dict[str, CatalogueMessage]:
        channels = self.document.get("channels") or {}
        if not isinstance(channels, dict):
            raise CatalogueError("`channels` must be a map")
        messages: dict[str, CatalogueMessage] = {}
        for channel_id, channel_node in channels.items():
            channel = self._deref(channel_node)
            exchange = self._exchange_of(channel)
            for message_id, message_node in (channel.get("messages") or {}).items():
                message = self._deref(message_node)
                where = f"channels.{channel_id}.messages.{message_id}"
                event_type = message.get("name")
                if not isinstance(event_type, str) or not event_type:
                    raise CatalogueError(f"{where}: a message needs a `name` (its event type)")
                if event_type in messages:
                    raise CatalogueError(f"{where}: event type {event_type!r} is catalogued twice")
                if "payload" not in message:
                    raise CatalogueError(f"{where}: the message has no payload")
                payload = self._payload_schema(message["payload"])
                schema = {"$schema": JSON_SCHEMA_DIALECT,
                          **self._inline(payload, self._resolver, (), where)}
                messages[event_type] = CatalogueMessage(
                    event_type=event_type,
                    channel=str(channel_id),
                    exchange=exchange,
                    routing_key=channel.get("address"),
                    schema=schema,
                )
        return messages

    def _exchange_of(self, channel: dict[str, Any]) -> str | None:
        bindings = self._deref(channel.get("bindings") or {})
        amqp = self._deref(bindings.get("amqp") or {})
        exchange = self._deref(amqp.get("exchange") or {})
        return exchange.get("name")

    def _payload_schema(self, payload: Any) -> Any:
        payload = self._deref(payload) if _is_ref_only(payload) else payload
        # An AsyncAPI Multi Format Schema Object: {schemaFormat, schema}.
        if isinstance(payload, dict) and "schemaFormat" in payload and "schema" in payload:
            schema_format = str(payload["schemaFormat"])
            if "json" not in schema_format and "asyncapi" not in schema_format:
                raise CatalogueError(f"unsupported payload schemaFormat {schema_format!r}")
            return payload["schema"]
        return payload

    def _inline(self, node: Any, resolver, refs: tuple[str, ...], where: str) -> Any:
        if isinstance(node, list):
            return [self._inline(item, resolver, refs, where) for item in node]
        if not isinstance(node, dict):
            return node
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                continue
            result[key] = (copy.deepcopy(value) if key in _DATA_KEYWORDS
                           else self._inline(value, resolver, refs, where))
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return result
        if ref in refs:
            raise CatalogueError(f"{where}: recursive $ref {ref!r} is not supported")
        resolved = self._lookup(ref, resolver)
        target = self._inline(resolved.contents, resolved.resolver, (*refs, ref), where)
        if not result:
            return target
        # 2020-12 applies a $ref next to other keywords; allOf keeps that meaning.
        result["allOf"] = [target, *result.get("allOf", [])]
        return result


def load_catalogue(path: str | Path) -> Catalogue:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path} is not valid YAML: {exc}") from exc
    return Catalogue(document, path)


# --- events the services published -----------------------------------------------------------


def service_suites_in_session(session) -> set[str]:
    """The project services whose own integration tests (`tests/integration/<service>/`) were
    collected in this pytest session."""
    suites = set()
    for item in session.items:
        parts = Path(str(item.fspath)).parts
        if "integration" in parts and parts.index("integration") + 1 < len(parts) - 1:
            suites.add(parts[parts.index("integration") + 1])
    return suites & set(PROJECT_SERVICES)


def published_records(mongo_client,
                      services: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every outbox record on the server, each with the name of its `database` added.

    System databases are skipped; with `services`, so are the databases of other services
    (a service's database is named `<service>` or, in tests, `<service>_<suffix>`), e.g.
    those of test doubles. Databases in name order, records in commit order within each.
    """
    wanted = tuple(services) if services is not None else None
    records: list[dict[str, Any]] = []
    for name in sorted(mongo_client.list_database_names()):
        if name in SYSTEM_DATABASES:
            continue
        if wanted is not None and not any(name == s or name.startswith(f"{s}_") for s in wanted):
            continue
        db = mongo_client[name]
        if OUTBOX not in db.list_collection_names():
            continue
        for record in db[OUTBOX].find({}, sort=[("created_at", 1), ("_id", 1)]):
            records.append({**record, "database": name})
    return records


def published_events(mongo_client, services: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The CloudEvent (`body`) of every outbox record on the server (see `published_records`).

    A record without a body yields None, so validating it reports the broken record.
    """
    return [record.get("body") for record in published_records(mongo_client, services)]


# --- helpers ---------------------------------------------------------------------------------

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def _is_date_time(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    if not _RFC3339.match(instance):
        return False
    datetime.fromisoformat(instance.upper().replace("Z", "+00:00"))  # ValueError: invalid
    return True


def _is_uri(instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    return bool(urlsplit(instance).scheme) and not any(c.isspace() for c in instance)


def format_checker() -> FormatChecker:
    """jsonschema's format checker, with `date-time` and `uri` even without their extras."""
    checker = FormatChecker()
    if "date-time" not in checker.checkers:
        checker.checks("date-time", raises=ValueError)(_is_date_time)
    if "uri" not in checker.checkers:
        checker.checks("uri", raises=ValueError)(_is_uri)
    return checker


def _is_ref_only(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"$ref"}


def _refs(node: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            elif key not in _DATA_KEYWORDS:
                yield from _refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _refs(item, f"{where}/{index}")


def _path(error: ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(event)"


def _error_order(error: ValidationError) -> tuple[str, str]:
    return _path(error), error.message


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _describe(error: ValidationError) -> str:
    message = _shorten(error.message)
    if error.context:
        closest = best_match(error.context)
        message += f" (closest: {_path(closest)}: {_shorten(closest.message)})"
    return f"{_path(error)}: {message}"
