"""`neighbourhood schema`: the data model as SQL, Markdown or a table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from neighbourhood.cli.app import Settings, app
from neighbourhood.cli.options import FormatOption
from neighbourhood.cli.render import OutputFormat, render_rows
from neighbourhood.store.ddl import schema_sql, sql_type
from neighbourhood.store.docs import data_model_markdown
from neighbourhood.store.model import load_data_model

schema_app = typer.Typer(help="The canonical data model, declared once in store/model.yaml.")
app.add_typer(schema_app, name="schema")


@schema_app.command("sql")
def schema_sql_command() -> None:
    """Print the DuckDB schema generated from the data model."""
    typer.echo(schema_sql(load_data_model()), nl=False)


@schema_app.command("docs")
def schema_docs_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of printing.")
    ] = None,
) -> None:
    """Generate the data-model reference (docs/data-model.md)."""
    text = data_model_markdown(load_data_model())
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@schema_app.command("columns")
def schema_columns_command(
    ctx: typer.Context,
    table: Annotated[str | None, typer.Argument(help="Only this table.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List tables and columns with their types and constraints."""
    settings: Settings = ctx.obj
    model = load_data_model()
    tables = model.tables
    if table is not None:
        try:
            tables = (model.table(table),)
        except KeyError:
            names = ", ".join(t.name for t in model.tables)
            raise typer.BadParameter(f"no table {table!r}; tables: {names}") from None
    rows = [
        {
            "table": t.name,
            "column": c.name,
            "type": c.type,
            "sql_type": sql_type(c),
            "required": c.required,
            "in_key": c.name in t.key,
            "description": c.description,
        }
        for t in tables
        for c in t.columns
    ]
    render_rows(rows, fmt, title="data model", console=settings.console)
