"""OpenAPI 3 of a service, generated with apispec from its entrypoints' schemas."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from wspolpraca.fields import (
    EXACT_DECIMAL_PATTERN,
    MONEY_PATTERN,
    ExactDecimal,
    Money,
    json_pattern,
)
from wspolpraca.pagination import PageQuery

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object",
                           "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        }
    },
}

_PATH_VALUE = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def openapi_path(url: str) -> str:
    return _PATH_VALUE.sub(r"{\1}", url)


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _schema_name(schema) -> str:
    # apispec passes a class for top-level schemas and an instance for nested ones
    name = (schema if isinstance(schema, type) else type(schema)).__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


def _page_of(schema) -> dict:
    """A list endpoint's answer (`wspolpraca.pagination.Page` as `HttpApi` sends it)."""
    items = schema if schema is not None else {}
    return {"type": "object", "required": ["items", "next_cursor"],
            "additionalProperties": False,
            "properties": {"items": {"type": "array", "items": items},
                           "next_cursor": {"type": "string", "nullable": True}}}


def _decimal_property(converter, field, ret: dict, **kwargs) -> dict:
    """apispec attribute function (bound to its converter): our decimals as they travel."""
    if isinstance(field, Money):
        return {"type": "string", "pattern": json_pattern(MONEY_PATTERN), "example": "1500.00"}
    if isinstance(field, ExactDecimal):
        for key in ("type", "minimum", "maximum"):  # apispec's number, bounds as strings
            ret.pop(key, None)
        return {"anyOf": [{"type": "string", "pattern": json_pattern(EXACT_DECIMAL_PATTERN)},
                          {"type": "integer", "minimum": 0, "maximum": field.maximum}]}
    return {}


# wspolpraca.idempotency: the same key again replays the first answer
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{8,128}$"},
    "description": "A key of the client's own (a UUID) that makes a retry safe: the same key "
                   "again within 24 hours takes no second effect and gets the first answer "
                   "(header Idempotent-Replayed: true); another body with the same key: 422; "
                   "while the first request still runs: 409 request_in_progress.",
}


# wspolpraca.conditional: a write on a record named in the path may be made conditional
IF_MATCH = {
    "name": "If-Match", "in": "header", "required": False,
    "schema": {"type": "string"},
    "description": "The record's ETag as read (its version, a strong tag: \"3\"), or *: the "
                   "write is made only if the record has not changed since; otherwise 412 "
                   "`stale` and nothing changes. Without it the write is made as before. Not a "
                   "list of quoted tags: 400 `malformed_if_match`.",
}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the answer the client has: 304 Not Modified without a body "
                   "while it is still the current one.",
}
REVALIDATED_ETAG = {"description": "A strong entity tag of this answer, for If-None-Match",
                    "schema": {"type": "string"}}
ETAG = {"description": "The record's version as a strong entity tag (\"3\"), for If-Match; "
                       "sent when the record carries a version",
        "schema": {"type": "string"}}


def build_openapi(service: str, providers: list[Any]) -> dict:
    marshmallow = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title=f"wspolpraca {service}",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[marshmallow],
        info={"description": f"API of the {service} service of wspolpraca."},
    )
    marshmallow.converter.add_attribute_function(_decimal_property)
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    paths: dict[str, dict[str, dict]] = {}
    for provider in sorted(providers, key=lambda p: (p.url, p.method)):
        path = openapi_path(provider.url)
        for method in provider.method.lower().split(","):
            operation: dict[str, Any] = {
                "operationId": provider.method_name,
                "summary": provider.summary or provider.method_name.replace("_", " "),
                "tags": [provider.tag or service],
                "parameters": [
                    {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                    for name in _PATH_VALUE.findall(provider.url)
                ],
                "responses": {
                    "400": _error("Malformed JSON"),
                    # public operations too refuse a token that is present but invalid
                    "401": _error("Missing or invalid token"),
                    # a path's id, or one the body or query refers to
                    "404": _error("Not found"),
                    "422": _error("Validation failed or a rule of the Act refused it"),
                    # the web server's own answer (eventlet): a request line over 8 KiB
                    "414": {"description": "URI too long"},
                },
            }
            if provider.body_schema is not None or method in ("post", "put", "patch"):
                operation["responses"]["413"] = _error("Body too large")
                operation["responses"]["415"] = _error("Body not JSON")
            if provider.query_schema is not None:
                operation["parameters"].append({"in": "query", "schema": provider.query_schema})
            if provider.body_schema is not None:
                operation["requestBody"] = {
                    "required": not getattr(provider, "optional_body", False),
                    "content": {"application/json": {"schema": provider.body_schema}},
                }
            ok: dict[str, Any] = {"description": "Success"}
            lists = isinstance(provider.query_schema, type) and \
                issubclass(provider.query_schema, PageQuery)
            if lists:
                ok["content"] = {"application/json": {"schema": _page_of(provider.response_schema)}}
            elif provider.response_schema is not None:
                ok["content"] = {"application/json": {"schema": provider.response_schema}}
            operation["responses"][str(provider.status)] = ok
            if provider.roles is not None:
                operation["security"] = [{"bearer": []}]
                operation["description"] = ("Roles: " + ", ".join(provider.roles)
                                            if provider.roles else "Any signed-in person")
                if provider.roles:
                    operation["responses"]["403"] = _error("Role not allowed")
            if method in ("post", "put", "patch", "delete"):
                operation["responses"]["409"] = _error("Duplicate or state conflict")
                operation["parameters"].append(IDEMPOTENCY_KEY)
                if _PATH_VALUE.search(provider.url):
                    operation["parameters"].append(IF_MATCH)
                    operation["responses"]["412"] = _error(
                        "stale: the record changed since the version If-Match names "
                        "(the answer's ETag header is the current one); nothing changed")
            if method in ("get", "put", "patch") and _PATH_VALUE.search(provider.url) \
                    and not lists:
                ok["headers"] = {"ETag": ETAG}
            if getattr(provider, "revalidated", False):
                ok["headers"] = {"ETag": REVALIDATED_ETAG}
                operation["parameters"].append(IF_NONE_MATCH)
                operation["responses"]["304"] = {
                    "description": "Not Modified: If-None-Match names the current ETag "
                                   "(no body)",
                    "headers": {"ETag": REVALIDATED_ETAG}}
            if getattr(provider, "rate_limited", False):
                # a public write: naming an organisation one does not represent is refused
                operation["responses"]["403"] = _error("Not a representative of the organisation")
                operation["responses"]["429"] = {
                    **_error("Too many writes from this client address; try again later"),
                    "headers": {"Retry-After": {"description": "seconds to wait",
                                                "schema": {"type": "integer"}}},
                }
            paths.setdefault(path, {})[method] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
