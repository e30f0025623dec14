"""Each kind of bad row lands in quarantine with its file, line, field and a readable reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from neighbourhood.records import TableCounts, load_paths
from neighbourhood.store import connect, load_data_model

GOOD = Path(__file__).parent / "fixtures" / "records" / "good"
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)

# A valid row per table whose key is not in the good fixture.
VALID = {
    "patients": {"patient_id": "PAT-0100", "birth_month": "1950-07-01", "sex": "male",
                 "lsoa_code": "E01000001", "imd_decile": "5", "date_of_death": ""},
    "registrations": {"patient_id": "PAT-0001", "practice_code": "A81001",
                      "start_date": "2021-01-01", "end_date": ""},
    "clinical_events": {"patient_id": "PAT-0001", "event_date": "2020-05-05",
                        "snomed_code": "22298006", "numeric_value": ""},
    "medications_issued": {"patient_id": "PAT-0001", "issue_date": "2020-05-05",
                           "dmd_code": "320000009", "quantity": "7"},
    "care_homes": {"org_code": "RXF", "beds": "10", "with_nursing": "true",
                   "local_authority_code": "", "latitude": "52.0", "longitude": "0.1"},
    "care_contacts": {"contact_id": "C-9", "referral_id": "REF-1",
                      "contact_at": "2024-04-01T10:00:00Z", "outcome": "attended"},
    "community_referrals": {"referral_id": "REF-9", "patient_id": "PAT-0001",
                            "team_code": "TEAM-UCR1", "service": "reablement",
                            "referral_source": "gp", "received_at": "2024-04-01T10:00:00Z",
                            "clock": "2_day"},
    "workforce": {"staff_id": "ST-9", "organisation_code": "U12345", "role": "gp", "wte": "1",
                  "start_date": "2020-01-01", "end_date": "", "annual_cost": ""},
}  # fmt: skip

CASES = [
    ("patients", {"birth_month": ""}, "birth_month", "required value missing"),
    ("patients", {"patient_id": "   "}, "patient_id", "required value missing"),
    ("registrations", {"start_date": "2024-13-01"}, "start_date",
     "'2024-13-01' is not a valid date (expected YYYY-MM-DD)"),
    ("registrations", {"start_date": "01/02/2024"}, "start_date",
     "'01/02/2024' is not a valid date (expected YYYY-MM-DD)"),
    ("patients", {"imd_decile": "abc"}, "imd_decile", "'abc' is not a whole number"),
    ("patients", {"imd_decile": "12.5"}, "imd_decile", "'12.5' is not a whole number"),
    ("medications_issued", {"quantity": "abc"}, "quantity", "'abc' is not a number"),
    ("care_homes", {"with_nursing": "maybe"}, "with_nursing",
     "'maybe' is not true or false (true/false, 1/0, yes/no, y/n)"),
    ("care_contacts", {"contact_at": "2024-04-01T25:00:00Z"}, "contact_at",
     "'2024-04-01T25:00:00Z' is not a valid instant "
     "(expected ISO 8601, e.g. 2025-03-01T09:15:00Z)"),
    ("patients", {"sex": "X"}, "sex", "'X' is not one of: male, female, indeterminate, unknown"),
    ("patients", {"imd_decile": "12"}, "imd_decile", "12 is above the maximum 10"),
    ("medications_issued", {"quantity": "-1"}, "quantity", "-1 is below the minimum 0"),
    ("care_homes", {"latitude": "48.5"}, "latitude", "48.5 is below the minimum 49.0"),
    ("workforce", {"wte": "3"}, "wte", "3 is above the maximum 2"),
    ("clinical_events", {"snomed_code": "1234"}, "snomed_code",
     "'1234' does not match the pattern ^[1-9][0-9]{5,17}$"),
    # 22298006 (myocardial infarction) with its last digit changed: the Verhoeff digit fails
    ("clinical_events", {"snomed_code": "22298007"}, "snomed_code",
     "'22298007' fails the SNOMED CT Verhoeff check digit"),
    # a float-mangled dm+d id as it appears in the published GM SDE code sets
    ("medications_issued", {"dmd_code": "21678411000001100"}, "dmd_code",
     "'21678411000001100' fails the SNOMED CT Verhoeff check digit"),
    # 100001017 has a valid check digit but partition 01: a description id, not a concept
    ("clinical_events", {"snomed_code": "100001017"}, "snomed_code",
     "'100001017' has partition 01 (description); a record needs a concept id "
     "(partition 00 or 10)"),
    ("patients", {"postcode_district": "LS17 7DF"}, "postcode_district",
     "'LS17 7DF' does not match the pattern ^[A-Z]{1,2}[0-9][A-Z0-9]?$"),
    ("clinical_events", {"event_date": "2031-01-01"}, "event_date", "2031-01-01 is in the future"),
    # 01:30 BST on 1 June 2025 is 00:30 UTC, after the moment of loading (midnight UTC)
    ("community_referrals", {"received_at": "2025-06-01T01:30:00+01:00"}, "received_at",
     "2025-06-01T00:30:00Z is in the future"),
    ("clinical_events", {"event_date": "1949-03-01"}, "event_date",
     "1949-03-01 is before the patient's month of birth 1950-07-01"),
    ("clinical_events", {"patient_id": "PAT-0002", "event_date": "2024-05-01"}, "event_date",
     "2024-05-01 is after the patient's death on 2024-02-03"),
    ("patients", {"birth_month": "1950-07-15"}, "birth_month",
     "date of birth must be the first of the month"),
    ("clinical_events", {"patient_id": "S123"}, "patient_id",
     "unknown patient_id 'S123' (not in patients)"),
    ("care_contacts", {"referral_id": "REF-404"}, "referral_id",
     "unknown referral_id 'REF-404' (not in community_referrals)"),
    ("registrations", {"start_date": "2021-01-01", "end_date": "2020-01-01"}, "end_date",
     "end_date 2020-01-01 is before start_date 2021-01-01"),
    # the first failing check wins: the missing patient before the bad date
    ("clinical_events", {"patient_id": "", "event_date": "nope"}, "patient_id",
     "required value missing"),
]  # fmt: skip


def csv_text(table: str, rows: list[dict[str, str]]) -> str:
    names = load_data_model().table(table).column_names
    lines = [",".join(names)] + [",".join(row.get(n, "") for n in names) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "seed.duckdb"
    con = connect(path)
    load_paths(con, [GOOD], now=NOW)
    con.close()
    return path


@pytest.mark.parametrize(("table", "change", "field", "reason"), CASES)
def test_bad_row_is_quarantined_with_its_reason(seeded_db, tmp_path, table, change, field, reason):
    db = tmp_path / "store.duckdb"
    db.write_bytes(seeded_db.read_bytes())
    con = connect(db)
    good = VALID[table]
    path = tmp_path / f"{table}.csv"
    path.write_text(csv_text(table, [good, {**good, **change}]), encoding="utf-8")
    report = load_paths(con, [path], now=NOW)
    assert report.tables[table] == TableCounts(loaded=1, quarantined=1, already_present=0)
    found = con.execute(
        "SELECT file_path, line, target_table, field, reason FROM quarantine"
    ).fetchall()
    assert found == [(str(path.resolve()), 3, table, field, reason)]
    con.close()


def test_a_row_with_too_many_fields(tmp_path):
    con = connect(":memory:")
    path = tmp_path / "organisations.csv"
    path.write_text(
        "org_code,org_type,name,postcode,open_date,close_date\n"
        "\n"
        "A1,practice,One,,,\n"
        "A2,practice,Two,,,,surplus\n"
        '"A3",practice,"Three\nlines",,,\n'
        "A4,practice,Four,,,\n",
        encoding="utf-8",
    )
    report = load_paths(con, [path], now=NOW)
    assert report.tables["organisations"] == TableCounts(loaded=3, quarantined=1)
    assert con.execute("SELECT line, field, reason FROM quarantine").fetchall() == [
        (4, None, "the row has 7 fields, the header has 6")
    ]
    # line numbers are physical lines: the quoted two-line row takes lines 2-3
    path.write_text(
        "org_code,org_type,name,postcode,open_date,close_date\n"
        '"B3",practice,"Three\nlines",,,\n'
        "B4,nonsense,Four,,,\n",
        encoding="utf-8",
    )
    load_paths(con, [path], now=NOW)
    found = con.execute("SELECT line, field FROM quarantine WHERE raw LIKE '%B4%'").fetchall()
    assert found == [(4, "org_type")]
    names = con.execute("SELECT name FROM organisations WHERE org_code IN ('A3', 'B3')").fetchall()
    assert names == [("Three\nlines",), ("Three\nlines",)]
