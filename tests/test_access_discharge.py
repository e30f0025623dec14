"""Discharge measures on hand-built hospital spells, every figure worked out by hand.

  spell patient born     admitted   ready (DRD) discharged pathway
  s1    p1      1950-01  2025-02-20 2025-02-27  2025-03-03 1   delay 4 (Feb 27, 28, Mar 1, 2)
  s2    p2      1940-06  2025-03-01 2025-03-05  2025-03-05 0   left on the DRD: delay 0
  s3    p3      1990-01  2025-03-02 (blank)     2025-03-04 0   no DRD
  s4    p4      1960-04  2025-03-10 2025-03-12  2025-03-20 2   delay 8 (Mar 12-19); 64 on
                                                                discharge (65 on 2025-04-01)
  s5    p5      1960-03  2025-03-25 2025-03-28  (in)       -   counted Mar 28-31
  s6    p6      1930-01  2025-03-30 2025-03-31  2025-04-02 3   counted Mar 31, Apr 1
  s7    p7      1960-03  2025-03-01 2025-03-01  2025-03-01 1   65 on the day of discharge

Not meeting the criteria to reside at the end of each March day: Mar 1-2: 1 (s1); Mar 3-11:
0; Mar 12-19: 1 (s4); Mar 20-27: 0; Mar 28-30: 1 (s5); Mar 31: 2 (s5, s6). Bed-days lost in
March: 2 + 8 + 3 + 2 = 15.
"""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.access import discharge as dis
from neighbourhood.store import connect

D = dt.date.fromisoformat
SPELLS = [
    ("s1", "p1", "1950-01-01", "2025-02-20", "2025-02-27", "2025-03-03", 1),
    ("s2", "p2", "1940-06-01", "2025-03-01", "2025-03-05", "2025-03-05", 0),
    ("s3", "p3", "1990-01-01", "2025-03-02", None, "2025-03-04", 0),
    ("s4", "p4", "1960-04-01", "2025-03-10", "2025-03-12", "2025-03-20", 2),
    ("s5", "p5", "1960-03-01", "2025-03-25", "2025-03-28", None, None),
    ("s6", "p6", "1930-01-01", "2025-03-30", "2025-03-31", "2025-04-02", 3),
    ("s7", "p7", "1960-03-01", "2025-03-01", "2025-03-01", "2025-03-01", 1),
]


def build(path=":memory:"):
    con = connect(path)
    for spell, patient, born, admitted, ready, left, pathway in SPELLS:
        con.execute(
            "INSERT INTO patients (patient_id, birth_month, sex) VALUES (?, ?, 'female')",
            [patient, D(born)],
        )
        con.execute(
            """INSERT INTO hospital_spells (spell_id, patient_id, admission_date,
                 admission_method, discharge_ready_date, discharge_date, discharge_pathway)
               VALUES (?, ?, ?, 'emergency', ?, ?, ?)""",
            [spell, patient, D(admitted), ready and D(ready), left and D(left), pathway],
        )
    return con


@pytest.fixture
def con():
    c = build()
    yield c
    c.close()


def test_latest_month(con):
    assert dis.discharge_month(con) == "2025-04"  # s6
    assert dis.discharge_month(con, dt.date(2025, 3, 31)) == "2025-03"
    assert dis.discharge_month(con, dt.date(2025, 2, 1)) is None


def test_delay_summary(con):
    """March discharges s1, s2, s3, s4, s7: 5; with a DRD 4 (s3 has none); on the DRD s2, s7;
    delayed s1, s4. Delays 4, 0, 8, 0: mean 3.0, median 2.0, 90th centile (continuous)
    4 + 0.7 x (8 - 4) = 6.8; 12 delay days."""
    row = dis.delay_summary(con, "2025-03")
    assert row == {
        "month": "2025-03",
        "discharges": 5,
        "with_ready_date": 4,
        "without_ready_date": 1,
        "discharged_on_ready_date": 2,
        "delayed": 2,
        "mean_delay_days": 3.0,
        "median_delay_days": 2.0,
        "p90_delay_days": 6.8,
        "delay_days_of_these_discharges": 12,
        "bed_days_lost_in_month": 15,
        "days_covered": 31,
    }


