"""Journey 5 of the workspaces (issue #18), end to end on the real services in Chromium: a room
booked by two organisations for the same hour. The registry takes both requests (only an
approved booking blocks a slot); the department (the demo's `wydzial@example.org`, TOTP
enrolled at its first sign-in) approves one; approving the other is the registry's 409 (the
overlap), shown at that booking; the department refuses it with a reason. The refused
organisation sees the reason on its bookings page, in its inbox and in the email to its address;
its calendar now shows the hour taken, and asking for it again is refused at the field. The
department also answers an inquiry routed to it, and the answer reaches the asker's email.
axe finds nothing on any page, at 1280 and 320 px; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from journeys import (
    DEMO_PASSWORD,
    arrive,
    checked,
    officer_headers,
    open_from,
    refused_at,
    room_of_the_department,
    sign_in_at_identity,
    sign_in_officer,
)

from conftest import wait_for

DEPARTMENT_EMAIL = "wydzial@example.org"
def book(page, city, room: dict, day, purpose: str) -> None:
    """From the resource's calendar: a free slot fills in the form, then the hour is narrowed."""
    page.goto("/moja-organizacja/rezerwacje")
    open_from(page, city, room["name"], rf"/moja-organizacja/rezerwacje/{room['id']}$")
    page.locator(f"#dni a[href*='dzien={day.isoformat()}']").first.click()
    assert page.get_by_label("Dzień").input_value() == day.isoformat()
    page.get_by_label("Cel rezerwacji").fill(purpose)
    page.get_by_label("Od godziny").fill("10:00")
    page.get_by_label("Do godziny").fill("12:00")
    page.get_by_label("Liczba uczestników").fill("20")
    page.get_by_role("button", name="Złóż rezerwację").click()


def representative(context_factory, city, email: str):
    page = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/moja-organizacja")
    sign_in_at_identity(page, email, DEMO_PASSWORD)
    arrive(page, city, re.escape(city.portal) + r"/moja-organizacja$")
    return page, page.locator("h1").inner_text()


