"""`neighbourhood access ...`: the community access standards (urgent community response,
reablement, waiting lists, discharge). Each command lives in a module of its own below
(`access_ucr.py`, `access_waits.py`) and adds itself to this group."""

from __future__ import annotations

import typer

from neighbourhood.cli.app import app

access_app = typer.Typer(
    help=(
        "Community access standards: urgent community response within 2 hours and reablement "
        "within 2 days (from CSDS-shaped referrals and contacts), community waiting lists in "
        "the published bands, and discharge delays."
    )
)
app.add_typer(access_app, name="access")
