"""`neighbourhood access waits` and `access discharge` on the hand-built stores of
test_access_waits_local.py and test_access_discharge.py (figures worked out there)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

import test_access_discharge as spells
import test_access_waits_local as snapshots
from neighbourhood.cli import app

runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "store.duckdb"
    snapshots.build(path).close()
    spells.build(path).close()
    return str(path)


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_waits_json(db):
    result = invoke("--db", db, "access", "waits", "--provider", "ra9", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {r["provider_code"] for r in doc["latest_snapshot"]} == {"RA9"}
    (paed,) = doc["cyp_over_52_weeks"]
    assert (paed["total"], paed["over_52_weeks"]) == (30, 8)
    pod = next(r for r in doc["queue_measures"] if r["service_line"] == snapshots.POD)
    assert (pod["load"], pod["target_queue"]) == (1.387, 112.92)
    local = next(r for r in doc["local_vs_published"] if r["service_line"] == snapshots.PAED)
    assert (local["local_total"], local["published_total"], local["icb_code"]) == (30, 358, "QJK")
    assert "52 weeks" in doc["cyp_over_52_weeks_source"]


def test_waits_target_options(db):
    result = invoke(
        "--db",
        db,
        "access",
        "waits",
        "--provider",
        "RA9",
        "--target-weeks",
        "18",
        "--achievement",
        "0.92",
        "--relief-weeks",
        "10",
        "--format",
        "json",
    )
    doc = json.loads(result.stdout)
    paed = next(r for r in doc["queue_measures"] if r["service_line"] == snapshots.PAED)
    assert (paed["relief_needed"], paed["relief_capacity_per_week"]) == (True, 3.57)


def test_waits_table_and_csv(db):
    result = invoke("--db", db, "access", "waits")
    assert result.exit_code == 0
    assert "latest snapshot" in result.stdout and "queue measures" in result.stdout
    assert "local vs published" not in result.stdout  # only with --provider
    result = invoke("--db", db, "access", "waits", "--provider", "XYZ", "--format", "csv")
    assert "# latest_snapshot" in result.stdout
    block = result.stdout.split("# latest_snapshot\n")[1].split("#")[0]
    (row,) = list(csv.DictReader(io.StringIO(block)))
    assert (row["provider_code"], row["total"], row["0-1"], row[">104"]) == ("XYZ", "3", "3", "")


def test_waits_published():
    result = invoke("access", "waits", "--published", "--provider", "QJK", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["month"], doc["level"], doc["region_code"]) == ("2025-10", "icb", "Y58")
    paed = next(r for r in doc["waiting_by_band"]
                if r["service_line"] == snapshots.PAED)  # fmt: skip
    assert (paed["total"], paed[">52-104"], paed[">104"]) == (3184, 172, 2)
    assert doc["totals_check_unexplained"] == 0
    england = invoke("access", "waits", "--published", "--format", "json")
    doc = json.loads(england.stdout)
    assert doc["organisation"] == "England"
    result = invoke("access", "waits", "--published", "--provider", "NOPE")
    assert result.exit_code == 2


def test_waits_without_a_store(tmp_path):
    result = invoke("--db", str(tmp_path / "none.duckdb"), "access", "waits")
    assert result.exit_code == 2
    assert "no store" in result.stderr


def test_discharge(db):
    result = invoke("--db", db, "access", "discharge", "--month", "2025-03", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (summary,) = doc["summary"]
    assert (summary["mean_delay_days"], summary["bed_days_lost_in_month"]) == (3.0, 15)
    assert [r["aged_65_plus"] for r in doc["pathway_mix"]] == [1, 2, 0, 0]
    assert len(doc["not_meeting_criteria_to_reside"]) == 31
    assert "DHSC" in doc["pathway_shares_source"]
    # no --month: the month of the latest discharge (s6, 2025-04-02)
    doc = json.loads(invoke("--db", db, "access", "discharge", "--format", "json").stdout)
    assert doc["month"] == "2025-04"
    table = invoke("--db", db, "access", "discharge", "--month", "2025-03")
    assert "pathway mix" in table.stdout and "not meeting criteria to reside" in table.stdout


def test_discharge_bad_month(db):
    result = runner.invoke(app, ["--db", db, "access", "discharge", "--month", "2025-13"])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
