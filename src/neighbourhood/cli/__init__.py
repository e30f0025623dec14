"""The `neighbourhood` command line: a thin Typer app, one command group per capability."""

from neighbourhood.cli.app import app, main
from neighbourhood.cli.commands import (  # noqa: F401  (register the commands)
    access,
    access_ucr,
    access_waits,
    alignment,
    capacity,
    cohorts,
    data,
    demo,
    footprints,
    funding,
    indicators,
    payments,
    reference,
    report,
    schema,
    serve,
)

__all__ = ["app", "main"]
