"""`neighbourhood footprints members|pcns|check|history`: the PCN tree on a date and its rules."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.commands.data import _open_existing
from neighbourhood.cli.options import FormatOption, parse_date, today
from neighbourhood.cli.render import OutputFormat, render_document, render_rows, render_sections
from neighbourhood.footprints import check, history, members, pcns

footprints_app = typer.Typer(
    help="PCN footprints as of a date: member practices, PCNs, rule checks, history of moves."
)
app.add_typer(footprints_app, name="footprints")


AsOfOption = Annotated[
    str,
    typer.Option("--as-of", help="The date to look at (YYYY-MM-DD); today when not given."),
]
IcbOption = Annotated[str | None, typer.Option("--icb", help="Only this ICB (ODS code, e.g. QE1).")]


def run_dated(settings: Settings, function, as_of: str, *args: Any, **kwargs: Any):
    """`function(con, date, ...)` on the read-only store; exit 2 with its message on ValueError
    (an unknown ICB, say)."""
    date = parse_date(as_of or today())
    with _open_existing(settings) as con:
        try:
            return function(con, date, *args, **kwargs)
        except ValueError as error:
            settings.errors.print(f"[red]error:[/red] {error}")
            raise typer.Exit(2) from error


def _scoped(settings: Settings, function, as_of: str, icb: str | None):
    return run_dated(settings, function, as_of, icb.upper() if icb else None)


@footprints_app.command("members")
def members_command(
    ctx: typer.Context,
    as_of: AsOfOption = "",
    icb: IcbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One row per open GP practice with its PCN, sub-ICB and ICB on the date."""
    settings: Settings = ctx.obj
    rows = _scoped(settings, members, as_of or today(), icb)
    render_rows(rows, fmt, title=f"practices {as_of or today()}", console=settings.console)


@footprints_app.command("pcns")
def pcns_command(
    ctx: typer.Context,
    as_of: AsOfOption = "",
    icb: IcbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One row per open PCN: sub-ICB, practices, registered patients and the rules it breaks."""
    settings: Settings = ctx.obj
    rows = _scoped(settings, pcns, as_of or today(), icb)
    render_rows(rows, fmt, title=f"PCNs {as_of or today()}", console=settings.console)


@footprints_app.command("check")
def check_command(
    ctx: typer.Context,
    as_of: AsOfOption = "",
    icb: IcbOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The PCN rules (rules.yaml, each with its source): findings, and what was not assessed."""
    settings: Settings = ctx.obj
    result = _scoped(settings, check, as_of or today(), icb)
    if fmt is OutputFormat.json:
        render_document(result.to_dict(), fmt, console=settings.console)
        return
    sections = {
        "rules": result.rule_rows(),
        "findings": result.finding_rows(),
        "not_assessed": result.not_assessed_rows(),
    }
    render_sections(sections, fmt, console=settings.console)


@footprints_app.command("history")
def history_command(
    ctx: typer.Context,
    practice_code: Annotated[str, typer.Argument(help="ODS code of the practice.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every PCN and sub-ICB membership the practice has had, oldest first."""
    settings: Settings = ctx.obj
    with _open_existing(settings) as con:
        rows = history(con, practice_code.upper())
    if not rows:
        settings.errors.print(f"[yellow]no memberships for practice {practice_code}[/yellow]")
    render_rows(rows, fmt, title=f"history of {practice_code.upper()}", console=settings.console)
