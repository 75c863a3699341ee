"""The portal's HTTP layer on nameko: HTML pages, static files, health and metrics.

`@page("GET", "/konkursy/<id>")` marks a thin service method returning a werkzeug Response
(usually `self.site.render(request, "template.html", ...)`). Around every page: the CSRF cookie
is set and a POST's token checked before the worker starts; a backend's 404 becomes the
portal's 404 page, a backend that is down the "unavailable" page (never a 500 with a trace); the
security headers (a strict Content-Security-Policy, no inline script or style) go on every
answer; the request is counted in the shared metrics by its route template.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eventlet.event import Event
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from nameko.extensions import DependencyProvider
from nameko.web.server import WebServer
from pymongo.database import Database
from pymongo.errors import PyMongoError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from portal import backend, formatting, sessions
from portal.csrf import COOKIE, FIELD, Csrf
from portal.signin import Provider, portal_url
from portal.views import Parts
from wspolpraca import metrics
from wspolpraca.config import ConfigurationError, Settings, check_production_secret, settings_of
from wspolpraca.database import connect, ensure_schema
from wspolpraca.http import InRequestThread, RoutedApp

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
SERVICE = "portal"

# `default-src 'self'`: nothing from another origin, no inline script or style, no eval. Every
# page has it, Swagger UI's (swagger-ui-dist 5.36.0 runs under it: it sets styles through the
# CSSOM, which the policy allows) included. One page needs more: see ASYNCAPI_CSP.
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
# The event catalogue's page only (/dla-deweloperow/zdarzenia): the AsyncAPI viewer
# (@asyncapi/react-component 3.2.1) compiles JSON Schemas with ajv, i.e. `new Function`, while
# its bundle loads, before any option is read; its `without-parser` bundle does the same (both
# tried in Chromium: an EvalError under CSP), so no configuration avoids 'unsafe-eval'. Still
# nothing from another origin, no inline script or style; the page shows only the platform's own
# catalogue, and the YAML link works without JavaScript.
ASYNCAPI_CSP = f"{CSP}; script-src 'self' 'unsafe-eval'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
BUILTIN_ROUTES = ("/health/live", "/health/ready", "/metrics")
STATIC_ROUTE = "/static/<path:filename>"


class PageNotFound(Exception):
    """Raised by a page for a path that names nothing."""


class Redirect(Exception):
    """Raised by a page that sends the browser elsewhere first (e.g. to sign in)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class NotAllowed(Exception):
    """The signed-in person's role cannot do this (the services decide; the portal hides)."""