def test_daily_count_and_rolling_average(con):
    days = {r["day"]: r for r in dis.daily_not_meeting_criteria(con, "2025-03")}
    assert len(days) == 31
    counts = [days[D(f"2025-03-{d:02d}")]["patients"] for d in range(1, 32)]
    assert counts == [1, 1] + [0] * 9 + [1] * 8 + [0] * 8 + [1, 1, 1, 2]
    # Mar 1: Feb 23-26 0, Feb 27 1, Feb 28 1, Mar 1 1 -> 3 / 7 = 0.43
    assert days[D("2025-03-01")]["rolling_7_day_average"] == 0.43
    # Mar 7: Mar 1-7 = 1, 1, 0, 0, 0, 0, 0 -> 2 / 7 = 0.29
    assert days[D("2025-03-07")]["rolling_7_day_average"] == 0.29
    assert days[D("2025-03-18")]["rolling_7_day_average"] == 1.0  # Mar 12-18 all 1
    # Mar 31: Mar 25-31 = 0, 0, 0, 1, 1, 1, 2 -> 5 / 7 = 0.71
    assert days[D("2025-03-31")]["rolling_7_day_average"] == 0.71


def test_rolling_average_waits_for_seven_known_days(con):
    """February: the spells begin on 2025-02-20, so days start there and the average needs
    Feb 20-26 before it shows; Feb 28: Feb 22-28 = 0, 0, 0, 0, 0, 1, 1 -> 0.29."""
    rows = dis.daily_not_meeting_criteria(con, "2025-02")
    assert rows[0]["day"] == D("2025-02-20") and len(rows) == 9
    assert [r["rolling_7_day_average"] for r in rows[:6]] == [None] * 6
    assert rows[6]["rolling_7_day_average"] == 0.0  # Feb 20-26
    assert rows[-1]["rolling_7_day_average"] == 0.29
    # April: the data end on 2025-04-02 (s6's discharge): 2 days, Apr 1 counts s5 and s6
    april = dis.daily_not_meeting_criteria(con, "2025-04")
    assert [(r["day"], r["patients"]) for r in april] == [
        (D("2025-04-01"), 2),
        (D("2025-04-02"), 1),
    ]


def test_pathway_mix(con):
    """March, with a pathway: s1 P1 (75), s2 P0 (84), s3 P0 (35), s4 P2 (64), s7 P1 (65 on
    the day). Aged 65+: P0 1, P1 2 -> 33.3%, 66.7%, 0, 0; P0 below its >=50%. All ages: 2, 2,
    1, 0 of 5 -> 40, 40, 20, 0."""
    rows = dis.pathway_mix(con, "2025-03")
    got = [(r["pathway"], r["aged_65_plus"], r["share_65_plus_percent"], r["expected_percent"],
            r["within_expected"], r["all_ages"], r["share_all_percent"]) for r in rows]  # fmt: skip
    assert got == [
        (0, 1, 33.3, ">=50", False, 2, 40.0),
        (1, 2, 66.7, ">=45", True, 2, 40.0),
        (2, 0, 0.0, "<=4", True, 1, 20.0),
        (3, 0, 0.0, "<=1", True, 0, 0.0),
    ]
    # no discharges: no shares and no verdict
    empty = dis.pathway_mix(con, "2024-01")
    assert {r["share_65_plus_percent"] for r in empty} == {None}
    assert {r["within_expected"] for r in empty} == {None}


def test_bad_month(con):
    with pytest.raises(ValueError):
        dis.delay_summary(con, "2025-3")


def test_headlines(con):
    rows = dis.discharge_headlines(con, dt.date(2025, 3, 31))
    assert [(r["figure"], r["value"]) for r in rows] == [
        ("mean days from discharge-ready to discharge, 2025-03", 3.0),
        ("bed-days lost past the discharge-ready date, 2025-03", 15),
    ]
