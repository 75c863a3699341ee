"""The demo's programme year as an officer would sign it (issue #21): rendered as PDF, read
back with pypdf, its headline figures consistent in every section and formatted the Polish
way. Like `make demo` in December 2026: the competitions for the tasks of 2027 are announced
and filed in December 2026; with TIME_TRAVEL they are decided, contracted and settled."""

from __future__ import annotations

import io
import re

import pypdf
from reporting_factory import (
    awarded,
    competition,
    consultation,
    contract,
    event,
    offer,
    oid,
    organization,
    small_grant,
    task_report,
)

from reporting import projections, report

YEAR = 2027
GRANTS = ["12000.00", "15000.00", "18000.00", "21000.00", "16500.00", "19000.00",
          "17000.00", "20000.00", "22000.00", "18000.00"]  # 178 500,00 zł in all
AREAS = ("culture", "sport", "ecology", "social_assistance", "education")


def demo_year(decided: bool) -> list:
    events = [event("grants", "programme.adopted", {
        "id": oid("prog"), "year": YEAR, "title": f"Program współpracy na {YEAR} rok",
        "status": "adopted", "total_funds": "400000.00",
        "funds": [{"area": a, "amount": "80000.00"} for a in AREAS],
        "adopted_at": "2026-11-25T10:00:00Z",
        "resolution": {"number": "LXX/2100/2026", "date": "2026-11-25"},
        "measures": [{"name": "Oferty dofinansowane", "unit": "szt.", "target": "12.00",
                      "area": None, "indicator": "offers_funded"}]},
        time="2026-11-25T10:00:00Z")]
    for i in range(15):
        events.append(organization("registered", f"org-{i}", f"2026-10-{i + 1:02d}T09:00:00Z",
                                   "pending"))
    for c, area in enumerate(AREAS):
        cid = f"comp-{c}"
        events.append(competition("announced", cid, f"2026-12-0{c + 1}T10:00:00Z", year=YEAR,
                                  area=area, published_at=f"2026-12-0{c + 1}T10:00:00.000Z"))
        for k in range(3):
            n = c * 3 + k
            events.append(offer("submitted", f"off-{n}", cid, f"org-{n}",
                                f"2026-12-{10 + n:02d}T10:00:00Z", requested="25000.00"))
    if decided:
        funded = [n for n in range(15) if n % 3 != 2]  # two of three in each competition
        for amount, n in zip(GRANTS, funded, strict=True):
            cid, org = f"comp-{n // 3}", f"org-{n}"
            events.append(awarded(f"off-{n}", cid, org, "2026-12-28T10:00:00Z", amount,
                                  area=AREAS[n // 3], year=YEAR, requested="25000.00"))
            events.append(contract("signed", f"k-{n}", f"off-{n}", org, "2027-01-08T10:00:00Z",
                                   amount=amount, competition_id=oid(cid)))
            events.append(task_report(f"k-{n}", org, "2027-12-20T10:00:00Z"))
            events.append(contract("settled", f"k-{n}", f"off-{n}", org,
                                   "2028-01-20T10:00:00Z", amount=amount,
                                   competition_id=oid(cid), returned_amount="250.00"))
        for n in range(2, 15, 3):
            events.append(offer("not_funded", f"off-{n}", f"comp-{n // 3}", f"org-{n}",
                                "2026-12-28T10:00:01Z", requested="25000.00"))
        for c in range(5):
            events.append(competition("resolved", f"comp-{c}", "2026-12-28T10:00:02Z",
                                      year=YEAR, area=AREAS[c]))
        events.append(small_grant("submitted", "sg-1", "org-1", "2027-03-01T10:00:00Z",
                                  year=YEAR))
        events.append(small_grant("awarded", "sg-1", "org-1", "2027-03-12T10:00:00Z",
                                  year=YEAR, awarded_amount="7500.00"))
    events.append(consultation("opened", "con-prog", "2026-10-01T08:00:00Z",
                               opens_at="2026-10-01T08:00:00Z",
                               closes_at="2026-10-22T16:00:00Z"))
    events.append(consultation("opened", "con-27", "2027-02-01T08:00:00Z",
                               opens_at="2027-02-01T08:00:00Z",
                               closes_at="2027-02-20T16:00:00Z"))
    return events


def pdf_text(decided: bool) -> tuple[dict, str]:
    store = projections.MemoryStore()
    for e in demo_year(decided):
        projections.apply(e, store)
    built = report.build(store, YEAR, city="Miasto Stołeczne Warszawa")
    pages = pypdf.PdfReader(io.BytesIO(report.to_pdf(built))).pages
    return built, " ".join("\n".join(p.extract_text() for p in pages).split())


def test_the_decided_demo_year_reads_consistently_in_every_section():
    built, text = pdf_text(decided=True)
    s = built["summary"]
    assert s["offers"]["submitted"] == 15 and s["offers"]["funded"] == 10
    assert s["money"]["awarded"] == "178500.00"
    # filed and decided in December 2026, contracted in January: all the programme year's
    assert s["contracts"]["signed"] == 10 and s["contracts"]["amount"] == "178500.00"
    assert s["contracts"]["settled"] == 10 and s["contracts"]["returned"] == "2500.00"
    assert s["consultations"]["held"] == 1  # the one opened in 2027 (calendar year)
    assert "Miasto Stołeczne Warszawa" in text
    assert "przyjęty uchwałą nr LXX/2100/2026 z dnia 25 listopada 2026" in text
    assert "od 1 stycznia 2027 do 31 grudnia 2027" in text
    assert "przyznane 178 500,00 zł" in text
    assert "kwota umów (PLN) 178 500,00 zł" in text
    assert "zwrócone niewykorzystane środki (PLN) 2 500,00 zł" in text
    assert "udział w środkach na dotacje (%) 4,03 %" in text  # 7 500 of 186 000
    assert "Oferty dofinansowane Całe miasto 12 szt. 10 szt. 83,33 %" in text.replace(
        "całe miasto", "Całe miasto")
    # the months: what happened in December 2026 is in the row "przed 2027"
    assert re.search(r"przed 2027 0 15 10 178 500,00 zł 0,00 zł 0 0", text), text
    assert re.search(r"styczeń 0 0 0 0,00 zł 0,00 zł 10 0", text)
    # a table of contents with page numbers
    assert re.search(r"1\. Podsumowanie \.*\s?\d+", text)
    assert "Jak liczono: według roku programu" in text
    assert "Jak liczono: według roku kalendarzowego" in text


def test_undecided_offers_are_not_an_empty_section():
    built, text = pdf_text(decided=False)
    assert built["summary"]["offers"]["under_evaluation"] == 15
    section = text[text.index("4. Oferty w otwartych konkursach Złożono"):]
    assert section.startswith("4. Oferty w otwartych konkursach Złożono 15 ofert, ale żadna "
                              "nie została jeszcze rozstrzygnięta (w ocenie: 15)")
    assert "złożone 15 w ocenie (bez rozstrzygnięcia) 15 dofinansowane 0" in section
