"""The demo's programme year as an officer would sign it (issue #21): rendered as PDF, read
back with pypdf, its headline figures consistent in every section and formatted the Polish
way. Like `make demo` in December 2026: the competitions for the tasks of 2027 are announced
and filed in December 2026; with TIME_TRAVEL they are decided, contracted and settled, and the
small grants awarded. The programme (funds per area, measures, resolution), the competitions'
budgets with their offers (45, 40 and 35 % of the budget, the first two funded) and the small
grants are `scripts/demo.py`'s own, so this year cannot drift from the demo's.
(`tests/e2e/test_demo_report.py` runs the demo itself against the services.)"""

from __future__ import annotations

import importlib.util
import io
import re
from decimal import Decimal
from pathlib import Path

import pypdf
import reporting_factory as make
from openpyxl import load_workbook

from reporting import opendata, projections, report
from wspolpraca import polish

YEAR = 2027
_spec = importlib.util.spec_from_file_location(
    "demo_script", Path(__file__).resolve().parents[3] / "scripts" / "demo.py")
demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(demo)

SHARES = (Decimal("0.45"), Decimal("0.40"), Decimal("0.35"))  # of the budget, as demo.py asks


def demo_year(decided: bool) -> list:
    events = [make.event("grants", "programme.adopted", {
        "id": make.oid("prog"), "year": YEAR, "title": f"Program współpracy na {YEAR} rok",
        "status": "adopted", "total_funds": str(sum(Decimal(v) for v in demo.FUNDS.values())),
        "funds": [{"area": a, "amount": v} for a, v in demo.FUNDS.items()],
        "adopted_at": "2026-11-25T10:00:00Z",
        "resolution": {"number": f"LXX/{YEAR - 1}/{YEAR - 1}", "date": f"{YEAR - 1}-11-26"},
        "measures": [{"area": None, "indicator": None, **m} for m in demo.MEASURES]},
        time="2026-11-25T10:00:00Z")]
    for i in range(len(demo.ORGANISATIONS)):
        events.append(make.organization("registered", f"org-{i}", f"2026-10-{i + 1:02d}T09:00:00Z",
                                        "pending"))
    n = 0
    for c, (_, area, budget, mode) in enumerate(demo.COMPETITIONS):
        # the first three organisations of the area bid, as demo.py's `competitions` does
        bidders = [i for i, (_, _, areas) in enumerate(demo.ORGANISATIONS) if area in areas][:3]
        cid = f"comp-{c}"
        events.append(make.competition("announced", cid, f"2026-12-0{c + 1}T10:00:00Z", year=YEAR,
                                       area=area, mode=mode, budget=budget,
                                       published_at=f"2026-12-0{c + 1}T10:00:00.000Z"))
        for k, (share, bidder) in enumerate(zip(SHARES, bidders, strict=True)):
            requested = f"{(Decimal(budget) * share).quantize(Decimal('1'))}.00"
            org = f"org-{bidder}"
            events.append(make.offer("submitted", f"off-{n}", cid, org,
                                     f"2026-12-{10 + n:02d}T10:00:00Z", requested=requested))
            if decided and k < 2:
                events.append(make.awarded(f"off-{n}", cid, org, "2026-12-28T10:00:00Z", requested,
                                           area=area, year=YEAR, requested=requested))
                events.append(make.contract("signed", f"k-{n}", f"off-{n}", org,
                                            "2026-12-29T10:00:00Z", amount=requested,
                                            competition_id=make.oid(cid)))
                events.append(make.task_report(f"k-{n}", org, "2026-12-29T11:00:00Z"))
                events.append(make.contract("settled", f"k-{n}", f"off-{n}", org,
                                            "2026-12-29T12:00:00Z", amount=requested,
                                            competition_id=make.oid(cid), returned_amount="250.00"))
            elif decided:
                events.append(make.offer("not_funded", f"off-{n}", cid, org,
                                         "2026-12-28T10:00:01Z", requested=requested))
            n += 1
        if decided:
            events.append(make.competition("resolved", cid, "2026-12-28T10:00:02Z", year=YEAR,
                                           area=area, mode=mode, budget=budget))
    for g, (index, area, _, amount) in enumerate(demo.SMALL_GRANTS):
        events.append(make.small_grant("submitted", f"sg-{g}", f"org-{index}",
                                       "2026-12-07T10:00:00Z", year=YEAR, area=area,
                                       requested=amount))
        if decided:
            events.append(make.small_grant("awarded", f"sg-{g}", f"org-{index}",
                                           "2026-12-07T10:05:00Z", year=YEAR, area=area,
                                           requested=amount, awarded_amount=amount))
    events.append(make.consultation("opened", "con-prog", "2026-12-07T08:00:00Z",
                                    opens_at="2026-12-07T08:00:00Z",
                                    closes_at="2026-12-28T16:00:00Z"))
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
    # filed, decided and contracted in December 2026: all the programme year's
    assert s["contracts"]["signed"] == 10 and s["contracts"]["amount"] == "178500.00"
    assert s["contracts"]["settled"] == 10 and s["contracts"]["returned"] == "2500.00"
    assert s["small_grants"]["awarded"] == 3 and s["small_grants"]["amount"] == "13500.00"
    assert s["consultations"]["held"] == 0  # the programme's, opened in 2026 (calendar year)
    assert "Miasto Stołeczne Warszawa" in text
    assert "przyjęty uchwałą nr LXX/2026/2026 z dnia 26 listopada 2026" in text
    assert "od 1 stycznia 2027 do 31 grudnia 2027" in text
    assert "przyznane 178 500,00 zł" in text
    assert "kwota umów (PLN) 178 500,00 zł" in text
    assert "zwrócone niewykorzystane środki (PLN) 2 500,00 zł" in text
    # the small grants awarded are a number, their money a sum (not "przyznane 3,00 zł")
    assert "Małe granty złożone 3 przyznane 3 kwota przyznana (PLN) 13 500,00 zł" in text
    assert "udział w środkach na dotacje (%) 7,03 %" in text  # 13 500 of 192 000
    # the programme's execution: planned, awarded (competitions and small grants), paid
    assert "Razem 3 660 000,00 zł 192 000,00 zł 192 000,00 zł 2 500,00 zł 5,25 %" in text
    measures = text.replace("całe miasto", "Całe miasto")
    assert "Ogłoszone otwarte konkursy ofert Całe miasto 6 szt. 5 szt. 83,33 %" in measures
    assert "Oferty dofinansowane Całe miasto 12 szt. 10 szt. 83,33 %" in measures
    # a measure in zł is money, written as money (55 500 = 51 000 + the 4 500 small grant)
    assert re.search(r"Środki przyznane na kulturę .*? 150 000,00 zł 55 500,00 zł 37,00 %",
                     text)
    assert "Organizacje współpracujące Całe miasto 20 szt. 11 szt. 55,00 %" in measures
    assert re.search(r"Ocena współpracy w ankiecie organizacji Całe miasto 75 % poza "
                     r"platformą —", measures)
    # the months: what happened in December 2026 is in the row "przed 2027"
    assert re.search(r"przed 2027 0 15 10 178 500,00 zł 13 500,00 zł 10 0", text), text
    assert re.search(r"styczeń 0 0 0 0,00 zł 0,00 zł 0 0", text)
    # a table of contents with page numbers
    assert re.search(r"1\. Podsumowanie \.*\s?\d+", text)
    assert "Jak liczono: według roku programu" in text
    assert "Jak liczono: według roku kalendarzowego" in text


