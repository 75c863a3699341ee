"""The portal's forms: the API's 422 messages go next to their fields; CSRF tokens."""

import dataclasses

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from portal.backend import Rejected
from portal.csrf import Csrf
from portal.views import Form, calendar_entries, month_grid, shift_month


def test_the_apis_messages_go_next_to_the_fields_they_name_in_the_forms_order() -> None:
    form = Form(("author", "text"), labels={"author": "Imię i nazwisko", "text": "Treść"})
    form.reject(Rejected(422, "validation_failed", "Popraw dane.",
                         {"text": ["Pole nie może być puste."],
                          "author": ["Za krótkie."], "other.deep": ["Coś innego."]}))
    assert form.summary() == [("author", "Imię i nazwisko", "Za krótkie."),
                              ("text", "Treść", "Pole nie może być puste."),
                              ("_form", "", "Coś innego.")]
    assert not form.ok


def test_a_refusal_without_fields_is_the_forms_message() -> None:
    form = Form(("author",))
    form.reject(Rejected(409, "consultation_closed", "Konsultacje są zamknięte.", {}))
    assert form.message == "Konsultacje są zamknięte."


def test_what_was_typed_is_kept_trimmed_and_lists_stay_lists() -> None:
    request = Request(EnvironBuilder(method="POST", data={
        "email": "  a@example.org ", "areas": ["culture", "sport"]}).get_environ())
    form = Form.read(request, ("email", "areas", "digest"), {}, many=("areas",))
    assert form.values == {"email": "a@example.org", "areas": ["culture", "sport"],
                           "digest": ""}


def test_a_csrf_token_is_valid_only_for_its_own_cookie_and_signer() -> None:
    csrf = Csrf("secret-one")
    cookie = Csrf.new_cookie()
    token = csrf.token(cookie)
    assert csrf.valid(cookie, token)
    assert not csrf.valid(Csrf.new_cookie(), token)
    assert not csrf.valid(cookie, None)
    assert not csrf.valid(None, token)
    assert not csrf.valid(cookie, token + "x")
    assert not Csrf("secret-two").valid(cookie, token)


ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//
BEGIN:VEVENT
UID:1
SUMMARY:Termin skladania ofert
DTSTART:20261221T225900Z
DTEND:20261221T235900Z
END:VEVENT
BEGIN:VEVENT
UID:2
SUMMARY:Posiedzenie rady
DTSTART;VALUE=DATE:20261210
LOCATION:Sala sesyjna
END:VEVENT
END:VCALENDAR
"""


def test_the_public_calendar_feed_becomes_warsaw_entries_on_a_monday_first_grid() -> None:
    entries = calendar_entries(ICS)
    assert [e.title for e in entries] == ["Posiedzenie rady", "Termin skladania ofert"]
    assert entries[0].all_day and entries[0].place == "Sala sesyjna"
    assert entries[1].starts.isoformat() == "2026-12-21T23:59:00+01:00"
    weeks = month_grid(2026, 12, entries)
    assert weeks[0][0] is None and weeks[0][1]["date"].day == 1  # 1 December 2026: a Tuesday
    days = {cell["date"].day: cell["entries"] for week in weeks for cell in week if cell}
    assert [e.title for e in days[21]] == ["Termin skladania ofert"]
    assert shift_month(2026, 12, 1) == (2027, 1) and shift_month(2027, 1, -1) == (2026, 12)


def test_marshmallows_english_defaults_are_shown_in_plain_polish() -> None:
    form = Form(("author", "email", "area"))
    form.reject(Rejected(422, "validation_failed", "", {
        "author": ["Length must be between 2 and 300."],
        "email": ["Not a valid email address."],
        "area": ["Missing data for required field.", "Nieznany obszar."]}))
    assert form.errors == {"author": ["Wpisz od 2 do 300 znaków."],
                           "email": ["Wpisz adres e-mail, np. nazwa@example.pl."],
                           "area": ["To pole jest wymagane.", "Nieznany obszar."]}


def test_a_number_out_of_its_range_is_told_in_polish() -> None:
    form = Form(("seats",))
    form.reject(Rejected(422, "validation_failed", "", {"seats": [
        "Must be greater than or equal to 1 and less than or equal to 100000."]}))
    assert form.errors == {"seats": ["Wpisz liczbę od 1 do 100000."]}


def test_the_same_feed_is_parsed_once_and_its_entries_cannot_be_changed() -> None:
    assert calendar_entries(bytes(ICS)) is calendar_entries(bytes(ICS))
    with pytest.raises(dataclasses.FrozenInstanceError):
        calendar_entries(ICS)[0].title = "inny"  # type: ignore[misc]
