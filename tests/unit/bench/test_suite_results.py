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


NOTIFICATIONS_RESULT = {
    "args": {"events": 100, "subscriptions": 100, "slow_seconds": 1.0, "concurrency": 50,
             "history": 100000, "timeout": 900.0},
    "baseline": {"deliveries": 10000, "seconds": 12.5, "rate": 800.0},
    "fast": {"deliveries": 10000, "seconds": 50.0, "rate": 200.0},
    "slow": {"deliveries": 9900, "seconds": 55.0, "rate": 180.0, "slow_by_then": 90,
             "slow_seconds": 60.0, "floor_seconds": 25.0},
    "history": {"deliveries": 10000, "seconds": 80.0, "rate": 125.0},
    "history_again": {"deliveries": 10000, "seconds": 55.5, "rate": 180.2},
    "ratio_to_baseline": 0.25, "ratio_slow": 0.9, "ratio_history_first": 0.625,
    "ratio_history": 0.901,
    "targets": {"to_baseline": 0.5, "slow": 0.8, "history": 0.8},
}

GRANTS_RESULT = {
    "started": "2026-12-07T18:00:00+00:00", "args": {"offers": 6000, "competitions": 20},
    "year": {
        "offers": 6000,
        "submission": {"rate": 60.0, "round_trips_per_offer": 12.85,
                       "opcounters_per_offer": {"insert": 2.0}},
        "baseline": {"rate": 1500.0},
        "baseline_transaction": {"rate": 500.0, "round_trips_per_offer": 3.01,
                                 "opcounters_per_offer": {"insert": 2.0}},
        "ratio_submission_transaction": 0.12,
    },
}

GROWTH_RESULT = {
    "base": 300, "target": 1.5,
    "paths": [{"path": "the inbox, unread first page", "x1": 0.01, "x10": 0.012, "ratio": 1.2},
              {"path": "the annual report's first PDF after a start", "x1": 4.2, "x10": 5.6,
               "ratio": 1.33}],
    "first_pdf": {"x1": 4.2, "x10": 5.6, "limit_seconds": 5.0},
}


def test_the_fan_out_has_the_issues_three_lines_each_against_its_own_baseline():
    to_post, history, slow = suite._notifications(NOTIFICATIONS_RESULT)
    assert "100 events x 100 webhooks" in to_post.name
    assert (to_post.measured, to_post.baseline, to_post.ratio, to_post.target,
            to_post.verdict) == (200.0, 800.0, 0.25, ">= 0.50", "BELOW")
    # with history: the settled round (the second after the fill) is judged, the first shown
    assert "100,000 past deliveries" in history.name
    assert (history.measured, history.baseline, history.ratio, history.target,
            history.verdict) == (180.2, 200.0, 0.901, ">= 0.80", "PASS")
    assert "0.62" in history.shown
    assert (slow.measured, slow.baseline, slow.ratio, slow.verdict) == (180.0, 200.0, 0.9,
                                                                         "PASS")
    assert "floor 25.0" in slow.shown


def test_a_fan_out_run_without_history_says_that_line_was_not_run():
    result = {k: v for k, v in NOTIFICATIONS_RESULT.items()
              if k not in ("history", "history_again", "ratio_history", "ratio_history_first")}
    result["args"] = {**result["args"], "history": 0}
    assert [row.verdict for row in suite._notifications(result)] == ["BELOW", "NOT RUN",
                                                                      "PASS"]


def test_grants_submission_is_judged_against_the_raw_transaction_with_both_round_trips():
    (row,) = suite._grants(GRANTS_RESULT)
    assert (row.measured, row.unit, row.baseline, row.ratio, row.target, row.verdict) == (
        60.0, "offers/s", 500.0, 0.12, ">= 0.80", "BELOW")
    assert "12.85" in row.shown and "3.01" in row.shown
    passing = {**GRANTS_RESULT, "year": {**GRANTS_RESULT["year"],
                                         "ratio_submission_transaction": 0.85}}
    assert suite._grants(passing)[0].verdict == "PASS"


def test_the_first_pdf_after_a_start_has_its_absolute_limit_at_the_slower_size():
    rows = suite._growth(GROWTH_RESULT)
    assert [row.verdict for row in rows] == ["PASS", "PASS", "ABOVE"]
    pdf = rows[-1]
    assert (pdf.measured, pdf.unit, pdf.target) == (5.6, "s", "< 5 s")
    quick = {**GROWTH_RESULT, "first_pdf": {"x1": 3.1, "x10": 4.9, "limit_seconds": 5.0}}
    assert suite._growth(quick)[-1].verdict == "PASS"


