"""The liaison officer's statistics (issue #18, `/urzad/statystyki`): the year's figures from
reporting (`/api/v1/stats/summary`, public, and `/api/v1/stats/departments`, officer), with
bar charts drawn here as inline SVG, each followed by the same data in a table, and links to
the annual report's formats (`/sprawozdania/{year}.{fmt}`).

The annual report draws its charts with Pillow as PNG because WeasyPrint lays PNGs out fast;
a web page needs neither: SVG bars scale to any width and need no image library in the portal.
The portal computes nothing of the Act: it draws the figures reporting counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.signed_in import SignedIn
from portal.views import Parts
from portal.web import page
from wspolpraca.departments import LIAISON_OFFICE

BLUE, GREEN = "#2b6cb0", "#2f855a"
MONTHS = ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
          "wrzesień", "październik", "listopad", "grudzień")
YEARS_BACK, YEARS_AHEAD = 4, 2
LABEL_WIDTH, BAR_WIDTH, ROW, TOP = 170, 200, 30, 8   # the SVG's geometry in its own units
# its text is 14 units: read at 320 px too, where the chart is drawn about 290 px wide
OFFICE = "Biuro pełnomocnika"
SMALL_GRANTS = "Biuro pełnomocnika: małe granty"


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value or 0))
    except InvalidOperation:
        return Decimal(0)


def _short(label: str, width: int = 22) -> str:
    return label if len(label) <= width else label[:width - 1].rstrip(" ,") + "…"


@dataclass
class Segment:
    colour: str
    x: float
    width: float


@dataclass
class Bar:
    label: str
    short: str
    text: str          # the bar's total as people read it ("9 000,00 zł", "3")
    y: int
    segments: list[Segment] = field(default_factory=list)
    end: float = 0.0


@dataclass
class Chart:
    """A horizontal bar chart: one bar per row, its series laid end to end; `empty` when
    there is nothing to draw (the page then says so in words)."""

    id: str
    title: str
    legend: list[tuple[str, str]]
    bars: list[Bar]
    height: int
    width: int = LABEL_WIDTH + BAR_WIDTH + 110
    label_x: int = LABEL_WIDTH - 8
    empty: bool = False


def bar_chart(id: str, title: str, labels: Sequence[str],
              series: Sequence[tuple[str, str, Sequence[Decimal | int]]],
              show: Callable[[Any], str]) -> Chart:
    totals = [sum((Decimal(values[i]) for _, _, values in series), Decimal(0))
              for i in range(len(labels))]
    peak = max(totals, default=Decimal(0))
    bars = []
    for i, label in enumerate(labels):
        bar = Bar(label=label, short=_short(label), text=show(totals[i]), y=TOP + i * ROW)
        x = float(LABEL_WIDTH)
        for _, colour, values in series:
            width = float(Decimal(values[i]) / peak * BAR_WIDTH) if peak else 0.0
            if width:
                bar.segments.append(Segment(colour, round(x, 1), round(width, 1)))
            x += width
        bar.end = round(x, 1)
        bars.append(bar)
    return Chart(id=id, title=title, legend=[(name, colour) for name, colour, _ in series],
                 bars=bars, height=TOP * 2 + max(len(labels), 1) * ROW, empty=not peak)


def charts(summary: dict[str, Any], departments: list[dict[str, Any]] | None,
           department_names: dict[str, str]) -> dict[str, Chart]:
    """The page's charts from reporting's figures, as the annual report draws them (money by
    area, offers by outcome, money month by month) and the departments' awards."""
    money, number = formatting.money, formatting.number
    areas = [r for r in summary.get("by_area", [])
             if _decimal(r["awarded"]) + _decimal(r["small_grants_amount"])]
    offers = summary.get("offers", {})
    outcomes = [("dofinansowane", offers.get("funded", 0)),
                ("niedofinansowane", offers.get("not_funded", 0)),
                ("odrzucone formalnie", offers.get("rejected_formally", 0)),
                ("w ocenie", offers.get("under_evaluation", 0)),
                ("wycofane", offers.get("withdrawn", 0))]
    # the programme year's awards made before January or after December count too (their rows)
    outside, year = summary.get("outside_year", {}), summary.get("year")
    months = [(MONTHS[m["month"] - 1], m) for m in summary.get("months", [])] + [
        (label, outside[key]) for key, label in (("before", f"przed {year} r."),
                                                     ("after", f"po {year} r."))
        if key in outside and _decimal(outside[key].get("awarded"))
        + _decimal(outside[key].get("small_grants_amount"))]
    found = {
        "by_area": bar_chart(
            "wykres-obszary", "Przyznane środki według obszarów",
            [r.get("name") or "bez obszaru" for r in areas],
            [("konkursy", BLUE, [_decimal(r["awarded"]) for r in areas]),
             ("małe granty", GREEN, [_decimal(r["small_grants_amount"]) for r in areas])],
            money),
        "offers": bar_chart(
            "wykres-oferty", "Oferty według rozstrzygnięcia", [name for name, _ in outcomes],
            [("oferty", BLUE, [int(n or 0) for _, n in outcomes])], number),
        "months": bar_chart(
            "wykres-miesiace", "Przyznane środki miesiąc po miesiącu",
            [label for label, _ in months],
            [("konkursy", BLUE, [_decimal(m["awarded"]) for _, m in months]),
             ("małe granty", GREEN, [_decimal(m["small_grants_amount"]) for _, m in months])],
            money),
    }
    if departments is not None:
        found["departments"] = bar_chart(
            "wykres-wydzialy", "Przyznane środki według wydziałów",
            [department_label(d["department"], department_names) for d in departments],
            [("dotacje", BLUE, [_decimal(d["awarded"]) for d in departments])], money)
    return found


