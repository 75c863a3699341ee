"""An edit form carries the version it was rendered from and sends it as If-Match; on a 412
the page comes back with what was typed kept and both versions side by side
(portal.workspaces: edited_form, WorkspacesMixin._save_edit; issue #18)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from werkzeug.datastructures import MultiDict

from portal.backend import Rejected
from portal.views import VERSION_FIELD, Form
from portal.workspaces import STALE, EditConflict, WorkspacesMixin, edited_form

FIELDS = ("title", "goals", "opens_at")
LABELS = {"title": "Tytuł", "goals": "Cele", "opens_at": "Otwarcie"}
STORED = {"title": "Tytuł zapisany przez kogoś", "goals": "Cel 1\nCel 2",
          "opens_at": "2027-01-15T10:00"}


def blank() -> Form:
    return Form(FIELDS, labels=LABELS)


def posted(**values: str) -> Form:
    request = SimpleNamespace(form=MultiDict({**values, VERSION_FIELD: '"3"',
                                              "idempotency_key": "k1"}))
    return Form.read(request, FIELDS, LABELS)


def test_a_new_edit_form_shows_the_record_and_carries_its_version():
    form = edited_form(None, blank(), STORED, '"4"', "ten projekt programu")
    assert form.values == STORED and form.version == '"4"' and form.conflict is None


def test_the_version_comes_back_with_the_posted_form():
    form = posted(title="Mój tytuł", goals="Cel 1\nCel 2", opens_at="2027-01-15T10:00")
    assert form.version == '"3"' and form.key == "k1"


def test_after_a_412_what_was_typed_stays_and_both_versions_are_shown():
    form = posted(title="Mój tytuł", goals="Cel 1\r\nCel 2  ", opens_at="2027-01-16T10:00")
    form.conflict = STALE

    shown = edited_form(form, blank(), STORED, '"4"', "ten projekt programu")

    assert shown is form and form.values["title"] == "Mój tytuł"    # nothing lost
    assert form.version == '"4"'           # saving again applies what the person decides
    assert isinstance(form.conflict, EditConflict)
    assert form.conflict.title == "Ktoś inny zmienił ten projekt programu w międzyczasie."
    assert "Twoje zmiany nie przepadły" in form.conflict.message
    assert form.conflict.rows == [      # only what differs; moments the Polish way
        ("Tytuł", "Tytuł zapisany przez kogoś", "Mój tytuł"),
        ("Otwarcie", "15 stycznia 2027, 10:00", "16 stycznia 2027, 10:00")]


def test_a_form_refused_with_a_422_keeps_the_version_it_was_rendered_from():
    form = posted(title="", goals="", opens_at="")
    form.errors["title"] = ["Wpisz tytuł."]
    shown = edited_form(form, blank(), STORED, '"9"', "ten projekt programu")
    assert shown.version == '"3"' and shown.conflict is None


class Pages(WorkspacesMixin):
    def __init__(self, answer: Exception | None) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def _call(self, me: Any, method: str, service: str, path: str, **kw: Any) -> Any:
        self.calls.append({"method": method, "path": path, **kw})
        if self.answer is not None:
            raise self.answer
        return {}


def save(pages: Pages, form: Form) -> tuple[Any, list[int]]:
    statuses: list[int] = []

    def again(status: int) -> str:
        statuses.append(status)
        return "the page again"

    request = SimpleNamespace(form=MultiDict({"idempotency_key": form.key}))
    answer = pages._save_edit(None, request, form, "PATCH", "grants", "/api/v1/programmes/p1",
                              {"title": "x"}, "/urzad/program/p1?zapisano=zmiany", again)
    return answer, statuses


def test_the_form_is_sent_with_if_match_and_redirects_when_saved():
    pages = Pages(None)
    answer, statuses = save(pages, posted(title="x", goals="", opens_at=""))
    assert pages.calls[0]["if_match"] == '"3"' and pages.calls[0]["idempotency_key"] == "k1"
    assert answer.status_code == 303 and statuses == []


def test_a_412_shows_the_page_again_as_a_conflict_not_as_field_errors():
    pages = Pages(Rejected(412, "stale", "Ktoś inny zmienił ten zapis w międzyczasie.", {}))
    form = posted(title="x", goals="", opens_at="")
    answer, statuses = save(pages, form)
    assert answer == "the page again" and statuses == [409]
    assert form.conflict == STALE and form.errors == {} and not form.message


def test_a_422_puts_the_messages_at_the_fields():
    pages = Pages(Rejected(422, "validation_failed", "Niepoprawne dane.",
                           {"title": ["Za krótki."]}))
    form = posted(title="x", goals="", opens_at="")
    answer, statuses = save(pages, form)
    assert statuses == [422] and form.errors == {"title": ["Za krótki."]}
    assert form.conflict is None
