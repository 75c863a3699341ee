"""The steps the browser journeys share, written once: who signs in and how (identity's page,
a staff account's TOTP enrolment), the accounts and organisations a journey sets up through
the APIs, the tests' clock (a deadline moved into the past in the city's database, as
`scripts/demo.py --time-travel` does), filling in an offer, the API's 422 read at its field,
and axe with screenshots at 1280 and 320 px (`checked`).

The journeys import from here; `test_workspaces`, `test_workspaces_committee` and
`test_journey_3` still re-export the names other files took from them."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from axe_playwright_python.sync_playwright import Axe
from pymongo import MongoClient

from conftest import DESKTOP, PHONE, screenshot, wait_for
from identity import totp
from wspolpraca.auth import mint_token

AXE = Axe()
DEMO_PASSWORD = "wspolpraca-demo-2026"   # scripts/demo.py's documented default
OFFICER_EMAIL = "pelnomocnik@example.org"
PASSWORD = "Zielone jabłko na moście 7"   # the accounts the journeys make for themselves
LOCAL = "%Y-%m-%dT%H:%M"   # what a datetime-local field takes


# --- tokens and checks -----------------------------------------------------------------------

def officer_headers() -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token("browser-officer", ["officer"])}


def admin_headers() -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token("browser-admin", ["admin"])}


def checked(page, name: str) -> None:
    """No axe violation, at 1280 px and at 320 px; a screenshot of each."""
    assert AXE.run(page).response["violations"] == [], name
    screenshot(page, f"{name}-desktop")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert AXE.run(page).response["violations"] == [], f"{name} at 320 px"
    screenshot(page, f"{name}-telefon")
    page.set_viewport_size(size)


def arrive(page, city, pattern: str) -> None:
    """Waits for the address; if it never comes, says where the browser is and what the
    portal and identity logged."""
    try:
        page.wait_for_url(re.compile(pattern))
    except Exception as exc:
        logs = "\n".join(
            f"--- {name}:\n" + (city.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
            for name in ("portal", "identity"))
        raise AssertionError(f"not at {pattern} but {page.url}:\n"
                             f"{page.locator('body').inner_text()[:2000]}\n{logs}") from exc


def refused_at(page, field: str) -> tuple[Any, str]:
    """The field (its name in the form) once the API's 422 marked it invalid, and the text of
    what describes it (the message the API gave for it)."""
    marked = page.locator(f"#pole-{field}[aria-invalid='true']")
    marked.wait_for()
    described = (marked.get_attribute("aria-describedby") or "").split()
    return marked, "\n".join(page.locator(f"#{id}").inner_text() for id in described)


# --- signing in --------------------------------------------------------------------------------

def sign_in_at_identity(page, email: str, password: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Hasło").fill(password)
    page.get_by_role("button", name="Zaloguj się").click()


def enrol_totp(page, city, landing: str) -> None:
    """A staff account's first sign-in: the code of the secret identity shows, then `landing`."""
    secret = re.search(r"secret=([A-Z2-7]+)", page.locator("#otpauth").inner_text()).group(1)
    page.get_by_label("Kod z aplikacji").fill(totp.code_at(secret, totp.step_of(time.time())))
    page.get_by_role("button", name="Potwierdź").click()
    arrive(page, city, re.escape(landing) + "$")


def sign_in_officer(page, city, email: str, password: str = PASSWORD,
                    landing: str = "/urzad") -> None:
    """A staff account not signed in before signs in at identity and enrols its TOTP (staff
    need it), ending at `landing` (/urzad, or /wydzial for a department)."""
    page.goto(landing)
    sign_in_at_identity(page, email, password)
    enrol_totp(page, city, landing)


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
    sign_in_officer(officer, city, officer_account(city, stamp))
    return officer


# --- accounts and organisations through the APIs ----------------------------------------------

def staff_account(city, email: str, name: str, roles: list[str], **extra: Any) -> str:
    """An active account made by the administrator (password PASSWORD; `extra`: its
    department): its id."""
    created = requests.post(city.url("identity") + "/api/v1/accounts/staff", json={
        "email": email, "name": name, "roles": roles, "password": PASSWORD, **extra},
        headers=admin_headers(), timeout=10)
    assert created.status_code == 201, created.text
    return created.json()["id"]


