"""Non-financial cooperation from the registry's API to the statistics and the annual
report: a room and a projector lent (one booking approved then cancelled, one refused), a
patronage granted, a training with registrations, a waiting list and attendance, a
partnership signed and a volunteering need posted; the rebuild gives the same figures."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, timedelta
from datetime import datetime as dt

import pypdf
from cooperation_helpers import ALL_DAYS, CITY, local
from openpyxl import load_workbook
from reporting_helpers import register, summary

from reporting.rebuild import rebuild
from wspolpraca.envelope import utcnow
from wspolpraca.polish import as_spaces, number
from wspolpraca.testing.waiting import wait_until

ANNUAL = "/api/v1/reports/annual"
SECTION = "Współpraca pozafinansowa"


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def resource(registry, dept: str, kind: str, name: str) -> dict:
    body = {"name": name, "kind": kind, "address": "ul. Piotrkowska 113, Łódź",
            "department": "culture_dept", "opening_hours": ALL_DAYS}
    if kind == "room":
        body["capacity"] = 30
    return ok(registry.post("/api/v1/resources", dept, json=body), 201)


def book(registry, ngo: str, org_id: str, resource_id: str, starts: dt, ends: dt) -> dict:
    return ok(registry.post(f"/api/v1/resources/{resource_id}/bookings", ngo, json={
        "organization_id": org_id, "purpose": "Walne zebranie członków",
        "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}), 201)


def decide(registry, who: str, booking_id: str, action: str, **body) -> dict:
    return ok(registry.post(f"/api/v1/bookings/{booking_id}/{action}", who, json=body))


def year(moment: dt | str | date) -> int:
    return int(str(moment.isoformat() if not isinstance(moment, str) else moment)[:4])


def drive_the_registry(registry, token, officer) -> Counter:
    """Every flow through the registry's API; the figures each year should show."""
    expected: Counter = Counter()
    ok(registry.post("/api/v1/departments", officer, json={
        "code": "culture_dept", "name": "Wydział Kultury", "areas": ["culture"],
        "contact_person": "Anna Nowak", "email": "kultura@um.example.pl"}), 201)
    dept = token("department", department="culture_dept")
    org = register(registry, token("ngo"), "Stowarzyszenie Chór Bałuty", verify_with=officer)
    ngo = token("ngo", org_id=org["id"])
    room = resource(registry, dept, "room", "Sala konferencyjna")
    projector = resource(registry, dept, "equipment", "Rzutnik multimedialny")

    lent = book(registry, ngo, org["id"], room["id"], local(3, 10), local(3, 13))
    decide(registry, dept, lent["id"], "approve")
    expected[(year(local(3, 10)), "rooms_lent")] += 1
    expected[(year(local(3, 10)), "room_hours")] += 3
    gone = book(registry, ngo, org["id"], room["id"], local(4, 10), local(4, 12))
    decide(registry, dept, gone["id"], "approve")
    decide(registry, ngo, gone["id"], "cancel", reason="Zebranie przeniesione.")
    refused = book(registry, ngo, org["id"], room["id"], local(5, 10), local(5, 12))
    decide(registry, dept, refused["id"], "refuse", reason="Sala w remoncie.")
    shown = book(registry, ngo, org["id"], projector["id"], local(3, 10), local(3, 11, 30))
    decide(registry, officer, shown["id"], "approve")
    expected[(year(local(3, 10)), "equipment_lent")] += 1
    expected[(year(local(3, 10)), "equipment_hours")] += 1.5

    patronage = ok(registry.post("/api/v1/patronages", ngo, json={
        "organization_id": org["id"], "kind": "patronage", "name": "Koncert chórów",
        "starts_at": local(20, 18).isoformat(), "ends_at": local(20, 21).isoformat(),
        "place": "Park Źródliska", "audience": "Mieszkańcy, około 300 osób",
        "justification": "Koncert promuje amatorski ruch muzyczny.", "areas": ["culture"]}),
        201)
    ok(registry.post(f"/api/v1/patronages/{patronage['id']}/grant", officer))
    expected[(year(local(20, 18)), "patronages_granted")] += 1

    training = ok(registry.post("/api/v1/trainings", officer, json={
        "title": "Księgowość w małej organizacji", "kind": "training", "topic": "accounting",
        "description": "Warsztaty.", "place": "Centrum Organizacji Pozarządowych",
        "starts_at": local(10, 10).isoformat(), "ends_at": local(10, 14).isoformat(),
        "seats": 2, "trainer": "Maria Wiśniewska"}), 201)
    path = f"/api/v1/trainings/{training['id']}"
    people = [token("ngo", sub=f"uczestnik-{n}", org_id=org["id"]) for n in range(3)]
    regs = [ok(registry.post(f"{path}/registrations", who, json={
        "name": f"Osoba {n}", "email": f"osoba{n}@chor.example.pl"}), 201)
        for n, who in enumerate(people)]
    assert [r["status"] for r in regs] == ["registered", "registered", "waitlisted"]
    # registering twice has one effect
    ok(registry.post(f"{path}/registrations", people[0], json={
        "name": "Osoba 0", "email": "osoba0@chor.example.pl"}), 200)
    # the training took place: attendance is recorded afterwards
    started = utcnow() - timedelta(hours=1)
    registry.db["trainings"].update_one({"_id": training["id"]},
                                        {"$set": {"starts_at": started}})
    ok(registry.post(f"{path}/attendance", officer, json={"attended": [regs[0]["id"]]}))
    expected[(year(started), "trainings_held")] += 1
    expected[(year(started), "participants_registered")] += 2
    expected[(year(started), "trainings_with_attendance")] += 1
    expected[(year(started), "participants_attended")] += 1
    called_off = ok(registry.post("/api/v1/trainings", officer, json={
        "title": "Odwołane szkolenie", "kind": "training", "topic": "legal",
        "place": "Sala 3", "starts_at": local(12, 10).isoformat(),
        "ends_at": local(12, 12).isoformat(), "seats": 5}), 201)
    ok(registry.post(f"/api/v1/trainings/{called_off['id']}/cancel", officer,
                     json={"reason": "Choroba prowadzącej."}))

    today = dt.now(CITY).date()
    ok(registry.post("/api/v1/partnerships", officer, json={
        "kind": "agreement", "title": "Porozumienie o współpracy kulturalnej",
        "goal": "Wspólne koncerty osiedlowe.", "areas": ["culture"],
        "parties": [{"kind": "city"}, {"kind": "organization", "organization_id": org["id"]}],
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=365)).isoformat()}),
        201)
    expected[(year(today), "partnerships")] += 1
    ok(registry.post("/api/v1/volunteering", ngo, json={
        "organization_id": org["id"], "title": "Wolontariusze na koncert",
        "description": "Pomoc przy organizacji koncertu.", "areas": ["culture"],
        "district": "Bałuty", "volunteers_needed": 4, "starts_on": today.isoformat(),
        "contact_email": "wolontariat@chor.example.pl"}), 201)
    expected[(year(utcnow()), "volunteering_posted")] += 1
    expected[(year(utcnow()), "volunteers_needed")] += 4
    return expected


