"""Local waiting lists from `waiting_list_snapshots` on a hand-built store, each figure worked
out by hand below.

Provider RA9 (a real code, so its published figures can be set beside it), two month-ends:

  Podiatry and podiatric surgery, adult
    2025-08-31: 0-1 10, >1-2 8, >4-12 30, >18-52 12                 total 60
    2025-09-30: 0-1 10, >1-2 10, >2-4 15, >4-12 25, >18-52 10, >52-104 2   total 72
  Community paediatric service, CYP
    2025-08-31: 0-1 2, >18-52 20, >52-104 4                         total 26
    2025-09-30: 0-1 2, >18-52 20, >52-104 6, >104 2                 total 30

Provider XYZ (not in the workbook), one month-end 2025-09-30: Audiology, adult, 0-1 3.
"""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.access import waits
from neighbourhood.store import connect

AUG, SEP = dt.date(2025, 8, 31), dt.date(2025, 9, 30)
POD, PAED = "Podiatry and podiatric surgery", "Community paediatric service"
SNAPSHOTS = [
    ("RA9", AUG, POD, "adult", {"0-1": 10, ">1-2": 8, ">4-12": 30, ">18-52": 12}),
    ("RA9", SEP, POD, "adult",
     {"0-1": 10, ">1-2": 10, ">2-4": 15, ">4-12": 25, ">18-52": 10, ">52-104": 2}),
    ("RA9", AUG, PAED, "cyp", {"0-1": 2, ">18-52": 20, ">52-104": 4}),
    ("RA9", SEP, PAED, "cyp", {"0-1": 2, ">18-52": 20, ">52-104": 6, ">104": 2}),
    ("XYZ", SEP, "Audiology", "adult", {"0-1": 3}),
]  # fmt: skip


def build(path=":memory:"):
    con = connect(path)
    for provider, day, line, age, bands in SNAPSHOTS:
        for band, n in bands.items():
            con.execute(
                "INSERT INTO waiting_list_snapshots VALUES (?, ?, ?, ?, ?, ?)",
                [provider, day, line, age, band, n],
            )
    return con


@pytest.fixture
def con():
    c = build()
    yield c
    c.close()


def test_latest_snapshot_in_bands(con):
    rows = {(r["provider_code"], r["service_line"]): r for r in waits.latest_snapshot(con)}
    pod = rows["RA9", POD]
    assert pod["snapshot_date"] == SEP and pod["total"] == 72
    assert [pod[b] for b in ("0-1", ">1-2", ">2-4", ">4-12", ">12-18", ">18-52", ">52-104")] == [
        10, 10, 15, 25, None, 10, 2
    ]  # fmt: skip
    assert pod[">104"] is None  # no row for the band: None, not 0
    assert rows["XYZ", "Audiology"]["total"] == 3
    assert len(waits.latest_snapshot(con, provider="XYZ")) == 1


def test_trend(con):
    rows = [r for r in waits.trend(con, provider="RA9")]
    got = [(r["age_group"], r["snapshot_date"], r["total"], r["over_18_weeks"],
            r["over_52_weeks"], r["change"]) for r in rows]  # fmt: skip
    assert got == [
        ("adult", AUG, 60, 12, 0, None),  # over 18: >18-52 12
        ("adult", SEP, 72, 12, 2, 12),  # over 18: 10 + 2; change 72 - 60
        ("cyp", AUG, 26, 24, 4, None),  # over 18: 20 + 4
        ("cyp", SEP, 30, 28, 8, 4),  # over 18: 20 + 6 + 2; over 52: 6 + 2
    ]


def test_children_over_52_weeks(con):
    (row,) = waits.cyp_over_52_weeks(con, provider="RA9")
    # 6 (>52-104) + 2 (>104) of 30: 26.7%
    assert (row["service_line"], row["total"], row["over_52_weeks"]) == (PAED, 30, 8)
    assert row["over_52_weeks_percent"] == 26.7
    assert waits.cyp_over_52_weeks(con, provider="XYZ") == []


