"""`neighbourhood access waits` and `neighbourhood access discharge`: community waiting lists
(local snapshots and the published NHS England workbook) and discharge delays."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from neighbourhood.access import discharge as dis
from neighbourhood.access import waits
from neighbourhood.access.waits_published import published_organisation
from neighbourhood.cli.app import Settings
from neighbourhood.cli.commands.access import access_app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.render import OutputFormat, render_document
from neighbourhood.store import connect


def _open(settings: Settings):
    try:
        return connect(settings.db, read_only=True)
    except FileNotFoundError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error


@access_app.command("waits")
def waits_command(
    ctx: typer.Context,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            help="ODS code of a provider (with --published, also an ICB or region code).",
        ),
    ] = None,
    published: Annotated[
        bool,
        typer.Option(
            "--published",
            help="Show the published NHS England workbook's figures instead of the store's.",
        ),
    ] = False,
    target_weeks: Annotated[
        float, typer.Option("--target-weeks", min=1, help="Waiting time target in weeks.")
    ] = 52,
    achievement: Annotated[
        float,
        typer.Option("--achievement", min=0.5, max=0.999, help="Share to meet the target."),
    ] = 0.99,
    relief_weeks: Annotated[
        float, typer.Option("--relief-weeks", min=1, help="Weeks to bring the queue to target.")
    ] = 52,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Community waiting lists in the published weeks-waited bands: the latest snapshot,
    the trend, children waiting over 52 weeks, queue measures, and the published figures."""
    settings: Settings = ctx.obj
    code = provider.upper() if provider else None
    if published:
        try:
            document = published_organisation(code)
        except LookupError as error:
            raise typer.BadParameter(str(error)) from None
        render_document(document, fmt, console=settings.console)
        return
    target = waits.QueueTarget(target_weeks, achievement, relief_weeks)
    con = _open(settings)
    try:
        document = waits.waiting_list_report(con, provider=code, target=target)
    finally:
        con.close()
    if not document["latest_snapshot"]:
        settings.errors.print(
            "[yellow]note:[/yellow] no waiting list snapshots in the store"
            + (f" for provider {code}" if code else "")
        )
    render_document(document, fmt, console=settings.console)


@access_app.command("discharge")
def discharge_command(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Option("--month", help="YYYY-MM; the month of the latest discharge if omitted."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Discharge delays: days from discharge-ready date to discharge, patients no longer
    meeting the criteria to reside each day (7-day rolling average), bed-days lost, and the
    pathway 0-3 mix against the expected shares."""
    settings: Settings = ctx.obj
    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise typer.BadParameter(
            f"{month!r} is not a month in the form YYYY-MM", param_hint="--month"
        )
    con = _open(settings)
    try:
        document = dis.discharge_report(con, month)
    except ValueError as error:  # a well-formed month outside the years parse_month takes
        raise typer.BadParameter(str(error), param_hint="--month") from None
    finally:
        con.close()
    if document is None:
        settings.errors.print("[yellow]note:[/yellow] no discharges in the store")
        raise typer.Exit(0)
    render_document(document, fmt, console=settings.console)
