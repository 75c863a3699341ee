"""The portal's micro-cache of public answers: reused for a few seconds, never an error, and
dropped for a service as soon as the portal passes a write to it."""

from __future__ import annotations

import pytest

from portal.backend import Backends, NotFound, cache_seconds
from wspolpraca.testing.stubs import JsonHandler, serve


@pytest.fixture
def backend():
    """A service answering GET /count with how many GETs it has had; POST /write is 201."""
    state = {"gets": 0}

    class Handler(JsonHandler):
        def on_get(self):
            state["gets"] += 1
            if self.path.startswith("/missing"):
                return self.send_json(404, {"error": {"code": "not_found", "message": "Nie ma."}})
            return self.send_json(200, {"gets": state["gets"], "path": self.path})

        def on_post(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            return self.send_json(201, {"ok": True})

    server, url = serve(Handler)
    yield url, state
    server.shutdown()
    server.server_close()


def test_a_public_answer_is_reused_within_the_ttl_per_path_and_query(backend):
    url, state = backend
    backends = Backends({"grants": url, "registry": url}, cache_ttl=60)
    assert backends.get("grants", "/count", status="announced")["gets"] == 1
    assert backends.get("grants", "/count", status="announced")["gets"] == 1
    assert backends.get("grants", "/count", status="resolved")["gets"] == 2
    assert backends.content("grants", "/count") == backends.content("grants", "/count")
    assert state["gets"] == 3


def test_a_write_through_the_portal_drops_that_services_answers_only(backend):
    url, state = backend
    backends = Backends({"grants": url, "registry": url}, cache_ttl=60)
    backends.get("grants", "/count")
    backends.get("registry", "/count")
    backends.post("grants", "/write", {"text": "uwaga"})
    assert backends.get("grants", "/count")["gets"] == 3  # asked again
    assert backends.get("registry", "/count")["gets"] == 2  # still the cached answer


def test_errors_are_not_cached_and_a_zero_ttl_turns_the_cache_off(backend):
    url, state = backend
    backends = Backends({"grants": url}, cache_ttl=60)
    for _ in range(2):
        with pytest.raises(NotFound):
            backends.get("grants", "/missing")
    assert state["gets"] == 2
    uncached = Backends({"grants": url}, cache_ttl=0)
    assert [uncached.get("grants", "/count")["gets"] for _ in range(2)] == [3, 4]


def test_the_ttl_comes_from_the_environment():
    assert cache_seconds({}) == 2.0
    assert cache_seconds({"PORTAL_CACHE_SECONDS": "0"}) == 0.0
    assert cache_seconds({"PORTAL_CACHE_SECONDS": "nonsense"}) == 2.0


def test_an_expired_answer_is_refreshed_by_one_caller_while_the_others_keep_it(backend):
    url, state = backend
    backends = Backends({"grants": url}, cache_ttl=60)
    assert backends.get("grants", "/count")["gets"] == 1
    key = next(iter(backends.cache.entries))
    expires, value = backends.cache.entries[key]
    backends.cache.entries[key] = (expires - 61, value)  # expired a second ago
    backends.cache.refreshing.add(key)  # another page is asking the service right now
    assert backends.get("grants", "/count")["gets"] == 1  # the expired answer, no request
    backends.cache.done(key)
    assert backends.get("grants", "/count")["gets"] == 2  # this caller refreshes
    assert backends.get("grants", "/count")["gets"] == 2 and not backends.cache.refreshing
    expires, value = backends.cache.entries[key]
    backends.cache.entries[key] = (expires - 121, value)  # expired more than a ttl ago
    backends.cache.refreshing.add(key)
    assert backends.get("grants", "/count")["gets"] == 3  # too old to show: asked again


def test_a_kept_page_is_rendered_once_per_cache_period_unless_a_part_was_missing(backend):
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from portal.backend import Unavailable
    from portal.web import Site

    url, state = backend
    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"reporting": url})
    site.backends.cache.ttl = 60
    request = Request(EnvironBuilder(path="/sprawozdania").get_environ())
    built = []

    def build(parts):
        built.append(1)
        answer = parts.fetch(lambda: site.backends.get("reporting", "/count"))
        return {"years": [2026], "formats": [("pdf", "PDF")],
                "datasets": [{"name": "zbior", "title": f"Zbiór {answer['gets']}",
                              "fields": []}]}

    first = site.render_kept(request, ("reporting", "page", "/sprawozdania"), "reports.html",
                             build)
    again = site.render_kept(request, ("reporting", "page", "/sprawozdania"), "reports.html",
                             build)
    assert "Zbiór 1" in first.get_data(as_text=True)
    assert again.get_data() == first.get_data() and len(built) == 1 and state["gets"] == 1
    # a write the portal passes to reporting drops the page with the service's answers
    site.backends.cache.drop("reporting")
    assert "Zbiór 2" in site.render_kept(request, ("reporting", "page", "/sprawozdania"),
                                         "reports.html", build).get_data(as_text=True)

    def missing(parts):
        parts.fetch(lambda: (_ for _ in ()).throw(Unavailable("sprawozdawczość", "down")))
        return {"years": [2026], "formats": [], "datasets": []}

    for _ in range(2):
        degraded = site.render_kept(request, ("reporting", "page", "/other"), "reports.html",
                                    missing)
        assert "Nie udało się pobrać: sprawozdawczość" in degraded.get_data(as_text=True)
    assert site.backends.cache.lookup(("reporting", "page", "/other")) == (None, True)