class Site:
    """What every page needs: the templates, the backends' client, the CSRF signer, the
    sessions and the OpenID provider (the workspaces)."""

    def __init__(self, secret: str, urls: dict[str, str] | None = None,
                 provider: Provider | None = None, db: Database | None = None) -> None:
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                               autoescape=select_autoescape(["html"]),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(formatting.FILTERS)
        # a form's Idempotency-Key, made when it is rendered (the workspaces' writes)
        self.env.globals["new_key"] = lambda: uuid.uuid4().hex
        self.backends = backend.Backends(urls or backend.base_urls())
        self.csrf = Csrf(secret)
        self.contact = liaison_office()
        # the portal's own database, shared by its replicas (portal.sessions); the pages'
        # unit tests, which have none, keep them in the process
        self.sessions: Any = (sessions.SessionStore(db, secret) if db is not None
                              else sessions.MemorySessionStore())
        self.stash: Any = (sessions.FormStash(db, secret) if db is not None  # forms posted
                           else sessions.MemoryFormStash())                 # after expiry
        self.provider = provider or Provider.from_environment()
        self.provider_origin = origin_of(self.provider.issuer)
        self.fragments = Fragments()

    def render(self, request: Request, template: str, status: int = 200,
               headers: dict[str, str] | None = None, **context: Any) -> Response:
        html, _ = self._page(request, template, context)
        return Response(html, status=status, headers=headers, mimetype="text/html")

    def _page(self, request: Request, template: str, context: dict[str, Any],
              ) -> tuple[str, bool]:
        """The page's HTML and whether it shows the reader's CSRF token (a form that posts)."""
        cookie = getattr(request, "csrf_cookie", None) or ""
        token = Deferred(partial(self.csrf.token, cookie) if cookie else str)  # "" without
        html = self.env.get_template(template).render(
            request=request, path=request.path, contact=self.contact,
            csrf_field=FIELD, csrf_token=token,
            me=getattr(request, "session", None), **context)
        return html, token.value is not None

    def render_public(self, request: Request, key: tuple, sources: tuple, template: str,
                      keep: bool = True, **context: Any) -> Response:
        """A public page, kept whole for readers who are not signed in: for them it holds
        nothing of theirs but its own address (the sign-in link's `next`), so it is kept per
        address while `sources` are the same answers, as `fragment` is (and not kept if it
        showed a CSRF token after all). A signed-in reader's page (their account, the sign-out
        form's token) is rendered for them. Not `keep`: rendered and not kept."""
        me = getattr(request, "session", None)
        if not keep or (me is not None and me.signed_in) or self.backends.cache.ttl <= 0:
            return self.render(request, template, **context)
        page_key = (*key, "page", request.full_path)
        html = self.fragments.get(page_key, sources)
        if html is None:
            html, personal = self._page(request, template, context)
            if not personal:
                self.fragments.put(page_key, sources, html)
        return Response(html, mimetype="text/html")

    def render_kept(self, request: Request, key: tuple, template: str,
                    build: Callable[[Parts], dict[str, Any]]) -> Response:
        """A page the same for every reader (public data only, no form: no CSRF token in it),
        its HTML kept as the backends' answers are (`backend.MicroCache`: PORTAL_CACHE_SECONDS,
        one refresher, dropped with a write the portal passes to the service `key[0]`), so a
        busy page is not rendered again for each reader. `build(parts)` fetches and returns the
        template's context; a page a backend was missing from is shown but not kept."""
        cache = self.backends.cache
        html, refresh = cache.lookup(key)
        if refresh:
            try:
                parts = Parts()
                context = build(parts)
                html = self.env.get_template(template).render(
                    request=None, path=request.path, contact=self.contact, parts=parts,
                    **context)
                if not parts.unavailable:
                    cache.put(key, html)
            finally:
                cache.done(key)
        return Response(html, mimetype="text/html")

    def fragment(self, key: tuple, sources: tuple, template: str, keep: bool = True,
                 **context: Any) -> Markup:
        """A part of a page that is the same for every reader (public answers only, no form
        token, nothing of the reader's), rendered once per set of answers: `sources` are the
        backends' answers it shows, the very objects the micro-cache hands out, and the HTML is
        kept while they are the same objects, so it is never older than they are (a refresh or
        a write passed to the service gives new ones, and it is rendered again). `key` names
        the part and what the reader asked for (a page's filters); the rest of the page (the
        header with the reader's account, the CSRF token) is rendered per request. Not
        `keep`: rendered and not kept (a page a backend was missing from)."""
        html = self.fragments.get(key, sources) if keep else None
        if html is None:
            html = self.env.get_template(template).render(**context)
            if keep and self.backends.cache.ttl > 0:  # with the cache off every answer is new
                self.fragments.put(key, sources, html)
        return Markup(html)


class Deferred:
    """A template value made only if the template shows it, once (the CSRF token: signing it
    costs ≈ 0.1–0.2 ms, and most public pages have no form that posts)."""

    __slots__ = ("make", "value")

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make
        self.value: str | None = None

    def __str__(self) -> str:
        if self.value is None:
            self.value = self.make()
        return self.value

    def __html__(self) -> Markup:
        return escape(str(self))


class Fragments:
    """`Site.fragment`'s rendered parts and `Site.render_public`'s pages: by key, each with the
    answers it was rendered from (held, so compared by identity safely); bounded like the
    micro-cache."""

    LIMIT = 500  # entries; past it they start again

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple[tuple, str]] = {}

    def get(self, key: tuple, sources: tuple) -> str | None:
        found = self.entries.get(key)
        if found is None or len(found[0]) != len(sources) \
                or any(kept is not source
                       for kept, source in zip(found[0], sources, strict=True)):
            return None
        return found[1]

    def put(self, key: tuple, sources: tuple, html: str) -> None:
        if len(self.entries) >= self.LIMIT:
            self.entries = {}
        self.entries[key] = (sources, html)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def with_form_action(csp: str, origin: str) -> str:
    """Signing in (choosing an organisation) and out are forms answered with a redirect to
    the OpenID provider; browsers check that redirect against `form-action` too, so the
    provider's origin is allowed where it is not the portal's own."""
    if not origin or origin == origin_of(portal_url()):
        return csp
    return csp.replace("form-action 'self'", f"form-action 'self' {origin}")