def test_journey_5_one_room_two_organisations_one_hour(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    room = room_of_the_department(city, stamp)
    day = datetime.now(ZoneInfo("Europe/Warsaw")).date() + timedelta(days=3)

    # --- two organisations ask for the same hour: the registry takes both requests -----------
    first, first_name = representative(context_factory, city, "ngo1@example.org")
    open_from(first, city, "Rezerwacje sal i sprzętu", r"/moja-organizacja/rezerwacje$",
              "rezerwacje")
    book(first, city, room, day, "Spotkanie wolontariuszy")
    arrive(first, city, r"/moja-organizacja/rezerwacje\?wyslano=1")
    assert "Czeka na decyzję wydziału" in first.locator("#moje-rezerwacje + *").inner_text()

    second, second_name = representative(context_factory, city, "ngo2@example.org")
    assert second_name != first_name
    second.goto(f"/moja-organizacja/rezerwacje/{room['id']}")
    checked(second, "rezerwacje-kalendarz")
    book(second, city, room, day, "Próba chóru")
    arrive(second, city, r"/moja-organizacja/rezerwacje\?wyslano=1")

    # --- the department approves one; the other overlaps it (the registry's 409) -------------
    department = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_officer(department, city, DEPARTMENT_EMAIL, DEMO_PASSWORD, landing="/wydzial")
    assert "Wydział Polityki Społecznej" in department.locator("h1").inner_text()
    checked(department, "wydzial")
    open_from(department, city, "Sale, sprzęt i rezerwacje", r"/wydzial/rezerwacje$",
              "wydzial-rezerwacje")
    mine = department.locator("#czekajace + ul > li").filter(has_text=room["name"])
    assert mine.count() == 2
    first_request = mine.filter(has_text=first_name)
    first_request.get_by_role("button", name=re.compile(r"^Zatwierdź")).click()
    arrive(department, city, r"zapisano=zatwierdz")
    second_request = department.locator("#czekajace + ul > li").filter(
        has_text=room["name"]).filter(has_text=second_name)
    second_request.get_by_role("button", name=re.compile(r"^Zatwierdź")).click()
    problem = department.locator("p.field-error[id^='blad-zatwierdz-']")
    problem.wait_for()
    assert "W tym czasie zasób jest już zarezerwowany" in problem.inner_text()
    checked(department, "wydzial-rezerwacje-kolizja")

    # --- and refuses it, with a reason (none: the registry says so at the field) --------------
    second_request = department.locator("#czekajace + ul > li").filter(has_text=second_name)
    second_request.get_by_role("button", name=re.compile(r"^Odrzuć")).click()
    reason = department.locator("textarea[aria-invalid='true']")
    reason.wait_for()
    checked(department, "wydzial-rezerwacje-uzasadnienie")
    why = "Sala jest już zarezerwowana w tym czasie; proponujemy godziny 12:00–14:00."
    reason.fill(why)
    department.locator("#czekajace + ul > li").filter(has_text=second_name).get_by_role(
        "button", name=re.compile(r"^Odrzuć")).click()
    arrive(department, city, r"zapisano=odrzuc")
    week = department.locator("section").filter(has_text=room["name"]).inner_text()
    assert f"10:00–12:00 {first_name} (zatwierdzona)" in week

    # --- the refused organisation: the reason, the hour taken, a second try refused ----------
    second.goto("/moja-organizacja/rezerwacje")
    row = second.locator("#moje-rezerwacje + * tr").filter(has_text=room["name"])
    assert "Odrzucona" in row.inner_text() and why in row.inner_text()
    second.goto(f"/moja-organizacja/rezerwacje/{room['id']}?od={day.isoformat()}")
    today = second.locator("#dni > li").first.inner_text()
    assert "Zajęte: 10:00–12:00" in today
    assert "Wolne 08:00–10:00" in today and "Wolne 12:00–20:00" in today
    book(second, city, room, day, "Próba chóru")
    _, message = refused_at(second, "starts_at")   # the registry's 409, at the field it names
    assert "W tym czasie zasób jest już zarezerwowany" in message
    assert second.get_by_label("Cel rezerwacji").input_value() == "Próba chóru"
    checked(second, "rezerwacje-kolizja")

    # --- what the other side sees: the inbox and the email with the reason --------------------
    def in_inbox() -> bool:
        second.goto("/moja-organizacja/skrzynka")
        return why in second.locator("main").inner_text()

    wait_for(in_inbox, 30, "the refusal in the organisation's inbox", interval=1)
    booking = next(b for b in requests.get(
        city.url("registry") + "/api/v1/bookings", headers=officer_headers(),
        params={"resource_id": room["id"]}, timeout=10).json()["items"]
        if b["organization_name"] == second_name)
    assert booking["status"] == "refused" and booking["reason"] == why
    org = requests.get(city.url("registry") + f"/api/v1/organizations/"
                       f"{booking['organization_id']}", headers=officer_headers(),
                       timeout=10).json()

    def refusal_mail() -> bool:
        return any(org["email"] in str(m["To"]) and room["name"] in str(m["Subject"])
                   and why in m.get_body(preferencelist=("plain",)).get_content()
                   for m in city.mail())

    wait_for(refusal_mail, 30, "the refusal emailed to the organisation")
    approved = requests.get(city.url("registry") + "/api/v1/bookings",
                            headers=officer_headers(),
                            params={"resource_id": room["id"], "status": "approved"},
                            timeout=10).json()["items"]
    assert [b["organization_name"] for b in approved] == [first_name]

    # --- the department answers an inquiry routed to it; the asker gets the answer -----------
    department.goto("/wydzial")
    open_from(department, city, "Zapytania organizacji", r"/wydzial/zapytania$",
              "wydzial-zapytania")
    waiting = department.locator("#czekajace + ul > li").first
    subject = waiting.locator("h3").inner_text()
    asker = re.search(r", ([^\s;,]+@[^\s;,]+);", waiting.locator(".meta").inner_text()).group(1)
    waiting.get_by_role("button", name=re.compile(r"^Wyślij odpowiedź")).click()
    department.locator("textarea[aria-invalid='true']").wait_for()   # empty: told at the field
    answer = f"Sala ma podjazd i windę; zapraszamy ({stamp})."
    department.locator("#czekajace + ul > li").filter(has_text=subject).locator(
        "textarea").fill(answer)
    department.locator("#czekajace + ul > li").filter(has_text=subject).get_by_role(
        "button", name=re.compile(r"^Wyślij odpowiedź")).click()
    arrive(department, city, r"odpowiedziano=")
    assert answer in department.locator("main").inner_text()

    def answer_mail() -> bool:
        return any(asker in str(m["To"])
                   and answer in m.get_body(preferencelist=("plain",)).get_content()
                   for m in city.mail())

    wait_for(answer_mail, 30, f"the answer emailed to {asker}")
