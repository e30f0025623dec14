"""Current care home alignment and its gaps on a hand-drawn store (as of 2024-06-30).

    ICB Q1 > S1 > U1 (practice P1, postcode EX1 1AA = centroid 50.00, -3.00)
                  U2 (practice P2, postcode EX2 1AA: no centroid -> sector EX2 1 mean)
    ICB Q2 > S2 > U9 (practice P9, postcode PL1 1AA = centroid 50.40, -4.10)

    home  beds  aligned on the date      location (postcode)
    H1    20    U1                       50.00, -3.01 (EX1 1AB)
    H2    10    U1 and U2  (double)      50.05, -3.20 (EX1 2AA)
    H3    30    none       (unaligned)   50.00, -3.50 (EX2 1AB)  nearest practice P2 -> Q1
    H4    40    U2                       50.20, -3.50 (EX2 1AC)
    H5    15    U2, home closed 2024-01-01                        -> not open, left out
    H6    25    U1 until 2023-12-31 only (unaligned now)  50.01, -3.00 (EX1 1AD)
    H9    12    none                     50.40, -4.11 (PL1 1AB)  nearest P9 -> Q2, not Q1

    H5 is at 50.21, -3.50. P2 sits at the mean of the located homes in its sector EX2 1
    (H3, H4 and H5: a closed home still marks where its postcode is): 50.13667, -3.50.

Patients aged 65+ on 2024-06-30 from registrations (born on the 1st of the month):
    P1: a1 1959-06 (65, yes)  a2 1959-07 (64, no)  a3 1930-01 (yes)  a4 1940-01 died
        2024-05-01 (no)  a5 1950-01 registration ended 2024-01-01 (no)  a6 1940-01 (yes) -> 3
    P2: b1 1940-01, b2 1945-01 -> 2;   P9: c1 1940-01 -> 1
Beds by PCN (a double-aligned home counts in both): U1 = 20 + 10 = 30, U2 = 10 + 40 = 50.
Per 1,000 aged 65+: U1 10,000; U2 25,000; ICB Q1 (30 + 50) / 5 = 16,000.
"""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.alignment import current_alignment
from neighbourhood.alignment.population import SOURCE_LIST_SIZES, SOURCE_REGISTRATIONS
from neighbourhood.store import connect

AS_OF = dt.date(2024, 6, 30)
D = dt.date
ORGS = [
    ("Y1", "region", None, None),
    ("Q1", "icb", None, None),
    ("Q2", "icb", None, None),
    ("S1", "sub_icb", None, None),
    ("S2", "sub_icb", None, None),
    ("U1", "pcn", None, None),
    ("U2", "pcn", None, None),
    ("U9", "pcn", None, None),
    ("P1", "practice", "EX1 1AA", None),
    ("P2", "practice", "EX2 1AA", None),
    ("P9", "practice", "PL1 1AA", None),
    ("H1", "care_home", "EX1 1AB", None),
    ("H2", "care_home", "EX1 2AA", None),
    ("H3", "care_home", "EX2 1AB", None),
    ("H4", "care_home", "EX2 1AC", None),
    ("H5", "care_home", "EX2 1AD", D(2024, 1, 1)),
    ("H6", "care_home", "EX1 1AD", None),
    ("H9", "care_home", "PL1 1AB", None),
]
HOMES = [
    ("H1", 20, 50.00, -3.01),
    ("H2", 10, 50.05, -3.20),
    ("H3", 30, 50.00, -3.50),
    ("H4", 40, 50.20, -3.50),
    ("H5", 15, 50.21, -3.50),
    ("H6", 25, 50.01, -3.00),
    ("H9", 12, 50.40, -4.11),
]
START = D(2020, 1, 1)
MEMBERSHIPS = [
    ("S1", "Q1", "sub_icb_in_icb", START, None),
    ("S2", "Q2", "sub_icb_in_icb", START, None),
    ("U1", "S1", "pcn_in_sub_icb", START, None),
    ("U2", "S1", "pcn_in_sub_icb", START, None),
    ("U9", "S2", "pcn_in_sub_icb", START, None),
    ("P1", "U1", "practice_in_pcn", START, None),
    ("P2", "U2", "practice_in_pcn", START, None),
    ("P9", "U9", "practice_in_pcn", START, None),
    ("H1", "U1", "care_home_aligned_to_pcn", START, None),
    ("H2", "U1", "care_home_aligned_to_pcn", START, None),
    ("H2", "U2", "care_home_aligned_to_pcn", D(2024, 1, 1), None),
    ("H4", "U2", "care_home_aligned_to_pcn", START, None),
    ("H5", "U2", "care_home_aligned_to_pcn", START, None),
    ("H6", "U1", "care_home_aligned_to_pcn", START, D(2023, 12, 31)),
]
# patient, birth month, death, practice, registration start, end
PATIENTS = [
    ("a1", D(1959, 6, 1), None, "P1", START, None),
    ("a2", D(1959, 7, 1), None, "P1", START, None),
    ("a3", D(1930, 1, 1), None, "P1", START, None),
    ("a4", D(1940, 1, 1), D(2024, 5, 1), "P1", START, None),
    ("a5", D(1950, 1, 1), None, "P1", START, D(2024, 1, 1)),
    ("a6", D(1940, 1, 1), None, "P1", START, None),
    ("b1", D(1940, 1, 1), None, "P2", START, None),
    ("b2", D(1945, 1, 1), None, "P2", START, None),
    ("c1", D(1940, 1, 1), None, "P9", START, None),
]


