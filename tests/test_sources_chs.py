"""The CHS waiting times workbook reader, checked against figures read off the workbook by
hand (MANIFEST section 12 and the sheets themselves)."""

from __future__ import annotations

import hashlib

import pytest

from neighbourhood.sources import chs_waiting_times as chs
from neighbourhood.sources.paths import data_file

# Table 3, England row, October 2025 (as printed in the workbook)
ENGLAND_BANDS = {
    "0-1": 118434,
    ">1-2": 99209,
    ">2-4": 160792,
    ">4-12": 350450,
    ">12-18": 140513,
    ">18-52": 198916,
    ">52-104": 60285,
    ">104": 26017,
}


def test_shipped_workbook_is_the_published_file():
    digest = hashlib.sha256(data_file("nhs_waiting_times.xlsx").read_bytes()).hexdigest()
    assert digest == "3519042cc3dc01eae501deac57ba16d90454fa68d7ecc1ce11c38b61ce5a70a3"


def test_national_bands_add_up_to_table_3():
    national = chs.national_waiting_by_band()
    totals = national.groupby("weeks_waited_band")["patients"].sum()
    assert set(totals.index) == set(ENGLAND_BANDS)
    for band, expected in ENGLAND_BANDS.items():
        # Table 3 also counts lines published only nationally, so service lines sum a little lower
        assert totals[band] == pytest.approx(expected, rel=0.01), band
        assert totals[band] <= expected


def test_cells_read_by_hand():
    table = chs.read_waiting_by_band()

    def cell(code, line, age_group, band):
        rows = table[
            (table["org_code"] == code)
            & (table["service_line"] == line)
            & (table["age_group"] == age_group)
            & (table["weeks_waited_band"] == band)
        ]
        assert len(rows) == 1
        return int(rows["patients"].iloc[0])

    assert cell("", "Community nursing services", "adult", "0-1") == 10760  # Table 4a England
    assert cell("RH8", "Community nursing services", "adult", "0-1") == 225  # Table 4a RH8
    assert cell("QJK", "Musculoskeletal service", "adult", "0-1") == 1390  # Table 4a Devon ICB


def test_blank_cells_are_left_out_and_age_groups_come_from_the_prefix():
    table = chs.read_waiting_by_band()
    rk9 = table[(table["org_code"] == "RK9") & (table["weeks_waited_band"] == "0-1")]
    # Table 4a RK9 has no figure for adult community nursing (blank): no row, not a zero
    assert "Community nursing services" not in set(rk9[rk9["age_group"] == "adult"]["service_line"])
    assert set(table["age_group"]) == {"adult", "cyp"}
    assert not table["service_line"].str.startswith("(").any()


def test_total_table_and_names():
    totals = chs.read_total_waiting()
    england = totals[(totals["org_type"] == "National")]
    assert england[england["service_line"] == "Community nursing services"]["patients"].sum() == (
        27077
    )  # Table 4 England, (A) Community nursing services (MANIFEST section 12)
    names = chs.organisation_names()
    assert names["RA9"] == "TORBAY AND SOUTH DEVON NHS FOUNDATION TRUST"
