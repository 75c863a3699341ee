"""Journey 9 of the workspaces (issue #18): the demo leaves every demo account something to do,
and the pages no other journey checks with axe. After `scripts/demo.py` the officer's queue holds
organisations waiting for verification and `ngo3@`'s representation request, and the
department's a booking request (read through the APIs: journeys 1 and 5 enrol the officer's and
the department's TOTP at their first sign-in). Then, in Chromium: the portal's failed sign-in,
identity's sign-in page (and its refusal), the portal's 403 and expired-form pages, identity's
set-password page (an invitation's link) and its TOTP enrolment page. axe finds nothing on any
of them at 1280 and 320 px; each is saved under build/screenshots/."""

from __future__ import annotations

import importlib.util
import re
import uuid
from pathlib import Path

import requests
from journeys import (
    DEMO_PASSWORD,
    PASSWORD,
    arrive,
    checked,
    enrol_totp,
    officer_headers,
    sign_in_at_identity,
    staff_account,
)

_spec = importlib.util.spec_from_file_location(
    "demo_script", Path(__file__).resolve().parents[2] / "scripts" / "demo.py")
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)


def test_the_demo_leaves_the_office_and_the_department_something_to_do(city) -> None:
    waiting = requests.get(city.url("registry") + "/api/v1/organizations",
                           params={"status": "pending", "limit": 200},
                           headers=officer_headers(), timeout=10).json()["items"]
    names = {o["name"] for o in waiting}
    assert {name for name, _, _ in demo.PENDING_ORGANISATIONS} <= names
    requested = requests.get(city.url("identity") + "/api/v1/representations",
                             params={"status": "requested", "limit": 100},
                             headers=officer_headers(), timeout=10)
    assert requested.status_code == 200, requested.text
    first = next(o for o in waiting if o["name"] == demo.PENDING_ORGANISATIONS[0][0])
    assert first["id"] in {r["organization_id"] for r in requested.json()["items"]}
    bookings = requests.get(city.url("registry") + "/api/v1/bookings",
                            params={"status": "requested", "limit": 200},
                            headers=officer_headers(), timeout=10).json()["items"]
    assert demo.PENDING_BOOKING[1] in {b["purpose"] for b in bookings}


