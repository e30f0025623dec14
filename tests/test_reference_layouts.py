"""The other accepted layouts: quinary / single-year list sizes, the ePCN workbook, the Greater
Manchester care directory and the postcode directory, and format detection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from neighbourhood.reference import detect_format, epcn, load_reference
from neighbourhood.sources import data_file
from neighbourhood.store import connect

FIXTURES = Path(__file__).parent / "fixtures" / "reference"
NOW = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)


@pytest.fixture
def con():
    connection = connect(":memory:")
    load_reference(connection, [FIXTURES / "epraccur_bad.csv"], now=NOW)  # practice A00001
    yield connection
    connection.close()


def test_quinary_age_layout(con):
    """gp-reg-pat-prac-quin-age.csv (lines; header = 1):

    2-5  A00001 01APR2024 FEMALE 0_4 120 | FEMALE 95+ 7 | MALE 0_4 131 | MALE 95+ 2   load
    6    Z99999 (no such practice)                                                 quarantine
    7    31APR2024 (no such date)                                                  quarantine
    8    SEX UNKNOWN                                                               quarantine
    """
    path = FIXTURES / "gp-reg-pat-prac-quin-age.csv"
    load_reference(con, [path], now=NOW)
    rows = con.execute(
        "SELECT extract_date, sex, age_band, patients FROM practice_list_sizes ORDER BY 2, 3"
    ).fetchall()
    day = dt.date(2024, 4, 1)
    assert rows == [
        (day, "female", "0_4", 120),
        (day, "female", "95+", 7),
        (day, "male", "0_4", 131),
        (day, "male", "95+", 2),
    ]
    reasons = con.execute(
        "SELECT line, field, reason FROM quarantine WHERE file_path = ? ORDER BY line",
        [str(path)],
    ).fetchall()
    assert reasons == [
        (6, "practice_code", "unknown practice_code 'Z99999' (not in organisations)"),
        (7, "EXTRACT_DATE", "'31APR2024' is not a date like 01JAN2021"),
        (8, "sex", "'unknown' is not one of: all, male, female"),
    ]


def test_single_year_of_age_layout_skips_commissioner_rows(con):
    path = FIXTURES / "gp-reg-pat-prac-sing-age-female.csv"
    report = load_reference(con, [path], now=NOW)
    rows = con.execute(
        "SELECT age_band, patients FROM practice_list_sizes ORDER BY patients"
    ).fetchall()
    assert rows == [("94", 4), ("95+", 6), ("0", 30), ("ALL", 5000)]
    assert [(s.reason, s.rows) for s in report.skipped] == [("TYPE CCG: not a GP practice row", 1)]


def test_the_workbook_gives_the_same_rows_as_its_csv_exports():
    by_xlsx, _ = epcn.read(data_file("epcn", "ePCN.xlsx"))
    details, _ = epcn.read(data_file("epcn", "ePCN_PCNDetails.csv"))
    partners, _ = epcn.read(data_file("epcn", "ePCN_CorePartnerDetails.csv"))
    for table in ("organisations", "org_memberships"):
        from_csv = pd.concat(details.frames[table] + partners.frames.get(table, []))
        from_xlsx = pd.concat(by_xlsx.frames[table])
        rows = [c for c in from_csv.columns if c not in ("_raw", "_source")]
        assert len(from_csv) == len(from_xlsx) > 1000
        assert (
            from_xlsx[rows].fillna("").values.tolist() == from_csv[rows].fillna("").values.tolist()
        )
    sources = set(pd.concat(by_xlsx.frames["org_memberships"])["_source"])
    assert {Path(s).name for s in sources} == {
        "ePCN.xlsx#PCNDetails",
        "ePCN.xlsx#PCN Core Partner Details",
    }


def test_greater_manchester_directory_layout():
    con = connect(":memory:")
    path = data_file("care-homes", "greater-manchester", "trafford_care_homes.csv")
    report = load_reference(con, [path], now=NOW)
    raw = pd.read_csv(path, dtype=str)
    kinds = raw["type"].str.lower()
    homes = kinds.str.contains("nursing homes|residential homes")
    assert report.tables["care_homes"].loaded == homes.sum()
    nursing = con.execute("SELECT count(*) FROM care_homes WHERE with_nursing").fetchone()[0]
    assert nursing == kinds.str.contains("nursing homes").sum()
    codes = con.execute("SELECT DISTINCT local_authority_code, beds FROM care_homes").fetchall()
    assert codes == [("E08000009", None)]  # Trafford; the directory has no beds


def test_directory_without_location_ids_is_quarantined_with_the_reason():
    con = connect(":memory:")
    path = data_file("care-homes", "greater-manchester", "gm_care_homes.csv")
    load_reference(con, [path], now=NOW)
    reasons = con.execute(
        "SELECT DISTINCT field, reason FROM quarantine WHERE target_table = 'organisations'"
    ).fetchall()
    assert reasons == [
        ("cqc_id", "no CQC location id (column cqc_id): the home cannot be identified")
    ]


def test_postcode_directory():
    con = connect(":memory:")
    path = data_file("postcodes", "trafford", "trafford_postcodes_lsoa21_2025-02.csv")
    load_reference(con, [path], now=NOW)
    # README sample: M15 4AB -> E01034001, lat 53.465578, lon -2.26046
    row = con.execute(
        "SELECT latitude, longitude, lsoa_code FROM postcode_centroids WHERE postcode = 'M15 4AB'"
    ).fetchone()
    assert row == (pytest.approx(53.465578), pytest.approx(-2.26046), "E01034001")
    assert con.execute("SELECT count(*) FROM postcode_centroids").fetchone()[0] == 11264


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("epraccur", "epraccur.csv"), "epraccur"),
        (("epcn", "ePCN.xlsx"), "epcn"),
        (("epcn", "ePCN_PCNDetails.csv"), "epcn"),
        (("gp_registered_patients", "gp-reg-pat-prac-all_2021-01.csv"), "list_sizes"),
        (("care-homes", "devon", "cqc_care_homes.csv"), "cqc_api"),
        (("care-homes", "greater-manchester", "gm_care_homes.csv"), "cqc_directory"),
        (("postcodes", "trafford", "trafford_postcodes_lsoa21_2025-02.csv"), "postcodes"),
    ],
)
def test_detect_format(parts, expected):
    assert detect_format(data_file(*parts)) == expected


def test_header_names_match_ignoring_line_breaks_and_case():
    assert epcn.normalise("Partner\nOrganisation\nCode ") == "partner organisation code"
