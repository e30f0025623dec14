"""Options shared by several commands."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import typer

from neighbourhood.cli.app import Settings
from neighbourhood.cli.render import OutputFormat
from neighbourhood.months import MonthError, parse_month

FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="How to print the result.", case_sensitive=False),
]


def parse_date(text: str) -> dt.date:
    """A YYYY-MM-DD option value as a date, or a usage error saying what is wrong."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise typer.BadParameter(f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is not a real date: {error}") from None


def fail(settings: Settings, message: str) -> typer.Exit:
    """Print the error and give the Exit (status 2) for the command to raise."""
    settings.errors.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(2)


def month_option(text: str, option: str = "--month") -> dt.date:
    """A YYYY-MM option value as the first day of the month, or a usage error."""
    try:
        return parse_month(text)
    except MonthError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def today() -> str:
    return dt.date.today().isoformat()
