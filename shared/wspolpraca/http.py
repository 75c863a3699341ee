"""HTTP entrypoints: JSON in and out, errors as DESIGN.md says, auth, metrics.

`@api("POST", "/api/v1/organizations", roles=("ngo", "officer"), body=OrganizationIn,
response=OrganizationOut, status=201)` marks a thin service method. Before a worker
starts, the entrypoint authenticates the caller, checks the role and parses the
JSON body (and the query string) with the marshmallow schemas, so a bad request
never reaches the service. The method gets `request` (with `.principal`), its path
values, and `body` / `query` when schemas are given.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from eventlet.event import Event
from kombu import Connection
from marshmallow import RAISE, Schema, ValidationError
from nameko.messaging import QueueConsumer
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from pymongo import MongoClient
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
)
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from wspolpraca import conditional, context, idempotency, metrics
from wspolpraca.auth import Principal, principal_from_header
from wspolpraca.config import settings_of
from wspolpraca.envelope import format_time
from wspolpraca.errors import (
    DomainError,
    Forbidden,
    MalformedRequest,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from wspolpraca.pagination import Page
from wspolpraca.ratelimit import SlidingWindowLimiter, client_address
from wspolpraca.rules import RuleNotInForce

log = logging.getLogger(__name__)

PUBLIC = None  # roles=PUBLIC: anyone, token optional
SIGNED_IN: tuple[str, ...] = ()  # roles=SIGNED_IN: any signed-in person, whatever their roles
CORRELATION_HEADER = "X-Correlation-Id"
_SAFE_CORRELATION = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# a path value of an endpoint's URL, `<id>` or `<int:id>`: its name
_PATH_NAME = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


# JSON ----------------------------------------------------------------------
def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(payload, ensure_ascii=False, default=_default),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def error_response(error: DomainError, correlation_id: str | None = None) -> Response:
    headers = {CORRELATION_HEADER: correlation_id} if correlation_id else None
    if error.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="wspolpraca"'}
    if getattr(error, "headers", None):
        headers = {**(headers or {}), **error.headers}
    return json_response(error.to_body(), error.status, headers)


def internal_error(correlation_id: str | None) -> Response:
    error = DomainError(
        "internal_error",
        "Wewnętrzny błąd serwera. Zgłoś go, podając identyfikator korelacji.",
        status=500,
    )
    return error_response(error, correlation_id)


# request parsing -----------------------------------------------------------
MAX_DEPTH = 32


def forbidden_keys(value: Any, path: str = "", depth: int = 0) -> list[str]:
    """Paths of keys that could act as MongoDB operators or field paths."""
    if depth > MAX_DEPTH:
        raise DomainError("too_deep", f"Dane zagnieżdżone głębiej niż {MAX_DEPTH} poziomy.",
                          field=path or "_schema")
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not isinstance(key, str) or key.startswith("$") or "." in key or "\x00" in key:
                found.append(where)
            else:
                found.extend(forbidden_keys(item, where, depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(forbidden_keys(item, f"{path}.{index}" if path else str(index),
                                        depth + 1))
    return found


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as `{"field.sub": [..]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                flat[name] = list(value)
            else:
                flat.update(flatten_messages(value, name))
    elif isinstance(messages, list):
        flat[prefix or "_schema"] = [str(m) for m in messages]
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def load(schema: Schema, data: Any) -> Any:
    bad = forbidden_keys(data)
    if bad:
        raise DomainError(
            "forbidden_key",
            "Nazwy pól nie mogą zaczynać się od '$' ani zawierać kropki.",
            fields={key: ["Niedozwolona nazwa pola."] for key in bad},
        )
    try:
        return schema.load(data, unknown=RAISE)
    except ValidationError as exc:
        raise ValidationFailed(flatten_messages(exc.messages)) from None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _require_json(request: Request) -> None:
    """A body said to be something else than JSON is refused (415); one without a
    Content-Type is read as JSON."""
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType()


def date_out_of_range(exc: RuleNotInForce) -> DomainError:
    """A date before the first rule in force (a term starting in the year 31, say)."""
    return DomainError("date_out_of_range",
                       f"Data {exc.on.isoformat()} jest sprzed obowiązywania przepisów "
                       f"(stosujemy je od {exc.applies_from.isoformat()}).", status=422)


def parse_json_body(request: Request) -> Any:
    _require_json(request)
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise MalformedRequest("Brak treści żądania (oczekiwano obiektu JSON).")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedRequest() from None
    except RecursionError:
        raise MalformedRequest("Treść żądania jest zagnieżdżona zbyt głęboko.") from None
    if not isinstance(data, dict):
        raise MalformedRequest("Treść żądania musi być obiektem JSON.")
    return data


def refuse_unexpected_body(request: Request, *, forms: bool = False) -> None:
    """An action without a body accepts none, or `{}`; anything else is a mistake. With
    `forms`, a form body is allowed too (and ignored): RFC 8058's one-click unsubscribe posts
    `List-Unsubscribe=One-Click`."""
    if forms and request.mimetype in FORM_TYPES:
        return
    if not request.get_data(cache=True).strip():
        return
    data = parse_json_body(request)
    if data:
        raise ValidationFailed({key: ["Nieznane pole."] for key in data})


PAGING = ("limit", "cursor")


def unknown_filters(schema: Schema, keys: Any) -> DomainError | None:
    """A query parameter the list does not know, refused with the filters it does know (a
    misspelt or unsupported filter must never be ignored: the list would be everything)."""
    allowed = [f.data_key or name for name, f in schema.fields.items() if not f.dump_only]
    unknown = sorted(k for k in keys if k not in allowed)
    if not unknown:
        return None
    filters = sorted(a for a in allowed if a not in PAGING)
    paging = [a for a in PAGING if a in allowed]
    named = ", ".join(filters) if filters else "brak"
    if paging:
        named += f" (oraz stronicowanie: {', '.join(paging)})"
    message = f"Dozwolone filtry: {named}."
    return ValidationFailed(
        {key: [f"Nieznany filtr. {message}"] for key in unknown},
        f"Nieznany filtr: {', '.join(unknown)}. {message}")


def parse_query(request: Request, schema: Schema) -> Any:
    refused = unknown_filters(schema, request.args.keys())
    if refused is not None:
        raise refused
    data: dict[str, Any] = {}
    many = {name for name, f in schema.fields.items() if f.__class__.__name__ == "List"}
    for key in request.args:
        values = request.args.getlist(key)
        data[key] = values if key in many else values[-1]
    return load(schema, data)


class QueryParser:
    """`parse_query` for one endpoint's query schema; with `remember`, the last few hundred
    query strings it accepted are kept, so the same `?q=fund&limit=20` (search-as-you-type
    sends the same few prefixes over and over) is validated once. Only for a schema whose
    loading is a function of the query string alone (no default or validator reading the
    clock, the database or the rules in force: `@api(..., remember_queries=True)`). Each
    caller gets its own copy; a refused query is refused anew every time."""

    SIZE = 512

    def __init__(self, schema: Schema, remember: bool = False) -> None:
        self.schema = schema
        self.remember = remember
        self._known: dict[bytes, dict[str, Any]] = {}
        # loaded values the caller could change in place (a list filter): copied per call
        self._lists = any(f.__class__.__name__ == "List" for f in schema.fields.values())

    def __call__(self, request: Request) -> Any:
        if not self.remember:
            return parse_query(request, self.schema)
        raw: bytes = request.environ.get("QUERY_STRING", "").encode("latin-1")
        known = self._known.get(raw)
        if known is None:
            known = parse_query(request, self.schema)
            if not isinstance(known, dict):
                return known
            if len(self._known) >= self.SIZE:
                self._known.pop(next(iter(self._known)))  # the oldest first
            self._known[raw] = known
        if self._lists:
            return {k: list(v) if isinstance(v, list) else v for k, v in known.items()}
        return dict(known)


# the entrypoint ------------------------------------------------------------
class ApiServer(WebServer):
    """nameko's web server answering every failure in JSON, plus the built-in routes."""

    def get_wsgi_app(self):
        return ApiApp(self)

    def process_request(self, sock, address):
        # eventlet writes a response larger than its buffer (8 KiB: a page of 20 organisations)
        # in two sends; with Nagle's algorithm the second waited for the client's delayed ACK,
        # 40 ms on Linux, on every such response
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().process_request(sock, address)

    def write_limiter(self) -> SlidingWindowLimiter:
        """The instance's one budget of public writes per client address."""
        limiter = getattr(self, "_write_limiter", None)
        if limiter is None:
            settings = settings_of(self.container.config)
            limiter = self._write_limiter = SlidingWindowLimiter(
                settings.rate_limit_writes, settings.rate_limit_window_seconds)
        return limiter

    def make_url_map(self) -> Map:
        url_map = super().make_url_map()
        for path in BUILTIN_ROUTES:
            url_map.add(Rule(path, methods=["GET"], endpoint=path))
        return url_map


