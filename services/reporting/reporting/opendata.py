"""Open data: the public datasets as CSV and JSON, each with its data dictionary.

Only what is published, and never personal data: no e-mails, no representatives,
no names of people (council members are counted, not named), no comment texts.
Each dataset lists its fields explicitly, so nothing else can slip out.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reporting.projections import COMMENTS
from reporting.stats import Data, amount, money
from wspolpraca.exports import csv_row


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    fields: tuple[Field, ...]
    rows: Callable[[Data], list[dict[str, Any]]]


def _organizations(d: Data) -> list[dict[str, Any]]:
    return [{
        "id": o["_id"], "name": o.get("name"), "legal_form": o.get("legal_form"),
        "nip": o.get("nip"), "regon": o.get("regon"), "krs": o.get("krs"),
        "areas": o.get("areas") or [], "district": o.get("district"),
        "public_benefit": bool(o.get("public_benefit_status")),
        "status": o.get("status"), "registered_at": o.get("registered_at"),
        "verified_at": o.get("verified_at"),
    } for o in sorted(d.organizations, key=lambda o: o["_id"])
        if o.get("status") == "verified"]


def _competitions(d: Data) -> list[dict[str, Any]]:
    offers = Counter(o.get("competition_id") for o in d.offers)
    return [{
        "id": c["_id"], "year": c.get("year"), "title": c.get("title"), "area": c.get("area"),
        "mode": c.get("mode"), "budget": c.get("budget"), "status": c.get("status"),
        "announced_at": c.get("announced_at"),
        "submission_deadline": c.get("submission_deadline"),
        "task_start": c.get("task_start"), "task_end": c.get("task_end"),
        "offers": offers.get(c["_id"], 0),
    } for c in sorted(d.competitions.values(), key=lambda c: c["_id"]) if c.get("announced_at")]


def _results(d: Data) -> list[dict[str, Any]]:
    rows = []
    for o in sorted(d.offers, key=lambda o: o["_id"]):
        competition = d.offer_competition(o)
        if o.get("status") not in ("funded", "not_funded") or \
                competition.get("status") != "resolved":
            continue
        rows.append({
            "offer_id": o["_id"], "competition_id": o.get("competition_id"),
            "competition_title": competition.get("title"), "year": d.offer_year(o),
            "area": d.offer_area(o), "organization_id": o.get("organization_id"),
            "organization_name": d.org_names.get(o.get("organization_id")),
            "title": o.get("title"), "result": o.get("status"),
            "requested_amount": money(amount(o.get("requested_amount"))),
            "awarded_amount": money(amount(o.get("awarded_amount"))),
        })
    return rows


def _small_grants(d: Data) -> list[dict[str, Any]]:
    return [{
        "id": g["_id"], "year": g.get("year"), "organization_id": g.get("organization_id"),
        "organization_name": d.org_names.get(g.get("organization_id")),
        "area": g.get("area"), "title": g.get("title"),
        "requested_amount": g.get("requested_amount"), "status": g.get("status"),
        "awarded_amount": g.get("awarded_amount"), "published_at": g.get("published_at"),
        "task_start": g.get("task_start"), "task_end": g.get("task_end"),
        "comments": len(g.get("comment_ids") or []),
    } for g in sorted(d.small_grants, key=lambda g: g["_id"])
        if g.get("status") in ("published", "awarded", "refused")]


def _consultations(d: Data) -> list[dict[str, Any]]:
    comments = Counter(c.get("consultation_id") for c in d.source.find(COMMENTS))
    return [{
        "id": c["_id"], "title": c.get("title"), "subject": c.get("subject"),
        "act_kind": c.get("act_kind"), "opens_at": c.get("opens_at"),
        "closes_at": c.get("closes_at"), "status": c.get("status"),
        "comments": comments.get(c["_id"], 0),
        "accepted": c.get("accepted"), "partly_accepted": c.get("partly_accepted"),
        "rejected": c.get("rejected"), "report_published_at": c.get("report_published_at"),
    } for c in sorted(d.consultations, key=lambda c: c["_id"])]


def _councils(d: Data) -> list[dict[str, Any]]:
    opinions = Counter(o.get("council_id") for o in d.opinions if o.get("status") == "issued")
    return [{
        "id": c["_id"], "name": c.get("name"), "kind": c.get("kind"),
        "term_start": c.get("term_start"), "term_end": c.get("term_end"),
        "members": c.get("members"), "ngo_members": c.get("ngo_members"),
        "opinions_issued": opinions.get(c["_id"], 0),
    } for c in sorted(d.councils, key=lambda c: c["_id"])]


# fields several datasets share
ID = Field("id", "string", "Identyfikator")
YEAR = Field("year", "integer", "Rok")
AREA = Field("area", "string", "Obszar (kod)")
ORGANIZATION_ID = Field("organization_id", "string", "Identyfikator organizacji")
ORGANIZATION_NAME = Field("organization_name", "string", "Nazwa organizacji")
TASK_TITLE = Field("title", "string", "Tytuł zadania")
REQUESTED = Field("requested_amount", "money", "Wnioskowana kwota (PLN)")
SHARED_FIELDS = {f.name: f for f in (ID, YEAR, AREA, ORGANIZATION_ID, ORGANIZATION_NAME,
                                      TASK_TITLE, REQUESTED)}


def _fields(table: str) -> tuple[Field, ...]:
    """A dataset's fields, one a line: the name, its type and its description; a name alone
    is the field of that name several datasets share (`SHARED_FIELDS`)."""
    found = []
    for line in table.strip().splitlines():
        name, *rest = line.split(maxsplit=2)
        found.append(Field(name, *rest) if rest else SHARED_FIELDS[name])
    return tuple(found)


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("organizations", "Zweryfikowane organizacje pozarządowe", _fields("""
        id
        name            string    Nazwa organizacji
        legal_form      string    Forma prawna (kod)
        nip             string    NIP
        regon           string    REGON
        krs             string    Numer KRS
        areas           array     Obszary działalności pożytku publicznego (kody)
        district        string    Dzielnica
        public_benefit  boolean   Status organizacji pożytku publicznego
        status          string    Status w bazie organizacji
        registered_at   datetime  Data rejestracji w bazie
        verified_at     datetime  Data weryfikacji
    """), _organizations),
    Dataset("competitions", "Otwarte konkursy ofert", _fields("""
        id
        year                 integer   Rok programu współpracy
        title                string    Tytuł konkursu
        area
        mode                 string    Tryb: supporting (wspieranie) lub entrusting (powierzanie)
        budget               money     Środki na realizację zadania (PLN)
        status               string    Stan konkursu
        announced_at         datetime  Data ogłoszenia
        submission_deadline  datetime  Termin składania ofert
        task_start           date      Początek realizacji zadania
        task_end             date      Koniec realizacji zadania
        offers               integer   Liczba złożonych ofert
    """), _competitions),
    Dataset("results", "Wyniki otwartych konkursów ofert (z kwotami dotacji)", _fields("""
        offer_id           string    Identyfikator oferty
        competition_id     string    Identyfikator konkursu
        competition_title  string    Tytuł konkursu
        year
        area
        organization_id
        organization_name
        title
        result             string    funded (dofinansowana) lub not_funded (nie)
        requested_amount
        awarded_amount     money     Przyznana dotacja (PLN)
    """), _results),
    Dataset("small_grants", "Małe granty (art. 19a)", _fields("""
        id
        year
        organization_id
        organization_name
        area
        title
        requested_amount
        status             string    Stan: published, awarded, refused
        awarded_amount     money     Przyznana kwota (PLN)
        published_at       datetime  Data publikacji oferty
        task_start         date      Początek zadania
        task_end           date      Koniec zadania
        comments           integer   Liczba uwag do oferty
    """), _small_grants),
    Dataset("consultations", "Konsultacje projektów aktów", _fields("""
        id
        title                string    Tytuł
        subject              string    Przedmiot
        act_kind             string    Rodzaj aktu
        opens_at             datetime  Otwarcie
        closes_at            datetime  Zamknięcie
        status               string    Stan
        comments             integer   Liczba uwag
        accepted             integer   Uwagi uwzględnione
        partly_accepted      integer   Uwagi uwzględnione częściowo
        rejected             integer   Uwagi nieuwzględnione
        report_published_at  datetime  Publikacja sprawozdania
    """), _consultations),
    Dataset("councils", "Rady i komisje dialogu", _fields("""
        id
        name             string    Nazwa
        kind             string    Rodzaj
        term_start       date      Początek kadencji
        term_end         date      Koniec kadencji
        members          integer   Liczba członków
        ngo_members      integer   Członkowie z organizacji pozarządowych
        opinions_issued  integer   Wydane opinie
    """), _councils),
)}


FORMATS_NOTE = (
    "CSV i JSON są w formacie maszynowym: kwoty jako liczby z kropką dziesiętną i dwoma "
    "miejscami po przecinku (\"178500.00\", w złotych), daty ISO 8601 (RRRR-MM-DD), czas "
    "RFC 3339 w UTC, wartości logiczne true/false, listy w CSV rozdzielone średnikiem; CSV w "
    "UTF-8 z przecinkiem jako separatorem. Komórka CSV, która zaczynałaby się od =, +, -, @, "
    "tabulatora lub CR (a nie jest liczbą), ma na początku apostrof, żeby arkusz nie odczytał "
    "jej jako formuły. Formatowanie polskie (\"178 500,00 zł\", \"7 grudnia 2026\") mają "
    "tylko dokumenty dla ludzi: sprawozdanie w HTML, PDF i XLSX.")


def dictionary() -> dict[str, Any]:
    return {"formats": FORMATS_NOTE, "datasets": [{
        "name": ds.name, "title": ds.title,
        "formats": ["csv", "json"],
        "path": f"/api/v1/open-data/{ds.name}.{{csv|json}}",
        "fields": [{"name": f.name, "type": f.type, "description": f.description}
                   for f in ds.fields],
    } for ds in DATASETS.values()]}


def rows(dataset: Dataset, d: Data, year: int | None = None) -> list[dict[str, Any]]:
    result = dataset.rows(d)
    names = [f.name for f in dataset.fields]
    result = [{name: row.get(name) for name in names} for row in result]
    if year is not None and "year" in names:
        result = [r for r in result if r["year"] == year]
    return result


def to_json(dataset: Dataset, items: list[dict[str, Any]]) -> str:
    return json.dumps({"dataset": dataset.name, "items": items}, ensure_ascii=False)


def to_csv(dataset: Dataset, items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in dataset.fields])
    for row in items:
        writer.writerow(csv_row(["" if row[f.name] is None
                                 else ";".join(row[f.name]) if isinstance(row[f.name], list)
                                 else str(row[f.name]).lower() if isinstance(row[f.name], bool)
                                 else row[f.name] for f in dataset.fields]))
    return out.getvalue()
