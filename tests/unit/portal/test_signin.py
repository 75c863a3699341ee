"""The portal's sign-in pieces that need no provider: where a person may be sent back to,
money typed the Polish way, nested API field names, sessions."""

from __future__ import annotations

import time

from portal.backend import Rejected
from portal.formatting import parse_money
from portal.sessions import MemorySessionStore
from portal.signin import Pending, Provider, SignInFailed, Tokens, safe_next
from portal.views import Form


def test_only_a_path_of_the_portal_is_a_place_to_return_to() -> None:
    assert safe_next("/moja-organizacja/skrzynka") == "/moja-organizacja/skrzynka"
    for elsewhere in ("https://evil.example", "//evil.example/x", "/\\evil.example", "",
                      None, "/logowanie/powrot", "/wyloguj"):
        assert safe_next(elsewhere) == "/moja-organizacja"


def test_money_is_understood_as_people_type_it() -> None:
    assert parse_money("12 500,00") == "12500.00"
    assert parse_money("12500") == "12500.00"
    assert parse_money("12500,5") == "12500.50"
    assert parse_money("12\u00a0500 zł") == "12500.00"
    assert parse_money("12,345,6") is None
    assert parse_money("dużo") is None
    assert parse_money("1,005") is None   # no fractions of a grosz


def test_nested_api_fields_go_next_to_the_form_fields_of_the_same_path() -> None:
    form = Form(("own_contribution_financial", "cost_items_0_amount", "title"))
    form.reject(Rejected(422, "validation_error", "", {
        "own_contribution.financial": ["Kwota nie może być ujemna."],
        "cost_items.0.amount": ["Kwota nie może być ujemna."],
        "title.x": ["Length must be between 3 and 300."],
        "elsewhere": ["Coś innego."]}))
    assert form.errors["own_contribution_financial"] == ["Kwota nie może być ujemna."]
    assert form.errors["cost_items_0_amount"] == ["Kwota nie może być ujemna."]
    assert form.errors["title"] == ["Wpisz od 3 do 300 znaków."]
    assert form.errors["_form"] == ["Coś innego."]


def test_a_returning_browser_must_bring_back_the_state_it_was_given() -> None:
    provider = Provider("http://id.example", "http://id.internal", "http://p.example/cb")
    pending = Pending(state="s1", nonce="n", code_verifier="v", next="/")
    for query in ({"state": "other", "code": "c"}, {"code": "c"},
                  {"state": "s1", "error": "access_denied"}):
        try:
            provider.finish(pending, query)
        except SignInFailed:
            continue
        raise AssertionError(f"accepted {query}")


def test_the_portal_reaches_the_provider_at_its_internal_address() -> None:
    provider = Provider("https://city.example", "http://identity:8006", "https://c/cb")
    assert provider.back_channel("https://city.example/oauth2/token") == \
        "http://identity:8006/oauth2/token"
    assert provider.back_channel("https://other.example/x") == "https://other.example/x"


def test_sessions_expire_when_idle_and_get_a_new_id_after_signing_in() -> None:
    store = MemorySessionStore(idle=60)
    session = store.new()
    first = session.id
    assert store.get(first) is session
    store.signed_in(session, Tokens("a", "r", "i", time.time() + 300, {"sub": "s"}))
    assert store.get(first) is None and store.get(session.id) is session
    session.touched = time.monotonic() - 61
    assert store.get(session.id) is None


class _Site:
    def __init__(self, provider) -> None:
        self.provider = provider
        self.sessions = MemorySessionStore()


class _Request:
    full_path = "/moja-organizacja?"
    method = "GET"

    def __init__(self, session) -> None:
        self.session = session


def _tokens(expires_in: float, refresh: str | None = "r1"):
    from portal.signin import Tokens

    return Tokens(access_token="a", refresh_token=refresh, id_token="i",
                  expires_at=time.time() + expires_in, claims={"sub": "s", "roles": ["ngo"]})


def test_an_access_token_near_its_expiry_is_refreshed_quietly_before_a_call() -> None:
    from portal.workspaces import WorkspacesMixin

    refreshed = _tokens(600, "r2")

    class Refreshing:
        def refresh(self, tokens):
            assert tokens.refresh_token == "r1"
            return refreshed

    pages = WorkspacesMixin()
    pages.site = _Site(Refreshing())
    session = MemorySessionStore().new()
    session.tokens = _tokens(10)            # within the margin
    assert pages._me(_Request(session)) is session
    assert session.tokens is refreshed
    session.tokens = fresh = _tokens(600)   # far from it: no refresh
    pages._me(_Request(session))
    assert session.tokens is fresh


def test_a_refused_refresh_sends_the_person_to_sign_in_again_and_back() -> None:
    from portal.web import Redirect
    from portal.workspaces import WorkspacesMixin

    class Refusing:
        def refresh(self, tokens):
            raise SignInFailed("refresh: invalid_grant")

    pages = WorkspacesMixin()
    pages.site = _Site(Refusing())
    session = MemorySessionStore().new()
    session.tokens = _tokens(-5)
    try:
        pages._me(_Request(session))
    except Redirect as exc:
        assert exc.location == "/logowanie?next=/moja-organizacja"
    else:
        raise AssertionError("not sent to sign in")
    assert session.tokens is None


def test_a_double_click_waits_for_the_first_requests_answer() -> None:
    """The same Idempotency-Key while its first request runs (409 request_in_progress) is
    asked again until the service replays the first answer."""
    from portal import backend

    class Answer:
        content = b'{"id": "1"}'

        @staticmethod
        def json():
            return {"id": "1"}

    asked: list[dict] = []
    backends = backend.Backends({"grants": "http://grants"}, cache_ttl=0)

    def request(method, service, path, **kwargs):
        asked.append(kwargs["headers"])
        if len(asked) < 3:
            raise Rejected(409, "request_in_progress", "Trwa.", {})
        return Answer()

    backends.request = request
    original, backend.IN_PROGRESS_WAIT = backend.IN_PROGRESS_WAIT, 0
    try:
        assert backends.personal("POST", "grants", "/x", "t", json={},
                                 idempotency_key="k" * 32) == {"id": "1"}
    finally:
        backend.IN_PROGRESS_WAIT = original
    assert len(asked) == 3 and all(h["Idempotency-Key"] == "k" * 32 for h in asked)
    backends.request = lambda *a, **k: (_ for _ in ()).throw(
        Rejected(409, "request_in_progress", "Trwa.", {}))
    try:   # without a key a 409 is the service's answer
        backends.personal("POST", "grants", "/x", "t", json={})
    except Rejected as exc:
        assert exc.code == "request_in_progress"
