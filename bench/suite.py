"""The benchmark suite: every benchmark in its own process, then one table of verdicts.

    .venv/bin/python bench/suite.py [--quick] [--only NAME ...]

Each benchmark measures its own baseline in the same run and writes its figures to
bench/results/<name>-<timestamp>.json; this script runs them one after the other (never
two at once: they would measure each other), reads the newest result of each and prints
the ratio against its baseline and the verdict against the issue's target. `--quick`
runs smaller sizes (for a smoke run; the figures are then not the targets' sizes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: str
    args: tuple[str, ...]
    quick_args: tuple[str, ...]
    result_prefix: str
    verdict: Callable[[dict], list[tuple[str, str, str, str]]]  # rows: what, ours, ratio, verdict


def _durable(r: dict) -> list[tuple[str, str, str, str]]:
    durable, peer = r["durable"], r["peer"]
    return [("durable path HTTP -> outbox -> relay -> consumer",
             f"{durable['rate']:,.0f} ev/s vs nameko-examples' way {peer['rate']:,.0f} "
             f"({durable['db_round_trips_per_event']} vs {peer['db_round_trips_per_event']} "
             f"db round trips/event)",
             f"{r['ratio_to_peer']:.2f} (>= 0.80)", "PASS" if r["ratio_to_peer"] >= 0.8
             else "BELOW"),
            ("  the same, against raw pika (context)",
             f"{durable['rate']:,.0f} ev/s vs raw pika {r['baseline']['rate']:,.0f}",
             f"{r['ratio']:.2f}", "info")]


def _relay(r: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for way in ("hand-off", "sweep"):
        ratio = r[f"ratio_{way}"]
        rows.append((f"relay batch publish ({way})",
                     f"{r[way]['rate']:,.0f} ev/s vs raw pika {r['baseline']['rate']:,.0f}",
                     f"{ratio:.2f} (>= 0.90)", "PASS" if ratio >= 0.9 else "BELOW"))
    return rows


def _search(r: dict) -> list[tuple[str, str, str, str]]:
    ours, base = r["ours"], r["baseline"]
    size = f"{r['args']['organizations']:,} organisations, {r['args']['clients']} clients"
    return [(f"registry search, {size}",
             f"p50 {ours['p50'] * 1000:.0f} / p99 {ours['p99'] * 1000:.0f} ms "
             f"(raw pymongo p99 {base['p99'] * 1000:.0f})",
             f"{r['p99_ratio']:.2f} x raw", "PASS" if ours["p99"] < 0.05 else "ABOVE")]


def _rss(r: dict) -> list[tuple[str, str, str, str]]:
    base = r["baseline"]["after_work_mib"]
    return [(f"RSS {service}", f"{f['after_work_mib']:.0f} MiB (bare nameko {base:.0f})",
             f"{f['after_work_mib'] / base:.2f} x bare",
             "PASS" if f["after_work_mib"] < 150 else "ABOVE")
            for service, f in r["services"].items()]


def _rebuild(r: dict) -> list[tuple[str, str, str, str]]:
    rate = r["events_per_second"]
    return [("reporting rebuild", f"{rate:,.0f} ev/s (reading the log {r['read_rate']:,.0f})",
             f"{rate / r['read_rate']:.2f} x read", "PASS" if rate >= 5000 else "BELOW")]


def _similarity(r: dict) -> list[tuple[str, str, str, str]]:
    rows = [(f"similarity check, {size['offers']:,} offers",
             f"{size['ours_ms']:.1f} ms/offer (storing alone {size['baseline_ms']:.1f})",
             f"{size['ours_ms'] / size['baseline_ms']:.2f} x store", "-")
            for size in r["sizes"]]
    first, last = r["sizes"][0]["offers"], r["sizes"][-1]["offers"]
    rows.append((f"similarity cost per offer, {last:,} vs {first:,}",
                 "the check reads the organisation's own applications only",
                 f"{r['growth']:.2f} (<= {r['target_growth']})",
                 "PASS" if r["growth"] <= r["target_growth"] else "ABOVE"))
    return rows


def _portal(r: dict) -> list[tuple[str, str, str, str]]:
    target = r["target_ratio"]
    rows = [(f"portal {p['page']}"[:60],
             f"p95 {p['page_p95'] * 1000:.0f} ms (slowest API call "
             f"{p['slowest_api_p95'] * 1000:.0f})",
             f"{p['ratio']:.2f} (<= {target})", "PASS" if p["ratio"] <= target else "ABOVE")
            for p in r["pages"]]
    return rows


SUITE = (
    Benchmark("throughput", "throughput.py", (), ("--events", "1000"), "throughput", _durable),
    Benchmark("relay", "relay.py", (), ("--events", "1000"), "relay", _relay),
    Benchmark("search", "search.py", (), ("--organizations", "2000", "--requests", "300"),
              "search", _search),
    Benchmark("rebuild", "reporting_rebuild.py", (),
              ("--organizations", "2000", "--competitions", "30", "--offers", "600",
               "--events", "10000"), "rebuild", _rebuild),
    Benchmark("rss", "rss.py", (), ("--requests", "40"), "rss", _rss),
    Benchmark("similarity", "similarity.py", ("--sizes", "600", "6000"),
              ("--sizes", "60", "600"), "similarity", _similarity),
    Benchmark("portal", "portal_pages.py", (), ("--requests", "60"), "portal", _portal),
)


def newest(prefix: str, since: float) -> dict | None:
    found = [p for p in RESULTS.glob(f"{prefix}-*.json")
             if p.stat().st_mtime >= since and not p.name.endswith("-logs")]
    if not found:
        return None
    return json.loads(max(found, key=lambda p: p.stat().st_mtime).read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/suite.py", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--only", nargs="*", choices=[b.name for b in SUITE], default=None)
    args = parser.parse_args(argv)
    chosen = [b for b in SUITE if args.only is None or b.name in args.only]
    rows: list[tuple[str, str, str, str]] = []
    failed = []
    for bench in chosen:
        print(f"\n=== {bench.name} ({bench.script}) ===", flush=True)
        started = time.time()
        argv_ = [sys.executable, str(BENCH / bench.script),
                 *(bench.quick_args if args.quick else bench.args)]
        code = subprocess.call(argv_, cwd=BENCH.parent)
        result = newest(bench.result_prefix, started)
        if code != 0 or result is None:
            failed.append(bench.name)
            rows.append((bench.name, "FAILED (see its output above)", "-", "FAILED"))
            continue
        rows.extend(bench.verdict(result))
    width = max(len(r[0]) for r in rows) + 2
    print("\n=== summary" + (" (quick sizes: not the targets' sizes)" if args.quick else "")
          + " ===")
    for what, ours, ratio, verdict in rows:
        print(f"{what:<{width}}{ours:<58}{ratio:<18}{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
