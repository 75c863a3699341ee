"""The annual report on the cooperation programme's execution (due by 31 May).

One dictionary of figures (`stats.summary` and `stats.grants`, the very figures the
statistics API gives) rendered as JSON, CSV, XLSX, HTML with charts, or PDF.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reporting import charts as drawing
from reporting import stats
from wspolpraca.envelope import format_time, utcnow

TITLE = "Sprawozdanie z realizacji programu współpracy z organizacjami pozarządowymi"
MONTHS = ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}

SUMMARY_LABELS: dict[str, dict[str, str]] = {
    "organizations": {"_": "Organizacje", "registered": "zarejestrowane w bazie",
                      "verified": "zweryfikowane", "total_verified": "zweryfikowane łącznie",
                      "cooperating": "współpracujące (dotacje, małe granty, lokale)"},
    "competitions": {"_": "Otwarte konkursy ofert", "announced": "ogłoszone",
                     "resolved": "rozstrzygnięte", "cancelled": "unieważnione"},
    "offers": {"_": "Oferty", "submitted": "złożone", "funded": "dofinansowane",
               "not_funded": "niedofinansowane", "withdrawn": "wycofane",
               "rejected_formally": "odrzucone formalnie"},
    "money": {"_": "Środki (PLN)", "requested": "wnioskowane", "awarded": "przyznane"},
    "small_grants": {"_": "Małe granty", "submitted": "złożone", "awarded": "przyznane",
                     "amount": "kwota przyznana (PLN)",
                     "share_of_grant_funds_pct": "udział w środkach na dotacje (%)"},
    "contracts": {"_": "Umowy", "signed": "zawarte", "amount": "kwota umów (PLN)",
                  "terminated": "rozwiązane", "settled": "rozliczone",
                  "returned": "zwrócone niewykorzystane środki (PLN)",
                  "reports_submitted": "złożone sprawozdania z zadań",
                  "reports_accepted": "przyjęte sprawozdania",
                  "reports_overdue": "sprawozdania po terminie"},
    "consultations": {"_": "Konsultacje", "held": "przeprowadzone", "comments": "uwagi",
                      "reports_published": "opublikowane sprawozdania"},
    "councils": {"_": "Rady i komisje dialogu", "active": "działające",
                 "opinions_requested": "wnioski o opinię", "opinions_issued": "wydane opinie",
                 "opinions_lapsed": "opinie niewydane w terminie"},
    "inquiries": {"_": "Zapytania organizacji", "received": "wpłynęły",
                  "answered": "udzielone odpowiedzi", "answered_on_time": "w terminie",
                  "mean_response_days": "średni czas odpowiedzi (dni)"},
    "cooperation": {"_": "Współpraca pozafinansowa",
                    "bookings_approved": "nieodpłatne użyczenia lokali i sprzętu",
                    "rooms_lent": "użyczenia lokali", "room_hours": "godziny użyczenia lokali",
                    "equipment_lent": "użyczenia sprzętu",
                    "equipment_hours": "godziny użyczenia sprzętu",
                    "hours_lent": "godziny użyczenia łącznie",
                    "patronages_granted": "przyznane patronaty i promocja wydarzeń",
                    "mayor_patronages": "w tym patronaty honorowe",
                    "promotions": "w tym promocja wydarzeń",
                    "trainings_held": "szkolenia, dyżury doradcze i wydarzenia",
                    "training_sessions": "w tym szkolenia",
                    "consultancy_hours_sessions": "w tym dyżury doradcze",
                    "city_events": "w tym wydarzenia miejskie",
                    "participants_registered": "uczestnicy zapisani",
                    "trainings_with_attendance": "spotkania z odnotowaną obecnością",
                    "participants_attended": "uczestnicy obecni",
                    "partnerships": "partnerstwa i wspólne projekty",
                    "volunteering_posted": "ogłoszone potrzeby wolontariatu",
                    "volunteers_needed": "poszukiwani wolontariusze"},
}
TOP_ORGANIZATIONS = 50
"""The HTML and PDF list the organisations given the most; XLSX and open data list all."""
MODE_LABELS = {"supporting": "wspieranie", "entrusting": "powierzanie"}


def build(source: stats.Source, year: int) -> dict[str, Any]:
    data = stats.Data(source)
    return {
        "year": year,
        "title": f"{TITLE} za rok {year}",
        "generated_at": format_time(utcnow()),
        "summary": stats.summary(source, year, data),
        "grants": stats.grants(source, year, data=data),
    }


def rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The figures as (section, indicator, value) rows, in Polish."""
    s = report["summary"]
    result: list[tuple[str, str, Any]] = []
    for section, labels in SUMMARY_LABELS.items():
        for key, label in labels.items():
            if key != "_":
                result.append((labels["_"], label, s[section][key]))
    for mode, value in s["money"]["by_mode"].items():
        result.append(("Środki (PLN)", f"przyznane, tryb: {MODE_LABELS[mode]}", value))
    for row in s["by_area"]:
        for key, label in (("competitions", "konkursy"), ("offers_submitted", "oferty"),
                           ("offers_funded", "oferty dofinansowane"),
                           ("requested", "wnioskowane (PLN)"), ("awarded", "przyznane (PLN)"),
                           ("small_grants", "małe granty"),
                           ("small_grants_amount", "małe granty (PLN)")):
            result.append((f"Obszar: {row['name']}", label, row[key]))
    for row in s["months"]:
        result.append((f"Miesiąc {row['month']:02d}", "przyznane dotacje (PLN)", row["awarded"]))
        result.append((f"Miesiąc {row['month']:02d}", "złożone oferty",
                       row["offers_submitted"]))
    return result


