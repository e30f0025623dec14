"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from neighbourhood.cli.render import OutputFormat

FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="How to print the result.", case_sensitive=False),
]
