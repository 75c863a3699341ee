"""The annual report on the cooperation programme's execution (due by 31 May).

One dictionary of figures (`stats.summary` and `stats.grants`, the very figures the
statistics API gives) rendered as JSON, CSV, XLSX, HTML with charts, or PDF.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from reporting import charts as drawing
from reporting import execution, stats
from wspolpraca import polish as pl
from wspolpraca.envelope import format_time, utcnow
from wspolpraca.exports import csv_row, workbook_bytes

TITLE = "Sprawozdanie z realizacji programu współpracy z organizacjami pozarządowymi"
MONTHS = ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru")
MONTH_NAMES = ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec",
               "sierpień", "wrzesień", "październik", "listopad", "grudzień")
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
               "rejected_formally": "odrzucone formalnie",
               "under_evaluation": "w ocenie (bez rozstrzygnięcia)"},
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

DEFAULT_CITY = "Miasto Przykładowo"  # the portal's default too (PORTAL_CITY)


def city_of(env: Mapping[str, str]) -> str:
    """The city on the report's cover and signature: `WSPOLPRACA_CITY` (e.g. „Miasto Stołeczne
    Warszawa”), else the portal's `PORTAL_CITY`, so a city set once names it in both."""
    return env.get("WSPOLPRACA_CITY") or env.get("PORTAL_CITY") or DEFAULT_CITY


CITY = city_of(os.environ)
PREPARED_BY = os.environ.get(
    "WSPOLPRACA_REPORT_PREPARED_BY",
    "Pełnomocnik ds. współpracy z organizacjami pozarządowymi")
"""Who prepares the report (`WSPOLPRACA_REPORT_PREPARED_BY`): the cover and signature."""

MONEY_KEYS = frozenset({"requested", "awarded", "amount", "returned", "small_grants_amount",
                        "planned", "paid"})
PERCENT_KEYS = frozenset({"share_of_grant_funds_pct", "execution_pct"})
DECIMAL_KEYS = frozenset({"room_hours", "equipment_hours", "hours_lent", "mean_response_days"})
COUNT_FIELDS = frozenset({"small_grants.awarded"})
"""Figures of the summary (`section.key`) named like money that count something: the small
grants awarded are a number of grants, their money is `small_grants.amount`."""
MONEY_UNITS = frozenset({"zł", "PLN"})
"""A programme's measure in one of these units is money (`150 000,00 zł`)."""

HOW_COUNTED = {
    stats.PROGRAMME_YEAR:
        "Jak liczono: według roku programu. Konkursy i małe granty na zadania roku {year} "
        "oraz ich oferty, dotacje, umowy, sprawozdania z zadań i rozliczenia, bez względu na "
        "datę zdarzenia (np. umowa podpisana w grudniu {prev} na zadanie roku {year} należy "
        "do roku {year}).",
    stats.CALENDAR_YEAR:
        "Jak liczono: według roku kalendarzowego. Zdarzenia z datą od 1 stycznia do "
        "31 grudnia {year}: rejestracja i weryfikacja organizacji, otwarcie konsultacji, "
        "złożenie uwagi, wniosek o opinię rady, wpływ zapytania lub odpowiedź, początek "
        "użyczenia, patronatu, szkolenia lub partnerstwa, ogłoszenie potrzeby wolontariatu.",
    "months":
        "Jak liczono: według daty zdarzenia, z regułą każdej kolumny. Oferty, dotacje, małe "
        "granty i umowy należą do zadań roku {year}; te z nich, które miały miejsce przed "
        "1 stycznia lub po 31 grudnia {year}, są w wierszach „przed” i „po”, więc kolumny "
        "sumują się do wartości z podsumowania. Nowe organizacje i uwagi: rok kalendarzowy.",
    "cooperating":
        "Organizacje współpracujące: z dotacją lub małym grantem na zadania roku {year} albo "
        "z użyczeniem lokalu lub sprzętu rozpoczętym w roku {year}.",
}
PROGRAMME_SECTIONS = ("competitions", "offers", "money", "small_grants", "contracts")
CALENDAR_SECTIONS = ("organizations", "consultations", "councils", "inquiries")