def liaison_office() -> dict[str, str]:
    """The liaison office's contact, set by the city (PORTAL_OFFICE_*)."""
    env = os.environ
    return {
        "city": env.get("PORTAL_CITY", "Miasto Przykładowo"),
        "office": env.get("PORTAL_OFFICE", "Biuro Pełnomocnika ds. Współpracy z Organizacjami "
                                           "Pozarządowymi"),
        "officer": env.get("PORTAL_OFFICER", "Pełnomocnik Prezydenta Miasta ds. współpracy "
                                             "z organizacjami pozarządowymi"),
        "address": env.get("PORTAL_OFFICE_ADDRESS", "ul. Piotrkowska 104, 90-926 Przykładowo, "
                                                    "pokój 12"),
        "phone": env.get("PORTAL_OFFICE_PHONE", "+48 42 638 40 00"),
        "email": env.get("PORTAL_OFFICE_EMAIL", "ngo@przykladowo.example.pl"),
        "hours": env.get("PORTAL_OFFICE_HOURS", "poniedziałek–piątek, 8:00–16:00"),
    }


def portal_secret(settings: Settings, env: dict[str, str] | None = None) -> str:
    """The secret of the forms' CSRF tokens (issue 15, item 7). In production it is its own,
    `PORTAL_SECRET`, checked like every production secret and never the JWT secret (a leaked
    form secret must not mint tokens); in development the JWT secret stands in for it."""
    configured = (os.environ if env is None else env).get("PORTAL_SECRET") or None
    if not settings.production:
        secret = configured or settings.jwt_secret
        if not secret:
            raise ConfigurationError("The portal needs PORTAL_SECRET to sign its forms' "
                                     "tokens.")
        return secret
    if not configured:
        raise ConfigurationError("Production mode needs PORTAL_SECRET (its own secret, not "
                                 "the JWT secret): it signs the forms' tokens.")
    check_production_secret("PORTAL_SECRET", configured)
    if configured == settings.jwt_secret:
        raise ConfigurationError("PORTAL_SECRET must differ from WSPOLPRACA_JWT_SECRET.")
    return configured


class SiteProvider(DependencyProvider):
    """`site = SiteProvider()` on the service: one Site per container."""

    def setup(self) -> None:
        settings = settings_of(self.container.config)
        self.client = connect(settings)
        db = self.client[settings.mongo_database]
        ensure_schema(db, sessions.COLLECTIONS)
        self.site = Site(portal_secret(settings), db=db)

    def kill(self) -> None:
        self.stop()

    def stop(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
            self.client = None

    def get_dependency(self, worker_ctx) -> Site:
        return self.site


def secure(response: Response, csp: str = CSP) -> Response:
    response.headers.setdefault("Content-Security-Policy", csp)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def error_page(status: int, *, what: list[str] | None = None) -> Response:
    """The 404, 503 and 500 pages, in the same look, rendered without a worker."""
    env = _error_env()
    template = {404: "404.html", 503: "unavailable.html"}.get(status, "error.html")
    html = env.get_template(template).render(
        request=None, path="", contact=liaison_office(), unavailable=what or [],
        status=status)
    return secure(Response(html, status=status, mimetype="text/html"))


_ENV: Environment | None = None


def _error_env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                           autoescape=select_autoescape(["html"]))
        _ENV.filters.update(formatting.FILTERS)
    return _ENV


class PortalServer(WebServer):
    def get_wsgi_app(self):
        return PortalApp(self)

    def make_url_map(self) -> Map:
        url_map = super().make_url_map()
        url_map.strict_slashes = False
        for path in BUILTIN_ROUTES:
            url_map.add(Rule(path, methods=["GET"], endpoint=path))
        url_map.add(Rule(STATIC_ROUTE, methods=["GET"], endpoint=STATIC_ROUTE))
        return url_map


