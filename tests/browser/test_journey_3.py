"""Journey 3 of the workspaces (issue #18), end to end on the real services in Chromium: a small
grant without a competition (art. 19a). A representative applies from /moja-organizacja (over
10 000 zł is explained at the field, then fixed); the officer publishes it for the 7 days of
public comment; a resident comments on the public page; a decision before the 7 days end is
explained; the 7 days pass (the tests' clock: `comments_until` moved a second into the past in
the city's database, as `scripts/demo.py --time-travel` does) and the officer awards it. The
organisation finds the decision in its inbox and the public list shows the award. axe finds
nothing on any page; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import requests
from pymongo import MongoClient
from test_workspaces import (
    arrive,
    checked,
    officer_headers,
    pending_organisation,
    sign_in_at_identity,
)
from test_workspaces_committee import PASSWORD, officer_account

from conftest import DESKTOP, wait_for
from identity import totp
from portal.formatting import WARSAW
from wspolpraca.auth import mint_token


def represented_organisation(city, name: str, area: str) -> tuple[dict, str]:
    """A verified organisation of the area and the email of an account representing it (the
    representation granted by the office through the API: journey 1 does it in the browser),
    once grants and consultations know the organisation as verified."""
    org = pending_organisation(city, name, area)
    verified = requests.post(city.url("registry") + f"/api/v1/organizations/{org['id']}/verify",
                             headers=officer_headers(), timeout=10)
    assert verified.status_code == 200, verified.text
    email = f"ngo-{uuid.uuid4().hex[:8]}@example.org"
    created = requests.post(city.url("identity") + "/api/v1/accounts/staff", json={
        "email": email, "name": f"Przedstawiciel {name}", "roles": [], "password": PASSWORD},
        headers={"Authorization": "Bearer " + mint_token("browser-admin", ["admin"])},
        timeout=10)
    assert created.status_code == 201, created.text
    asked = requests.post(city.url("identity") + "/api/v1/representations",
                          json={"organization_id": org["id"]}, timeout=10,
                          headers={"Authorization": "Bearer " + mint_token(
                              created.json()["id"], [])})
    assert asked.status_code == 201, asked.text
    approved = requests.post(city.url("identity") + f"/api/v1/representations/"
                             f"{asked.json()['id']}/approve", headers=officer_headers(),
                             timeout=10)
    assert approved.status_code == 200, approved.text
    with MongoClient(city.database.uri) as client:
        for service in ("grants", "consultations"):
            wait_for(lambda s=service: client[s]["organizations"].find_one(
                {"_id": org["id"], "status": "verified"}) is not None, 30,
                f"{service} to know the organisation verified")
    return org, email


def signed_in(city, context_factory, email: str, path: str):
    """A browser of its own, signed in through identity's page (no second factor: no role)."""
    person = context_factory(viewport=DESKTOP).new_page()
    person.goto(path)
    arrive(person, city, r"/oauth2/authorize")
    sign_in_at_identity(person, email, PASSWORD)
    arrive(person, city, re.escape(city.portal + path) + "$")
    return person


def signed_in_officer(city, context_factory, stamp: str):
    """An officer of the test's own, signed in at /urzad with the TOTP it enrols."""
    officer = context_factory(viewport=DESKTOP).new_page()
    officer.goto("/urzad")
    sign_in_at_identity(officer, officer_account(city, stamp), PASSWORD)
    secret = re.search(r"secret=([A-Z2-7]+)",
                       officer.locator("#otpauth").inner_text()).group(1)
    officer.get_by_label("Kod z aplikacji").fill(totp.code_at(secret, totp.step_of(time.time())))
    officer.get_by_role("button", name="Potwierdź").click()
    arrive(officer, city, r"/urzad$")
    return officer


