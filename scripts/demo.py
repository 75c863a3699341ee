"""`make demo`: fills a running system (`make run`) with a demo city year.

Everything goes through the public HTTP APIs, with development tokens (the same ones
`make token` mints): departments, about thirty organisations with valid identifiers across the areas
(registered and verified, and two left for the office to verify), next year's cooperation
programme with funds per area, competitions in several areas with offers, small grants with
public comments, the consultation of the programme with comments and its report, the public
benefit council with a meeting and opinions, inquiries to the liaison office (some waiting in a
department), and the city's rooms and equipment that organisations book (one booking waiting
for the department), and the demo accounts in identity (one representation request left for the
office). At the end it prints the portal's sign-in and each account's workspace, and where to
look.

Safe to run twice: every record has a stable name and is looked up before it is created; what
exists is reused (organisations by their deterministic NIP, the year's programme, competitions
and small grants by title, the council by kind, the consultation and inquiries by subject).

Waiting steps (the law's deadlines) are not waited for: the competitions stay open for offers
(the deadline is at least 21 days after the announcement, art. 13 ust. 1) and the small grants
stay published for comments (7 days, art. 19a ust. 3). With `--time-travel` (or
TIME_TRAVEL=1), like `scripts/api-flows.sh`, the script moves just those dates of the demo's own
records a second into the past *in the local database* (MONGO_URI, the embedded SecantusDB of
`make run` by default) and goes on: closing, committee, scores, results, contracts, task reports,
settlements and small-grant awards. That is a development shortcut, not an API: never use it
against a real city's database (it refuses a database whose hosts are not this machine's).

Even without it, one competition (`COMMITTEE_COMPETITION`) has its deadline moved the same way so
that the committee has work: closed, komisja1@ and komisja2@ (and an NGO member) appointed,
every offer assigned to each; their declaration and scores wait for them at /komisja. Where the
local database cannot be reached (a city run by docker compose), that step is skipped.

    .venv/bin/python scripts/demo.py [--time-travel]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from wspolpraca.auth import mint_token
from wspolpraca.config import resolve_mongo
from wspolpraca.testing.identifiers import nip_for

REGISTRY = os.environ.get("REGISTRY", "http://127.0.0.1:8001")
GRANTS = os.environ.get("GRANTS", "http://127.0.0.1:8002")
CONSULTATIONS = os.environ.get("CONSULTATIONS", "http://127.0.0.1:8003")
NOTIFICATIONS = os.environ.get("NOTIFICATIONS", "http://127.0.0.1:8004")
REPORTING = os.environ.get("REPORTING", "http://127.0.0.1:8005")
IDENTITY = os.environ.get("IDENTITY", "http://127.0.0.1:8006")
PORTAL = os.environ.get("PORTAL", "http://127.0.0.1:8000")
# the password of every demo account (a documented default for the local run only)
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "wspolpraca-demo-2026")
MONGO_URI = os.environ.get(
    "MONGO_URI", "mongodb://127.0.0.1:{}/?directConnection=true".format(
        os.environ.get("WSPOLPRACA_EMBEDDED_MONGO_PORT", "27027")))
WARSAW = ZoneInfo("Europe/Warsaw")

OFFICER = mint_token("demo-officer", ["officer"])
ADMIN = mint_token("demo-admin", ["admin"])
COMMITTEE = [("demo-official-1", "Anna Urzędnik", "official"),
             ("demo-official-2", "Tomasz Referent", "official"),
             ("demo-ngo-member", "Barbara Społeczna", "ngo")]
# the committee's officials are the demo accounts `komisja1@` and `komisja2@` when identity runs
# (their account ids, filled in by `accounts`), so /komisja shows them their competitions
# the competition whose committee is at work without --time-travel (`committee_at_work`): the
# last one, so the others stay open for offers (the browser tests submit to them)
COMMITTEE_COMPETITION = "Profilaktyka zdrowotna mieszkańców"
# a competition's statuses before its results (a committee appointed: under evaluation)
UNDECIDED = ("announced", "closed", "under_evaluation")
COMMITTEE_ACCOUNTS = {"demo-official-1": "komisja1@example.org",
                      "demo-official-2": "komisja2@example.org"}
ACCOUNT_IDS: dict[str, str] = {}

DEPARTMENTS = [
    ("social_policy", "Wydział Polityki Społecznej",
     ["social_assistance", "seniors", "disability", "social_inclusion", "charity",
      "addiction_prevention", "family_support_foster_care"], "Katarzyna Nowak"),
    ("culture", "Wydział Kultury", ["culture", "national_tradition", "tourism"],
     "Michał Wiśniewski"),
    ("sport", "Wydział Sportu", ["sport"], "Paweł Zieliński"),
    ("education", "Wydział Edukacji", ["education", "children_and_youth"], "Agnieszka Lewandowska"),
    ("health", "Wydział Zdrowia", ["health"], "Joanna Wójcik"),
    ("environment", "Wydział Ochrony Środowiska", ["ecology"], "Krzysztof Kamiński"),
]

# registered but left for the liaison office to verify (not among ORGANISATIONS: the demo's
# figures are those thirty's); the first is also asked for by `ngo3@` (a representation request)
PENDING_ORGANISATIONS = [
    ("Fundacja Nowe Sąsiedztwo", "foundation", ["local_communities", "social_inclusion"]),
    ("Stowarzyszenie Rowerowe Miasto", "association", ["ecology", "sport"]),
]

# a room booking waiting for the department's decision (organisation index, purpose; not the
# organisations of ngo1@-ngo3@, whose bookings journey 5 finds by name)
PENDING_BOOKING = (4, "Warsztaty dla przewodników po dzielnicach")

DISTRICTS = ["Bałuty", "Widzew", "Górna", "Polesie", "Śródmieście"]

# (name, legal form, areas)
ORGANISATIONS = [
    ("Fundacja Teatr Na Podwórku", "foundation", ["culture"]),
    ("Stowarzyszenie Przyjaciół Muzyki Dawnej", "association", ["culture", "national_tradition"]),
    ("Fundacja Kino Osiedlowe", "foundation", ["culture", "local_communities"]),
    ("Stowarzyszenie Galeria Otwarta", "association", ["culture"]),
    ("Fundacja Dziedzictwo Miasta", "foundation", ["culture", "tourism"]),
    ("Klub Sportowy Orzeł", "sports_club", ["sport"]),
    ("Uczniowski Klub Sportowy Delfin", "sports_club", ["sport", "children_and_youth"]),
    ("Stowarzyszenie Biegamy Razem", "association", ["sport", "health"]),
    ("Klub Szachowy Hetman", "sports_club", ["sport", "education"]),
    ("Fundacja Aktywny Senior", "foundation", ["seniors", "social_inclusion"]),
    ("Stowarzyszenie Uniwersytet Trzeciego Wieku", "association", ["seniors", "education"]),
    ("Fundacja Pogodna Jesień", "foundation", ["seniors", "health"]),
    ("Stowarzyszenie Pomocy Sąsiedzkiej", "association", ["social_assistance", "charity"]),
    ("Fundacja Ciepły Posiłek", "foundation", ["social_assistance", "charity"]),
    ("Stowarzyszenie Bez Barier", "association", ["disability", "social_inclusion"]),
    ("Fundacja Słyszę Cię", "foundation", ["disability", "health"]),
    ("Fundacja Zdrowe Miasto", "foundation", ["health"]),
    ("Stowarzyszenie Trzeźwe Życie", "association", ["addiction_prevention", "health"]),
    ("Fundacja Młodzi Odkrywcy", "foundation", ["education", "children_and_youth"]),
    ("Stowarzyszenie Edukacji Obywatelskiej", "association", ["education", "human_rights"]),
    ("Fundacja Kodujemy Razem", "foundation", ["education", "innovation"]),
    ("Stowarzyszenie Zielone Podwórka", "association", ["ecology", "local_communities"]),
    ("Fundacja Czysta Rzeka", "foundation", ["ecology"]),
    ("Stowarzyszenie Ochrony Ptaków Miejskich", "association", ["ecology", "education"]),
    ("Fundacja Wolontariat Miejski", "foundation", ["volunteering", "ngo_support"]),
    ("Stowarzyszenie Rodzin Zastępczych", "association", ["family_support_foster_care"]),
    ("Fundacja Nowy Dom", "foundation", ["foreigners_integration", "social_inclusion"]),
    ("Ochotnicza Straż Pożarna Dzielnicy Północ", "association",
     ["civil_protection", "public_safety"]),
    ("Spółdzielnia Socjalna Dobre Ręce", "social_cooperative",
     ["employment", "social_inclusion"]),
    ("Fundacja Wspierania Organizacji Lokalnych", "foundation",
     ["ngo_support", "local_communities"]),
]

# programme funds per area (reused as they are when the year already has a programme)
FUNDS = {"culture": "900000.00", "sport": "700000.00", "seniors": "300000.00",
         "social_assistance": "500000.00", "disability": "250000.00", "health": "200000.00",
         "education": "350000.00", "ecology": "150000.00", "addiction_prevention": "180000.00",
         "volunteering": "50000.00", "ngo_support": "80000.00"}

# the programme's measures of execution (art. 5a ust. 4); `indicator`: counted by the platform
MEASURES = [
    {"name": "Ogłoszone otwarte konkursy ofert", "unit": "szt.", "target": "6",
     "indicator": "competitions_announced"},
    {"name": "Oferty dofinansowane", "unit": "szt.", "target": "12",
     "indicator": "offers_funded"},
    {"name": "Środki przyznane na kulturę", "unit": "zł", "target": "150000.00",
     "area": "culture", "indicator": "funds_awarded"},
    {"name": "Organizacje współpracujące", "unit": "szt.", "target": "20",
     "indicator": "organizations_cooperating"},
    {"name": "Uczestnicy szkoleń dla organizacji", "unit": "os.", "target": "40",
     "indicator": "participants_registered"},
    {"name": "Ocena współpracy w ankiecie organizacji", "unit": "%", "target": "75"},
]

# (title, area, budget, mode)
COMPETITIONS = [
    ("Festiwale i wydarzenia kulturalne w dzielnicach", "culture", "60000.00", "supporting"),
    ("Zajęcia sportowe dla dzieci i młodzieży", "sport", "50000.00", "supporting"),
    ("Aktywizacja seniorów", "seniors", "40000.00", "supporting"),
    ("Ekologiczne podwórka", "ecology", "30000.00", "entrusting"),
    ("Profilaktyka zdrowotna mieszkańców", "health", "30000.00", "supporting"),
]

SMALL_GRANTS = [  # (organisation index, area, title, amount)
    (3, "culture", "Wernisaż młodych artystów", "4500.00"),
    (7, "sport", "Bieg Niepodległości dla rodzin", "6000.00"),
    (22, "ecology", "Sprzątanie brzegów rzeki", "3000.00"),
]

INQUIRIES = [
    ("culture", "Dotacja na festiwal sąsiedzki",
     "Czy festiwal sąsiedzki może być dofinansowany w trybie małego grantu?"),
    ("sport", "Wynajem hali sportowej", "Jak zarezerwować halę na turniej dla dzieci?"),
    ("seniors", "Klub seniora w dzielnicy", "Czy miasto wspiera lokale dla klubów seniora?"),
    ("ecology", "Zbiórka elektrośmieci", "Czy wydział może pomóc w organizacji zbiórki?"),
    ("social_assistance", "Lokal na punkt wydawania posiłków",
     "Czy miasto użycza lokalu na punkt wydawania ciepłych posiłków?"),
    ("disability", "Dostępność sali dla osób na wózkach",
     "Czy sala w Centrum Organizacji Pozarządowych ma podjazd i windę?"),
]

# city rooms and equipment lent to organisations (the first department manages them):
# (name, kind, address, capacity, opening hours)
WEEKDAYS_8_TO_20 = [{"day": d, "opens": "08:00", "closes": "20:00"}
                    for d in ("mon", "tue", "wed", "thu", "fri")]
RESOURCES = [
    ("Sala konferencyjna w Centrum Organizacji Pozarządowych", "room",
     "ul. Piotrkowska 113", 40,
     [*WEEKDAYS_8_TO_20, {"day": "sat", "opens": "10:00", "closes": "16:00"}]),
    ("Sala warsztatowa w Domu Sąsiedzkim", "room", "ul. Zachodnia 54", 20, WEEKDAYS_8_TO_20),
    ("Nagłośnienie przenośne z dwoma mikrofonami", "equipment", "ul. Piotrkowska 113", None,
     WEEKDAYS_8_TO_20),
]


# --- HTTP ---------------------------------------------------------------------------------

class Unexpected(Exception):
    pass


http = requests.Session()
NOT_YET_PROJECTED = {"organization_not_eligible", "unknown_organization",
                     "organization_not_verified"}


def call(method: str, url: str, token: str | None = None, body=None, expect=(200, 201),
         retry_422: bool = False) -> requests.Response:
    """One request; an unexpected status stops the demo with the answer. `retry_422`: the
    registry's events take a moment to reach the organisations grants and consultations keep
    (a refused request changes nothing, so repeating it is safe)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for _ in range(60 if retry_422 else 1):
        response = http.request(method, url, headers=headers, json=body, timeout=60)
        if not (retry_422 and response.status_code == 422
                and NOT_YET_PROJECTED & set(response.text.replace('"', " ").split())):
            break
        time.sleep(0.25)
    if response.status_code not in expect:
        raise Unexpected(f"{method} {url} -> {response.status_code}: {response.text[:800]}")
    return response


