"""The Care Home Premium per aligned care home, worked by hand from the rates files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from neighbourhood.payments import CareHome, IncompleteEntitlementWarning, Months, care_home_premium

D = Decimal


def test_2024_25_premium_after_the_backdated_uplift():
    report = care_home_premium("2024-25", CareHome("1-101", "U00001", beds=40, coded_residents=31))
    line = report.line("care_home_premium", "1-101")
    # £127.20 a bed a year (uplift backdated to 1 April 2024) x 40 beds x 12/12 = £5,088.00
    assert line.amount == D("5088.00")
    assert line.inputs["PCN"] == "U00001" and line.inputs["beds (CQC)"] == 40
    assert line.inputs["qualifying codes"] == "160734000, 394923006, 248171000000108"
    assert any("doncasterlmc.co.uk" in s for s in line.sources)
    assert any("£4,800.00" in w for w in line.warnings)  # the March 2024 figure, replaced


def test_2024_25_premium_as_first_published():
    report = care_home_premium(
        "2024-25",
        CareHome("1-101", "U00001", beds=40, coded_residents=31),
        as_published=date(2024, 4, 30),
    )
    # £120 a bed a year (£10 a month) x 40 beds = £4,800.00
    assert report.line("care_home_premium").amount == D("4800.00")


def test_a_home_with_no_coded_resident_gets_nothing_and_says_why():
    report = care_home_premium(
        "2024-25",
        [
            CareHome("1-101", "U00001", beds=40, coded_residents=31),
            CareHome("1-202", "U00001", beds=25, coded_residents=0),
        ],
    )
    line = report.line("care_home_premium", "1-202")
    assert line.amount == D("0.00") and not line.incomplete
    assert line.formula.startswith(
        "£0: no resident coded 160734000, 394923006, 248171000000108; the premium is paid only "
        "where residents are coded with them"
    )
    # the total is the first home only: £5,088.00
    assert report.complete and report.total == D("5088.00")


def test_part_year_alignment_is_pro_rata():
    home = CareHome(
        "1-303", "U00001", beds=30, coded_residents=5, months=Months(5, date(2024, 11, 1))
    )
    # £127.20 x 30 beds x 5/12 (November to March) = £1,590.00
    assert care_home_premium("2024-25", home).line("care_home_premium").amount == D("1590.00")


def test_2020_21_premium_covers_august_to_march_only():
    home = CareHome("1-404", "U00002", beds=16, coded_residents=12)
    report = care_home_premium("2020-21", home)
    line = report.line("care_home_premium")
    # £60 a bed for 1 August 2020 - 31 March 2021 (8 of 8 months) x 16 beds = £960.00
    assert line.amount == D("960.00")
    assert any("sources disagree" in w for w in line.warnings)  # Lentells' £120 from October
    assert any(
        "coding condition on the premium in 2020-21 was not found" in w for w in line.warnings
    )
    # aligned only from 1 December 2020: 4 of the 8 months: £60 x 16 x 4/8 = £480.00
    late = CareHome(
        "1-404", "U00002", beds=16, coded_residents=12, months=Months(4, date(2020, 12, 1))
    )
    assert care_home_premium("2020-21", late).line("care_home_premium").amount == D("480.00")


def test_an_unknown_coding_condition_and_no_coded_resident_is_incomplete():
    home = CareHome("1-505", "U00003", beds=20, coded_residents=0)
    with pytest.warns(IncompleteEntitlementWarning, match="1-505 care_home_premium: incomplete"):
        report = care_home_premium("2022-23", home)
    line = report.line("care_home_premium")
    assert line.amount is None
    assert "whether the home is owed £0 cannot be told" in line.reasons[0]


def test_no_premium_before_2020_21_and_bad_homes():
    assert care_home_premium("2019-20", CareHome("1-1", "U1", 10, 3)).lines == ()
    with pytest.raises(ValueError, match="beds must be a whole number"):
        CareHome("1-1", "U1", beds=-2, coded_residents=0)
    with pytest.raises(ValueError, match="given twice"):
        care_home_premium("2024-25", [CareHome("1-1", "U1", 1, 1), CareHome("1-1", "U1", 1, 1)])
