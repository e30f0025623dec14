"""A hand-checked footprint universe, inserted with SQL, shared by the footprints tests.

Region Y1 > ICB Q1 > sub-ICBs S1, S2;  Region Y1 > ICB Q2 > sub-ICB S3  (from 2022-07-01)

    PCN (sub-ICB)  members on 2024-06-30 (sub-ICB, list size 2024-01-01)  registered
    U1 Alpha (S1)  A1 (S1, 20,000)  A2 (S1, 15,000)                        35,000  clean
    U2 Beta  (S1)  B1 (S1, 60,000)  M1 (S1, 5,000)  T1 (S1, 1,000)         66,000  > 50k
    U3 Gamma (S1)  C1 (S2!, 20,000) C2 (S1, 20,000)                        40,000  C1 in S2
    U4 Delta (S1)  D1 closed 2024-03-31, membership never ended            0       closed member;
                                                                                   no open member
    U5 Eps   (S2)  E1 (S2, no list size)  E2 (S2, 10,000)                  empty   not assessed
    U6 Zeta  (S3)  Z1 (S3, 25,000)                                         25,000  < 30k
    U7 Eta   (S1)  H1 (S1, 35,000)  T1 (S1, 1,000)                         36,000  T1 in 2 PCNs
    U8 Theta       closed 2022-03-31                                       (not open)

    N1 (S2, 8,000)   open, in no PCN
    M1 moved:  U1 2019-07-01 .. 2023-03-31,  then U2 from 2023-04-01
    T1:        U7 from 2020-01-01, and U2 from 2024-06-01 (overlap: two PCNs from that day)
    W1 (S1):   in U3 2019-07-01 .. 2024-03-31, closed 2024-03-31 (ended cleanly)
    X1:        closed 2020-01-01, no membership;   P9: opens 2025-01-01
    A1 also has a 2023-01-01 total of 18,000, a male row (ignored) and a 2024-07-01 row of
    99,999 (after the date, ignored).
Every membership without an end date in the table above is open-ended.
"""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.store import connect

AS_OF = dt.date(2024, 6, 30)

ORGS = [
    # code, type, name, open, close
    ("Y1", "region", "REGION ONE", None, None),
    ("Q1", "icb", "ICB ONE", None, None),
    ("Q2", "icb", "ICB TWO", None, None),
    ("S1", "sub_icb", "SUB ICB ONE", None, None),
    ("S2", "sub_icb", "SUB ICB TWO", None, None),
    ("S3", "sub_icb", "SUB ICB THREE", None, None),
    *[
        (f"U{i}", "pcn", f"{name} PCN", "2019-07-01", None)
        for i, name in enumerate(
            ["ALPHA", "BETA", "GAMMA", "DELTA", "EPSILON", "ZETA", "ETA"], start=1
        )
    ],
    ("U8", "pcn", "THETA PCN", "2019-07-01", "2022-03-31"),
    *[
        (code, "practice", f"PRACTICE {code}", "1990-01-01", None)
        for code in ["A1", "A2", "B1", "C1", "C2", "E1", "E2", "Z1", "H1", "T1", "M1", "N1"]
    ],
    ("D1", "practice", "PRACTICE D1", "1990-01-01", "2024-03-31"),
    ("W1", "practice", "PRACTICE W1", "1990-01-01", "2024-03-31"),
    ("X1", "practice", "PRACTICE X1", "1990-01-01", "2020-01-01"),
    ("P9", "practice", "PRACTICE P9", "2025-01-01", None),
]

SUB_ICB_OF = {
    **dict.fromkeys(["A1", "A2", "B1", "C2", "D1", "H1", "T1", "M1", "W1"], "S1"),
    **dict.fromkeys(["C1", "E1", "E2", "N1"], "S2"),
    "Z1": "S3",
}

MEMBERSHIPS = [
    # child, parent, relationship, valid_from, valid_to
    ("Q1", "Y1", "icb_in_region", "2022-07-01", None),
    ("Q2", "Y1", "icb_in_region", "2022-07-01", None),
    ("S1", "Q1", "sub_icb_in_icb", "2022-07-01", None),
    ("S2", "Q1", "sub_icb_in_icb", "2022-07-01", None),
    ("S3", "Q2", "sub_icb_in_icb", "2022-07-01", None),
    *[
        (pcn, sub, "pcn_in_sub_icb", "2019-07-01", None)
        for pcn, sub in [
            ("U1", "S1"),
            ("U2", "S1"),
            ("U3", "S1"),
            ("U4", "S1"),
            ("U5", "S2"),
            ("U6", "S3"),
            ("U7", "S1"),
            ("U8", "S1"),
        ]
    ],
    *[(p, s, "practice_in_sub_icb", "2019-01-01", None) for p, s in SUB_ICB_OF.items()],
    *[
        (practice, pcn, "practice_in_pcn", "2019-07-01", None)
        for practice, pcn in [
            ("A1", "U1"),
            ("A2", "U1"),
            ("B1", "U2"),
            ("C1", "U3"),
            ("C2", "U3"),
            ("D1", "U4"),
            ("E1", "U5"),
            ("E2", "U5"),
            ("Z1", "U6"),
            ("H1", "U7"),
        ]
    ],
    ("M1", "U1", "practice_in_pcn", "2019-07-01", "2023-03-31"),
    ("M1", "U2", "practice_in_pcn", "2023-04-01", None),
    ("T1", "U7", "practice_in_pcn", "2020-01-01", None),
    ("T1", "U2", "practice_in_pcn", "2024-06-01", None),
    ("W1", "U3", "practice_in_pcn", "2019-07-01", "2024-03-31"),
]

LIST_SIZES_2024 = {
    "A1": 20_000,
    "A2": 15_000,
    "B1": 60_000,
    "M1": 5_000,
    "T1": 1_000,
    "C1": 20_000,
    "C2": 20_000,
    "E2": 10_000,
    "Z1": 25_000,
    "H1": 35_000,
    "N1": 8_000,
    "W1": 7_000,
    "D1": 4_000,
}


def build_universe(con) -> None:
    con.executemany(
        "INSERT INTO organisations (org_code, org_type, name, open_date, close_date)"
        " VALUES (?, ?, ?, ?, ?)",
        ORGS,
    )
    con.executemany(
        "INSERT INTO org_memberships (child_code, parent_code, relationship, valid_from, valid_to)"
        " VALUES (?, ?, ?, ?, ?)",
        MEMBERSHIPS,
    )
    sizes = [(p, "2024-01-01", "all", "ALL", n) for p, n in LIST_SIZES_2024.items()]
    sizes += [
        ("A1", "2023-01-01", "all", "ALL", 18_000),
        ("A1", "2024-01-01", "male", "ALL", 9_000),
        ("A1", "2024-07-01", "all", "ALL", 99_999),
    ]
    con.executemany(
        "INSERT INTO practice_list_sizes (practice_code, extract_date, sex, age_band, patients)"
        " VALUES (?, ?, ?, ?, ?)",
        sizes,
    )


@pytest.fixture
def universe():
    con = connect(":memory:")
    build_universe(con)
    yield con
    con.close()


def test_the_universe_holds_what_the_drawing_shows(universe):
    counts = dict(
        universe.execute("SELECT org_type, count(*) FROM organisations GROUP BY 1").fetchall()
    )
    assert counts == {"region": 1, "icb": 2, "sub_icb": 3, "pcn": 8, "practice": 16}
    (n,) = universe.execute(
        "SELECT count(*) FROM org_memberships WHERE relationship = 'practice_in_pcn'"
    ).fetchone()
    assert n == 15
