"""A form posted after the session expired: kept on the server under a one-time key, for its
path (and its person, when known), and given back once after signing in again."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.datastructures import MultiDict

from portal.sessions import MemoryFormStash, MemorySessionStore


def test_the_stash_gives_a_form_back_once_for_its_path_and_person() -> None:
    stash = MemoryFormStash(ttl=60)
    key = stash.put("/moja-organizacja/oferty/nowa/c1", [("title", "Festyn"), ("partners", "a"),
                                                         ("partners", "b")], "sub-1")
    assert stash.take(key, "/moja-organizacja/oferty/nowa/c2", "sub-1") is None
    assert stash.take(key, "/moja-organizacja/oferty/nowa/c1", "sub-2") is None
    assert stash.take(key, "/moja-organizacja/oferty/nowa/c1", "sub-1") == [
        ("title", "Festyn"), ("partners", "a"), ("partners", "b")]
    assert stash.take(key, "/moja-organizacja/oferty/nowa/c1", "sub-1") is None
    assert stash.take(None, "/x", None) is None


def test_a_stashed_form_expires() -> None:
    stash = MemoryFormStash(ttl=60)
    key = stash.put("/x", [("a", "1")])
    stash.kept[key].stored = time.monotonic() - 61
    assert stash.take(key, "/x", "anyone") is None


class _Site:
    def __init__(self) -> None:
        self.stash = MemoryFormStash()
        self.sessions = MemorySessionStore()


class _Post:
    method = "POST"
    path = "/moja-organizacja/oferty/nowa/c1"
    full_path = path + "?"
    host_url = "http://portal.example/"

    def __init__(self, session, path: str | None = None, referer: str | None = None) -> None:
        self.session = session
        self.form = MultiDict([("csrf_token", "t"), ("idempotency_key", "k"),
                               ("title", "Festyn na Bałutach")])
        self.headers = {"Referer": referer} if referer else {}
        if path:
            self.path = path
            self.full_path = path + "?"


def _signed_in_back_to(pages, post) -> tuple[str, str]:
    from portal.web import Redirect

    try:
        pages._me(post)
    except Redirect as exc:
        target = unquote(parse_qs(urlsplit(exc.location).query)["next"][0])
    else:
        raise AssertionError("not sent to sign in")
    path, _, query = target.partition("?")
    return path, parse_qs(query)["przywroc"][0]


REPORT = "/moja-organizacja/umowy/k1/sprawozdanie"


def test_a_form_posted_to_a_path_without_a_page_comes_back_to_the_page_it_was_on() -> None:
    from portal.workspaces import WorkspacesMixin

    pages = WorkspacesMixin()
    pages.site = _Site()
    post = _Post(MemorySessionStore().new(), REPORT,
                 referer="http://portal.example/moja-organizacja/umowy/k1?zapisano=x")
    path, key = _signed_in_back_to(pages, post)
    assert path == "/moja-organizacja/umowy/k1"

    class _Back:   # the page after signing in again
        args = {"przywroc": key}

    _Back.path = path
    me = MemorySessionStore().new()
    # another form of the page does not take it; the report's does, once
    assert pages._kept_form(_Back(), me, "/moja-organizacja/umowy/k1/inny") is None
    kept = pages._kept_form(_Back(), me, REPORT)
    assert kept.action == REPORT and kept.form.get("title") == "Festyn na Bałutach"
    assert "csrf_token" not in kept.form and pages._kept_form(_Back(), me) is None


def test_another_sites_referer_is_not_followed() -> None:
    from portal.workspaces import WorkspacesMixin

    pages = WorkspacesMixin()
    pages.site = _Site()
    for referer in ("https://evil.example/moja-organizacja/umowy/k1", "//evil.example/x", None):
        path, _ = _signed_in_back_to(pages, _Post(MemorySessionStore().new(), REPORT, referer))
        assert path == REPORT


def test_a_post_without_a_session_keeps_the_form_and_signs_in_back_to_it() -> None:
    from portal.web import Redirect
    from portal.workspaces import WorkspacesMixin

    pages = WorkspacesMixin()
    pages.site = _Site()
    session = MemorySessionStore().new()   # signed out: no tokens
    try:
        pages._me(_Post(session))
    except Redirect as exc:
        target = unquote(parse_qs(urlsplit(exc.location).query)["next"][0])
    else:
        raise AssertionError("not sent to sign in")
    path, _, query = target.partition("?")
    assert path == "/moja-organizacja/oferty/nowa/c1"
    key = parse_qs(query)["przywroc"][0]
    # the token and the key are not kept: the form comes back with new ones
    assert pages.site.stash.take(key, path, "sub-1") == [("title", "Festyn na Bałutach")]


class _Page:
    """The page a person comes back to after signing in again."""

    def __init__(self, path: str, key: str) -> None:
        self.path = path
        self.args = {"przywroc": key}


def _pages_with(*mixins):
    from portal.workspaces import WorkspacesMixin

    class Pages(WorkspacesMixin, *mixins):
        def _me(self, request):
            return MemorySessionStore().new()

        def _staff(self, request):
            return self._me(request)

        _staff_of_consultations = _staff

    pages = Pages()
    pages.site = _Site()
    pages.shown = {}
    return pages


def test_the_consultation_page_fills_in_the_answer_to_the_comment_it_was_for() -> None:
    from portal.office_consultations import ConsultationsOfficeMixin

    pages = _pages_with(ConsultationsOfficeMixin)
    pages._office_consultation = lambda request, me, id, **kw: pages.shown.update(kw)
    key = pages.site.stash.put("/urzad/konsultacje/c1", [
        ("decision_m7", "rejected"), ("reason_m7", "Poza zakresem projektu.")],
        action="/urzad/konsultacje/c1/uwagi/m7/odpowiedz")
    pages.office_consultation(_Page("/urzad/konsultacje/c1", key), "c1")
    comment_id, form = pages.shown["answer"]
    assert comment_id == "m7" and pages.shown["restored"] is True
    assert form.values == {"decision_m7": "rejected", "reason_m7": "Poza zakresem projektu."}


def test_the_competition_page_fills_in_the_results_as_typed() -> None:
    from portal.committee import CommitteeMixin

    pages = _pages_with(CommitteeMixin)
    pages._office_competition = lambda request, me, id, **kw: pages.shown.update(kw)
    key = pages.site.stash.put("/urzad/konkursy/k1", [("award_o1", "12 500,00")],
                               action="/urzad/konkursy/k1/wyniki")
    pages.office_competition(_Page("/urzad/konkursy/k1", key), "k1")
    assert pages.shown["kept_results"].form.get("award_o1") == "12 500,00"
    pages.shown.clear()
    pages.office_competition(_Page("/urzad/konkursy/k1", key), "k1")   # once only
    assert pages.shown["kept_results"] is None
