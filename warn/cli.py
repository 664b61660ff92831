"""The `warn` command line (CONTRACT §1). Every command reads the same WARN_* variables."""

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from warn.cli_common import fail, said_plainly, service_context
from warn.cli_roster import roster_app
from warn.config import settings_from_env

app = typer.Typer(help="warn: early-warning dispatch for anti-fraud centres.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
district_app = typer.Typer(help="Police districts (schools, teams and officers belong to one).",
                           no_args_is_help=True)
school_app = typer.Typer(help="Schools (for the school liaison channel).", no_args_is_help=True)
team_app = typer.Typer(help="Mobile teams.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(district_app, name="district")
app.add_typer(school_app, name="school")
app.add_typer(team_app, name="team")
app.add_typer(user_app, name="user")
app.add_typer(roster_app, name="roster")


def _runtime(*, coalesce: bool = False):  # type: ignore[no-untyped-def]
    """This process's runtime, built from the settings and installed for its tasks."""
    from workers import runtime

    return runtime.install(said_plainly(
        lambda: runtime.build(settings_from_env(), coalesce=coalesce)))


def _migrate() -> None:
    from warn.store.db import upgrade

    upgrade(settings_from_env().database_url)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(
              help="server processes (distributed mode only)")] = 1) -> None:
    """HTTP API and console; embedded (worker and scheduler inside) without WARN_BROKER_URL."""
    import uvicorn

    from warn.api.server import log_config
    from workers.embedded import EmbeddedRuntime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    embedded = settings_from_env().embedded
    if embedded and workers > 1:
        raise fail("--workers needs WARN_BROKER_URL: embedded mode runs in one process")
    _migrate()
    # Built here so that a bad policy or template stops the command before it serves;
    # each server process of --workers N builds its own (workers.server).
    runtime = EmbeddedRuntime(_runtime(coalesce=True)) if embedded else None
    if not embedded:
        service_context()
    if runtime:
        runtime.start()
    try:
        uvicorn.run("workers.server:create_server_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info", log_config=log_config(),
                    http="warn.api.server:NoDelayHTTPProtocol")
    finally:
        if runtime:
            runtime.stop()


@app.command()
def worker(concurrency: Annotated[int, typer.Option(help="worker processes")] = 2,
           pool: Annotated[str, typer.Option(help="prefork, threads or solo")] = "prefork",
           lanes: Annotated[str, typer.Option(
               help="the lanes it takes work from, most urgent first whatever the order "
                    "given: deliveries, urgent, timers, bulk")] = "deliveries,urgent,timers,bulk",
           ) -> None:
    """A Celery worker (distributed mode); run any number of them."""
    from workers.lanes import parse_lanes

    settings = settings_from_env()
    if settings.embedded:
        raise fail("WARN_BROKER_URL is not set: `warn serve` runs its own worker when embedded")
    try:
        queues = parse_lanes(lanes)
    except ValueError as error:
        raise fail(str(error)) from None
    # Installed before the pool forks: every worker process starts with it.
    _runtime()
    from workers.app import celery_app

    celery_app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}",
                            f"--pool={pool}", f"--queues={','.join(queues)}",
                            "--without-gossip", "--without-mingle"])