def build(con) -> None:
    con.executemany(
        "INSERT INTO organisations (org_code, org_type, name, postcode, close_date)"
        " VALUES (?, ?, ?, ?, ?)",
        [(c, t, f"ORG {c}", p, close) for c, t, p, close in ORGS],
    )
    con.executemany(
        "INSERT INTO care_homes (org_code, beds, with_nursing, latitude, longitude)"
        " VALUES (?, ?, false, ?, ?)",
        HOMES,
    )
    con.executemany("INSERT INTO org_memberships VALUES (?, ?, ?, ?, ?)", MEMBERSHIPS)
    con.executemany(
        "INSERT INTO postcode_centroids (postcode, latitude, longitude) VALUES (?, ?, ?)",
        [("EX1 1AA", 50.00, -3.00), ("PL1 1AA", 50.40, -4.10)],
    )
    con.executemany(
        "INSERT INTO patients (patient_id, birth_month, sex, date_of_death)"
        " VALUES (?, ?, 'female', ?)",
        [(p[0], p[1], p[2]) for p in PATIENTS],
    )
    con.executemany(
        "INSERT INTO registrations VALUES (?, ?, ?, ?)",
        [(p[0], p[3], p[4], p[5]) for p in PATIENTS],
    )


@pytest.fixture
def store():
    con = connect(":memory:")
    build(con)
    yield con
    con.close()


def test_gaps_are_the_unaligned_and_double_aligned_homes(store):
    result = current_alignment(store, AS_OF, "Q1")
    assert {(g["gap"], g["home_code"]) for g in result.gaps} == {
        ("unaligned", "H3"),
        ("unaligned", "H6"),
        ("aligned_to_several_pcns", "H2"),
    }
    assert {h["home_code"] for h in result.homes} == {"H1", "H2", "H3", "H4", "H6"}
    everywhere = current_alignment(store, AS_OF)
    assert {h["home_code"] for h in everywhere.homes} == {"H1", "H2", "H3", "H4", "H6", "H9"}


