"""`neighbourhood access ucr` (2-hour UCR and 2-day reablement KPIs) and
`neighbourhood access ucr-load` (CSDS CYP101 / CYP104 / CYP201 extracts)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from neighbourhood.access.ucr_csds import load_csds, read_source_codes
from neighbourhood.access.ucr_export import DISCLOSURE, published_rows, to_csv
from neighbourhood.access.ucr_kpis import LEVELS, kpis
from neighbourhood.access.ucr_settings import UcrSettings
from neighbourhood.cli.app import Settings
from neighbourhood.cli.commands.access import access_app
from neighbourhood.cli.options import FormatOption, month_option
from neighbourhood.cli.render import OutputFormat, render_document, render_rows
from neighbourhood.records import LoadError
from neighbourhood.store import connect

Level = StrEnum("Level", [(level, level) for level in LEVELS])


SHOWN = (  # the table view; json and csv give every column
    "level", "org_code", "org_name", "month", "two_hour_referrals", "two_hour_met",
    "two_hour_percent_met", "meets_target", "two_hour_contacts", "ucr_referrals",
    "ucr_referrals_per_100k", "reablement_referrals", "reablement_percent_met",
)  # fmt: skip


@access_app.command("ucr")
def ucr_command(
    ctx: typer.Context,
    month: Annotated[
        str, typer.Option("--month", help="Month (YYYY-MM), or the first of a range.")
    ],
    to: Annotated[
        str | None, typer.Option("--to", help="Last month of a range (YYYY-MM); default --month.")
    ] = None,
    by: Annotated[
        list[Level] | None, typer.Option("--by", help="Level(s) to show; default all five.")
    ] = None,
    export: Annotated[
        bool,
        typer.Option(
            "--export",
            help="The published layout: a table per measure, organisations in rows, months in "
            "columns, counts rounded to 5, small percentages hidden (CSV).",
        ),
    ] = False,
    clock_start: Annotated[
        str, typer.Option(help="supplied (CYP104 start, else received) or received.")
    ] = "supplied",
    clock_stop: Annotated[
        str, typer.Option(help="supplied (CYP104 end, else contacts) or contacts.")
    ] = "supplied",
    outside_hours: Annotated[
        str, typer.Option(help="as_received, next_opening or exclude (2-hour clocks).")
    ] = "as_received",
    video_stops_clock: Annotated[bool, typer.Option(help="A video contact stops a clock.")] = False,
    not_attended_stops_clock: Annotated[
        bool, typer.Option(help="A did-not-attend or cancelled contact stops a clock.")
    ] = False,
    min_age: Annotated[int | None, typer.Option(help="Leave out people younger than this.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """2-hour UCR and 2-day reablement KPIs by month and by team, provider, ICB, region, England."""
    settings: Settings = ctx.obj
    first = month_option(month)
    last = month_option(to, "--to") if to else first
    if last < first:
        raise typer.BadParameter(f"--to {to} is before --month {month}")
    try:
        rules = UcrSettings(
            clock_start=clock_start, clock_stop=clock_stop, outside_hours=outside_hours,
            video_stops_clock=video_stops_clock, not_attended_stops_clock=not_attended_stops_clock,
            min_age=min_age,
        )  # fmt: skip
    except ValueError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    levels = [lv.value for lv in by] if by else list(LEVELS)
    try:
        con = connect(settings.db, read_only=True)
    except FileNotFoundError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    try:
        rows = kpis(con, first, last, levels=levels, settings=rules)
    finally:
        con.close()
    if export:
        months, table = published_rows(rows)
        if fmt is OutputFormat.table:
            settings.errors.print(f"[yellow]note:[/yellow] {DISCLOSURE}")
        sys.stdout.write(to_csv(months, table))
        return
    if not rows:
        settings.errors.print(
            f"no community referrals or contacts from {first:%Y-%m} to {last:%Y-%m}"
        )
    if fmt is OutputFormat.json:
        render_document({"settings": rules.to_dict(), "rows": rows}, fmt, console=settings.console)
        return
    if fmt is OutputFormat.csv:
        render_rows(rows, fmt, console=settings.console)
        return
    render_rows(
        [{k: r[k] for k in SHOWN} for r in rows],
        fmt,
        title=f"Urgent community response, {first:%Y-%m} to {last:%Y-%m}",
        console=settings.console,
    )


@access_app.command("ucr-load")
def ucr_load_command(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="CSDS CYP101 / CYP104 / CYP201 CSV files or folders.")
    ],
    source_codes: Annotated[
        Path | None,
        typer.Option(help="CSV of code,group mapping your SOURCE OF REFERRAL codes to groups."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load CSDS-shaped extracts into the store, all or nothing; bad rows to quarantine."""
    settings: Settings = ctx.obj
    codes = read_source_codes(source_codes) if source_codes is not None else {}
    con = connect(settings.db)
    try:
        report = load_csds(con, paths, source_codes=codes)
    except LoadError as error:
        settings.errors.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error
    finally:
        con.close()
    rows = [{"table": t, **c} for t, c in report.to_dict()["tables"].items()]
    render_rows(rows, fmt, title="CSDS load", console=settings.console)
