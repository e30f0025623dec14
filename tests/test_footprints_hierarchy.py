"""members / pcns / history on the hand-checked universe (drawn in test_footprints_universe.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from neighbourhood.footprints import history, members, pcns
from test_footprints_universe import AS_OF, universe  # noqa: F401  (fixture)

OPEN_ON_AS_OF = {"A1", "A2", "B1", "C1", "C2", "E1", "E2", "H1", "M1", "N1", "T1", "Z1"}


def by_code(rows, key):
    return {r[key]: r for r in rows}


def test_members_one_row_per_open_practice_with_its_pcn(universe):  # noqa: F811
    rows = members(universe, AS_OF)
    assert [r["practice_code"] for r in rows] == sorted(OPEN_ON_AS_OF)
    assert {"practice_code", "practice_name", "pcn_code", "pcn_name", "sub_icb_code"} <= set(
        rows[0]
    )
    got = by_code(rows, "practice_code")
    assert (got["A1"]["pcn_code"], got["A1"]["pcn_name"], got["A1"]["sub_icb_code"]) == (
        "U1",
        "ALPHA PCN",
        "S1",
    )
    assert got["N1"]["pcn_code"] is None  # in no PCN
    assert got["T1"]["pcn_code"] == "U2;U7"  # two PCNs on the date: both shown
    assert got["C1"]["sub_icb_code"] == "S2"
    assert (got["A1"]["list_size"], got["A1"]["list_size_date"]) == (20_000, dt.date(2024, 1, 1))


@pytest.mark.parametrize(
    ("day", "pcn"),
    [
        (dt.date(2019, 6, 30), None),  # the day before M1's first membership
        (dt.date(2019, 7, 1), "U1"),  # first day in U1
        (dt.date(2023, 3, 31), "U1"),  # last day in U1
        (dt.date(2023, 4, 1), "U2"),  # first day in U2
    ],
)
def test_a_moving_practice_on_the_boundaries(universe, day, pcn):  # noqa: F811
    assert by_code(members(universe, day), "practice_code")["M1"]["pcn_code"] == pcn


def test_history_of_a_practice_that_moved(universe):  # noqa: F811
    rows = [
        (r["relationship"], r["parent_code"], r["valid_from"], r["valid_to"])
        for r in history(universe, "M1")
    ]
    assert rows == [
        ("practice_in_sub_icb", "S1", dt.date(2019, 1, 1), None),
        ("practice_in_pcn", "U1", dt.date(2019, 7, 1), dt.date(2023, 3, 31)),
        ("practice_in_pcn", "U2", dt.date(2023, 4, 1), None),
    ]
    assert history(universe, "NOPE") == []


def test_pcns_columns_and_registered_patients(universe):  # noqa: F811
    rows = pcns(universe, AS_OF)
    assert [r["pcn_code"] for r in rows] == ["U1", "U2", "U3", "U4", "U5", "U6", "U7"]  # U8 closed
    assert {
        "pcn_code",
        "pcn_name",
        "sub_icb_code",
        "practices",
        "registered_patients",
        "flags",
    } <= set(rows[0])
    got = {r["pcn_code"]: (r["practices"], r["registered_patients"], r["flags"]) for r in rows}
    assert got == {
        "U1": (2, 35_000, ""),
        "U2": (3, 66_000, "pcn_list_size;practice_in_two_pcns"),
        "U3": (2, 40_000, "pcn_member_in_other_sub_icb"),
        "U4": (0, 0, "closed_practice_still_member;pcn_without_open_member"),
        "U5": (2, None, "practice_without_list_size"),  # E1 has no list size: not guessed
        "U6": (1, 25_000, "pcn_list_size"),
        "U7": (2, 36_000, "practice_in_two_pcns"),
    }
    u1 = by_code(rows, "pcn_code")["U1"]
    assert (u1["sub_icb_code"], u1["icb_code"], u1["region_code"]) == ("S1", "Q1", "Y1")
    assert u1["list_size_dates"] == "2024-01-01"


def test_registered_patients_use_the_latest_extract_on_or_before_the_date(universe):  # noqa: F811
    # On 2023-06-30 only A1 has a total (18,000 from 2023-01-01): U1 is incomplete.
    u1 = by_code(pcns(universe, dt.date(2023, 6, 30)), "pcn_code")["U1"]
    assert (u1["registered_patients"], u1["practices_without_list_size"]) == (None, 1)
    assert u1["list_size_dates"] == "2023-01-01"
    a1 = by_code(members(universe, dt.date(2023, 6, 30)), "practice_code")["A1"]
    assert a1["list_size"] == 18_000


def test_icb_filter(universe):  # noqa: F811
    assert [r["practice_code"] for r in members(universe, AS_OF, icb="Q2")] == ["Z1"]
    assert [r["pcn_code"] for r in pcns(universe, AS_OF, icb="Q2")] == ["U6"]
    q1 = {r["practice_code"] for r in members(universe, AS_OF, icb="Q1")}
    assert q1 == OPEN_ON_AS_OF - {"Z1"}
