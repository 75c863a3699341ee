"""`python -m wspolpraca.dlq show|replay <queue>`: the CLI's `wspolpraca-admin dlq`.

A module of its own, so that the CLI may import wspolpraca.dlq and nothing imports back."""

from __future__ import annotations

import sys

from wspolpraca.cli import run


def main(argv: list[str] | None = None) -> int:
    return run(["dlq", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
