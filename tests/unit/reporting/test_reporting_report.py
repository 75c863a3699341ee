"""The annual report in every format carries the figures of the statistics."""

from __future__ import annotations

import csv
import io
import json

import pypdf
from openpyxl import load_workbook
from reporting_factory import year_story

from reporting import projections, report, stats
from wspolpraca.polish import as_spaces


def built(year: int = 2026) -> dict:
    store = projections.MemoryStore()
    for e in year_story():
        projections.apply(e, store)
    return report.build(store, year), stats.summary(store, year)


def test_the_json_report_holds_the_summary_of_the_statistics():
    r, summary = built()
    assert r["summary"] == summary
    assert r["grants"]["total"] == "23000.49"
    json.dumps(r)  # serialisable as it is


def test_csv_rows_carry_the_figures_in_polish():
    r, summary = built()
    lines = list(csv.reader(io.StringIO(report.to_csv(r).decode("utf-8"))))
    assert lines[0] == ["sekcja", "wskaźnik", "wartość"]
    assert ["Środki (PLN)", "przyznane", summary["money"]["awarded"]] in lines
    assert ["Oferty", "złożone", "3"] in lines


def test_xlsx_opens_and_its_figures_equal_the_summary():
    r, summary = built()
    book = load_workbook(io.BytesIO(report.to_xlsx(r)))
    assert book.sheetnames == ["Podsumowanie", "Obszary", "Miesiące", "Realizacja programu",
                               "Dotacje"]
    values = {(row[0], row[1]): row[2]
              for row in book["Podsumowanie"].iter_rows(min_row=3, values_only=True)}
    assert f"{values[('Środki (PLN)', 'przyznane')]:.2f}" == summary["money"]["awarded"]
    assert values[("Oferty", "dofinansowane")] == summary["offers"]["funded"]
    grants = list(book["Dotacje"].iter_rows(min_row=2, values_only=True))
    assert sorted(f"{row[6]:.2f}" for row in grants) == ["15000.50", "7999.99"]


def test_pdf_has_pages_charts_and_the_figures():
    r, summary = built()
    html = report.to_html(r)
    assert html.count('src="data:image/png;base64,') == 3
    pdf = report.to_pdf(r)
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Sprawozdanie z realizacji programu współpracy" in text
    assert "15 000,50 zł" in as_spaces(text)  # summary["money"]["awarded"], the Polish way
    assert "Środki według obszarów pożytku publicznego" in text


def test_a_year_without_data_is_an_empty_report_not_an_error():
    r, summary = built(2019)
    assert summary["offers"]["submitted"] == 0
    assert report.to_pdf(r).startswith(b"%PDF-")
    assert load_workbook(io.BytesIO(report.to_xlsx(r)))["Obszary"].max_row == 1


def test_the_city_on_the_cover_is_set_once_for_the_portal_and_the_report():
    assert report.city_of({"WSPOLPRACA_CITY": "Miasto Łódź", "PORTAL_CITY": "Łódź"}) == \
        "Miasto Łódź"
    assert report.city_of({"PORTAL_CITY": "Miasto Łódź"}) == "Miasto Łódź"
    assert report.city_of({}) == "Miasto Przykładowo"  # as the portal says without either
