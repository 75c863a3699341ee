"""The operators' command line: `wspolpraca-admin` (or `python -m wspolpraca.cli`).

Thin: each command parses its options and calls the code that owns the job
(`wspolpraca.auth`, `wspolpraca.dlq`, `wspolpraca.outbox`, `wspolpraca.organization_import`).
A service adds commands of its own through the entry point group `wspolpraca.admin`
(reporting's `rebuild` and `export`, see wspolpraca.admin). It reads the same environment
as the services: AMQP_URI, MONGO_URI / MONGO_URI_<SERVICE>, WSPOLPRACA_JWT_SECRET.
See docs/operations.md, "The operator CLI".
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wspolpraca.admin import console, fail, progress_bar, register_commands
from wspolpraca.auth import ROLES, mint_token
from wspolpraca.config import (
    DEFAULT_AMQP_URI,
    DEFAULT_AUDIENCE,
    DEVELOPMENT_JWT_SECRET,
    SERVICE_PORTS,
    WITHOUT_EVENTS,
    ConfigurationError,
    resolve_mongo,
)
from wspolpraca.departments import DEFAULT_PURPOSES, STANDARD_PURPOSES, permission_pattern
from wspolpraca.queues import consumer_queue_name, dead_letter_queue_name

app = typer.Typer(help="Operator tasks of the wspolpraca platform.", no_args_is_help=True,
                  add_completion=False)
dlq_app = typer.Typer(help="Dead-lettered events per consumer queue.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


def _amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


# tokens ---------------------------------------------------------------------------------
@app.command()
def token(
    role: Annotated[list[str], typer.Option("--role", "-r", help=f"one of {', '.join(ROLES)}; "
                                            "repeat for several")],
    sub: Annotated[str, typer.Option(help="the user id")] = "dev-user",
    org_id: Annotated[str | None, typer.Option(help="the organisation (role ngo)")] = None,
    department: Annotated[str | None, typer.Option(help="the department code")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 8 * 3600,
) -> None:
    """Mint a token (HS256 with WSPOLPRACA_JWT_SECRET, or the development secret)."""
    secret = os.environ.get("WSPOLPRACA_JWT_SECRET") or DEVELOPMENT_JWT_SECRET
    audience = os.environ.get("WSPOLPRACA_JWT_AUDIENCE") or DEFAULT_AUDIENCE
    try:
        minted = mint_token(sub, role, org_id=org_id, department=department, secret=secret,
                            audience=audience, ttl_seconds=ttl)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    typer.echo(minted)


# department queues ------------------------------------------------------------------------
@app.command("department-queues")
def department_queues(
    code: Annotated[str, typer.Argument(help="the department's code in the registry, e.g. sport")],
    purpose: Annotated[list[str] | None, typer.Option(
        "--purpose", "-p", help="repeat for several; default: "
        + ", ".join(DEFAULT_PURPOSES) + "; also: "
        + ", ".join(p for p in STANDARD_PURPOSES if p not in DEFAULT_PURPOSES))] = None,
    user: Annotated[bool, typer.Option(help="also the broker user dept_<code>, allowed to read "
                                       "these queues only")] = True,
    rotate_password: Annotated[bool, typer.Option(
        help="give an existing dept_<code> user a new password")] = False,
) -> None:
    """Declare a department's standard queues `dept.<code>.<purpose>` (each with its `.dlq`,
    binding and dead-letter policy, as in infra/rabbitmq/definitions.json) and create its broker
    user; the password is printed once. Idempotent: what exists is left as it is."""
    from wspolpraca import topology

    amqp_uri = _amqp_uri()
    try:
        definitions = topology.department_definitions(
            code, list(purpose or DEFAULT_PURPOSES), topology.vhost_of(amqp_uri))
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    with _broker_errors():
        applied, policy_problem = topology.apply_definitions(amqp_uri, definitions)
    for queue in definitions["queues"]:
        state = "declared" if queue["name"] in applied.created else "already there"
        typer.echo(f"queue {queue['name']}: {state}")
    for binding in definitions["bindings"]:
        typer.echo(f"bound {binding['destination']} to {binding['source']} "
                   f"by {binding['routing_key']}")
    if policy_problem:
        raise fail(f"dead-letter policies not set: {policy_problem}")
    if not user:
        return
    try:
        made = topology.department_user(amqp_uri, code, rotate=rotate_password)
    except (OSError, RuntimeError) as exc:
        raise fail(f"broker user not created: {exc}") from None
    typer.echo(f"user {made.name}: may read {permission_pattern(code)} only "
               f"(vhost {topology.vhost_of(amqp_uri)})")
    if made.password is None:
        typer.echo(f"user {made.name} already exists: its password is unchanged "
                   "(--rotate-password to issue a new one)")
    else:
        typer.echo(f"password of {made.name} (shown once, keep it in the city's secret "
                   f"store): {made.password}")


# dead letters ---------------------------------------------------------------------------
_consumer_queue = consumer_queue_name


@contextmanager
def _broker_errors(queue: str | None = None):
    """A missing queue or an unreachable broker as a one-line message, not a traceback."""
    from wspolpraca import broker  # kombu only for the commands that talk to RabbitMQ

    try:
        yield
    except broker.NotFound:
        raise fail(f"no such queue: {dead_letter_queue_name(queue or '')}") from None
    except broker.ChannelError as exc:
        raise fail(f"the broker refused: {exc.reply_text or exc}") from None
    except broker.UNREACHABLE as exc:
        raise fail(f"cannot reach RabbitMQ at AMQP_URI: {exc!r}") from None


@dlq_app.command("list")
def dlq_list(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
    non_empty: Annotated[bool, typer.Option(help="only the queues holding messages")] = False,
) -> None:
    """Every `*.dlq` queue of the broker's vhost, with its depth."""
    from wspolpraca.dlq import QueueListingUnavailable, dead_letter_queues

    try:
        with _broker_errors():
            depths = dead_letter_queues(_amqp_uri())
    except QueueListingUnavailable as exc:
        raise fail(str(exc)) from None
    if non_empty:
        depths = {q: n for q, n in depths.items() if n}
    if as_json:
        typer.echo(json.dumps({dead_letter_queue_name(q): n for q, n in depths.items()}))
        return
    table = Table("dead-letter queue", "messages")
    for queue, count in depths.items():
        table.add_row(dead_letter_queue_name(queue), str(count),
                      style="bold red" if count else None)
    console.print(table)