class RoutedApp:
    """A web server's WSGI application: a request routed to its entrypoint or to a built-in
    route (whose endpoint is its path), every answer counted in the HTTP metrics by its
    route. How a built-in route and a failure answer is the subclass's: JSON for the APIs
    (ApiApp), a page for the portal (portal.web.PortalApp)."""

    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.url_map = server.make_url_map()

    def service_name(self) -> str:
        return self.server.container.service_name

    def builtin(self, route: str, values: dict[str, Any], environ: dict) -> Response:
        raise NotImplementedError

    def not_found(self) -> Response:
        raise NotImplementedError

    def method_not_allowed(self, exc: MethodNotAllowed) -> Response:
        raise NotImplementedError

    def http_error(self, exc: HTTPException, environ: dict) -> Response:
        raise NotImplementedError

    def failure(self) -> Response:
        raise NotImplementedError

    def __call__(self, environ, start_response):
        request = Request(environ)
        adapter = self.url_map.bind_to_environ(environ)
        started = time.perf_counter()
        route = "unmatched"
        try:
            endpoint, values = adapter.match()
            if isinstance(endpoint, str):
                route = endpoint
                response = self.builtin(endpoint, values, environ)
            else:
                route = endpoint.url
                request.path_values = values
                response = endpoint.handle_request(request)
        except NotFound:
            response = self.not_found()
        except MethodNotAllowed as exc:
            response = self.method_not_allowed(exc)
        except HTTPException as exc:
            response = self.http_error(exc, environ)
        except Exception:
            log.exception("unexpected failure routing %s %s", request.method, request.path)
            response = self.failure()
        elapsed = time.perf_counter() - started
        service = self.service_name()
        metrics.HTTP_REQUESTS.labels(service=service, method=request.method, route=route,
                                     status=str(response.status_code)).inc()
        metrics.HTTP_DURATION.labels(service=service, method=request.method,
                                     route=route).observe(elapsed)
        return response(environ, start_response)


