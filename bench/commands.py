"""Database commands per kind, as a process's pymongo clients see them (`--commands`).

`python bench/commands.py <script.py | -m module> args...` runs a service process with a
pymongo `CommandListener` registered before any client exists. Each command is counted
under (command, collection, a short shape: the filter's keys, the number of documents,
whether it ran in a transaction) with its client-observed duration (`duration_micros`: the
round trip, including any wait in the single-threaded SecantusDB's queue). SIGUSR1 zeroes
the counts (the measured phase begins); SIGUSR2 writes them as JSON to
`$BENCH_COMMANDS_OUT` (it ends). `summarize` turns the files of one path into rows per
event for bench/throughput.py's report.
"""

from __future__ import annotations

if __name__ == "__main__":  # a service process: patched first, as each one is
    import eventlet

    eventlet.monkey_patch()

import json
import os
import runpy
import signal
import sys
from pathlib import Path
from typing import Any

from pymongo import monitoring

# commands whose first field is not the collection
_NO_COLLECTION = {"commitTransaction", "abortTransaction", "endSessions", "ping", "hello",
                  "isMaster", "ismaster", "serverStatus", "buildInfo"}


def _keys(spec: Any) -> str:
    if not isinstance(spec, dict) or not spec:
        return "{}"
    return "{" + ",".join(k if not isinstance(v, dict) else f"{k}:{','.join(v)}"
                          for k, v in spec.items()) + "}"


def shape(name: str, command: dict) -> str:
    """A short description of what the command asks, without its values."""
    if name == "find":
        text = _keys(command.get("filter"))
        if command.get("sort"):
            text += " sort"
        if command.get("limit"):
            text += f" limit {command['limit']}"
    elif name in ("update", "delete"):
        ops = command.get("updates" if name == "update" else "deletes") or []
        text = f"{'bulk' if len(ops) > 1 else '1×'} {_keys(ops[0].get('q')) if ops else ''}"
        if name == "update" and ops and ops[0].get("upsert"):
            text += " upsert"
    elif name == "insert":
        text = "bulk" if len(command.get("documents") or ()) > 1 else "1 doc"
    elif name == "findAndModify":
        text = _keys(command.get("query"))
    elif name == "aggregate":
        text = "|".join(next(iter(stage)) for stage in command.get("pipeline") or ())
    elif name in ("count", "countDocuments"):
        text = _keys(command.get("query"))
    else:
        text = ""
    if "txnNumber" in command and command.get("autocommit") is False:
        text += " (txn)"
    return text.strip()


class Counter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.pending: dict[tuple[Any, int], str] = {}
        self.counts: dict[str, list[float]] = {}  # key -> [count, micros, failed]

    def reset(self) -> None:
        self.counts = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name = event.command_name
        collection = "" if name in _NO_COLLECTION else str(event.command.get(name, ""))
        key = f"{name} {collection} {shape(name, event.command)}".replace("  ", " ").strip()
        self.pending[(event.connection_id, event.request_id)] = key

    def _done(self, event: Any, failed: bool) -> None:
        key = self.pending.pop((event.connection_id, event.request_id), None)
        if key is None:
            return
        row = self.counts.setdefault(key, [0, 0, 0])
        row[0] += 1
        row[1] += event.duration_micros
        row[2] += int(failed)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._done(event, False)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._done(event, True)


COUNTER = Counter()


def _dump(signum: int, frame: Any) -> None:
    out = Path(os.environ["BENCH_COMMANDS_OUT"])
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(COUNTER.counts)))
    tmp.replace(out)


def _reset(signum: int, frame: Any) -> None:
    COUNTER.reset()


def summarize(files: dict[str, Path], events: int) -> list[dict]:
    """Rows (process, command, count per event, ms per event, mean ms), costliest first."""
    rows = []
    for process, path in files.items():
        for key, (count, micros, failed) in json.loads(path.read_text()).items():
            rows.append({"process": process, "command": key,
                         "per_event": round(count / max(events, 1), 3),
                         "ms_per_event": round(micros / 1000 / max(events, 1), 3),
                         "mean_ms": round(micros / 1000 / max(count, 1), 3),
                         "failed": failed})
    return sorted(rows, key=lambda r: -r["ms_per_event"])


def table(label: str, rows: list[dict], limit: int = 25) -> str:
    lines = [f"{label}: database commands per event (client-observed round trip)",
             f"  {'process':<15}{'command':<58}{'n/event':>8}{'ms/event':>10}{'mean ms':>9}"]
    for row in rows[:limit]:
        lines.append(f"  {row['process']:<15}{row['command'][:57]:<58}{row['per_event']:>8}"
                     f"{row['ms_per_event']:>10}{row['mean_ms']:>9}"
                     + (f"  ({row['failed']} failed)" if row["failed"] else ""))
    total_n = sum(r["per_event"] for r in rows)
    total_ms = sum(r["ms_per_event"] for r in rows)
    lines.append(f"  {'total':<73}{total_n:>8.2f}{total_ms:>10.2f}")
    return "\n".join(lines)


def main() -> None:
    monitoring.register(COUNTER)
    signal.signal(signal.SIGUSR1, _reset)
    signal.signal(signal.SIGUSR2, _dump)
    args = sys.argv[1:]
    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        sys.path.insert(0, str(Path(args[0]).resolve().parent))
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()
