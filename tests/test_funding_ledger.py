"""The guarantee ledger's arithmetic, each expected value worked out by hand in the comments.

Every ledger here is made up (`illustrative: true`): one region R with two ICBs, A (baseline
£600) and B (baseline £400); the region's own baseline is £1,000.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

from neighbourhood.funding import Settings, compute, read_ledger

HEAD = """\
title: test ledger (made up)
illustrative: true
sources:
  made-up: {title: made-up figures for a test, publisher: neighbourhood tests}
"""


def ledger(tmp_path, *, region_floors="", a_floors="", b_floors="", spend="", settings=""):
    """R (£1,000) with A (£600) and B (£400); floors and spend as YAML flow lines."""
    text = HEAD + textwrap.dedent(
        f"""\
        settings: {{{settings}}}
        regions:
          - code: R
            name: Region R
            baseline: {{amount_gbp: 1000, source: made-up}}
            floors: [{region_floors}]
            icbs:
              - code: A
                name: ICB A
                baseline: {{amount_gbp: 600, source: made-up}}
                floors: [{a_floors}]
              - code: B
                name: ICB B
                baseline: {{amount_gbp: 400, source: made-up}}
                floors: [{b_floors}]
        spend: [{spend}]
        """
    )
    path = tmp_path / "ledger.yaml"
    path.write_text(text, encoding="utf-8")
    return read_ledger(path)


def floor(year, **kind):
    (key, value), *_ = kind.items()
    return f"{{year: {year}, {key}: {value}, source: made-up}}"


def spent(icb, year, primary=None, community=None, other=None):
    lines = []
    for category, amount in (
        ("primary_medical", primary),
        ("community_health", community),
        ("other", other),
    ):
        if amount is not None:
            lines.append(
                f"{{organisation: {icb}, year: {year}, category: {category}, "
                f"amount_gbp: {amount}, source: made-up}}"
            )
    return ", ".join(lines)


# 2023/24, floors per ICB: A = 600 × (1 + 10%) = 660; B = 450 (absolute).
# Spend: A = 400 + 300 = 700 (+40); B = 250 + 180 = 430 (-20).
ICB_FLOORS = {
    "a_floors": floor("2023/24", growth_over_baseline_percent=10),
    "b_floors": floor("2023/24", amount_gbp=450),
}
A_OVER_B_UNDER = spent("A", "2023/24", 400, 300) + ", " + spent("B", "2023/24", 250, 180)


def test_each_icb_has_its_own_position(tmp_path):
    report = compute(ledger(tmp_path, **ICB_FLOORS, spend=A_OVER_B_UNDER))
    a, b = report.icb("A", "2023/24"), report.icb("B", "2023/24")
    assert (a.baseline, a.floor, a.actual, a.over_under, a.met) == (
        D(600),
        D(660),
        D(700),
        D(40),
        True,
    )
    assert a.over_under_percent == D("6.06")  # 40 / 660 = 6.0606...%
    assert (b.floor, b.actual, b.over_under, b.met) == (D(450), D(430), D(-20), False)
    assert b.over_under_percent == D("-4.44")  # -20 / 450 = -4.444...%
    assert a.floor_basis.startswith("2018/19 baseline £600 × (1 + 10%)")
    assert b.floor_basis.startswith("set at £450")


def test_with_offset_one_icbs_over_delivery_covers_the_other(tmp_path):
    report = compute(ledger(tmp_path, **ICB_FLOORS, spend=A_OVER_B_UNDER))
    r = report.region("R", "2023/24")
    # no floor of its own: the sum of its ICBs' floors, 660 + 450 = 1,110; spend 700 + 430 = 1,130
    assert (r.floor, r.actual, r.over_under) == (D(1110), D(1130), D(20))
    assert r.over_under_percent == D("1.80")  # 20 / 1,110 = 1.8018%
    assert r.floor_basis == "sum of ICB floors A £660 + B £450"
    # A's surplus 40 covers B's shortfall 20 in full
    assert (r.icb_surplus, r.icb_shortfall, r.offset_applied) == (D(40), D(20), D(20))
    assert r.offset_allowed and r.icbs_under == ("B",)
    assert r.met is True
    # B's own position is unchanged by the offset
    assert report.icb("B", "2023/24").met is False


def test_without_offset_the_region_fails_when_one_icb_is_under(tmp_path):
    book = ledger(tmp_path, **ICB_FLOORS, spend=A_OVER_B_UNDER)
    assert book.settings.offset_within_region is True  # on by default, as the notes describe
    r = compute(book, Settings(offset_within_region=False)).region("R", "2023/24")
    # the same sums (+20 net), but nothing may cover B's -20: the region has not met it
    assert (r.over_under, r.icb_shortfall, r.offset_applied) == (D(20), D(20), D(0))
    assert (r.offset_allowed, r.icbs_under, r.met) == (False, ("B",), False)


def test_the_offset_setting_can_come_from_the_file(tmp_path):
    book = ledger(
        tmp_path, **ICB_FLOORS, spend=A_OVER_B_UNDER, settings="offset_within_region: false"
    )
    assert compute(book).region("R", "2023/24").met is False


def test_offset_cannot_cover_more_than_the_surplus(tmp_path):
    # A spends 370 + 300 = 670 (+10 over 660); B 430 (-20 under 450)
    spend = spent("A", "2023/24", 370, 300) + ", " + spent("B", "2023/24", 250, 180)
    r = compute(ledger(tmp_path, **ICB_FLOORS, spend=spend)).region("R", "2023/24")
    # region 1,100 against 1,110: -10; only 10 of B's 20 is covered
    assert (r.over_under, r.icb_surplus, r.icb_shortfall) == (D(-10), D(10), D(20))
    assert (r.offset_applied, r.met) == (D(10), False)


def test_a_regional_floor_applies_to_the_sum_of_the_icbs(tmp_path):
    # 2020/21, floor set per region: 1,000 × (1 + 5%) = 1,050; ICBs have no floor of their own
    spend = spent("A", "2020/21", 350, 280) + ", " + spent("B", "2020/21", 240, 170)
    report = compute(
        ledger(
            tmp_path, region_floors=floor("2020/21", growth_over_baseline_percent=5), spend=spend
        )
    )
    r = report.region("R", "2020/21")
    # spend 630 + 410 = 1,040: 10 under (-0.95%: 10 / 1,050 = 0.952%)
    assert (r.floor, r.actual, r.over_under, r.over_under_percent) == (
        D(1050),
        D(1040),
        D(-10),
        D("-0.95"),
    )
    assert (r.icb_surplus, r.icb_shortfall, r.icbs_under, r.met) == (D(0), D(0), (), False)
    a = report.icb("A", "2020/21")
    assert (a.actual, a.floor, a.met) == (D(630), None, None)
    assert a.floor_basis == "no floor for A in 2020/21"


def compounding(tmp_path, **options):
    return ledger(
        tmp_path,
        region_floors=", ".join(
            [
                floor("2020/21", growth_over_baseline_percent=5),
                floor("2021/22", growth_over_previous_percent=4),
                floor("2022/23", growth_over_previous_percent=3),
            ]
        ),
        a_floors=floor("2023/24", growth_over_previous_percent=2),
        b_floors=floor("2023/24", growth_over_baseline_percent=12),
        spend=", ".join(
            [
                spent("A", "2020/21", 600, 0),
                spent("B", "2020/21", 460, 0),  # region 2020/21 spend 1,060
                spent("A", "2021/22", 600, 0),
                spent("B", "2021/22", 500, 0),
                spent("A", "2022/23", 600, 0),
                spent("B", "2022/23", 525, 0),
            ]
        ),
        **options,
    )


def test_growth_over_the_previous_year_compounds(tmp_path):
    report = compute(compounding(tmp_path))
    # 2020/21: 1,000 × 1.05 = 1,050
    # 2021/22: 1,050 × 1.04 = 1,092
    # 2022/23: 1,092 × 1.03 = 1,124.76 (not 1,000 × 1.12 = 1,120: growth is on growth)
    floors = [report.region("R", y).floor for y in ("2020/21", "2021/22", "2022/23")]
    assert floors == [D(1050), D(1092), D("1124.76")]
    assert report.region("R", "2022/23").floor_basis.startswith("2021/22 floor £1,092 × (1 + 3%)")
    # spend 600 + 525 = 1,125: 0.24 over 1,124.76
    assert report.region("R", "2022/23").over_under == D("0.24")
    # B 2023/24: 400 × (1 + 12%) = 448 over the baseline, not compounded
    assert report.icb("B", "2023/24").floor == D(448)


def test_growth_over_a_year_with_no_floor_is_missing_not_guessed(tmp_path):
    report = compute(compounding(tmp_path))
    a = report.icb("A", "2023/24")
    # A had no floor of its own in 2022/23 (the floor was the region's): nothing to grow from
    assert a.floor is None
    assert "2% growth over the 2022/23 floor, which is missing" in a.floor_basis
    # and so the region's 2023/24 floor (the sum of its ICBs') is missing too
    r = report.region("R", "2023/24")
    assert (r.floor, r.over_under, r.met) == (None, None, None)
    assert r.floor_basis == "no floor for R in 2023/24, nor for its ICB(s) A"


def test_growth_over_the_previous_year_from_the_baseline_year(tmp_path):
    # 2019/20 follows the 2018/19 baseline: 600 × (1 + 2%) = 612
    report = compute(ledger(tmp_path, a_floors=floor("2019/20", growth_over_previous_percent=2)))
    assert report.icb("A", "2019/20").floor == D(612)


def test_growth_over_previous_actual_spend_when_set(tmp_path):
    report = compute(compounding(tmp_path), Settings(growth_base="actual"))
    # 2021/22: 2020/21 spend (600 + 460 = 1,060) × 1.04 = 1,102.4
    assert report.region("R", "2021/22").floor == D("1102.4")
    # 2022/23: 2021/22 spend (600 + 500 = 1,100) × 1.03 = 1,133
    assert report.region("R", "2022/23").floor == D(1133)
    # A 2023/24: 2022/23 spend 600 × 1.02 = 612 (a floor of its own is no longer needed)
    assert report.icb("A", "2023/24").floor == D(612)


def test_floors_rounded_to_the_pound_when_set(tmp_path):
    report = compute(compounding(tmp_path, settings="floor_rounding: pound"))
    # 1,092 × 1.03 = 1,124.76, rounded half up to 1,125; spend 1,125: exactly met
    r = report.region("R", "2022/23")
    assert (r.floor, r.over_under, r.met) == (D(1125), D(0), True)


def test_missing_spend_is_reported_not_counted_as_zero(tmp_path):
    # 2023/24: A spends 700; B has no spend line at all
    report = compute(ledger(tmp_path, **ICB_FLOORS, spend=spent("A", "2023/24", 400, 300)))
    b = report.icb("B", "2023/24")
    assert (b.actual, b.over_under, b.over_under_percent, b.met) == (None, None, None, None)
    assert b.actual_basis == (
        "missing: no primary_medical or community_health spend line for 2023/24"
    )
    r = report.region("R", "2023/24")
    # were B's spend taken as 0, the region would be 700 - 1,110 = -410: it is unknown instead
    assert (r.actual, r.over_under, r.offset_applied, r.met) == (None, None, None, None)
    assert r.actual_basis.startswith("missing: spend missing for B (missing: no primary_medical")


def test_a_missing_category_makes_the_year_missing_unless_set_otherwise(tmp_path):
    spend = spent("A", "2023/24", 400, 300) + ", " + spent("B", "2023/24", primary=250)
    strict = compute(ledger(tmp_path, **ICB_FLOORS, spend=spend)).icb("B", "2023/24")
    assert strict.actual is None
    assert strict.actual_basis == "missing: no community_health spend line for 2023/24"
    lenient = compute(
        ledger(tmp_path, **ICB_FLOORS, spend=spend), Settings(require_each_category=False)
    ).icb("B", "2023/24")
    # only primary medical counted: 250 against 450, -200
    assert (lenient.actual, lenient.over_under) == (D(250), D(-200))
    assert lenient.actual_basis.endswith("no community_health line, counted as nothing")


def test_lines_add_up_other_spend_is_kept_apart_and_adjustments_subtract(tmp_path):
    spend = ", ".join(
        [
            spent("A", "2023/24", 400, 300),
            spent("A", "2023/24", primary=-15, other=90),  # a -15 correction; 90 on other
            spent("B", "2023/24", 250, 180),
        ]
    )
    a = compute(ledger(tmp_path, **ICB_FLOORS, spend=spend)).icb("A", "2023/24")
    # 400 - 15 + 300 = 685; the 90 of other spend does not count
    assert (a.actual, a.other_spend, a.over_under) == (D(685), D(90), D(25))
    assert a.actual_basis == "primary_medical £385 + community_health £300 (3 lines)"


def test_counted_categories_is_a_setting(tmp_path):
    spend = spent("A", "2023/24", 400, 300, other=90) + ", " + spent("B", "2023/24", 250, 180)
    settings = Settings(counted_categories=("primary_medical", "community_health", "other"))
    a = compute(ledger(tmp_path, **ICB_FLOORS, spend=spend), settings).icb("A", "2023/24")
    assert (a.actual, a.other_spend) == (D(790), D(0))  # 400 + 300 + 90


def test_records_are_flat_rows_with_exact_pounds(tmp_path):
    report = compute(ledger(tmp_path, **ICB_FLOORS, spend=A_OVER_B_UNDER))
    rows = report.records()
    assert [(r["level"], r["organisation"]) for r in rows] == [
        ("icb", "A"),
        ("icb", "B"),
        ("region", "R"),
    ]
    assert rows[0]["floor"] == "660" and rows[0]["year"] == "2023/24"
    assert rows[2]["offset_applied"] == "20" and rows[2]["met"] is True
    assert all(r["illustrative"] is True for r in rows)
    assert report.years == (report.icb("A", "2023/24").year,)


def test_a_zero_floor_has_no_percentage(tmp_path):
    spend = spent("A", "2023/24", 1, 0) + ", " + spent("B", "2023/24", 0, 0)
    report = compute(ledger(tmp_path, a_floors=floor("2023/24", amount_gbp=0), spend=spend))
    a = report.icb("A", "2023/24")
    assert (a.over_under, a.over_under_percent, a.met) == (D(1), None, True)
