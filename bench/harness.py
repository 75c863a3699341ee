"""What the suite's smaller benchmarks share: their command line, a RabbitMQ vhost and a
SecantusDB server of their own (removed at the end, also on error), the table they print and
the results file that bench/suite.py reads."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from throughput import RESULTS, ROOT, BenchFailure

from wspolpraca.secantus import SecantusServer, secantus_binary
from wspolpraca.testing.rabbit import Vhost, broker_reachable


def parser(prog: str, doc: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


@dataclass
class Bench:
    workdir: Path
    vhost: Vhost
    secantus: SecantusServer
    stack: ExitStack


@contextmanager
def infrastructure() -> Iterator[Bench]:
    """A temp dir, a vhost on the local RabbitMQ and a fresh SecantusDB; exit 2 without a broker."""
    if not broker_reachable():
        print("RabbitMQ is not answering on 127.0.0.1:5672", file=sys.stderr)
        raise SystemExit(2)
    secantus_binary()  # fails early with the install hint
    workdir = Path(tempfile.mkdtemp(prefix="wspolpraca-bench-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        vhost = Vhost(prefix="wspolpraca-bench").create()
        stack.callback(vhost.delete)
        secantus = SecantusServer(workdir / "secantus", log_path=workdir / "secantus.log")
        stack.callback(secantus.stop)
        secantus.start()
        yield Bench(workdir, vhost, secantus, stack)


def print_rows(rows: list[tuple[str, str]]) -> None:
    print("\n".join(f"{label:<48}{value:>22}" for label, value in rows))


def save(name: str, outcome: dict) -> Path:
    """bench/results/<name>-<timestamp>.json, the file bench/suite.py reads."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(outcome, indent=2, default=str) + "\n")
    print(f"results: {out.relative_to(ROOT)}")
    return out


def run_measured(run: Callable[[argparse.Namespace, Bench], dict], args: argparse.Namespace,
                 on_failure: Callable[[Bench], None] | None = None) -> dict | None:
    """`run(args, bench)` on infrastructure of its own; None (and FAILED printed) when the
    benchmark broke, after `on_failure(bench)` has said what it can (logs, a demo's output)."""
    with infrastructure() as bench:
        try:
            return run(args, bench)
        except BenchFailure as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            if on_failure is not None:
                on_failure(bench)
            return None