def items(url: str, token: str | None = None, **params) -> list[dict]:
    """Every item of a paginated list."""
    found: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 200, **({"cursor": cursor} if cursor else {})}
        query_string = "&".join(f"{k}={v}" for k, v in query.items())
        page = call("GET", f"{url}?{query_string}", token).json()
        found.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return found


COUNTS: dict[str, list[int]] = {}


def tally(kind: str, created: bool) -> None:
    COUNTS.setdefault(kind, [0, 0])[0 if created else 1] += 1


def say(message: str) -> None:
    print(message, flush=True)


# --- identifiers --------------------------------------------------------------------------

def regon(seed: str) -> str:
    weights = (8, 9, 2, 3, 4, 5, 6, 7)
    number = int(hashlib.sha256(f"regon/{seed}".encode()).hexdigest(), 16)
    digits = str(1 + number % 9) + f"{(number // 9) % 10**7:07d}"
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return digits + str(check)


def krs(seed: str) -> str:
    number = int(hashlib.sha256(f"krs/{seed}".encode()).hexdigest(), 16)
    return f"{number % 10**9 + 1:010d}"


def slug(text: str) -> str:
    table = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
    return "".join(c if c.isalnum() else "-" for c in text.translate(table).lower()).strip("-")


# --- the city -----------------------------------------------------------------------------

