"""The `neighbourhood` command line: a thin Typer app, one command group per capability."""

from neighbourhood.cli.app import app, main
from neighbourhood.cli.commands import data, demo, footprints, reference, schema  # noqa: F401

__all__ = ["app", "main"]