def test_fan_out_and_grants_run_in_the_suite_and_their_results_are_found(tmp_path,
                                                                        monkeypatch):
    by_name = {b.name: b for b in suite.SUITE}
    assert by_name["notifications"].script == "notifications_fanout.py"
    assert by_name["grants"].script == "grants_year.py"
    # full size: 50 x 50 (100 x 100 stops the embedded SecantusDB, bench/suite.py) and the
    # issue's 100,000 past deliveries
    full = by_name["notifications"].args
    assert full[full.index("--history") + 1] == "100000"
    assert full[full.index("--events") + 1] == full[full.index("--subscriptions") + 1] == "50"
    monkeypatch.setattr(suite, "RESULTS", tmp_path)
    (tmp_path / "grants-year-20261207T180000Z.json").write_text(json.dumps(GRANTS_RESULT))
    (tmp_path / "notifications-20261207T180000Z.json").write_text(
        json.dumps(NOTIFICATIONS_RESULT))
    for name in ("grants", "notifications"):
        found = suite.newest(by_name[name].result_prefix, 0)
        assert found is not None
        assert by_name[name].verdict(found)


def test_every_line_of_issue_19_has_a_row_with_a_verdict():
    durable = {"durable": {"rate": 80.0, "db_round_trips_per_event": 4.25},
               "peer": {"rate": 100.0, "db_round_trips_per_event": 4.05},
               "baseline": {"rate": 1000.0}, "ratio_to_peer": 0.8, "ratio": 0.08}
    rows = [*suite._search(SEARCH_RESULT), *suite._notifications(NOTIFICATIONS_RESULT),
            *suite._durable(durable), *suite._grants(GRANTS_RESULT),
            *suite._growth(GROWTH_RESULT)]
    names = [row.name for row in rows]

    def line(*words: str) -> suite.Row:
        (row,) = [r for r in rows if all(w in r.name for w in words)]
        assert row.verdict in ("PASS", "BELOW", "ABOVE", "GROWS", "info")
        return row

    assert line("search p99", "20,000").target == "< 50 ms"
    assert line("most searches/s", "/health/live").target == ">= 0.80"
    assert line("RSS registry").target == "< 150 MiB"
    line("fan-out vs a plain POST loop", "100 events x 100 webhooks")
    line("100,000 past deliveries")
    line("one slow")
    durable_row = line("durable path")
    assert "4.25" in durable_row.shown and "4.05" in durable_row.shown
    assert line("raw pika").verdict == "info"
    line("grants submission", "raw transaction")
    line("growth", "inbox")
    assert line("first annual-report PDF").target == "< 5 s"
    assert len(names) == len(set(names))


def test_the_columns_of_the_table_stay_apart_however_long_a_measurement_reads():
    rows = [*suite._notifications(NOTIFICATIONS_RESULT), *suite._grants(GRANTS_RESULT),
            *suite._growth(GROWTH_RESULT)]
    lines = suite.format_table(rows)
    verdict_at = {line.rindex(row.verdict) for line, row in zip(lines, rows, strict=True)}
    assert len(verdict_at) == 1
    assert all(f"{row.shown}  " in line for line, row in zip(lines, rows, strict=True))


def test_the_fan_out_bench_writes_what_the_suite_reads():
    import argparse

    import notifications_fanout

    args = argparse.Namespace(events=100, subscriptions=100, slow_seconds=1.0, concurrency=50,
                              history=100000, profile=None, timeout=900.0)
    fast = {"deliveries": 10000, "seconds": 50.0, "rate": 200.0}
    outcome = notifications_fanout.result(
        args, {"deliveries": 10000, "seconds": 12.5, "rate": 800.0}, fast,
        {"deliveries": 9900, "seconds": 55.0, "rate": 180.0, "slow_by_then": 90,
         "slow_seconds": 60.0},
        {"deliveries": 10000, "seconds": 80.0, "rate": 125.0},
        {"deliveries": 10000, "seconds": 50.0, "rate": 200.0})
    outcome = json.loads(json.dumps(outcome))  # as saved and read back
    assert (outcome["ratio_to_baseline"], outcome["ratio_slow"], outcome["ratio_history"],
            outcome["ratio_history_first"]) == (0.25, 0.9, 1.0, 0.625)
    assert outcome["slow"]["floor_seconds"] == 25.0
    rows = suite._notifications(outcome)
    assert [row.verdict for row in rows] == ["BELOW", "PASS", "PASS"]
    without = notifications_fanout.result(argparse.Namespace(**{**vars(args), "history": 0}),
                                          outcome["baseline"], fast, outcome["slow"], None,
                                          None)
    assert suite._notifications(without)[1].verdict == "NOT RUN"


def test_each_webhook_of_the_fan_out_has_its_own_subscriber():
    # an owner may hold at most 50 subscriptions; the issue's size is 100 webhooks
    import notifications_fanout

    assert len({notifications_fanout.subscriber(n) for n in range(100)}) == 100
