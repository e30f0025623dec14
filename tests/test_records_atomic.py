"""All or nothing: an unreadable file, a failure mid-load or a killed load changes nothing."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import neighbourhood.records.load as records_load
from neighbourhood.records import LoadError, load_paths
from neighbourhood.store import connect, load_data_model

GOOD = Path(__file__).parent / "fixtures" / "records" / "good"
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
PATIENTS_HEADER = "patient_id,birth_month,sex,lsoa_code,imd_decile,date_of_death\n"


def snapshot(con) -> dict[str, list[tuple]]:
    return {
        t.name: sorted(con.execute(f"SELECT * FROM {t.name}").fetchall(), key=repr)
        for t in load_data_model().tables
    }


@pytest.fixture
def seeded(tmp_path):
    con = connect(":memory:")
    load_paths(con, [GOOD / "organisations.csv", GOOD / "patients.csv"], now=NOW)
    yield con
    con.close()


def new_organisations(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "organisations.csv"
    path.write_text("org_code,org_type,name,postcode,open_date,close_date\nNEW1,practice,New,,,\n")
    return path


def unreadable(folder: Path, kind: str) -> tuple[Path, str]:
    """A file that cannot be loaded and the words its error must contain."""
    match kind:
        case "missing":
            return folder / "patients.csv", "no such file"
        case "missing_column":
            path = folder / "patients.csv"
            path.write_text("patient_id,sex,lsoa_code,imd_decile,date_of_death\nP-1,male,,,\n")
            return path, "lacks required column(s) of patients: birth_month"
        case "extra_column":
            path = folder / "patients.csv"
            path.write_text(PATIENTS_HEADER.rstrip() + ",nhs_number\nP-1,1950-01-01,male,,,,1\n")
            return path, "unknown column(s) for patients: nhs_number"
        case "unknown_table":
            path = folder / "patient.csv"
            path.write_text(PATIENTS_HEADER)
            return path, "no loadable table 'patient'"
        case "not_utf8":
            path = folder / "patients.csv"
            path.write_bytes(
                PATIENTS_HEADER.encode() + b"P-1,1950-01-01,male,,,\nP-\xff2,1950-01-01,male,,,\n"
            )
            return path, "line 3: not UTF-8"
        case "not_csv":
            path = folder / "patients.csv"
            path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
            return path, "line 1: not UTF-8"
        case "empty":
            path = folder / "patients.csv"
            path.write_bytes(b"")
            return path, "empty"
        case "broken_parquet":
            path = folder / "patients.parquet"
            path.write_bytes(b"PAR1 this is not really parquet")
            return path, "not a readable Parquet file"
    raise ValueError(kind)


@pytest.mark.parametrize(
    "kind",
    ["missing", "missing_column", "extra_column", "unknown_table", "not_utf8", "not_csv", "empty",
     "broken_parquet"],
)  # fmt: skip
def test_unreadable_second_file_changes_nothing(seeded, tmp_path, kind):
    before = snapshot(seeded)
    first = new_organisations(tmp_path / "first")
    bad, words = unreadable(tmp_path, kind)
    with pytest.raises(LoadError) as caught:
        load_paths(seeded, [first, bad], now=NOW)
    assert str(bad.resolve() if bad.exists() else bad) in str(caught.value)
    assert words in str(caught.value)
    assert snapshot(seeded) == before


def test_injected_failure_after_the_first_table_rolls_back(seeded, tmp_path, monkeypatch):
    before = snapshot(seeded)
    real_insert = records_load._insert_new
    inserted = []

    def insert_then_fail(con, table, *args, **kwargs):
        count = real_insert(con, table, *args, **kwargs)
        inserted.append((table.name, count))
        if table.name == "patients":
            raise RuntimeError("disk on fire")
        return count

    monkeypatch.setattr(records_load, "_insert_new", insert_then_fail)
    folder = tmp_path / "extract"
    new_organisations(folder)
    (folder / "patients.csv").write_text(PATIENTS_HEADER + "P-NEW1,1950-01-01,male,,,\n")
    with pytest.raises(RuntimeError, match="disk on fire"):
        load_paths(seeded, [folder], now=NOW)
    assert inserted == [("organisations", 1), ("patients", 1)]
    assert snapshot(seeded) == before
    monkeypatch.undo()
    report = load_paths(seeded, [folder], now=NOW)  # the connection is usable afterwards
    assert report.tables["patients"].loaded == 1


def write_big_extract(folder: Path, patients: int, events: int) -> None:
    rng = np.random.default_rng(np.random.SeedSequence(20251123))
    folder.mkdir()
    ids = np.array([f"KILL-{i:06d}" for i in range(patients)], dtype=object)
    pacsv.write_csv(
        pa.table({"patient_id": ids, "birth_month": ["1940-01-01"] * patients,
                  "sex": ["female"] * patients, "lsoa_code": [None] * patients,
                  "imd_decile": [None] * patients, "date_of_death": [None] * patients}),
        folder / "patients.csv",
    )  # fmt: skip
    days = rng.integers(0, 5000, events)
    pacsv.write_csv(
        pa.table({"patient_id": ids[rng.integers(0, patients, events)],
                  "event_date": (np.datetime64("2010-01-01") + days).astype(str),
                  "snomed_code": rng.choice(["22298006", "38341003", "44054006"], events),
                  "numeric_value": rng.integers(0, 1000, events)}),
        folder / "clinical_events.csv",
    )  # fmt: skip


LOADER = """
import sys
from neighbourhood.store import connect
from neighbourhood.records import load_paths

class Announce:
    def step(self, description, advance=1, total=None):
        print(description, flush=True)

load_paths(connect(sys.argv[1]), [sys.argv[2]], progress=Announce())
print("committed", flush=True)
"""


@pytest.mark.slow
def test_kill_9_mid_load_leaves_the_store_as_it_was(tmp_path):
    db = tmp_path / "store.duckdb"
    con = connect(db)
    load_paths(con, [GOOD], now=NOW)
    before = snapshot(con)
    con.close()
    folder = tmp_path / "big"
    write_big_extract(folder, patients=20_000, events=1_500_000)
    process = subprocess.Popen(
        [sys.executable, "-c", LOADER, str(db), str(folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    # the first file (patients) is done inside the transaction; clinical_events is under way
    assert process.stdout.readline().strip() == "load files"
    time.sleep(0.5)
    assert process.poll() is None, "the load finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    con = connect(db)
    assert snapshot(con) == before
    report = load_paths(con, [folder], now=NOW)  # the store still works and takes the load
    assert report.tables["patients"].loaded == 20_000
    assert (
        report.tables["clinical_events"].loaded + report.tables["clinical_events"].quarantined
        == 1_500_000
    )
    con.close()
