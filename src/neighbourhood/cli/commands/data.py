"""`neighbourhood synth`, `load`, `status` and `quarantine`: getting data in and seeing it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.progress_bar import RichProgress
from neighbourhood.cli.render import OutputFormat, render_document, render_rows
from neighbourhood.overview import quarantined_rows, store_contents
from neighbourhood.records import LoadError, LoadReport, load_paths
from neighbourhood.store import connect
from neighbourhood.synthetic import DEFAULT_ICB, generate


@app.command()
def synth(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the extract files to.")],
    patients: Annotated[
        int, typer.Option("--patients", min=1, help="Number of synthetic patients.")
    ] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same bytes.")] = 42,
    icb: Annotated[
        str, typer.Option("--icb", help="ODS code of the real ICB whose practices to use.")
    ] = DEFAULT_ICB,
    file_format: Annotated[str, typer.Option("--file-format", help="csv or parquet.")] = "csv",
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a synthetic population on a real ICB's practices and PCNs (marked synthetic)."""
    settings: Settings = ctx.obj
    if file_format not in ("csv", "parquet"):
        raise typer.BadParameter("--file-format must be csv or parquet")
    try:
        with RichProgress(settings.errors) as progress:
            result = generate(
                out,
                patients=patients,
                seed=seed,
                icb=icb.upper(),
                file_format=file_format,
                progress=progress,
            )
    except ValueError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    render_document(result.to_dict(), fmt, console=settings.console)


@app.command()
def load(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Extract files or folders of them (<table>.csv|parquet).")
    ],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load extract files into the store: validated, atomic, safe to re-run.

    Rows that fail a check are kept in the quarantine table with file, line, field and reason.
    """
    settings: Settings = ctx.obj
    report = load_into_store(settings, load_paths, paths, label="load")
    render_load_report(report, fmt, settings, title=f"load {report.load_id}")


def load_into_store(settings: Settings, loader, paths, *, label: str) -> LoadReport:
    """Run `loader(con, paths, progress=...)` on the store with a progress bar; exit 1 with a
    clear message (the store unchanged) when a file cannot be read at all."""
    con = connect(settings.db)
    try:
        with RichProgress(settings.errors) as progress:
            return loader(con, paths, progress=progress)
    except LoadError as error:
        settings.errors.print(f"[red]{label} failed, store unchanged:[/red] {error}")
        raise typer.Exit(1) from error
    finally:
        con.close()


def render_load_report(
    report: LoadReport, fmt: OutputFormat, settings: Settings, *, title: str
) -> None:
    """The whole report as JSON, or one row per table: loaded, quarantined, already present."""
    document = report.to_dict()
    if fmt is OutputFormat.json:
        render_document(document, fmt, console=settings.console)
        return
    rows = [{"table": t, **counts} for t, counts in document["tables"].items()]
    render_rows(rows, fmt, title=title, console=settings.console)


@app.command()
def status(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """What the store holds: rows, quarantined rows and files per table."""
    settings: Settings = ctx.obj
    with _open_existing(settings) as con:
        rows = store_contents(con)
    render_rows(rows, fmt, title=f"store {settings.db}", console=settings.console)


@app.command()
def quarantine(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Option("--table", help="Only this target table.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rows that loads rejected, with file, line, field and reason."""
    settings: Settings = ctx.obj
    with _open_existing(settings) as con:
        rows = quarantined_rows(con, table=table, limit=limit)
    render_rows(rows, fmt, title="quarantine", console=settings.console)


def _open_existing(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The store, read-only; exit 1 with a clear message when there is none yet."""
    try:
        return connect(settings.db, read_only=True)
    except FileNotFoundError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
