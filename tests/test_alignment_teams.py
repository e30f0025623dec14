"""Community team coterminosity on a hand fixture (as of 2024-06-30, window 2023-07-01..).

    practice P1 in PCN U1, P2 in PCN U2.
    T1 community nursing serves U1;  T2 community nursing serves U2;  T3 UCR serves U1.

    referrals (received)                      registered then     PCN
    T1  p1 2024-02-01                          P2                 (earlier: ignored)
    T1  p1 2024-05-01 (latest)                 P1 (moved 2024-04-01)  U1  aligned
    T1  p2 2024-03-01                          P2                 U2
    T1  p3 2024-03-02                          P2                 U2
    T1  p4 2024-03-03                          none               no PCN
    T1  p5 2023-06-30 (13 months: outside)     -
    T2  p2 2024-04-01                          P2                 U2  aligned
    T2  p6 2024-04-02                          P1                 U1

Before: T1 1 of 4 = 0.25 (1 with no PCN); T2 1 of 2 = 0.5; T3 no caseload.
Realignment (community nursing): U1 seen by T1 (p1) and T2 (p6), a tie -> T1 (lowest code);
U2 seen by T1 (p2, p3) twice, T2 (p2) once -> T1. T3 (UCR) sees nobody: keeps U1.
After: T1 serves U1, U2 -> 3 of 4 = 0.75; T2 serves none -> 0 of 2 = 0.0.
"""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.alignment import team_alignment
from neighbourhood.store import connect

D = dt.date
START = D(2020, 1, 1)


@pytest.fixture
def store():
    con = connect(":memory:")
    orgs = [
        ("U1", "pcn"),
        ("U2", "pcn"),
        ("P1", "practice"),
        ("P2", "practice"),
        ("R1", "provider"),
        ("T1", "community_team"),
        ("T2", "community_team"),
        ("T3", "community_team"),
    ]
    con.executemany(
        "INSERT INTO organisations (org_code, org_type, name) VALUES (?, ?, ?)",
        [(c, t, f"ORG {c}") for c, t in orgs],
    )
    con.executemany(
        "INSERT INTO community_teams VALUES (?, ?, 'R1')",
        [
            ("T1", "community_nursing"),
            ("T2", "community_nursing"),
            ("T3", "urgent_community_response"),
        ],
    )
    con.executemany(
        "INSERT INTO org_memberships VALUES (?, ?, ?, ?, NULL)",
        [
            ("P1", "U1", "practice_in_pcn", START),
            ("P2", "U2", "practice_in_pcn", START),
            ("T1", "U1", "team_serves_pcn", START),
            ("T2", "U2", "team_serves_pcn", START),
            ("T3", "U1", "team_serves_pcn", START),
        ],
    )
    patients = ["p1", "p2", "p3", "p4", "p5", "p6"]
    con.executemany(
        "INSERT INTO patients (patient_id, birth_month, sex) VALUES (?, ?, 'male')",
        [(p, D(1940, 1, 1)) for p in patients],
    )
    con.executemany(
        "INSERT INTO registrations VALUES (?, ?, ?, ?)",
        [
            ("p1", "P2", START, D(2024, 3, 31)),
            ("p1", "P1", D(2024, 4, 1), None),
            ("p2", "P2", START, None),
            ("p3", "P2", START, None),
            ("p5", "P1", START, None),
            ("p6", "P1", START, None),
        ],
    )
    referrals = [
        ("T1", "p1", "2024-02-01"),
        ("T1", "p1", "2024-05-01"),
        ("T1", "p2", "2024-03-01"),
        ("T1", "p3", "2024-03-02"),
        ("T1", "p4", "2024-03-03"),
        ("T1", "p5", "2023-06-30"),
        ("T2", "p2", "2024-04-01"),
        ("T2", "p6", "2024-04-02"),
    ]
    con.executemany(
        "INSERT INTO community_referrals VALUES (?, ?, ?, 'community_nursing', 'gp', ?, 'none')",
        [(f"r{i}", p, t, f"{day} 10:00:00") for i, (t, p, day) in enumerate(referrals)],
    )
    yield con
    con.close()


def test_coterminosity_before_and_after_realignment(store):
    result = team_alignment(store, D(2024, 6, 30))
    rows = {r["team_code"]: r for r in result.teams}
    got = {
        c: (r["caseload"], r["in_aligned_pcns"], r["no_pcn"], r["coterminosity"])
        for c, r in rows.items()
    }
    assert got == {"T1": (4, 1, 1, 0.25), "T2": (2, 1, 0, 0.5), "T3": (0, 0, 0, None)}
    after = {c: (r["proposed_pcn_codes"], r["coterminosity_after"]) for c, r in rows.items()}
    assert after == {"T1": ("U1;U2", 0.75), "T2": ("", 0.0), "T3": ("U1", None)}
    assert set((m["team_code"], m["pcn_code"], m["change"]) for m in result.proposed_moves) == {
        ("T1", "U2", "gains"),
        ("T2", "U2", "loses"),
    }
