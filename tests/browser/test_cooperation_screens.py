"""The cooperation screens of the workspaces (issue #18), end to end on the real services in
Chromium, as people use them, each ending with what the other side sees:

1. patronage: an organisation asks for the mayor's patronage of its event (too soon: the
   registry's 422 at the start's field, then fixed); the officer refuses one without a reason
   (told at the field) and grants it; the organisation sees the decision on its page and in its
   inbox, the public in the city's calendar.

axe finds nothing on any page, at 1280 and 320 px; each is saved under build/screenshots/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from test_journey_3 import represented_organisation, signed_in, signed_in_officer
from test_workspaces import arrive, checked

from conftest import wait_for
from portal.formatting import WARSAW

LOCAL = "%Y-%m-%dT%H:%M"


def test_cooperation_screens(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    name = f"Fundacja Współpracy {stamp}"
    org, email = represented_organisation(city, name, "culture")
    ngo = signed_in(city, context_factory, email, "/moja-organizacja")
    officer = signed_in_officer(city, context_factory, stamp)
    patronage(city, ngo, officer, stamp)


def patronage(city, ngo, officer, stamp: str) -> None:
    event = f"Festiwal Sąsiedzki {stamp}"
    ngo.goto("/moja-organizacja")
    ngo.locator("main").get_by_role("link", name="Patronaty i promocja").click()
    arrive(ngo, city, r"/moja-organizacja/patronaty$")
    checked(ngo, "patronaty-organizacji")
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
    starts = ngo.locator("#pole-starts_at[aria-invalid='true']")
    starts.wait_for()   # the registry's 422, at the field it names
    message = ngo.locator("#" + starts.get_attribute("aria-describedby").split()[-1])
    assert "co najmniej 14 dni" in message.inner_text()
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
    officer.locator("main").get_by_role("link", name="Patronaty i promocja").click()
    arrive(officer, city, r"/urzad/patronaty$")
    checked(officer, "urzad-patronaty")
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