def by_year(expected: Counter) -> dict[int, dict[str, float]]:
    years: dict[int, dict[str, float]] = {}
    for (y, key), value in expected.items():
        years.setdefault(y, {})[key] = value
    for figures in years.values():
        figures["bookings_approved"] = (figures.get("rooms_lent", 0)
                                        + figures.get("equipment_lent", 0))
        figures["hours_lent"] = (figures.get("room_hours", 0)
                                 + figures.get("equipment_hours", 0))
    return years


def cooperation_of(reporting, y: int) -> dict:
    return summary(reporting, y)["cooperation"]


def matches(reporting, years: dict[int, dict[str, float]]) -> bool:
    return all(cooperation_of(reporting, y).get(k, 0) == v
               for y, figures in years.items() for k, v in figures.items())


def test_the_registry_flows_reach_the_statistics_the_annual_report_and_survive_a_rebuild(
        registry, reporting, token, officer):
    years = by_year(drive_the_registry(registry, token, officer))
    wait_until(lambda: matches(reporting, years), timeout=60)
    y = max(years, key=lambda k: len(years[k]))
    figures = summary(reporting, y)
    c = figures["cooperation"]

    as_json = ok(reporting.get(f"{ANNUAL}/{y}?format=json"))
    assert as_json["summary"]["cooperation"] == c

    lines = list(csv.reader(io.StringIO(
        reporting.get(f"{ANNUAL}/{y}?format=csv").content.decode("utf-8"))))
    assert [SECTION, "godziny użyczenia łącznie", str(c["hours_lent"])] in lines
    assert [SECTION, "uczestnicy obecni", str(c["participants_attended"])] in lines

    book = load_workbook(io.BytesIO(reporting.get(f"{ANNUAL}/{y}?format=xlsx").content))
    values = {(row[0], row[1]): row[2]
              for row in book["Podsumowanie"].iter_rows(min_row=3, values_only=True)}
    assert values[(SECTION, "przyznane patronaty i promocja wydarzeń")] == \
        c["patronages_granted"]
    assert values[(SECTION, "godziny użyczenia lokali")] == c["room_hours"]

    html = reporting.get(f"{ANNUAL}/{y}?format=html").text
    assert "7. Współpraca pozafinansowa" in html

    pdf = reporting.get(f"{ANNUAL}/{y}?format=pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    flat = re.sub(r"strona \d+ z \d+ ", "", " ".join(text.split()))  # without page footers
    assert "Współpraca pozafinansowa" in flat
    assert (f"nieodpłatne użyczenia lokali i sprzętu miasta: {c['bookings_approved']} "
            f"(łącznie {as_spaces(number(c['hours_lent'], 2))} godz.)") in flat  # Polish: "4,50"
    assert f"dla organizacji: {c['trainings_held']}, zapisani uczestnicy: " \
        f"{c['participants_registered']}, obecni: {c['participants_attended']}" in flat

    before = {k: summary(reporting, k) for k in years}
    annual_before = reporting.get(f"{ANNUAL}/{y}?format=csv").content
    rebuild(reporting.db, out=None)
    assert {k: summary(reporting, k) for k in years} == before
    assert reporting.get(f"{ANNUAL}/{y}?format=csv").content == annual_before
