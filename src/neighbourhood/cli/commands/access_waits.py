"""`neighbourhood access waits` and `neighbourhood access discharge`: community waiting lists
(local snapshots and the published NHS England workbook) and discharge delays."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from neighbourhood.access import discharge as dis
from neighbourhood.access import waits
from neighbourhood.access.waits_published import (
    BANDS,
    check_published_totals,
    published_month,
    published_totals,
    published_waits,
)
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


def _published(code: str | None) -> dict:
    """The published figures of one organisation (England when code is None), wide by band,
    and what the workbook's totals check found."""
    bands, totals = published_waits(), published_totals()
    if code is None:
        pick = bands["level"] == "england"
        pick_total = totals["level"] == "england"
    else:
        pick, pick_total = bands["org_code"] == code, totals["org_code"] == code
    if not pick_total.any():
        raise typer.BadParameter(f"no organisation {code!r} in the published workbook")
    wide = bands[pick].pivot_table(
        index=["service_line", "age_group"], columns="weeks_waited_band", values="patients"
    )
    total = totals[pick_total].set_index(["service_line", "age_group"])["patients"]
    first = totals[pick_total].iloc[0]
    rows = []
    for (line, age_group), value in total.sort_index().items():
        row = {"service_line": line, "age_group": age_group, "total": int(value)}
        for band in BANDS:
            cell = wide[band].get((line, age_group)) if band in wide.columns else None
            row[band] = None if cell is None or cell != cell else int(cell)
        rows.append(row)
    check = check_published_totals()
    return {
        "data": "NHS England, Community Health Services Waiting Times (CHS SitRep), published",
        "month": published_month(),
        "organisation": first["org_name"],
        "level": first["level"],
        "code": code or "",
        "icb_code": first["icb_code"],
        "region_code": first["region_code"],
        "waiting_by_band": rows,
        "totals_check_unexplained": len(check.failures),
        "totals_check_differences": [r for r in check.rows if r["difference"] != 0],
    }


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
        render_document(_published(code), fmt, console=settings.console)
        return
    target = waits.QueueTarget(target_weeks, achievement, relief_weeks)
    con = _open(settings)
    try:
        document = {
            "latest_snapshot": waits.latest_snapshot(con, provider=code),
            "trend": waits.trend(con, provider=code),
            "cyp_over_52_weeks": waits.cyp_over_52_weeks(con, provider=code),
            "cyp_over_52_weeks_source": waits.CYP_LONG_WAIT_SOURCE,
            "queue_measures": waits.queue_measures(con, provider=code, target=target),
            "queue_target": repr(target),
            "queue_method": waits.QUEUE_METHOD_SOURCE,
        }
        if code:
            document["local_vs_published"] = waits.local_vs_published(con, provider=code)
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
        month = month or dis.discharge_month(con)
        if month is None:
            settings.errors.print("[yellow]note:[/yellow] no discharges in the store")
            raise typer.Exit(0)
        document = {
            "month": month,
            "summary": [dis.delay_summary(con, month)],
            "pathway_mix": dis.pathway_mix(con, month),
            "pathway_shares_source": dis.PATHWAY_SOURCE,
            "not_meeting_criteria_to_reside": dis.daily_not_meeting_criteria(con, month),
        }
    finally:
        con.close()
    render_document(document, fmt, console=settings.console)