def departments() -> None:
    say("== departments")
    existing = {d.get("code") or d.get("id")
                for d in items(f"{REGISTRY}/api/v1/departments")}
    for code, name, areas, person in DEPARTMENTS:
        if code in existing:
            tally("departments", False)
            continue
        call("POST", f"{REGISTRY}/api/v1/departments", OFFICER,
             {"code": code, "name": name, "areas": areas, "contact_person": person,
              "email": f"{code}@um.example.pl"}, expect=(201, 409))
        tally("departments", True)


def resources() -> None:
    say("== rooms and equipment")
    department = DEPARTMENTS[0][0]
    existing = {r["name"] for r in items(f"{REGISTRY}/api/v1/resources", department=department)}
    for name, kind, address, capacity, hours in RESOURCES:
        if name in existing:
            tally("resources", False)
            continue
        call("POST", f"{REGISTRY}/api/v1/resources", OFFICER, {
            "name": name, "kind": kind, "address": address, "district": "Śródmieście",
            "capacity": capacity, "department": department, "opening_hours": hours,
            "description": "Bezpłatnie dla organizacji pozarządowych działających w mieście."})
        tally("resources", True)


def organisations(listed: list[tuple[str, str, list[str]]] = ORGANISATIONS,
                  verify: bool = True) -> list[dict]:
    """Registers the organisations and verifies them unless `verify` is false; returns them (id,
    name, areas) in order."""
    say("== organisations" if verify else "== organisations waiting for verification")
    found: list[dict] = []
    for index, (name, form, areas) in enumerate(listed):
        attempt = 0
        while True:
            number = nip_for(f"wspolpraca-demo/{name}/{attempt}")
            body = {"name": name, "legal_form": form, "nip": number,
                    "regon": regon(number), "areas": areas,
                    "email": f"biuro@{slug(name)[:40]}.example.pl",
                    "phone": f"+48 42 600 {index:02d} {index + 10:02d}",
                    "district": DISTRICTS[index % len(DISTRICTS)],
                    "representatives": [{"name": f"Prezes {name.split()[-1]}",
                                         "role": "Prezes zarządu"}]}
            if form in ("foundation", "association"):
                body["krs"] = krs(number)
            response = call("POST", f"{REGISTRY}/api/v1/organizations", OFFICER, body,
                            expect=(201, 409, 422))
            if response.status_code == 422 and "representatives" in response.text:
                body.pop("representatives")
                response = call("POST", f"{REGISTRY}/api/v1/organizations", OFFICER, body,
                                expect=(201, 409))
            if response.status_code == 422:
                raise Unexpected(f"POST /organizations -> 422: {response.text[:800]}")
            if response.status_code == 201:
                record = response.json()
                tally("organisations", True)
                break
            # 409: the NIP is taken; ours (an earlier demo run) or, rarely, someone else's
            same = [o for o in items(f"{REGISTRY}/api/v1/organizations", OFFICER, q=name)
                    if o.get("nip") == number]
            if same:
                record = same[0]
                tally("organisations", False)
                break
            attempt += 1
        if verify and record.get("status") != "verified":
            call("POST", f"{REGISTRY}/api/v1/organizations/{record['id']}/verify", OFFICER,
                 expect=(200, 409))
        found.append({"id": record["id"], "name": name, "areas": areas})
    return found


def ngo_token(org: dict) -> str:
    return mint_token(f"demo-ngo-{org['id']}", ["ngo"], org_id=org["id"])


def programme(year: int) -> dict:
    say(f"== cooperation programme {year}")
    existing = items(f"{GRANTS}/api/v1/programmes", OFFICER, year=year)
    if existing:
        record = existing[0]
        tally("programme", False)
    else:
        record = call("POST", f"{GRANTS}/api/v1/programmes", OFFICER, {
            "year": year,
            "title": f"Program współpracy z organizacjami pozarządowymi na {year} rok",
            "goals": ["Wzmacnianie aktywności obywatelskiej mieszkańców",
                      "Rozwój usług społecznych realizowanych przez organizacje"],
            "priority_tasks": [{"area": a, "task": t} for a, t in [
                ("culture", "Wydarzenia kulturalne w dzielnicach"),
                ("sport", "Sport dzieci i młodzieży"),
                ("seniors", "Aktywizacja osób starszych"),
                ("ecology", "Zielone podwórka")]],
            "funds": [{"area": a, "amount": v} for a, v in FUNDS.items()],
            # the council's resolution and the measures the annual report assesses it by
            "resolution": {"number": f"LXX/{year - 1}/{year - 1}", "date": f"{year - 1}-11-26"},
            "measures": MEASURES}).json()
        tally("programme", True)
        call("POST", f"{GRANTS}/api/v1/programmes/{record['id']}/consult", OFFICER)
    return record


