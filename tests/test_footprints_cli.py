"""`neighbourhood footprints ...` in csv format on a store holding the hand-checked universe."""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from neighbourhood.cli.app import app
from neighbourhood.cli.commands import footprints  # noqa: F401  (registers the commands)
from neighbourhood.store import connect
from test_footprints_universe import build_universe

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("fp") / "store.duckdb"
    con = connect(path)
    build_universe(con)
    con.close()
    return str(path)


def run(store, *args):
    return runner.invoke(app, ["--db", store, "footprints", *args])


def sections(text):
    out, name = {}, None
    for line in text.splitlines():
        if line.startswith("# "):
            name = line[2:]
            out[name] = []
        else:
            out[name].append(line)
    return {k: list(csv.DictReader(io.StringIO("\n".join(v)))) for k, v in out.items()}


def test_members_csv(store):
    result = run(store, "members", "--as-of", "2024-06-30", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 12
    assert {"practice_code", "pcn_code", "pcn_name", "sub_icb_code"} <= set(rows[0])
    assert {r["practice_code"]: r["pcn_code"] for r in rows}["N1"] == ""


def test_pcns_csv_with_icb(store):
    result = run(store, "pcns", "--as-of", "2024-06-30", "--icb", "q2", "--format", "csv")
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["pcn_code"], row["practices"], row["registered_patients"], row["flags"]) == (
        "U6",
        "1",
        "25000",
        "pcn_list_size",
    )


def test_check_csv_has_findings_and_what_was_not_assessed(store):
    result = run(store, "check", "--as-of", "2024-06-30", "--format", "csv")
    assert result.exit_code == 0, result.output
    parts = sections(result.stdout)
    assert len(parts["rules"]) == 7
    assert ("practice_in_two_pcns", "T1") in {
        (r["rule_id"], r["org_code"]) for r in parts["findings"]
    }
    assert {r["org_code"] for r in parts["not_assessed"]} == {"U4", "U5"}


def test_history_csv(store):
    result = run(store, "history", "m1", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["parent_code"], r["valid_to"]) for r in rows] == [
        ("S1", ""),
        ("U1", "2023-03-31"),
        ("U2", ""),
    ]


@pytest.mark.parametrize("bad", ["30/06/2024", "2024-02-30"])
def test_a_bad_date_is_a_clear_error(store, bad):
    result = run(store, "members", "--as-of", bad)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output or "not a real date" in result.output


def test_unknown_icb_and_missing_store_are_clear_errors(store, tmp_path):
    result = run(store, "check", "--icb", "QX")
    assert result.exit_code == 2 and "no ICB 'QX'" in result.output
    missing = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "footprints", "pcns"])
    assert missing.exit_code == 1 and "no store" in missing.output
