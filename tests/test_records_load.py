"""Loading good rows: types, re-runs, overlaps, duplicates, Parquet, the synthetic flag."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from neighbourhood.records import LoadReport, TableCounts, load_paths
from neighbourhood.store import connect, load_data_model

GOOD = Path(__file__).parent / "fixtures" / "records" / "good"
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
D = dt.date
T = dt.datetime


def data_lines(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def assert_every_row_accounted_for(report: LoadReport) -> None:
    for file in report.files:
        counts = file.counts
        expected = data_lines(Path(file.path)) if file.path.endswith(".csv") else file.rows_read
        assert file.rows_read == expected
        assert counts.loaded + counts.quarantined + counts.already_present + counts.updated == (
            expected
        )


def rows(con, table: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def snapshot(con) -> dict[str, list[tuple]]:
    return {t.name: rows(con, t.name) for t in load_data_model().tables}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def test_every_loadable_table_loads_with_its_types(con):
    report = load_paths(con, [GOOD], now=NOW)
    assert_every_row_accounted_for(report)
    assert list(report.tables) == [t.name for t in load_data_model().loadable_tables]
    assert all(c.quarantined == 0 and c.already_present == 0 for c in report.tables.values())
    assert rows(con, "practice_list_sizes") == [
        ("A81001", D(2021, 1, 1), "all", "ALL", 4111),
        ("A81001", D(2021, 1, 1), "female", "0_4", 101),
        ("A81001", D(2021, 1, 1), "male", "95+", 2),
    ]
    assert rows(con, "postcode_centroids") == [
        ("M15 4AB", 53.465578, -2.26046, "E01034001"),
        ("TS1 1AA", 54.576, -1.234, None),
    ]
    assert rows(con, "patients") == sorted(
        [
            ("PAT-0001", D(1950, 7, 1), "female", "E01010001", 3, None, None, None),
            ("PAT-0002", D(1938, 1, 1), "male", "E01010002", 10, D(2024, 2, 3), None, None),
            ("PAT-0003", D(2001, 12, 1), "indeterminate", None, None, None, None, None),
        ],
        key=repr,
    )
    assert ("A81001", "practice", "The Surgery, High Street", "TS1 1AA", D(1974, 4, 1), None) in (
        rows(con, "organisations")
    )
    assert rows(con, "care_homes") == [
        ("1-1234567890", 42, True, "E08000033", 53.72, -1.86),
        ("1-2222222222", None, False, None, None, None),
    ]
    # 01:30 BST on the night the clocks went forward is 00:30 UTC; 10:00 BST in July is 09:00 UTC;
    # an instant without an offset is taken as UTC.
    assert dict(
        con.execute("SELECT referral_id, received_at FROM community_referrals").fetchall()
    ) == {
        "REF-1": T(2024, 3, 31, 0, 30),
        "REF-2": T(2024, 7, 15, 9, 0),
        "REF-3": T(2024, 1, 5, 9, 15),
    }
    assert dict(con.execute("SELECT contact_id, contact_at FROM care_contacts").fetchall()) == {
        "C-1": T(2024, 3, 31, 1, 45),
        "C-2": T(2024, 7, 16, 8, 0),
        "C-3": T(2024, 1, 6, 10, 0),
    }
    # a date in British Summer Time stays the same date
    assert rows(con, "clinical_events") == sorted(
        [
            ("PAT-0001", D(2024, 3, 31), "38341003", None),
            ("PAT-0001", D(2024, 7, 15), "1239511000000100", 12.5),
            ("PAT-0002", D(2023, 11, 30), "22298006", None),
        ],
        key=repr,
    )
    assert rows(con, "medications_issued") == [
        ("PAT-0001", D(2024, 1, 10), "320000009", 28.0),
        ("PAT-0003", D(2024, 6, 1), "39720311000001101", 56.5),
    ]
    assert ("RXF", D(2024, 3, 31), "Podiatry, and podiatric surgery", "cyp", ">104", 0) in rows(
        con, "waiting_list_snapshots"
    )
    assert rows(con, "hospital_spells") == [
        ("SP-1", "PAT-0002", D(2023, 12, 1), "emergency", D(2023, 12, 10), D(2023, 12, 14), 1),
        ("SP-2", "PAT-0001", D(2024, 6, 1), "elective", None, None, None),
    ]
    assert rows(con, "workforce") == [
        ("ST-1", "U12345", "clinical_pharmacist", 1.0, D(2021, 9, 1), None, 55000.5),
        ("ST-2", "A81001", "gp", 0.6, D(2015, 1, 1), D(2023, 12, 31), None),
    ]
    assert rows(con, "finance_lines") == [
        ("QWO", "2023/24", "community_services_spend", -1200.75),
        ("U12345", "2024/25", "arrs_reimbursement", 250000.0),
    ]
    assert len(rows(con, "gp_appointments")) == 2
    assert len(rows(con, "org_memberships")) == 7
    assert rows(con, "care_home_residences") == [
        ("PAT-0002", "1-1234567890", D(2022, 5, 1), D(2024, 2, 3))
    ]
    assert rows(con, "community_teams") == [("TEAM-UCR1", "urgent_community_response", "RXF")]
    files_loaded = con.execute("SELECT count(*) FROM load_log").fetchone()[0]
    assert files_loaded == len(load_data_model().loadable_tables)


def test_report_dict_has_the_cli_shape(con):
    document = load_paths(con, [GOOD / "organisations.csv"], now=NOW).to_dict()
    assert document["tables"] == {
        "organisations": {"loaded": 9, "quarantined": 0, "already_present": 0, "updated": 0}
    }
    assert document["files"][0]["path"] == str((GOOD / "organisations.csv").resolve())
    assert json.loads(json.dumps(document)) == document


def test_rerun_of_the_same_files_changes_nothing(con):
    load_paths(con, [GOOD], now=NOW)
    before = snapshot(con)
    again = load_paths(con, [GOOD], now=NOW)
    assert snapshot(con) == before
    assert again.tables["patients"] == TableCounts(loaded=0, quarantined=0, already_present=3)
    assert again.tables["organisations"] == TableCounts(0, 0, 9)
    assert all(f.skipped for f in again.files)
    assert_every_row_accounted_for(again)


def test_overlapping_second_file_adds_only_new_keys(con, tmp_path):
    header = "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"
    first = write(tmp_path / "a" / "patients.csv", header + "P-001,1950-01-01,male,,,\n"
                  "P-002,1960-01-01,female,,,\n")  # fmt: skip
    second = write(tmp_path / "b" / "patients.csv", header + "P-002,1960-01-01,female,,,\n"
                   "P-003,1970-01-01,female,,,\n")  # fmt: skip
    load_paths(con, [first], now=NOW)
    report = load_paths(con, [second], now=NOW)
    assert report.tables["patients"] == TableCounts(loaded=1, quarantined=0, already_present=1)
    assert [r[0] for r in rows(con, "patients")] == ["P-001", "P-002", "P-003"]
    assert_every_row_accounted_for(report)


def test_two_overlapping_files_in_one_load(con, tmp_path):
    load_paths(con, [GOOD / "organisations.csv", GOOD / "patients.csv"], now=NOW)
    header = "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"
    first = write(tmp_path / "patients.part1.csv", header + "P-001,1950-01-01,male,,,\n")
    write(
        tmp_path / "patients.part2.csv",
        header + "PAT-0001,1950-07-01,female,E01010001,3,\nP-002,1950-01-01,male,,,\n"
        "P-001,1950-01-01,male,,,\n",
    )
    write(tmp_path / "patients.part3.csv", header + "P-003,1950-01-01,male,,,\n")
    report = load_paths(con, [tmp_path], now=NOW)
    assert [f.counts for f in report.files] == [
        TableCounts(loaded=1),
        TableCounts(loaded=1, quarantined=1, already_present=1),
        TableCounts(loaded=1),
    ]
    assert report.tables["patients"] == TableCounts(loaded=3, quarantined=1, already_present=1)
    assert con.execute("SELECT line, field, reason FROM quarantine").fetchall() == [
        (4, None, f"duplicate of line 2 of {first.resolve()}")
    ]
    assert_every_row_accounted_for(report)


def test_a_copy_of_a_file_in_the_same_load_is_read_once(con, tmp_path):
    shutil.copy(GOOD / "organisations.csv", tmp_path / "organisations.copy.csv")
    report = load_paths(con, [GOOD / "organisations.csv", tmp_path], now=NOW)
    assert [f.counts for f in report.files] == [TableCounts(loaded=9), TableCounts(0, 0, 9)]
    assert con.execute("SELECT count(*) FROM organisations").fetchone() == (9,)
    assert con.execute("SELECT count(*) FROM load_log").fetchone() == (1,)


def test_duplicate_key_within_a_file_is_quarantined(con, tmp_path):
    load_paths(con, [GOOD / "organisations.csv", GOOD / "patients.csv"], now=NOW)
    path = write(
        tmp_path / "clinical_events.csv",
        "patient_id,event_date,snomed_code,numeric_value\n"
        "PAT-0001,2024-01-01,22298006,\n"
        "PAT-0001,2024-01-01,22298006,5\n"
        "PAT-0001,2024-01-01,22298006,\n",
    )
    report = load_paths(con, [path], now=NOW)
    assert report.tables["clinical_events"] == TableCounts(loaded=2, quarantined=1)
    assert con.execute("SELECT line, field, reason, file_path FROM quarantine").fetchall() == [
        (4, None, "duplicate of line 2", str(path.resolve()))
    ]


def test_reference_to_a_row_quarantined_in_the_same_load(con, tmp_path):
    load_paths(con, [GOOD / "organisations.csv"], now=NOW)
    header = "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"
    write(tmp_path / "patients.csv", header + "PAT-0200,1950-01-01,X,,,\n")
    write(tmp_path / "registrations.csv", "patient_id,practice_code,start_date,end_date\n"
          "PAT-0200,A81001,2020-01-01,\n")  # fmt: skip
    report = load_paths(con, [tmp_path], now=NOW)
    assert report.tables["registrations"] == TableCounts(loaded=0, quarantined=1)
    found = con.execute(
        "SELECT target_table, line, field, reason FROM quarantine ORDER BY 1"
    ).fetchall()
    assert found == [
        ("patients", 2, "sex", "'X' is not one of: male, female, indeterminate, unknown"),
        ("registrations", 2, "patient_id", "unknown patient_id 'PAT-0200' (not in patients)"),
    ]


def test_quarantine_keeps_the_row_as_written(con, tmp_path):
    header = "org_code,org_type,name,postcode,open_date,close_date\n"
    path = write(tmp_path / "organisations.csv", header + "ZZ1, shop ,Corner Shop,,2020-02-30,\n")
    report = load_paths(con, [path], now=NOW)
    (raw, field, reason) = con.execute("SELECT raw, field, reason FROM quarantine").fetchone()
    assert (field, reason) == ("org_type", "'shop' is not one of: region, icb, sub_icb, pcn, "
                               "practice, care_home, community_team, provider, other")  # fmt: skip
    assert json.loads(raw) == {
        "org_code": "ZZ1", "org_type": " shop ", "name": "Corner Shop", "postcode": "",
        "open_date": "2020-02-30", "close_date": "",
    }  # fmt: skip
    assert report.files[0].counts == TableCounts(0, 1, 0)


def to_parquet(source: Path, target: Path) -> None:
    target.mkdir()
    for path in source.glob("*.csv"):
        pq.write_table(pacsv.read_csv(path), target / (path.stem + ".parquet"))


def test_parquet_input_equals_csv_input(tmp_path):
    to_parquet(GOOD, tmp_path / "parquet")
    from_csv, from_parquet = connect(":memory:"), connect(":memory:")
    csv_report = load_paths(from_csv, [GOOD], now=NOW)
    parquet_report = load_paths(from_parquet, [tmp_path / "parquet"], now=NOW)
    assert parquet_report.tables == csv_report.tables
    tables = [t.name for t in load_data_model().loadable_tables]
    assert {t: rows(from_parquet, t) for t in tables} == {t: rows(from_csv, t) for t in tables}
    assert_every_row_accounted_for(parquet_report)


def test_parquet_bad_row_reports_its_row_number(con, tmp_path):
    source = write(tmp_path / "csv" / "patients.csv",
                   "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"
                   "P-001,1950-01-01,male,,,\nP-002,1950-01-01,male,,11,\n")  # fmt: skip
    target = tmp_path / "patients.parquet"
    pq.write_table(pacsv.read_csv(source), target)
    load_paths(con, [target], now=NOW)
    assert con.execute("SELECT line, field, reason FROM quarantine").fetchall() == [
        (2, "imd_decile", "11 is above the maximum 10")
    ]


@pytest.mark.parametrize("synthetic", [True, False])
def test_manifest_synthetic_flag_is_recorded(con, tmp_path, synthetic):
    folder = tmp_path / "extract"
    shutil.copytree(GOOD, folder)
    (folder / "manifest.json").write_text(json.dumps({"synthetic": synthetic, "seed": 1}))
    report = load_paths(con, [folder], now=NOW)
    assert report.synthetic is synthetic
    assert con.execute("SELECT DISTINCT synthetic FROM load_log").fetchall() == [(synthetic,)]


def test_load_log_records_each_file(con):
    load_paths(con, [GOOD / "organisations.csv", GOOD / "patients.csv"], now=NOW)
    logged = con.execute(
        "SELECT target_table, rows_read, rows_loaded, rows_already_present, rows_quarantined, "
        "synthetic, length(file_sha256) FROM load_log ORDER BY target_table"
    ).fetchall()
    assert logged == [("organisations", 9, 9, 0, 0, False, 64), ("patients", 3, 3, 0, 0, False, 64)]


def test_progress_is_reported_per_file(con):
    steps = []

    class Record:
        def step(self, description, advance=1, total=None):
            steps.append((description, advance, total))

    load_paths(con, [GOOD / "organisations.csv", GOOD / "patients.csv"], progress=Record(), now=NOW)
    assert steps == [("load files", 1, 2), ("load files", 1, 2)]
