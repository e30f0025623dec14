"""The shipped real files load, and what they say comes back from the store.

Expected values are independent pandas counts over the raw files (read here with pandas, not
through the loaders), or hand-checked rows quoted in the test.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from neighbourhood.reference import load_reference
from neighbourhood.sources import data_file
from neighbourhood.store import connect

AS_OF = "2025-09-01"
NOW = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def loaded():
    con = connect(":memory:")
    report = load_reference(con, now=NOW)
    yield con, report
    con.close()


def _raw_epraccur() -> pd.DataFrame:
    return pd.read_csv(data_file("epraccur", "epraccur.csv"), header=None, dtype=str).fillna("")


def test_open_gp_practices_equal_an_independent_count(loaded):
    con, _ = loaded
    raw = _raw_epraccur()
    day = AS_OF.replace("-", "")
    gp = raw[(raw[25] == "4") & (raw[2] != "W00")]  # England (Wales is skipped, see README)
    expected = ((gp[10] <= day) & ((gp[11] == "") | (gp[11] >= day))).sum()
    (found,) = con.execute(
        """SELECT count(*) FROM organisations WHERE org_type = 'practice'
           AND open_date <= ? AND (close_date IS NULL OR close_date >= ?)""",
        [AS_OF, AS_OF],
    ).fetchone()
    assert found == expected
    assert 6000 < found < 6600  # England has about 6,300 practices in 2025


def test_every_row_of_epraccur_is_loaded_skipped_or_quarantined(loaded):
    con, report = loaded
    raw = _raw_epraccur()
    path = str(data_file("epraccur", "epraccur.csv"))
    skipped = sum(s.rows for s in report.skipped if s.path == path)
    (practices,) = con.execute(
        "SELECT count(*) FROM organisations WHERE org_type = 'practice'"
    ).fetchone()
    (quarantined,) = con.execute(
        "SELECT count(*) FROM quarantine WHERE file_path = ? AND target_table = 'organisations'",
        [path],
    ).fetchone()
    assert practices + quarantined + skipped == len(raw)
    assert skipped == (raw[25] != "4").sum() + ((raw[25] == "4") & (raw[2] == "W00")).sum()


def test_open_pcns_equal_an_independent_count(loaded):
    con, _ = loaded
    raw = pd.read_csv(data_file("epcn", "ePCN_PCNDetails.csv"), dtype=str).fillna("")
    day = AS_OF.replace("-", "")
    expected = (
        (raw["Open Date"] <= day) & ((raw["Close Date"] == "") | (raw["Close Date"] >= day))
    ).sum()
    (found,) = con.execute(
        """SELECT count(*) FROM organisations WHERE org_type = 'pcn'
           AND open_date <= ? AND (close_date IS NULL OR close_date >= ?)""",
        [AS_OF, AS_OF],
    ).fetchone()
    assert found == expected


def test_practice_in_pcn_rows_are_the_partner_rows_of_known_practices(loaded):
    con, _ = loaded
    raw = pd.read_csv(data_file("epcn", "ePCN_CorePartnerDetails.csv"), dtype=str).fillna("")
    epraccur = _raw_epraccur()
    known = set(epraccur[(epraccur[25] == "4") & (epraccur[2] != "W00")][0])
    is_known = raw["Partner Organisation Code"].isin(known)
    (found,) = con.execute(
        "SELECT count(*) FROM org_memberships WHERE relationship = 'practice_in_pcn'"
    ).fetchone()
    assert found == is_known.sum()
    rejected = con.execute(
        """SELECT line, reason FROM quarantine WHERE target_table = 'org_memberships'
           AND file_path LIKE '%ePCN_CorePartnerDetails.csv' ORDER BY line"""
    ).fetchall()
    unknown = raw[~is_known]
    assert [line for line, _ in rejected] == [i + 2 for i in unknown.index]  # header = line 1
    for (_, reason), code in zip(rejected, unknown["Partner Organisation Code"], strict=True):
        assert reason == f"unknown child_code '{code}' (not in organisations)"


def test_history_of_a_practice_that_moved_pcn(loaded):
    # ePCN_CorePartnerDetails.csv lines 83-84: A82018 SPENCER ST SURGERY was in U66688
    # CARLISLE PCN from 20191001 to 20240331, then in U92223 CARLISLE HEALTHCARE PCN from 20240401.
    con, _ = loaded
    rows = con.execute(
        """SELECT parent_code, valid_from, valid_to FROM org_memberships
           WHERE child_code = 'A82018' AND relationship = 'practice_in_pcn' ORDER BY valid_from"""
    ).fetchall()
    assert rows == [
        ("U66688", dt.date(2019, 10, 1), dt.date(2024, 3, 31)),
        ("U92223", dt.date(2024, 4, 1), None),
    ]
    on = "SELECT parent_code FROM org_memberships WHERE child_code = 'A82018' AND relationship = 'practice_in_pcn' AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)"  # noqa: E501
    assert con.execute(on, ["2024-03-31"] * 2).fetchall() == [("U66688",)]
    assert con.execute(on, ["2024-04-01"] * 2).fetchall() == [("U92223",)]


def test_hierarchy_names_come_from_epcn(loaded):
    con, _ = loaded
    # epraccur line 1: A81001 is in sub-ICB 16C, ICB QHM, region Y63; ePCN names 16C
    # "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C".
    names = dict(
        con.execute(
            "SELECT org_code, name FROM organisations WHERE org_code IN ('16C', 'QHM', 'Y63')"
        ).fetchall()
    )
    assert names == {
        "16C": "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C",
        "QHM": "NHS NORTH EAST AND NORTH CUMBRIA ICB",
        "Y63": "North East and Yorkshire",
    }
    links = con.execute(
        """SELECT child_code, parent_code, relationship FROM org_memberships
           WHERE child_code IN ('A81001', '16C', 'QHM') AND relationship <> 'practice_in_pcn'
           ORDER BY child_code"""
    ).fetchall()
    assert links == [
        ("16C", "QHM", "sub_icb_in_icb"),
        ("A81001", "16C", "practice_in_sub_icb"),
        ("QHM", "Y63", "icb_in_region"),
    ]


def test_devon_care_homes_load_as_they_are(loaded):
    con, _ = loaded
    raw = pd.read_csv(data_file("care-homes", "devon", "cqc_care_homes.csv"), dtype=str)
    ids = list(raw.loc[raw["careHome"] == "Y", "locationId"])
    (found,) = con.execute(
        "SELECT count(*) FROM care_homes WHERE org_code IN (SELECT unnest(?))", [ids]
    ).fetchone()
    assert found == len(ids) == 728
    # Hand-checked in the raw file: Highlands Borders Care Home, 28 beds, "Residential homes /
    # Care home service without nursing", Devon (a county: no E06-E09 code); Holywell Nursing
    # Home, 30 beds, "Nursing homes / Care home service with nursing", Somerset.
    rows = con.execute(
        """SELECT o.name, c.beds, c.with_nursing, c.local_authority_code
           FROM care_homes c JOIN organisations o USING (org_code)
           WHERE org_code IN ('1-1000587219', '1-107285145') ORDER BY o.name"""
    ).fetchall()
    assert rows == [
        ("Highlands Borders Care Home", 28, False, None),
        ("Holywell Nursing Home", 30, True, None),
    ]
    (latitude,) = con.execute(
        "SELECT latitude FROM care_homes WHERE org_code = '1-1000587219'"
    ).fetchone()
    assert latitude == pytest.approx(50.721541)


def test_list_sizes_of_known_practices_load_and_the_rest_are_quarantined(loaded):
    con, _ = loaded
    raw = pd.read_csv(data_file("gp_registered_patients", "gp-reg-pat-prac-all_2021-01.csv"))
    loaded_rows, total = con.execute(
        "SELECT count(*), sum(patients) FROM practice_list_sizes WHERE extract_date = '2021-01-01'"
    ).fetchone()
    (quarantined,) = con.execute(
        "SELECT count(*) FROM quarantine WHERE target_table = 'practice_list_sizes'"
    ).fetchone()
    assert loaded_rows + quarantined == len(raw)
    epraccur = _raw_epraccur()
    known = raw["CODE"].isin(
        set(epraccur[epraccur[25] == "4"][0]) - set(epraccur[epraccur[2] == "W00"][0])
    )
    assert total == raw.loc[known, "NUMBER_OF_PATIENTS"].sum()
