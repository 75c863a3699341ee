"""The annual report over HTTP, in every format, with the figures of the statistics API."""

from __future__ import annotations

import csv
import io

import pypdf
from openpyxl import load_workbook
from reporting_helpers import fill, summary

from wspolpraca.polish import as_spaces, money

ANNUAL = "/api/v1/reports/annual"


def test_the_annual_report_in_every_format_equals_the_statistics(
        registry, reporting, amqp_uri, token, officer):
    fill(registry, reporting, amqp_uri, token, officer)
    figures = summary(reporting)

    as_json = reporting.get(f"{ANNUAL}/2026")
    assert as_json.status_code == 200
    assert as_json.json()["summary"] == figures
    assert reporting.get(f"{ANNUAL}/2026?format=json").json()["summary"] == figures

    as_csv = reporting.get(f"{ANNUAL}/2026?format=csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8"))))
    assert ["Środki (PLN)", "przyznane", figures["money"]["awarded"]] in lines

    as_xlsx = reporting.get(f"{ANNUAL}/2026?format=xlsx")
    book = load_workbook(io.BytesIO(as_xlsx.content))
    values = {(row[0], row[1]): row[2]
              for row in book["Podsumowanie"].iter_rows(min_row=3, values_only=True)}
    assert f"{values[('Środki (PLN)', 'przyznane')]:.2f}" == figures["money"]["awarded"]
    assert values[("Organizacje", "zarejestrowane w bazie")] == \
        figures["organizations"]["registered"]

    as_html = reporting.get(f"{ANNUAL}/2026?format=html")
    assert as_html.headers["Content-Type"].startswith("text/html")
    assert "Fundacja Ławka" in as_html.text and "data:image/png" in as_html.text

    as_pdf = reporting.get(f"{ANNUAL}/2026?format=pdf")
    assert as_pdf.headers["Content-Type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(as_pdf.content)).pages)
    assert "za rok 2026" in text
    # figures for people the Polish way: "15 000,50 zł"
    text = as_spaces(text)
    assert as_spaces(money(figures["money"]["awarded"])) in text
    assert as_spaces(money(figures["small_grants"]["amount"])) in text


def test_an_unknown_year_or_format_is_refused_and_an_empty_year_is_a_report(reporting):
    for path in (f"{ANNUAL}/abc", f"{ANNUAL}/1999", f"{ANNUAL}/2026?format=docx",
                 f"{ANNUAL}/2026?format=pdf&x=1"):
        response = reporting.get(path)
        assert response.status_code == 422, path
        assert "error" in response.json()
    empty = reporting.get(f"{ANNUAL}/2019?format=pdf")
    assert empty.status_code == 200 and empty.content.startswith(b"%PDF-")
    assert reporting.get(f"{ANNUAL}/2019").json()["summary"]["money"]["awarded"] == "0.00"
