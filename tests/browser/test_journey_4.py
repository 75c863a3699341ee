"""Journey 4 of the workspaces (issue #18), end to end on the real services in Chromium: a
consultation. The officer plans one at /urzad/konsultacje/nowe (too short: explained at the
field, then fixed) and changes it before it opens (consultations' PATCH); it opens (the tests'
clock: `opens_at` moved a second into the past in the city's database); two organisations'
representatives comment on sections from the public page, each in its organisation's name; a
resident's spam is set aside in one action; the officer closes it, cannot publish the report
while comments wait (explained), answers each (an answer without its reason explained at the
field) and publishes the report, which the public page shows with the answers. axe finds
nothing on any page; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import requests
from journeys import (
    LOCAL,
    a_second_ago,
    arrive,
    checked,
    corrected,
    open_from,
    represented_organisation,
    resident_comments,
    signed_in,
    signed_in_officer,
)

from portal.formatting import WARSAW


def comment_as_organisation(city, context_factory, email: str, consultation_id: str,
                            section: str, text: str, shot: str | None = None):
    person = signed_in(city, context_factory, email, "/moja-organizacja")
    person.goto(f"/konsultacje/{consultation_id}")
    assert person.get_by_label(re.compile("Zgłaszam uwagę w imieniu organizacji")).is_checked()
    if shot:
        checked(person, shot)
    person.get_by_label("Fragment projektu").select_option(section)
    person.get_by_label("Imię i nazwisko").fill("Przedstawiciel organizacji")
    person.get_by_label("Treść uwagi").fill(text)
    person.get_by_role("button", name="Wyślij uwagę").click()
    arrive(person, city, r"wyslano=1")
    assert text in person.locator("#uwagi").inner_text()
    return person


def test_journey_4_consultation_comments_answers_and_report(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    first, first_email = represented_organisation(city, f"Fundacja Pierwsza {stamp}", "culture")
    second, second_email = represented_organisation(city, f"Klub Drugi {stamp}", "sport")
    title = f"Projekt uchwały o zieleni osiedlowej {stamp}"

    # --- the officer plans the consultation (too short: explained), then changes it ----------
    officer = signed_in_officer(city, context_factory, stamp)
    open_from(officer, city, "Konsultacje", r"/urzad/konsultacje$", "urzad-konsultacje",
              within="main")
    open_from(officer, city, "Nowe konsultacje", r"/urzad/konsultacje/nowe$",
              "urzad-konsultacje-nowe")
    opens = (datetime.now(WARSAW) + timedelta(days=1)).replace(hour=10, minute=0)
    officer.get_by_label("Tytuł").fill(title)
    officer.get_by_label("Przedmiot konsultacji").fill("Zasady urządzania zieleni na osiedlach.")
    officer.get_by_label("Treść projektu").fill("§ 1. Miasto sadzi drzewa.\n§ 2. Mieszkańcy "
                                                "wybierają gatunki.")
    officer.get_by_label("Fragmenty poddane konsultacjom").fill("§ 1. Nasadzenia\n§ 2. Wybór")
    officer.get_by_label("Otwarcie konsultacji").fill(opens.strftime(LOCAL))
    officer.get_by_label("Zamknięcie konsultacji").fill(
        (opens + timedelta(days=3)).strftime(LOCAL))
    officer.get_by_label("Uwagi mogą zgłaszać także mieszkańcy").check()
    # the service's 422, at the field it names
    corrected(officer, city, "Zaplanuj konsultacje", "closes_at", "co najmniej 7 dni",
              "urzad-konsultacje-nowe-blad", (opens + timedelta(days=21)).strftime(LOCAL),
              r"/urzad/konsultacje/[0-9a-f]{24}\?zapisano=utworzono")
    consultation_id = re.search(r"/urzad/konsultacje/([0-9a-f]{24})", officer.url).group(1)
    assert officer.locator("#stan-konsultacji").inner_text() == "Planowane (przed otwarciem)"
    checked(officer, "urzad-konsultacja-planowana")
    officer.get_by_label("Fragmenty poddane konsultacjom").fill(
        "§ 1. Nasadzenia\n§ 2. Wybór gatunków")
    officer.get_by_role("button", name="Zapisz zmiany").click()
    arrive(officer, city, r"zapisano=zmiany")
    assert "§ 2. Wybór gatunków" in officer.locator("dl.facts").inner_text()

    # --- it opens (the tests' clock) ----------------------------------------------------------
    a_second_ago(city, "consultations", "consultations", consultation_id, "opens_at")
    officer.reload()
    assert officer.locator("#stan-konsultacji").inner_text() == "Trwają"
    assert officer.get_by_role("button", name="Zapisz zmiany").count() == 0

    # --- two organisations comment on sections, a resident sends spam ----------------------
    texts = {first["id"]: "Prosimy o nasadzenia także przy szkołach.",
             second["id"]: "Wybór gatunków powinien uwzględnić alergików."}
    first_person = comment_as_organisation(
        city, context_factory, first_email, consultation_id, "§ 1. Nasadzenia",
        texts[first["id"]], shot="konsultacja-uwaga-organizacji")
    comment_as_organisation(city, context_factory, second_email, consultation_id,
                            "§ 2. Wybór gatunków", texts[second["id"]])
    resident_comments(city, context_factory, f"/konsultacje/{consultation_id}",
                      ("Imię i nazwisko", "Sprzedawca Kredytów"),
                      "Tanie kredyty bez BIK, dzwoń teraz!")
    found = requests.get(city.url("consultations") + f"/api/v1/consultations/"
                         f"{consultation_id}/comments", timeout=10).json()["items"]
    by_org = {c["organization_id"]: c for c in found if c["organization_id"]}
    assert {o: c["text"] for o, c in by_org.items()} == texts   # each in its organisation's name

    # --- the officer sets the spam aside, closes, and answers every comment ---------------
    officer.reload()
    checked(officer, "urzad-konsultacja-uwagi")
    officer.get_by_role("button", name=re.compile(r"Oznacz jako spam\W+Sprzedawca")).click()
    arrive(officer, city, r"zapisano=spam")
    officer.get_by_role("button", name="Zamknij konsultacje teraz").click()
    arrive(officer, city, r"zapisano=zamknieto")
    assert officer.locator("#stan-konsultacji").inner_text() == "Zakończone"
    officer.get_by_role("button", name="Opublikuj raport").click()   # answers missing
    officer.locator(".error-summary").wait_for()
    assert "2 uwag(i) bez odpowiedzi" in officer.locator(".error-summary").inner_text()
    assert officer.locator(".tag", has_text="bez odpowiedzi").count() == 2
    checked(officer, "urzad-konsultacja-bez-odpowiedzi")
    first_comment, second_comment = by_org[first["id"]]["id"], by_org[second["id"]]["id"]
    item = officer.locator(f"#uwaga-{first_comment}")
    item.get_by_label("uwaga uwzględniona", exact=True).check()
    item.get_by_role("button", name=re.compile("Zapisz odpowiedź")).click()   # no reason
    reason = officer.locator(f"#pole-reason_{first_comment}[aria-invalid='true']")
    reason.wait_for()
    checked(officer, "urzad-konsultacja-odpowiedz-blad")
    reason.fill("Dodano nasadzenia przy szkołach w § 1.")
    officer.locator(f"#uwaga-{first_comment}").get_by_role(
        "button", name=re.compile("Zapisz odpowiedź")).click()
    arrive(officer, city, r"zapisano=odpowiedz")
    item = officer.locator(f"#uwaga-{second_comment}")
    item.get_by_label("uwaga uwzględniona częściowo").check()
    item.get_by_label(re.compile("Uzasadnienie")).fill("Lista gatunków wskaże te mniej "
                                                       "uczulające.")
    item.get_by_role("button", name=re.compile("Zapisz odpowiedź")).click()
    arrive(officer, city, r"zapisano=odpowiedz")
    officer.get_by_role("button", name="Opublikuj raport").click()
    arrive(officer, city, r"zapisano=raport")
    assert officer.locator("#stan-konsultacji").inner_text() == \
        "Zakończone, raport opublikowany"
    checked(officer, "urzad-konsultacja-raport")

    # --- what the public and the organisations see: the answers and the report ----------------
    first_person.goto(f"/konsultacje/{consultation_id}")
    comments = first_person.locator("#uwagi").inner_text()
    assert "Odpowiedź miasta (uwaga uwzględniona):" in comments
    assert "Dodano nasadzenia przy szkołach w § 1." in comments
    assert "Odpowiedź miasta (uwzględniona częściowo):" in comments
    assert "Tanie kredyty" not in comments and "Uwaga ukryta przez moderatora" in comments
    assert first_person.get_by_role("link", name="Raport z konsultacji (PDF)").count() == 1
    checked(first_person, "konsultacja-z-raportem")
    report = requests.get(city.portal + f"/konsultacje/{consultation_id}/raport", timeout=60)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    published = requests.get(city.url("consultations") + f"/api/v1/consultations/"
                             f"{consultation_id}/report", timeout=10).json()
    assert "Dodano nasadzenia przy szkołach w § 1." in str(published)
