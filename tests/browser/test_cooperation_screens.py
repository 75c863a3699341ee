"""The cooperation screens of the workspaces (issue #18), end to end on the real services in
Chromium, as people use them, each ending with what the other side sees:

1. patronage: an organisation asks for the mayor's patronage of its event (too soon: the
   registry's 422 at the start's field, then fixed); the officer refuses one without a reason
   (told at the field) and grants it; the organisation sees the decision on its page and in its
   inbox, the public in the city's calendar.
2. trainings: the officer announces one with one seat (no seats: the registry's 422 at the
   field); someone takes the seat; the organisation's person registers (a wrong email: at the
   field) and lands on the waiting list; the seat is given up and the waiting person has it,
   on their page, in the officer's list of registrations and by email.
3. volunteering: the organisation publishes a post (a period already over: at the field); the
   public finds it on /wolontariat by its district (without JavaScript); a joint project with
   the city and another organisation (ending before it starts: at the field) is public on
   /partnerstwa.
4. notifications and the calendar: the person subscribes to trainings in the inbox (nothing
   chosen: told at the field) and to volunteering posts by email weekly (cancelled by keyboard
   alone), the officer announces one and it reaches the inbox; an
   approved booking of the organisation is in the person's calendar (the feed's link and the
   next entries, with the public ones) and not in the public calendar.
5. inquiries: a resident asks two questions through /kontakt; the officer routes one to a
   department (which then has it) and answers the other (empty: told at the field); the
   answer reaches the resident's email.

axe finds nothing on any page, at 1280 and 320 px; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import requests
from journeys import (
    LOCAL,
    arrive,
    checked,
    corrected,
    officer_headers,
    open_from,
    refused_at,
    represented_organisation,
    room_of_the_department,
    signed_in,
    signed_in_officer,
)

from conftest import DESKTOP, wait_for
from portal.formatting import WARSAW
from wspolpraca.auth import mint_token


def test_cooperation_screens(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    name = f"Fundacja Współpracy {stamp}"
    org, email = represented_organisation(city, name, "culture")
    ngo = signed_in(city, context_factory, email, "/moja-organizacja")
    officer = signed_in_officer(city, context_factory, stamp)
    patronage(city, ngo, officer, stamp)
    trainings(city, ngo, officer, email, stamp)
    volunteering(city, context_factory, ngo, stamp)
    partnership(city, context_factory, ngo, name, stamp)
    notifications_and_calendar(city, ngo, org, stamp)
    inquiries(city, context_factory, officer, stamp)


def patronage(city, ngo, officer, stamp: str) -> None:
    event = f"Festiwal Sąsiedzki {stamp}"
    ngo.goto("/moja-organizacja")
    open_from(ngo, city, "Patronaty i promocja", r"/moja-organizacja/patronaty$",
              "patronaty-organizacji", within="main")
    too_soon = (datetime.now(WARSAW) + timedelta(days=3)).replace(hour=15, minute=0)
    ngo.get_by_label("Patronat honorowy prezydenta miasta").check()
    ngo.get_by_label("Nazwa wydarzenia").fill(event)
    ngo.get_by_label("Początek").fill(too_soon.strftime(LOCAL))
    ngo.get_by_label("Koniec").fill((too_soon + timedelta(hours=4)).strftime(LOCAL))
    ngo.get_by_label("Miejsce").fill("Park Miejski, scena główna")
    ngo.get_by_label("Do kogo wydarzenie jest skierowane").fill("Mieszkańcy osiedla, rodziny")
    ngo.get_by_label("Uzasadnienie").fill("Festiwal łączy sąsiadów i organizacje dzielnicy.")
    ngo.locator("#pole-areas input[type=checkbox]").first.check()
    ngo.get_by_role("button", name="Złóż wniosek").click()
    _, message = refused_at(ngo, "starts_at")   # the registry's 422, at the field it names
    assert "co najmniej 14 dni" in message
    assert ngo.get_by_label("Nazwa wydarzenia").input_value() == event
    checked(ngo, "patronaty-organizacji-blad")
    day = (datetime.now(WARSAW) + timedelta(days=30)).replace(hour=15, minute=0)
    ngo.get_by_label("Początek").fill(day.strftime(LOCAL))
    ngo.get_by_label("Koniec").fill((day + timedelta(hours=4)).strftime(LOCAL))
    ngo.get_by_role("button", name="Złóż wniosek").click()
    arrive(ngo, city, r"/moja-organizacja/patronaty\?wyslano=1")
    assert "Czeka na decyzję biura" in ngo.locator("#wnioski + ul").inner_text()

    # --- the officer: a refusal needs a reason (told at the field); then grants it ----------
    officer.goto("/urzad")
    open_from(officer, city, "Patronaty i promocja", r"/urzad/patronaty$", "urzad-patronaty",
              within="main")
    request = officer.locator("#czekajace + ul > li").filter(has_text=event)
    assert "Festiwal łączy sąsiadów" in request.inner_text()   # the office reads it whole
    request.get_by_role("button", name=re.compile(r"^Odmów")).click()
    reason = officer.locator("textarea[aria-invalid='true']")
    reason.wait_for()
    checked(officer, "urzad-patronaty-blad")
    officer.locator("#czekajace + ul > li").filter(has_text=event).get_by_role(
        "button", name=re.compile(r"^Przyznaj")).click()
    arrive(officer, city, r"zapisano=przyznaj")
    assert event in officer.locator("#rozpatrzone + ul").inner_text()

    # --- what the organisation and the public see --------------------------------------------
    ngo.goto("/moja-organizacja/patronaty")
    assert "Przyznany" in ngo.locator("#wnioski + ul > li").filter(has_text=event).inner_text()

    def in_inbox() -> bool:
        ngo.goto("/moja-organizacja/skrzynka")
        return event in ngo.locator("main").inner_text()

    wait_for(in_inbox, 30, "the patronage granted in the organisation's inbox", interval=1)

    def in_calendar() -> bool:
        ngo.goto(f"/kalendarz?miesiac={day.strftime('%Y-%m')}")
        return event in ngo.locator("main").inner_text()

    wait_for(in_calendar, 30, "the event in the city's calendar", interval=1)


def trainings(city, ngo, officer, email: str, stamp: str) -> None:
    title = f"Jak rozliczyć dotację {stamp}"
    officer.goto("/urzad")
    open_from(officer, city, "Szkolenia i wydarzenia", r"/urzad/szkolenia$", "urzad-szkolenia",
              within="main")
    starts = (datetime.now(WARSAW) + timedelta(days=5)).replace(hour=10, minute=0)
    officer.get_by_label("Tytuł").fill(title)
    officer.get_by_label("Szkolenie", exact=True).check()
    officer.get_by_label("Temat").fill("rozliczanie dotacji")
    officer.get_by_label("Opis").fill("Sprawozdanie, faktury, zwrot niewykorzystanej części.")
    officer.get_by_label("Miejsce").fill("Centrum Organizacji Pozarządowych, sala 2")
    officer.get_by_label("Początek").fill(starts.strftime(LOCAL))
    officer.get_by_label("Koniec").fill((starts + timedelta(hours=3)).strftime(LOCAL))
    officer.get_by_label("Liczba miejsc").fill("0")
    officer.get_by_label("Prowadzący").fill("Anna Kowalska")
    # the registry's 422, at the field it names, in Polish
    corrected(officer, city, "Ogłoś", "seats", "Wpisz liczbę od 1", "urzad-szkolenia-blad",
              "1", r"/urzad/szkolenia/[0-9a-f]{24}\?zapisano=1")
    training_id = re.search(r"/urzad/szkolenia/([0-9a-f]{24})", officer.url).group(1)
    checked(officer, "urzad-szkolenie")

    # --- someone else takes the only seat (through the API) ---------------------------------
    someone = {"Authorization": "Bearer " + mint_token(f"osoba-{stamp}", ["ngo"])}
    took = requests.post(city.url("registry") + f"/api/v1/trainings/{training_id}/"
                         "registrations", json={"name": "Jan Pierwszy",
                                                "email": f"pierwszy-{stamp}@example.org"},
                         headers=someone, timeout=10)
    assert took.status_code == 201 and took.json()["status"] == "registered", took.text

    # --- the organisation's person: the waiting list -----------------------------------------
    ngo.goto("/moja-organizacja")
    open_from(ngo, city, "Szkolenia i wydarzenia", r"/moja-organizacja/szkolenia$", within="main")
    item = ngo.locator(f"#szkolenie-{training_id}")
    assert "Wolne miejsca: 0 z 1" in item.inner_text()
    checked(ngo, "szkolenia-organizacji")
    item.get_by_label(re.compile("^E-mail uczestnika")).fill("zly-adres")
    item.get_by_role("button", name=re.compile("^Zapisz się na listę rezerwową")).click()
    wrong = ngo.locator(f"#email-{training_id}[aria-invalid='true']")
    wrong.wait_for()   # the registry's 422 at the field
    assert "Wpisz adres e-mail" in ngo.locator(
        "#" + wrong.get_attribute("aria-describedby")).inner_text()
    checked(ngo, "szkolenia-organizacji-blad")
    wrong.fill(email)
    ngo.locator(f"#szkolenie-{training_id}").get_by_role(
        "button", name=re.compile("^Zapisz się")).click()
    arrive(ngo, city, r"zapisano=zapisz")
    assert "Twój zapis: Lista rezerwowa" in ngo.locator(f"#szkolenie-{training_id}").inner_text()

    # --- the seat is given up: the waiting person has it -------------------------------------
    gave_up = requests.post(city.url("registry") + f"/api/v1/trainings/{training_id}/"
                            "unregister", headers=someone, timeout=10)
    assert gave_up.status_code == 200, gave_up.text
    ngo.goto("/moja-organizacja/szkolenia")
    assert "Twój zapis: Masz miejsce" in ngo.locator(f"#szkolenie-{training_id}").inner_text()
    officer.goto(f"/urzad/szkolenia/{training_id}")
    rows = officer.locator("#zapisy + * tbody tr")
    assert "Rezygnacja" in rows.filter(has_text="Jan Pierwszy").inner_text()
    assert "Ma miejsce" in rows.filter(has_text=email).inner_text()

    def seat_mail() -> bool:
        return sum(email in str(m["To"]) and title in m.get_body(
            preferencelist=("plain",)).get_content() for m in city.mail()) >= 2

    wait_for(seat_mail, 30, "the waiting list and then the seat, emailed to the person")


def volunteering(city, context_factory, ngo, stamp: str) -> None:
    title = f"Szukamy opiekunów świetlicy {stamp}"
    ngo.goto("/moja-organizacja")
    open_from(ngo, city, "Wolontariat", r"/moja-organizacja/wolontariat$",
              "wolontariat-organizacji", within="main")
    today = datetime.now(WARSAW).date()
    ngo.get_by_label("Tytuł ogłoszenia").fill(title)
    ngo.get_by_label("Czego szukacie").fill("Popołudniowe zajęcia z dziećmi, dwa razy w tygodniu.")
    ngo.locator("#pole-areas input[type=checkbox]").first.check()
    ngo.get_by_label("Dzielnica").select_option("Bałuty")
    ngo.get_by_label("Liczba wolontariuszy").fill("3")
    ngo.get_by_label("Do dnia").fill((today - timedelta(days=1)).isoformat())
    # the registry's 422, at the field it names
    corrected(ngo, city, "Opublikuj ogłoszenie", "ends_on", "Termin już minął",
              "wolontariat-organizacji-blad", (today + timedelta(days=60)).isoformat(),
              r"/moja-organizacja/wolontariat\?wyslano=1")
    assert title in ngo.locator("#ogloszenia + ul").inner_text()

    # --- the public finds it by its district (without JavaScript) ----------------------------
    public = context_factory(viewport=DESKTOP, java_script_enabled=False).new_page()
    public.goto("/organizacje")
    open_from(public, city, "Organizacje szukają wolontariuszy", r"/wolontariat$")
    public.get_by_label("Dzielnica").select_option("Bałuty")
    public.get_by_role("button", name="Pokaż").click()
    arrive(public, city, r"/wolontariat\?.*dzielnica=Ba")
    card = public.locator("#ogloszenia li.card").filter(has_text=title)
    assert "Popołudniowe zajęcia z dziećmi" in card.inner_text()
    ngo.goto(public.url)   # axe runs scripts: the same page, with JavaScript
    checked(ngo, "wolontariat")


def notifications_and_calendar(city, ngo, org: dict, stamp: str) -> None:
    ngo.goto("/moja-organizacja")
    open_from(ngo, city, "Powiadomienia", r"/moja-organizacja/powiadomienia$", "powiadomienia",
              within="main")
    ngo.get_by_role("button", name="Zapisz subskrypcję").click()
    ngo.locator("#pole-event_types.field-invalid").wait_for()   # nothing chosen
    checked(ngo, "powiadomienia-blad")
    ngo.get_by_label("Szkolenia i wydarzenia dla organizacji").check()
    ngo.get_by_label("W skrzynce na portalu").check()
    ngo.get_by_role("button", name="Zapisz subskrypcję").click()
    arrive(ngo, city, r"zapisano=dodano")
    mine = ngo.locator("#subskrypcje + ul > li").filter(
        has_text="Szkolenia i wydarzenia dla organizacji")
    assert "Działa" in mine.inner_text()
    # a second one by email, as a weekly digest to the account's own address, cancelled by
    # keyboard alone
    ngo.get_by_label("Ogłoszenia o wolontariacie").check()
    ngo.get_by_label("E-mailem").check()
    ngo.get_by_label("Raz w tygodniu, w zestawieniu").check()
    ngo.get_by_role("button", name="Zapisz subskrypcję").click()
    arrive(ngo, city, r"zapisano=dodano")
    weekly = ngo.locator("#subskrypcje + ul > li").filter(has_text="Ogłoszenia o wolontariacie")
    assert "Raz w tygodniu" in weekly.inner_text() and "Działa" in weekly.inner_text()
    weekly.get_by_role("button", name=re.compile("^Anuluj subskrypcję")).focus()
    ngo.keyboard.press("Enter")
    arrive(ngo, city, r"zapisano=anuluj")
    assert "Ogłoszenia o wolontariacie" not in ngo.locator("#subskrypcje + *").inner_text()

    # --- the officer announces a training: it reaches the inbox -----------------------------
    title = f"Dyżur księgowej {stamp}"
    starts = (datetime.now(WARSAW) + timedelta(days=6)).replace(hour=12, minute=0)
    announced = requests.post(city.url("registry") + "/api/v1/trainings", json={
        "title": title, "kind": "consultancy", "topic": "księgowość",
        "place": "Centrum Organizacji Pozarządowych", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(), "seats": 5},
        headers=officer_headers(), timeout=10)
    assert announced.status_code == 201, announced.text

    def in_inbox() -> bool:
        ngo.goto("/moja-organizacja/skrzynka")
        return title in ngo.locator("main").inner_text()

    wait_for(in_inbox, 30, "the training announced, in the subscriber's inbox", interval=1)

    # --- an approved booking of the organisation: in the person's calendar only -------------
    room = room_of_the_department(city, stamp)
    day = (datetime.now(WARSAW) + timedelta(days=4)).replace(hour=16, minute=0)
    asked = requests.post(city.url("registry") + f"/api/v1/resources/{room['id']}/bookings",
                          json={"organization_id": org["id"], "purpose": "Zebranie zarządu",
                                "starts_at": day.isoformat(),
                                "ends_at": (day + timedelta(hours=2)).isoformat(),
                                "attendees": 8},
                          headers={"Authorization": "Bearer " + mint_token(
                              f"zarzad-{stamp}", ["ngo"], org_id=org["id"])}, timeout=10)
    assert asked.status_code == 201, asked.text
    approved = requests.post(city.url("registry") + f"/api/v1/bookings/{asked.json()['id']}/"
                             "approve", headers=officer_headers(), timeout=10)
    assert approved.status_code == 200, approved.text

    def in_my_calendar() -> bool:
        ngo.goto("/moja-organizacja/kalendarz")
        return room["name"] in ngo.locator("#najblizsze + *").inner_text()

    wait_for(in_my_calendar, 30, "the approved booking in the person's calendar", interval=1)
    upcoming = ngo.locator("#najblizsze + ul").inner_text()
    assert title in upcoming   # the public entries too
    feed = ngo.locator("#adres-kalendarza").get_attribute("href")
    assert "/api/v1/calendar/my.ics?token=" in feed
    path = feed[feed.index("/api/v1/calendar/my.ics"):]
    ics = requests.get(city.url("notifications") + path, timeout=10)
    assert ics.status_code == 200 and room["name"] in ics.text
    checked(ngo, "moj-kalendarz")
    ngo.goto(f"/kalendarz?miesiac={day.strftime('%Y-%m')}")
    assert title in ngo.locator("main").inner_text()
    assert room["name"] not in ngo.locator("main").inner_text()


def inquiries(city, context_factory, officer, stamp: str) -> None:
    resident = context_factory(viewport=DESKTOP).new_page()
    asker = f"mieszkanka-{stamp}@example.org"
    routed, answered = f"Opieka wytchnieniowa {stamp}", f"Godziny otwarcia biura {stamp}"
    for subject, text in ((routed, "Gdzie złożyć wniosek o opiekę wytchnieniową?"),
                          (answered, "Czy biuro pełnomocnika jest otwarte w soboty?")):
        resident.goto("/kontakt")
        resident.fill("#pole-name", "Ewa Pytająca")
        resident.fill("#pole-email", asker)
        resident.select_option("#pole-area", "culture")
        resident.fill("#pole-subject", subject)
        resident.fill("#pole-text", text)
        resident.get_by_role("button", name="Wyślij pytanie").click()
        arrive(resident, city, r"/kontakt\?wyslano=1")

    officer.goto("/urzad")
    open_from(officer, city, "Zapytania do urzędu", r"/urzad/zapytania$", "urzad-zapytania",
              within="main")
    item = officer.locator("#czekajace + ul > li").filter(has_text=routed)
    item.get_by_label(re.compile("^Wydział, który odpowie")).select_option(
        label="Wydział Polityki Społecznej")
    item.get_by_role("button", name=re.compile("^Przekaż")).click()
    arrive(officer, city, r"zapisano=przekaz")
    assert "Przekazane do wydziału: Wydział Polityki Społecznej" in officer.locator(
        "#czekajace + ul > li").filter(has_text=routed).inner_text()

    officer.locator("#czekajace + ul > li").filter(has_text=answered).get_by_role(
        "button", name=re.compile("^Wyślij odpowiedź")).click()
    officer.locator("textarea[aria-invalid='true']").wait_for()   # empty: told at the field
    checked(officer, "urzad-zapytania-blad")
    answer = f"Tak, w pierwszą sobotę miesiąca, 9:00–13:00 ({stamp})."
    item = officer.locator("#czekajace + ul > li").filter(has_text=answered)
    item.locator("textarea").fill(answer)
    item.get_by_role("button", name=re.compile("^Wyślij odpowiedź")).click()
    arrive(officer, city, r"zapisano=odpowiedz")
    assert answer in officer.locator("#zalatwione + ul").inner_text()

    # --- what the department and the resident see ---------------------------------------------
    department = {"Authorization": "Bearer " + mint_token(
        f"wydzial-{stamp}", ["department"], department="social_policy")}
    theirs = requests.get(city.url("registry") + "/api/v1/inquiries", headers=department,
                          params={"limit": 100}, timeout=10).json()["items"]
    assert [i["status"] for i in theirs if i["subject"] == routed] == ["routed"]

    def answer_mail() -> bool:
        return any(asker in str(m["To"])
                   and answer in m.get_body(preferencelist=("plain",)).get_content()
                   for m in city.mail())

    wait_for(answer_mail, 30, f"the answer emailed to {asker}")


def partnership(city, context_factory, ngo, name: str, stamp: str) -> None:
    title = f"Wspólna akcja sąsiedzka {stamp}"
    ngo.goto("/moja-organizacja")
    open_from(ngo, city, "Partnerstwa", r"/moja-organizacja/partnerstwa$",
              "partnerstwa-organizacji", within="main")
    today = datetime.now(WARSAW).date()
    ngo.get_by_label("Wspólny projekt").check()
    ngo.get_by_label("Nazwa").fill(title)
    ngo.get_by_label("Cel").fill("Sprzątanie podwórek i festyn dla mieszkańców.")
    assert ngo.get_by_label("Miasto jest stroną").is_checked()
    partner = ngo.locator("#pole-partner option").nth(1)
    partner_name = partner.inner_text()
    ngo.get_by_label("Organizacja partnerska").select_option(partner.get_attribute("value"))
    ngo.locator("#pole-areas input[type=checkbox]").first.check()
    ngo.get_by_label("Od dnia").fill((today + timedelta(days=10)).isoformat())
    ngo.get_by_label("Do dnia").fill(today.isoformat())
    # the registry's 422, at the field it names
    corrected(ngo, city, "Zapisz partnerstwo", "ends_on", "Koniec nie może być przed początkiem",
              "partnerstwa-organizacji-blad", (today + timedelta(days=40)).isoformat(),
              r"/moja-organizacja/partnerstwa\?wyslano=1")
    assert title in ngo.locator("#partnerstwa + ul").inner_text()

    public = context_factory(viewport=DESKTOP).new_page()
    public.goto("/organizacje")
    open_from(public, city, "Partnerstwa i wspólne projekty", r"/partnerstwa$")
    entry = public.locator("#partnerstwa li").filter(has_text=title)
    parties = entry.locator(".strony").inner_text()
    assert name in parties and partner_name in parties and "Miasto" in parties
    checked(public, "partnerstwa")