def how_counted(kind: str, year: int) -> str:
    return HOW_COUNTED[kind].format(year=year, prev=year - 1)


def value_kind(key: str) -> str:
    """How a figure is formatted, by its key: `section.key` of the summary or a column's key."""
    if key in COUNT_FIELDS:
        return "count"
    key = key.rpartition(".")[2]
    if key in MONEY_KEYS:
        return "money"
    if key in PERCENT_KEYS:
        return "percent"
    if key in DECIMAL_KEYS:
        return "decimal"
    return "count"


def polish(value: Any, key: str) -> str:
    """A figure of the report as a person reads it: `252 000,00 zł`, `7,03 %`, `12 345`."""
    kind = value_kind(key)
    if kind == "money":
        return pl.money(value)
    if kind == "percent":
        return pl.percent(value)
    if kind == "decimal":
        return pl.number(value, 2) if key != "mean_response_days" else pl.number(value, 1)
    return pl.number(value)


def build(source: stats.Source, year: int, *, city: str | None = None,
          prepared_by: str | None = None) -> dict[str, Any]:
    data = stats.Data(source)
    summary = stats.summary(source, year, data)
    programme = execution.programme_of(data, year)
    return {
        "year": year,
        "title": f"{TITLE} za rok {year}",
        "city": city or CITY,
        "prepared_by": prepared_by or PREPARED_BY,
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "generated_at": format_time(utcnow()),
        "counted_by": stats.COUNTED_BY,
        "summary": summary,
        "grants": stats.grants(source, year, data=data),
        "programme": programme,
        "execution": execution.execution(data, year, summary, programme),
    }


