"""`/organizacje`: its search form and results are rendered once per answer of the registry
(`Site.fragment`), the header around them per reader (the account, the sign-out form's CSRF
token); a write passed to the registry, another query or a missing part renders them again.
The CSRF token is signed only on a page that shows it (`Deferred`)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from portal_fakes import signed_in
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from portal import views
from portal.service import PortalService
from portal.web import Site
from wspolpraca.testing.stubs import JsonHandler, serve

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def registry(monkeypatch):
    """A registry answering the areas and a page of organisations named after how many times
    it was asked for one (`state["asked"]`); `state["down"]` answers 503 to the areas."""
    state = {"asked": 0, "down": False}

    class Handler(JsonHandler):
        def on_get(self):
            url = urlsplit(self.path)
            if url.path == "/api/v1/areas":
                if state["down"]:
                    return self.send_json(503, {"error": {"code": "down", "message": "x"}})
                return self.send_json(200, {"items": [{"code": "culture", "name": "Kultura"}]})
            state["asked"] += 1
            q = parse_qs(url.query).get("q", [""])[0]
            return self.send_json(200, {"items": [
                {"id": "o1", "name": f"Fundacja {q}{state['asked']}", "legal_form": "foundation",
                 "district": "Bałuty", "areas": ["culture"]}], "next_cursor": None})

    server, url = serve(Handler)
    monkeypatch.setattr(views, "AREAS", views.AreaNames())  # not another test's areas
    yield url, state
    server.shutdown()
    server.server_close()


def page(site: Site, query: str = "", session=None, cookie: str = "ciasteczko") -> str:
    request = Request(EnvironBuilder(path="/organizacje", query_string=query).get_environ())
    request.csrf_cookie = cookie
    request.session = session
    response = PortalService.organisations(SimpleNamespace(site=site), request)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def counting(site: Site, monkeypatch) -> list[str]:
    rendered: list[str] = []
    get_template = site.env.get_template

    def counted(name, *args, **kwargs):
        rendered.append(name)
        return get_template(name, *args, **kwargs)
    monkeypatch.setattr(site.env, "get_template", counted)
    return rendered


def test_the_results_are_rendered_once_per_answer_and_the_header_per_reader(registry,
                                                                            monkeypatch):
    url, state = registry
    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"registry": url},
                provider=SimpleNamespace(issuer="http://id.example"))
    site.backends.cache.ttl = 60
    rendered = counting(site, monkeypatch)

    anonymous = page(site)
    assert "Fundacja 1" in anonymous and "Zaloguj się" in anonymous
    assert '<option value="culture">Kultura</option>' in anonymous
    assert "Bałuty · Kultura" in anonymous

    someone = signed_in(["ngo"], name="Anna Nowak")
    theirs = page(site, session=someone, cookie="jej-ciasteczko")
    assert "Fundacja 1" in theirs and "Zalogowano: <strong>Anna Nowak</strong>" in theirs
    assert "Zaloguj się" not in theirs
    [token] = TOKEN.findall(theirs)                 # the sign-out form: this reader's token
    assert site.csrf.valid("jej-ciasteczko", token)
    assert rendered.count("organisations_directory.html") == 1 and state["asked"] == 1
    # the same part, byte for byte, in both
    assert anonymous[anonymous.index("<h1>"):anonymous.index("</main>")] \
        == theirs[theirs.index("<h1>"):theirs.index("</main>")]

    searched = page(site, "q=las")                  # another query: its own answer and part
    assert "Fundacja las2" in searched and 'value="las"' in searched
    assert "„las” – Baza organizacji" in searched
    assert "Fundacja 1" in page(site)               # the first still kept
    assert rendered.count("organisations_directory.html") == 2

    site.backends.cache.drop("registry")            # a write passed to the registry
    assert "Fundacja 3" in page(site)               # a new answer: rendered again
    assert rendered.count("organisations_directory.html") == 3


def test_a_page_a_part_was_missing_from_is_shown_but_not_kept(registry, monkeypatch):
    url, state = registry
    state["down"] = True
    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"registry": url},
                provider=SimpleNamespace(issuer="http://id.example"))
    site.backends.cache.ttl = 60
    rendered = counting(site, monkeypatch)
    for _ in range(2):
        shown = page(site)
        assert "Nie udało się pobrać: baza organizacji" in shown and "Fundacja 1" in shown
    assert rendered.count("organisations_directory.html") == 2 and not site.fragments.entries


def test_with_the_cache_off_the_results_are_rendered_for_every_reader(registry, monkeypatch):
    url, state = registry
    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"registry": url},
                provider=SimpleNamespace(issuer="http://id.example"))
    site.backends.cache.ttl = 0
    assert "Fundacja 1" in page(site) and "Fundacja 2" in page(site)
    assert not site.fragments.entries


def test_the_csrf_token_is_signed_only_on_a_page_that_shows_it(registry, monkeypatch):
    url, _ = registry
    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"registry": url},
                provider=SimpleNamespace(issuer="http://id.example"))
    signed: list[str] = []
    token = site.csrf.token

    def counted(cookie):
        signed.append(cookie)
        return token(cookie)
    monkeypatch.setattr(site.csrf, "token", counted)
    assert "csrf_token" not in page(site)           # no form that posts: nothing signed
    assert signed == []
    shown = page(site, session=signed_in(["ngo"], name="Anna Nowak"), cookie="c1")
    assert signed == ["c1"] and site.csrf.valid("c1", TOKEN.findall(shown)[0])


def test_a_reader_not_signed_in_gets_the_whole_page_kept_per_address(registry, monkeypatch):
    url, state = registry
    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"registry": url},
                provider=SimpleNamespace(issuer="http://id.example"))
    site.backends.cache.ttl = 60
    rendered = counting(site, monkeypatch)
    first = page(site, "q=las")
    assert page(site, "q=las", cookie="inne") == first      # another reader: the same page
    assert rendered.count("organisations.html") == 1
    assert 'href="/logowanie?next=/organizacje%3Fq%3Dlas"' in first
    other = page(site, "q=las&zrodlo=x")                     # another address: its own link
    assert 'href="/logowanie?next=/organizacje%3Fq%3Dlas%26zrodlo%3Dx"' in other
    assert rendered.count("organisations.html") == 2
    assert rendered.count("organisations_directory.html") == 1  # the same results in both

    theirs = page(site, "q=las", session=signed_in(["ngo"], name="Anna Nowak"))
    assert "Anna Nowak" in theirs and rendered.count("organisations.html") == 3
    assert "Anna Nowak" not in page(site, "q=las")           # never kept for the others
    site.backends.cache.drop("registry")                     # a write: a new answer
    assert "Fundacja las2" in page(site, "q=las") and rendered.count("organisations.html") == 4


def test_a_public_page_that_shows_a_csrf_token_is_not_kept(registry, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader

    site = Site("a-secret-0123456789abcdef0123456789abcdef", {"registry": registry[0]},
                provider=SimpleNamespace(issuer="http://id.example"))
    site.env.loader = ChoiceLoader([DictLoader({"form.html": "<b>{{ csrf_token }}</b>"}),
                                    site.env.loader])
    answer = {"items": []}
    for cookie in ("c1", "c2"):
        request = Request(EnvironBuilder(path="/x").get_environ())
        request.csrf_cookie, request.session = cookie, None
        shown = site.render_public(request, ("/x",), (answer,), "form.html")
        token = shown.get_data(as_text=True)[3:-4]
        assert site.csrf.valid(cookie, token)                # each reader's own
    assert not site.fragments.entries
