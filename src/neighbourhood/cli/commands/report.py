"""`neighbourhood report pcn|icb`: a monthly report for a PCN or an ICB, as one HTML file that
works offline or as an Excel workbook (see src/neighbourhood/reports/README.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import fail, month_option
from neighbourhood.reports import (
    Report,
    ReportError,
    icb_report,
    opened,
    pcn_report,
    to_html,
    to_xlsx,
)
from neighbourhood.store.engines import EngineError

report_app = typer.Typer(
    help=(
        "Monthly reports: a PCN's (overview, practices, cohorts, IIF, UCR and reablement, "
        "community waits, payment statement) or an ICB's (its PCNs, footprint rules, IIF, UCR "
        "and reablement, waits, discharge delays, care home alignment), as HTML or XLSX."
    )
)
app.add_typer(report_app, name="report")


class ReportFormat(StrEnum):
    html = "html"
    xlsx = "xlsx"


SUFFIXES = {".html": ReportFormat.html, ".htm": ReportFormat.html, ".xlsx": ReportFormat.xlsx}

MonthOption = Annotated[str, typer.Option("--month", help="The month reported on (YYYY-MM).")]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="The file to write (.html or .xlsx); default e.g. pcn-U06387-2025-09.html here.",
    ),
]
FormatOption = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format", "-f", help="html or xlsx; default from --out, else html.", case_sensitive=False
    ),
]
PublishableOption = Annotated[
    bool,
    typer.Option(
        "--publishable",
        help="Hide counts of people from 1 to 4 (and what is worked out from them) for "
        "publication; without it the report is management information.",
    ),
]


def _format(out: Path | None, fmt: ReportFormat | None) -> ReportFormat:
    if out is None:
        return fmt or ReportFormat.html
    by_suffix = SUFFIXES.get(out.suffix.lower())
    if by_suffix is None:
        raise typer.BadParameter(f"{out} is neither .html nor .xlsx", param_hint="--out")
    if fmt is not None and fmt is not by_suffix:
        raise typer.BadParameter(f"--format {fmt} does not match {out}", param_hint="--out")
    return by_suffix


def _run(
    settings: Settings,
    build: Callable[..., Report],
    code: str,
    month: str,
    out: Path | None,
    fmt: ReportFormat | None,
    publishable: bool,
) -> None:
    first = month_option(month)
    chosen = _format(out, fmt)
    started = time.perf_counter()
    try:
        with opened(settings.db) as (con, engine):
            report = build(con, engine, code.upper(), first, publishable=publishable)
    except (FileNotFoundError, EngineError, ReportError) as error:
        raise fail(settings, str(error)) from error
    target = out or Path(f"{report.file_stem}.{chosen.value}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if chosen is ReportFormat.html:
        target.write_text(to_html(report), encoding="utf-8")
    else:
        target.write_bytes(to_xlsx(report))
    status = "publishable" if report.publishable else "management information, do not publish"
    settings.errors.print(
        f"wrote {target} ({status}; {time.perf_counter() - started:.1f} s)", soft_wrap=True
    )


@report_app.command("pcn")
def pcn_command(
    ctx: typer.Context,
    pcn: Annotated[str, typer.Option("--pcn", help="ODS code of the PCN, e.g. U06387.")],
    month: MonthOption,
    out: OutOption = None,
    fmt: FormatOption = None,
    publishable: PublishableOption = False,
) -> None:
    """A PCN's monthly report: overview, member practices, cohorts, IIF achievement, UCR and
    reablement of the teams serving it, community waits and the payment statement."""
    _run(ctx.obj, pcn_report, pcn, month, out, fmt, publishable)


@report_app.command("icb")
def icb_command(
    ctx: typer.Context,
    icb: Annotated[str, typer.Option("--icb", help="ODS code of the ICB, e.g. QJK.")],
    month: MonthOption,
    out: OutOption = None,
    fmt: FormatOption = None,
    publishable: PublishableOption = False,
) -> None:
    """An ICB's monthly report: its PCNs and footprint rules, IIF achievement per PCN, UCR and
    reablement of the ICB and its providers, waits, discharge delays, care home alignment."""
    _run(ctx.obj, icb_report, icb, month, out, fmt, publishable)