class PortalApp(RoutedApp):
    """The portal's routing (wspolpraca.http.RoutedApp): its static files beside the built-in
    routes, and its failures as pages."""

    def service_name(self) -> str:
        return SERVICE

    def not_found(self) -> Response:
        return error_page(404)

    def method_not_allowed(self, exc: MethodNotAllowed) -> Response:
        response = error_page(405)
        response.headers["Allow"] = ", ".join(exc.valid_methods or [])
        return response

    def http_error(self, exc: HTTPException, environ: dict) -> Response:
        if exc.code and exc.code < 400:  # a redirect (e.g. a trailing slash)
            return exc.get_response(environ)
        return error_page(exc.code or 400)

    def failure(self) -> Response:
        return error_page(500)

    def builtin(self, route: str, values: dict[str, Any], environ: dict) -> Response:
        if route == STATIC_ROUTE:
            return static_file(environ, values["filename"])
        if route == "/metrics":
            return Response(metrics.exposition(),
                            content_type="text/plain; version=0.0.4; charset=utf-8")
        # ready when it serves: the public pages need neither its database (sessions only) nor
        # a broker; a page whose backend is down degrades rather than fails
        body = {"status": "ok", "service": SERVICE}
        return Response(json.dumps(body), mimetype="application/json")


def static_file(environ, filename: str) -> Response:
    response = send_from_directory(str(STATIC), filename, environ, max_age=3600)
    mimetype, _ = mimetypes.guess_type(filename)
    if mimetype:
        response.mimetype = mimetype
    return secure(response)


class Page(InRequestThread):
    server = PortalServer()

    def __init__(self, method: str, url: str, *, csp: str = CSP, **kwargs) -> None:
        kwargs.setdefault("expected_exceptions", (PageNotFound, backend.NotFound,
                                                  backend.Unavailable, Redirect, NotAllowed))
        super().__init__(method, url, **kwargs)
        self.csp = csp

    def setup(self) -> None:
        super().setup()
        settings_of(self.container.config)  # started by wspolpraca.runner

    def handle_request(self, request: Request) -> Response:
        started = time.perf_counter()
        cookie = request.cookies.get(COOKIE)
        fresh = None
        if not cookie:
            cookie = fresh = Csrf.new_cookie()
        request.csrf_cookie = cookie
        site = _site_of(self.container)
        try:
            request.session = site.sessions.get(request.cookies.get(sessions.COOKIE))
        except PyMongoError as exc:   # its database is away: the public pages still answer
            log.warning("sessions unavailable: %s", type(exc).__name__)
            request.session = None
        request.session_changed = False  # a page that opens, renews or ends one sets it
        try:
            if request.method == "POST":
                if not site.csrf.valid(request.cookies.get(COOKIE), request.form.get(FIELD)):
                    response = site.render(request, "expired.html", status=400)
                    return self._finish(request, response, fresh, started)
            args, kwargs = self.get_entrypoint_parameters(request)
            done = Event()
            self.container.spawn_worker(self, args, kwargs,
                                        handle_result=partial(self.handle_result, done))
            response = done.wait()
            if not isinstance(response, Response):
                raise TypeError(f"a page must return a Response, not {type(response)}")
        except (PageNotFound, backend.NotFound):
            response = error_page(404)
        except Redirect as exc:
            response = Response(status=303, headers={"Location": exc.location})
        except NotAllowed:
            response = error_page(403)
        except backend.Unavailable as exc:
            response = error_page(503, what=[exc.what])
        except Exception:
            log.exception("unexpected failure in %s %s", request.method, self.url)
            response = error_page(500)
        return self._finish(request, response, fresh, started)

    def _finish(self, request: Request, response: Response, fresh: str | None,
                started: float) -> Response:
        https = (request.headers.get("X-Forwarded-Proto") == "https"
                 or portal_url().startswith("https://"))
        if fresh:
            response.set_cookie(COOKIE, fresh, httponly=True, samesite="Lax", path="/",
                                secure=https)
        if getattr(request, "session_changed", False):
            session = request.session
            if session is None:
                response.delete_cookie(sessions.COOKIE, path="/", httponly=True,
                                       samesite="Lax", secure=https)
            else:
                response.set_cookie(sessions.COOKIE, session.id, httponly=True,
                                    samesite="Lax", path="/", secure=https)
        if getattr(request, "session", None) is not None:
            response.headers.setdefault("Cache-Control", "private, no-store")
        csp = with_form_action(self.csp, _site_of(self.container).provider_origin)
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"method": request.method, "route": self.url,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
        return secure(response, csp)


def _site_of(container) -> Site:
    for dependency in container.dependencies:
        if isinstance(dependency, SiteProvider):
            return dependency.site
    raise RuntimeError("the portal service has no SiteProvider")


page = Page.decorator