def adopt(record: dict) -> dict:
    if record["status"] != "adopted":
        record = call("POST", f"{GRANTS}/api/v1/programmes/{record['id']}/adopt", OFFICER).json()
    return record


def department_for(area: str) -> str:
    """The demo department handling the area runs its competitions (else the liaison office)."""
    return next((code for code, _, areas, _ in DEPARTMENTS if area in areas), "liaison_office")


def competitions(year: int, programme_record: dict, orgs: list[dict]) -> list[dict]:
    say("== competitions and offers")
    remaining = {f["area"]: Decimal(f.get("remaining", f["amount"]))
                 for f in programme_record["funds"]}
    existing = {c["title"]: c for c in items(f"{GRANTS}/api/v1/competitions", OFFICER, year=year)}
    today = datetime.now(WARSAW).date()
    deadline = datetime.combine(today + timedelta(days=25), datetime.min.time().replace(hour=12),
                                WARSAW).isoformat()
    done = []
    for title, area, budget, mode in COMPETITIONS:
        if title in existing:
            if existing[title]["status"] == "draft":  # an earlier run stopped half-way
                existing[title] = call("POST", f"{GRANTS}/api/v1/competitions/"
                                               f"{existing[title]['id']}/announce", OFFICER).json()
            by_id = {o["id"]: o for o in orgs}
            offers = [{**o, "org": by_id.get(o["organization_id"])}
                      for o in items(f"{GRANTS}/api/v1/offers", OFFICER,
                                     competition_id=existing[title]["id"])]
            done.append({**existing[title], "offers": offers})
            tally("competitions", False)
            continue
        # an existing programme (reused as it is) may have less left than the demo plans
        budget = str(min(Decimal(budget), (remaining.get(area, Decimal(0)) / 2).quantize(
            Decimal("1000"), rounding="ROUND_DOWN")).quantize(Decimal("0.01")))
        if Decimal(budget) < 5000:
            say(f"   skipped {title!r}: the programme {year} has no funds left for {area}")
            continue
        remaining[area] -= Decimal(budget)
        competition = call("POST", f"{GRANTS}/api/v1/competitions", OFFICER, {
            "title": title, "area": area, "mode": mode, "budget": budget,
            "submission_deadline": deadline, "task_start": f"{year}-03-01",
            "task_end": f"{year}-11-30",
            # entrusting: the city pays for the whole task (no own contribution)
            "min_own_contribution_pct": "0" if mode == "entrusting" else "10",
            "criteria": [{"name": "Jakość merytoryczna", "max_points": 10},
                         {"name": "Koszty", "max_points": 5},
                         {"name": "Doświadczenie", "max_points": 5}],
            "task_description": f"{title}: zadanie publiczne na {year} rok.",
            "award_rules": "Zgodnie z programem współpracy i ogłoszeniem.",
            "department": department_for(area)}).json()
        # the announced record (status "announced"): --time-travel settles only those
        competition = call("POST", f"{GRANTS}/api/v1/competitions/{competition['id']}/announce",
                           OFFICER).json()
        tally("competitions", True)
        offers = []
        bidders = [o for o in orgs if area in o["areas"]][:3]
        for n, org in enumerate(bidders):
            requested = (Decimal(budget) * Decimal(("0.45", "0.40", "0.35")[n])).quantize(
                Decimal("1"))
            total = requested if mode == "entrusting" else \
                (requested / Decimal("0.8")).quantize(Decimal("1"))
            own = total - requested
            offer = call("POST", f"{GRANTS}/api/v1/competitions/{competition['id']}/offers",
                         ngo_token(org), {
                             "organization_id": org["id"], "title": f"{title} — {org['name']}",
                             "requested_amount": f"{requested}.00",
                             "own_contribution": {"financial": f"{own}.00",
                                                  "non_financial": "0.00"},
                             "total_cost": f"{total}.00",
                             "task_start": f"{year}-03-01", "task_end": f"{year}-11-30",
                             "cost_items": [{"name": "Wynagrodzenia",
                                             "amount": f"{total - total // 4}.00"},
                                            {"name": "Materiały", "amount": f"{total // 4}.00"}]},
                         retry_422=True).json()
            offers.append({**offer, "org": org})
            tally("offers", True)
        done.append({**competition, "offers": offers})
    return done


def small_grants(year: int, programme_record: dict, orgs: list[dict]) -> list[dict]:
    say("== small grants (art. 19a) with public comments")
    done = []
    remaining = {f["area"]: Decimal(f.get("remaining", f["amount"]))
                 for f in programme_record["funds"]}
    for index, area, title, amount in SMALL_GRANTS:
        org = orgs[index]
        existing = [g for g in items(f"{GRANTS}/api/v1/small-grants", OFFICER,
                                     organization_id=org["id"]) if g["title"] == title]
        if existing:
            done.append(existing[0])
            tally("small grants", False)
            continue
        if remaining.get(area, Decimal(0)) < Decimal(amount):
            say(f"   skipped {title!r}: the programme {year} has no funds left for {area}")
            continue
        remaining[area] -= Decimal(amount)
        grant = call("POST", f"{GRANTS}/api/v1/small-grants", ngo_token(org), {
            "organization_id": org["id"], "area": area, "title": title,
            "requested_amount": amount,
            "own_contribution": {"financial": "200.00", "non_financial": "0.00"},
            "total_cost": f"{Decimal(amount) + 200}", "task_start": f"{year}-04-01",
            "task_end": f"{year}-06-29",
            "cost_items": [{"name": "Koszty realizacji", "amount": f"{Decimal(amount) + 200}"}]},
            retry_422=True).json()
        # the published record: --time-travel awards only published small grants
        grant = call("POST", f"{GRANTS}/api/v1/small-grants/{grant['id']}/publish",
                     OFFICER).json()
        for author, text in [("Jan Mieszkaniec", "Świetny pomysł, chętnie wezmę udział."),
                             ("Maria Sąsiadka", "Prosimy o termin w weekend.")]:
            call("POST", f"{GRANTS}/api/v1/small-grants/{grant['id']}/comments", None,
                 {"author": author, "text": text})
        done.append(grant)
        tally("small grants", True)
    return done


