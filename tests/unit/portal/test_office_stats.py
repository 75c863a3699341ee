"""The officer's statistics page (`/urzad/statystyki`): the bars are drawn to scale from
reporting's figures, a year without data says so in words instead of a chart, and every chart
names itself for a screen reader and points to its table."""

from __future__ import annotations

from decimal import Decimal

from jinja2 import Environment, PackageLoader
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from portal import formatting
from portal.office_stats import (
    BAR_WIDTH,
    LABEL_WIDTH,
    SMALL_GRANTS,
    bar_chart,
    charts,
    chosen_year,
    department_label,
)

MONTHS = [{"month": m, "awarded": "0.00", "small_grants_amount": "0.00"} for m in range(1, 13)]


def summary(**changes) -> dict:
    return {"by_area": [
        {"area": "culture", "name": "kultura, sztuka", "awarded": "9000.00",
         "small_grants_amount": "3000.00"},
        {"area": "sport", "name": "sport", "awarded": "6000.00", "small_grants_amount": "0.00"},
        {"area": "ecology", "name": "ekologia", "awarded": "0.00",
         "small_grants_amount": "0.00"}],
        "offers": {"funded": 2, "not_funded": 1, "rejected_formally": 0,
                   "under_evaluation": 0, "withdrawn": 1, "submitted": 4},
        "months": MONTHS, **changes}


def test_bars_are_drawn_to_scale_and_the_parts_laid_end_to_end() -> None:
    chart = bar_chart("w", "Tytuł", ["a", "b"],
                      [("konkursy", "#000", [Decimal(9000), Decimal(6000)]),
                       ("małe granty", "#111", [Decimal(3000), Decimal(0)])], formatting.money)
    first, second = chart.bars
    assert [s.width for s in first.segments] == [BAR_WIDTH * 0.75, BAR_WIDTH * 0.25]
    assert first.segments[1].x == LABEL_WIDTH + BAR_WIDTH * 0.75
    assert first.end == LABEL_WIDTH + BAR_WIDTH
    assert [s.width for s in second.segments] == [BAR_WIDTH * 0.5]   # no empty part drawn
    assert first.text == "12\u00a0000,00\u00a0zł" and not chart.empty


def test_the_charts_leave_out_areas_without_money_and_name_the_office_for_small_grants() -> None:
    drawn = charts(summary(), [{"department": None, "awarded": "3000.00"},
                               {"department": "culture", "awarded": "9000.00"}],
                   {"culture": "Wydział Kultury"})
    assert [b.label for b in drawn["by_area"].bars] == ["kultura, sztuka", "sport"]
    assert [b.text for b in drawn["offers"].bars][:2] == ["2", "1"]
    assert drawn["months"].empty   # nothing awarded month by month: said in words
    before = {"awarded": "9000.00", "small_grants_amount": "0.00"}
    drawn_early = charts(summary(year=2028, outside_year={"before": before}), None, {})
    early = drawn_early["months"]
    assert not early.empty and early.bars[-1].label == "przed 2028 r."   # awarded in December
    assert [b.label for b in drawn["departments"].bars] == [SMALL_GRANTS, "Wydział Kultury"]
    assert department_label("unknown", {}) == "unknown"
    assert department_label("liaison_office", {}) == "Biuro pełnomocnika"


def test_a_chart_names_itself_points_to_its_table_and_an_empty_one_says_so() -> None:
    env = Environment(loader=PackageLoader("portal", "templates"), autoescape=True)
    macro = env.get_template("workspace/stats_chart.html").module.bar_chart
    drawn = charts(summary(), None, {})
    html = str(macro(drawn["by_area"], "tabela-obszary"))
    assert 'role="img"' in html and 'aria-label="Przyznane środki według obszarów.' in html
    assert 'href="#tabela-obszary"' in html and "małe granty" in html
    empty = str(macro(drawn["months"], "tabela-miesiace"))
    assert "<svg class" not in empty and "Nie ma czego pokazać" in empty


def test_the_year_is_chosen_from_the_query_and_a_wrong_one_is_refused_in_polish() -> None:
    def asked(query: str) -> tuple[int, str | None]:
        return chosen_year(Request(EnvironBuilder(query_string=query).get_environ()), 2026)

    assert asked("") == (2026, None)
    assert asked("rok=2028") == (2028, None)
    assert asked("rok=dwa")[0] == 2026 and "od 2000 do 2100" in asked("rok=1999")[1]


def test_the_page_names_the_organisations_several_departments_fund() -> None:
    from portal.service import REPORT_FORMATS
    from portal.views import Parts
    from portal.web import _error_env, liaison_office

    departments = [
        {"department": "culture", "competitions": 1, "budget": "100000.00",
         "awarded": "9000.00", "offers": 2, "small_grants": 0,
         "organizations": {"applied": 2, "funded": 1},
         "shared_organizations": [{"organization_id": "o1", "name": "Fundacja Teatr",
                                   "also_with": [{"department": "sport", "applications": 1,
                                                  "funded": 1, "awarded": "6000.00"}]}]},
        {"department": "sport", "competitions": 1, "budget": "50000.00", "awarded": "6000.00",
         "offers": 1, "small_grants": 0, "organizations": {"applied": 1, "funded": 1},
         "shared_organizations": []}]
    names = {"culture": "Wydział Kultury", "sport": "Wydział Sportu"}
    html = _error_env().get_template("workspace/stats_office.html").render(
        request=None, path="/urzad/statystyki", contact=liaison_office(), me=None,
        parts=Parts(), year=2028, years=[2028], error=None, s=None,
        departments=departments, names=names, department_label=department_label,
        charts=charts(summary(), departments, names), months=[], formats=REPORT_FORMATS)
    shared = html.split('id="wspolne-lista"')[1].split("</ul>")[0]
    assert "Fundacja Teatr" in shared and "Wydział Kultury" in shared
    assert ("Wydział Sportu (wnioski: 1, dofinansowane: 1, przyznano 6\u00a0000,00\u00a0zł)"
            in shared)
    assert 'href="/sprawozdania/2028.pdf"' in html and "Statystyki są chwilowo" in html
