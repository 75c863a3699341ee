"""The council's meetings in the officer's workspace (issue #18), end to end on the real
services in Chromium, by KEYBOARD ALONE (Tab to reach, typing, Enter or Space to act; no
click): the officer goes from /urzad to a council's meetings, schedules two (an end before the
start is explained at the field, then fixed), moves one and calls the other off (no reason:
the service's 422 at the field; then with one). The other side: the member's email and inbox
say so, and the city's public calendar shows the moved meeting at its new time and no longer
the cancelled one. axe finds nothing at 1280 and 320 px; each page is saved under
build/screenshots/."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import requests
from journeys import (
    arrive,
    checked,
    officer_headers,
    represented_organisation,
    signed_in,
    signed_in_officer,
    tab_to,
)
from pymongo import MongoClient

from conftest import wait_for
from portal import formatting
from portal.formatting import WARSAW


def follow(page, city, name: str, pattern: str, within: str = "main") -> None:
    """Tab to the link in the page's main part (or `within`), Enter, and wait for its
    address."""
    tab_to(page, page.locator(within).get_by_role("link", name=name).first)
    press(page, "Enter")
    arrive(page, city, pattern)


def press(page, key: str) -> None:
    """A key that sends a form or follows a link, waiting for the page it loads (the address
    may stay the same: a second meeting scheduled)."""
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page, field_id: str, text: str) -> None:
    tab_to(page, page.locator(f"#{field_id}"))
    page.keyboard.type(text)


def type_moment(page, field_id: str, moment: datetime) -> None:
    """A `datetime-local` field typed from the keyboard: its date parts (typing a part moves
    to the next), Tab to the time, then hour and minute. Chromium orders the date parts by
    its own language, day or month first: the journey's days are those whose day and month
    are the same number (3 March, 4 April), and its hours from 13 to 19 (a 12-hour field
    reads 17 as 5 PM, but 20 as 2), so the same keys give the same time either way."""
    assert moment.day == moment.month and 12 < moment.hour < 20, moment
    tab_to(page, page.locator(f"#{field_id}"))
    page.keyboard.type(f"{moment:%d%m%Y}")
    page.keyboard.press("Tab")
    page.keyboard.type(f"{moment:%H%M}")
    local = page.locator(f"#{field_id}").input_value()
    assert local == f"{moment:%Y-%m-%dT%H:%M}", local


def required_then_sent(page, button: str, field: str, text: str, shot: str) -> None:
    """By keyboard alone: `button` pressed with `field` empty, the service's "required" read at
    the field (axe and screenshots as `shot`), then `text` typed into it and sent."""
    tab_to(page, page.get_by_role("button", name=button))
    press(page, "Enter")
    page.locator(f"#pole-{field}[aria-invalid='true']").wait_for()
    assert "To pole jest wymagane." in page.locator(f"#pole-{field}").locator(
        "xpath=..").inner_text()
    checked(page, shot)
    type_into(page, f"pole-{field}", text)
    press(page, "Enter")


def council_with_a_member(city, stamp: str) -> tuple[dict, str]:
    """A sector commission of the test's own whose member speaks for an organisation and
    represents it on the portal (told of meetings at their address, and in the inbox of the
    organisation that nominated them), once notifications knows the member."""
    org, email = represented_organisation(city, f"Fundacja Kultury {stamp}", "culture")
    council = requests.post(city.url("consultations") + "/api/v1/councils", json={
        "name": f"Komisja Dialogu Kultury {stamp}", "kind": "sector_commission",
        "term_start": date.today().isoformat(), "members": [
            {"name": "Radna Testowa", "side": "ngo", "organization_id": org["id"],
             "email": email}]}, headers=officer_headers(), timeout=10)
    assert council.status_code == 201, council.text
    with MongoClient(city.database.uri) as client:
        wait_for(lambda: client["notifications"]["council_members"].count_documents(
            {"council_id": council.json()["id"], "active": True}) == 1, 30,
            "notifications to know the council's member")
    return council.json(), email


def mails_to(city, address: str, subject: str) -> list:
    return [m for m in city.mail() if address in str(m["To"]) and subject in str(m["Subject"])]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain", "html")).get_content()


def test_council_meetings_by_keyboard(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    council, member_email = council_with_a_member(city, stamp)
    officer = signed_in_officer(city, context_factory, stamp)   # signing in: journey 1's
    year = datetime.now(WARSAW).year + 1
    first_at = datetime(year, 3, 3, 17, tzinfo=WARSAW)
    second_at = datetime(year, 4, 4, 17, tzinfo=WARSAW)
    moved_at = datetime(year, 5, 5, 16, tzinfo=WARSAW)
    hours = timedelta(hours=2)

    # --- from the office's page to the council's meetings, by Tab and Enter ----------------
    follow(officer, city, "Rady działalności pożytku publicznego", r"/urzad/rada$")
    follow(officer, city, council["name"], rf"/urzad/rada/{council['id']}$")
    follow(officer, city, "Posiedzenia rady", r"/posiedzenia$")
    checked(officer, "rada-posiedzenia")

    # --- a meeting ending before it starts: the service's 422 at the field -------------------
    first = f"Posiedzenie nr 1 {stamp}"
    type_into(officer, "pole-title", first)
    type_moment(officer, "pole-starts_at", first_at)
    type_moment(officer, "pole-ends_at", first_at - timedelta(hours=1))
    type_into(officer, "pole-place", "Ratusz, sala 12")
    type_into(officer, "pole-agenda", "Opinia o programie współpracy")
    tab_to(officer, officer.get_by_role("button", name="Zaplanuj posiedzenie"))
    press(officer, "Enter")
    officer.locator("#pole-ends_at[aria-invalid='true']").wait_for()
    assert "Posiedzenie musi kończyć się po rozpoczęciu." in officer.locator(
        "#pole-ends_at").locator("xpath=..").inner_text()
    checked(officer, "rada-posiedzenia-blad")
    # the summary's link takes the keyboard to the field; the end is typed again
    tab_to(officer, officer.locator("#bledy a[href='#pole-ends_at']"))
    officer.keyboard.press("Enter")
    type_moment(officer, "pole-ends_at", first_at + hours)
    tab_to(officer, officer.get_by_role("button", name="Zaplanuj posiedzenie"))
    press(officer, "Space")
    arrive(officer, city, r"zapisano=zaplanowano")
    assert first in officer.locator("#nadchodzace + ul").inner_text()

    second = f"Posiedzenie nr 2 {stamp}"
    type_into(officer, "pole-title", second)
    type_moment(officer, "pole-starts_at", second_at)
    type_moment(officer, "pole-ends_at", second_at + hours)
    type_into(officer, "pole-place", "Ratusz, sala 12")
    press(officer, "Enter")   # Enter in a field sends its form
    arrive(officer, city, r"zapisano=zaplanowano")
    coming = officer.locator("#nadchodzace + ul").inner_text()
    assert first in coming and second in coming
    wait_for(lambda: len(mails_to(city, member_email, "Posiedzenie: ")) == 2, 30,
             "the member's emails about both meetings")

    # --- the first moves to May, to another room -----------------------------------------------
    follow(officer, city, first, r"/posiedzenia/[0-9a-f]{24}$")
    checked(officer, "rada-posiedzenie")
    type_moment(officer, "pole-starts_at", moved_at)
    type_moment(officer, "pole-ends_at", moved_at + hours)
    tab_to(officer, officer.locator("#pole-place"))
    officer.keyboard.press("Control+A")
    officer.keyboard.type("Ratusz, sala sesyjna")
    tab_to(officer, officer.get_by_role("button", name="Przenieś posiedzenie"))
    press(officer, "Enter")
    arrive(officer, city, r"zapisano=przeniesiono")
    moved_entry = officer.locator("#nadchodzace + ul > li").filter(has_text=first).inner_text()
    assert formatting.moment(moved_at) in moved_entry and "sala sesyjna" in moved_entry

    # --- the second is called off: without a reason the service says so at the field --------
    follow(officer, city, second, r"/posiedzenia/[0-9a-f]{24}$")
    required_then_sent(officer, "Odwołaj posiedzenie", "reason", "Brak kworum",
                       "rada-posiedzenie-odwolanie-blad")
    arrive(officer, city, r"zapisano=odwolano")
    past = officer.locator("#wczesniejsze + ul").inner_text()
    assert second in past and "Brak kworum" in past
    assert second not in officer.locator("#nadchodzace + ul").inner_text()
    checked(officer, "rada-posiedzenia-po-zmianach")

    # --- an opinion asked of the council (no subject: the service's 422 at the field) --------
    follow(officer, city, council["name"], rf"/urzad/rada/{council['id']}$",
           within="nav.breadcrumbs")
    follow(officer, city, "Opinie rady", r"/opinie$")
    subject = f"Projekt uchwały o grantach kulturalnych {stamp}"
    required_then_sent(officer, "Poproś o opinię", "subject", subject, "rada-opinie-blad")
    arrive(officer, city, r"zapisano=poproszono")
    asked = officer.locator("#prosby + ul > li").filter(has_text=subject).inner_text()
    assert "czeka na opinię" in asked
    checked(officer, "rada-opinie")

    # --- what the member sees: the emails, the inbox, and the city's calendar ----------------
    wait_for(lambda: mails_to(city, member_email, "Nowy termin posiedzenia"), 30,
             "the member's email about the new time")
    [moved] = mails_to(city, member_email, "Nowy termin posiedzenia")
    assert first in str(moved["Subject"]) and "sala sesyjna" in text_of(moved)
    wait_for(lambda: mails_to(city, member_email, "Odwołane posiedzenie"), 30,
             "the member's email about the meeting called off")
    [cancelled] = mails_to(city, member_email, "Odwołane posiedzenie")
    assert second in str(cancelled["Subject"]) and "Powód: Brak kworum" in text_of(cancelled)
    wait_for(lambda: mails_to(city, member_email, f"Prośba o opinię rady: {subject}"), 30,
             "the member's email asking for the opinion")
    member = signed_in(city, context_factory, member_email, "/moja-organizacja/skrzynka")
    # (the organisation's inbox: a member with no role of the portal has none, see the docs)
    inbox = member.locator("main").inner_text()
    assert f"Nowy termin posiedzenia: {council['name']}, {first}" in inbox
    assert f"Odwołane posiedzenie: {council['name']}, {second}" in inbox
    assert "Brak kworum" in inbox and f"Prośba o opinię rady: {subject}" in inbox
    checked(member, "rada-skrzynka-czlonka")

    # the calendar: the moved meeting in May (each meeting its own entry: calling the
    # second off took only the second away), none in March or April
    def in_calendar(month: int) -> str:
        member.goto(f"/kalendarz?miesiac={year}-{month:02d}")
        return member.locator("main").inner_text()

    wait_for(lambda: first in in_calendar(5), 30, "the moved meeting in May's calendar",
             interval=1)
    wait_for(lambda: second not in in_calendar(4), 30, "the meeting called off off April's",
             interval=1)
    assert first not in in_calendar(3)
    checked(member, "rada-kalendarz")