def consultation(year: int, programme_record: dict, orgs: list[dict]) -> dict:
    say(f"== consultation of the programme {year}")
    title = f"Konsultacje projektu programu współpracy na {year} rok"
    existing = [c for c in items(f"{CONSULTATIONS}/api/v1/consultations", OFFICER)
                if c["title"] == title]
    if existing:
        tally("consultations", False)
        return existing[0]
    now = datetime.now(UTC).replace(microsecond=0)
    record = call("POST", f"{CONSULTATIONS}/api/v1/consultations", OFFICER, {
        "title": title,
        "subject": "Roczny program współpracy miasta z organizacjami pozarządowymi",
        "act_kind": "cooperation_programme", "programme_id": programme_record["id"],
        "draft_text": "§ 1. Celem głównym programu jest ... § 2. Zadania priorytetowe ...",
        "sections": ["§ 1 Cele", "§ 2 Zadania priorytetowe", "§ 3 Środki"],
        "forms": ["written_comments", "meeting"],
        "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=14)).isoformat(),
        "addressees": {"scope": "all"}, "residents_may_comment": True}).json()
    tally("consultations", True)
    meeting_day = (now + timedelta(days=3)).date()
    call("POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/meetings", OFFICER, {
        "starts_at": f"{meeting_day}T15:00:00+00:00", "ends_at": f"{meeting_day}T17:00:00+00:00",
        "place": "Urząd Miasta, sala 101"})
    comments = []
    for org, section, text in [
            (orgs[9], "§ 2 Zadania priorytetowe", "Proponujemy zadanie: kluby seniora w każdej "
                                                  "dzielnicy."),
            (orgs[21], "§ 3 Środki", "Zwiększyć środki na ekologię o 50 000 zł.")]:
        comments.append(call(
            "POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/comments",
            ngo_token(org), {"author": f"Przedstawiciel: {org['name']}",
                             "organization_id": org["id"], "text": text, "section": section},
            retry_422=True).json())
    comments.append(call("POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/comments",
                         None, {"author": "Jan Nowicki",
                                "text": "Więcej wydarzeń kulturalnych na Widzewie."}).json())
    call("POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/close", OFFICER)
    for comment, decision, reason in zip(comments, ("accepted", "partially_accepted", "rejected"),
                                         ("Dodano zadanie w § 2.", "Zwiększono o 20 000 zł.",
                                          "Zakres programu obejmuje całe miasto."), strict=True):
        response = call(
            "POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/comments/"
                    f"{comment['id']}/answer", OFFICER, {"decision": decision, "reason": reason},
            expect=(200, 422))
        if response.status_code == 422:  # a decision this service does not know
            call("POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/comments/"
                         f"{comment['id']}/answer", OFFICER,
                 {"decision": "accepted", "reason": reason})
    call("POST", f"{CONSULTATIONS}/api/v1/consultations/{record['id']}/report/publish", OFFICER)
    return record


def council(year: int, orgs: list[dict], consultation_record: dict) -> dict:
    say("== the public benefit council")
    existing = [c for c in items(f"{CONSULTATIONS}/api/v1/councils")
                if c.get("kind") == "public_benefit_council"]
    if existing:
        tally("councils", False)
        return existing[0]
    supporters = [o["id"] for o in orgs[:6]]
    request = call("POST", f"{CONSULTATIONS}/api/v1/councils/requests", ngo_token(orgs[0]), {
        "kind": "public_benefit_council", "name": "Rada Działalności Pożytku Publicznego Miasta",
        "supporters": supporters, "justification": "Potrzeba stałego dialogu z miastem."},
        retry_422=True).json()
    today = datetime.now(WARSAW).date()
    record = call("POST", f"{CONSULTATIONS}/api/v1/councils", OFFICER, {
        "name": "Rada Działalności Pożytku Publicznego Miasta", "kind": "public_benefit_council",
        "term_start": today.isoformat(), "request_id": request["id"],
        "members": [{"name": "Anna Nowak", "side": "ngo", "organization_id": orgs[0]["id"]},
                    {"name": "Piotr Wiśniewski", "side": "ngo",
                     "organization_id": orgs[9]["id"]},
                    {"name": "Ewa Malinowska", "side": "ngo", "organization_id": orgs[12]["id"]},
                    {"name": "Jan Kowalski", "side": "city"},
                    {"name": "Maria Zielińska", "side": "city"}]}).json()
    tally("councils", True)
    meeting_day = today + timedelta(days=5)
    meeting = call("POST", f"{CONSULTATIONS}/api/v1/councils/{record['id']}/meetings", OFFICER, {
        "title": "Posiedzenie RDPP nr 1", "starts_at": f"{meeting_day}T14:00:00+00:00",
        "ends_at": f"{meeting_day}T16:00:00+00:00", "place": "Ratusz, sala sesyjna",
        "agenda": ["Wybór przewodniczącego", "Opinia o programie współpracy"]}).json()
    call("POST", f"{CONSULTATIONS}/api/v1/councils/{record['id']}/meetings/{meeting['id']}/minutes",
         OFFICER, {"attendance": [m["id"] for m in record["members"][:4]],
                   "minutes": "Obrady otwarto. Wybrano przewodniczącą.",
                   "resolutions": [{"number": f"1/{year}",
                                    "title": "W sprawie wyboru przewodniczącego"}]})
    issued = call("POST", f"{CONSULTATIONS}/api/v1/councils/{record['id']}/opinion-requests",
                  OFFICER, {"subject": f"Projekt programu współpracy na {year} rok",
                            "consultation_id": consultation_record["id"]}).json()
    call("POST", f"{CONSULTATIONS}/api/v1/councils/{record['id']}/opinion-requests/"
                 f"{issued['id']}/opinion", OFFICER,
         {"opinion": "Rada opiniuje projekt programu pozytywnie."})
    call("POST", f"{CONSULTATIONS}/api/v1/councils/{record['id']}/opinion-requests", OFFICER,
         {"subject": "Projekt uchwały w sprawie budżetu obywatelskiego"})
    return record


