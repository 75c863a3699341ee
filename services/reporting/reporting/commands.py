"""Reporting's commands of the operator CLI (`wspolpraca-admin rebuild`, `wspolpraca-admin
export`), registered through the entry point group `wspolpraca.admin` (see wspolpraca.admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from wspolpraca.admin import fail, progress_bar, service_database


class _RichBar:
    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task("replaying events", total=total)

    def advance(self, count: int = 1) -> None:
        self.progress.advance(self.task, count)

    def finish(self) -> None:
        self.progress.refresh()


def rebuild() -> None:
    """Rebuild the reporting read models from its event log (safe while it runs)."""
    from reporting.rebuild import rebuild as rebuild_projections

    with service_database("reporting") as db, progress_bar() as progress:
        result = rebuild_projections(db, progress_bar=lambda total: _RichBar(progress, total))
    typer.echo(f"rebuilt {result['documents']} documents from {result['events']} events "
               f"({result['events_per_second']} events/s), caught up {result['caught_up']} "
               f"in {result['seconds']} s")


def export_open_data(
    out: Annotated[Path, typer.Option(help="the directory to write to")] = Path("open-data"),
    dataset: Annotated[list[str] | None, typer.Option(help="only these datasets")] = None,
    fmt: Annotated[list[str] | None, typer.Option("--format", help="csv and/or json")] = None,
    year: Annotated[int | None, typer.Option(help="only this year")] = None,
) -> None:
    """Write the open datasets (the API's /api/v1/open-data files) from reporting's database."""
    from reporting import opendata, stats
    from reporting.repository import Reader

    names = dataset or list(opendata.DATASETS)
    unknown = [n for n in names if n not in opendata.DATASETS]
    if unknown:
        raise fail(f"unknown dataset(s): {', '.join(unknown)} "
                   f"(known: {', '.join(opendata.DATASETS)})", 2)
    formats = fmt or ["csv", "json"]
    if set(formats) - {"csv", "json"}:
        raise fail("formats: csv, json", 2)
    out.mkdir(parents=True, exist_ok=True)
    with service_database("reporting") as db:
        data = stats.Data(Reader(db))
        with progress_bar() as progress:
            task = progress.add_task("exporting", total=len(names))
            for name in names:
                found = opendata.DATASETS[name]
                items = opendata.rows(found, data, year)
                if "csv" in formats:
                    (out / f"{name}.csv").write_text(opendata.to_csv(found, items),
                                                     encoding="utf-8", newline="")
                if "json" in formats:
                    (out / f"{name}.json").write_text(opendata.to_json(found, items),
                                                      encoding="utf-8")
                progress.advance(task)
    typer.echo(f"wrote {len(names)} dataset(s) to {out}")


def register(app: typer.Typer) -> None:
    app.command()(rebuild)
    app.command("export")(export_open_data)
