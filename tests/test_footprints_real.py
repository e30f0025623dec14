"""The footprint of all England from the real shipped ODS files, against the raw files.

Expected values are pandas counts over the raw published files, read here directly.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from neighbourhood.footprints import check, history, members, pcns
from neighbourhood.reference import load_reference
from neighbourhood.sources import data_file
from neighbourhood.store import connect

AS_OF = dt.date(2024, 10, 1)  # the date of the shipped ePCN release
DAY = AS_OF.strftime("%Y%m%d")


@pytest.fixture(scope="module")
def england():
    con = connect(":memory:")
    load_reference(con, now=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))
    yield con
    con.close()


def raw_open_practices() -> set[str]:
    raw = pd.read_csv(data_file("epraccur", "epraccur.csv"), header=None, dtype=str).fillna("")
    gp = raw[(raw[25] == "4") & (raw[2] != "W00")]  # GP practices in England
    is_open = (gp[10] <= DAY) & ((gp[11] == "") | (gp[11] >= DAY))
    # closed (C) without a close date cannot be placed in time: the loader quarantines them
    return set(gp[is_open & ~((gp[12] == "C") & (gp[11] == ""))][0])


def test_members_are_the_open_practices_of_the_raw_file(england):
    rows = members(england, AS_OF)
    assert {r["practice_code"] for r in rows} == raw_open_practices()


def test_members_sit_in_the_pcn_the_raw_partner_file_gives(england):
    partners = pd.read_csv(data_file("epcn", "ePCN_CorePartnerDetails.csv"), dtype=str).fillna("")
    start = partners["Practice to PCN Relationship Start Date"]
    end = partners["Practice to PCN Relationship End Date"]
    holding = partners[(start <= DAY) & ((end == "") | (end >= DAY))]
    # a practice in two PCNs on the day (the raw file has one: H84031) shows both, sorted
    expected = (
        holding.groupby("Partner Organisation Code")["PCN Code"]
        .agg(lambda codes: ";".join(sorted(set(codes))))
        .to_dict()
    )
    found = {r["practice_code"]: r["pcn_code"] for r in members(england, AS_OF) if r["pcn_code"]}
    assert found == {p: c for p, c in expected.items() if p in found or p in raw_open_practices()}


def test_pcns_are_the_open_pcns_of_the_raw_file(england):
    raw = pd.read_csv(data_file("epcn", "ePCN_PCNDetails.csv"), dtype=str).fillna("")
    is_open = (raw["Open Date"] <= DAY) & ((raw["Close Date"] == "") | (raw["Close Date"] >= DAY))
    rows = pcns(england, AS_OF)
    assert {r["pcn_code"] for r in rows} == set(raw[is_open]["PCN Code"])
    assert {
        "pcn_code",
        "pcn_name",
        "sub_icb_code",
        "practices",
        "registered_patients",
        "flags",
    } <= (set(rows[0]))


def test_checks_run_on_all_england_and_say_what_they_could_not_assess(england):
    result = check(england, AS_OF)
    rules = {r["rule_id"]: r["findings"] for r in result.rule_rows()}
    assert set(rules) >= {"pcn_list_size", "practice_in_no_pcn", "practice_in_two_pcns"}
    # list sizes are from January 2021: practices opened since have none, and say so
    assert rules["practice_without_list_size"] > 0
    assert rules["practice_in_two_pcns"] >= 1  # H84031, see above
    assert any(n["rule_id"] == "pcn_list_size" for n in result.not_assessed_rows())


def test_history_of_a_practice_that_moved_pcn(england):
    moves = [r for r in history(england, "A82018") if r.get("relationship") == "practice_in_pcn"]
    assert [(r["parent_code"], str(r["valid_from"]), str(r["valid_to"])) for r in moves] == [
        ("U66688", "2019-10-01", "2024-03-31"),
        ("U92223", "2024-04-01", "None"),
    ]
