"""The annual report's PDF as laid out on A4 (issue #21: the officer signs it as it is): no text
runs into the next cell of its table or past the page's margin, in the demo's programme year
decided and undecided and in a year without data (WeasyPrint's layout, read box by box)."""

from __future__ import annotations

import pytest
from test_reporting_demo_year import YEAR, demo_year
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from reporting import projections, report

TOLERANCE = 0.5  # CSS px


def overflowing(html: str) -> list[tuple[int, str, float]]:
    """(page, text, by how much) of every piece of text that ends right of its table cell or of
    the page's content area."""
    found: list[tuple[int, str, float]] = []

    def walk(box, cell, page: int, right: float) -> None:
        if isinstance(box, boxes.TableCellBox):
            cell = box
        if isinstance(box, boxes.TextBox):
            limit = right if cell is None else min(right, cell.border_box_x()
                                                   + cell.border_width())
            end = box.position_x + box.width
            if end > limit + TOLERANCE:
                found.append((page, box.text, round(end - limit, 1)))
        for child in getattr(box, "children", None) or ():
            walk(child, cell, page, right)

    for number, page in enumerate(HTML(string=html).render().pages, start=1):
        frame = page._page_box
        walk(frame, None, number, frame.content_box_x() + frame.width)
    return found


def built(events: list) -> dict:
    store = projections.MemoryStore()
    for e in events:
        projections.apply(e, store)
    return report.build(store, YEAR, city="Miasto Stołeczne Warszawa")


@pytest.mark.parametrize("year", ["decided", "undecided", "empty"])
def test_no_figure_runs_past_its_cell_or_the_page(year):
    events = {"decided": lambda: demo_year(True), "undecided": lambda: demo_year(False),
              "empty": list}[year]()
    assert overflowing(report.to_html(built(events))) == []
