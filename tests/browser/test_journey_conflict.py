"""A conflict is explained, not lost (issue #18): the officer has the same draft programme's
edit form open in two browsers; the first saves, the second saves from the version it was
rendered from and is told someone else changed the programme meanwhile, with the stored
values beside what it typed (kept in the form); it saves again and its change goes in. The
portal sends the version as If-Match, grants answers 412 `stale`. The same for an
organisation's data: the office changes it while its representative has the form open in
another browser (the registry's 412). axe finds nothing on the pages; each is saved under
build/screenshots/."""

from __future__ import annotations

import re
import uuid

import requests
from journeys import represented_organisation, signed_in
from test_journey_3 import signed_in_officer
from test_workspaces import arrive, checked, officer_headers

from conftest import DESKTOP


def test_two_officers_editing_one_draft_programme(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    year = 2060 + int(stamp, 16) % 40     # a year no other test drafts
    first = signed_in_officer(city, context_factory, stamp)

    # --- a draft programme --------------------------------------------------------------
    first.goto("/urzad/program")
    first.get_by_label("Rok programu").fill(str(year))
    first.get_by_label("Tytuł programu").fill(f"Program współpracy na {year} rok")
    first.get_by_label("Cele programu").fill("Kultura blisko mieszkańców")
    first.get_by_label("kultura, sztuka").fill("100 000,00")
    first.get_by_role("button", name="Zapisz projekt programu").click()
    arrive(first, city, r"/urzad/program/[0-9a-f]{24}\?zapisano=projekt$")
    programme_id = re.search(r"/urzad/program/([0-9a-f]{24})", first.url).group(1)
    address = f"/urzad/program/{programme_id}"

    # --- the same officer in a second browser opens the same edit form ------------------
    second = context_factory(viewport=DESKTOP,
                             storage_state=first.context.storage_state()).new_page()
    second.goto(address)
    assert second.get_by_label("Tytuł programu").input_value() == \
        f"Program współpracy na {year} rok"

    # --- the first saves ----------------------------------------------------------------
    first.get_by_label("Tytuł programu").fill(f"Program współpracy {year} (zmiana pierwsza)")
    first.get_by_role("button", name="Zapisz zmiany").click()
    arrive(first, city, r"zapisano=zmiany")

    # --- the second saves from the version it was rendered from: explained, nothing lost -
    mine = f"Program współpracy {year} (zmiana druga)"
    second.get_by_label("Tytuł programu").fill(mine)
    second.get_by_label("Cele programu").fill("Kultura blisko mieszkańców\nAktywni seniorzy")
    second.get_by_role("button", name="Zapisz zmiany").click()
    notice = second.locator("#konflikt-edycji")
    notice.wait_for()
    text = notice.inner_text()
    assert "Ktoś inny zmienił ten projekt programu w międzyczasie." in text
    assert "Twoje zmiany nie przepadły" in text
    rows = notice.locator("tbody tr")
    title_row = rows.filter(has_text="Tytuł programu")
    assert f"Program współpracy {year} (zmiana pierwsza)" in title_row.inner_text()  # stored
    assert mine in title_row.inner_text()                                           # typed
    assert "Aktywni seniorzy" in rows.filter(has_text="Cele programu").inner_text()
    assert second.get_by_label("Tytuł programu").input_value() == mine     # kept in the form
    assert "Aktywni seniorzy" in second.get_by_label("Cele programu").input_value()
    stored = requests.get(city.url("grants") + f"/api/v1/programmes/{programme_id}",
                          timeout=10, headers=officer_headers())
    assert stored.json()["title"] == f"Program współpracy {year} (zmiana pierwsza)"
    assert stored.headers["ETag"] == '"1"'    # the second's save changed nothing
    checked(second, "urzad-program-konflikt")

    # --- the second saves again, now from the current version: its change goes in -------
    second.get_by_role("button", name="Zapisz zmiany").click()
    arrive(second, city, r"zapisano=zmiany")
    assert second.locator("h1").inner_text() == mine
    assert second.locator("#konflikt-edycji").count() == 0
    checked(second, "urzad-program-po-konflikcie")
    first.reload()
    assert first.locator("h1").inner_text() == mine
    assert requests.get(city.url("grants") + f"/api/v1/programmes/{programme_id}",
                        timeout=10, headers=officer_headers()).headers["ETag"] == '"2"'


def test_the_office_changes_an_organisations_data_while_its_representative_edits_them(
        city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    org, email = represented_organisation(city, f"Fundacja Dwóch Wersji {stamp}", "culture")
    address = city.url("registry") + f"/api/v1/organizations/{org['id']}"
    ngo = signed_in(city, context_factory, email, "/moja-organizacja/dane")
    officer = signed_in_officer(city, context_factory, stamp)

    # --- the office saves a new telephone while the representative's form is open ------------
    officer.goto(f"/urzad/organizacje/{org['id']}/zmien")
    officer.get_by_label("Telefon").fill("42 111 22 33")
    officer.get_by_role("button", name="Zapisz zmiany").click()
    arrive(officer, city, r"zapisano=zmieniono")
    version = requests.get(address, headers=officer_headers(), timeout=10).headers["ETag"]

    # --- the representative saves from the version the form was rendered from -------------
    ngo.get_by_label("Telefon").fill("42 999 88 77")
    ngo.get_by_label("Dzielnica").fill("Widzew")
    ngo.get_by_role("button", name="Zapisz zmiany").click()
    notice = ngo.locator("#konflikt-edycji")
    notice.wait_for()
    assert "Ktoś inny zmienił dane tej organizacji w międzyczasie." in notice.inner_text()
    phone = notice.locator("tbody tr").filter(has_text="Telefon").inner_text()
    assert "42 111 22 33" in phone and "42 999 88 77" in phone       # stored, typed
    assert "Widzew" in notice.locator("tbody tr").filter(has_text="Dzielnica").inner_text()
    assert ngo.get_by_label("Telefon").input_value() == "42 999 88 77"   # kept in the form
    stored = requests.get(address, headers=officer_headers(), timeout=10)
    assert stored.json()["phone"] == "42 111 22 33" and stored.headers["ETag"] == version
    checked(ngo, "organizacja-dane-konflikt")

    # --- saved again, now from the current version: the representative's change goes in ---
    ngo.get_by_role("button", name="Zapisz zmiany").click()
    arrive(ngo, city, r"/moja-organizacja/dane\?zapisano=1")
    assert ngo.locator("#konflikt-edycji").count() == 0
    stored = requests.get(address, headers=officer_headers(), timeout=10).json()
    assert (stored["phone"], stored["district"]) == ("42 999 88 77", "Widzew")