def department_label(code: str | None, names: dict[str, str]) -> str:
    """A department's name; the competitions no department was named for are the liaison
    office's (`liaison_office`), and so are the small grants (department null)."""
    if code is None:
        return SMALL_GRANTS
    return OFFICE if code == LIAISON_OFFICE else names.get(code, code)


def chosen_year(request: Request, this_year: int) -> tuple[int, str | None]:
    """The year asked for (`?rok=`), this year when none; a year the chooser cannot offer is
    refused in Polish and this year shown."""
    typed = (request.args.get("rok") or "").strip()
    if not typed:
        return this_year, None
    if typed.isdigit() and 2000 <= int(typed) <= 2100:
        return int(typed), None
    return this_year, "Podaj rok od 2000 do 2100, np. 2026."


class OfficeStatsMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_role`, `_call`)."""

    @page("GET", "/urzad/statystyki")
    def office_statistics(self, request: Request) -> Response:
        from portal.service import REPORT_FORMATS  # the public reports page's formats

        me = self._role(request, "officer")
        this_year = datetime.now(formatting.WARSAW).year
        year, error = chosen_year(request, this_year)
        parts = Parts()
        summary = parts.fetch(lambda: self.site.backends.get(
            "reporting", "/api/v1/stats/summary", year=year))
        overview = parts.fetch(lambda: self._call(
            me, "GET", "reporting", "/api/v1/stats/departments", params={"year": year}))
        names = self._department_names(parts)
        departments = (overview or {}).get("departments") if overview is not None else None
        years = sorted({*range(this_year + YEARS_AHEAD, this_year - YEARS_BACK - 1, -1), year},
                       reverse=True)
        return self.site.render(
            request, "workspace/stats_office.html", status=422 if error else 200,
            parts=parts, year=year, years=years, error=error, s=summary,
            departments=departments, names=names, department_label=department_label,
            charts=charts(summary, departments, names) if summary else {},
            months=MONTHS, formats=REPORT_FORMATS)
