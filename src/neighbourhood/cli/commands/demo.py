"""`neighbourhood demo`: the platform end to end on a synthetic population of a real ICB."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.progress_bar import RichProgress
from neighbourhood.cli.render import (
    OutputFormat,
    render_document,
    render_rows,
    render_statement,
)
from neighbourhood.demo import DEMO_PATIENTS, DEMO_SEED, DemoRefused, run_demo
from neighbourhood.synthetic import DEFAULT_ICB


@app.command()
def demo(
    ctx: typer.Context,
    patients: Annotated[int, typer.Option("--patients", min=100)] = DEMO_PATIENTS,
    seed: Annotated[int, typer.Option("--seed")] = DEMO_SEED,
    icb: Annotated[str, typer.Option("--icb", help="ODS code of a real ICB.")] = DEFAULT_ICB,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the synthetic extract files.")
    ] = Path("demo-data"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Synthesise a real ICB (about 200,000 patients), load it, and summarise what we can do.

    The store given by --db is rebuilt from scratch; the demo refuses a store that holds
    non-synthetic data.
    """
    settings: Settings = ctx.obj
    try:
        with RichProgress(settings.errors) as progress:
            result = run_demo(
                db=settings.db,
                out_dir=out,
                patients=patients,
                seed=seed,
                icb=icb.upper(),
                progress=progress,
            )
    except (DemoRefused, ValueError) as error:
        settings.errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from error
    document = result.to_dict()
    if fmt is not OutputFormat.table:
        render_document(document, fmt, console=settings.console)
        return
    console = settings.console
    console.rule("[bold]neighbourhood demo: SYNTHETIC DATA[/bold]")
    console.print(document["data"])
    synthesis = document["synthesis"]
    console.print(
        f"ICB {synthesis.get('icb')}: "
        f"{synthesis.get('patients'):,} synthetic patients, seed {synthesis.get('seed')}, "
        f"files in {out}"
    )
    rows = [{"table": t, **c} for t, c in document["load"]["tables"].items()]
    render_rows(rows, fmt, title="load: rows per table", console=console)
    render_rows(result.headlines, fmt, title=f"headlines on {result.as_of}", console=console)
    render_rows(
        result.pcns, fmt, title=f"synthetic population by PCN on {result.as_of}", console=console
    )
    footprint_columns = ("pcn_code", "pcn_name", "practices", "registered_patients", "flags")
    render_rows(
        [{k: row[k] for k in footprint_columns} for row in result.footprint],
        fmt,
        title=f"PCN footprints on {result.as_of} (real list sizes) with rule flags",
        console=console,
    )
    render_rows(result.rule_checks["rules"], fmt, title="footprint rule checks", console=console)
    render_rows(
        result.cohorts,
        fmt,
        title=f"cohorts on {result.as_of} (Network Contract DES service specifications, eFI)",
        console=console,
    )
    if result.capacity:
        render_rows(
            result.capacity,
            fmt,
            title=(
                "UCR capacity: arrivals fitted from 12 months of referrals, simulated with "
                "illustrative responders (neighbourhood.capacity.demo)"
            ),
            console=console,
        )
    if result.statement is not None:
        render_statement(result.statement, console=console)
    console.print(
        f"Store: {settings.db}. Try `neighbourhood status`, `neighbourhood cohorts list` or "
        "`neighbourhood cohorts run smr-priority --counts`."
    )
    if result.statement is not None:
        console.print(
            f"The statement as a workbook: `neighbourhood payments statement --year "
            f"{result.statement.year_label} --pcn {result.statement.pcn} --format xlsx --out "
            "statement.xlsx`."
        )
