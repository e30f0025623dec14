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
from neighbourhood.records import LoadError, LoadReport
from neighbourhood.records.dispatch import load_records
from neighbourhood.records.fhir import FhirLoadReport
from neighbourhood.records.pseudonymise import (
    KEY_ENV,
    KEY_FILE_ENV,
    PseudonymKeyError,
    key_from_environment,
    write_new_key,
)
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
        list[Path],
        typer.Argument(
            help="Extract files (<table>.csv|parquet), FHIR R4 files (.json Bundle or resource, "
            ".ndjson Bulk Data, .xml) or folders of them."
        ),
    ],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="Column mapping file (YAML) for a clinical-system export with its own "
            "column names; see records/README.md.",
        ),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help=f"File holding the pseudonymisation key (default: ${KEY_FILE_ENV} or "
            f"${KEY_ENV}). Needed for FHIR files and pseudonymising mappings.",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load records into the store: validated, pseudonymised, atomic, safe to re-run.

    Rows that fail a check are kept in the quarantine table with file, line (or FHIR entry
    number), field and reason: see `neighbourhood quarantine list`.
    """
    settings: Settings = ctx.obj

    def loader(con, given, *, progress):
        return load_records(
            con, given, key=lambda: key_from_environment(key_file), mapping=mapping,
            progress=progress,
        )  # fmt: skip

    result = load_into_store(settings, loader, paths, label="load")
    if result.extracts is not None:
        report = result.extracts
        render_load_report(report, fmt, settings, title=f"load {report.load_id}")
    if result.fhir is not None:
        render_fhir_report(result.fhir, fmt, settings)


def render_fhir_report(report: FhirLoadReport, fmt: OutputFormat, settings: Settings) -> None:
    """Per table counts, then the FHIR entries: mapped, quarantined, skipped by type."""
    document = report.to_dict()
    if fmt is OutputFormat.json:
        render_document(document, fmt, console=settings.console)
        return
    render_load_report(report.load, fmt, settings, title=f"load {report.load.load_id} (FHIR)")
    fhir = document["fhir"]
    rows = [
        {k: f[k] for k in ("path", "entries", "mapped", "quarantined", "skipped", "already_loaded")}
        for f in fhir["files"]
    ]
    rows.append(
        {"path": "all files", "entries": fhir["entries"], "mapped": fhir["mapped"],
         "quarantined": fhir["quarantined"], "skipped": fhir["skipped"], "already_loaded": ""}
    )  # fmt: skip
    render_rows(rows, fmt, title="FHIR entries", console=settings.console)
    skipped = [{"skipped": k, "entries": v} for k, v in fhir["skipped_by_type"].items()]
    if skipped:
        render_rows(skipped, fmt, title="entries not loaded, by type", console=settings.console)
    kept_out = [{"value": k, "entries": v} for k, v in fhir["not_mapped"].items()]
    if kept_out:
        render_rows(kept_out, fmt, title="values not mapped", console=settings.console)


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
    except PseudonymKeyError as error:
        settings.errors.print(f"[red]{label} failed, store unchanged:[/red] {error}")
        raise typer.Exit(2) from error
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


quarantine_app = typer.Typer(help="Rows that loads rejected, with file, line, field and reason.")
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Option("--table", help="Only this target table.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 50,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rejected rows: target table, file, line (FHIR: entry number), field, reason and the
    row as mapped (pseudonymised, never the original identifiers)."""
    settings: Settings = ctx.obj
    with _open_existing(settings) as con:
        rows = quarantined_rows(con, table=table, limit=limit)
    render_rows(rows, fmt, title="quarantine", console=settings.console)


key_app = typer.Typer(help="The pseudonymisation key (kept apart from the store).")
app.add_typer(key_app, name="key")


@key_app.command("new")
def key_new(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="File to write the new key to (must not exist).")],
) -> None:
    """Write a new random pseudonymisation key, readable by its owner only."""
    settings: Settings = ctx.obj
    try:
        key = write_new_key(path)
    except PseudonymKeyError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    settings.console.print(
        f"wrote {path} (fingerprint {key.fingerprint}); set {KEY_FILE_ENV}={path} or pass "
        "--key-file. Keep it apart from the store: whoever has it can link pseudonyms to "
        "NHS numbers."
    )


def _open_existing(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The store, read-only; exit 1 with a clear message when there is none yet."""
    try:
        return connect(settings.db, read_only=True)
    except FileNotFoundError as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from error