def test_beds_per_1000_aged_65_plus_from_registrations(store):
    result = current_alignment(store, AS_OF, "Q1")
    assert result.population_source == SOURCE_REGISTRATIONS
    rows = {r["pcn_code"]: r for r in result.pcns}
    assert (rows["U1"]["beds"], rows["U1"]["patients_65_plus"]) == (30, 3)
    assert (rows["U2"]["beds"], rows["U2"]["patients_65_plus"]) == (50, 2)
    assert rows["U1"]["beds_per_1000_65_plus"] == pytest.approx(10_000)
    assert rows["U2"]["beds_per_1000_65_plus"] == pytest.approx(25_000)
    assert result.icb_beds_per_1000_65_plus == pytest.approx(16_000)
    assert rows["U2"]["ratio_to_icb"] == pytest.approx(25 / 16, abs=1e-3)


def test_age_bands_win_when_every_practice_has_them(store):
    """P1 quinary 'all': 65_69 100 + 70_74 50 + 95+ 10 = 160 (60_64 and the male row ignored);
    P2 only by sex: 65_69 40 + 60, 90_94 20 = 120 (an older 2023 extract is ignored)."""
    rows = [
        ("P1", D(2024, 4, 1), "all", "60_64", 999),
        ("P1", D(2024, 4, 1), "all", "65_69", 100),
        ("P1", D(2024, 4, 1), "all", "70_74", 50),
        ("P1", D(2024, 4, 1), "all", "95+", 10),
        ("P1", D(2024, 4, 1), "male", "65_69", 30),
        ("P2", D(2024, 4, 1), "male", "65_69", 40),
        ("P2", D(2024, 4, 1), "female", "65_69", 60),
        ("P2", D(2024, 4, 1), "female", "90_94", 20),
        ("P2", D(2023, 4, 1), "all", "65_69", 777),
    ]
    store.executemany("INSERT INTO practice_list_sizes VALUES (?, ?, ?, ?, ?)", rows)
    result = current_alignment(store, AS_OF, "Q1")
    assert result.population_source == SOURCE_LIST_SIZES
    assert {r["pcn_code"]: r["patients_65_plus"] for r in result.pcns} == {"U1": 160, "U2": 120}


def test_proposal_reports_how_each_practice_was_placed(store):
    from neighbourhood.alignment import propose_care_homes

    result = propose_care_homes(store, AS_OF, "Q1")
    levels = {p["practice_code"]: p["level"] for p in result.practice_locations}
    assert levels == {"P1": "postcode", "P2": "sector"}
    (p2,) = [p for p in result.practice_locations if p["practice_code"] == "P2"]
    assert (p2["latitude"], p2["longitude"]) == (pytest.approx(50.13667), pytest.approx(-3.50))
    assert result.summary()["practices_placed_approximately"] == 1
    assert set(result.solution.assignment) == {"H1", "H2", "H3", "H4", "H6"}
    assert result.solution.status == "optimal"


def test_cli_prints_gaps_and_the_proposal(tmp_path):
    import csv
    import io

    from typer.testing import CliRunner

    import neighbourhood.cli.commands.alignment  # noqa: F401  (registers the sub-app)
    from neighbourhood.cli import app

    db = tmp_path / "store.duckdb"
    con = connect(db)
    build(con)
    con.close()
    runner = CliRunner()
    base = ["--db", str(db), "alignment"]
    shown = runner.invoke(
        app, [*base, "care-homes", "--as-of", "2024-06-30", "--icb", "q1", "--format", "json"]
    )
    assert shown.exit_code == 0, shown.output
    assert '"unaligned"' in shown.output and '"H2"' in shown.output
    proposed = runner.invoke(
        app,
        [*base, "propose-care-homes", "--as-of", "2024-06-30", "--icb", "Q1", "--format", "csv"],
    )
    assert proposed.exit_code == 0, proposed.output
    summary = proposed.output.split("# pcns")[0].split("# summary\n")[1]
    (row,) = list(csv.DictReader(io.StringIO(summary)))
    assert row["status"] == "optimal" and row["mip_gap"] == "0.0"
    teams = runner.invoke(app, [*base, "teams", "--as-of", "2024-06-30", "--format", "csv"])
    assert teams.exit_code == 0, teams.output
