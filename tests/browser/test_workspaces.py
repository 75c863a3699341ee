"""Journey 1 of the workspaces (issue #18), end to end on the real services in Chromium: a
representative registers, confirms the email (from the city's SMTP server), signs in through
identity (OpenID Connect code + PKCE) and asks to represent an organisation; the liaison officer
(a staff account: TOTP required) verifies the organisation and approves the representation; the
representative's next session acts for it and submits an offer. axe finds nothing on any
workspace page; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal

import requests
from axe_playwright_python.sync_playwright import Axe

from conftest import PHONE, screenshot, wait_for
from identity import totp
from wspolpraca.auth import mint_token

AXE = Axe()
DEMO_PASSWORD = "wspolpraca-demo-2026"   # scripts/demo.py's documented default
OFFICER_EMAIL = "pelnomocnik@example.org"
PASSWORD = "Zielone jabłko na moście 7"


def officer_headers() -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_token("browser-officer", ["officer"])}


def valid_nip(seed: int) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    for counter in range(100):
        digits = f"{7 + (seed + counter) % 2}{(seed * 7919 + counter) % 10**8:08d}"
        check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return digits + str(check)
    raise AssertionError("no NIP")


def checked(page, name: str) -> None:
    """No axe violation, at 1280 px and at 320 px; a screenshot of each."""
    assert AXE.run(page).response["violations"] == [], name
    screenshot(page, f"{name}-desktop")
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert AXE.run(page).response["violations"] == [], f"{name} at 320 px"
    screenshot(page, f"{name}-telefon")
    page.set_viewport_size(size)


def open_competition(city) -> dict:
    found = requests.get(city.url("grants") + "/api/v1/competitions",
                         params={"status": "announced", "limit": 100}, timeout=10).json()
    now = datetime.now(UTC).isoformat()
    open_now = [c for c in found["items"] if c["submission_deadline"] > now]
    assert open_now, "the demo city has an open competition"
    return open_now[0]


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


def sign_in_at_identity(page, email: str, password: str) -> None:
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Hasło").fill(password)
    page.get_by_role("button", name="Zaloguj się").click()


def test_journey_1_representation_and_an_offer(city, context_factory) -> None:
    competition = open_competition(city)
    stamp = uuid.uuid4().hex[:8]
    org = pending_organisation(city, f"Fundacja Przeglądarkowa {stamp}", competition["area"])

    # --- the representative registers and confirms the email --------------------------------
    email = f"przedstawiciel-{stamp}@example.org"
    person = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    person.goto("/rejestracja")
    checked(person, "rejestracja")
    person.get_by_label("Imię i nazwisko").fill("Ewa Przedstawicielska")
    person.get_by_label("Adres e-mail").fill(email)
    person.get_by_label("Hasło").fill(PASSWORD)
    person.get_by_role("button", name="Załóż konto").click()
    arrive(person, city, r"/rejestracja\?wyslano=1")

    confirmation = city.link_in_mail(email, r"/oauth2/confirm\?token=")
    person.goto(confirmation)
    assert "potwierdzony" in person.content()

    # --- signs in through identity and asks to represent the organisation -------------------
    person.goto("/moja-organizacja")
    arrive(person, city, r"/oauth2/authorize")
    sign_in_at_identity(person, email, PASSWORD)
    arrive(person, city, re.escape(city.portal) + r"/moja-organizacja$")
    assert "Ewa Przedstawicielska" in person.locator("header").inner_text()
    assert person.locator("h1").inner_text() == "Moje konto"
    checked(person, "moje-konto")
    person.get_by_label("Identyfikator organizacji").fill(org["id"])
    person.get_by_role("button", name="Poproś o reprezentowanie").click()
    arrive(person, city, r"wyslano=1")
    assert "Wniosek został złożony" in person.content()
    assert f"Fundacja Przeglądarkowa {stamp}" in person.locator("#reprezentacja").inner_text()

    # --- the officer (TOTP enrolled at the first sign-in) verifies and approves --------------
    officer = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    officer.goto("/urzad")
    sign_in_at_identity(officer, OFFICER_EMAIL, DEMO_PASSWORD)
    uri = officer.locator("#otpauth").inner_text()
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    officer.get_by_label("Kod z aplikacji").fill(totp.code_at(secret, totp.step_of(time.time())))
    officer.get_by_role("button", name="Potwierdź").click()
    arrive(officer, city, r"/urzad$")
    checked(officer, "urzad")
    officer.get_by_role("link", name="Organizacje do weryfikacji").click()
    checked(officer, "urzad-organizacje")
    # the button names its organisation for a screen reader (Chromium spaces the hidden part)
    officer.get_by_role("button", name=re.compile(
        rf"Zweryfikuj\W+Fundacja Przeglądarkowa {stamp}")).click()
    arrive(officer, city, r"zweryfikowano=")
    assert f"Zweryfikowano: Fundacja Przeglądarkowa {stamp}" in officer.content()
    officer.goto("/urzad/reprezentacje")
    checked(officer, "urzad-reprezentacje")
    officer.get_by_role("button", name=re.compile(r"Zatwierdź\W+Ewa Przedstawicielska")).click()
    arrive(officer, city, r"zapisano=zatwierdz")

    # --- the representative's next session acts for the organisation -----------------------
    person.get_by_role("button", name="Wyloguj się").click()   # ends identity's session too
    arrive(person, city, re.escape(city.portal) + r"/$")
    assert "Zaloguj się" in person.locator("header").inner_text()
    person.goto("/moja-organizacja")
    arrive(person, city, r"/oauth2/authorize")   # signed out at identity as well
    sign_in_at_identity(person, email, PASSWORD)
    arrive(person, city, re.escape(city.portal) + r"/moja-organizacja$")
    assert person.locator("h1").inner_text() == f"Fundacja Przeglądarkowa {stamp}"
    checked(person, "moja-organizacja")

    # --- and submits an offer -------------------------------------------------------------
    person.goto(f"/moja-organizacja/oferty/nowa/{competition['id']}")
    checked(person, "oferta-formularz")
    total = Decimal("10000.00")
    pct = Decimal(str(competition.get("min_own_contribution_pct") or 0))
    own = (total * pct / 100).quantize(Decimal("1"), rounding=ROUND_CEILING)
    person.get_by_label("Tytuł zadania").fill("Warsztaty dla seniorów")
    person.get_by_label("Opis zadania").fill("Cotygodniowe warsztaty w domu kultury.")
    person.get_by_label("Początek realizacji").fill(competition["task_start"][:10])
    person.get_by_label("Koniec realizacji").fill(competition["task_end"][:10])
    person.get_by_label("Pozycja kosztorysu 1: nazwa").fill("Wynagrodzenie prowadzącego")
    person.get_by_label("Pozycja kosztorysu 1: kwota (zł)").fill("6 000,00")
    person.get_by_label("Pozycja kosztorysu 2: nazwa").fill("Materiały")
    person.get_by_label("Pozycja kosztorysu 2: kwota (zł)").fill("4000")
    person.wait_for_function(   # the live sum (htmx), arithmetic only
        "() => document.querySelector('#sumy').textContent.includes('10\u00a0000,00')")
    person.get_by_label("Wnioskowana kwota dotacji (zł)").fill(str(total - own))
    person.get_by_label("Wkład własny finansowy (zł)").fill(str(own))
    person.get_by_label("Wkład własny niefinansowy (osobowy i rzeczowy) (zł)").fill("0")
    person.get_by_label("Całkowity koszt zadania (zł)").fill("12 000,00")   # a wrong sum
    person.get_by_role("button", name="Wyślij ofertę").click()
    total_field = person.locator("#pole-total_cost[aria-invalid='true']")
    total_field.wait_for()   # the API's 422, at the field it names
    message = person.locator("#" + total_field.get_attribute("aria-describedby").split()[0])
    assert "różni się od kosztu całkowitego" in message.inner_text()
    assert "Popraw następujące błędy" in person.locator(".error-summary").inner_text()
    assert person.get_by_label("Pozycja kosztorysu 2: kwota (zł)").input_value() == "4000"
    checked(person, "oferta-blad")
    person.get_by_label("Całkowity koszt zadania (zł)").fill("10 000,00")
    send = person.get_by_role("button", name="Wyślij ofertę")
    send.evaluate("button => button.form.removeAttribute('data-once')")  # as without script
    send.dblclick()   # two POSTs with the form's Idempotency-Key: one offer
    arrive(person, city, r"/moja-organizacja/oferty/[0-9a-f]{24}\?zlozono=1")
    assert "Oferta złożona" in person.locator("h1").inner_text()
    number = person.locator("#numer-oferty").inner_text()
    checked(person, "oferta-potwierdzenie")

    offers = requests.get(city.url("grants") + "/api/v1/offers", headers=officer_headers(),
                          params={"organization_id": org["id"]}, timeout=10).json()["items"]
    assert [o["id"] for o in offers] == [number]
    assert offers[0]["title"] == "Warsztaty dla seniorów"

    # --- a second organisation: the next session asks which one it acts for ----------------
    other = pending_organisation(city, f"Stowarzyszenie Drugie {stamp}", competition["area"])
    person.goto("/moja-organizacja")
    person.get_by_label("Identyfikator organizacji").fill(other["id"])
    person.get_by_role("button", name="Poproś o reprezentowanie").click()
    arrive(person, city, r"wyslano=1")
    [asked] = requests.get(city.url("identity") + "/api/v1/representations",
                           params={"organization_id": other["id"], "status": "requested"},
                           headers=officer_headers(), timeout=10).json()["items"]
    approved = requests.post(city.url("identity") + f"/api/v1/representations/{asked['id']}"
                             "/approve", headers=officer_headers(), timeout=10)
    assert approved.status_code == 200, approved.text
    person.get_by_role("button", name="Wyloguj się").click()
    arrive(person, city, re.escape(city.portal) + r"/$")
    person.goto("/moja-organizacja")
    sign_in_at_identity(person, email, PASSWORD)
    arrive(person, city, r"/wybierz-organizacje")
    checked(person, "wybierz-organizacje")
    person.get_by_label(f"Stowarzyszenie Drugie {stamp}").check()
    person.get_by_role("button", name="Działaj w imieniu tej organizacji").click()
    arrive(person, city, re.escape(city.portal) + r"/moja-organizacja$")
    assert person.locator("h1").inner_text() == f"Stowarzyszenie Drugie {stamp}"

    # --- the inbox, and a request the officer refuses with a reason -------------------------
    person.get_by_role("link", name=re.compile("Skrzynka")).click()
    arrive(person, city, r"/moja-organizacja/skrzynka$")
    assert person.locator("h1").inner_text() == "Skrzynka"
    checked(person, "skrzynka")
    third = pending_organisation(city, f"Klub Trzeci {stamp}", competition["area"])
    person.goto("/moja-organizacja")
    person.get_by_label("Identyfikator organizacji").fill(third["id"])
    person.get_by_role("button", name="Poproś o reprezentowanie").click()
    arrive(person, city, r"wyslano=1")
    officer.goto("/urzad/reprezentacje")
    officer.get_by_role("button", name=re.compile(r"Odmów\W+Ewa Przedstawicielska")).click()
    reason = officer.locator("textarea[aria-invalid='true']")   # no reason: the API says so
    reason.wait_for()
    problem = officer.locator("#" + reason.get_attribute("aria-describedby"))
    assert problem.inner_text().strip().startswith("Błąd:")
    checked(officer, "urzad-reprezentacje-blad")
    reason.fill("Osoba nie figuruje w KRS jako członek zarządu.")
    officer.get_by_role("button", name=re.compile(r"Odmów\W+Ewa Przedstawicielska")).click()
    arrive(officer, city, r"zapisano=odmow")
    person.reload()
    mine = person.locator("#reprezentacja").inner_text()
    assert f"Klub Trzeci {stamp} – Odmowa (Osoba nie figuruje w KRS" in mine

    # --- the officer invites a council member from the council's page (issue #16) ------------
    officer.goto("/urzad")
    officer.get_by_role("link", name="Rady działalności pożytku publicznego").click()
    arrive(officer, city, r"/urzad/rada$")
    checked(officer, "urzad-rady")
    officer.locator("main h2 a").first.click()
    arrive(officer, city, r"/urzad/rada/[0-9a-f]{24}$")
    member = f"rada-{stamp}@example.org"
    officer.get_by_role("button", name="Wyślij zaproszenie").click()   # nothing filled in
    officer.locator("#pole-name[aria-invalid='true']").wait_for()
    checked(officer, "urzad-rada-blad")
    officer.get_by_label("Imię i nazwisko").fill("Jan Radny")
    officer.get_by_label("E-mail").fill(member)
    officer.get_by_label("strona samorządowa").check()
    officer.get_by_role("button", name="Wyślij zaproszenie").click()
    arrive(officer, city, r"zaproszono=")
    assert f"Zaproszenie wysłano na adres {member}" in officer.content()
    assert "Jan Radny" in officer.locator("table").inner_text()
    checked(officer, "urzad-rada")

    assert city.link_in_mail(member, r"/oauth2/reset\?token=")   # the invitation arrives
