"""The command line: options, exit codes and the three output formats."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from neighbourhood.cli import app
from neighbourhood.store import connect, load_data_model

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("synth", "load", "demo", "status", "quarantine", "schema"):
        assert command in result.stdout


def test_schema_sql_creates_every_table():
    result = invoke("schema", "sql")
    assert result.exit_code == 0
    for table in load_data_model().tables:
        assert f'CREATE TABLE IF NOT EXISTS "{table.name}"' in result.stdout


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_schema_columns_in_each_format(fmt):
    result = invoke("schema", "columns", "patients", "--format", fmt, env={"COLUMNS": "250"})
    assert result.exit_code == 0
    names = list(load_data_model().table("patients").column_names)
    if fmt == "json":
        assert [row["column"] for row in json.loads(result.stdout)] == names
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [row["column"] for row in rows] == names
        assert rows[0]["required"] == "True"
    else:
        for name in names:
            assert name in result.stdout


def test_schema_columns_unknown_table_is_a_clear_error():
    result = runner.invoke(app, ["schema", "columns", "nonsense"])
    assert result.exit_code != 0
    assert "no table 'nonsense'" in result.output


def test_status_without_a_store_says_so(tmp_path):
    result = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "status"])
    assert result.exit_code == 1
    assert "no store at" in result.output
    assert not (tmp_path / "none.duckdb").exists()


def test_db_comes_from_the_environment(tmp_path):
    db = tmp_path / "env.duckdb"
    con = connect(db)
    con.execute(
        "INSERT INTO patients (patient_id, birth_month, sex) "
        "VALUES ('P1', DATE '1950-01-01', 'male')"
    )
    con.close()
    result = invoke("status", "--format", "json", env={"NEIGHBOURHOOD_DB": str(db)})
    assert result.exit_code == 0
    rows = {r["table"]: r for r in json.loads(result.stdout)}
    assert rows["patients"]["rows"] == 1


def test_quarantine_lists_rejected_rows_as_csv(tmp_path):
    db = tmp_path / "q.duckdb"
    con = connect(db)
    con.execute(
        """INSERT INTO quarantine VALUES
           ('L1', '/x/patients.csv', 'abc', 7, 'patients', 'sex', 'bad sex', '{}'),
           ('L1', '/x/registrations.csv', 'def', 3, 'registrations', 'patient_id', 'unknown', '{}')
        """
    )
    con.close()
    result = invoke("--db", str(db), "quarantine", "list", "--table", "patients", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["file_path"], r["line"], r["field"], r["reason"]) for r in rows] == [
        ("/x/patients.csv", "7", "sex", "bad sex")
    ]


@pytest.fixture(scope="module")
def small_extract(tmp_path_factory):
    out = tmp_path_factory.mktemp("extract")
    result = invoke("synth", "--out", str(out), "--patients", "3000", "--seed", "5")
    assert result.exit_code == 0, result.output
    return out


def test_synth_writes_a_synthetic_manifest(small_extract):
    manifest = json.loads((small_extract / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    assert manifest["patients"] == 3000
    for table in load_data_model().loadable_tables:
        assert (small_extract / f"{table.name}.csv").exists(), table.name


def test_load_reports_json_and_a_rerun_changes_nothing(small_extract, tmp_path):
    db = str(tmp_path / "s.duckdb")
    first = json.loads(invoke("--db", db, "load", str(small_extract), "-f", "json").stdout)
    assert first["tables"]["patients"] == {
        "loaded": 3000,
        "quarantined": 0,
        "already_present": 0,
        "updated": 0,
    }
    assert all(counts["quarantined"] == 0 for counts in first["tables"].values())
    con = connect(db, read_only=True)
    before = {
        t.name: con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
        for t in load_data_model().tables
    }
    con.close()
    second = json.loads(invoke("--db", db, "load", str(small_extract), "-f", "json").stdout)
    assert all(counts["loaded"] == 0 for counts in second["tables"].values())
    con = connect(db, read_only=True)
    after = {
        t.name: con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
        for t in load_data_model().tables
    }
    con.close()
    assert after == before


def test_load_csv_format_has_one_row_per_table(small_extract, tmp_path):
    db = str(tmp_path / "c.duckdb")
    result = invoke("--db", db, "load", str(small_extract / "patients.csv"), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    patients = next(r for r in rows if r["table"] == "patients")
    assert (patients["loaded"], patients["quarantined"]) == ("3000", "0")


def test_load_of_an_unreadable_file_exits_non_zero(tmp_path):
    bad = tmp_path / "nonsense.csv"
    bad.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["--db", str(tmp_path / "x.duckdb"), "load", str(bad)])
    assert result.exit_code == 1
    assert "nonsense.csv" in result.output


def test_synth_rejects_an_unknown_icb(tmp_path):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--icb", "ZZZ"])
    assert result.exit_code == 2
    assert "ZZZ" in result.output


@pytest.mark.slow
def test_demo_runs_end_to_end_on_a_small_population(tmp_path):
    db = tmp_path / "demo.duckdb"
    args = ["--db", str(db), "demo", "--patients", "2000", "--out", str(tmp_path / "d")]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.stdout
    again = invoke(*args, "--format", "json")  # the demo can be run again on its own store
    document = json.loads(again.stdout)
    assert document["load"]["tables"]["patients"]["loaded"] == 2000
    pcn_total = sum(p["registered_patients"] for p in document["pcns"])
    registered = next(
        h["value"] for h in document["headlines"] if h["figure"] == "registered patients"
    )
    assert pcn_total == registered
    # The footprint uses the real list sizes written beside the synthetic extract.
    orgs = list(csv.DictReader((tmp_path / "d" / "organisations.csv").open()))
    members = list(csv.DictReader((tmp_path / "d" / "org_memberships.csv").open()))
    sizes = {
        r["practice_code"]: int(r["patients"])
        for r in csv.DictReader((tmp_path / "d" / "practice_list_sizes.csv").open())
    }
    expected = {o["org_code"]: 0 for o in orgs if o["org_type"] == "pcn"}
    for m in members:
        if m["relationship"] == "practice_in_pcn" and not m["valid_to"]:
            expected[m["parent_code"]] += sizes[m["child_code"]]
    footprint = {p["pcn_code"]: p["registered_patients"] for p in document["footprint"]}
    assert footprint == expected
    assert {r["rule_id"] for r in document["rule_checks"]["rules"]} >= {"pcn_list_size"}
    # The first PCN's payment statement, for 2024/25 (as of 2025-09-30; 2025/26 has no rates)
    statement = document["statement"]
    assert statement["pcn"] == document["footprint"][0]["pcn_code"]
    assert statement["year"] == "2024-25" and statement["synthetic"] is True
    assert statement["title"].endswith("(SYNTHETIC DATA)")
    assert {x["section"] for x in statement["lines"]} >= {
        "Network Contract DES entitlements", "Investment and Impact Fund"
    }  # fmt: skip
    assert f"Payment statement 2024/25: PCN {statement['pcn']}" in result.stdout
    assert "Total of complete lines" in result.stdout
    # UCR capacity: arrivals fitted from the synthetic referrals of the demo ICB, simulated
    capacity = document["capacity"]
    assert capacity and capacity[-1]["team"] == f"ICB {document['synthesis']['icb']}"
    for row in capacity:
        assert row["ci_low"] <= row["%_within_2_hours"] <= row["ci_high"]
        assert row["responders_for_70%"] >= 1
    assert "UCR capacity: arrivals fitted from 12 months of referrals" in result.stdout


def test_demo_refuses_a_store_with_real_data(tmp_path):
    db = tmp_path / "real.duckdb"
    con = connect(db)
    con.execute(
        """INSERT INTO load_log VALUES ('L1', now()::TIMESTAMP, '/x/patients.csv', 'abc',
           'patients', 1, 1, 0, 0, 0, false)"""
    )
    con.close()
    result = runner.invoke(app, ["--db", str(db), "demo", "--patients", "200"])
    assert result.exit_code == 2
    assert "not synthetic" in result.output
    assert db.exists()