def inquiries(orgs: list[dict]) -> None:
    say("== inquiries to the liaison office")
    existing = {i["subject"] for i in items(f"{REGISTRY}/api/v1/inquiries", OFFICER)}
    for n, (area, subject, text) in enumerate(INQUIRIES):
        if subject in existing:
            tally("inquiries", False)
            continue
        org = orgs[n * 5]
        inquiry = call("POST", f"{REGISTRY}/api/v1/inquiries", ngo_token(org), {
            "subject": subject, "text": text, "area": area, "name": f"Biuro: {org['name']}",
            "email": f"biuro@{slug(org['name'])[:40]}.example.pl",
            "organization_id": org["id"]}).json()
        tally("inquiries", True)
        if n % 2 == 0:  # half are answered at once, the rest wait in the departments
            call("POST", f"{REGISTRY}/api/v1/inquiries/{inquiry['id']}/answer", OFFICER,
                 {"answer": "Dziękujemy za pytanie. Odpowiedź w załączeniu."})


# --- the waiting steps (--time-travel) ----------------------------------------------------

def accounts(orgs: list[dict]) -> list[tuple[str, str]]:
    """The demo's people in identity, all with DEMO_PASSWORD: the liaison officer, a
    department, three NGO representatives (each representing a demo organisation, granted by
    the officer) and two committee members. Skipped when identity does not run."""
    try:
        http.get(f"{IDENTITY}/health/ready", timeout=5).raise_for_status()
    except requests.RequestException:
        say(f"   identity is not running at {IDENTITY}: no demo accounts")
        return []
    department = DEPARTMENTS[0][0]
    people = [("pelnomocnik@example.org", "Pełnomocnik ds. współpracy", ["officer"], None, None),
              ("wydzial@example.org", DEPARTMENTS[0][1], ["department"], department, None),
              *[(f"ngo{i}@example.org", f"Przedstawiciel {org['name']}", [], None, org["id"])
                for i, org in enumerate(orgs[:3], start=1)],
              ("komisja1@example.org", "Członek komisji 1", ["committee"], None, None),
              ("komisja2@example.org", "Członek komisji 2", ["committee"], None, None)]
    made = []
    for email, name, roles, dept, org_id in people:
        created = call("POST", f"{IDENTITY}/api/v1/accounts/staff", ADMIN, {
            "email": email, "name": name, "roles": roles, "password": DEMO_PASSWORD,
            **({"department": dept} if dept else {})}, expect=(201, 409))
        tally("accounts", created.status_code == 201)
        [account] = items(f"{IDENTITY}/api/v1/accounts", ADMIN, email=email)
        ACCOUNT_IDS[email] = account["id"]
        if org_id:
            person = mint_token(account["id"], [])
            asked = call("POST", f"{IDENTITY}/api/v1/representations", person,
                         {"organization_id": org_id}, expect=(201, 409), retry_422=True)
            if asked.status_code == 201:
                call("POST", f"{IDENTITY}/api/v1/representations/{asked.json()['id']}/approve",
                     OFFICER)
        made.append((email, ", ".join(roles) or f"ngo ({org_id})"))
    return made


def waiting_for_the_office(pending: list[dict]) -> None:
    """Something in the officer's queue besides the organisations to verify: `ngo3@` asks to
    represent the first organisation waiting for verification (left for the officer to approve
    or refuse; asked again, identity answers 409)."""
    if "ngo3@example.org" not in ACCOUNT_IDS or not pending:
        return
    say("== a representation request waiting for the office")
    asked = call("POST", f"{IDENTITY}/api/v1/representations",
                 mint_token(ACCOUNT_IDS["ngo3@example.org"], []),
                 {"organization_id": pending[0]["id"]}, expect=(201, 409), retry_422=True)
    tally("representation requests", asked.status_code == 201)


def booking_request(orgs: list[dict]) -> None:
    """A booking of the department's first room waiting for its decision: next week's Tuesday,
    10:00-12:00 (the room is open 8-20 on weekdays)."""
    say("== a booking waiting for the department")
    index, purpose = PENDING_BOOKING
    org = orgs[index]
    [room] = [r for r in items(f"{REGISTRY}/api/v1/resources", department=DEPARTMENTS[0][0])
              if r["name"] == RESOURCES[0][0]]
    if any(b["purpose"] == purpose for b in items(f"{REGISTRY}/api/v1/bookings", OFFICER,
                                                  resource_id=room["id"])):
        tally("bookings", False)
        return
    today = datetime.now(WARSAW).date()
    day = today + timedelta(days=7 + (1 - today.weekday()) % 7)
    start = datetime.combine(day, datetime.min.time().replace(hour=10), WARSAW)
    call("POST", f"{REGISTRY}/api/v1/resources/{room['id']}/bookings", ngo_token(org), {
        "organization_id": org["id"], "purpose": purpose, "attendees": 15,
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()},
        retry_422=True)
    tally("bookings", True)


# where each demo account finds its work (ngo accounts: /moja-organizacja)
WORKSPACE = {"pelnomocnik@example.org": "/urzad", "wydzial@example.org": "/wydzial",
             "komisja1@example.org": "/komisja", "komisja2@example.org": "/komisja"}


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def local_database(service: str) -> tuple[str, str]:
    """The service's database as the service finds it (MONGO_URI_<SERVICE>, else MONGO_URI and
    the service's name); refused unless every host of it is this machine (the safety check:
    the demo moves dates only in a local database, never in a real city's)."""
    uri, database = resolve_mongo(service, {**os.environ, "MONGO_URI": MONGO_URI})
    netloc = urlsplit(uri).netloc.rsplit("@", 1)[-1]
    hosts = {h.strip()[1:].split("]")[0] if h.strip().startswith("[")
             else h.strip().rsplit(":", 1)[0] for h in netloc.split(",") if h.strip()}
    if not hosts or not hosts <= LOOPBACK:
        raise Unexpected(f"time travel refused: {database} is not on this machine "
                         f"({', '.join(sorted(hosts)) or uri}); the demo moves dates only in a "
                         "local database")
    return uri, database


def move_clock(service: str, collection: str, record_id: str, field: str) -> None:
    """`field` of one record a second into the past, in the service's local database."""
    from pymongo import MongoClient

    uri, database = local_database(service)
    with MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        result = client[database][collection].update_one(
            {"_id": record_id}, {"$set": {field: datetime.now(UTC) - timedelta(seconds=1)}})
    if result.matched_count != 1:
        raise Unexpected(f"time travel: {database}.{collection} {record_id} not found")


