"""`neighbourhood reference load`: the published reference files into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.progress_bar import RichProgress
from neighbourhood.cli.render import OutputFormat, render_document, render_rows
from neighbourhood.records import LoadError
from neighbourhood.reference import load_reference
from neighbourhood.store import connect

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
    con = connect(settings.db)
    try:
        with RichProgress(settings.errors) as progress:
            report = load_reference(con, paths or None, progress=progress)
    except LoadError as error:
        settings.errors.print(f"[red]reference load failed, store unchanged:[/red] {error}")
        raise typer.Exit(1) from error
    finally:
        con.close()
    document = report.to_dict()
    if fmt is OutputFormat.json:
        render_document(document, fmt, console=settings.console)
        return
    rows = [{"table": t, **counts} for t, counts in document["tables"].items()]
    render_rows(rows, fmt, title=f"reference load {report.load_id}", console=settings.console)
    skipped = [
        {"file": Path(s["path"]).name, "reason": s["reason"], "rows": s["rows"]}
        for s in document.get("skipped", [])
    ]
    if skipped and fmt is OutputFormat.table:
        render_rows(
            skipped, fmt, title="rows skipped (not for the data model)", console=settings.console
        )