def rows(report: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The figures as (section, indicator, value) rows, in Polish."""
    return [(section, label, value) for section, label, value, _ in keyed_rows(report)]


def keyed_rows(report: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    """(section, indicator, value, key) rows: the key tells how the value is formatted."""
    s = report["summary"]
    result: list[tuple[str, str, Any, str]] = []
    for section, labels in SUMMARY_LABELS.items():
        for key, label in labels.items():
            if key != "_":
                result.append((labels["_"], label, s[section][key], f"{section}.{key}"))
    for mode, value in s["money"]["by_mode"].items():
        result.append(("Środki (PLN)", f"przyznane, tryb: {MODE_LABELS[mode]}", value,
                       "awarded"))
    for row in s["by_area"]:
        for key, label in (("competitions", "konkursy"), ("offers_submitted", "oferty"),
                           ("offers_funded", "oferty dofinansowane"),
                           ("requested", "wnioskowane (PLN)"), ("awarded", "przyznane (PLN)"),
                           ("small_grants", "małe granty"),
                           ("small_grants_amount", "małe granty (PLN)")):
            result.append((f"Obszar: {row['name']}", label, row[key], key))
    for row in s["months"]:
        result.append((f"Miesiąc {row['month']:02d}", "przyznane dotacje (PLN)",
                       row["awarded"], "awarded"))
        result.append((f"Miesiąc {row['month']:02d}", "złożone oferty",
                       row["offers_submitted"], "offers_submitted"))
    return result


def measure_value(value: Any, unit: str | None) -> str:
    """A measure's target or achieved value with its unit: money as money (`150 000,00 zł`),
    other quantities as numbers (`12 szt.`, `12,50 godz.`)."""
    if unit in MONEY_UNITS:
        return pl.money(value)
    return pl.quantity(value) + (f"\u00a0{unit}" if unit and value not in (None, "") else "")


def measure_format(value: Any, unit: str | None) -> str:
    """A measure's XLSX number format: money in zł, whole numbers, or two decimals."""
    if unit in MONEY_UNITS:
        return pl.XLSX_MONEY
    found = _cell(value)
    whole = isinstance(found, (int, Decimal)) and found == int(found)
    return pl.XLSX_COUNT if whole else pl.XLSX_HOURS


def to_csv(report: dict[str, Any]) -> bytes:
    """Machine-formatted (dot decimals, ISO dates), like the open data."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["sekcja", "wskaźnik", "wartość"])
    for section, label, value in rows(report):
        writer.writerow(csv_row([section, label, "" if value is None else value]))
    return out.getvalue().encode("utf-8")


XLSX_FORMATS = {"money": pl.XLSX_MONEY, "percent": pl.XLSX_PERCENT,
                "decimal": pl.XLSX_HOURS, "count": pl.XLSX_COUNT}


def _append(sheet: Any, values: list[Any], keys: list[str | None]) -> None:
    """A row of numbers kept as numbers, each with its Polish number format."""
    sheet.append([_cell(v) if k else v for v, k in zip(values, keys, strict=True)])
    for column, key in enumerate(keys, start=1):
        cell = sheet.cell(sheet.max_row, column)
        if key and isinstance(cell.value, (int, float, Decimal)):
            cell.number_format = XLSX_FORMATS[value_kind(key)]


def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Podsumowanie"
    sheet.append([report["title"]])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["sekcja", "wskaźnik", "wartość"])
    for section, label, value, key in keyed_rows(report)[:_summary_rows(report)]:
        _append(sheet, [section, label, value], [None, None, key])
    sheet.append([])
    for label, value in (("Miasto", report["city"]), ("Sporządził(a)", report["prepared_by"])):
        sheet.append(["Dane sprawozdania", label, value])
    sheet.append(["Dane sprawozdania", "Data sporządzenia", _date(report["generated_at"])])
    sheet.cell(sheet.max_row, 3).number_format = pl.XLSX_DATE

    areas = book.create_sheet("Obszary")
    columns = ("competitions", "offers_submitted", "offers_funded", "offers_not_funded",
               "requested", "awarded", "small_grants", "small_grants_amount")
    areas.append(["kod", "obszar", "konkursy", "oferty", "dofinansowane",
                  "niedofinansowane", "wnioskowane (PLN)", "przyznane (PLN)", "małe granty",
                  "małe granty (PLN)"])
    for row in report["summary"]["by_area"]:
        _append(areas, [row["area"], row["name"], *(row[c] for c in columns)],
                [None, None, *columns])

    months = book.create_sheet("Miesiące")
    month_columns = ("organizations_registered", "offers_submitted", "offers_funded",
                     "awarded", "small_grants_amount", "contracts_signed", "comments")
    months.append(["miesiąc", "nowe organizacje", "oferty", "dofinansowane",
                   "przyznane (PLN)", "małe granty (PLN)", "zawarte umowy",
                   "uwagi w konsultacjach"])
    for label, row in month_rows(report):
        _append(months, [label, *(row[c] for c in month_columns)], [None, *month_columns])

    plan = book.create_sheet("Realizacja programu")
    plan.append(["obszar", "planowane (PLN)", "przyznane (PLN)", "przekazane (PLN)",
                 "zwrócone (PLN)", "wykonanie (%)"])
    funds_columns = ("planned", "awarded", "paid", "returned", "execution_pct")
    for row in report["execution"]["funds"]:
        _append(plan, [row["name"], *(row[c] for c in funds_columns)], [None, *funds_columns])
    plan.append([])
    plan.append(["miernik", "obszar", "jednostka", "wartość docelowa", "osiągnięta",
                 "wykonanie (%)"])
    for m in report["execution"]["measures"]:
        _append(plan, [m["name"], m["area_name"], m["unit"], m["target"], m["achieved"],
                       m["execution_pct"]], [None, None, None, "target", "achieved",
                                             "execution_pct"])
        for column in (4, 5):
            cell = plan.cell(plan.max_row, column)
            if cell.value is not None:
                cell.number_format = measure_format(cell.value, m["unit"])

    grants = book.create_sheet("Dotacje")
    grants.append(["organizacja", "tryb", "obszar", "zadanie", "konkurs",
                   "wnioskowane (PLN)", "przyznane (PLN)"])
    for organization in report["grants"]["organizations"]:
        for item in organization["items"]:
            _append(grants, [organization["name"] or organization["organization_id"],
                             "konkurs" if item["kind"] == "competition" else "mały grant",
                             item["area"], item["title"], item["competition_title"],
                             item["requested"], item["amount"]],
                    [None, None, None, None, None, "requested", "amount"])
    return workbook_bytes(book)


def _date(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def month_rows(report: dict[str, Any], names: tuple[str, ...] = MONTH_NAMES
               ) -> list[tuple[str, dict[str, Any]]]:
    """The months in Polish, with the rows before and after the year when they hold
    anything (the programme year's events outside the calendar year)."""
    s = report["summary"]
    year = report["year"]
    result = []
    before, after = s["outside_year"]["before"], s["outside_year"]["after"]
    if _any(before):
        result.append((f"przed {year}", before))
    result.extend((names[r["month"] - 1], r) for r in s["months"])
    if _any(after):
        result.append((f"po {year}", after))
    return result


def _any(row: dict[str, Any]) -> bool:
    return any(Decimal(str(v)) for v in row.values())


def _summary_rows(report: dict[str, Any]) -> int:
    return sum(len(labels) - 1 for labels in SUMMARY_LABELS.values()) + \
        len(report["summary"]["money"]["by_mode"])


def _cell(value: Any) -> Any:
    """Money strings become exact numbers in the spreadsheet (two decimals by the format)."""
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


# charts ------------------------------------------------------------------------
def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[:width - 1].rstrip(" ,") + "…"


def charts(report: dict[str, Any]) -> dict[str, str]:
    s = report["summary"]
    areas = [r for r in s["by_area"] if Decimal(r["awarded"]) + Decimal(r["small_grants_amount"])]
    months = month_rows(report, MONTHS)
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
            "Przyznane środki miesiąc po miesiącu (PLN)", [label for label, _ in months],
            [float(Decimal(m["awarded"])) + float(Decimal(m["small_grants_amount"]))
             for _, m in months]),
    }