def officer_account(city, stamp: str) -> str:
    """An officer of the test's own (the demo's officer enrols its TOTP in journey 1)."""
    email = f"urzednik-{stamp}@example.org"
    staff_account(city, email, "Olga Urzędniczka", ["officer"])
    return email


def department_account(city, stamp: str, department: str) -> str:
    """A department's staff account of the test's own (the demo's department enrols its TOTP
    in journey 5)."""
    email = f"wydzial-{stamp}@example.org"
    staff_account(city, email, "Wanda Wydziałowa", ["department"], department=department)
    return email


def valid_nip(seed: int) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    for counter in range(100):
        digits = f"{7 + (seed + counter) % 2}{(seed * 7919 + counter) % 10**8:08d}"
        check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return digits + str(check)
    raise AssertionError("no NIP")


def pending_organisation(city, name: str, area: str) -> dict:
    """An organisation registered in the registry, waiting for the office's verification, once
    identity's copy of the registry (by its events) knows it."""
    created = requests.post(city.url("registry") + "/api/v1/organizations", json={
        "name": name, "legal_form": "foundation", "nip": valid_nip(uuid.uuid4().int % 10**8),
        "areas": [area], "email": f"{uuid.uuid4().hex[:8]}@example.org"},
        headers=officer_headers(), timeout=10)
    assert created.status_code == 201, created.text
    org = created.json()

    def identity_knows_it() -> bool:   # no such account: 403 once the organisation is known
        asked = requests.post(city.url("identity") + "/api/v1/representations",
                              json={"organization_id": org["id"]}, timeout=10,
                              headers={"Authorization": "Bearer " + mint_token(
                                  "0" * 24, [])})
        return asked.status_code != 422

    wait_for(identity_knows_it, 30, "identity to know the organisation")
    return org


def represented_organisation(city, name: str, area: str) -> tuple[dict, str]:
    """A verified organisation of the area and the email of an account representing it (the
    representation granted by the office through the API: journey 1 does it in the browser),
    once grants and consultations know the organisation as verified."""
    org = pending_organisation(city, name, area)
    verified = requests.post(city.url("registry") + f"/api/v1/organizations/{org['id']}/verify",
                             headers=officer_headers(), timeout=10)
    assert verified.status_code == 200, verified.text
    email = f"ngo-{uuid.uuid4().hex[:8]}@example.org"
    account_id = staff_account(city, email, f"Przedstawiciel {name}", [])
    asked = requests.post(city.url("identity") + "/api/v1/representations",
                          json={"organization_id": org["id"]}, timeout=10,
                          headers={"Authorization": "Bearer " + mint_token(account_id, [])})
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


# --- competitions, rooms and the tests' clock -------------------------------------------------

def open_competition(city) -> dict:
    found = requests.get(city.url("grants") + "/api/v1/competitions",
                         params={"status": "announced", "limit": 100}, timeout=10).json()
    now = datetime.now(UTC).isoformat()
    open_now = [c for c in found["items"] if c["submission_deadline"] > now]
    assert open_now, "the demo city has an open competition"
    return open_now[0]