class ApiApp(RoutedApp):
    def __init__(self, server: ApiServer) -> None:
        super().__init__(server)
        self.builtins = Builtins(server)

    def builtin(self, route: str, values: dict[str, Any], environ: dict) -> Response:
        return self.builtins.answer(route)

    def not_found(self) -> Response:
        return json_response(
            {"error": {"code": "not_found", "message": "Nie ma takiego adresu."}}, 404)

    def method_not_allowed(self, exc: MethodNotAllowed) -> Response:
        return json_response(
            {"error": {"code": "method_not_allowed",
                       "message": "Ta metoda nie jest dozwolona dla tego adresu."}},
            405, {"Allow": ", ".join(exc.valid_methods or [])})

    def http_error(self, exc: HTTPException, environ: dict) -> Response:
        return json_response(
            {"error": {"code": "http_error", "message": exc.description or exc.name}},
            exc.code or 400)

    def failure(self) -> Response:
        return internal_error(None)


class InRequestThread(HttpRequestHandler):
    """An HTTP entrypoint whose worker's result, or its exception, comes back to the
    request's own thread: there the API makes a DomainError its JSON answer and the portal a
    failure its page."""

    def handle_result(self, event, worker_ctx, result, exc_info):
        if exc_info is not None:
            event.send_exception(*exc_info)
        else:
            event.send(result)
        return result, exc_info


