"""The guarantee ledger: per ICB and per region, per year, the floor, the spend and the position.

For an ICB: its baseline, its floor (the required minimum spend), its actual primary medical
plus community health spend, and its over (+) or under (-) delivery in pounds and as a
percentage of the floor. For a region: the same, its spend being the sum of its ICBs', its
floor its own (when set) or else the sum of its ICBs' floors; and the intra-region offset: the
over-delivery of some ICBs covering the under-delivery of others. A figure that cannot be
known (no spend line, no floor to grow from) is missing (`None`) with the reason, never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from neighbourhood.funding.model import (
    BASELINE_YEAR,
    ICB,
    FinancialYear,
    FloorRule,
    Ledger,
    LedgerError,
    Region,
    Settings,
)

__all__ = ["Position", "RegionPosition", "Report", "compute", "pounds"]

_CENT = Decimal("0.01")


def pounds(amount: Decimal) -> str:
    """£1,234.5 style: every digit kept, none added."""
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount).normalize():,f}" if amount else "£0"


def _outcome(
    floor: Decimal | None, actual: Decimal | None
) -> tuple[Decimal | None, Decimal | None, bool | None]:
    """Over (+) or under (-) delivery in pounds, as % of the floor (to 0.01), and met."""
    if floor is None or actual is None:
        return None, None, None
    difference = actual - floor
    percent = (difference / floor * 100).quantize(_CENT, ROUND_HALF_UP) if floor else None
    return difference, percent, difference >= 0


@dataclass(frozen=True)
class Position:
    """One ICB in one year, on its own (before any offset)."""

    organisation: str
    name: str
    region: str
    year: FinancialYear
    baseline: Decimal
    floor: Decimal | None
    floor_basis: str  # how the floor was found, or why there is none
    actual: Decimal | None
    actual_basis: str  # which spend counted, or why it is missing
    other_spend: Decimal  # spend in categories that do not count
    over_under: Decimal | None
    over_under_percent: Decimal | None
    met: bool | None

    def __post_init__(self) -> None:
        here = f"{self.organisation} {self.year}"
        if (self.over_under, self.over_under_percent, self.met) != _outcome(
            self.floor, self.actual
        ):
            raise LedgerError(f"{here}: position does not add up")
        if not self.floor_basis or not self.actual_basis:
            raise LedgerError(f"{here}: every figure says where it is from")


def _icb_totals(icbs: tuple[Position, ...]) -> tuple[Decimal, Decimal, tuple[str, ...]]:
    """The over-delivery of ICBs above their floors, the (positive) under-delivery of those
    below theirs, and which are below."""
    surplus = sum((p.over_under for p in icbs if p.met and p.over_under), Decimal(0))
    under = [p for p in icbs if p.met is False and p.over_under is not None]
    shortfall = -sum((p.over_under for p in under if p.over_under), Decimal(0))
    return surplus, shortfall, tuple(p.organisation for p in under)


@dataclass(frozen=True)
class RegionPosition:
    """One region in one year: its ICBs together, and the offset between them."""

    region: str
    name: str
    year: FinancialYear
    baseline: Decimal
    floor: Decimal | None
    floor_basis: str
    actual: Decimal | None
    actual_basis: str
    over_under: Decimal | None  # after offset: the region's spend less its floor
    over_under_percent: Decimal | None
    icb_surplus: Decimal  # over-delivery of ICBs above their own floors
    icb_shortfall: Decimal  # under-delivery of ICBs below their own floors (a positive sum)
    offset_allowed: bool
    offset_applied: Decimal | None  # shortfall covered by surplus
    icbs_under: tuple[str, ...]  # ICBs below their own floor
    met: bool | None
    icbs: tuple[Position, ...] = field(repr=False)

    def __post_init__(self) -> None:
        over_under, percent, met = _outcome(self.floor, self.actual)
        if (self.over_under, self.over_under_percent) != (over_under, percent):
            raise LedgerError(f"{self.region} {self.year}: position does not add up")
        if (self.icb_surplus, self.icb_shortfall, self.icbs_under) != _icb_totals(self.icbs):
            raise LedgerError(
                f"{self.region} {self.year}: ICB surplus or shortfall does not add up"
            )
        if met is not None:
            met = met and (self.offset_allowed or not self.icbs_under)
        if self.met != met:
            raise LedgerError(f"{self.region} {self.year}: met is {self.met}, the rule says {met}")
        covered = min(self.icb_surplus, self.icb_shortfall) if self.offset_allowed else Decimal(0)
        if self.offset_applied != (None if over_under is None else covered):
            raise LedgerError(f"{self.region} {self.year}: offset applied does not add up")
        if any(p.region != self.region or p.year != self.year for p in self.icbs):
            raise LedgerError(f"{self.region} {self.year}: an ICB of another region or year")


@dataclass(frozen=True)
class Report:
    """The ledger computed: every ICB and region for every year that has a floor or spend."""

    title: str
    illustrative: bool
    settings: Settings
    years: tuple[FinancialYear, ...]
    regions: tuple[RegionPosition, ...]

    @property
    def icbs(self) -> tuple[Position, ...]:
        return tuple(p for r in self.regions for p in r.icbs)

    def icb(self, code: str, year: str | FinancialYear) -> Position:
        year = year if isinstance(year, FinancialYear) else FinancialYear.parse(year)
        for p in self.icbs:
            if p.organisation == code and p.year == year:
                return p
        raise KeyError(f"no ICB {code} in {year} in this report")

    def region(self, code: str, year: str | FinancialYear) -> RegionPosition:
        year = year if isinstance(year, FinancialYear) else FinancialYear.parse(year)
        for p in self.regions:
            if p.region == code and p.year == year:
                return p
        raise KeyError(f"no region {code} in {year} in this report")

    def records(self) -> list[dict[str, Any]]:
        """Flat rows (ICBs then their region, by region and year); pounds as exact text."""

        def text(value: Any) -> Any:
            if isinstance(value, Decimal):
                return format(value.normalize(), "f")
            return str(value) if isinstance(value, FinancialYear) else value

        rows = []
        for r in self.regions:
            for p in r.icbs:
                rows.append(
                    {"level": "icb", "illustrative": self.illustrative}
                    | {k: text(v) for k, v in vars(p).items()}
                )
            rows.append(
                {"level": "region", "illustrative": self.illustrative, "organisation": r.region}
                | {k: text(v) for k, v in vars(r).items() if k not in ("icbs", "region")}
            )
        return rows


def compute(ledger: Ledger, settings: Settings | None = None) -> Report:
    """The ledger's positions under `settings` (by default the ledger's own)."""
    settings = settings or ledger.settings
    years = sorted(
        {f.year for r in ledger.regions for f in r.floors}
        | {f.year for r in ledger.regions for i in r.icbs for f in i.floors}
        | {line.year for line in ledger.spend}
    )
    with localcontext() as context:
        context.prec = 60
        calc = _Calculator(ledger, settings)
        regions = tuple(calc.region_position(r, y) for r in ledger.regions for y in years)
    return Report(ledger.title, ledger.illustrative, settings, tuple(years), regions)


_Figure = tuple[Decimal | None, str]  # a value, or None, with how it was found / why missing


class _Calculator:
    def __init__(self, ledger: Ledger, settings: Settings) -> None:
        self.settings = settings
        self.spend: dict[tuple[str, FinancialYear], dict[str, Decimal]] = defaultdict(dict)
        self.count: dict[tuple[str, FinancialYear, str], int] = defaultdict(int)
        for line in ledger.spend:
            amounts = self.spend[(line.organisation, line.year)]
            amounts[line.category] = amounts.get(line.category, Decimal(0)) + line.amount
            self.count[(line.organisation, line.year, line.category)] += 1
        self.memo: dict[tuple[str, str, FinancialYear], _Figure] = {}

    def _cached(self, kind: str, code: str, year: FinancialYear, work: Callable[[], _Figure]):
        key = (kind, code, year)
        if key not in self.memo:
            self.memo[key] = work()
        return self.memo[key]

    # spend

    def icb_actual(self, icb: ICB, year: FinancialYear) -> _Figure:
        return self._cached("actual", icb.code, year, lambda: self._icb_actual(icb, year))

    def _icb_actual(self, icb: ICB, year: FinancialYear) -> _Figure:
        amounts = self.spend.get((icb.code, year), {})
        counted = self.settings.counted_categories
        present = [c for c in counted if c in amounts]
        absent = [c for c in counted if c not in amounts]
        if not present:
            return None, f"missing: no {' or '.join(counted)} spend line for {year}"
        if absent and self.settings.require_each_category:
            return None, f"missing: no {' or '.join(absent)} spend line for {year}"
        parts = " + ".join(f"{c} {pounds(amounts[c])}" for c in present)
        lines = sum(self.count[(icb.code, year, c)] for c in present)
        note = f"; no {' or '.join(absent)} line, counted as nothing" if absent else ""
        return sum((amounts[c] for c in present), Decimal(0)), f"{parts} ({lines} lines){note}"

    def region_actual(self, region: Region, year: FinancialYear) -> _Figure:
        found = [(icb, self.icb_actual(icb, year)) for icb in region.icbs]
        missing = [f"{icb.code} ({why})" for icb, (value, why) in found if value is None]
        if missing:
            return None, "missing: spend missing for " + ", ".join(missing)
        total = sum((value for _, (value, _) in found if value is not None), Decimal(0))
        return total, "sum of ICBs " + " + ".join(f"{i.code} {pounds(v)}" for i, (v, _) in found)

    # floors

    def icb_floor(self, icb: ICB, year: FinancialYear) -> _Figure:
        def work() -> _Figure:
            rule = icb.floor_rule(year)
            if rule is None:
                return None, f"no floor for {icb.code} in {year}"
            return self._apply(
                rule,
                icb.baseline.amount,
                lambda y: self.icb_floor(icb, y),
                lambda y: self.icb_actual(icb, y),
            )

        return self._cached("floor", icb.code, year, work)

    def region_floor(self, region: Region, year: FinancialYear) -> _Figure:
        def work() -> _Figure:
            rule = region.floor_rule(year)
            if rule is not None:
                return self._apply(
                    rule,
                    region.baseline.amount,
                    lambda y: self.region_floor(region, y),
                    lambda y: self.region_actual(region, y),
                )
            found = [(icb, self.icb_floor(icb, year)) for icb in region.icbs]
            missing = [icb.code for icb, (value, _) in found if value is None]
            if missing:
                return None, (
                    f"no floor for {region.code} in {year}, nor for its ICB(s) {', '.join(missing)}"
                )
            total = sum((value for _, (value, _) in found if value is not None), Decimal(0))
            parts = " + ".join(f"{i.code} {pounds(v)}" for i, (v, _) in found)
            return total, f"sum of ICB floors {parts}"

        return self._cached("floor", region.code, year, work)

    def _apply(
        self,
        rule: FloorRule,
        baseline: Decimal,
        floor_of: Callable[[FinancialYear], _Figure],
        actual_of: Callable[[FinancialYear], _Figure],
    ) -> _Figure:
        if rule.kind == "absolute":
            return rule.value, f"set at {pounds(rule.value)} ({rule.source.title})"
        if rule.kind == "growth_over_baseline":
            base, label = baseline, f"{BASELINE_YEAR} baseline {pounds(baseline)}"
        else:
            previous = rule.year.previous
            if previous == BASELINE_YEAR:
                base, label = baseline, f"{BASELINE_YEAR} baseline {pounds(baseline)}"
            else:
                what = self.settings.growth_base
                base, why = (floor_of if what == "floor" else actual_of)(previous)
                if base is None:
                    return None, (
                        f"{rule.value}% growth over the {previous} {what}, which is missing ({why})"
                    )
                label = f"{previous} {what} {pounds(base)}"
        floor = base * (1 + rule.value / 100)
        if self.settings.floor_rounding == "pound":
            floor = floor.quantize(Decimal(1), ROUND_HALF_UP)
        return floor, f"{label} × (1 + {rule.value}%) ({rule.source.title})"

    # positions

    def icb_position(self, icb: ICB, year: FinancialYear) -> Position:
        floor, floor_basis = self.icb_floor(icb, year)
        actual, actual_basis = self.icb_actual(icb, year)
        amounts = self.spend.get((icb.code, year), {})
        other = sum(
            (v for c, v in amounts.items() if c not in self.settings.counted_categories),
            Decimal(0),
        )
        return Position(
            icb.code,
            icb.name,
            icb.region,
            year,
            icb.baseline.amount,
            floor,
            floor_basis,
            actual,
            actual_basis,
            other,
            *_outcome(floor, actual),
        )

    def region_position(self, region: Region, year: FinancialYear) -> RegionPosition:
        icbs = tuple(self.icb_position(icb, year) for icb in region.icbs)
        floor, floor_basis = self.region_floor(region, year)
        actual, actual_basis = self.region_actual(region, year)
        over_under, percent, met = _outcome(floor, actual)
        surplus, shortfall, under = _icb_totals(icbs)
        allowed = self.settings.offset_within_region
        applied = None
        if over_under is not None:
            applied = min(surplus, shortfall) if allowed else Decimal(0)
            met = bool(met) and (allowed or not under)
        return RegionPosition(
            region.code,
            region.name,
            year,
            region.baseline.amount,
            floor,
            floor_basis,
            actual,
            actual_basis,
            over_under,
            percent,
            surplus,
            shortfall,
            allowed,
            applied,
            under,
            met,
            icbs,
        )
