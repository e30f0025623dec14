"""Network Contract DES per-head entitlements, with every expected figure worked by hand from
the rates files (the arithmetic is in the comments)."""

from __future__ import annotations

import warnings
from datetime import date
from decimal import Decimal

import pytest

from neighbourhood.payments import (
    IncompleteEntitlementWarning,
    Months,
    PcnInputs,
    PracticeInputs,
    entitlements,
)

D = Decimal


def pcn(**overrides) -> PcnInputs:
    """A PCN of two practices: 24,000 + 16,000 = 40,000 registered patients."""
    values = dict(
        code="U00001",
        weighted_population=42000,
        adjusted_population=41000,
        practices=(
            PracticeInputs("A81001", 24000, weighted_population=25500),
            PracticeInputs("A81002", 16000, weighted_population=16500),
        ),
    )
    values.update(overrides)
    return PcnInputs(**values)


def quietly(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteEntitlementWarning)
        return entitlements(*args, **kwargs)


def test_the_registered_list_defaults_to_the_sum_of_the_practices():
    assert pcn().registered_patients == 40000
    assert pcn(registered_patients=39000).registered_patients == 39000


def test_2019_20_every_entitlement_by_hand():
    report = entitlements("2019-20", pcn())
    # core: £0.125 a month x 40,000 x 12 months = £60,000.00
    assert report.line("core_pcn_funding").amount == D("60000.00")
    # clinical director: £0.51430 x 40,000 for 1 Jul 2019 - 31 Mar 2020 (9 of 9 months)
    #   = £20,572.00
    assert report.line("clinical_director").amount == D("20572.00")
    # extended hours: £1.45 a year x 40,000 x 9/12 (from 1 July 2019) = £43,500.00
    assert report.line("extended_hours").amount == D("43500.00")
    # network participation, paid to each practice: £0.147 a month x weighted x 12
    #   A81001: 0.147 x 25,500 x 12 = £44,982.00; A81002: 0.147 x 16,500 x 12 = £29,106.00
    assert report.line("network_participation", "A81001").amount == D("44982.00")
    assert report.line("network_participation", "A81002").amount == D("29106.00")
    assert report.line("network_participation", "A81001").paid_to == "practice"
    # total: 60,000 + 20,572 + 43,500 + 44,982 + 29,106 = £198,160.00
    assert report.complete and report.total == D("198160.00")


def test_a_line_shows_its_formula_inputs_and_sources():
    line = entitlements("2019-20", pcn()).line("clinical_director")
    assert line.formula == (
        "£0.5143 × 40,000 registered patients × 9/9 months of 01 Jul 2019 to 31 Mar 2020"
    )
    assert line.inputs["registered patients"] == 40000 and line.inputs["months"] == 12
    assert line.statuses == ("primary",)
    assert any("parallelparliament.co.uk/question/257552" in s for s in line.sources)


def test_2024_25_core_payment_as_first_published_is_the_two_part_formula():
    report = entitlements("2024-25", pcn(), as_published=date(2024, 6, 30))
    core = report.line("core_pcn_funding")
    # £2.218 x 40,000 registered + £0.698 x 41,000 adjusted = 88,720 + 28,618 = £117,338.00
    assert core.amount == D("117338.00")
    assert core.formula == (
        "£2.218 × 40,000 registered patients × 12/12 of a year + "
        "£0.698 × 41,000 adjusted population × 12/12 of a year"
    )
    assert core.inputs["basis date"] == "2024-01-01"
    assert any("replaced by" in w for w in core.warnings)
    # enhanced access as first published: £7.674 x 41,000 = £314,634.00
    assert report.line("enhanced_access").amount == D("314634.00")


def test_2024_25_uplifted_core_payment_is_incomplete_with_a_warning_not_a_number():
    with pytest.warns(IncompleteEntitlementWarning, match="core_pcn_funding: incomplete"):
        report = entitlements("2024-25", pcn())
    core = report.line("core_pcn_funding")
    assert core.amount is None and core.incomplete
    assert "rate NOT FOUND" in core.reasons[0] and "£2.967" in core.reasons[0]
    # the superseded March figure is shown, labelled, never used as the amount
    assert any("that revision gives £117,338.00" in w for w in core.warnings)
    # the backdated uplift applies from 1 April 2024: £7.975 x 41,000 = £326,975.00
    assert report.line("enhanced_access").amount == D("326975.00")
    assert not report.complete
    assert report.total == sum(x.amount for x in report.lines if x.amount is not None)
    assert "core_pcn_funding" not in {x.entitlement for x in report.lines if x.amount}