def empty_charts(report: dict[str, Any]) -> dict[str, bool]:
    """Which charts have nothing to show: their section says so in words instead."""
    s = report["summary"]
    awarded = Decimal(s["money"]["awarded"]) + Decimal(s["small_grants"]["amount"])
    return {"money_by_area": not awarded,
            "offers": not (s["offers"]["funded"] or s["offers"]["not_funded"]),
            "months": not awarded}


_environment = Environment(loader=PackageLoader("reporting", "templates"),
                           autoescape=select_autoescape(["html"]))
_environment.filters.update({
    "zl": pl.money, "liczba": pl.number, "procent": pl.percent, "data": pl.long_date,
    "ilosc": pl.quantity, "godziny": lambda v: pl.number(v, 2), "figure": polish,
    "miernik": measure_value,
})


def to_html(report: dict[str, Any]) -> str:
    year = report["year"]
    return _environment.get_template("annual.html").render(
        report=report, s=report["summary"], labels=SUMMARY_LABELS, modes=MODE_LABELS,
        charts=charts(report), chart_empty=empty_charts(report),
        month_rows=month_rows(report), top=TOP_ORGANIZATIONS, area_name=stats.area_name,
        programme_sections=PROGRAMME_SECTIONS, calendar_sections=CALENDAR_SECTIONS,
        notes={"programme_year": how_counted(stats.PROGRAMME_YEAR, year),
               "calendar_year": how_counted(stats.CALENDAR_YEAR, year),
               "months": how_counted("months", year),
               "cooperating": how_counted("cooperating", year)})


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
NONE = "'none'"


def content_security_policy(html: str | bytes) -> str:
    """The HTML version's own Content-Security-Policy: nothing but its one stylesheet (by its
    hash, so no other inline style or script runs) and its charts (data: images). The portal
    passes it on with the document, whose style a policy without it would block."""
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    digests = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in _STYLE.findall(text))
    return (f"default-src 'none'; style-src {digests or NONE}; "
            "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def to_pdf(report: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    # tagged (PDF/UA-1): headings, tables and the charts' alternative texts reach screen
    # readers; the language and the title come from the HTML
    return HTML(string=to_html(report)).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)


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