def the_committee() -> list[tuple[str, str, str]]:
    """(user id, name, kind) of the demo committee: komisja1@/komisja2@'s accounts when identity
    runs, else the demo's own ids."""
    return [(ACCOUNT_IDS.get(COMMITTEE_ACCOUNTS.get(u, ""), u), n, k) for u, n, k in COMMITTEE]


def appoint_committee(competition: dict, orgs: list[dict]) -> list[tuple[str, str, str]]:
    """Its deadline for offers moved into the past (local database), the competition closed and
    its committee appointed (each step accepted again on a second run)."""
    cid = competition["id"]
    # the organisation nominating the committee's NGO member does not bid here
    bidders = {o["organization_id"] for o in competition["offers"]}
    nominating = next(o for o in reversed(orgs) if o["id"] not in bidders)
    if competition["status"] == "announced":
        move_clock("grants", "competitions", cid, "submission_deadline")
        call("POST", f"{GRANTS}/api/v1/competitions/{cid}/close", OFFICER, expect=(200, 409))
    committee = the_committee()
    call("POST", f"{GRANTS}/api/v1/competitions/{cid}/committee", OFFICER, {
        "members": [{"user_id": u, "name": n, "kind": k,
                     **({"organization_id": nominating["id"]} if k == "ngo" else {})}
                    for u, n, k in committee]}, expect=(201, 409))
    return committee


def committee_at_work(competition: dict | None, orgs: list[dict]) -> None:
    """Without --time-travel: one competition (`COMMITTEE_COMPETITION`) waits for its committee,
    so komisja1@ and komisja2@ find a sheet to fill at /komisja: its deadline passed in the
    local database, closed, the committee appointed, every offer assigned to each member; the
    declaration of no conflict of interest and the scores are the members' to give."""
    say("== a committee at work (komisja1@, komisja2@)")
    if competition is None or competition["status"] not in UNDECIDED \
            or not competition["offers"] or any(o["org"] is None for o in competition["offers"]):
        say("   nothing to do: the competition is decided, or not the demo's own")
        return
    from pymongo.errors import PyMongoError

    try:
        committee = appoint_committee(competition, orgs)
    except (Unexpected, PyMongoError) as exc:   # not the local run (`make run`)'s database
        say(f"   skipped: {str(exc).splitlines()[0][:200]}")
        return
    cid = competition["id"]
    members = call("GET", f"{GRANTS}/api/v1/competitions/{cid}/committee", OFFICER).json()
    assigned = {m["user_id"]: m.get("assigned_offers") for m in members.get("members", [])}
    waiting = [u for u, _, _ in committee if not assigned.get(u)]
    if waiting:
        call("POST", f"{GRANTS}/api/v1/competitions/{cid}/committee/assignments", OFFICER, {
            "assignments": [{"user_id": u, "offer_ids": [o["id"] for o in competition["offers"]]}
                            for u in waiting]})
    tally("committee assignments", bool(waiting))
    say(f"   {competition['title']!r}: closed for offers, {len(committee)} members, "
        f"{len(competition['offers'])} offers each; the declaration waits for them")


def settle_competition(year: int, competition: dict, orgs: list[dict]) -> None:
    cid = competition["id"]
    offers = sorted(competition["offers"], key=lambda o: o["submitted_at"])
    if competition["status"] not in UNDECIDED or not offers \
            or any(o["org"] is None for o in offers):
        return  # settled by an earlier run, or not the demo's own offers
    committee = appoint_committee(competition, orgs)
    members = [mint_token(u, ["committee"]) for u, _, _ in committee]
    for member in members:
        call("POST", f"{GRANTS}/api/v1/competitions/{cid}/committee/declaration", member,
             {"no_conflict_of_interest": True}, expect=(200, 409))
    for rank, offer in enumerate(offers):
        for member in members:
            call("POST", f"{GRANTS}/api/v1/offers/{offer['id']}/scores", member, {"scores": [
                {"criterion": "Jakość merytoryczna", "points": 9 - rank * 2},
                {"criterion": "Koszty", "points": 4 - rank},
                {"criterion": "Doświadczenie", "points": 5 - rank}]}, expect=(201, 409))
    funded = offers[:2]  # 45% + 40% of the budget; the third does not fit
    call("POST", f"{GRANTS}/api/v1/competitions/{cid}/results", OFFICER,
         {"awards": [{"offer_id": o["id"],
                      "amount": o["requested_amount"] if o in funded else "0.00"}
                     for o in offers]})
    for offer in funded:
        amount = Decimal(offer["requested_amount"])
        first = (amount * Decimal("0.7")).quantize(Decimal("0.01"))
        contract = call("POST", f"{GRANTS}/api/v1/contracts", OFFICER, {
            "offer_id": offer["id"], "signed_on": datetime.now(WARSAW).date().isoformat(),
            "schedule": [{"activity": "Realizacja zadania", "starts_on": f"{year}-03-01",
                          "ends_on": f"{year}-11-30"}],
            "tranches": [{"amount": str(first), "due_on": f"{year}-03-01"},
                         {"amount": str(amount - first), "due_on": f"{year}-07-01"}]}).json()
        call("POST", f"{GRANTS}/api/v1/contracts/{contract['id']}/start", OFFICER)
        spent = amount - 250
        call("POST", f"{GRANTS}/api/v1/contracts/{contract['id']}/report", ngo_token(offer["org"]),
             {"achieved_results": "Zadanie zrealizowano zgodnie z ofertą.",
              "activities": "Zajęcia, wydarzenia, promocja.",
              "expenses": [{"source": "grant", "name": "Wynagrodzenia", "amount": str(spent)},
                           {"source": "own_financial", "name": "Materiały",
                            "amount": offer["own_contribution"]["financial"]}],
              "personal_contribution": "0.00", "in_kind_contribution": "0.00",
              "volunteer_hours": "20"})
        accepted = call("POST", f"{GRANTS}/api/v1/contracts/{contract['id']}/report/accept",
                        OFFICER).json()
        call("POST", f"{GRANTS}/api/v1/contracts/{contract['id']}/settle", OFFICER,
             {"returned_amount": accepted.get("unused_amount", "0.00")})


