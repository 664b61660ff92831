"""`warn roster on|off|list`: the duty roster (值班表) from the command line."""

from typing import Annotated

import typer

roster_app = typer.Typer(help="The duty roster: who is on shift and gets duty pages.",
                         no_args_is_help=True)


@roster_app.command("on")
def roster_on(name: str, lead: Annotated[bool, typer.Option(
        "--lead", help="as the shift supervisor (值班领导)")] = False) -> None:
    """Put NAME on shift from now (a new shift if already on)."""
    from warn.cli_common import fail, service_context
    from warn.service.roster import RosterError, sign_on

    try:
        row = sign_on(service_context(), name, "cli", lead=True if lead else None)
    except RosterError as error:
        raise fail(str(error)) from None
    typer.echo(f"{name} 已上岗" + ("（值班领导）" if row.lead else ""))


@roster_app.command("off")
def roster_off(name: str) -> None:
    """Take NAME off shift."""
    from warn.cli_common import fail, service_context
    from warn.service.roster import RosterError, sign_off

    try:
        was_on = sign_off(service_context(), name)
    except RosterError as error:
        raise fail(str(error)) from None
    typer.echo(f"{name} 已下岗" if was_on else f"{name} 本来就不在岗")


@roster_app.command("list")
def roster_list() -> None:
    """Everyone who can be on shift, those on shift first."""
    from warn import vocabulary as words
    from warn.cli_common import service_context
    from warn.console.formats import stamp
    from warn.service.roster import roster

    rows = roster(service_context())
    if not any(row.on_shift for row in rows):
        typer.echo(words.ROSTER["nobody"])
    for row in rows:
        state = words.ROSTER["on"] if row.on_shift else words.ROSTER["off"]
        lead = words.ROSTER["is_lead"] if row.on_shift and row.lead else ""
        since = stamp(row.since) if row.on_shift else "—"
        district = row.district_name or row.district or words.ROSTER["all_districts"]
        typer.echo("\t".join((row.name, words.label(words.ROLES, row.role), district, state,
                              since, lead)).rstrip())