def test_queue_measures_default_target(con):
    """52 weeks for 99%: factor -ln(0.01) = 4.60517.

    Podiatry: demand 10 a week (0-1 weeks); removed = 60 + 10 x 4.3 - 72 = 31 in the month,
    capacity 31 / 4.3 = 7.2093 a week; load 10 / 7.2093 = 1.387; mean wait 72 / 10 = 7.2
    weeks; target queue 10 x 52 / 4.60517 = 112.92; 72 > 2 x 112.92? no; pressure
    2 x 7.2 / 52 = 0.277.
    Paediatrics: demand 2; removed 26 + 8.6 - 30 = 4.6, capacity 1.0698; load 1.870; mean
    wait 15; target queue 2 x 52 / 4.60517 = 22.58; 30 > 45.17? no; pressure 30 / 52 = 0.577.
    XYZ has one snapshot: no capacity."""
    rows = {r["service_line"]: r for r in waits.queue_measures(con)}
    pod = rows[POD]
    assert (pod["queue"], pod["demand_per_week"], pod["capacity_per_week"]) == (72, 10, 7.21)
    assert (pod["load"], pod["mean_wait_weeks"], pod["target_queue"]) == (1.387, 7.2, 112.92)
    assert (pod["relief_needed"], pod["relief_capacity_per_week"], pod["pressure"]) == (
        False, None, 0.277
    )  # fmt: skip
    paed = rows[PAED]
    assert (paed["capacity_per_week"], paed["load"], paed["mean_wait_weeks"]) == (1.07, 1.87, 15)
    assert (paed["target_queue"], paed["relief_needed"], paed["pressure"]) == (22.58, False, 0.577)
    xyz = rows["Audiology"]
    assert xyz["capacity_per_week"] is None and xyz["load"] is None
    assert xyz["mean_wait_weeks"] == 1.0  # 3 waiting / 3 a week


def test_queue_measures_18_weeks_92_percent_with_relief(con):
    """18 weeks for 92%: factor -ln(0.08) = 2.525729. Paediatrics: target queue
    2 x 18 / 2.525729 = 14.2533; 30 > 28.51, so relief is needed: over 10 weeks
    2 + (30 - 14.2533) / 10 = 3.5747 a week."""
    target = waits.QueueTarget(weeks=18, achievement=0.92, relief_weeks=10)
    rows = {r["service_line"]: r for r in waits.queue_measures(con, provider="RA9", target=target)}
    paed = rows[PAED]
    assert (paed["target_queue"], paed["relief_needed"]) == (14.25, True)
    assert paed["relief_capacity_per_week"] == 3.57
    with pytest.raises(ValueError):
        waits.QueueTarget(weeks=0)
    with pytest.raises(ValueError):
        waits.QueueTarget(achievement=1)


def test_local_beside_published(con):
    """Published, October 2025 (Tables 4, 4g, 4h, read by hand): RA9 adult podiatry total 947,
    none over 52 weeks; RA9 CYP community paediatrics 358, over 52 weeks 5 + 0; Devon ICB
    (QJK) paediatrics 3,184, over 52 weeks 172 + 2 = 174; podiatry 2,759, 0."""
    rows = {
        (r["service_line"], r["age_group"]): r
        for r in waits.local_vs_published(con, provider="RA9")
    }
    paed = rows[PAED, "cyp"]
    assert (paed["local_snapshot"], paed["local_total"], paed["local_over_52_weeks"]) == (
        SEP,
        30,
        8,
    )
    assert (paed["published_month"], paed["published_total"], paed["published_over_52_weeks"]) == (
        "2025-10", 358, 5
    )  # fmt: skip
    assert (paed["icb_code"], paed["icb_published_total"], paed["icb_published_over_52_weeks"]) == (
        "QJK", 3184, 174
    )  # fmt: skip
    pod = rows[POD, "adult"]
    assert (pod["local_total"], pod["published_total"], pod["icb_published_total"]) == (
        72,
        947,
        2759,
    )
    # a published line with no local rows shows None locally
    assert rows["Audiology", "adult"]["local_total"] is None
    # a provider not in the workbook: local figures only
    (xyz,) = waits.local_vs_published(con, provider="XYZ")
    assert (xyz["local_total"], xyz["published_total"], xyz["icb_code"]) == (3, None, None)


def test_headlines(con):
    rows = waits.waiting_list_headlines(con, dt.date(2025, 9, 30))
    # 72 + 30 + 3 on 2025-09-30; CYP over 52 weeks 8
    assert [r["value"] for r in rows] == [105, 8]
    # on 2025-09-15 the latest snapshot is 2025-08-31: 60 + 26; CYP over 52: 4
    assert [r["value"] for r in waits.waiting_list_headlines(con, dt.date(2025, 9, 15))] == [86, 4]
    assert waits.waiting_list_headlines(con, dt.date(2025, 1, 1)) == []