@app.command()
def scheduler(interval: Annotated[float, typer.Option(help="seconds between sweeps")] = 0.1
              ) -> None:
    """Fire due escalations and re-drive lost work; running two at once is safe."""
    import signal
    import threading

    from workers.scheduler import run_scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings_from_env().embedded:
        raise fail("WARN_BROKER_URL is not set: `warn serve` runs its own scheduler when embedded")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    run_scheduler(_runtime(), stop, interval_s=interval)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (Alembic)."""
    _migrate()
    typer.echo("database is up to date")


@app.command()
def demo() -> None:
    """Replay three cases from the seed reports in accelerated time; print their timelines."""
    from workers.demo import run_demo

    run_demo()


@district_app.command("add")
def district_add(district_id: Annotated[str, typer.Argument(metavar="ID")],
                 name: Annotated[str, typer.Option(help="the district's name")]) -> None:
    """Register a district (or rename it). Ids are matched trimmed and case-insensitively."""
    from warn.service.registration import AdminError, add_district

    _migrate()
    try:
        registered = add_district(service_context(), district_id, name)
    except AdminError as error:
        raise fail(str(error)) from None
    typer.echo(f"district {registered} registered")


@school_app.command("add")
def school_add(school_id: Annotated[str, typer.Argument(metavar="ID")],
               name: Annotated[str, typer.Option(help="the school's name")],
               district: Annotated[str, typer.Option(
                   help="its police district (registered now if new)")]) -> None:
    """Register a school (or update its name and district)."""
    from warn.service.registration import AdminError, add_school

    _migrate()
    try:
        registered = add_school(service_context(), school_id, name, district)
    except AdminError as error:
        raise fail(str(error)) from None
    typer.echo(f"school {school_id} registered in district {registered}")


@team_app.command("add")
def team_add(team_id: Annotated[str, typer.Argument(metavar="ID")],
             district: Annotated[str, typer.Option(
                 help="its police district (registered now if new)")],
             capacity: Annotated[int, typer.Option(help="dispatches it can take at once")] = 1,
             ) -> None:
    """Register a mobile team (or update it)."""
    from warn.service.registration import AdminError, add_team

    _migrate()
    try:
        registered = add_team(service_context(), team_id, district, capacity)
    except AdminError as error:
        raise fail(str(error)) from None
    typer.echo(f"team {team_id} registered in district {registered}")


def _list(kind: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from warn.service.registration import listing

    _migrate()
    columns, rows = listing(service_context(), kind)
    table = Table(*columns, title=f"{len(rows)} {kind}{'s' if len(rows) != 1 else ''}")
    for row in rows:
        table.add_row(*row)
    Console(width=120).print(table)


@district_app.command("list")
def district_list() -> None:
    """The registered districts, with how many schools, teams and users each has."""
    _list("district")


@school_app.command("list")
def school_list() -> None:
    """The registered schools."""
    _list("school")


@team_app.command("list")
def team_list() -> None:
    """The registered mobile teams."""
    _list("team")


@user_app.command("list")
def user_list() -> None:
    """The users, their roles and places (never a token or a password)."""
    _list("user")


@user_app.command("add")
def user_add(name: str, role: Annotated[str, typer.Option(help="feed|officer|liaison|team|admin")],
             school: str | None = None, district: str | None = None,
             team: str | None = None) -> None:
    """Create a user; its API token is the last line printed."""
    from warn.service.registration import AdminError, add_user

    _migrate()
    try:
        token = add_user(service_context(), name, role, school=school, district=district, team=team)
    except AdminError as error:
        raise fail(str(error)) from None
    typer.echo(f"user {name} ({role}) created; its API token:")
    typer.echo(token)


@user_app.command("disable")
def user_disable(name: str) -> None:
    """Revoke a user: once this returns, no running server accepts its token or its
    console sessions."""
    from warn.service.registration import AdminError, disable_user

    _migrate()
    try:
        disable_user(service_context(), name)
    except AdminError as error:
        raise fail(str(error)) from None
    typer.echo(f"user {name} disabled")


@user_app.command("unlock")
def user_unlock(name: str, client: Annotated[str | None, typer.Option(
        help="also lift the throttle on this client address, when the owner shares it "
             "with a guesser")] = None) -> None:
    """Lift the console sign-in throttle on a user's name, from every client address."""
    from warn.console.accounts import unlock
    from warn.service.registration import AdminError

    _migrate()
    try:
        lifted = unlock(service_context(), name, client=client)
    except AdminError as error:
        raise fail(str(error)) from None
    typer.echo(f"sign-in throttle lifted for {name} ({lifted} cleared)")


@user_app.command("passwd")
def user_passwd(name: str) -> None:
    """Set a user's console password, read from stdin (asked twice on a terminal), never
    from the command line where other users and the shell history would see it."""
    from warn.console.accounts import set_password
    from warn.console.passwords import WeakPassword
    from warn.service.registration import AdminError

    _migrate()
    password = _read_password()
    try:
        set_password(service_context(), name, password)
    except (AdminError, WeakPassword) as error:
        raise fail(str(error)) from None
    typer.echo(f"password set for {name}")


def _read_password() -> str:
    import getpass

    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise fail("the two passwords differ; nothing was changed")
    return first


@app.command()
def purge(older_than: Annotated[int, typer.Option(
        "--older-than", metavar="DAYS", min=0,
        help="purge cases resolved more than this many days ago")],
          vacuum: Annotated[bool, typer.Option(
              help="also rewrite the database files; locks writers out while it runs, "
                   "so for a maintenance window")] = False) -> None:
    """Remove the personal data of cases resolved before then; keep anonymous counts."""
    from datetime import timedelta

    from warn.service.purge import purge_resolved

    _migrate()
    report = purge_resolved(service_context(), timedelta(days=older_than), vacuum=vacuum)
    typer.echo(f"purged the personal data of {report.cases} cases resolved more than "
               f"{older_than} days ago ({report.signals} signals, {report.deliveries} "
               f"deliveries, {report.audit} audit rows); their anonymous counts are kept")
    if report.elsewhere:
        typer.echo(f"{report.elsewhere} notes, timeline entries and messages of other cases "
                   "mentioned them and were cleared")
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if report.warnings:  # the purge happened; cron should still hear what is left
        sys.exit(1)


@app.command()
def ingest(file: Annotated[Path, typer.Argument(metavar="FILE.ndjson", exists=True,
                                                 dir_okay=False, readable=True)],
           feed: Annotated[str, typer.Option(
               help="the feed whose ids these are (ids are each feed's own)")] = "",
           ) -> None:
    """Bulk-load signals from newline-delimited JSON, with a progress bar."""
    from warn.bulk import ingest_file

    _migrate()
    runtime = _runtime()
    report = ingest_file(runtime.ctx, file, runtime.hand_off, feed=feed)
    for line, message in report.problems[:50]:
        typer.echo(f"line {line}: {message}", err=True)
    if len(report.problems) > 50:
        typer.echo(f"... and {len(report.problems) - 50} more problems", err=True)
    typer.echo(f"{report.accepted} accepted, {report.duplicates} duplicates, "
               f"{len(report.problems)} rejected")
    if report.problems:
        sys.exit(1)