class HttpApi(InRequestThread):
    server = ApiServer()

    def __init__(
        self,
        method: str,
        url: str,
        *,
        roles: tuple[str, ...] | None = PUBLIC,
        body: type[Schema] | None = None,
        query: type[Schema] | None = None,
        response: type[Schema] | None = None,
        status: int = 200,
        summary: str = "",
        tag: str | None = None,
        forms: bool = False,
        optional_body: bool = False,
        rate_limited: bool = False,
        if_match: str | None = None,
        if_match_collection: str | None = None,
        revalidated: bool = False,
        remember_queries: bool = False,
        answer: Callable[[Any, Request, Any], Response | None] | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("expected_exceptions", (DomainError,))
        super().__init__(method, url, **kwargs)
        self.roles = roles
        self.body_schema = body
        self.query_schema = query
        self.response_schema = response
        self.status = status
        self.summary = summary
        self.tag = tag
        self.forms = forms  # a form body is accepted and ignored (see refuse_unexpected_body)
        # the body may be left out: then it is loaded as `{}` (its fields' defaults)
        self.optional_body = optional_body
        # a public write: limited per client address (wspolpraca.ratelimit), staff excepted
        self.rate_limited = rate_limited
        # the path value naming the record an If-Match is about (wspolpraca.conditional):
        # the first one unless the endpoint names another, and its collection if named
        names = _PATH_NAME.findall(url)
        if if_match is not None and if_match not in names:
            raise ValueError(f"{url}: if_match names no path value {if_match!r}")
        self.if_match = if_match if if_match is not None else (names[0] if names else None)
        self.if_match_collection = if_match_collection
        # the answer carries an ETag of its own and If-None-Match naming it gets 304 (the
        # handler does both; this documents them in the OpenAPI)
        self.revalidated = revalidated
        # the query schema's result depends on the query string alone (see QueryParser)
        self.remember_queries = remember_queries
        # a read model's answer in the request's own thread, without a worker (the spawn,
        # the dependencies' setup and teardown cost more than answering from memory):
        # `answer(container, request, query)` is called after the caller, the role and the
        # query are checked; it returns the response, or None and the worker answers
        self.answer = answer

    def setup(self) -> None:
        super().setup()
        self.settings = settings_of(self.container.config)
        # schema instances are stateless between calls: build them once, not per request
        self._body = self.body_schema() if self.body_schema else None
        self._query = self.query_schema() if self.query_schema else None
        self._parse_query = (QueryParser(self._query, self.remember_queries)
                             if self._query is not None else None)
        self._response = self.response_schema() if self.response_schema else None
        from wspolpraca.mongo import Mongo

        # the service's own database provider (its Idempotency-Key marks), if it has one
        self._mongo = next((d for d in self.container.dependencies if isinstance(d, Mongo)),
                           None)

    def handle_request(self, request: Request) -> Response:
        supplied = request.headers.get(CORRELATION_HEADER, "")
        correlation_id = supplied if _SAFE_CORRELATION.match(supplied) else str(uuid.uuid4())
        started = time.perf_counter()
        mark: tuple[str, str] | None = None
        request.max_content_length = self.settings.max_body_bytes
        try:
            request.principal = self.authorize(request)
            if self.rate_limited:
                self.limit_rate(request)
            args, kwargs = self.get_entrypoint_parameters(request)
            if self._body is not None:
                left_out = self.optional_body and not request.get_data(cache=True).strip()
                kwargs["body"] = load(self._body, {} if left_out else parse_json_body(request))
            else:
                refuse_unexpected_body(request, forms=self.forms)
            if self._parse_query is not None:
                kwargs["query"] = self._parse_query(request)
            context_data = {context.CORRELATION_ID: correlation_id,
                            context.CAUSATION_ID: correlation_id,
                            **conditional.request_data(request.headers, request.method,
                                                       getattr(request, "path_values", {}),
                                                       self.if_match,
                                                       self.if_match_collection)}
            key = idempotency.requested_key(request.headers, request.method)
            if key is not None and self.database is not None:
                caller = request.principal.sub if request.principal else ""
                mark = (idempotency.scoped(caller, request.method, request.path, key),
                        idempotency.fingerprint(request.get_data(cache=True)))
                context_data[context.IDEMPOTENCY_MARK] = mark[0]
                context_data[context.IDEMPOTENCY_FINGERPRINT] = mark[1]
            earlier = idempotency.earlier_answer(self.database, *mark) if mark else None
            answered = (self.answer(self.container, request, kwargs.get("query"))
                        if self.answer is not None and mark is None else None)
            if answered is not None:
                response = answered
            elif earlier is not None:
                response = self.replayed(earlier)
            else:
                response = self.run_worker(args, kwargs, context_data, request.method)
                if mark is not None and response.status_code < 300 and response.is_json:
                    idempotency.remember(self.database, mark[0], response.status_code,
                                         response.get_data())
        except idempotency.KeyInUse as in_use:
            # the same key committed meanwhile: its answer, once stored, is the answer
            refusal: DomainError = in_use
            try:
                earlier = idempotency.earlier_answer(self.database, *mark) if mark else None
            except DomainError as still:
                refusal, earlier = still, None
            if earlier is not None:
                response = self.replayed(earlier)
            else:
                response = error_response(refusal, correlation_id)
                response.headers["Retry-After"] = "1"
        except DomainError as exc:
            response = error_response(exc, correlation_id)
        except RuleNotInForce as exc:
            if exc.applies_from is None:  # an unknown rule: our mistake, not the caller's
                log.exception("unknown rule in %s %s", request.method, self.url,
                              extra={"correlation_id": correlation_id})
                response = internal_error(correlation_id)
            else:  # a date from before the law (as the rules file knows it) applied
                response = error_response(date_out_of_range(exc), correlation_id)
        except RequestEntityTooLarge:
            limit_kib = self.settings.max_body_bytes // 1024
            response = error_response(DomainError(
                "payload_too_large", f"Treść żądania jest za duża (najwyżej {limit_kib} KiB).",
                status=413), correlation_id)
        except Exception:  # never leak internals
            log.exception("unexpected failure in %s %s", request.method, self.url,
                          extra={"correlation_id": correlation_id})
            response = internal_error(correlation_id)
        response.headers[CORRELATION_HEADER] = correlation_id
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"method": request.method, "route": self.url,
                        "correlation_id": correlation_id,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
        return response

    @property
    def database(self):
        """The service's own database (for Idempotency-Key marks); None without one."""
        return self._mongo.db if self._mongo is not None else None

    def replayed(self, earlier: tuple[int, Any]) -> Response:
        response = json_response(earlier[1], earlier[0])
        response.headers[idempotency.REPLAYED_HEADER] = "true"
        return response

    def run_worker(self, args, kwargs, context_data: dict[str, Any],
                   method: str = "GET") -> Response:
        done = Event()
        self.container.spawn_worker(self, args, kwargs, context_data=context_data,
                                    handle_result=partial(self.handle_result, done))
        return self.response_from_result(done.wait(), method)

    def authenticate(self, request: Request) -> Principal | None:
        """The caller the bearer token names (None without one); a service that verifies
        tokens another way (identity, its own) overrides this."""
        return principal_from_header(request.headers.get("Authorization"), self.settings)

    def authorize(self, request: Request) -> Principal | None:
        principal = self.authenticate(request)
        if self.roles is PUBLIC:
            return principal
        if principal is None:
            raise Unauthorized()
        if self.roles and not principal.has_any(self.roles):
            raise Forbidden()
        return principal

    def limit_rate(self, request: Request) -> None:
        principal = request.principal
        if principal is not None and principal.is_staff:
            return
        self.server.write_limiter().hit(client_address(
            request.remote_addr, request.headers.get("X-Forwarded-For"),
            self.settings.trusted_proxies))

    def response_from_result(self, result: Any, method: str = "GET") -> Response:
        if isinstance(result, Response):
            return result
        status = self.status
        if isinstance(result, tuple):
            status, result = result
        # a single versioned record read or edited carries its ETag (wspolpraca.conditional)
        tag = conditional.etag_of(method, result)
        headers = {"ETag": tag} if tag else None
        if isinstance(result, Page):
            schema = self._response
            items = [schema.dump(i) for i in result.items] if schema else result.items
            return json_response({"items": items, "next_cursor": result.next_cursor}, status)
        if self._response is not None and result is not None:
            result = self._response.dump(result)
        return json_response(result, status, headers)



api = HttpApi.decorator


# built-in routes -------------------------------------------------------------
BUILTIN_ROUTES = ("/health/live", "/health/ready", "/metrics", "/api/v1/openapi.json")


class Builtins:
    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self._openapi: dict | None = None
        self._mongo: MongoClient | None = None

    def answer(self, route: str) -> Response:
        if route == "/health/live":
            return json_response({"status": "ok", "service": self.server.container.service_name})
        if route == "/health/ready":
            return self.ready()
        if route == "/metrics":
            return Response(metrics.exposition(),
                            content_type="text/plain; version=0.0.4; charset=utf-8")
        return json_response(self.openapi())

    def ready(self) -> Response:
        settings = settings_of(self.server.container.config)
        checks = {"mongodb": "ok", "rabbitmq": "ok"}
        try:
            if self._mongo is None:
                self._mongo = MongoClient(settings.mongo_uri, serverSelectionTimeoutMS=2000,
                                          connectTimeoutMS=2000)
            self._mongo.admin.command("ping")
        except Exception as exc:  # noqa: BLE001
            checks["mongodb"] = f"unavailable: {type(exc).__name__}"
        try:
            with Connection(settings.amqp_uri, connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as exc:  # noqa: BLE001
            checks["rabbitmq"] = f"unavailable: {type(exc).__name__}"
        # events published before the consumers' queues exist would never reach them
        consumers = [e for e in self.server.container.subextensions
                     if isinstance(e, QueueConsumer)]
        if any(not consumer._consumers_ready.ready() for consumer in consumers):
            checks["consumers"] = "starting"
        elif consumers:
            checks["consumers"] = "ok"
        healthy = all(v == "ok" for v in checks.values())
        return json_response({"status": "ok" if healthy else "unavailable", "checks": checks},
                             200 if healthy else 503)

    def openapi(self) -> dict:
        if self._openapi is None:
            from wspolpraca.openapi import build_openapi

            providers = [p for p in self.server._providers if isinstance(p, HttpApi)]
            self._openapi = build_openapi(self.server.container.service_name, providers)
        return self._openapi
