"""Spreadsheet-safe cells (OWASP CSV injection): what starts a formula is neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from wspolpraca.exports import csv_cell, workbook_bytes
from wspolpraca.organization_import import Rejection, write_report


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1",
                                  "=HYPERLINK(\"http://x\")", "-",
                                  # blanks or a line break first, full-width signs
                                  " =1+1", "\n=1+1", "\u00a0@x", "\uff1d1+1", "\uff0b1"])
def test_a_cell_that_would_start_a_formula_gets_an_apostrophe(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Fundacja Ławka", "-12.50", "+48", "150000.00", 7, None,
                                   "a=b", ""])
def test_plain_text_and_numbers_stay_as_they_are(value):
    assert csv_cell(value) == value


def test_a_workbook_keeps_formula_like_text_as_text_and_numbers_as_numbers():
    book = Workbook()
    book.active.append(["=1+1", 2.5, "@x"])
    sheet = load_workbook(io.BytesIO(workbook_bytes(book))).active
    assert [c.value for c in sheet[1]] == ["=1+1", 2.5, "@x"]
    assert [c.data_type for c in sheet[1]] == ["s", "n", "s"]


def test_the_import_rejection_report_is_safe_to_open(tmp_path):
    path = tmp_path / "odrzucone.csv"
    write_report(path, [Rejection(row=2, nip="=cmd|' /C calc'!A0", field="name",
                                  code="invalid", message="@bad")])
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[1][:2] == ["2", "'=cmd|' /C calc'!A0"] and rows[1][4] == "'@bad"
