"""The published NHS England community waiting times workbook (October 2025) as a tidy table
with parents, and its totals check, on the real shipped file."""

from __future__ import annotations

import csv
from collections import Counter

import openpyxl
import pytest

from neighbourhood.access import waits_published as wp
from neighbourhood.sources.paths import data_file


def test_tidy_table_shape():
    waits = wp.published_waits()
    assert list(waits.columns) == wp.TIDY_COLUMNS
    assert set(waits["month"]) == {"2025-10"}  # Table 4 title: "..., October 2025"
    assert set(waits["weeks_waited_band"]) == set(wp.BANDS)
    assert set(waits["age_group"]) == {"adult", "cyp"}
    # 1 England, 7 regions, 40 ICBs with figures (QOX and QHG rows are blank), 139 providers
    counts = waits.groupby("level")["org_code"].nunique().to_dict()
    assert counts == {"england": 1, "region": 7, "icb": 40, "provider": 139}
    totals = wp.published_totals()
    assert set(totals["weeks_waited_band"]) == {"total"}


def _independent_cell(sheet: str, code: str, column: str):
    book = openpyxl.load_workbook(data_file("nhs_waiting_times.xlsx"), read_only=True)
    ws = book[sheet]
    ws.reset_dimensions()
    rows = list(ws.iter_rows(values_only=True))
    book.close()
    j = rows[4].index(column)
    (value,) = [r[j] for r in rows[5:] if len(r) > 1 and r[1] == code]
    return value


@pytest.mark.parametrize(
    ("sheet", "band", "code", "level", "line", "age", "column"),
    [
        ("Table 4g", ">52-104", "RA9", "provider", "Community paediatric service", "cyp",
         "(CYP) Community paediatric service"),
        ("Table 4g", ">52-104", "QJK", "icb", "Community paediatric service", "cyp",
         "(CYP) Community paediatric service"),
        ("Table 4a", "0-1", "RH8", "provider", "Community nursing services", "adult",
         "(A) Community nursing services"),
    ],
)  # fmt: skip
def test_cells_match_an_independent_read(sheet, band, code, level, line, age, column):
    waits = wp.published_waits()
    row = waits[
        (waits["org_code"] == code)
        & (waits["service_line"] == line)
        & (waits["age_group"] == age)
        & (waits["weeks_waited_band"] == band)
    ]
    assert row["level"].tolist() == [level]
    assert row["patients"].tolist() == [_independent_cell(sheet, code, column)]


def test_parents_worked_out_from_the_figures():
    parents = wp.published_parents()
    icb = parents["icb"]
    # Devon's providers (Torbay and South Devon, Royal Devon, University Hospitals Plymouth)
    assert icb["RA9"] == icb["RH8"] == icb["RK9"] == "QJK"
    assert icb["R1H"] == "QMF"  # Barts Health: North East London
    # Allied Health Professionals Suffolk reports zero everywhere: it fits under any ICB
    assert icb["NEC"] is None
    assert sum(v is None for v in icb.values()) == 1
    waits = wp.published_waits()
    ra9 = waits[waits["org_code"] == "RA9"]
    assert set(ra9["icb_code"]) == {"QJK"} and set(ra9["region_code"]) == {"Y58"}


def test_icb_regions_agree_with_epraccur():
    """An independent source: each ICB's NHS England region in epraccur (columns 4 and 3)."""
    seen: dict[str, Counter] = {}
    with open(data_file("epraccur", "epraccur.csv"), newline="", encoding="latin-1") as f:
        for row in csv.reader(f):
            seen.setdefault(row[3], Counter())[row[2]] += 1
    regions = wp.published_parents()["region"]
    assert len(regions) == 40
    for icb, region in regions.items():
        assert seen[icb].most_common(1)[0][0] == region, icb


def test_totals_check_on_the_real_workbook():
    check = wp.check_published_totals()
    assert check.failures == []
    rows = {(r["check"], r["scope"]): r for r in check.rows}
    # England 1,154,678 (Table 3) against 1,152,650 summed over providers (and over ICBs and
    # regions): 2,028 = 10 adult safeguarding + 1,993 looked after children + 25 CYP
    # safeguarding, the lines published only nationally.
    for level in ("region", "icb", "provider"):
        row = rows[(f"Table 3 England = sum of {level} rows", "total")]
        assert (row["published"], row["summed"], row["difference"]) == (1154678, 1152650, 2028)
    # Their bands are hidden on their own rows but counted in England's: 0-1 weeks 118,434 vs
    # 118,261 over the lines; the hidden bands add back up to their totals.
    row = rows[("Table 3 England = sum of its service lines", "0-1")]
    assert (row["published"], row["summed"]) == (118434, 118261)
    hidden = [r for r in check.rows if "national-only lines" in r["check"]]
    assert [(r["published"], r["difference"]) for r in hidden] == [(2028, 0), (10, 0), (2018, 0)]
    # Below England every cell adds up exactly.
    for child, parent in (("icb", "region"), ("provider", "icb")):
        (row,) = [
            r for r in check.rows if r["check"] == f"every {parent} cell = sum of its {child} cells"
        ]
        assert row["difference"] == 0 and row["scope"].endswith(", 0 differ")
    # Totals 62 above the sum of their bands, all from six providers' lines (Table 3 note:
    # some providers were still collecting data by weeks waiting).
    (row,) = [r for r in check.rows if r["check"].startswith("provider totals = sum")]
    assert row["difference"] == 62
    assert row["scope"] == "RBN, RK9, RM3, RR7, RW4, RYW"
    (row,) = [r for r in check.rows if r["check"].startswith("england totals = sum")]
    assert (row["published"], row["summed"]) == (1152650, 1152588)
    (row,) = [r for r in check.rows if r["check"].startswith("providers placed")]
    assert (row["scope"], row["difference"]) == ("NEC", 1)
