"""Bad rows get their reason with file and line; re-runs change nothing; unreadable files fail.

tests/fixtures/reference/epraccur_bad.csv (27 positional columns, no header):

    line  code    status  open      close     setting  what the loader must do
    1     A00001  A       19740401            4        load
    2     A00002  C       19740401  20200331  4        load (closed)
    3     A00003  D       19900101            4        load (dormant practices are open)
    4     A00004  -       (4 fields only)              quarantine: wrong number of fields
    5     A00005  A       20251341            4        quarantine: impossible date
    6     A00006  C       20200101  20190101  4        quarantine: close before open
    7     A00007  X       20000101            4        quarantine: unknown status
    8     Y00008  A       20000101            0        skipped: not a GP practice
    9     W00009  A       20031001            4        skipped: Wales (W00 / Q99)
    10    A00001  A       19740401            4        quarantine: duplicate of line 1

ePCN_partners_bad.csv (header = line 1): A00001 in U00001 until 20240331 then U00002 (lines
2-3, load); Z99999 is no practice (line 4); A00003 starts on 20191301 (line 5).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from neighbourhood.records import LoadError
from neighbourhood.reference import load_reference
from neighbourhood.store import connect

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
EPRACCUR = FIXTURES / "epraccur_bad.csv"
DETAILS = FIXTURES / "ePCN_details_small.csv"
PARTNERS = FIXTURES / "ePCN_partners_bad.csv"
NOW = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)


@pytest.fixture
def con():
    connection = connect(":memory:")
    yield connection
    connection.close()


def _quarantine(con, path: Path, table: str) -> list[tuple]:
    return con.execute(
        """SELECT line, field, reason FROM quarantine
           WHERE file_path = ? AND target_table = ? ORDER BY line""",
        [str(path.resolve()), table],
    ).fetchall()


def _snapshot(con) -> dict[str, list]:
    tables = ("organisations", "org_memberships", "practice_list_sizes", "quarantine")
    snap = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    snap["load_log"] = sorted(map(repr, con.execute("SELECT file_sha256 FROM load_log").fetchall()))
    return snap


def test_each_bad_epraccur_row_has_its_reason_file_and_line(con):
    report = load_reference(con, [EPRACCUR], now=NOW)
    assert _quarantine(con, EPRACCUR, "organisations") == [
        (4, None, "the row has 4 fields, expected 27"),
        (5, "Open Date", "'20251341' in Open Date (column 11) is not a valid date (YYYYMMDD)"),
        (6, "close_date", "close_date 2019-01-01 is before open_date 2020-01-01"),
        (7, "Status Code", "status 'X' is not one of A, C, D, P"),
        (10, None, "duplicate of line 1"),
    ]
    practices = con.execute(
        "SELECT org_code FROM organisations WHERE org_type = 'practice' ORDER BY 1"
    ).fetchall()
    assert practices == [("A00001",), ("A00002",), ("A00003",)]
    skipped = {s.reason: s.rows for s in report.skipped}
    assert skipped == {
        "prescribing setting 0: not a GP practice (setting 4)": 1,
        "in Wales (national grouping W00 / Q99): outside NHS England's PCNs": 1,
    }
    # every line is loaded, quarantined or skipped
    assert report.tables["organisations"].quarantined == 5
    assert 3 + 5 + sum(skipped.values()) == 10


def test_hierarchy_from_a_small_file_uses_codes_as_names(con):
    load_reference(con, [EPRACCUR], now=NOW)
    orgs = con.execute(
        "SELECT org_code, org_type, name FROM organisations WHERE org_type <> 'practice' ORDER BY 2"
    ).fetchall()
    assert orgs == [
        ("QJK", "icb", "QJK"),
        ("Y58", "region", "South West"),
        ("15N", "sub_icb", "15N"),
    ]
    links = con.execute(
        """SELECT child_code, parent_code, valid_from FROM org_memberships
           WHERE relationship IN ('sub_icb_in_icb', 'icb_in_region') ORDER BY 1"""
    ).fetchall()
    # A00001 and A00003 joined 15N on 2022-07-01, the day ICBs were established
    assert links == [("15N", "QJK", dt.date(2022, 7, 1)), ("QJK", "Y58", dt.date(2022, 7, 1))]


def test_epcn_partners_unknown_practice_and_bad_date_are_quarantined(con):
    load_reference(con, [PARTNERS, DETAILS, EPRACCUR], now=NOW)  # any order
    assert _quarantine(con, PARTNERS, "org_memberships") == [
        (4, "child_code", "unknown child_code 'Z99999' (not in organisations)"),
        (
            5,
            "Practice to PCN Relationship Start Date",
            "'20191301' in Practice to PCN Relationship Start Date is not a valid date (YYYYMMDD)",
        ),
    ]
    history = con.execute(
        """SELECT parent_code, valid_from, valid_to FROM org_memberships
           WHERE child_code = 'A00001' AND relationship = 'practice_in_pcn' ORDER BY 2"""
    ).fetchall()
    assert history == [
        ("U00001", dt.date(2019, 10, 1), dt.date(2024, 3, 31)),
        ("U00002", dt.date(2024, 4, 1), None),
    ]
    (name,) = con.execute("SELECT name FROM organisations WHERE org_code = 'QJK'").fetchone()
    assert name == "NHS DEVON ICB"  # from ePCN's "NHS DEVON ICB - 15N"


def test_a_rerun_changes_nothing(con):
    paths = [EPRACCUR, DETAILS, PARTNERS, FIXTURES / "gp-reg-pat-prac-quin-age.csv"]
    first = load_reference(con, paths, now=NOW)
    before = _snapshot(con)
    again = load_reference(con, paths, now=NOW)
    assert _snapshot(con) == before
    assert all(f.skipped for f in again.files)
    for table, counts in again.tables.items():
        done = first.tables[table]
        assert counts.loaded == counts.quarantined == 0
        assert counts.already_present == done.loaded + done.quarantined + done.already_present


def test_an_unreadable_file_raises_and_leaves_the_store_unchanged(con, tmp_path):
    load_reference(con, [EPRACCUR], now=NOW)
    before = _snapshot(con)
    broken = tmp_path / "ePCN_PCNDetails.csv"
    broken.write_bytes(b"PCN Code,PCN Name\n\xff\xfe not text\n")
    with pytest.raises(LoadError, match=r"ePCN_PCNDetails\.csv"):
        load_reference(con, [DETAILS, broken], now=NOW)
    not_xlsx = tmp_path / "ePCN.xlsx"
    not_xlsx.write_text("not a workbook")
    with pytest.raises(LoadError, match=r"ePCN.xlsx: not a readable \.xlsx workbook"):
        load_reference(con, [DETAILS, not_xlsx], now=NOW)
    unknown = tmp_path / "mystery.csv"
    unknown.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(LoadError, match=r"mystery\.csv: line 1: not a known reference format"):
        load_reference(con, [DETAILS, unknown], now=NOW)
    assert _snapshot(con) == before


def test_a_copy_of_a_loaded_file_elsewhere_is_already_present(con, tmp_path):
    load_reference(con, [EPRACCUR], now=NOW)
    copy = tmp_path / "epraccur.csv"
    shutil.copyfile(EPRACCUR, copy)
    again = load_reference(con, [copy], now=NOW)
    assert again.tables["organisations"].loaded == 0
    assert all(f.skipped for f in again.files)
