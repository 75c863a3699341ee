"""`python -m wspolpraca.auth --role officer ...`: the CLI's `wspolpraca-admin token`.

A module of its own, so that the CLI may import wspolpraca.auth and nothing imports back."""

from __future__ import annotations

import sys

from wspolpraca.cli import run


def main(argv: list[str] | None = None) -> int:
    return run(["token", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