def test_the_xlsx_keeps_the_demo_years_numbers_as_numbers_with_polish_formats():
    built, _ = pdf_text(decided=True)
    book = load_workbook(io.BytesIO(report.to_xlsx(built)))
    summary = {(row[0], row[1]): row[2] for row in book["Podsumowanie"].iter_rows(
        min_row=3, values_only=True) if row and row[0]}
    assert summary[("Małe granty", "przyznane")] == 3
    assert summary[("Środki (PLN)", "przyznane")] == 178500
    formats = {(row[0].value, row[1].value): row[2].number_format
               for row in book["Podsumowanie"].iter_rows(min_row=3) if row[0].value}
    assert formats[("Małe granty", "przyznane")] == polish.XLSX_COUNT
    assert formats[("Małe granty", "kwota przyznana (PLN)")] == polish.XLSX_MONEY
    plan = {row[0].value: row for row in book["Realizacja programu"].iter_rows()
            if row[0].value}
    culture = plan["Środki przyznane na kulturę"]
    assert (culture[3].value, culture[4].value) == (150000, Decimal("55500"))
    assert culture[3].number_format == culture[4].number_format == polish.XLSX_MONEY
    assert plan["Oferty dofinansowane"][4].number_format == polish.XLSX_COUNT


def test_undecided_offers_are_not_an_empty_section():
    built, text = pdf_text(decided=False)
    assert built["summary"]["offers"]["under_evaluation"] == 15
    section = text[text.index("4. Oferty w otwartych konkursach Złożono"):]
    assert section.startswith("4. Oferty w otwartych konkursach Złożono 15 ofert, ale żadna "
                              "nie została jeszcze rozstrzygnięta (w ocenie: 15)")
    assert "złożone 15 w ocenie (bez rozstrzygnięcia) 15 dofinansowane 0" in section


def test_csv_and_json_stay_machine_formatted_and_the_data_dictionary_says_so():
    built, _ = pdf_text(decided=True)
    csv_text = report.to_csv(built).decode("utf-8")
    assert "Środki (PLN),przyznane,178500.00" in csv_text
    assert "Małe granty,udział w środkach na dotacje (%),7.03" in csv_text
    assert "zł" not in csv_text.replace("złożone", "")  # no currency, no Polish separators
    assert built["period"] == {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31"}
    assert built["summary"]["money"]["awarded"] == "178500.00"
    note = opendata.dictionary()["formats"]
    assert "format maszynowy" in note or "formacie maszynowym" in note
    assert '"178500.00"' in note and "ISO 8601" in note and "XLSX" in note
