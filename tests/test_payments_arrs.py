"""The Additional Roles Reimbursement Scheme: entitlement, claims, caps and the sum, with every
expected figure worked by hand from the ARRS files."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from neighbourhood.payments import (
    IncompleteEntitlementWarning,
    Months,
    StaffClaim,
    arrs_claims,
    arrs_entitlement,
    read_arrs,
)

D = Decimal
ARRS = Path(__file__).resolve().parents[1] / "src/neighbourhood/payments/arrs"


def quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        return arrs_claims(*args, **kwargs)


def test_the_entitlement_is_a_rate_per_weighted_patient():
    report = arrs_entitlement("2024-25", 52000)
    # main sum: £22.894 x 52,000 weighted patients (1 January 2024) = £1,190,488.00
    assert report.line("arrs_main").amount == D("1190488.00")
    assert report.line("arrs_main").inputs["basis date"] == "2024-01-01"
    # ring-fenced GP sum for 1 Oct 2024 - 31 Mar 2025: £1.303 x 52,000 = £67,756.00
    assert report.line("arrs_gp").amount == D("67756.00")
    # 2023/24: £22.671 x 52,000 = £1,178,892.00
    assert arrs_entitlement("2023-24", 52000).line("arrs_main").amount == D("1178892.00")


def test_an_entitlement_not_found_is_incomplete():
    with pytest.warns(IncompleteEntitlementWarning, match="arrs_main: incomplete"):
        report = arrs_entitlement("2021-22", 52000)
    assert report.line("arrs_main").amount is None
    assert "rate NOT FOUND" in report.line("arrs_main").reasons[0]


def test_2019_20_pharmacist_at_70_percent():
    claims = [
        # in post July 2019 - March 2020, 1 WTE, £45,000 claimed: £5,000 a month
        StaffClaim("p1", "clinical_pharmacist", 1, 45000, Months(9, date(2019, 7, 1))),
        # the same months, 1 WTE, £36,000 claimed: £4,000 a month
        StaffClaim("p2", "clinical_pharmacist", 1, 36000, Months(9, date(2019, 7, 1))),
    ]
    report = arrs_claims("2019-20", claims)
    high, low = report.claims
    # p1: min(70% x £5,000 = £3,500, £37,810 / 12 = £3,150.8333) = £3,150.8333 a month
    #     x 9 months = £28,357.50 (the maximum binds)
    assert high.reimbursable == D("28357.50")
    assert high.formula == (
        "Jul 2019 to Mar 2020: 9 × min(70% × £5,000.00, £37,810 ÷ 12 × 1 WTE) = £28,357.50"
    )
    # p2: min(70% x £4,000 = £2,800, £3,150.83) = £2,800 a month x 9 = £25,200.00 (70% binds)
    assert low.reimbursable == D("25200.00")
    # no combined sum in 2019/20: everything reimbursable is paid, nothing to compare against
    main = report.pots["main"]
    assert main.paid == D("53557.50") and main.unspent is None and main.overspend is None
    assert "no entitlement to check the claims against" in main.notes[0]
    assert report.total_claimed == D("81000")


def test_a_part_year_claim_crossing_the_1_october_2024_uplift():
    claim = StaffClaim("p3", "clinical_pharmacist", "0.8", 46000, Months(9, date(2024, 7, 1)))
    report = arrs_claims("2024-25", [claim], weighted_population=52000)
    (line,) = report.claims
    # £46,000 over 9 months = £5,111.11 a month
    # Jul-Sep (3 months, before the uplift): min(£5,111.11, £62,340 / 12 x 0.8 = £4,156.00)
    #   = £4,156.00 x 3 = £12,468.00
    # Oct-Mar (6 months, after): min(£5,111.11, £65,838 / 12 x 0.8 = £4,389.20)
    #   = £4,389.20 x 6 = £26,335.20
    # total: 12,468.00 + 26,335.20 = £38,803.20
    assert line.reimbursable == D("38803.20")
    assert line.formula == (
        "Jul 2024 to Sep 2024: 3 × min(100% × £5,111.11, £62,340 ÷ 12 × 0.8 WTE) + "
        "Oct 2024 to Mar 2025: 6 × min(100% × £5,111.11, £65,838 ÷ 12 × 0.8 WTE) = £38,803.20"
    )
    main = report.pots["main"]
    # entitlement £22.894 x 52,000 = £1,190,488.00; unspent 1,190,488.00 - 38,803.20
    assert main.paid == D("38803.20") and main.unspent == D("1151684.80")
    assert main.overspend == D("0.00")


def test_inner_london_uses_its_own_maximum():
    claim = StaffClaim(
        "p4", "pharmacy_technician", 1, 30000, Months(6, date(2024, 10, 1)), "inner_london"
    )
    (line,) = arrs_claims("2024-25", [claim], weighted_population=52000).claims
    # £30,000 over 6 months = £5,000 a month; inner London max £51,176 / 12 = £4,264.6667
    #   x 6 = £25,588.00
    assert line.reimbursable == D("25588.00")


def test_claims_above_the_entitlement_are_not_reimbursed():
    claims = [
        StaffClaim(f"p{n}", "clinical_pharmacist", 1, 70000, Months(6, date(2024, 10, 1)))
        for n in range(3)
    ]
    report = arrs_claims("2024-25", claims, weighted_population=3000)
    # each: £70,000 / 6 = £11,666.67 a month, max £65,838 / 12 = £5,486.50 a month
    #   -> £5,486.50 x 6 = £32,919.00; three staff: £98,757.00 reimbursable
    # entitlement: £22.894 x 3,000 = £68,682.00 -> paid £68,682.00, overspend £30,075.00
    main = report.pots["main"]
    assert main.reimbursable == D("98757.00")
    assert main.entitlement == D("68682.00")
    assert main.paid == D("68682.00") and main.overspend == D("30075.00")
    assert main.unspent == D("0.00")
    # the GP sum is separate: £1.303 x 3,000 = £3,909.00, all unspent
    assert report.pots["gp"].unspent == D("3909.00")
    assert report.total_reimbursable == D("68682.00")
    assert report.overspend == D("30075.00")


def test_a_gp_is_reimbursed_from_october_2024_from_the_ring_fenced_sum():
    claim = StaffClaim("g1", "gp", 1, 100000, Months(12))
    report = arrs_claims("2024-25", [claim], weighted_population=52000)
    (line,) = report.claims
    # April-September: £0 (GPs reimbursable from 1 October 2024); £100,000 / 12 = £8,333.33 a
    # month; October-March: min(£8,333.33, £92,462 / 12 = £7,705.1667) x 6 = £46,231.00
    assert line.reimbursable == D("46231.00") and line.pot == "gp"
    assert "£0 for 6 month(s) (Apr 2024 to Sep 2024)" in line.notes[0]
    # GP sum £1.303 x 52,000 = £67,756.00: paid £46,231.00, unspent £21,525.00
    assert report.pots["gp"].paid == D("46231.00") and report.pots["gp"].unspent == D("21525.00")
    assert report.pots["main"].paid == D("0")


def test_a_cap_breach_is_reported_with_its_rule():
    aps = [StaffClaim(f"ap{n}", "advanced_practitioner", 1, 60000) for n in range(4)]
    report = quietly("2023-24", aps, weighted_population=52000, registered_patients=60000)
    (breach,) = report.breaches
    # list 60,000 (99,999 or fewer): at most 3 WTE; 4 WTE in post in every month
    assert breach.cap == "advanced_practitioner_small" and breach.max_wte == 3
    assert breach.wte_in_post == 4 and len(breach.months) == 12
    assert breach.rule.startswith("Up to three advanced practitioners (WTE)")
    assert "ncltraininghub.org" in breach.citations[0].source.url
    # the 2023/24 maximum for advanced practitioners was not found: the amounts are incomplete
    assert all(c.reimbursable is None for c in report.claims)
    assert report.total_reimbursable is None and not report.complete
    # a PCN of 100,000 or more may have 6: no breach
    assert quietly("2023-24", aps, registered_patients=120000).breaches == ()


def test_a_cap_needs_the_list_size():
    aps = [StaffClaim(f"ap{n}", "advanced_practitioner", 1, 60000) for n in range(4)]
    report = quietly("2023-24", aps, weighted_population=52000)
    assert report.breaches == ()
    assert any("cap advanced_practitioner_small not checked" in n for n in report.notes)


def test_wte_above_a_cap_is_not_reimbursed(tmp_path):
    # A fixture file: the 2024/25 file with a cap of 1 WTE on clinical pharmacists added.
    # The cap is invented for this arithmetic only; it is not a rule of the scheme.
    text = (
        (ARRS / "2024-25.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "caps:\n",
            "caps:\n  - id: test_only_pharmacist_cap\n    roles: [clinical_pharmacist]\n"
            "    max_wte: 1\n    rule: A cap invented for the test.\n"
            '    cite: [{source: wessex, quote: "fixture, not a rule"}]\n',
            1,
        )
    )
    (tmp_path / "2024-25.yaml").write_text(text, encoding="utf-8")
    arrs = read_arrs(tmp_path / "2024-25.yaml")
    claims = [
        StaffClaim("a", "clinical_pharmacist", 1, 30000, Months(6, date(2024, 10, 1))),
        StaffClaim("b", "clinical_pharmacist", "0.5", 12000, Months(6, date(2024, 10, 1))),
    ]
    report = arrs_claims("2024-25", claims, weighted_population=52000, arrs=arrs)
    (breach,) = report.breaches
    assert breach.wte_in_post == D("1.5") and len(breach.months) == 6
    # a: min(£5,000, £65,838 / 12 x 1 = £5,486.50) = £5,000 a month x 1/1.5 = £3,333.33
    #    x 6 = £20,000.00
    # b: min(£2,000, £65,838 / 12 x 0.5 = £2,743.25) = £2,000 a month x 1/1.5 = £1,333.33
    #    x 6 = £8,000.00
    a, b = report.claims
    assert a.reimbursable == D("20000.00") and b.reimbursable == D("8000.00")
    assert "× 1/1.5 WTE (cap test_only_pharmacist_cap)" in a.formula


def test_a_maximum_not_found_makes_the_claim_incomplete_with_a_warning():
    claim = StaffClaim("s1", "social_prescribing_link_worker", 1, 36000)
    with pytest.warns(
        IncompleteEntitlementWarning, match="s1 \\(social_prescribing_link_worker\\)"
    ):
        report = arrs_claims("2024-25", [claim], weighted_population=52000)
    (line,) = report.claims
    assert line.reimbursable is None
    # April-September is known (£40,159 carried from 1 July 2023); October-March is not
    assert line.reasons == (
        "maximum for Social prescribing link worker (england) NOT FOUND for Oct 2024 to Mar 2025",
    )
    assert report.pots["main"].paid is None and report.total_reimbursable is None
    assert report.roles["social_prescribing_link_worker"].reimbursable is None


def test_a_role_not_in_the_scheme_that_year_is_not_reimbursed():
    report = arrs_claims(
        "2019-20", [StaffClaim("x", "paramedic", 1, 40000, Months(9, date(2019, 7, 1)))]
    )
    (line,) = report.claims
    assert line.reimbursable == D("0") and line.pot is None
    assert line.formula == "£0: paramedic is not a reimbursable role in 2019-20"
    with pytest.raises(ValueError, match="role 'nurse' not in"):
        StaffClaim("y", "nurse", 1, 1)
    with pytest.raises(ValueError, match="wte must be over 0 and at most 1"):
        StaffClaim("y", "paramedic", "1.2", 1)
    with pytest.raises(ValueError, match="claimed twice"):
        arrs_claims("2024-25", [StaffClaim("y", "gp", 1, 1), StaffClaim("y", "gp", 1, 1)])


def test_nursing_associates_from_1_october_2020():
    claim = StaffClaim("n1", "nursing_associate", 1, 24000)
    report = quietly("2020-21", [claim], weighted_population=52000)
    (line,) = report.claims
    # £24,000 / 12 = £2,000 a month; October-March: min(£2,000, £29,135 / 12 = £2,427.92)
    #   = £2,000 x 6 = £12,000.00; April-September £0 (not yet in the scheme)
    assert line.reimbursable == D("12000.00")
    # entitlement 2020/21: £7.131 x 52,000 = £370,812.00
    assert report.pots["main"].entitlement == D("370812.00")
