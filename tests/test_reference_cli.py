"""`neighbourhood reference load`: per-table counts; exit 1 naming the file it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import neighbourhood.cli.commands.reference  # noqa: F401  (registers `reference`)
from neighbourhood.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "reference"


def test_reference_load_prints_counts_and_reruns_cleanly(tmp_path):
    db = tmp_path / "store.duckdb"
    args = ["--db", str(db), "reference", "load", str(FIXTURES / "epraccur_bad.csv")]
    first = CliRunner().invoke(app, [*args, "--format", "json"])
    assert first.exit_code == 0, first.output
    tables = json.loads(first.stdout)["tables"]
    assert tables["organisations"] == {
        "loaded": 6,
        "quarantined": 5,
        "already_present": 0,
        "updated": 0,
    }
    again = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert again.exit_code == 0, again.output
    assert "organisations,0,0,11" in again.stdout


def test_unreadable_file_exits_1_with_its_name(tmp_path):
    bad = tmp_path / "mystery.csv"
    bad.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "s.duckdb"), "reference", "load", str(bad)]
    )
    assert result.exit_code == 1
    assert "mystery.csv" in result.output