def test_the_pages_no_other_journey_checks(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    page = context_factory(viewport={"width": 1280, "height": 900}).new_page()

    # --- the portal: a sign-in that cannot be finished (no sign-in started) ----------------
    answer = page.goto("/logowanie/powrot?code=x&state=y")
    assert answer.status == 400
    checked(page, "logowanie-nieudane")

    # --- identity's sign-in page, and its refusal ------------------------------------------
    page.goto("/moja-organizacja")
    arrive(page, city, r"/oauth2/authorize")
    checked(page, "identity-logowanie")
    sign_in_at_identity(page, "ngo1@example.org", "to nie jest hasło")
    page.get_by_label("Hasło").wait_for()
    assert "/oauth2/" in page.url
    checked(page, "identity-logowanie-blad")
    sign_in_at_identity(page, "ngo1@example.org", DEMO_PASSWORD)
    arrive(page, city, re.escape(city.portal) + r"/moja-organizacja$")

    # --- the portal's 403: a representative at the department's workspace ----------------
    answer = page.goto("/wydzial")
    assert answer.status == 403
    checked(page, "brak-dostepu")

    # --- the portal's expired form: a POST without the form's token ----------------------
    page.goto("/moja-organizacja")
    with page.expect_navigation():
        page.evaluate("""() => { const f = document.createElement('form');
            f.method = 'post'; f.action = '/moja-organizacja/reprezentacja';
            document.body.append(f);
            f.submit(); }""")
    assert page.locator("h1").inner_text() == "Formularz wygasł"
    checked(page, "formularz-wygasl")

    # --- identity's set-password page: an invitation's link ------------------------------
    invited_email = f"zaproszony-{stamp}@example.org"
    invited = requests.post(city.url("identity") + "/api/v1/accounts/invitations", json={
        "email": invited_email, "name": "Zofia Zaproszona", "roles": ["committee"]},
        headers=officer_headers(), timeout=10)
    assert invited.status_code == 201, invited.text
    member = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    member.goto(city.link_in_mail(invited_email, r"/oauth2/reset\?token="))
    checked(member, "identity-nowe-haslo")
    member.get_by_label("Nowe hasło").fill(PASSWORD)
    member.get_by_role("button", name="Ustaw hasło").click()
    assert "Hasło zmienione" in member.content()

    # --- asking to represent an organisation found by name or NIP (no id typed) -------------
    member.goto("/moja-organizacja")
    sign_in_at_identity(member, invited_email, PASSWORD)
    arrive(member, city, re.escape(city.portal) + r"/moja-organizacja$")
    waiting = demo.PENDING_ORGANISATIONS[1][0]   # not verified: not found, the hint says why
    member.get_by_label("Znajdź organizację po nazwie albo numerze NIP").fill(waiting)
    member.get_by_role("button", name="Szukaj").click()
    arrive(member, city, r"szukaj=")
    assert "Nie znaleziono zweryfikowanej organizacji" in member.locator("#wyniki").inner_text()
    assert "czeka jeszcze na weryfikację" in member.content()
    member.get_by_label("Znajdź organizację po nazwie albo numerze NIP").fill("526-025-02-75")
    member.get_by_role("button", name="Szukaj").click()
    assert "cyfra kontrolna" in member.locator(".field-error").inner_text()
    checked(member, "reprezentacja-szukaj-blad")
    wanted = demo.ORGANISATIONS[5][0]
    [org] = requests.get(city.url("registry") + "/api/v1/organizations",
                         params={"q": wanted}, timeout=10).json()["items"]
    nip = org["nip"]
    member.get_by_label("Znajdź organizację po nazwie albo numerze NIP").fill(
        f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}")
    member.get_by_role("button", name="Szukaj").click()
    member.locator("#wyniki", has_text=nip).wait_for()
    checked(member, "reprezentacja-szukaj")
    member.get_by_role("button", name=re.compile(
        rf"^Poproś o reprezentowanie\W+{re.escape(wanted)}")).click()
    arrive(member, city, r"/moja-organizacja\?wyslano=1")
    assert f"{wanted} – " in member.locator("#reprezentacja").inner_text()
    # the office sees the request in its queue
    asked = requests.get(city.url("identity") + "/api/v1/representations",
                         params={"status": "requested", "organization_id": org["id"]},
                         headers=officer_headers(), timeout=10).json()["items"]
    assert [r["account_id"] for r in asked] == [invited.json()["account_id"]]

    # --- identity's TOTP page: a staff account's first sign-in ---------------------------
    staff_email = f"urzednik-axe-{stamp}@example.org"
    staff_account(city, staff_email, "Olga Urzędniczka", ["officer"])
    officer = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    officer.goto("/urzad")
    sign_in_at_identity(officer, staff_email, PASSWORD)
    officer.get_by_label("Kod z aplikacji").wait_for()
    checked(officer, "identity-kod-totp")
    officer.get_by_label("Kod z aplikacji").fill("000000")
    officer.get_by_role("button", name="Potwierdź").click()
    officer.get_by_label("Kod z aplikacji").wait_for()
    checked(officer, "identity-kod-totp-blad")
    enrol_totp(officer, city, "/urzad")

    # --- the verification queue: REGON beside NIP and KRS, and what the registry checked ---
    officer.goto("/urzad/organizacje")
    row = officer.locator("tr", has_text=demo.PENDING_ORGANISATIONS[0][0])
    cells = row.locator("td").all_inner_texts()
    [org] = requests.get(city.url("registry") + "/api/v1/organizations", params={
        "q": demo.PENDING_ORGANISATIONS[0][0], "status": "pending"},
        headers=officer_headers(), timeout=10).json()["items"]
    assert org["nip"] in cells[1] and "cyfra kontrolna poprawna" in cells[1]
    assert org["regon"] in cells[2] and "cyfra kontrolna poprawna" in cells[2]
    assert org["krs"] in cells[3] and "sprawdź w KRS" in cells[3]
    assert "nie pyta baz GUS ani KRS" in officer.locator("#identyfikatory").inner_text()
    checked(officer, "urzad-organizacje-identyfikatory")
