"""A newer extract updates the stored rows it changes; the same rows again change nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from neighbourhood.records import Batch, TableCounts, load_batches, load_paths
from neighbourhood.store import connect, load_data_model

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
D = dt.date
HEADER = "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"
JANUARY = HEADER + (
    "P-0001,1950-07-01,female,E01010001,3,\n"
    "P-0002,1938-01-01,male,E01010002,10,\n"
    "P-0003,2001-12-01,female,,,\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def patient(con, patient_id: str) -> tuple:
    return con.execute(
        "SELECT birth_month, sex, lsoa_code, imd_decile, date_of_death FROM patients "
        "WHERE patient_id = ?",
        [patient_id],
    ).fetchone()


@pytest.fixture
def con(tmp_path):
    connection = connect(":memory:")
    load_paths(connection, [write(tmp_path / "jan" / "patients.csv", JANUARY)], now=NOW)
    yield connection
    connection.close()


def test_a_patient_who_died_since_is_updated(con, tmp_path):
    february = JANUARY.replace("P-0002,1938-01-01,male,E01010002,10,",
                               "P-0002,1938-01-01,male,E01010002,10,2025-01-15")  # fmt: skip
    report = load_paths(con, [write(tmp_path / "feb" / "patients.csv", february)], now=NOW)
    assert report.tables["patients"] == TableCounts(already_present=2, updated=1)
    assert report.files[0].rows_read == 3
    assert patient(con, "P-0002") == (D(1938, 1, 1), "male", "E01010002", 10, D(2025, 1, 15))
    assert con.execute("SELECT count(*) FROM patients").fetchone() == (3,)
    logged = con.execute(
        "SELECT rows_read, rows_loaded, rows_already_present, rows_updated, rows_quarantined "
        "FROM load_log ORDER BY loaded_at"
    ).fetchall()
    assert logged == [(3, 3, 0, 0, 0), (3, 0, 2, 1, 0)]


def test_the_same_rows_in_another_file_are_already_present(con, tmp_path):
    lines = JANUARY.splitlines(keepends=True)
    again = lines[0] + "".join(reversed(lines[1:])) + "P-0004,1990-03-01,male,,,\n"
    report = load_paths(con, [write(tmp_path / "feb" / "patients.csv", again)], now=NOW)
    assert report.tables["patients"] == TableCounts(loaded=1, already_present=3)
    assert patient(con, "P-0001") == (D(1950, 7, 1), "female", "E01010001", 3, None)


def test_a_value_that_is_now_missing_is_updated_to_missing(con, tmp_path):
    moved = JANUARY.replace("E01010001,3,", ",,")  # the newer extract no longer knows the LSOA
    report = load_paths(con, [write(tmp_path / "feb" / "patients.csv", moved)], now=NOW)
    assert report.tables["patients"] == TableCounts(already_present=2, updated=1)
    assert patient(con, "P-0001") == (D(1950, 7, 1), "female", None, None, None)


def test_a_column_the_newer_extract_leaves_out_keeps_its_stored_values(con, tmp_path):
    narrow = "patient_id,birth_month,sex\nP-0001,1950-07-01,female\nP-0003,2001-12-01,male\n"
    report = load_paths(con, [write(tmp_path / "feb" / "patients.csv", narrow)], now=NOW)
    assert report.tables["patients"] == TableCounts(already_present=1, updated=1)
    assert patient(con, "P-0001") == (D(1950, 7, 1), "female", "E01010001", 3, None)
    assert patient(con, "P-0003") == (D(2001, 12, 1), "male", None, None, None)


def test_a_quarantined_row_does_not_update(con, tmp_path):
    bad = JANUARY.replace("P-0003,2001-12-01,female,,,", "P-0003,2001-12-01,female,,11,")
    report = load_paths(con, [write(tmp_path / "feb" / "patients.csv", bad)], now=NOW)
    assert report.tables["patients"] == TableCounts(quarantined=1, already_present=2)
    assert patient(con, "P-0003") == (D(2001, 12, 1), "female", None, None, None)


def test_an_update_applies_to_the_later_files_of_the_same_load(con, tmp_path):
    """The death recorded by the patients file is what the events file is checked against."""
    folder = tmp_path / "feb"
    write(
        folder / "patients.csv",
        JANUARY.replace("male,E01010002,10,", "male,E01010002,10,2024-03-01"),
    )
    write(folder / "clinical_events.csv", "patient_id,event_date,snomed_code,numeric_value\n"
          "P-0002,2024-02-01,22298006,\nP-0002,2024-04-01,22298006,\n")  # fmt: skip
    report = load_paths(con, [folder], now=NOW)
    assert report.tables["patients"] == TableCounts(already_present=2, updated=1)
    assert report.tables["clinical_events"] == TableCounts(loaded=1, quarantined=1)
    assert con.execute("SELECT line, field, reason FROM quarantine").fetchall() == [
        (3, "event_date", "2024-04-01 is after the patient's death on 2024-03-01")
    ]


def test_two_files_of_one_load_giving_the_same_patient_differently(con, tmp_path):
    """Within one load neither file is the newer: the second is a duplicate of the first."""
    first = write(tmp_path / "feb" / "patients.a.csv", HEADER + "P-0001,1950-07-01,female,,,\n")
    write(tmp_path / "feb" / "patients.b.csv", HEADER + "P-0001,1950-07-01,female,E01010009,4,\n")
    report = load_paths(con, [tmp_path / "feb"], now=NOW)
    assert [f.counts for f in report.files] == [TableCounts(updated=1), TableCounts(quarantined=1)]
    assert con.execute("SELECT line, reason FROM quarantine").fetchall() == [
        (2, f"duplicate of line 2 of {first.resolve()}")
    ]
    assert patient(con, "P-0001") == (D(1950, 7, 1), "female", None, None, None)


def test_a_table_whose_columns_are_all_key_has_nothing_to_update(con, tmp_path):
    header = "patient_id,event_date,snomed_code,numeric_value\n"
    first = write(tmp_path / "a" / "clinical_events.csv", header + "P-0001,2024-01-01,22298006,5\n")
    rows = "P-0001,2024-01-01,22298006,5.0\nP-0001,2024-01-01,22298006,6\n"
    second = write(tmp_path / "b" / "clinical_events.csv", header + rows)
    load_paths(con, [first], now=NOW)
    report = load_paths(con, [second], now=NOW)
    # 5.0 is the value 5: the same key; 6 is another key, a new event
    assert report.tables["clinical_events"] == TableCounts(loaded=1, already_present=1)


def test_a_byte_identical_file_is_skipped_unread(con, tmp_path):
    report = load_paths(con, [write(tmp_path / "copy" / "patients.csv", JANUARY)], now=NOW)
    assert report.files[0].skipped
    assert report.tables["patients"] == TableCounts(already_present=3)
    assert con.execute("SELECT count(*) FROM load_log").fetchone() == (1,)


def test_a_store_made_before_rows_updated_existed_takes_loads(tmp_path):
    db = tmp_path / "old.duckdb"
    con = connect(db)
    load_paths(con, [write(tmp_path / "jan" / "patients.csv", JANUARY)], now=NOW)
    con.execute("ALTER TABLE load_log DROP COLUMN rows_updated")
    con.close()
    con = connect(db)  # adds the column back, at the end, missing in the old row
    moved = JANUARY.replace("E01010001,3,", ",,")
    load_paths(con, [write(tmp_path / "feb" / "patients.csv", moved)], now=NOW)
    logged = con.execute(
        "SELECT rows_loaded, rows_already_present, rows_updated FROM load_log ORDER BY loaded_at"
    ).fetchall()
    assert logged == [(3, 0, None), (0, 2, 1)]
    con.close()


def test_a_newer_reference_batch_updates_only_what_it_gives(tmp_path):
    """A batch (batches.py) has every column; one its reader had no value for is left out."""
    con = connect(":memory:")
    header = "org_code,org_type,name,postcode,open_date,close_date\n"
    rows = "A81001,practice,The Surgery,TS1 1AA,1974-04-01,\nA81002,practice,Other,TS1 1AB,,\n"
    load_paths(con, [write(tmp_path / "organisations.csv", header + rows)], now=NOW)
    newer = pa.table({"_line": pa.array([2, 3], pa.int64()), "org_code": ["A81001", "A81002"],
                      "org_type": ["practice", "practice"], "name": ["The Surgery", "Renamed"],
                      "close_date": ["2024-03-31", None]})  # fmt: skip
    batch = Batch(load_data_model().table("organisations"), Path("epraccur.csv"), "b" * 64, newer)
    report = load_batches(con, [batch], now=NOW)
    assert report.tables["organisations"] == TableCounts(updated=2)
    assert con.execute(
        "SELECT org_code, name, postcode, open_date, close_date FROM organisations ORDER BY 1"
    ).fetchall() == [
        ("A81001", "The Surgery", "TS1 1AA", D(1974, 4, 1), D(2024, 3, 31)),
        ("A81002", "Renamed", "TS1 1AB", None, None),
    ]
    con.close()
