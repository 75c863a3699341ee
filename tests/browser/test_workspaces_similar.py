"""Coordination across departments in the portal (issue #22), end to end on the real services
in Chromium. One demo organisation sends the same summer camp to the health and the sport
departments' competitions for overlapping weeks, and an unrelated project to sport; health
funds the camp. The officer's competition page of sport shows the warning box on the twin
(reasons in Polish, the other department, never on the unrelated offer); confirming sport's
results that fund the camp again asks for the reason at the twin (grants' 422 at its field),
then records it; the committee member's scoring sheet of the twin shows the warning; the
organisation's page shows its cooperation with both departments, the public part to anyone and
all of it to the officer. axe finds nothing on any page; each is saved under
build/screenshots/."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import requests
from journeys import (
    PASSWORD,
    a_second_ago,
    arrive,
    checked,
    officer_account,
    officer_headers,
    refused_at,
    sign_in_at_identity,
    sign_in_officer,
    staff_account,
)

from conftest import wait_for
from wspolpraca.auth import mint_token

WARSAW = ZoneInfo("Europe/Warsaw")
ORGANISATION = "Stowarzyszenie Biegamy Razem"   # scripts/demo.py's: sport and health
YEAR = datetime.now(WARSAW).year + 1               # the demo's programme year


def offer(title: str, description: str, days: tuple[str, str], own: str,
          costs: dict[str, str]) -> dict:
    """An offer's body: the task in the programme year (`days`: its first and last, MM-DD),
    the grant asked for being its cost less `own` financial contribution."""
    total = sum(Decimal(amount) for amount in costs.values())
    return {"title": title, "description": description,
            "task_start": f"{YEAR}-{days[0]}", "task_end": f"{YEAR}-{days[1]}",
            "requested_amount": f"{total - Decimal(own):.2f}", "total_cost": f"{total:.2f}",
            "own_contribution": {"financial": own, "non_financial": "0.00"},
            "cost_items": [{"name": name, "amount": amount} for name, amount in costs.items()]}


CAMP = offer("Letni obóz sportowy dla dzieci z Bałut",
             "Dwa turnusy obozu nad jeziorem dla dzieci z rodzin w trudnej sytuacji.",
             ("07-01", "08-31"), own="1000.00",
             costs={"Zakwaterowanie": "6000.00", "Wyżywienie": "3000.00", "Transport": "1000.00"})
TWIN = {**CAMP, "title": "LETNI OBÓZ sportowy dla dzieci z Balut",
        "task_start": f"{YEAR}-08-01", "task_end": f"{YEAR}-09-15"}
UNRELATED = offer("Turniej siatkówki plażowej seniorów", "Cykl turniejów na osiedlowych boiskach.",
                  ("06-01", "10-31"), own="500.00",
                  costs={"Nagrody": "1500.00", "Sędziowie": "3000.00"})


def api(city, method: str, service: str, path: str, token: str, body=None) -> dict:
    response = requests.request(method, city.url(service) + path, json=body, timeout=30,
                                headers={"Authorization": "Bearer " + token})
    assert response.status_code in (200, 201), response.text
    return response.json()


def officer_token() -> str:
    return officer_headers()["Authorization"].removeprefix("Bearer ")


def competition(city, area: str, title: str) -> dict:
    deadline = (datetime.now(UTC) + timedelta(days=25)).isoformat()
    created = api(city, "POST", "grants", "/api/v1/competitions", officer_token(), {
        "title": title, "area": area, "mode": "supporting", "budget": "20000.00",
        "submission_deadline": deadline, "task_start": f"{YEAR}-03-01",
        "task_end": f"{YEAR}-11-30", "min_own_contribution_pct": "10",
        "criteria": [{"name": "Jakość merytoryczna", "max_points": 10}],
        "task_description": f"{title}: zadanie publiczne na {YEAR} rok.",
        "award_rules": "Zgodnie z programem współpracy.", "department": area})
    return api(city, "POST", "grants", f"/api/v1/competitions/{created['id']}/announce",
               officer_token())


def under_evaluation(city, competition_id: str, user_id: str) -> None:
    """The deadline passed (the tests' clock), closed, a committee of one appointed."""
    a_second_ago(city, "grants", "competitions", competition_id, "submission_deadline")
    api(city, "POST", "grants", f"/api/v1/competitions/{competition_id}/close", officer_token())
    api(city, "POST", "grants", f"/api/v1/competitions/{competition_id}/committee",
        officer_token(), {"members": [{"user_id": user_id, "name": "Ewa Oceniająca",
                                       "kind": "official"}]})


def committee_account(city, email: str) -> str:
    return staff_account(city, email, "Ewa Oceniająca", ["committee"])


def test_similar_applications_and_the_cooperation_history(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    [org] = [o for o in requests.get(city.url("registry") + "/api/v1/organizations", params={
        "q": ORGANISATION, "status": "verified"}, timeout=10).json()["items"]
        if o["name"] == ORGANISATION]
    ngo = mint_token(f"browser-ngo-{stamp}", ["ngo"], org_id=org["id"])
    health = competition(city, "health", f"Zdrowe wakacje {stamp}")
    sport = competition(city, "sport", f"Aktywne lato {stamp}")

    def submit(competition_id: str, body: dict) -> dict:
        return api(city, "POST", "grants", f"/api/v1/competitions/{competition_id}/offers",
                   ngo, {"organization_id": org["id"], **body})

    camp = submit(health["id"], CAMP)
    twin = submit(sport["id"], TWIN)
    unrelated = submit(sport["id"], UNRELATED)
    assert twin["warnings"] and not unrelated["warnings"]
    member_email = f"komisja-podobne-{stamp}@example.org"
    member_id = committee_account(city, member_email)
    under_evaluation(city, health["id"], "browser-official-1")
    api(city, "POST", "grants", f"/api/v1/competitions/{health['id']}/results", officer_token(),
        {"awards": [{"offer_id": camp["id"], "amount": CAMP["requested_amount"]}]})
    under_evaluation(city, sport["id"], member_id)

    # --- the officer's competition page: the warning box on the twin only --------------------
    officer = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    sign_in_officer(officer, city, officer_account(city, stamp))
    officer.goto(f"/urzad/konkursy/{sport['id']}")
    box = officer.locator(f"#podobne-{twin['id']}")
    text = box.inner_text()
    assert "Możliwe podwójne finansowanie" in text and CAMP["title"] in text
    for reason in ("ten sam tytuł", "pokrywające się terminy",
                   "te same pozycje kosztorysu: 3 z 3"):
        assert reason in text
    assert "Wydział Zdrowia" in text and "Przyznano dotację" in text
    assert officer.locator(f"#podobne-{unrelated['id']}").count() == 0
    assert officer.locator("a[href='#podobne-" + twin["id"] + "']").count() == 2
    checked(officer, "urzad-konkurs-podobne")

    # --- confirming results that fund the camp again asks for the reason at the twin -------
    officer.locator(f"#pole-award_{twin['id']}").fill("9 000,00")
    officer.locator(f"#pole-award_{unrelated['id']}").fill("4 000,00")
    assert officer.locator(f"#pole-overlap_{unrelated['id']}").count() == 0
    officer.get_by_role("button", name="Zatwierdź wyniki").click()
    reason_field, message = refused_at(officer, f"overlap_{twin['id']}")
    assert "sfinansowałaby ponownie te same koszty" in message
    assert "sfinansowałaby ponownie" in officer.locator(".error-summary").inner_text()
    checked(officer, "urzad-konkurs-podobne-powod-blad")
    reason = "Drugi turnus w innym terminie; koszty rozdzielone między wydziały."
    reason_field.fill(reason)
    officer.get_by_role("button", name="Zatwierdź wyniki").click()
    arrive(officer, city, r"zapisano=wyniki")
    recorded = api(city, "GET", "grants", f"/api/v1/offers/{twin['id']}", officer_token())
    assert recorded["status"] == "funded"
    assert recorded["double_funding_acknowledgement"]["reason"] == reason

    # --- the committee member's scoring sheet of the twin shows the warning ------------------
    member = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    member.goto(f"/komisja/oferty/{twin['id']}")
    arrive(member, city, r"/oauth2/authorize")
    sign_in_at_identity(member, member_email, PASSWORD)
    arrive(member, city, rf"/komisja/oferty/{twin['id']}$")
    warning = member.locator(".similar").inner_text()
    assert "Możliwe podwójne finansowanie" in warning and CAMP["title"] in warning
    assert "pokrywające się terminy" in warning and "wydział health" in warning
    checked(member, "komisja-karta-oceny-podobne")

    # --- the organisation's page: its cooperation with both departments ---------------------
    def history_rows(page) -> str:
        page.goto(f"/organizacje/{org['id']}")
        return page.locator("#wspolpraca-historia").inner_text() \
            if page.locator("#wspolpraca-historia").count() else ""

    public = context_factory(viewport={"width": 1280, "height": 900}).new_page()
    wait_for(lambda: TWIN["title"] in history_rows(public), 30,
             "reporting's history to show the twin funded")
    assert "Część jawna" in public.locator("#wspolpraca-zakres").inner_text()
    rows = public.locator("#wspolpraca-historia").inner_text()
    assert CAMP["title"] in rows and "przyznano dotację" in rows
    departments = public.locator("#wspolpraca-wydzialy").inner_text()
    assert "Wydział Zdrowia" in departments and "Wydział Sportu" in departments
    checked(public, "organizacja-wspolpraca-publiczna")

    officer.goto(f"/organizacje/{org['id']}")
    assert "Pełna historia" in officer.locator("#wspolpraca-zakres").inner_text()
    assert officer.locator("#wspolpraca-lata th", has_text="Zwrócone środki").count() == 1
    checked(officer, "organizacja-wspolpraca-urzad")
