"""Streaming: a file is read and staged a block at a time, so memory does not grow with it.

Also the readers' edge cases that only a file of many blocks reaches: the fast CSV reader
finding, past its first block, that it cannot number the lines (a quoted newline, a row of the
wrong width) and handing over to the careful reader; a bad byte far into the file.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from neighbourhood.records import LoadError, TableCounts, load_paths
from neighbourhood.records import read as records_read
from neighbourhood.store import connect

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
PATIENTS = 20_000
EVENTS_HEADER = "patient_id,event_date,snomed_code,numeric_value\n"
BAD_DATE = "2024-13-01"


def write_patients(path: Path) -> None:
    ids = [f"P-{i:06d}" for i in range(PATIENTS)]
    pacsv.write_csv(
        pa.table({"patient_id": ids, "birth_month": ["1940-01-01"] * PATIENTS,
                  "sex": ["female"] * PATIENTS, "lsoa_code": [None] * PATIENTS,
                  "imd_decile": [None] * PATIENTS, "date_of_death": [None] * PATIENTS}),
        path,
    )  # fmt: skip


def write_events(path: Path, rows: int, bad_row: int, chunk: int = 250_000) -> None:
    """`rows` events, every key distinct, written a chunk at a time; row `bad_row` (from 0) has
    a date that does not exist, so it sits on line bad_row + 2."""
    schema = pa.schema([(n, pa.string()) for n in ("patient_id", "event_date", "snomed_code",
                                                   "numeric_value")])  # fmt: skip
    with pacsv.CSVWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            i = np.arange(start, min(start + chunk, rows))
            dates = (np.datetime64("2000-01-01") + (i // PATIENTS)).astype(str)
            dates[i == bad_row] = BAD_DATE
            ids = np.char.add("P-", np.char.zfill((i % PATIENTS).astype(str), 6))
            writer.write_table(
                pa.table({"patient_id": ids, "event_date": dates,
                          "snomed_code": np.where(i % 2 == 0, "22298006", "38341003"),
                          "numeric_value": np.where(i % 3 == 0, "", (i % 997).astype(str))},
                         schema=schema)
            )  # fmt: skip


# The child reports its own peak RSS (VmHWM): ru_maxrss of a child, os.wait4 or
# getrusage(RUSAGE_CHILDREN), also counts the memory of the parent (pytest) at the fork.
CHILD = """
import json, sys
from neighbourhood.records import load_paths
from neighbourhood.store import connect
con = connect(sys.argv[1])
con.execute(f"SET memory_limit = '{sys.argv[3]}'")
report = load_paths(con, [sys.argv[2]])
quarantined = con.execute("SELECT line, field, reason FROM quarantine").fetchall()
stored = con.execute("SELECT count(*) FROM clinical_events").fetchone()[0]
con.close()
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"counts": report.tables["clinical_events"].to_dict(), "stored": stored,
                  "quarantined": quarantined, "peak_kib": peak}))