@dlq_app.command("show")
def dlq_show(queue: Annotated[str, typer.Argument(help="the consumer queue (or its .dlq)")],
             limit: Annotated[int, typer.Option(help="at most this many")] = 100) -> None:
    """The messages parked in a queue's DLQ, and why (they stay parked); JSON lines."""
    from wspolpraca.dlq import parked

    with _broker_errors(_consumer_queue(queue)):
        found = parked(_amqp_uri(), _consumer_queue(queue), limit)
    for item in found:
        typer.echo(json.dumps(item, ensure_ascii=False))
    # the count on stderr, so that stdout stays JSON lines
    more = f" (at most {limit} shown)" if len(found) >= limit else ""
    noun = "message" if len(found) == 1 else "messages"
    typer.echo(f"{len(found)} {noun} in {dead_letter_queue_name(_consumer_queue(queue))}"
               f"{more}", err=True)


@dlq_app.command("replay")
def dlq_replay(queue: Annotated[str, typer.Argument(help="the consumer queue (or its .dlq)")],
               limit: Annotated[int | None, typer.Option(help="at most this many")] = None
               ) -> None:
    """Move parked messages back to their queue, attempts reset (consumers are idempotent)."""
    from wspolpraca.dlq import replay

    with _broker_errors(_consumer_queue(queue)):
        moved = replay(_amqp_uri(), _consumer_queue(queue), limit)
    typer.echo(f"replayed {moved} message(s) to {_consumer_queue(queue)}")


@dlq_app.command("purge")
def dlq_purge(queue: Annotated[str, typer.Argument(help="the consumer queue (or its .dlq)")],
              yes: Annotated[bool, typer.Option("--yes", "-y",
                                                help="do not ask for confirmation")] = False
              ) -> None:
    """Delete every message parked in a queue's DLQ (they are lost: show them first)."""
    from wspolpraca.dlq import purge

    name = _consumer_queue(queue)
    if not yes:
        typer.confirm(f"Delete every message in {dead_letter_queue_name(name)}?", abort=True)
    with _broker_errors(name):
        purged = purge(_amqp_uri(), name)
    typer.echo(f"purged {purged} message(s) from {dead_letter_queue_name(name)}")


