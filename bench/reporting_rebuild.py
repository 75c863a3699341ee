"""Reporting at the scale of Warsaw: rebuild rate and annual report time.

```
.venv/bin/python bench/reporting_rebuild.py [--organizations 20000] [--competitions 300]
                                            [--offers 6000] [--events 100000]
```

Generates a year of CloudEvents (organisations registered and verified, competitions
announced and resolved, offers submitted, funded or not, small grants, consultations
with comments, inquiries) straight into the event log of a fresh SecantusDB server in
a temporary directory, then

1. rebuilds every read model from the log (`reporting.rebuild.rebuild`) and prints
   the replay rate in events/s (target at least 5,000) and the whole rebuild time;
2. builds the annual report from those read models and prints its time as JSON
   and as PDF (target under 5 s), twice: the first PDF of a process also pays for
   importing WeasyPrint, the second is what a running service sees.

Besides the targets it prints, as a baseline measured in the same run, how fast the
same server returns the raw log (a plain `find` of every event), so the replay rate
can be read as a ratio of what reading alone costs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pymongo import MongoClient

from reporting import report
from reporting.rebuild import rebuild
from reporting.repository import COLLECTIONS, EVENTS, Reader, log_record
from wspolpraca.areas import area_codes
from wspolpraca.envelope import CloudEvent, format_time
from wspolpraca.mongo import ensure_schema
from wspolpraca.secantus import SecantusServer

RESULTS = Path(__file__).resolve().parent / "results"
YEAR = 2026


def generate(args: argparse.Namespace) -> list[CloudEvent]:
    rng = random.Random(7)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    areas = sorted(area_codes())
    events: list[CloudEvent] = []

    def at(day: float) -> str:  # as the services write times (`format_time`)
        return format_time(start + timedelta(days=day))

    def add(service: str, key: str, subject: str, data: dict, day: float) -> None:
        events.append(CloudEvent(service, key, subject, data, time=at(day)))

    orgs = [f"org-{i:05d}" for i in range(args.organizations)]
    for i, org in enumerate(orgs):
        data = {"id": org, "name": f"Organizacja {i}", "legal_form": "association",
                "nip": "5260250274", "regon": None, "krs": None, "areas": [rng.choice(areas)],
                "email": "x@example.pl", "district": f"d{i % 18}", "status": "pending",
                "public_benefit_status": None}
        day = rng.uniform(0, 360)
        add("registry", "organization.registered", org, data, day)
        add("registry", "organization.verified", org,
            {**data, "status": "verified", "changed_at": at(day + 2)}, day + 2)
    competitions = []
    for i in range(args.competitions):
        cid = f"comp-{i:04d}"
        data = {"id": cid, "year": YEAR, "title": f"Konkurs {i}", "area": rng.choice(areas),
                "mode": rng.choice(["supporting", "entrusting"]), "budget": "500000.00",
                "submission_deadline": at(60), "task_start": f"{YEAR}-04-01",
                "task_end": f"{YEAR}-12-31", "min_own_contribution_pct": "10.00",
                "criteria": [], "published_at": at(10)}
        competitions.append(data)
        add("grants", "competition.announced", cid, {**data, "status": "announced"}, 10)
        add("grants", "competition.resolved", cid, {**data, "status": "resolved"}, 90)
    for i in range(args.offers):
        oid, comp, org = f"off-{i:05d}", rng.choice(competitions), rng.choice(orgs)
        data = {"id": oid, "competition_id": comp["id"], "organization_id": org,
                "partners": [], "title": f"Zadanie {i}", "requested_amount": "40000.00",
                "own_contribution": {"financial": "0.00", "non_financial": "0.00"},
                "total_cost": "40000.00", "task_start": f"{YEAR}-04-01",
                "task_end": f"{YEAR}-12-31", "status": "submitted"}
        add("grants", "offer.submitted", oid, data, rng.uniform(11, 60))
        if rng.random() < 0.5:
            add("grants", "grant.awarded", oid,
                {"offer_id": oid, "competition_id": comp["id"], "organization_id": org,
                 "area": comp["area"], "year": YEAR, "requested_amount": "40000.00",
                 "awarded_amount": f"{rng.randint(5000, 40000)}.50", "partial": True}, 89)
        else:
            add("grants", "offer.not_funded", oid, {**data, "status": "not_funded"}, 89)
    i = 0
    while len(events) < args.events:
        kind = (0, 1, 1, 1, 2, 2)[i % 6]
        if kind == 0:
            gid, org = f"sg-{i:06d}", rng.choice(orgs)
            data = {"id": gid, "year": YEAR, "organization_id": org, "area": rng.choice(areas),
                    "title": "Mały grant", "requested_amount": "9000.00",
                    "total_cost": "9500.00", "task_start": f"{YEAR}-05-01",
                    "task_end": f"{YEAR}-06-30", "status": "submitted",
                    "comments_until": None}
            day = rng.uniform(0, 340)
            add("grants", "small_grant.submitted", gid, data, day)
            add("grants", "small_grant.awarded", gid,
                {**data, "status": "awarded", "awarded_amount": "9000.00",
                 "comments_until": at(day + 8)[:10]}, day + 10)
        elif kind == 1:
            add("consultations", "consultation.comment_submitted", f"con-{i % 40}",
                {"id": f"com-{i:06d}", "consultation_id": f"con-{i % 40}",
                 "consultation_title": "Konsultacje", "section": None,
                 "organization_id": None, "author_kind": "resident",
                 "submitted_at": at(rng.uniform(0, 360))}, rng.uniform(0, 360))
        else:
            day = rng.uniform(0, 350)
            base = {"id": f"inq-{i:06d}", "subject": "Pytanie", "area": rng.choice(areas),
                    "organization_id": None, "department": f"dept-{i % 12}",
                    "received_at": at(day), "deadline": at(day + 14)[:10]}
            add("registry", "inquiry.received", base["id"], {**base, "status": "received"},
                day)
            add("registry", "inquiry.answered", base["id"],
                {**base, "status": "answered", "answered_at": at(day + 5), "answer": "-",
                 "contact_email": "x@example.pl", "on_time": True}, day + 5)
        i += 1
    return events[:args.events]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/reporting_rebuild.py")
    parser.add_argument("--organizations", type=int, default=20_000)
    parser.add_argument("--competitions", type=int, default=300)
    parser.add_argument("--offers", type=int, default=6_000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)

    events = generate(args)
    with tempfile.TemporaryDirectory(prefix="secantus-bench-") as storage:
        server = SecantusServer(storage).start()
        client = MongoClient(server.uri, tz_aware=True)
        try:
            db = client["reporting_bench"]
            ensure_schema(db, COLLECTIONS)
            logged_at = datetime.now(UTC) - timedelta(hours=1)
            records = [log_record(e, logged_at) for e in events]
            for begin in range(0, len(records), 5000):
                db[EVENTS].insert_many(records[begin:begin + 5000], ordered=False)
            print(f"generated {len(records)} events")

            started = time.perf_counter()
            raw = sum(1 for _ in db[EVENTS].find({}, {"body": 1}).batch_size(1000))
            read_rate = raw / (time.perf_counter() - started)

            result = rebuild(db, out=sys.stderr)
            print(f"rebuild: {result['events']} events replayed at "
                  f"{result['events_per_second']} events/s (target >= 5000; reading the log "
                  f"alone: {read_rate:.0f} events/s, ratio "
                  f"{result['events_per_second'] / read_rate:.2f}); whole rebuild with "
                  f"{result['documents']} documents written: {result['seconds']} s")

            figures = {"events": result["events"],
                       "events_per_second": result["events_per_second"],
                       "read_rate": round(read_rate, 1), "rebuild_seconds": result["seconds"]}
            timings = []
            for _ in range(2):  # cold (first import of WeasyPrint), then warm
                started = time.perf_counter()
                built = report.build(Reader(db), YEAR)
                json_seconds = time.perf_counter() - started
                pdf = report.render(built, "pdf")
                timings.append((json_seconds, time.perf_counter() - started))
            print(f"annual report (target < 5 s): JSON {timings[1][0]:.2f} s, PDF "
                  f"({len(pdf)} bytes) {timings[1][1]:.2f} s; the first in the process "
                  f"(imports included) {timings[0][1]:.2f} s; awarded "
                  f"{built['summary']['money']['awarded']} PLN")
            figures.update(report_json_seconds=round(timings[1][0], 2),
                           report_pdf_seconds=round(timings[1][1], 2),
                           first_pdf_seconds=round(timings[0][1], 2))
        finally:
            client.close()
            server.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"rebuild-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
