"""`neighbourhood access ucr` and `access ucr-load` on a store file built by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from neighbourhood.cli import app
from ucr_universe import contact, referral, universe

runner = CliRunner()


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "store.duckdb"
    con = universe()
    referral(con, "A", "2024-06-03T10:00+01:00")
    contact(con, "A", "2024-06-03T11:00+01:00")
    referral(con, "B", "2024-06-03T21:00+01:00", team="T3")
    contact(con, "B", "2024-06-04T09:00+01:00")
    con.execute(f"ATTACH '{path}' AS out")
    con.execute("COPY FROM DATABASE memory TO out")
    con.close()
    return path


def run(db, *args):
    return runner.invoke(app, ["--db", str(db), "access", "ucr", *args])


def test_json_by_level_and_a_setting(db):
    result = run(db, "--month", "2024-06", "--by", "england", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (england,) = document["rows"]
    assert (england["two_hour_met"], england["two_hour_not_met"]) == (1, 1)
    assert document["settings"]["outside_hours"] == "as_received"
    result = run(db, "--month", "2024-06", "--by", "england", "--format", "json",
                 "--outside-hours", "exclude")  # fmt: skip
    (england,) = json.loads(result.stdout)["rows"]
    assert (england["two_hour_met"], england["out_of_scope"]) == (1, 1)


def test_table_csv_and_export(db):
    assert "Urgent community response" in run(db, "--month", "2024-06").stdout
    csv_out = run(db, "--month", "2024-06", "--by", "team", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("level,org_code,org_name,month,")
    assert len(csv_out.splitlines()) == 3  # T1 and T3
    export = run(db, "--month", "2024-05", "--to", "2024-06", "--export", "--format", "csv")
    assert export.exit_code == 0, export.output
    lines = export.stdout.splitlines()
    assert lines[0] == "table,measure,level,org_code,org_name,2024-06"
    assert any(line.startswith("1,") and ",ENGLAND,England,*" in line for line in lines)


def test_bad_month_and_setting(db):
    assert run(db, "--month", "2024-13").exit_code == 2
    assert run(db, "--month", "2024-06", "--clock-start", "triage").exit_code == 2


def test_ucr_load(tmp_path, db):
    folder = tmp_path / "csds"
    folder.mkdir()
    (folder / "x_CYP101.csv").write_text(
        "ServiceRequestId,LocalPatientId,TeamIdLocal,ServTeamTypeRefToCommunity,"
        "SourceOfReferralCommunity,ReferralRequestReceivedDate,ReferralRequestReceivedTime\n"
        "Z1,PAT1,T1,51,gp,2024-06-05,09:00\nZ2,PAT1,T1,51,gp,2024-06-05,9am\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["--db", str(db), "access", "ucr-load", str(folder), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["table"], row["loaded"], row["quarantined"]) == ("community_referrals", 1, 1)
