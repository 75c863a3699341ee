"""Journey 1 of the workspaces (issue #18), end to end on the real services in Chromium: a
representative registers, confirms the email (from the city's SMTP server), signs in through
identity (OpenID Connect code + PKCE) and asks to represent an organisation; the liaison officer
(a staff account: TOTP required) verifies the organisation and approves the representation; the
representative's next session acts for it and submits an offer. axe finds nothing on any
workspace page; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from decimal import ROUND_CEILING, Decimal

import requests
from journeys import (  # noqa: F401 (the others: re-exported, other files import them here)
    AXE,
    DEMO_PASSWORD,
    OFFICER_EMAIL,
    PASSWORD,
    arrive,
    checked,
    fill_offer,
    officer_headers,
    open_competition,
    open_from,
    pending_organisation,
    refused_at,
    sign_in_at_identity,
    sign_in_officer,
    valid_nip,
)


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
    sign_in_officer(officer, city, OFFICER_EMAIL, DEMO_PASSWORD)
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
    fill_offer(person, title="Warsztaty dla seniorów",
               description="Cotygodniowe warsztaty w domu kultury.",
               start=competition["task_start"][:10], end=competition["task_end"][:10],
               costs=(("Wynagrodzenie prowadzącego", "6 000,00"), ("Materiały", "4000")),
               live_sum="10\u00a0000,00", requested=total - own, own=own, non_financial="0",
               total="12 000,00")   # a wrong sum
    person.get_by_role("button", name="Wyślij ofertę").click()
    _, message = refused_at(person, "total_cost")   # the API's 422, at the field it names
    assert "różni się od kosztu całkowitego" in message
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
    open_from(person, city, re.compile("Skrzynka"), r"/moja-organizacja/skrzynka$")
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
    open_from(officer, city, "Rady działalności pożytku publicznego", r"/urzad/rada$", "urzad-rady")
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
