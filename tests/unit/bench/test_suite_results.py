"""bench/suite.py: the table's lines, and the same lines as build/bench/results.json."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))

import suite

SEARCH_RESULT = {
    "args": {"organizations": 20000, "clients": 50},
    "before": {"p50": 0.2, "p99": 0.6, "rate": 4.4},
    "open_loop": {"offered_rate": 100.0, "p50": 0.004, "p99": 0.021, "rate": 99.0},
    "most": {"search": {"rate": 420.0}, "live": {"rate": 500.0}, "areas": {"rate": 380.0}},
    "max_ratio": 0.84, "max_ratio_api": 1.1,
    "rss_mib": {"loaded": 101.0, "after": 104.5},
}


def test_every_line_of_the_table_is_one_item_with_the_agreed_keys(tmp_path):
    rows = suite._search(SEARCH_RESULT)
    out = suite.write_json(rows, tmp_path / "build" / "bench" / "results.json")
    written = json.loads(out.read_text(encoding="utf-8"))
    assert len(written) == len(rows) == len(suite.format_table(rows)) == 3
    assert all(list(item) == ["name", "measured", "unit", "baseline", "ratio", "target",
                              "verdict"] for item in written)
    p99, most, rss = written
    assert (p99["measured"], p99["unit"], p99["target"], p99["verdict"]) == (
        21.0, "ms", "< 50 ms", "PASS")
    assert (most["measured"], most["baseline"], most["ratio"], most["verdict"]) == (
        420.0, 500.0, 0.84, "PASS")
    assert (rss["measured"], rss["unit"], rss["verdict"]) == (104.5, "MiB", "PASS")


def test_a_failed_benchmark_is_a_line_too():
    failed = suite.Row("search", None, "", None, None, "-", "FAILED", "FAILED (see above)")
    assert failed.as_json() == {"name": "search", "measured": None, "unit": "",
                                "baseline": None, "ratio": None, "target": "-",
                                "verdict": "FAILED"}
    assert suite.format_table([failed])[0].split() == ["search", "FAILED", "(see", "above)",
                                                       "-", "FAILED"]


def test_a_verdict_below_target_says_so():
    slow = {**SEARCH_RESULT, "open_loop": {**SEARCH_RESULT["open_loop"], "p99": 0.08},
            "max_ratio": 0.5}
    assert [row.verdict for row in suite._search(slow)] == ["ABOVE", "BELOW", "PASS"]


def test_every_benchmark_of_the_suite_has_rows_for_its_result_shape():
    assert {b.name for b in suite.SUITE} >= {"search", "rss", "throughput", "relay"}
    assert all(callable(b.verdict) for b in suite.SUITE)
