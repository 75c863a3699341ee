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
import uuid
from datetime import datetime

import requests
from journeys import (
    a_second_ago,
    arrive,
    checked,
    fill_offer,
    open_from,
    refused_at,
    represented_organisation,
    resident_comments,
    signed_in,
    signed_in_officer,
)

from conftest import DESKTOP, wait_for
from portal.formatting import WARSAW


def test_journey_3_small_grant_through_public_comment_to_award(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    name = f"Stowarzyszenie Sąsiedzkie {stamp}"
    org, email = represented_organisation(city, name, "culture")
    year = datetime.now(WARSAW).year + 1   # the demo's adopted programme
    title = f"Koncert na podwórku {stamp}"

    # --- the representative applies (over the limit: explained at the field, then fixed) ----
    ngo = signed_in(city, context_factory, email, "/moja-organizacja")
    assert ngo.locator("h1").inner_text() == name
    open_from(ngo, city, "Małe granty", r"/moja-organizacja/male-granty$",
              "male-granty-organizacji", within="main")
    open_from(ngo, city, "Złóż nową ofertę", r"/moja-organizacja/male-granty/nowy$",
              "maly-grant-formularz")
    ngo.get_by_label("Obszar zadania").select_option("culture")
    fill_offer(ngo, title=title,
               description="Letni koncert dla mieszkańców kamienic przy placu.",
               start=f"{year}-05-04", end=f"{year}-06-30",
               costs=(("Wynajem sceny", "8 000,00"), ("Nagłośnienie", "4 000,00")),
               live_sum="12\u00a0000,00", requested="11 500,00", own="500",
               non_financial="0", total="12 000,00")
    ngo.get_by_role("button", name="Złóż ofertę").click()
    # grants' 422 (art. 19a ust. 1 pkt 1), at the field it names
    _, message = refused_at(ngo, "requested_amount")
    assert "najwyżej 10\u00a0000,00\u00a0zł" in message
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
    open_from(officer, city, "Małe granty", r"/urzad/male-granty$", "urzad-male-granty",
              within="main")
    open_from(officer, city, title, rf"/urzad/male-granty/{number}$")
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
    resident = resident_comments(city, context_factory, f"/male-granty/{number}",
                                 ("Imię i nazwisko lub nazwa", "Anna Mieszkanka"),
                                 "Prosimy o część koncertu dla dzieci.")
    assert "Prosimy o część koncertu dla dzieci." in resident.locator("#uwagi").inner_text()

    # --- the 7 days pass (the tests' clock) and the officer awards it ------------------------
    a_second_ago(city, "grants", "small_grants", number, "comments_until")
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
