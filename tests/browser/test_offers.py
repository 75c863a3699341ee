"""The offer done properly (issue #18), end to end on the real services in Chromium. A demo
representative (`ngo1@example.org`) opens the offer form of a competition of the test's own: the
draft is saved by the button (no JavaScript needed) and as the form changes (htmx), and resumed
from `/moja-organizacja` on another device (a second browser context); both devices edit it:
the later save is told in the status line, its page shows both versions with what was typed
kept, and then saves; grants' formal check is
shown before submission (a wrong sum at its field, then "bez uwag"); a partner organisation
makes it a joint offer; the session expires before "Wyślij" (its cookie dropped) and after
signing in again the form comes back filled in; the confirmation gives the number and a PDF
(real PDF bytes, Polish text); the offer is amended, a second one withdrawn; the deadline passes
(the tests' clock): the buttons are gone, and a page left open from before gets grants' refusal
explained. The other side: the officer's and the partner's view of the offers in grants. axe
finds nothing on any new page, at 1280 and 320 px; each is saved under build/screenshots/."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from journeys import (
    DEMO_PASSWORD,
    a_second_ago,
    arrive,
    checked,
    fill_offer,
    officer_headers,
    open_from,
    sign_in_at_identity,
)
from pypdf import PdfReader

from conftest import wait_for
from wspolpraca.auth import mint_token

PARTNER = "Stowarzyszenie Przyjaciół Muzyki Dawnej"   # ngo2's organisation, also in culture


def competition_of_our_own(city, stamp: str) -> dict:
    """A culture competition announced for this test (deadline in 25 days), so no other
    journey's offers or clock get in the way."""
    found = requests.get(city.url("grants") + "/api/v1/competitions",
                         params={"area": "culture", "limit": 100}, timeout=10).json()["items"]
    template = found[0]
    year = int(template["task_start"][:4])
    deadline = datetime.combine(datetime.now(ZoneInfo("Europe/Warsaw")).date()
                                + timedelta(days=25), datetime.min.time().replace(hour=12),
                                ZoneInfo("Europe/Warsaw"))
    created = requests.post(city.url("grants") + "/api/v1/competitions", json={
        "title": f"Koncerty na podwórkach {stamp}", "area": "culture", "mode": "supporting",
        "budget": "8000.00", "submission_deadline": deadline.isoformat(),
        "task_start": f"{year}-04-01", "task_end": f"{year}-10-31",
        "min_own_contribution_pct": "10",
        "criteria": [{"name": "Jakość merytoryczna", "max_points": 10}],
        "task_description": "Koncerty muzyki dawnej na podwórkach kamienic.",
        "award_rules": "Zgodnie z programem współpracy i ogłoszeniem.",
        "department": template["department"]}, headers=officer_headers(), timeout=10)
    assert created.status_code == 201, created.text
    announced = requests.post(city.url("grants") + f"/api/v1/competitions/"
                              f"{created.json()['id']}/announce", headers=officer_headers(),
                              timeout=10)
    assert announced.status_code == 200, announced.text
    return announced.json()


def signed_in(context_factory, city):
    page = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/moja-organizacja")
    sign_in_at_identity(page, "ngo1@example.org", DEMO_PASSWORD)
    arrive(page, city, re.escape(city.portal) + r"/moja-organizacja$")
    return page


def fill_task(page, c: dict, total: str) -> None:
    # volunteers' work, hours × rate, within the non-financial contribution
    fill_offer(page, start=c["task_start"][:10], end=c["task_end"][:10],
               costs=(("Honoraria muzyków", "4 000,00"), ("Nagłośnienie", "1000")),
               requested="4 000,00", own="500", non_financial="500", volunteers=("12,5", "40"),
               total=total)


def plain(text: str) -> str:
    """Babel writes thousands and "zł" after non-breaking spaces."""
    return text.replace("\u00a0", " ")


def drop_the_session(context) -> None:
    """The portal's session ends (as when it expires or the portal restarts); the CSRF cookie
    and identity's own session stay."""
    kept = [c for c in context.cookies() if c["name"] != "portal_session"]
    context.clear_cookies()
    context.add_cookies(kept)


