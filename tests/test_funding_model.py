"""The ledger's values check themselves when built: a bad one fails there, not in a sum."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from neighbourhood.funding import (
    ICB,
    Baseline,
    FinancialYear,
    FloorRule,
    Ledger,
    LedgerError,
    Position,
    Region,
    Settings,
    Source,
    SpendLine,
)

SOURCE = Source("made-up figures", "tests")
Y2324 = FinancialYear.parse("2023/24")


def icb(code="A", region="R", floors=()):
    return ICB(code, f"ICB {code}", region, Baseline(D(600), SOURCE), floors)


def test_financial_years():
    assert str(Y2324) == "2023/24" and Y2324.start == 2023
    assert str(Y2324.previous) == "2022/23"
    assert str(FinancialYear(2099 - 1)) == "2098/99"
    assert FinancialYear.parse("2019/20") < Y2324
    for text in ("2023/25", "2023-24", "23/24", "2023/24 "):
        with pytest.raises(LedgerError, match="is not a financial year"):
            FinancialYear.parse(text)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Source("", "tests"), "a source's title must be non-empty text"),
        (lambda: Source("title", "tests", url="example.org"), "url must start with http"),
        (lambda: Baseline(D(0), SOURCE), "a baseline must be more than £0"),
        (lambda: Baseline(600, SOURCE), "must be a finite Decimal"),
        (lambda: Baseline(D("NaN"), SOURCE), "must be a finite Decimal"),
        (
            lambda: FloorRule(FinancialYear(2018), "absolute", D(1), SOURCE),
            "a floor is for a year after 2018/19",
        ),
        (lambda: FloorRule(Y2324, "absolute", D(-1), SOURCE), "cannot be negative"),
        (lambda: FloorRule(Y2324, "growth_over_previous", D(-100), SOURCE), "above -100"),
        (lambda: FloorRule(Y2324, "share", D(1), SOURCE), "a floor is one of"),
        (
            lambda: icb(floors=[FloorRule(Y2324, "absolute", D(n), SOURCE) for n in (1, 2)]),
            "A: two floors for 2023/24",
        ),
        (lambda: Region("R", "Region R", Baseline(D(1), SOURCE), ()), "at least one ICB"),
        (
            lambda: Region("R", "Region R", Baseline(D(1), SOURCE), (icb(region="Q"),)),
            "A says it is in Q, not R",
        ),
        (lambda: SpendLine("A", Y2324, "dental", D(1), SOURCE), "a category is one of"),
        (
            lambda: SpendLine("A", FinancialYear(2018), "other", D(1), SOURCE),
            "spend is for a year after 2018/19",
        ),
        (lambda: Settings(growth_base="plan"), "growth_base is floor or actual"),
        (lambda: Settings(counted_categories=("dental",)), "counted_categories"),
        (lambda: Settings(counted_categories=()), "counted_categories"),
        (lambda: Settings(floor_rounding="penny"), "floor_rounding is exact or pound"),
        (lambda: Settings(offset_within_region="yes"), "offset_within_region is true or false"),
    ],
)
def test_bad_values_fail_when_built(build, message):
    with pytest.raises(LedgerError, match=message):
        build()


def test_a_ledger_checks_its_codes_and_its_spend():
    region = Region("R", "Region R", Baseline(D(1000), SOURCE), (icb("A"), icb("B")))
    book = Ledger("test ledger", True, (region,))
    assert set(book.icbs) == {"A", "B"}
    line = SpendLine("Z", Y2324, "other", D(1), SOURCE, origin="spend.csv: line 2")
    with pytest.raises(
        LedgerError, match=re.escape("spend.csv: line 2: spend for Z, which is not an ICB")
    ):
        book.with_spend((line,))
    twin = Region("Q", "Region Q", Baseline(D(1000), SOURCE), (icb("A", region="Q"),))
    with pytest.raises(LedgerError, match=re.escape("organisation code(s) A used twice")):
        Ledger("test ledger", True, (region, twin))


def test_a_position_that_does_not_add_up_is_refused():
    fields = dict(
        organisation="A",
        name="ICB A",
        region="R",
        year=Y2324,
        baseline=D(600),
        floor=D(660),
        floor_basis="set",
        actual=D(700),
        actual_basis="spent",
        other_spend=D(0),
        over_under=D(40),
        over_under_percent=D("6.06"),
        met=True,
    )
    assert Position(**fields).met is True
    with pytest.raises(LedgerError, match="A 2023/24: position does not add up"):
        Position(**fields | {"over_under": D(41)})
    with pytest.raises(LedgerError, match="position does not add up"):
        Position(**fields | {"met": False})
    with pytest.raises(LedgerError, match="position does not add up"):
        Position(**fields | {"actual": None})  # a missing actual leaves no position
    with pytest.raises(LedgerError, match="every figure says where it is from"):
        Position(**fields | {"floor_basis": ""})