"""
MEMORY_LIMIT = "128MB"  # DuckDB's own limit: beyond it DuckDB spills to its temp directory


def load_in_child(tmp_path: Path, rows: int) -> dict:
    folder = tmp_path / f"rows{rows}"
    folder.mkdir()
    db = folder / "store.duckdb"
    con = connect(db)
    write_patients(folder / "patients.csv")
    load_paths(con, [folder / "patients.csv"], now=NOW)
    con.close()
    events = folder / "clinical_events.csv"
    write_events(events, rows, bad_row=rows - 7)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(events), MEMORY_LIMIT],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_the_file(tmp_path):
    small, large = (load_in_child(tmp_path, rows) for rows in (500_000, 2_000_000))
    for rows, result in ((500_000, small), (2_000_000, large)):
        assert result["counts"] == {"loaded": rows - 1, "quarantined": 1, "already_present": 0,
                                    "updated": 0}  # fmt: skip
        assert result["stored"] == rows - 1
        assert result["quarantined"] == [
            [rows - 7 + 2, "event_date", f"'{BAD_DATE}' is not a valid date (expected YYYY-MM-DD)"]
        ]
    small_mib, large_mib = small["peak_kib"] / 1024, large["peak_kib"] / 1024
    # Four times the rows. Holding the whole file (the loader before streaming) took 342 and
    # 528 MiB here; streaming 303 and 357 (DuckDB keeps within its memory_limit, spilling).
    assert large_mib <= 1.25 * small_mib + 40, (small_mib, large_mib)
    assert large_mib - small_mib <= 100, (small_mib, large_mib)


@pytest.fixture
def seeded(tmp_path):
    con = connect(":memory:")
    write_patients(tmp_path / "patients.csv")
    load_paths(con, [tmp_path / "patients.csv"], now=NOW)
    yield con
    con.close()


@pytest.fixture
def careful_reads(monkeypatch) -> list[Path]:
    """Small blocks, so that a small file has many; and the files the careful reader reads."""
    monkeypatch.setattr(records_read, "BLOCK_SIZE", 1 << 16)
    read = records_read._csv_careful
    files: list[Path] = []

    def careful(file, schema):
        files.append(file.path)
        return read(file, schema)

    monkeypatch.setattr(records_read, "_csv_careful", careful)
    return files


ROWS = 30_000  # about 1.2 MB of CSV: some 18 blocks of 64 kB
NEXT = '"P-000001","2001-01-01","22298006",""\n'  # a good row after the awkward one
LAST = f'"P-000002","{BAD_DATE}","22298006",""\n'  # then one with a bad date


@pytest.mark.parametrize(
    ("awkward", "quarantined"),
    [
        # a quoted newline: the row takes two lines (and its value is not a number)
        ('"P-000000","2001-01-01","22298006","1\n2"\n',
         [(ROWS + 2, "numeric_value", "'1\n2' is not a number")]),
        # a row of the wrong width: pyarrow stops there
        ('"P-000000","2001-01-01","22298006","",""\n',
         [(ROWS + 2, None, "the row has 5 fields, the header has 4")]),
        ("\n", []),  # a blank line: pyarrow skips it
    ],
)  # fmt: skip
def test_fast_reader_hands_over_past_its_first_block(
    seeded, tmp_path, careful_reads, awkward, quarantined
):
    path = tmp_path / "clinical_events.csv"
    write_events(path, ROWS, bad_row=-1)
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(awkward + NEXT + LAST)
    report = load_paths(seeded, [path], now=NOW)
    assert careful_reads == [path.resolve()]  # once, after the fast reader gave up
    assert not records_read._careful_next
    good = ROWS + 1  # the generated rows and NEXT
    counts = TableCounts(loaded=good, quarantined=len(quarantined) + 1)
    assert report.tables["clinical_events"] == counts
    last = ROWS + 2 + awkward.count("\n") + 1  # the awkward row's lines, NEXT, then LAST
    assert seeded.execute(
        "SELECT line, field, reason FROM quarantine ORDER BY line"
    ).fetchall() == [
        *quarantined,
        (last, "event_date", f"'{BAD_DATE}' is not a valid date (expected YYYY-MM-DD)"),
    ]


def test_a_file_the_fast_reader_numbers_right_is_read_once(seeded, tmp_path, careful_reads):
    path = tmp_path / "clinical_events.csv"
    write_events(path, ROWS, bad_row=ROWS - 3)
    report = load_paths(seeded, [path], now=NOW)
    assert careful_reads == []
    assert report.tables["clinical_events"] == TableCounts(loaded=ROWS - 1, quarantined=1)
    assert seeded.execute("SELECT line FROM quarantine").fetchall() == [(ROWS - 1,)]


def test_a_bad_byte_far_into_the_file_names_its_line(seeded, tmp_path, careful_reads):
    path = tmp_path / "clinical_events.csv"
    write_events(path, ROWS, bad_row=-1)
    with path.open("ab") as handle:
        handle.write(b'"P-000000","2001-01-01","2229\xff8006",""\n')
    with pytest.raises(LoadError, match=rf"line {ROWS + 2}: not UTF-8 text"):
        load_paths(seeded, [path], now=NOW)
    assert seeded.execute("SELECT count(*) FROM clinical_events").fetchone() == (0,)


def test_a_parquet_file_is_read_in_batches(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(records_read, "PARQUET_ROWS", 1000)
    rows = 5_000
    write_events(tmp_path / "events.csv", rows, bad_row=3_456)
    texts = pacsv.ConvertOptions(column_types={"event_date": pa.string()})
    table = pacsv.read_csv(tmp_path / "events.csv", convert_options=texts)
    pq.write_table(table, tmp_path / "clinical_events.parquet", row_group_size=700)
    report = load_paths(seeded, [tmp_path / "clinical_events.parquet"], now=NOW)
    assert report.tables["clinical_events"] == TableCounts(loaded=rows - 1, quarantined=1)
    assert seeded.execute("SELECT line, field FROM quarantine").fetchall() == [
        (3_457, "event_date")
    ]
