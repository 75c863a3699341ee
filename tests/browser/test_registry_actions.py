"""The registry's remaining screens (issue #18), end to end on the real services in Chromium,
by keyboard where practical (Tab to reach, typing, Space to tick, Enter to send):

- the representative changes the organisation's data (a wrong email is the registry's 422 at the
  field) and the public page shows the change; registers a new organisation (a NIP with a wrong
  check digit: the registry's 422 at the field) and asks to represent it from the confirmation;
  books a room and cancels the booking (not without ticking the confirmation);
- the officer archives the new organisation (with the confirmation), suspends the verified one
  (no reason: the registry's 422 at the field) and lifts the suspension: the organisation's
  inbox is told and its public page goes and comes back; records a training's attendance (too
  early: the registry's 409 on the page; then, the training begun, by the tests' clock) and
  calls it off: the representative's trainings page shows it called off, with the reason;
  assigns an inquiry to a person and closes it once answered; changes a room (a day's hours
  that are not hours are told at that day) and the representative's calendar shows it; refuses
  a booking with a reason, which the representative reads on the bookings page; adds a
  department (a wrong code at the field).

axe finds nothing on any page, at 1280 and 320 px; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import requests
from journeys import retype
from pymongo import MongoClient
from test_council_meetings import follow, press, tab_to, type_into
from test_journey_3 import represented_organisation, signed_in, signed_in_officer
from test_journey_5 import book, room_of_the_department
from test_workspaces import arrive, checked, officer_headers, valid_nip

from conftest import wait_for
from portal.formatting import WARSAW
from wspolpraca.auth import mint_token


def error_at(page, field_id: str) -> str:
    """The message shown next to a field the page marked invalid."""
    page.locator(f"#{field_id}[aria-invalid='true']").wait_for()
    return page.locator(f"#{field_id}").locator("xpath=..").inner_text()


def send(page, button: str) -> None:
    tab_to(page, page.get_by_role("button", name=button))
    press(page, "Enter")


def corrected_by_keyboard(page, city, button: str, field: str, says: str, shot: str | None,
                          value: str, landing: str) -> None:
    """journeys.corrected by keyboard: `button` sends the form, the field `field` (its name in
    the form) says `says` (the page checked as `shot`, if given); `value` retyped into it and
    sent again lands at `landing`."""
    send(page, button)
    assert says in error_at(page, f"pole-{field}")
    if shot is not None:
        checked(page, shot)
    retype(page, f"pole-{field}", value)
    send(page, button)
    arrive(page, city, landing)


def tick(page, field_id: str) -> None:
    tab_to(page, page.locator(f"#{field_id}"))
    page.keyboard.press("Space")


def identity_knows(city, org_id: str) -> bool:
    """Identity's copy of the registry (by its events) has the organisation: asking to
    represent it as an account it does not know is then a 403, not a 422."""
    asked = requests.post(city.url("identity") + "/api/v1/representations",
                          json={"organization_id": org_id}, timeout=10,
                          headers={"Authorization": "Bearer " + mint_token("0" * 24, [])})
    return asked.status_code != 422


def public_status(city, path: str) -> int:
    return requests.get(city.portal + path, timeout=10).status_code


def test_registry_actions(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    name = f"Fundacja Rejestrowa {stamp}"
    org, email = represented_organisation(city, name, "culture")
    room = room_of_the_department(city, stamp)
    starts = (datetime.now(WARSAW) + timedelta(days=2)).replace(hour=17, minute=0, second=0,
                                                                microsecond=0)
    training = requests.post(city.url("registry") + "/api/v1/trainings", json={
        "title": f"Rozliczanie dotacji {stamp}", "kind": "training", "topic": "finanse",
        "place": "Ratusz, sala 5", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(), "seats": 5},
        headers=officer_headers(), timeout=10)
    assert training.status_code == 201, training.text
    training = training.json()

    # --- the representative changes the organisation's data ---------------------------------
    ngo = signed_in(city, context_factory, email, "/moja-organizacja")
    follow(ngo, city, "Zmień dane organizacji", r"/moja-organizacja/dane$")
    checked(ngo, "organizacja-dane")
    retype(ngo, "pole-email", "to-nie-adres")
    retype(ngo, "pole-district", "Bałuty")
    corrected_by_keyboard(ngo, city, "Zapisz zmiany", "email", "Wpisz adres e-mail",
                          "organizacja-dane-blad", f"biuro-{stamp}@example.org",
                          r"/moja-organizacja/dane\?zapisano=1")
    wait_for(lambda: "Bałuty" in requests.get(
        city.portal + f"/organizacje/{org['id']}", timeout=10).text, 30,
        "the public page to show the new district")

    # --- and registers a new organisation, then asks to represent it -----------------------
    ngo.goto("/moja-organizacja")
    follow(ngo, city, "Zgłoś nową organizację", r"/moja-organizacja/nowa-organizacja$")
    checked(ngo, "nowa-organizacja")
    new_name = f"Stowarzyszenie Nowe {stamp}"
    type_into(ngo, "pole-name", new_name)
    tab_to(ngo, ngo.locator("#pole-legal_form"))
    ngo.locator("#pole-legal_form").select_option("association")
    type_into(ngo, "pole-nip", "1234567890")
    tick(ngo, "areas-culture")
    type_into(ngo, "pole-email", f"nowe-{stamp}@example.org")
    corrected_by_keyboard(ngo, city, "Zgłoś organizację", "nip", "cyfra kontrolna",
                          "nowa-organizacja-blad", valid_nip(uuid.uuid4().int % 10**8),
                          r"/moja-organizacja/nowa-organizacja/[0-9a-f]{24}\?")
    new_id = re.search(r"/nowa-organizacja/([0-9a-f]{24})", ngo.url).group(1)
    assert new_name in ngo.locator("h1").inner_text()
    checked(ngo, "nowa-organizacja-zgloszona")
    wait_for(lambda: identity_knows(city, new_id), 30, "identity to know the new organisation")
    send(ngo, "Poproś o reprezentowanie")
    arrive(ngo, city, r"/moja-organizacja\?wyslano=1")
    assert new_name in ngo.locator("#reprezentacja").inner_text()

    # --- books a room and cancels the booking -------------------------------------------------
    day = datetime.now(WARSAW).date() + timedelta(days=4)
    book(ngo, city, room, day, "Zebranie zarządu")
    arrive(ngo, city, r"/moja-organizacja/rezerwacje\?wyslano=1")
    row = ngo.locator("#moje-rezerwacje + * tr").filter(has_text=room["name"])
    tab_to(ngo, row.get_by_role("link", name=re.compile(r"^Anuluj")))
    press(ngo, "Enter")
    arrive(ngo, city, r"/moja-organizacja/rezerwacje/[0-9a-f]{24}/anuluj$")
    checked(ngo, "rezerwacja-anulowanie")
    send(ngo, "Anuluj rezerwację")
    assert "nie da się cofnąć" in error_at(ngo, "pole-confirm")
    checked(ngo, "rezerwacja-anulowanie-blad")
    tick(ngo, "pole-confirm")
    send(ngo, "Anuluj rezerwację")
    arrive(ngo, city, r"zapisano=anuluj")
    assert "Anulowana" in ngo.locator("#moje-rezerwacje + * tr").filter(
        has_text=room["name"]).inner_text()

    # --- and takes a seat at the training -----------------------------------------------------
    ngo.goto("/moja-organizacja/szkolenia")
    tab_to(ngo, ngo.locator(f"#szkolenie-{training['id']}").get_by_role(
        "button", name=re.compile(r"^Zapisz się")))
    press(ngo, "Enter")
    arrive(ngo, city, r"zapisano=zapisz")

    # --- the officer archives the new organisation --------------------------------------------
    officer = signed_in_officer(city, context_factory, stamp)
    follow(officer, city, "Organizacje do weryfikacji", r"/urzad/organizacje$")
    officer.goto(f"/urzad/organizacje/{new_id}")
    checked(officer, "urzad-organizacja")
    follow(officer, city, "Zarchiwizuj organizację", r"/archiwizuj$")
    checked(officer, "urzad-organizacja-archiwizacja")
    send(officer, "Zarchiwizuj organizację")
    assert "nie da się cofnąć" in error_at(officer, "pole-confirm")
    type_into(officer, "pole-reason", "Zgłoszenie złożone omyłkowo")
    tick(officer, "pole-confirm")
    send(officer, "Zarchiwizuj organizację")
    arrive(officer, city, r"zapisano=archiwizuj")
    assert "Zarchiwizowana" in officer.locator("#stan").inner_text()

    # --- suspends the verified one (a reason is required), then lifts the suspension ----------
    officer.goto(f"/urzad/organizacje/{org['id']}")
    follow(officer, city, "Zawieś organizację", r"/zawies$")
    send(officer, "Zawieś organizację")
    assert "To pole jest wymagane." in error_at(officer, "pole-reason")
    checked(officer, "urzad-organizacja-zawieszenie-blad")
    type_into(officer, "pole-reason", "Brak sprawozdania za poprzedni rok")
    send(officer, "Zawieś organizację")
    arrive(officer, city, r"zapisano=zawies")
    assert "Zawieszona" in officer.locator("#stan").inner_text()
    checked(officer, "urzad-organizacja-zawieszona")
    wait_for(lambda: public_status(city, f"/organizacje/{org['id']}") == 404, 30,
             "the public page to go")

    def told(subject: str):
        def in_inbox() -> bool:
            ngo.goto("/moja-organizacja/skrzynka")
            return subject in ngo.locator("main").inner_text()
        return in_inbox

    wait_for(told(f"Wpis organizacji {name} został zawieszony"), 30,
             "the suspension in the organisation's inbox", interval=1)
    send(officer, "Znieś zawieszenie")
    arrive(officer, city, r"zapisano=przywroc")
    wait_for(lambda: public_status(city, f"/organizacje/{org['id']}") == 200, 30,
             "the public page to come back")

    # --- the training: attendance too early, then after it began; then called off ----------
    officer.goto(f"/urzad/szkolenia/{training['id']}")
    checked(officer, "urzad-szkolenie")
    [seat] = officer.locator("#pole-attended input[type=checkbox]").all()
    tab_to(officer, seat)
    officer.keyboard.press("Space")
    send(officer, "Zapisz obecność")
    officer.locator("#bledy").wait_for()
    checked(officer, "urzad-szkolenie-obecnosc-blad")
    with MongoClient(city.database.uri) as client:   # the tests' clock: it began an hour ago
        moved = client["registry"]["trainings"].update_one(
            {"_id": training["id"]},
            {"$set": {"starts_at": datetime.now(UTC) - timedelta(hours=1)}})
    assert moved.modified_count == 1
    seat = officer.locator("#pole-attended input[type=checkbox]").first
    if not seat.is_checked():
        tab_to(officer, seat)
        officer.keyboard.press("Space")
    send(officer, "Zapisz obecność")
    arrive(officer, city, r"zapisano=obecnosc")
    assert "Obecni" in officer.locator("dl.facts").inner_text()
    follow(officer, city, "Odwołaj szkolenie", r"/odwolaj$")
    checked(officer, "urzad-szkolenie-odwolanie")
    type_into(officer, "pole-reason", "Choroba prowadzącego")
    tick(officer, "pole-confirm")
    send(officer, "Odwołaj szkolenie")
    arrive(officer, city, r"zapisano=odwolano")
    ngo.goto("/moja-organizacja/szkolenia")
    mine = ngo.locator(f"#szkolenie-{training['id']}").inner_text()
    assert "Odwołane" in mine and "Choroba prowadzącego" in mine
    wait_for(told(f"Odwołane: {training['title']}"), 30,
             "the cancellation in the representative's inbox", interval=1)

    # --- an inquiry: who answers it, and closing it once answered ----------------------------
    filed = requests.post(city.url("registry") + "/api/v1/inquiries", json={
        "subject": f"Sala na próby {stamp}", "text": "Czy miasto użycza sali na próby chóru?",
        "area": "culture", "name": "Jan Pytający", "email": f"jan-{stamp}@example.org"},
        timeout=10)
    assert filed.status_code == 201, filed.text
    inquiry = filed.json()
    officer.goto(f"/urzad/zapytania/{inquiry['id']}")
    checked(officer, "urzad-zapytanie")
    send(officer, "Przydziel")
    assert error_at(officer, "pole-assignee")
    type_into(officer, "pole-assignee", "Anna Nowak")
    send(officer, "Przydziel")
    arrive(officer, city, r"zapisano=przydziel")
    assert "Anna Nowak" in officer.locator("main").inner_text()
    answered = requests.post(city.url("registry") + f"/api/v1/inquiries/{inquiry['id']}/answer",
                             json={"answer": "Tak, sala 12 w ratuszu."},
                             headers=officer_headers(), timeout=10)
    assert answered.status_code == 200, answered.text
    officer.goto(f"/urzad/zapytania/{inquiry['id']}")
    send(officer, "Zamknij zapytanie")
    arrive(officer, city, r"zapisano=zamknij")
    assert "Zamknięte" in officer.locator("dl.facts").inner_text()

    # --- a room changed: hours that are not hours are told at their day ----------------------
    officer.goto("/urzad/zasoby")
    checked(officer, "urzad-zasoby")
    follow(officer, city, room["name"], rf"/urzad/zasoby/{room['id']}$")
    checked(officer, "urzad-zasob")
    retype(officer, "pole-capacity", "45")
    retype(officer, "pole-hours_sun", "rano")
    corrected_by_keyboard(officer, city, "Zapisz zmiany", "hours_sun", "np. 8:00–20:00", None,
                          "10:00-16:00", r"/urzad/zasoby\?zapisano=1")
    ngo.goto(f"/moja-organizacja/rezerwacje/{room['id']}")
    assert "45" in ngo.locator("dl.facts").inner_text()

    # --- a booking refused by the office, with a reason ---------------------------------------
    book(ngo, city, room, day, "Próba chóru")
    arrive(ngo, city, r"/moja-organizacja/rezerwacje\?wyslano=1")
    officer.goto(f"/urzad/rezerwacje?stan=requested&zasob={room['id']}")
    checked(officer, "urzad-rezerwacje")
    waiting = officer.locator("tr").filter(has_text=room["name"]).filter(has_text="Próba chóru")
    tab_to(officer, waiting.get_by_role("link", name=re.compile(r"^Odrzuć")))
    press(officer, "Enter")
    arrive(officer, city, r"/odrzuc$")
    send(officer, "Odrzuć rezerwację")
    assert "To pole jest wymagane." in error_at(officer, "pole-reason")
    checked(officer, "urzad-rezerwacja-odrzucenie-blad")
    why = "Sala w remoncie w tym tygodniu."
    type_into(officer, "pole-reason", why)
    send(officer, "Odrzuć rezerwację")
    arrive(officer, city, r"/urzad/rezerwacje\?zapisano=odrzuc")
    ngo.goto("/moja-organizacja/rezerwacje")
    refused = ngo.locator("#moje-rezerwacje + * tr").filter(has_text="Próba chóru").inner_text()
    assert "Odrzucona" in refused and why in refused

    # --- a department added (a code that is not one is told at the field) -------------------
    officer.goto("/urzad/wydzialy")
    checked(officer, "urzad-wydzialy")
    follow(officer, city, "Dodaj wydział", r"/urzad/wydzialy/nowy$")
    type_into(officer, "pole-code", "Zły Kod")   # (a valid code sorts after the demo's)
    type_into(officer, "pole-name", f"Wydział Testowy {stamp}")
    tick(officer, "areas-culture")
    type_into(officer, "pole-contact_person", "Ewa Kontaktowa")
    type_into(officer, "pole-email", f"wydzial-{stamp}@example.org")
    corrected_by_keyboard(officer, city, "Dodaj wydział", "code", "Kod: małe litery",
                          "urzad-wydzial-blad", f"zz_test_{stamp}", r"/urzad/wydzialy\?zapisano=1")
    assert f"Wydział Testowy {stamp}" in officer.locator("main").inner_text()
