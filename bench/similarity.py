"""The similarity check's cost per offer (issue #22) at a city's scale, in one run.

    .venv/bin/python bench/similarity.py [--sizes 600 6000] [--seed 7]

For each size N: N offers of a year from about N/3 organisations (one to six each, a third
of the organisations sending the same project twice, to two departments), submitted one by
one in their own transaction on a fresh SecantusDB database:

1. baseline: the transaction stores the offer (what a submission costs without the check);
2. ours: the same transaction also computes the offer's similar applications and keeps the
   read model on both sides (`grants.coordination.refresh`, what `POST .../offers` runs);

then reads every offer's similar list as the endpoint does (`coordination.items`). It prints
milliseconds per offer for each, the check's cost over the baseline, and how the cost per
offer grows from the smallest size to the largest: the check reads only the organisation's
own applications, so it must not grow with the city (target: at most 1.5 times).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pymongo import MongoClient

from grants import coordination, records
from grants.repository import COLLECTIONS, OFFERS
from wspolpraca.mongo import ensure_schema
from wspolpraca.pagination import new_id
from wspolpraca.secantus import SecantusServer

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_GROWTH = 1.5
YEAR = 2027
PROJECTS = ("Letni obóz dla dzieci", "Warsztaty teatralne dla młodzieży",
            "Festiwal osiedlowy", "Zajęcia sportowe dla seniorów", "Kurs pierwszej pomocy",
            "Ogród społeczny", "Koncert kolęd", "Biblioteka sąsiedzka", "Turniej szachowy",
            "Spacer historyczny po dzielnicy", "Kino plenerowe", "Pomoc lekcyjna")
PLACES = ("na Bałutach", "na Widzewie", "na Polesiu", "w Śródmieściu", "na Górnej")
COSTS = ("Honoraria", "Wynajem sali", "Materiały", "Transport", "Wyżywienie",
         "Zakwaterowanie", "Promocja", "Ubezpieczenie")


class Tx:
    """What `coordination.refresh` uses of a transaction: its database and session, and the
    writes it keeps for one round trip before the commit (`flush`, as
    `wspolpraca.unit_of_work.Transaction` does)."""

    def __init__(self, db, session) -> None:
        self.db, self.session, self.pending = db, session, []

    def namespace(self, collection: str) -> str:
        return f"{self.db.name}.{collection}"

    def later(self, write) -> None:
        self.pending.append(write)

    def flush(self) -> None:
        if self.pending:
            self.db.client.bulk_write(self.pending, ordered=True, session=self.session)
            self.pending = []


def offer_body(rng: random.Random, organization_id: str, title: str) -> dict:
    start = date(YEAR, 3, 1) + timedelta(days=rng.randrange(0, 150))
    end = start + timedelta(days=rng.randrange(20, 120))
    items = [{"name": name, "amount": Decimal(rng.randrange(5, 80) * 100)}
             for name in rng.sample(COSTS, rng.randrange(2, 6))]
    total = sum(i["amount"] for i in items)
    return {"organization_id": organization_id, "title": title, "requested_amount": total,
            "own_contribution": {"financial": Decimal("0.00"),
                                 "non_financial": Decimal("0.00")},
            "total_cost": total, "task_start": start, "task_end": end, "cost_items": items,
            "description": f"{title}: zajęcia dla mieszkańców przez {(end - start).days} dni.",
            "place": None, "beneficiaries": None}


def offers(count: int, seed: int) -> list[dict]:
    """`count` offer records in the order they arrive."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    found: list[dict] = []
    competitions = [new_id() for _ in range(20)]
    while len(found) < count:
        organization_id = new_id()
        for _ in range(rng.randrange(1, 7)):
            title = f"{rng.choice(PROJECTS)} {rng.choice(PLACES)}"
            body = offer_body(rng, organization_id, title)
            found.append(records.new_offer(body, rng.choice(competitions), "bench", now))
            if rng.random() < 0.33 and len(found) < count:  # the same project, again
                twin = records.new_offer(dict(body, title=title.upper()),
                                         rng.choice(competitions), "bench", now)
                found.append(twin)
    found = found[:count]
    rng.shuffle(found)
    return found


def submit_all(client: MongoClient, db_name: str, batch: list[dict], check: bool) -> float:
    db = client[db_name]
    ensure_schema(db, COLLECTIONS)
    started = time.perf_counter()
    for record in batch:
        doc = dict(record)

        def work(session, doc=doc):
            db[OFFERS].insert_one(doc, session=session)
            if check:
                tx = Tx(db, session)
                coordination.refresh(tx, "offer", doc, doc["submitted_at"], new=True)
                tx.flush()

        with client.start_session() as session:
            session.with_transaction(work)
    return time.perf_counter() - started


def measure(client: MongoClient, size: int, seed: int) -> dict:
    batch = offers(size, seed)
    baseline = submit_all(client, f"bench_base_{size}", batch, check=False)
    ours = submit_all(client, f"bench_similar_{size}", batch, check=True)
    db = client[f"bench_similar_{size}"]
    started = time.perf_counter()
    listed = sum(1 for record in batch if coordination.items(db, "offer", record["_id"]))
    reading = time.perf_counter() - started
    return {"offers": size, "baseline_ms": 1000 * baseline / size,
            "ours_ms": 1000 * ours / size, "check_ms": 1000 * (ours - baseline) / size,
            "list_ms": 1000 * reading / size, "with_similar": listed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/similarity.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[600, 6000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="secantus-bench-") as storage:
        server = SecantusServer(storage).start()
        try:
            client = MongoClient(server.uri, tz_aware=True)
            sizes = [measure(client, size, args.seed) for size in sorted(args.sizes)]
            client.close()
        finally:
            server.stop()
    for row in sizes:
        print(f"{row['offers']:>6} offers: store {row['baseline_ms']:.2f} ms/offer, with the "
              f"check {row['ours_ms']:.2f} ms/offer (check {row['check_ms']:.2f} ms), similar "
              f"list {row['list_ms']:.2f} ms/read; {row['with_similar']} offers have matches")
    growth = sizes[-1]["ours_ms"] / sizes[0]["ours_ms"]
    verdict = "PASS" if growth <= TARGET_GROWTH else "ABOVE"
    print(f"cost per offer at {sizes[-1]['offers']:,} / at {sizes[0]['offers']:,}: "
          f"{growth:.2f} (target <= {TARGET_GROWTH}) {verdict}")
    figures = {"sizes": sizes, "growth": growth, "target_growth": TARGET_GROWTH,
               "verdict": verdict, "args": vars(args)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"similarity-{stamp}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
