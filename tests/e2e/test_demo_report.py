"""The demo's annual report as issue #21 tried it: `make demo`, then `TIME_TRAVEL=1 make demo`,
each time the programme year's PDF read back with pypdf. The five services run as processes
(the e2e year's `City`), `scripts/demo.py` fills them through their public APIs as it does
after `make run`, its time travel in this test's own grants database.

Before the time travel the 15 offers are under evaluation: their section says so in words and
still gives its table. After it the headline figures agree in every section, with the
statistics API, and are written the Polish way."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from pypdf import PdfReader
from test_city_year import City

from wspolpraca import topology
from wspolpraca.auth import mint_token
from wspolpraca.polish import as_spaces
from wspolpraca.testing.rabbit import Vhost
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
YEAR = datetime.now(ZoneInfo("Europe/Warsaw")).year + 1  # the demo's programme year
COMMITTEE_COMPETITION = "Profilaktyka zdrowotna mieszkańców"  # scripts/demo.py's


@pytest.fixture(scope="module")
def demo_city(mongo_uri, tmp_path_factory):
    vhost = Vhost("wspolpraca-demo").create()
    try:
        _, problem = topology.apply(vhost.uri)
        assert problem is None, problem
        running = City(mongo_uri, vhost.uri, tmp_path_factory.mktemp("demo"))
        try:
            yield running.start()
        finally:
            running.stop()
    finally:
        vhost.delete()


def run_demo(city: City, *args: str) -> str:
    env = {**city.env, **{name.upper(): city.api[name].base for name in city.api},
           "IDENTITY": "http://127.0.0.1:9"}  # no identity here: the demo makes no accounts
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "demo.py"), *args], env=env,
                          cwd=city.workdir, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def summary_once(city: City, expected: dict[tuple[str, str], object]) -> dict:
    """The year's statistics once the reporting service has the figures expected."""
    def arrived() -> dict | None:
        found = city.api["reporting"].get("/api/v1/stats/summary", year=YEAR)
        arrived.last = {key: found[key[0]][key[1]] for key in expected}
        return found if arrived.last == expected else None

    arrived.last = None
    try:
        return wait_until(arrived, timeout=60, interval=0.5)
    except AssertionError:
        raise AssertionError(f"expected {expected}, got {arrived.last}") from None


def pdf_text(city: City) -> str:
    answer = requests.get(f"{city.api['reporting'].base}/api/v1/reports/annual/{YEAR}",
                          params={"format": "pdf"}, timeout=120)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(answer.content)).pages
    return as_spaces(" ".join(" ".join(page.extract_text() for page in pages).split()))


def committee_work(city: City) -> dict:
    """The demo's committee competition (`make demo` without --time-travel, issue #18)."""
    officer = mint_token("e2e-officer", ["officer"])
    listed = city.api["grants"].get("/api/v1/competitions", officer, year=YEAR, limit=100)
    (competition,) = [c for c in listed["items"] if c["title"] == COMMITTEE_COMPETITION]
    committee = city.api["grants"].get(f"/api/v1/competitions/{competition['id']}/committee",
                                       officer)
    return {"status": competition["status"], "members": {
        m["user_id"]: (len(m.get("assigned_offers") or []), m.get("declared_at"))
        for m in committee["members"]}}


def test_the_demo_years_report_before_and_after_the_time_travel(demo_city):
    run_demo(demo_city)
    # the committee has work without the time travel: its competition closed for offers (its
    # deadline moved in the local database), the members appointed, each given the three offers,
    # no declaration yet; a second run changes nothing
    work = {"status": "under_evaluation", "members": {
        "demo-official-1": (3, None), "demo-official-2": (3, None),
        "demo-ngo-member": (3, None)}}
    assert committee_work(demo_city) == work
    run_demo(demo_city)
    assert committee_work(demo_city) == work
    summary_once(demo_city, {("offers", "submitted"): 15, ("offers", "under_evaluation"): 15,
                             ("small_grants", "submitted"): 3})
    text = pdf_text(demo_city)
    assert "4. Oferty w otwartych konkursach Złożono 15 ofert, ale żadna nie została jeszcze " \
           "rozstrzygnięta (w ocenie: 15)" in text
    assert "złożone 15 w ocenie (bez rozstrzygnięcia) 15 dofinansowane 0" in text

    run_demo(demo_city, "--time-travel")
    s = summary_once(demo_city, {
        ("offers", "funded"): 10, ("money", "awarded"): "178500.00",
        ("small_grants", "awarded"): 3, ("small_grants", "amount"): "13500.00",
        ("contracts", "signed"): 10, ("contracts", "amount"): "178500.00",
        ("contracts", "settled"): 10, ("contracts", "returned"): "2500.00",
        ("contracts", "reports_accepted"): 10, ("organizations", "cooperating"): 11})
    text = pdf_text(demo_city)
    report = demo_city.api["reporting"].get(f"/api/v1/reports/annual/{YEAR}")
    # the report's figures are the statistics API's
    assert report["summary"] == demo_city.api["reporting"].get("/api/v1/stats/summary",
                                                              year=YEAR)
    assert s["offers"]["under_evaluation"] == 0
    # the summary, the execution, the measures and the months agree, the Polish way
    for line in (
            f"przyjęty uchwałą nr LXX/{YEAR - 1}/{YEAR - 1} z dnia 26 listopada {YEAR - 1}",
            f"od 1 stycznia {YEAR} do 31 grudnia {YEAR}",
            "Oferty złożone 15 dofinansowane 10 niedofinansowane 5",
            "wnioskowane 252 000,00 zł przyznane 178 500,00 zł",
            "Małe granty złożone 3 przyznane 3 kwota przyznana (PLN) 13 500,00 zł "
            "udział w środkach na dotacje (%) 7,03 %",
            "Umowy zawarte 10 kwota umów (PLN) 178 500,00 zł rozwiązane 0 rozliczone 10 "
            "zwrócone niewykorzystane środki (PLN) 2 500,00 zł",
            "Razem 3 660 000,00 zł 192 000,00 zł 192 000,00 zł 2 500,00 zł 5,25 %",
            "Ogłoszone otwarte konkursy ofert całe miasto 6 szt. 5 szt. 83,33 %",
            "Oferty dofinansowane całe miasto 12 szt. 10 szt. 83,33 %",
            "Organizacje współpracujące całe miasto 20 szt. 11 szt. 55,00 %",
            f"przed {YEAR} 0 15 10 178 500,00 zł 13 500,00 zł 10 0",
            "Łącznie 13 dotacji (konkursy i małe granty) dla 11 organizacji na kwotę "
            "192 000,00 zł"):
        assert line in text, line
    assert re.search(r"Środki przyznane na kulturę .*? 150 000,00 zł 55 500,00 zł 37,00 %",
                     text)
    assert re.search(r"1\. Podsumowanie \.*\s?\d+", text)  # the contents with page numbers
