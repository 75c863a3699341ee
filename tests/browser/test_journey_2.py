"""Journey 2 of the workspaces (issue #18), end to end on the real services in Chromium: the
officer drafts a cooperation programme with funds per area, edits the draft and adopts it, and
announces a competition (a deadline under the 21 days of art. 13 ust. 1 is explained at the
field, the hint having said the earliest day); a representative of a demo organisation submits
an offer with cost items (a wrong total explained at the field, then fixed); the deadline
passes (the tests' clock); the officer appoints a committee; the member declares and scores;
the officer confirms the results and signs the contract with two tranches (a wrong sum
explained first); the representative sees the contract with its tranches and dates and files
the task report; the officer asks for a correction, the representative corrects it, the
officer accepts and settles it. The other side: the organisation's inbox tells of the grant,
the public page shows the result. axe finds nothing on any page; each is saved under
build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import requests
from journeys import (
    DEMO_PASSWORD,
    PASSWORD,
    arrive,
    checked,
    deadline_passed,
    fill_offer,
    officer_account,
    open_from,
    refused_at,
    sign_in_at_identity,
    sign_in_officer,
)

from conftest import wait_for

REPRESENTATIVE = "ngo1@example.org"   # scripts/demo.py: represents its first organisation
ORGANISATION = "Fundacja Teatr Na Podwórku"   # ... whose area is culture


def test_journey_2_programme_competition_offer_contract_report(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    year = today.year + 2   # the demo adopted next year's programme
    title = f"Teatr w każdej dzielnicy {stamp}"

    # --- the officer drafts the programme, edits the draft and adopts it ----------------------
    officer = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_officer(officer, city, officer_account(city, stamp))
    open_from(officer, city, "Program współpracy", r"/urzad/program$", "urzad-program")
    officer.get_by_label("Rok programu").fill(str(year))
    officer.get_by_label("Tytuł programu").fill(f"Program współpracy na {year} rok")
    officer.get_by_label("Cele programu").fill("Kultura blisko mieszkańców\nAktywni seniorzy")
    officer.get_by_label("kultura, sztuka").fill("150 000,00")
    officer.get_by_label("kultury fizycznej").fill("dużo")   # not money: said at the field
    officer.get_by_role("button", name="Zapisz projekt programu").click()
    officer.locator("#pole-fund_sport[aria-invalid='true']").wait_for()
    checked(officer, "urzad-program-blad")
    officer.get_by_label("kultury fizycznej").fill("80 000")
    officer.get_by_role("button", name="Zapisz projekt programu").click()
    arrive(officer, city, r"/urzad/program/[0-9a-f]{24}\?zapisano=projekt$")
    assert officer.locator("#stan-programu").inner_text() == "Projekt"
    checked(officer, "urzad-program-projekt")
    officer.get_by_label("kultura, sztuka").fill("250 000,00")
    officer.get_by_role("button", name="Zapisz zmiany").click()
    arrive(officer, city, r"zapisano=zmiany")
    assert "330\u00a0000,00\u00a0zł" in officer.locator("#srodki-razem").inner_text()
    officer.get_by_role("button", name="Uchwal program").click()
    arrive(officer, city, r"zapisano=uchwalony")
    assert officer.locator("#stan-programu").inner_text() == "Uchwalony"
    checked(officer, "urzad-program-uchwalony")

    # --- and announces a competition: the 21 days explained before they bite -------------------
    open_from(officer, city, "Ogłoś konkurs ofert", r"/urzad/konkursy/nowy$")
    terms = requests.get(city.url("grants") + "/api/v1/competitions/announcement-terms",
                         timeout=10).json()
    earliest = terms["earliest_submission_deadline"]
    hint = officer.locator("#podpowiedz-submission_deadline").inner_text()
    assert "co najmniej 21 dni" in hint and earliest[:4] in hint
    checked(officer, "urzad-konkurs-nowy")
    officer.get_by_label("Tytuł konkursu").fill(title)
    officer.get_by_label("Obszar zadania publicznego").select_option("culture")
    officer.get_by_label("Wysokość środków na zadanie (zł)").fill("100 000,00")
    officer.get_by_label("Opis zadania").fill("Spektakle i warsztaty teatralne w dzielnicach.")
    officer.get_by_label("Termin składania ofert: dzień").fill(
        (today + timedelta(days=20)).isoformat())
    officer.get_by_label("Początek realizacji zadania").fill(f"{year}-03-01")
    officer.get_by_label("Koniec realizacji zadania").fill(f"{year}-11-30")
    officer.get_by_role("button", name="Ogłoś konkurs").click()
    # grants' 422, at the field it names; nothing announced
    deadline, message = refused_at(officer, "submission_deadline")
    assert "art. 13 ust. 1" in message and earliest in message
    checked(officer, "urzad-konkurs-nowy-blad")
    deadline.fill(earliest)
    officer.get_by_role("button", name="Ogłoś konkurs").click()
    arrive(officer, city, r"/urzad/konkursy/[0-9a-f]{24}\?zapisano=ogloszono$")
    competition_id = officer.url.split("/")[-1].split("?")[0]
    assert officer.locator("#stan-konkursu").inner_text() == "Nabór trwa"
    listed = requests.get(city.url("grants") + "/api/v1/competitions",
                          params={"status": "announced", "limit": 100}, timeout=10).json()
    assert [c["title"] for c in listed["items"]].count(title) == 1   # the refusal left nothing

    # --- the representative submits an offer (a wrong total explained, then fixed) --------------
    person = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    person.goto("/moja-organizacja")
    arrive(person, city, r"/oauth2/authorize")
    sign_in_at_identity(person, REPRESENTATIVE, DEMO_PASSWORD)
    arrive(person, city, re.escape(city.portal) + r"/moja-organizacja$")
    assert person.locator("h1").inner_text() == ORGANISATION
    # the link names its competition for a screen reader (Chromium spaces the hidden part)
    open_from(person, city, re.compile(rf"Złóż ofertę\W+{title}"),
              rf"/moja-organizacja/oferty/nowa/{competition_id}$")
    fill_offer(person, title=f"Teatr na podwórkach {stamp}",
               description="Dwanaście spektakli na podwórkach kamienic.",
               start=f"{year}-03-01", end=f"{year}-11-30",
               costs=(("Honoraria aktorów", "7 000,00"), ("Scenografia", "3000")),
               requested="9 000,00", own="1 000,00", non_financial="0",
               total="11 000,00")   # a wrong sum
    person.get_by_role("button", name="Wyślij ofertę").click()
    total, message = refused_at(person, "total_cost")
    assert "różni się od kosztu całkowitego" in message
    total.fill("10 000,00")
    person.get_by_role("button", name="Wyślij ofertę").click()
    arrive(person, city, r"/moja-organizacja/oferty/[0-9a-f]{24}\?zlozono=1")
    offer_id = person.locator("#numer-oferty").inner_text()

    # --- the deadline passes; the officer appoints the committee and assigns the offer --------
    deadline_passed(city, competition_id)
    member_email = f"komisja-j2-{stamp}@example.org"
    officer.goto(f"/urzad/konkursy/{competition_id}")
    officer.get_by_label("Członek komisji 1: imię i nazwisko").fill("Anna Oceniająca")
    officer.get_by_label("Członek komisji 1: adres e-mail").fill(member_email)
    officer.get_by_role("button", name="Powołaj komisję").click()
    arrive(officer, city, r"zapisano=komisja")
    officer.get_by_role("button", name="Przydziel wszystkie oferty każdemu członkowi komisji") \
        .click()
    arrive(officer, city, r"zapisano=przydzial")

    # --- the member declares and scores ---------------------------------------------------------
    member = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    member.goto(city.link_in_mail(member_email, r"/oauth2/reset\?token="))
    member.get_by_label("Nowe hasło").fill(PASSWORD)
    member.get_by_role("button", name="Ustaw hasło").click()
    assert "Hasło zmienione" in member.content()
    member.goto(f"/komisja/konkursy/{competition_id}")
    sign_in_at_identity(member, member_email, PASSWORD)
    arrive(member, city, rf"/komisja/konkursy/{competition_id}$")
    member.get_by_label("Oświadczam, że nie zachodzi konflikt interesów").check()
    member.get_by_role("button", name="Złóż oświadczenie").click()
    member.locator("#oswiadczenie").wait_for()
    member.goto(f"/komisja/oferty/{offer_id}")
    member.locator("#pole-scores_0_points").fill("9")
    member.locator("#pole-scores_1_points").fill("4")
    member.get_by_role("button", name="Zapisz ocenę").click()
    arrive(member, city, rf"/komisja/konkursy/{competition_id}\?oceniono=")

    # --- the officer confirms the results -------------------------------------------------------
    officer.reload()
    officer.get_by_label(re.compile(r"^Kwota dotacji: Teatr na podwórkach")).fill("9 000,00")
    officer.get_by_role("button", name="Zatwierdź wyniki").click()
    arrive(officer, city, r"zapisano=wyniki")
    assert officer.locator("#stan-konkursu").inner_text() == "Rozstrzygnięty"

    # --- and signs the contract from the result: two tranches (a wrong sum explained first) -----
    open_from(officer, city, "Umowy z przyznanych dotacji", r"/urzad/umowy#do-zawarcia$",
              "urzad-umowy")
    officer.get_by_role("link", name=re.compile(
        rf"Przygotuj umowę\W+Teatr na podwórkach {stamp}")).click()
    arrive(officer, city, rf"/urzad/umowy/nowa/{offer_id}$")
    checked(officer, "urzad-umowa-nowa")
    officer.get_by_label("Transza 1: kwota (zł)").fill("6 000,00")
    officer.get_by_label("Transza 2: kwota (zł)").fill("2 000,00")
    officer.get_by_label("Transza 2: termin wypłaty").fill(f"{year}-06-01")
    officer.get_by_role("button", name="Zawrzyj umowę").click()
    officer.locator("#pole-tranches .field-error").wait_for()   # grants' 422 on the tranches
    assert "muszą wynosić dokładnie kwotę dotacji" in officer.locator(
        "#pole-tranches .field-error").inner_text()
    checked(officer, "urzad-umowa-nowa-blad")
    officer.get_by_label("Transza 2: kwota (zł)").fill("3 000,00")
    officer.get_by_role("button", name="Zawrzyj umowę").click()
    arrive(officer, city, r"/urzad/umowy/[0-9a-f]{24}\?zapisano=podpisana$")
    contract_id = officer.url.split("/")[-1].split("?")[0]
    officer.get_by_role("button", name=re.compile("Zapisz rozpoczęcie realizacji")).click()
    arrive(officer, city, r"zapisano=rozpocznij")
    assert officer.locator("#stan-umowy").inner_text() == "W realizacji"
    checked(officer, "urzad-umowa")

    # --- the representative sees the contract with its tranches and files the report ----------
    person.goto("/moja-organizacja")
    open_from(person, city, "Umowy i sprawozdania", r"/moja-organizacja/umowy$", "moje-umowy")
    person.locator(f"a[href='/moja-organizacja/umowy/{contract_id}']").click()
    arrive(person, city, rf"/moja-organizacja/umowy/{contract_id}$")
    tranches = person.locator("#transze + .table-wrap").inner_text()
    assert "6\u00a0000,00\u00a0zł" in tranches and f"1 czerwca {year}" in tranches
    checked(person, "moja-umowa")
    person.get_by_label("Osiągnięte rezultaty").fill("Dwanaście spektakli, 900 widzów.")
    person.get_by_label("Wydatek 1: nazwa").fill("Honoraria aktorów")
    person.get_by_label("Wydatek 1: kwota (zł)").fill("8 500,00")
    person.get_by_label("Wydatek 2: nazwa").fill("Scenografia")
    person.get_by_label("Wydatek 2: źródło finansowania").select_option("own_financial")
    person.get_by_label("Wydatek 2: kwota (zł)").fill("1 000,00")
    person.get_by_label("Liczba godzin pracy wolontariuszy").fill("20")
    person.get_by_role("button", name="Złóż sprawozdanie").click()
    arrive(person, city, r"zapisano=sprawozdanie")
    assert person.locator("#stan-sprawozdania").inner_text() == "Złożone, czeka na ocenę urzędu"

    # --- the officer asks for a correction; the representative corrects it ---------------------
    officer.reload()
    officer.get_by_role("button", name="Zwróć sprawozdanie do poprawy").click()   # no reason
    reason = officer.locator("#pole-reason[aria-invalid='true']")
    reason.wait_for()
    checked(officer, "urzad-umowa-sprawozdanie-blad")
    reason.fill("Opisz zrealizowane działania.")
    officer.get_by_role("button", name="Zwróć sprawozdanie do poprawy").click()
    arrive(officer, city, r"zapisano=do-poprawy")
    person.reload()
    assert "Opisz zrealizowane działania." in person.locator("main .notice-warning").inner_text()
    assert person.get_by_label("Wydatek 1: kwota (zł)").input_value() == "8\u00a0500,00"
    checked(person, "moja-umowa-do-poprawy")
    person.get_by_label("Zrealizowane działania").fill("Spektakle w sześciu dzielnicach.")
    person.get_by_role("button", name="Złóż sprawozdanie").click()
    arrive(person, city, r"zapisano=sprawozdanie")

    # --- the officer accepts the report and settles the contract -------------------------------
    officer.reload()
    officer.get_by_role("button", name="Przyjmij sprawozdanie").click()
    arrive(officer, city, r"zapisano=przyjmij")
    returned = officer.get_by_label("Kwota zwrócona przez organizację (zł)")
    assert returned.input_value() == "500,00"   # the unused grant, as grants counted it
    officer.get_by_role("button", name="Rozlicz umowę").click()
    arrive(officer, city, r"zapisano=rozlicz")
    assert officer.locator("#stan-umowy").inner_text() == "Rozliczona"
    checked(officer, "urzad-umowa-rozliczona")

    # --- what the other side sees: the inbox, the contract, the public page --------------------
    def told_in_inbox() -> bool:
        person.goto("/moja-organizacja/skrzynka")
        return "Dotacja przyznana" in person.locator("main").inner_text()

    wait_for(told_in_inbox, 30, "the grant in the organisation's inbox")
    person.goto(f"/moja-organizacja/umowy/{contract_id}")
    assert person.locator("#stan-umowy").inner_text() == "Rozliczona"
    assert person.locator("#stan-sprawozdania").inner_text() == "Przyjęte"
    person.goto(f"/konkursy/{competition_id}")
    public = person.locator("main").inner_text()
    assert ORGANISATION in public and "9\u00a0000,00\u00a0zł" in public

    # --- the officer's statistics of the programme year: the award, once reporting projected it --
    def culture_awarded() -> Decimal:
        officer.goto(f"/urzad/statystyki?rok={year}")
        row = officer.locator("#tabela-obszary tbody tr", has_text="kultura, sztuka")
        if not row.count():
            return Decimal(0)
        cell = row.locator("td").nth(4).inner_text()   # "Przyznano w konkursach"
        return Decimal(re.sub(r"[^0-9,]", "", cell).replace(",", "."))

    wait_for(lambda: culture_awarded() >= Decimal("9000.00"), 30,
             "the award in the officer's statistics")
    assert officer.locator("#wykres-obszary svg[role='img']").count() == 1
    assert officer.locator("#tabela-wydzialy tbody tr").count() >= 1
    assert officer.locator(f"#formaty a[href='/sprawozdania/{year}.pdf']").count() == 1
    checked(officer, "urzad-statystyki")
    officer.get_by_label("Rok", exact=True).select_option(str(today.year))
    officer.get_by_role("button", name="Pokaż statystyki").click()
    arrive(officer, city, rf"/urzad/statystyki\?rok={today.year}$")
    assert officer.locator("h1").inner_text() == f"Statystyki współpracy w {today.year} roku"
