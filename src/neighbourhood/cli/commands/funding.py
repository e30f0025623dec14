"""`neighbourhood funding ledger`: the primary and community services funding guarantee."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.render import OutputFormat, render_sections
from neighbourhood.funding import LedgerError, SpendFileError, compute, read_ledger

funding_app = typer.Typer(
    help=(
        "The primary and community services funding guarantee: each ICB's and region's floor, "
        "spend and over or under delivery, from a ledger file whose every figure is sourced."
    )
)
app.add_typer(funding_app, name="funding")


def _text(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else value


@funding_app.command("ledger")
def ledger_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The ledger file (YAML).")],
    spend_csv: Annotated[
        list[Path] | None, typer.Option("--spend-csv", help="More spend lines (CSV; repeatable).")
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Per ICB and region, per year: floor, spend, over or under delivery, met or not."""
    settings: Settings = ctx.obj
    if not path.is_file():
        settings.errors.print(f"[red]error:[/red] no ledger file {path}")
        raise typer.Exit(2)
    try:
        report = compute(read_ledger(path, spend_csv=spend_csv or ()))
    except SpendFileError as error:
        settings.errors.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error
    except LedgerError as error:
        settings.errors.print(f"[red]error:[/red] {error}", soft_wrap=True)
        raise typer.Exit(2) from error
    if report.illustrative:
        settings.errors.print(f"[yellow]note:[/yellow] {report.title}: illustrative figures")
    records = report.records()
    if fmt is OutputFormat.json:
        payload = {"title": report.title, "illustrative": report.illustrative,
                   "records": [{k: list(v) if isinstance(v, tuple) else v for k, v in r.items()}
                               for r in records]}  # fmt: skip
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    sections = {
        level: [{k: _text(v) for k, v in r.items()} for r in records if r["level"] == level]
        for level in ("icb", "region")
    }
    render_sections({"ICBs": sections["icb"], "regions": sections["region"]}, fmt,
                    console=settings.console)  # fmt: skip
