"""`load_batches`: in-memory rows go through the records loader's checks and bookkeeping.

batch for organisations from "src.txt" (sha 'a' * 64):
  _line  org_code  org_type   name   _shape
  7      P1        practice   One
  7      S1        sub_icb    S1                 <- same source line as P1 (derived row)
  9      P2        practice   Two    "bad row"   <- rejected by the reader
  12     P1        practice   Again              <- duplicate of line 7
  13     P3        nonsense   Three              <- fails the model's values check
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from neighbourhood.records import Batch, load_batches
from neighbourhood.store import connect
from neighbourhood.store.model import load_data_model

NOW = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
ORGS = load_data_model().table("organisations")


def _batch(sha: str = "a" * 64) -> Batch:
    rows = pa.table(
        {
            "_line": pa.array([7, 7, 9, 12, 13], pa.int64()),
            "org_code": ["P1", "S1", "P2", "P1", "P3"],
            "org_type": ["practice", "sub_icb", "practice", "practice", "nonsense"],
            "name": ["One", "S1", "Two", "Again", "Three"],
            "_shape": [None, None, "bad row", None, None],
            "_shape_field": [None, None, "Col 3", None, None],
        }
    )
    return Batch(table=ORGS, path=Path("src.txt"), sha256=sha, rows=rows)


def test_batch_rows_are_checked_and_quarantined_with_their_source_line():
    con = connect(":memory:")
    report = load_batches(con, [_batch()], now=NOW)
    assert report.tables["organisations"].loaded == 2
    assert report.tables["organisations"].quarantined == 3
    rows = con.execute(
        "SELECT file_path, line, field, reason FROM quarantine ORDER BY line"
    ).fetchall()
    assert rows == [
        ("src.txt", 9, "Col 3", "bad row"),
        ("src.txt", 12, None, "duplicate of line 7"),
        (
            "src.txt",
            13,
            "org_type",
            "'nonsense' is not one of: region, icb, sub_icb, pcn, practice, care_home, "
            "community_team, provider, other",
        ),
    ]
    assert con.execute("SELECT rows_read FROM load_log").fetchall() == [(5,)]


def test_same_batch_again_is_already_present_and_changes_nothing():
    con = connect(":memory:")
    load_batches(con, [_batch()], now=NOW)
    again = load_batches(con, [_batch()], now=NOW)
    assert again.tables["organisations"].already_present == 5
    assert con.execute("SELECT count(*) FROM organisations").fetchone() == (2,)
    assert con.execute("SELECT count(*) FROM load_log").fetchone() == (1,)


def test_a_row_from_a_second_source_names_it_in_the_duplicate_reason():
    con = connect(":memory:")
    first = _batch()
    second = Batch(
        table=ORGS,
        path=Path("other.txt"),
        sha256="b" * 64,
        rows=pa.table(
            {
                "_line": pa.array([3], pa.int64()),
                "org_code": ["S1"],
                "org_type": ["sub_icb"],
                "name": ["S1"],
                "_source": ["other.txt#sheet"],
            }
        ),
    )
    load_batches(con, [first, second], now=NOW)
    (row,) = con.execute(
        "SELECT file_path, line, reason FROM quarantine WHERE file_path LIKE 'other%'"
    ).fetchall()
    assert row == ("other.txt#sheet", 3, "duplicate of line 7 of src.txt")


def test_two_batches_for_one_table_from_one_file_are_refused():
    with pytest.raises(ValueError, match="two batches"):
        load_batches(connect(":memory:"), [_batch(), _batch()], now=NOW)


def test_a_batch_is_validated_when_built():
    with pytest.raises(ValueError, match="integer _line"):
        Batch(table=ORGS, path=Path("x"), sha256="a" * 64, rows=pa.table({"org_code": ["P"]}))
    with pytest.raises(ValueError, match="not in organisations"):
        Batch(
            table=ORGS,
            path=Path("x"),
            sha256="a" * 64,
            rows=pa.table({"_line": pa.array([1], pa.int64()), "beds": ["3"]}),
        )