# the outbox ------------------------------------------------------------------------------
@app.command()
def outbox(
    service: Annotated[list[str] | None, typer.Option(help="only these services")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False,
) -> None:
    """Events waiting in each service's outbox: how many and the oldest one's age."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    from wspolpraca.outbox import outbox_backlog

    figures: dict[str, dict] = {}
    for name in service or [s for s in SERVICE_PORTS if s not in WITHOUT_EVENTS]:
        try:
            uri, database = resolve_mongo(name, dict(os.environ))
        except ConfigurationError as exc:
            raise fail(str(exc), 2) from None
        client = MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)
        try:
            pending, age = outbox_backlog(client[database])
            figures[name] = {"pending": pending, "oldest_age_seconds": round(age, 1)}
        except PyMongoError as exc:
            figures[name] = {"error": str(exc).split(",")[0]}
        finally:
            client.close()
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        table = Table("service", "pending", "oldest (s)")
        for name, row in figures.items():
            if "error" in row:
                table.add_row(name, "?", row["error"], style="red")
            else:
                table.add_row(name, str(row["pending"]), f"{row['oldest_age_seconds']:.1f}")
        console.print(table)
    if any("error" in row for row in figures.values()):
        raise typer.Exit(1)


# the organisations import -----------------------------------------------------------------
@app.command("import-organizations")
def import_organizations(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                             help="UTF-8 CSV with a header row")],
    registry_url: Annotated[str, typer.Option(envvar="WSPOLPRACA_REGISTRY_URL",
                                              help="the registry's base URL")]
    = f"http://127.0.0.1:{SERVICE_PORTS['registry']}",
    api_token: Annotated[str | None, typer.Option(
        "--token", envvar="WSPOLPRACA_TOKEN",
        help="an officer's token (default: one minted with WSPOLPRACA_JWT_SECRET)")] = None,
    state: Annotated[Path | None, typer.Option(
        help="the resume journal (default: <csv>.state.jsonl)")] = None,
    report: Annotated[Path | None, typer.Option(
        help="the rejected rows (default: <csv>.rejected.csv)")] = None,
    limit: Annotated[int | None, typer.Option(help="send at most this many rows now")] = None,
) -> None:
    """Register organisations from a CSV through the registry's API, resumably."""
    from wspolpraca import organization_import as oi

    if api_token is None:
        secret = os.environ.get("WSPOLPRACA_JWT_SECRET") or DEVELOPMENT_JWT_SECRET
        audience = os.environ.get("WSPOLPRACA_JWT_AUDIENCE") or DEFAULT_AUDIENCE
        api_token = mint_token("wspolpraca-admin-import", ["officer"], secret=secret,
                               audience=audience, ttl_seconds=24 * 3600)
    state = state or csv_file.with_name(csv_file.name + ".state.jsonl")
    report = report or csv_file.with_name(csv_file.stem + ".rejected.csv")
    rows = oi.read_rows(csv_file)
    journal = oi.Journal(state)
    client = oi.RegistryClient(registry_url, api_token)
    try:
        with progress_bar() as progress:
            task = progress.add_task("importing rows", total=len(rows))
            outcome = oi.import_rows(rows, client, journal, limit=limit,
                                     on_row=lambda row, result: progress.advance(task))
    except oi.RegistryUnavailable as exc:
        raise fail(f"stopped: {exc}; re-run the same command to resume ({state})") from None
    finally:
        journal.close()
    oi.write_report(report, outcome.rejected)
    if outcome.rejected:
        table = Table("row", "nip", "field", "code", "message", title="rejected rows")
        for r in outcome.rejected[:50]:
            table.add_row(str(r.row), r.nip, r.field, r.code, r.message)
        console.print(table)
    typer.echo(f"imported {outcome.imported}, already imported {outcome.skipped}, "
               f"rejected {outcome.rows_rejected} (report: {report}), "
               f"not sent yet {outcome.remaining}")
    if outcome.remaining:
        raise typer.Exit(3)
    if outcome.rows_rejected:
        raise typer.Exit(1)


register_commands(app)


def run(args: list[str]) -> int:
    """Run one command line (for the older entry points); its exit status."""
    try:
        app(args, prog_name="wspolpraca-admin")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def main() -> None:
    app(prog_name="wspolpraca-admin")


if __name__ == "__main__":
    main()
