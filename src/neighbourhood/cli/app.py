"""Top-level Typer app and its global options."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from neighbourhood.store.connection import DB_ENV, DEFAULT_DB

app = typer.Typer(
    name="neighbourhood",
    help=(
        "Integrated primary and community care analytics for England: PCN footprints, patient "
        "records, and (as they land) cohorts, indicators, access standards, capacity and funding."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@dataclass(frozen=True)
class Settings:
    target: str  # --db as given: a DuckDB file, or a postgresql:// URL for queries
    console: Console
    errors: Console

    @property
    def db(self) -> Path:
        """--db as the store's DuckDB file."""
        return Path(self.target)


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar=DB_ENV,
            help=(
                "The store: a DuckDB file, created when missing. Cohort queries also take a "
                "PostgreSQL URL (postgresql://user@host:5432/database) holding the same tables."
            ),
            show_default=True,
        ),
    ] = DEFAULT_DB,
) -> None:
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=160)  # piped or logged output: don't squeeze tables into 80
    ctx.obj = Settings(target=db, console=console, errors=Console(stderr=True))


def main() -> None:
    app()