def test_the_offer_drafted_checked_joint_restored_printed_amended_and_withdrawn(
        city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    c = competition_of_our_own(city, stamp)
    title = f"Muzyka dawna na podwórkach {stamp}"

    # --- 1. the draft: saved by the button, then as the form changes ------------------------
    page = signed_in(context_factory, city)
    org_id = page.locator("a[href^='/organizacje/']").first.get_attribute("href").rsplit(
        "/", 1)[1]
    open_from(page, city, re.compile(rf"Złóż ofertę.*{re.escape(c['title'])}"),
              rf"/moja-organizacja/oferty/nowa/{c['id']}$")
    page.get_by_label("Tytuł zadania").fill(title)
    page.get_by_role("button", name="Zapisz szkic").click()   # a plain POST, no JavaScript
    assert "Szkic zapisano" in page.locator("#stan-szkicu").inner_text()
    assert page.get_by_label("Tytuł zadania").input_value() == title
    page.get_by_label("Opis zadania").fill("Sześć koncertów muzyki dawnej w podwórkach.")
    page.get_by_label("Zakładane rezultaty").focus()   # the change: htmx saves the draft
    wait_for(lambda: "Szkic zapisano" in page.locator("#stan-szkicu").inner_text(), 15,
             "the draft saved as the form changed")
    checked(page, "oferta-formularz")

    # resumed on another device: the list of drafts, then the form filled in
    other = signed_in(context_factory, city)
    drafts = other.locator("#szkice")
    assert title in drafts.inner_text() and c["title"] in drafts.inner_text()
    checked(other, "oferta-szkice")
    open_from(other, city, re.compile(rf"{re.escape(title)}.*dokończ szkic"),
              rf"/moja-organizacja/oferty/nowa/{c['id']}$")
    assert "Wczytano szkic" in other.locator("main").inner_text()
    wait_for(lambda: other.get_by_label("Opis zadania").input_value()
             == "Sześć koncertów muzyki dawnej w podwórkach.", 5, "the autosaved description")

    # --- 1a. the same draft edited on both devices: the later save explained, not lost ----
    before = other.locator("#wersja-szkicu").input_value()
    other.get_by_label("Zakładane rezultaty").fill("Sześć koncertów dla 600 słuchaczy.")
    other.get_by_label("Tytuł zadania").focus()   # saved from the version it opened
    wait_for(lambda: other.locator("#wersja-szkicu").input_value() not in ("", before), 15,
             "the draft's new version swapped into the form")
    page.get_by_label("Zakładane rezultaty").fill("Koncerty w sześciu podwórkach.")
    page.get_by_label("Tytuł zadania").focus()    # saved from the version before: refused
    wait_for(lambda: "ktoś inny zapisał ten szkic" in page.locator("#stan-szkicu").inner_text(),
             15, "the status line telling the draft was saved elsewhere")
    page.get_by_role("button", name="Zapisz szkic").click()
    conflict = page.locator("#konflikt-edycji").inner_text()
    assert "Ktoś inny zmienił ten szkic oferty w międzyczasie." in conflict
    assert "Sześć koncertów dla 600 słuchaczy." in conflict
    assert "Koncerty w sześciu podwórkach." in conflict
    assert page.get_by_label("Zakładane rezultaty").input_value() \
        == "Koncerty w sześciu podwórkach."   # what was typed, kept
    checked(page, "oferta-szkic-konflikt")
    page.get_by_role("button", name="Zapisz szkic").click()   # now it goes through
    assert "Szkic zapisano" in page.locator("#stan-szkicu").inner_text()
    assert page.locator("#konflikt-edycji").count() == 0
    other.goto(f"/moja-organizacja/oferty/nowa/{c['id']}")   # read again (not restored)
    assert other.get_by_label("Zakładane rezultaty").input_value() \
        == "Koncerty w sześciu podwórkach."

    # --- 2. the formal check before submission: a finding at its field, then none ----------
    fill_task(other, c, "6 000,00")   # the items make 5 000,00
    wait_for(lambda: "500,00 zł" in plain(other.locator("#sumy").inner_text()), 10,
             "the volunteers' work summed live (12,5 h × 40 zł)")
    other.get_by_role("button", name="Sprawdź ofertę").click()
    error = other.locator("#blad-total_cost1")
    assert "Suma pozycji kosztorysu (5 000,00 zł)" in plain(error.inner_text())
    assert other.get_by_label("Całkowity koszt zadania (zł)").get_attribute(
        "aria-invalid") == "true"
    assert requests.get(city.url("grants") + "/api/v1/offers", headers=officer_headers(),
                        params={"competition_id": c["id"]}, timeout=10).json()["items"] == []
    other.get_by_label("Całkowity koszt zadania (zł)").fill("5 000,00")
    # --- 5. a joint offer: the partner among the verified organisations of the area --------
    other.get_by_label(PARTNER).check()
    other.get_by_role("button", name="Sprawdź ofertę").click()
    assert "Sprawdzenie formalne: bez uwag" in other.locator("#sprawdzenie").inner_text()
    assert other.get_by_label(PARTNER).is_checked()
    checked(other, "oferta-sprawdzenie")

    # --- 6. the session expires before "Wyślij": signed in again, the form comes back -----
    drop_the_session(other.context)
    other.get_by_role("button", name="Wyślij ofertę").click()
    arrive(other, city, rf"/moja-organizacja/oferty/nowa/{c['id']}\?przywroc=")
    assert "Przywróciliśmy wszystko, co wpisano" in other.locator("main").inner_text()
    assert other.get_by_label("Tytuł zadania").input_value() == title
    assert plain(other.get_by_label("Całkowity koszt zadania (zł)").input_value()) == "5 000,00"
    assert other.get_by_label(PARTNER).is_checked()
    checked(other, "oferta-przywrocona")
    other.get_by_role("button", name="Wyślij ofertę").click()
    arrive(other, city, r"/moja-organizacja/oferty/[0-9a-f]{24}\?zlozono=1")
    number = other.locator("#numer-oferty").inner_text().strip()
    assert PARTNER in other.locator("main").inner_text()
    checked(other, "oferta-potwierdzenie")
    other.goto("/moja-organizacja")   # submitted: the draft is gone
    assert title not in other.locator("#szkice").inner_text()

    # --- 3. the PDF of the offer, in Polish ------------------------------------------------
    other.goto(f"/moja-organizacja/oferty/{number}")
    href = other.get_by_role("link", name=re.compile("Pobierz ofertę w PDF")).get_attribute(
        "href")
    pdf = other.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    for expected in ("Oferta realizacji zadania publicznego", number, title, PARTNER,
                     "Całkowity koszt zadania", "5 000,00", "praca wolontariuszy"):
        assert expected in plain(text), (expected, text[:1500])

    # --- 4. amended until the deadline -----------------------------------------------------
    open_from(other, city, "Zmień ofertę", rf"/moja-organizacja/oferty/{number}/zmien$")
    assert plain(other.get_by_label("Wnioskowana kwota dotacji (zł)").input_value()) == \
        "4 000,00"
    assert other.get_by_label("Praca wolontariuszy: liczba godzin").input_value() == "12,50"
    checked(other, "oferta-zmiana")
    other.get_by_label("Tytuł zadania").fill(title + " (poprawiona)")
    other.get_by_label("Wnioskowana kwota dotacji (zł)").fill("4 500")   # the sums break
    other.get_by_role("button", name="Zapisz zmiany w ofercie").click()
    assert "różni się od kosztu całkowitego" in other.locator(
        "#blad-requested_amount1").inner_text()
    other.get_by_label("Wnioskowana kwota dotacji (zł)").fill("4 000")
    other.get_by_role("button", name="Zapisz zmiany w ofercie").click()
    arrive(other, city, rf"/moja-organizacja/oferty/{number}\?zmieniono=1")
    assert "Zmiany w ofercie zapisano" in other.locator("main").inner_text()

    # ... and a second offer (filed through the API) withdrawn from its page
    second = requests.post(city.url("grants") + f"/api/v1/competitions/{c['id']}/offers",
                           headers={"Authorization": "Bearer " + mint_token(
                               f"test-ngo-{stamp}", ["ngo"], org_id=org_id)}, json={
        "organization_id": org_id, "title": f"Druga oferta {stamp}",
        "requested_amount": "900.00", "own_contribution": {"financial": "100.00",
                                                           "non_financial": "0.00"},
        "total_cost": "1000.00", "task_start": c["task_start"][:10],
        "task_end": c["task_end"][:10], "cost_items": [{"name": "Druk", "amount": "1000.00"}]},
        timeout=10)
    assert second.status_code == 201, second.text
    page.goto(f"/moja-organizacja/oferty/{second.json()['id']}")
    page.get_by_role("button", name="Wycofaj ofertę").click()
    arrive(page, city, r"\?wycofano=1")
    assert "Ofertę wycofano" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Wycofaj ofertę").count() == 0

    # --- the deadline passes (the tests' clock): no buttons; a page left open is refused ---
    page.goto(f"/moja-organizacja/oferty/{number}")
    assert page.get_by_role("button", name="Wycofaj ofertę").is_visible()
    a_second_ago(city, "grants", "competitions", c["id"], "submission_deadline")

    def buttons_gone() -> bool:   # the competition's public record: micro-cached for 2 s
        other.reload()
        return other.get_by_role("button", name="Wycofaj ofertę").count() == 0

    wait_for(buttons_gone, 15, "the offer's buttons gone after the deadline")
    assert other.get_by_role("link", name="Zmień ofertę").count() == 0
    assert "Termin składania ofert minął" in other.locator("main").inner_text()
    page.get_by_role("button", name="Wycofaj ofertę").click()   # the page from before
    refusal = page.locator("#odmowa")
    assert "Po terminie składania ofert nie można jej zmieniać ani wycofać" in \
        refusal.inner_text()
    checked(page, "oferta-odmowa")

    # --- the other side: the office and the partner see the joint offer in grants ----------
    offers = {o["id"]: o for o in requests.get(
        city.url("grants") + "/api/v1/offers", headers=officer_headers(),
        params={"competition_id": c["id"]}, timeout=10).json()["items"]}
    assert offers[number]["title"] == title + " (poprawiona)"
    assert offers[number]["status"] == "submitted" and len(offers[number]["partners"]) == 1
    assert offers[number]["own_contribution"]["volunteer_work"] == {
        "hours": "12.50", "hourly_rate": "40.00", "value": "500.00"}
    assert offers[second.json()["id"]]["status"] == "withdrawn"
    partner_id = offers[number]["partners"][0]
    seen = requests.get(city.url("grants") + "/api/v1/offers", params={
        "competition_id": c["id"]}, headers={"Authorization": "Bearer " + mint_token(
            f"test-partner-{stamp}", ["ngo"], org_id=partner_id)}, timeout=10).json()["items"]
    assert [o["id"] for o in seen] == [number]