EVERY_DAY = [{"day": d, "opens": "08:00", "closes": "20:00"}
               for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


def room_of_the_department(city, stamp: str) -> dict:
    """A room of the demo's department (social_policy, as `wydzial@example.org`), open every
    day, so the test's hour is free whatever day it runs."""
    created = requests.post(city.url("registry") + "/api/v1/resources", json={
        "name": f"Sala spotkań {stamp}", "kind": "room", "address": "ul. Piotrkowska 113",
        "capacity": 30, "department": "social_policy", "opening_hours": EVERY_DAY},
        headers=officer_headers(), timeout=10)
    assert created.status_code == 201, created.text
    return created.json()


def a_second_ago(city, service: str, collection: str, record_id: str, field: str) -> None:
    """The tests' clock: the record's moment `field` moved a second into the past in the
    city's database (as `scripts/demo.py --time-travel` does)."""
    with MongoClient(city.database.uri) as client:
        moved = client[service][collection].update_one(
            {"_id": record_id}, {"$set": {field: datetime.now(UTC) - timedelta(seconds=1)}})
    assert moved.matched_count == 1, (service, collection, record_id)


def deadline_passed(city, competition_id: str) -> dict:
    """The competition's deadline for offers passed by the tests' clock, then closed."""
    a_second_ago(city, "grants", "competitions", competition_id, "submission_deadline")
    closed = requests.post(city.url("grants") + f"/api/v1/competitions/{competition_id}"
                           "/close", headers=officer_headers(), timeout=10)
    assert closed.status_code == 200, closed.text
    return closed.json()


# --- the offer form ----------------------------------------------------------------------------

def fill_offer(page, *, title: str | None = None, description: str | None = None,
               start: str | None = None, end: str | None = None,
               costs: tuple[tuple[str, str], ...] = (), live_sum: str | None = None,
               requested: str | None = None, own: str | None = None,
               non_financial: str | None = None, volunteers: tuple[str, str] | None = None,
               total: str | None = None) -> None:
    """Fills in an offer (a competition's or a small grant's) as a person types it, field by
    field in the form's order; what is None is left as it is. `costs`: the cost items' names
    and amounts; `live_sum`: the sum the page shows (htmx) once they are in, waited for;
    `volunteers`: their hours and hourly rate."""
    fields: list[tuple[str, Any]] = [
        ("Tytuł zadania", title), ("Opis zadania", description),
        ("Początek realizacji", start), ("Koniec realizacji", end)]
    for number, (name, amount) in enumerate(costs, start=1):
        fields += [(f"Pozycja kosztorysu {number}: nazwa", name),
                   (f"Pozycja kosztorysu {number}: kwota (zł)", amount)]
    _fill(page, fields)
    if live_sum is not None:
        page.wait_for_function(   # arithmetic only
            f"() => document.querySelector('#sumy').textContent.includes('{live_sum}')")
    hours, rate = volunteers or (None, None)
    _fill(page, [("Wnioskowana kwota dotacji (zł)", requested),
                 ("Wkład własny finansowy (zł)", own),
                 ("Wkład własny niefinansowy (osobowy i rzeczowy) (zł)", non_financial),
                 ("Praca wolontariuszy: liczba godzin", hours),
                 ("Praca wolontariuszy: stawka za godzinę (zł)", rate),
                 ("Całkowity koszt zadania (zł)", total)])


def _fill(page, fields: list[tuple[str, Any]]) -> None:
    for label, value in fields:
        if value is not None:
            page.get_by_label(label).fill(str(value))


# --- moving about and correcting what the API refused -----------------------------------------

def open_from(page, city, link: str | re.Pattern[str], pattern: str, shot: str | None = None,
              within: str | None = None) -> None:
    """Follows the link named `link` (a string or a pattern; within `within`, say "main"),
    waits for the address `pattern` and, given `shot`, checks the page (`checked`)."""
    scope = page.locator(within) if within else page
    scope.get_by_role("link", name=link).click()
    arrive(page, city, pattern)
    if shot is not None:
        checked(page, shot)


def corrected(page, city, button: str, field: str, says: str, shot: str, value: str,
              landing: str) -> None:
    """`button` sends the form: the API's 422 at `field` says `says` (the page checked as
    `shot`); `value` typed into the field and sent again lands at `landing`."""
    page.get_by_role("button", name=button).click()
    marked, message = refused_at(page, field)
    assert says in message, message
    checked(page, shot)
    marked.fill(value)
    page.get_by_role("button", name=button).click()
    arrive(page, city, landing)


def resident_comments(city, context_factory, path: str, who: tuple[str, str], text: str):
    """A resident's browser of its own sends a comment on the public page `path`: `who` is the
    label of the name field and the name; the page, once the comment was taken."""
    resident = context_factory(viewport=DESKTOP).new_page()
    resident.goto(path)
    resident.get_by_label(who[0]).fill(who[1])
    resident.get_by_label("Treść uwagi").fill(text)
    resident.get_by_role("button", name="Wyślij uwagę").click()
    arrive(resident, city, r"wyslano=1")
    return resident


# --- by keyboard alone ---------------------------------------------------------------------

MAX_TABS = 400   # Tab presses before a control counts as unreachable


def tab_to(page, target, limit: int = MAX_TABS) -> None:
    """Tab (forwards) until `target` (a locator) has the focus, as a keyboard user does."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("e => e === document.activeElement", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} never reached by Tab")


def retype(page, field_id: str, text: str) -> None:
    """Tab to a filled field, select what it holds and type over it."""
    tab_to(page, page.locator(f"#{field_id}"))
    page.keyboard.press("Control+a")
    page.keyboard.type(text)