def award_small_grant(grant: dict) -> None:
    if grant.get("status") != "published":
        return
    move_clock("grants", "small_grants", grant["id"], "comments_until")
    call("POST", f"{GRANTS}/api/v1/small-grants/{grant['id']}/award", OFFICER)


# --- where to look ------------------------------------------------------------------------

def save_reports(years: tuple[int, ...]) -> list[Path]:
    """The annual reports as PDF files under build/demo/."""
    folder = Path(__file__).resolve().parents[1] / "build" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for y in years:
        response = call("GET", f"{REPORTING}/api/v1/reports/annual/{y}?format=pdf")
        path = folder / f"sprawozdanie-{y}.pdf"
        path.write_bytes(response.content)
        saved.append(path)
    return saved


def queues() -> str:
    try:
        found = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "messages",
                                "consumers"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return found.stdout if found.returncode == 0 else ""


def queue_summary(listing: str) -> list[str]:
    """The broker's queues in a few lines: consumers' queues, waiting messages, dead letters,
    department queues."""
    rows = []
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1].isdigit():
            rows.append((parts[0], int(parts[1]), int(parts[2])))
    if not rows:
        return ["(rabbitmqctl is not available to this user)"]
    main = [r for r in rows if not r[0].endswith(".dlq") and ".retry." not in r[0]]
    lines = [f"{len(rows)} queues: {len(main)} consumers' queues holding "
             f"{sum(r[1] for r in main)} messages, "
             f"{sum(r[0].endswith('.dlq') for r in rows)} dead-letter queues holding "
             f"{sum(r[1] for r in rows if r[0].endswith('.dlq'))}"]
    lines += [f"{name}: {messages} messages, {consumers} consumers" for name, messages, consumers
              in sorted(rows) if name.startswith("dept.") or (messages and ".retry." not in name)]
    return lines


def where_to_look(year: int) -> None:
    this_year = datetime.now(WARSAW).year
    say("\n== where to look")
    for path in save_reports((this_year, year)):
        say(f"annual report, saved: {path}")
    for y in (this_year, year):
        say(f"annual report {y} PDF: {REPORTING}/api/v1/reports/annual/{y}?format=pdf")
        say(f"                  HTML: {REPORTING}/api/v1/reports/annual/{y}?format=html")
        say(f"statistics {y}:     {REPORTING}/api/v1/stats/summary?year={y}")
    say(f"grants {year}:         {REPORTING}/api/v1/stats/grants?year={year}")
    say(f"open data:           {REPORTING}/api/v1/open-data")
    say(f"public calendar:     {NOTIFICATIONS}/api/v1/calendar.ics")
    maildir = Path(__file__).resolve().parents[1] / ".data" / "mail" / "new"
    if maildir.is_dir():
        say(f"emails sent:         {maildir} ({sum(1 for _ in maildir.iterdir())} messages "
            "so far, one file each)")
    for name, url in [("registry", REGISTRY), ("grants", GRANTS),
                      ("consultations", CONSULTATIONS), ("notifications", NOTIFICATIONS),
                      ("reporting", REPORTING)]:
        say(f"metrics {name + ':':<15} {url}/metrics   (API: {url}/api/v1/openapi.json)")
    say("event exchanges:     registry.events, grants.events, consultations.events, "
        "notifications.events (topic, durable)")
    say("event queues:        rabbitmqctl list_queues name messages consumers")
    for line in queue_summary(queues()):
        say(f"                     {line}")
    say("                     (department queues: infra/rabbitmq/definitions.json; management "
        "UI, when its plugin is on: http://127.0.0.1:15672, guest/guest)")


def wait_for_projection(year: int) -> None:
    """The reporting service learns everything from events; give it a moment."""
    deadline = time.monotonic() + 20
    last = None
    while time.monotonic() < deadline:
        summary = call("GET", f"{REPORTING}/api/v1/stats/summary?year={year}").json()
        if summary == last:
            return
        last = summary
        time.sleep(1.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-travel", action="store_true",
                        default=os.environ.get("TIME_TRAVEL") == "1",
                        help="move the demo's own deadlines into the past in the LOCAL database "
                             "and run the steps that wait for them")
    args = parser.parse_args(argv)
    year = datetime.now(WARSAW).year + 1
    try:
        for name, url in [("registry", REGISTRY), ("grants", GRANTS),
                          ("consultations", CONSULTATIONS), ("notifications", NOTIFICATIONS),
                          ("reporting", REPORTING)]:
            try:
                http.get(f"{url}/health/ready", timeout=5).raise_for_status()
            except requests.RequestException:
                say(f"{name} is not ready at {url}: start the system first (`make run`)")
                return 2
        departments()
        resources()
        orgs = organisations()
        pending = organisations(PENDING_ORGANISATIONS, verify=False)
        programme_record = programme(year)
        consultation_record = consultation(year, programme_record, orgs)
        programme_record = adopt(programme_record)
        council(year, orgs, consultation_record)
        announced = competitions(year, programme_record, orgs)
        grants = small_grants(year, programme_record, orgs)
        inquiries(orgs)
        booking_request(orgs)
        people = accounts(orgs)
        waiting_for_the_office(pending)
        committee_at_work(next((c for c in announced if c["title"] == COMMITTEE_COMPETITION),
                               None), orgs)
        if args.time_travel:
            say(f"== TIME TRAVEL: deadlines moved in the local database ({MONGO_URI})")
            for competition in announced:
                settle_competition(year, competition, orgs)
            for grant in grants:
                award_small_grant(grant)
        else:
            say("   waiting steps skipped: competitions close after their deadline for offers "
                "(+25 days), small grants are decided after 7 days of publication; "
                "--time-travel runs them now in the local database")
        wait_for_projection(year)
    except Unexpected as exc:
        say(f"\nunexpected answer: {exc}")
        return 1
    say("\n== done: " + ", ".join(f"{k} {c} new / {r} reused" for k, (c, r) in COUNTS.items()))
    if people:
        say(f"\n== demo accounts (password: DEMO_PASSWORD, here {DEMO_PASSWORD!r}); sign in "
            f"on the portal: {PORTAL}/logowanie (staff add the TOTP code the first sign-in "
            "shows how to enrol)")
        for email, roles in people:
            say(f"   {email:<28} {roles:<40} {PORTAL}{WORKSPACE.get(email, '/moja-organizacja')}")
    try:
        where_to_look(year)
    except Unexpected as exc:
        say(f"\nunexpected answer: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
