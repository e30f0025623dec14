"""A hand-drawn universe for the UCR tests, written straight into an in-memory store.

    England
    ├── region Y1 ── ICB QA ── sub-ICB 0A ── PCN U1 ── practices P1 (10,000), P2 (10,000)
    └── region Y2 ── ICB QB ── sub-ICB 0B ── PCN U2 ── practice  P3 (30,000)

    provider R1 runs team T1 (serves U1) and team T2 (serves U2)
    provider R2 runs team T3 (serves U2)

Populations: T1 20,000; T2 30,000; T3 30,000; R1 50,000; R2 30,000; QA/Y1 20,000; QB/Y2
30,000; England 50,000.
"""

from __future__ import annotations

import datetime as dt

from neighbourhood.store import connect

ORGS = [
    ("Y1", "region"), ("Y2", "region"), ("QA", "icb"), ("QB", "icb"), ("0A", "sub_icb"),
    ("0B", "sub_icb"), ("U1", "pcn"), ("U2", "pcn"), ("P1", "practice"), ("P2", "practice"),
    ("P3", "practice"), ("R1", "provider"), ("R2", "provider"), ("T1", "community_team"),
    ("T2", "community_team"), ("T3", "community_team"),
]  # fmt: skip
LINKS = [
    ("QA", "Y1", "icb_in_region"), ("QB", "Y2", "icb_in_region"),
    ("0A", "QA", "sub_icb_in_icb"), ("0B", "QB", "sub_icb_in_icb"),
    ("U1", "0A", "pcn_in_sub_icb"), ("U2", "0B", "pcn_in_sub_icb"),
    ("P1", "U1", "practice_in_pcn"), ("P2", "U1", "practice_in_pcn"),
    ("P3", "U2", "practice_in_pcn"),
    ("T1", "U1", "team_serves_pcn"), ("T2", "U2", "team_serves_pcn"),
    ("T3", "U2", "team_serves_pcn"),
    ("T1", "R1", "team_run_by_provider"), ("T2", "R1", "team_run_by_provider"),
    ("T3", "R2", "team_run_by_provider"),
]  # fmt: skip
SIZES = {"P1": 10_000, "P2": 10_000, "P3": 30_000}
TEAMS = {"T1": "R1", "T2": "R1", "T3": "R2"}


def universe():
    con = connect(":memory:")
    for code, kind in ORGS:
        con.execute("INSERT INTO organisations VALUES (?, ?, ?, NULL, NULL, NULL)",
                    [code, kind, f"Org {code}"])  # fmt: skip
    for child, parent, rel in LINKS:
        con.execute(
            "INSERT INTO org_memberships VALUES (?, ?, ?, DATE '2020-01-01', NULL)",
            [child, parent, rel],
        )
    for team, provider in TEAMS.items():
        con.execute(
            "INSERT INTO community_teams VALUES (?, 'urgent_community_response', ?)",
            [team, provider],
        )
    for practice, n in SIZES.items():
        con.execute(
            "INSERT INTO practice_list_sizes VALUES (?, DATE '2024-01-01', 'all', 'ALL', ?)",
            [practice, n],
        )
    con.execute(
        "INSERT INTO patients (patient_id, birth_month, sex) VALUES "
        "('PAT1', DATE '1950-01-01', 'female'), ('PAT2', DATE '2007-06-01', 'male')"
    )
    return con


def utc(text: str) -> dt.datetime:
    """'2024-03-31T00:30+00:00' -> naive UTC datetime, as the store holds instants."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).replace(tzinfo=None)


def referral(con, rid, received, *, team="T1", clock="2_hour", source="gp",
             service="urgent_community_response", patient="PAT1"):  # fmt: skip
    con.execute(
        "INSERT INTO community_referrals VALUES (?, ?, ?, ?, ?, ?, ?)",
        [rid, patient, team, service, source, utc(received), clock],
    )


def contact(con, rid, at, outcome="attended", mechanism=None, cid=None):
    cid = cid or f"{rid}-{at}-{outcome}"
    con.execute(
        "INSERT INTO care_contacts VALUES (?, ?, ?, ?, ?)",
        [cid, rid, utc(at), outcome, mechanism],
    )


def supplied(con, rid, started, ended=None, kind="ucr_2_hour"):
    con.execute(
        "INSERT INTO response_clocks VALUES (?, ?, ?, ?)",
        [rid, kind, utc(started), utc(ended) if ended else None],
    )
