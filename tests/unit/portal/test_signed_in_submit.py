"""The one way a signed-in page sends something to its API (`WorkspacesMixin._act_as` and
`_submit_as`, issue #20): the person's token and the form's Idempotency-Key, a redirect on
success, the page again with the API's messages at their fields on a refusal, nothing sent
while the form itself is wrong."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from portal.backend import Rejected
from portal.views import Form
from portal.workspaces import WorkspacesMixin

ME = SimpleNamespace(name="me")
REQUEST = SimpleNamespace(form=MultiDict({"idempotency_key": "key-1", "title": "Tytuł"}))


class Pages(WorkspacesMixin):
    def __init__(self, answer: Any = None, refusal: Rejected | None = None) -> None:
        self.calls: list[tuple] = []
        self.answer, self.refusal = answer, refusal

    def _call(self, me: Any, method: str, service: str, path: str, **kwargs: Any) -> Any:
        self.calls.append((me, method, service, path, kwargs))
        if self.refusal is not None:
            raise self.refusal
        return self.answer


def refusal(status: int, fields: dict[str, list[str]] | None = None,
            message: str = "Odmowa.") -> Rejected:
    return Rejected(status, "refused", message, fields or {})


def again(shown: list[int]) -> Any:
    def show(status: int) -> Response:
        shown.append(status)
        return Response("again", status=status)
    return show


def form() -> Form:
    return Form.read(REQUEST, ("title", "cost_items_2_amount"), {"title": "Tytuł"})


def test_a_form_accepted_is_sent_with_its_key_and_redirects() -> None:
    pages, shown = Pages(answer={"id": "n1"}), []
    answer = pages._submit_as(ME, REQUEST, form(), "grants", "/api/v1/x", {"a": 1},
                              lambda made: f"/done/{made['id']}", again(shown), method="PATCH")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/done/n1")
    assert pages.calls == [(ME, "PATCH", "grants", "/api/v1/x",
                            {"json": {"a": 1}, "idempotency_key": "key-1", "if_match": None})]
    assert shown == []


def test_a_form_wrong_before_sending_is_shown_again_and_nothing_is_sent() -> None:
    pages, shown, typed = Pages(), [], form()
    typed.errors["title"] = ["Wpisz tytuł."]
    answer = pages._submit_as(ME, REQUEST, typed, "grants", "/api/v1/x", {}, "/done",
                              again(shown))
    assert (answer.status_code, shown, pages.calls) == (422, [422], [])


def test_a_refusal_puts_the_messages_at_their_fields_items_mapped() -> None:
    pages = Pages(refusal=refusal(422, {"cost_items.0.amount": ["too much"]}))
    shown: list[int] = []
    typed = form()
    answer = pages._submit_as(ME, REQUEST, typed, "grants", "/api/v1/x", {}, "/done",
                              again(shown), items={"cost_items": ["cost_items_2_{}"]})
    assert (answer.status_code, shown) == (422, [422])
    assert list(typed.errors) == ["cost_items_2_amount"]


def test_an_action_refused_is_what_the_page_makes_of_it() -> None:
    pages = Pages(refusal=refusal(409, message="Już zatwierdzono."))
    answer = pages._act_as(ME, REQUEST, "registry", "/api/v1/y/approve", "/done",
                           lambda exc: Response(exc.message, status=exc.status))
    assert (answer.status_code, answer.get_data(as_text=True)) == (409, "Już zatwierdzono.")
    assert pages.calls[0][4] == {"json": None, "idempotency_key": "key-1", "if_match": None}


def test_an_invitation_refused_is_told_at_the_rows_field_and_nothing_more_is_sent() -> None:
    pages = Pages(refusal=refusal(422, {"email": ["Not a valid email address."]}))
    typed = Form.read(SimpleNamespace(form=MultiDict({"members_1_email": "x"})),
                      ("members_1_name", "members_1_email"), {})
    assert pages._invite(ME, typed, "x", "Ewa", ["committee"], at="members_1_") is None
    assert typed.errors == {"members_1_email": ["Wpisz adres e-mail, np. nazwa@example.pl."]}
    shown: list[int] = []
    pages._submit_as(ME, REQUEST, typed, "grants", "/api/v1/c/committee", {}, "/done",
                     again(shown))
    assert shown == [422] and len(pages.calls) == 1     # the invitation only


def test_an_invitation_refused_without_a_field_is_told_at_the_email() -> None:
    pages = Pages(refusal=refusal(409, message="Konto jest zablokowane."))
    typed = Form.read(REQUEST, ("name", "email"), {})
    assert pages._invite(ME, typed, "a@b.pl", "Ewa", []) is None
    assert typed.errors == {"email": ["Konto jest zablokowane."]}
