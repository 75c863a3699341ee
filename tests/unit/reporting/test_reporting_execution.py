"""The programme's execution in the annual report (issue #21): funds planned, awarded, paid
and returned per area, and the programme's own measures planned against achieved."""

from __future__ import annotations

import io

import pypdf
from openpyxl import load_workbook
from reporting_factory import contract, event, oid, year_story

from reporting import projections, report


def programme(kind: str = "adopted", **extra) -> object:
    data = {"id": oid("prog-2026"), "year": 2026, "title": "Program współpracy na 2026 rok",
            "status": kind, "total_funds": "250000.00",
            "funds": [{"area": "culture", "amount": "200000.00"},
                      {"area": "sport", "amount": "50000.00"}],
            "adopted_at": "2025-11-20T10:00:00Z" if kind == "adopted" else None,
            "resolution": {"number": "XL/1234/2025", "date": "2025-11-20"},
            "priority_tasks": [{"area": "culture", "task": "Festiwale osiedlowe"}],
            "measures": [
                {"name": "Organizacje współpracujące", "unit": "szt.", "target": "4.00",
                 "area": None, "indicator": "organizations_cooperating"},
                {"name": "Środki na kulturę", "unit": "zł", "target": "20000.00",
                 "area": "culture", "indicator": "funds_awarded"},
                {"name": "Zadowolenie uczestników", "unit": "%", "target": "80.00",
                 "area": None, "indicator": None}],
            **extra}
    return event("grants", f"programme.{kind}", data, time="2025-11-20T10:00:00Z")


def built() -> dict:
    store = projections.MemoryStore()
    for e in [*year_story(), programme("drafted"), programme(),
              contract("settled", "k-1", "off-1", "org-1", "2027-01-20T10:00:00Z",
                       returned_amount="500.50")]:
        projections.apply(e, store)
    return report.build(store, 2026)


def test_funds_planned_awarded_paid_and_returned_per_area():
    r = built()
    assert r["programme"]["resolution_number"] == "XL/1234/2025"
    funds = {row["area"]: row for row in r["execution"]["funds"]}
    assert funds["culture"] == {"area": "culture", "name": funds["culture"]["name"],
                                "planned": "200000.00", "awarded": "15000.50",
                                "paid": "15000.50", "returned": "500.50",
                                "execution_pct": "7.50"}
    assert funds["sport"]["planned"] == "50000.00" and funds["sport"]["awarded"] == "7999.99"
    assert funds["sport"]["paid"] == "7999.99"  # a small grant is paid when awarded
    assert r["execution"]["total"] == {"planned": "250000.00", "awarded": "23000.49",
                                       "paid": "23000.49", "returned": "500.50",
                                       "execution_pct": "9.20"}


def test_each_measure_planned_against_achieved_with_the_execution_percentage():
    measures = built()["execution"]["measures"]
    assert [(m["name"], m["target"], m["achieved"], m["execution_pct"]) for m in measures] == [
        ("Organizacje współpracujące", "4", "2", "50.00"),
        ("Środki na kulturę", "20000", "15000.50", "75.00"),
        ("Zadowolenie uczestników", "80", None, None),  # counted outside the platform
    ]


def test_the_pdf_and_xlsx_show_the_programme_its_execution_and_measures():
    r = built()
    text = " ".join("\n".join(p.extract_text() for p in
                              pypdf.PdfReader(io.BytesIO(report.to_pdf(r))).pages).split())
    assert "przyjęty uchwałą nr XL/1234/2025 z dnia 20 listopada 2025" in text
    assert "od 1 stycznia 2026 do 31 grudnia 2026" in text
    assert "200 000,00 zł" in text and "7,50 %" in text and "75,00 %" in text
    assert "Festiwale osiedlowe" in text and "poza platformą" in text
    sheet = load_workbook(io.BytesIO(report.to_xlsx(r)))["Realizacja programu"]
    rows = list(sheet.iter_rows(values_only=True))
    culture = next(row for row in rows if row[0] == "Kultura" or row[1] == 200000)
    assert culture[1] == 200000 and culture[5] == 7.5


def test_without_a_programme_the_section_says_so():
    store = projections.MemoryStore()
    for e in year_story():
        projections.apply(e, store)
    r = report.build(store, 2026)
    assert r["programme"] is None and r["execution"]["measures"] == []
    html = report.to_html(r)
    assert "nie zarejestrowano programu współpracy na rok 2026" in html
