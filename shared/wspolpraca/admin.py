"""What the operator CLI's commands share, and how a service adds commands of its own.

A service declares a function `register(app: typer.Typer) -> None` under the entry point group
`wspolpraca.admin` in its pyproject.toml, e.g. reporting's

    [project.entry-points."wspolpraca.admin"]
    reporting = "reporting.commands:register"

and `wspolpraca-admin` calls it at start, so the shared library names no service (reporting
owns `rebuild` and `export`). `make install` installs the services editable, which records
their entry points.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from wspolpraca.config import ConfigurationError, load_settings

if TYPE_CHECKING:
    from pymongo.database import Database


ENTRY_POINT_GROUP = "wspolpraca.admin"

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """The message in red on stderr, and the exit to raise (status `code`)."""
    err.print(f"[red]{message}[/red]", soft_wrap=True, markup=True, highlight=False)
    return typer.Exit(code)


def progress_bar(transient: bool = False) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=transient)


@contextmanager
def service_database(service: str) -> Iterator[Database]:
    """The service's database as its settings name it (MONGO_URI_<SERVICE> or MONGO_URI); a
    configuration problem exits with status 2."""
    from wspolpraca.database import connect  # pymongo only for the commands that need it

    try:
        settings = load_settings(service)
    except ConfigurationError as exc:
        raise fail(str(exc), 2) from None
    client = connect(settings)
    try:
        yield client[settings.mongo_database]
    finally:
        client.close()


def register_commands(app: typer.Typer) -> None:
    """Let every installed service add its commands (entry point group `wspolpraca.admin`)."""
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        entry.load()(app)