def test_a_rate_not_found_gives_an_incomplete_line_and_a_visible_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = entitlements("2022-23", pcn())
    shown = [str(w.message) for w in caught if w.category is IncompleteEntitlementWarning]
    assert [m.split(":")[0] for m in shown] == [
        "2022-23 U00001 clinical_director",
        "2022-23 U00001 capacity_access_support",
    ]
    line = report.line("clinical_director")
    assert line.amount is None
    assert line.reasons == (
        "per registered patient: rate NOT FOUND (No source with the 2022/23 clinical director "
        "rate was found (2021/22 was £0.722, 2023/24 £0.729 per registered patient).)",
    )
    assert any("clinical_director" in w for w in report.warnings)


def test_2022_23_extended_hours_split_by_half_year():
    report = quietly("2022-23", pcn())
    # £0.720 x 40,000 (Apr-Sep) + £3.764 x 40,000 (Oct-Mar) = 28,800 + 150,560 = £179,360.00
    assert report.line("extended_hours").amount == D("179360.00")
    # a PCN participating from 1 October only gets the second half: £150,560.00
    late = quietly("2022-23", pcn(months=Months(6, date(2022, 10, 1))))
    assert late.line("extended_hours").amount == D("150560.00")
    # leadership and management: £0.699 x 41,000 x 6/12 = £14,329.50
    assert late.line("leadership_management").amount == D("14329.50")


def test_part_year_participation_is_pro_rata_by_month():
    report = entitlements("2021-22", pcn(months=Months(3, date(2022, 1, 1))))
    # core: £1.50 x 40,000 x 3/12 = £15,000.00; clinical director £0.722 x 40,000 x 3/12 =
    #   £7,220.00; extended hours £1.44 x 40,000 x 3/12 = £14,400.00
    assert report.line("core_pcn_funding").amount == D("15000.00")
    assert report.line("clinical_director").amount == D("7220.00")
    assert report.line("extended_hours").amount == D("14400.00")
    # network participation follows the PCN's months: £1.76 x 25,500 x 3/12 = £11,220.00
    assert report.line("network_participation", "A81001").amount == D("11220.00")


def test_a_payment_whose_period_has_no_participating_month_is_zero():
    report = entitlements("2020-21", pcn(months=Months(6, date(2020, 10, 1))))
    support = report.line("pcn_support")
    # PCN support covered 1 April - 30 September 2020 only
    assert support.amount == D("0.00") and support.formula.startswith("£0: no month")
    # the full year: £0.27 x 42,000 weighted = £11,340.00
    assert entitlements("2020-21", pcn()).line("pcn_support").amount == D("11340.00")


def test_a_missing_input_is_incomplete_not_zero():
    with pytest.warns(IncompleteEntitlementWarning, match="input missing: adjusted population"):
        report = entitlements("2023-24", pcn(adjusted_population=None))
    assert report.line("enhanced_access").amount is None
    # the lines that do not need it are still worked out: £1.50 x 40,000 = £60,000.00
    assert report.line("core_pcn_funding").amount == D("60000.00")


def test_sources_that_disagree_are_repeated_as_warnings():
    report = entitlements("2023-24", pcn())
    casp = report.line("capacity_access_support")
    # £2.765 x 41,000 = £113,365.00
    assert casp.amount == D("113365.00")
    assert any("sources disagree" in w and "£2.795" in w for w in casp.warnings)
    # the improvement payment is primary: £1.185 x 41,000 = £48,585.00
    caip = report.line("capacity_access_improvement")
    assert caip.amount == D("48585.00") and caip.statuses == ("primary",)


def test_several_pcns_and_bad_inputs():
    report = quietly("2021-22", [pcn(), pcn(code="U00002", practices=())])
    assert {x.payee for x in report.lines} >= {"U00001", "U00002", "A81001"}
    assert any("U00002: no practices given" in n for n in report.notes)
    with pytest.raises(ValueError, match="given twice"):
        entitlements("2021-22", [pcn(), pcn()])
    with pytest.raises(ValueError, match="run outside 2021-22"):
        entitlements("2021-22", pcn(months=Months(6, date(2022, 1, 1))))
    with pytest.raises(ValueError, match=r"not 1\.5"):
        PcnInputs("U1", weighted_population=1.5)
    with pytest.raises(ValueError, match="must be a number of zero or more"):
        PcnInputs("U1", adjusted_population=-1)
    with pytest.raises(KeyError, match="no rates for '2025-26'"):
        entitlements("2025-26", pcn())
