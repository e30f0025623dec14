"""`neighbourhood reference load`: the published reference files into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.commands.data import load_into_store, render_load_report
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.render import OutputFormat, render_rows
from neighbourhood.reference import load_reference

reference_app = typer.Typer(
    help="Reference data: ODS epraccur and ePCN, GP list sizes, CQC care homes, postcodes."
)
app.add_typer(reference_app, name="reference")


@reference_app.command("load")
def load(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Reference files (default: the real files shipped in the package)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load reference files: checked against the data model, atomic, safe to re-run.

    Rows that fail a check are kept in quarantine with file, line, field and reason; rows that
    are not for the data model (e.g. epraccur rows that are not GP practices) are counted.
    """
    settings: Settings = ctx.obj
    report = load_into_store(settings, load_reference, paths or None, label="reference load")
    render_load_report(report, fmt, settings, title=f"reference load {report.load_id}")
    skipped = [
        {"file": Path(s.path).name, "reason": s.reason, "rows": s.rows} for s in report.skipped
    ]
    if skipped and fmt is OutputFormat.table:
        render_rows(
            skipped, fmt, title="rows skipped (not for the data model)", console=settings.console
        )