def test_journey_3_small_grant_through_public_comment_to_award(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    name = f"Stowarzyszenie Sąsiedzkie {stamp}"
    org, email = represented_organisation(city, name, "culture")
    year = datetime.now(WARSAW).year + 1   # the demo's adopted programme
    title = f"Koncert na podwórku {stamp}"

    # --- the representative applies (over the limit: explained at the field, then fixed) ----
    ngo = signed_in(city, context_factory, email, "/moja-organizacja")
    assert ngo.locator("h1").inner_text() == name
    ngo.locator("main").get_by_role("link", name="Małe granty").click()
    arrive(ngo, city, r"/moja-organizacja/male-granty$")
    checked(ngo, "male-granty-organizacji")
    ngo.get_by_role("link", name="Złóż nową ofertę").click()
    arrive(ngo, city, r"/moja-organizacja/male-granty/nowy$")
    checked(ngo, "maly-grant-formularz")
    ngo.get_by_label("Obszar zadania").select_option("culture")
    ngo.get_by_label("Tytuł zadania").fill(title)
    ngo.get_by_label("Opis zadania").fill("Letni koncert dla mieszkańców kamienic przy placu.")
    ngo.get_by_label("Początek realizacji").fill(f"{year}-05-04")
    ngo.get_by_label("Koniec realizacji").fill(f"{year}-06-30")
    ngo.get_by_label("Pozycja kosztorysu 1: nazwa").fill("Wynajem sceny")
    ngo.get_by_label("Pozycja kosztorysu 1: kwota (zł)").fill("8 000,00")
    ngo.get_by_label("Pozycja kosztorysu 2: nazwa").fill("Nagłośnienie")
    ngo.get_by_label("Pozycja kosztorysu 2: kwota (zł)").fill("4 000,00")
    ngo.wait_for_function(   # the live sum (htmx), arithmetic only
        "() => document.querySelector('#sumy').textContent.includes('12\u00a0000,00')")
    ngo.get_by_label("Wnioskowana kwota dotacji (zł)").fill("11 500,00")
    ngo.get_by_label("Wkład własny finansowy (zł)").fill("500")
    ngo.get_by_label("Wkład własny niefinansowy (osobowy i rzeczowy) (zł)").fill("0")
    ngo.get_by_label("Całkowity koszt zadania (zł)").fill("12 000,00")
    ngo.get_by_role("button", name="Złóż ofertę").click()
    requested = ngo.locator("#pole-requested_amount[aria-invalid='true']")
    requested.wait_for()   # grants' 422 (art. 19a ust. 1 pkt 1), at the field it names
    message = ngo.locator("#" + requested.get_attribute("aria-describedby").split()[0])
    assert "najwyżej 10\u00a0000,00\u00a0zł" in message.inner_text()
    assert ngo.get_by_label("Obszar zadania").input_value() == "culture"
    checked(ngo, "maly-grant-blad")
    ngo.get_by_label("Pozycja kosztorysu 2: kwota (zł)").fill("2 000,00")
    ngo.get_by_label("Wnioskowana kwota dotacji (zł)").fill("9 500,00")
    ngo.get_by_label("Całkowity koszt zadania (zł)").fill("10 000,00")
    ngo.get_by_role("button", name="Złóż ofertę").click()
    arrive(ngo, city, r"/moja-organizacja/male-granty/[0-9a-f]{24}\?zlozono=1")
    number = ngo.locator("#numer-oferty").inner_text()
    checked(ngo, "maly-grant-potwierdzenie")

    # --- the officer publishes it for the 7 days of comments ----------------------------------
    officer = signed_in_officer(city, context_factory, stamp)
    officer.locator("main").get_by_role("link", name="Małe granty").click()
    arrive(officer, city, r"/urzad/male-granty$")
    checked(officer, "urzad-male-granty")
    officer.get_by_role("link", name=title).click()
    arrive(officer, city, rf"/urzad/male-granty/{number}$")
    assert name in officer.locator("main").inner_text()
    checked(officer, "urzad-maly-grant")
    officer.get_by_role("button", name=re.compile(r"Opublikuj ofertę")).click()
    arrive(officer, city, r"zapisano=publikacja")
    assert officer.locator("#stan-oferty").inner_text() == "Opublikowana do uwag"
    officer.get_by_role("button", name=re.compile(r"Przyznaj dotację")).click()   # too early
    officer.locator(".error-summary").wait_for()
    assert "dopiero po 7 dniach" in officer.locator(".error-summary").inner_text()
    checked(officer, "urzad-maly-grant-za-wczesnie")

    # --- a resident comments on the public page ----------------------------------------------
    resident = context_factory(viewport=DESKTOP).new_page()
    resident.goto(f"/male-granty/{number}")
    resident.get_by_label("Imię i nazwisko lub nazwa").fill("Anna Mieszkanka")
    resident.get_by_label("Treść uwagi").fill("Prosimy o część koncertu dla dzieci.")
    resident.get_by_role("button", name="Wyślij uwagę").click()
    arrive(resident, city, r"wyslano=1")
    assert "Prosimy o część koncertu dla dzieci." in resident.locator("#uwagi").inner_text()

    # --- the 7 days pass (the tests' clock) and the officer awards it ------------------------
    with MongoClient(city.database.uri) as client:
        moved = client["grants"]["small_grants"].update_one(
            {"_id": number},
            {"$set": {"comments_until": datetime.now(UTC) - timedelta(seconds=1)}})
    assert moved.matched_count == 1
    officer.goto(f"/urzad/male-granty/{number}")
    comments = officer.locator("#uwagi").inner_text()
    assert "Anna Mieszkanka" in comments and "Czas na uwagi minął" in comments
    officer.get_by_role("button", name=re.compile(r"Przyznaj dotację")).click()
    arrive(officer, city, r"zapisano=przyznaj")
    assert officer.locator("#stan-oferty").inner_text() == "Dotacja przyznana"
    checked(officer, "urzad-maly-grant-przyznany")

    # --- what the other side sees: the organisation's inbox and list, the public page --------
    def in_inbox() -> bool:
        ngo.goto("/moja-organizacja/skrzynka")
        return title in ngo.locator("main").inner_text()

    wait_for(in_inbox, 30, "the award in the organisation's inbox")
    ngo.goto("/moja-organizacja/male-granty")
    assert "Dotacja przyznana" in ngo.get_by_role("row", name=re.compile(title)).inner_text()
    public = context_factory(viewport=DESKTOP).new_page()
    public.goto("/male-granty")
    assert title in public.locator("main").inner_text()
    public.goto(f"/male-granty/{number}")
    assert "Dotacja przyznana" in public.locator(".status-line").inner_text()
    assert "Anna Mieszkanka" in public.locator("#uwagi").inner_text()
    granted = requests.get(city.url("grants") + f"/api/v1/small-grants/{number}",
                           timeout=10).json()
    assert granted["status"] == "awarded" and granted["organization_id"] == org["id"]