def to_csv(report: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["sekcja", "wskaźnik", "wartość"])
    for section, label, value in rows(report):
        writer.writerow([section, label, "" if value is None else value])
    return out.getvalue().encode("utf-8")


def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    money_format = "#,##0.00"
    book = Workbook()
    sheet = book.active
    sheet.title = "Podsumowanie"
    sheet.append([report["title"]])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["sekcja", "wskaźnik", "wartość"])
    for section, label, value in rows(report)[:_summary_rows(report)]:
        sheet.append([section, label, _cell(value)])
        if isinstance(value, str):
            sheet.cell(sheet.max_row, 3).number_format = money_format

    areas = book.create_sheet("Obszary")
    columns = ("area", "name", "competitions", "offers_submitted", "offers_funded",
               "offers_not_funded", "requested", "awarded", "small_grants",
               "small_grants_amount")
    areas.append(["kod", "obszar", "konkursy", "oferty", "dofinansowane",
                  "niedofinansowane", "wnioskowane (PLN)", "przyznane (PLN)", "małe granty",
                  "małe granty (PLN)"])
    for row in report["summary"]["by_area"]:
        areas.append([_cell(row[c]) if c not in ("area", "name") else row[c] for c in columns])

    months = book.create_sheet("Miesiące")
    month_columns = ("month", "organizations_registered", "offers_submitted",
                     "offers_funded", "awarded", "small_grants_amount", "comments")
    months.append(["miesiąc", "nowe organizacje", "oferty", "dofinansowane",
                   "przyznane (PLN)", "małe granty (PLN)", "uwagi w konsultacjach"])
    for row in report["summary"]["months"]:
        months.append([_cell(row[c]) for c in month_columns])

    grants = book.create_sheet("Dotacje")
    grants.append(["organizacja", "tryb", "obszar", "zadanie", "konkurs",
                   "wnioskowane (PLN)", "przyznane (PLN)"])
    for organization in report["grants"]["organizations"]:
        for item in organization["items"]:
            grants.append([organization["name"] or organization["organization_id"],
                           "konkurs" if item["kind"] == "competition" else "mały grant",
                           item["area"], item["title"], item["competition_title"],
                           _cell(item["requested"]), _cell(item["amount"])])
    for ws in (areas, months, grants):
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = money_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_rows(report: dict[str, Any]) -> int:
    return sum(len(labels) - 1 for labels in SUMMARY_LABELS.values()) + \
        len(report["summary"]["money"]["by_mode"])


def _cell(value: Any) -> Any:
    """Money strings become numbers in the spreadsheet (two decimals kept by the format)."""
    if isinstance(value, str):
        try:
            return float(Decimal(value))
        except ArithmeticError:
            return value
    return value


# charts ------------------------------------------------------------------------
def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[:width - 1].rstrip(" ,") + "…"


def charts(report: dict[str, Any]) -> dict[str, str]:
    s = report["summary"]
    areas = [r for r in s["by_area"] if Decimal(r["awarded"]) + Decimal(r["small_grants_amount"])]
    return {
        "money_by_area": drawing.horizontal_stacked(
            "Przyznane środki według obszarów (PLN)", [_short(r["name"]) for r in areas],
            [("konkursy", drawing.BLUE, [float(Decimal(r["awarded"])) for r in areas]),
             ("małe granty", drawing.GREEN,
              [float(Decimal(r["small_grants_amount"])) for r in areas])]),
        "offers": drawing.vertical(
            "Oferty: dofinansowane i nie", ["dofinansowane", "niedofinansowane"],
            [s["offers"]["funded"], s["offers"]["not_funded"]], (drawing.BLUE, drawing.RED),
            width=480),
        "months": drawing.vertical(
            "Przyznane środki miesiąc po miesiącu (PLN)", MONTHS,
            [float(Decimal(m["awarded"])) + float(Decimal(m["small_grants_amount"]))
             for m in s["months"]]),
    }


_environment = Environment(loader=PackageLoader("reporting", "templates"),
                           autoescape=select_autoescape(["html"]))


def to_html(report: dict[str, Any]) -> str:
    return _environment.get_template("annual.html").render(
        report=report, s=report["summary"], labels=SUMMARY_LABELS, modes=MODE_LABELS,
        charts=charts(report), months=MONTHS, top=TOP_ORGANIZATIONS)


def to_pdf(report: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(report)).write_pdf()


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "html":
        return to_html(report).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(report)
    raise ValueError(fmt)
