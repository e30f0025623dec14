"""The ledger's inputs: small immutable values that check themselves when built.

A ledger holds regions, each with its integrated care boards (ICBs); every organisation has a
baseline (its 2018/19 planned spend on primary medical and community health services) and
yearly floors (the minimum it must spend), each with its source; and actual spend lines, each
naming an ICB, a year, a service category, an amount in pounds and its source. The settings
are the rules the published guidance leaves open (see README.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

__all__ = [
    "BASELINE_YEAR",
    "CATEGORIES",
    "FLOOR_KINDS",
    "ICB",
    "Baseline",
    "FinancialYear",
    "FloorRule",
    "Ledger",
    "LedgerError",
    "Region",
    "Settings",
    "Source",
    "SpendLine",
]


class LedgerError(ValueError):
    """Input that cannot be used; the message says what and, from a file, where."""


_YEAR = re.compile(r"^(20\d\d)/(\d\d)$")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """An NHS financial year, 1 April to 31 March, written `2020/21`."""

    start: int  # the calendar year in which it begins

    def __post_init__(self) -> None:
        if type(self.start) is not int or not 2000 <= self.start <= 2098:
            raise LedgerError(f"a financial year starts in 2000-2098, not {self.start!r}")

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        found = _YEAR.match(str(text))
        if not found or (int(found[1]) + 1) % 100 != int(found[2]):
            raise LedgerError(f"{text!r} is not a financial year like 2020/21")
        return cls(int(found[1]))

    @property
    def previous(self) -> FinancialYear:
        return FinancialYear(self.start - 1)

    def __str__(self) -> str:
        return f"{self.start}/{(self.start + 1) % 100:02d}"


BASELINE_YEAR = FinancialYear(2018)  # the baseline is 2018/19 planned spend
CATEGORIES = ("primary_medical", "community_health", "other")
FLOOR_KINDS = ("growth_over_baseline", "growth_over_previous", "absolute")


def _pounds(value: object, what: str, *, negative: bool = False) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise LedgerError(f"{what} must be a finite Decimal of pounds, not {value!r}")
    if value < 0 and not negative:
        raise LedgerError(f"{what} cannot be negative: {value}")


def _text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{what} must be non-empty text")


@dataclass(frozen=True)
class Source:
    """Where a figure comes from: a document, its publisher, and optionally its address."""

    title: str
    publisher: str
    url: str | None = None
    date: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        _text(self.title, "a source's title")
        _text(self.publisher, "a source's publisher")
        if self.url is not None and not re.match(r"^https?://", self.url):
            raise LedgerError(f"a source's url must start with http(s)://, not {self.url!r}")


@dataclass(frozen=True)
class Baseline:
    """2018/19 planned spend on primary medical and community health services, in pounds."""

    amount: Decimal
    source: Source

    def __post_init__(self) -> None:
        _pounds(self.amount, "a baseline")
        if self.amount == 0:
            raise LedgerError("a baseline must be more than £0 (growth is measured from it)")
        if not isinstance(self.source, Source):
            raise LedgerError("a baseline needs its source")


@dataclass(frozen=True)
class FloorRule:
    """The required minimum spend of one organisation in one year.

    `growth_over_baseline`: baseline × (1 + value / 100); `growth_over_previous`: the previous
    year's floor (or spend, by the `growth_base` setting) × (1 + value / 100); `absolute`:
    value pounds.
    """

    year: FinancialYear
    kind: str
    value: Decimal  # a percentage for the growth kinds, pounds for `absolute`
    source: Source

    def __post_init__(self) -> None:
        if not isinstance(self.year, FinancialYear) or self.year <= BASELINE_YEAR:
            raise LedgerError(f"a floor is for a year after {BASELINE_YEAR}, not {self.year}")
        if self.kind not in FLOOR_KINDS:
            raise LedgerError(f"a floor is one of {', '.join(FLOOR_KINDS)}, not {self.kind!r}")
        if self.kind == "absolute":
            _pounds(self.value, "an absolute floor")
        else:
            _pounds(self.value, "a growth percentage", negative=True)
            if self.value <= -100:
                raise LedgerError(f"a growth percentage must be above -100, not {self.value}")
        if not isinstance(self.source, Source):
            raise LedgerError("a floor needs its source")


def _check_floors(code: str, floors: tuple[FloorRule, ...]) -> None:
    years = [f.year for f in floors]
    twice = sorted({str(y) for y in years if years.count(y) > 1})
    if twice:
        raise LedgerError(f"{code}: two floors for {', '.join(twice)}")


@dataclass(frozen=True)
class ICB:
    """An integrated care board, in one region."""

    code: str
    name: str
    region: str
    baseline: Baseline
    floors: tuple[FloorRule, ...] = ()

    def __post_init__(self) -> None:
        _text(self.code, "an ICB's code")
        _text(self.name, f"{self.code}: the name")
        object.__setattr__(self, "floors", tuple(sorted(self.floors, key=lambda f: f.year)))
        _check_floors(self.code, self.floors)

    def floor_rule(self, year: FinancialYear) -> FloorRule | None:
        return next((f for f in self.floors if f.year == year), None)


@dataclass(frozen=True)
class Region:
    """An NHS England region and its ICBs."""

    code: str
    name: str
    baseline: Baseline
    icbs: tuple[ICB, ...]
    floors: tuple[FloorRule, ...] = ()

    def __post_init__(self) -> None:
        _text(self.code, "a region's code")
        _text(self.name, f"{self.code}: the name")
        if not self.icbs:
            raise LedgerError(f"{self.code}: a region needs at least one ICB")
        for icb in self.icbs:
            if icb.region != self.code:
                raise LedgerError(f"{icb.code} says it is in {icb.region}, not {self.code}")
        object.__setattr__(self, "floors", tuple(sorted(self.floors, key=lambda f: f.year)))
        _check_floors(self.code, self.floors)

    def floor_rule(self, year: FinancialYear) -> FloorRule | None:
        return next((f for f in self.floors if f.year == year), None)


@dataclass(frozen=True)
class SpendLine:
    """Actual spend of one ICB in one year on one service category, in pounds.

    Several lines for the same ICB, year and category add up; a negative line is an
    adjustment. `origin` says where the line was read (file and line)."""

    organisation: str
    year: FinancialYear
    category: str
    amount: Decimal
    source: Source
    note: str | None = None
    origin: str = ""

    def __post_init__(self) -> None:
        _text(self.organisation, "a spend line's organisation")
        if not isinstance(self.year, FinancialYear) or self.year <= BASELINE_YEAR:
            raise LedgerError(f"spend is for a year after {BASELINE_YEAR}, not {self.year}")
        if self.category not in CATEGORIES:
            known = ", ".join(CATEGORIES)
            raise LedgerError(f"a category is one of {known}, not {self.category!r}")
        _pounds(self.amount, "a spend amount", negative=True)
        if not isinstance(self.source, Source):
            raise LedgerError("a spend line needs its source")


@dataclass(frozen=True)
class Settings:
    """The rules the guidance leaves open, each a stated choice (README.md, "Settings")."""

    # ICBs over their floor may cover ICBs under theirs within a region (the notes: on)
    offset_within_region: bool = True
    # growth over the previous year is applied to the previous year's "floor" or "actual" spend
    growth_base: str = "floor"
    # the categories that count as primary medical and community health spend
    counted_categories: tuple[str, ...] = ("primary_medical", "community_health")
    # a year's spend is known only when every counted category has a line (else: missing)
    require_each_category: bool = True
    # computed floors kept "exact" or rounded half-up to the whole "pound"
    floor_rounding: str = "exact"

    def __post_init__(self) -> None:
        if not isinstance(self.offset_within_region, bool):
            raise LedgerError("offset_within_region is true or false")
        if self.growth_base not in ("floor", "actual"):
            raise LedgerError(f"growth_base is floor or actual, not {self.growth_base!r}")
        counted = tuple(self.counted_categories)
        if not counted or len(set(counted)) != len(counted) or set(counted) - set(CATEGORIES):
            raise LedgerError(f"counted_categories are distinct items of {CATEGORIES}")
        object.__setattr__(self, "counted_categories", counted)
        if not isinstance(self.require_each_category, bool):
            raise LedgerError("require_each_category is true or false")
        if self.floor_rounding not in ("exact", "pound"):
            raise LedgerError(f"floor_rounding is exact or pound, not {self.floor_rounding!r}")


@dataclass(frozen=True)
class Ledger:
    """Everything one computation needs: the organisations, their spend and the settings."""

    title: str
    illustrative: bool
    regions: tuple[Region, ...]
    spend: tuple[SpendLine, ...] = ()
    settings: Settings = field(default_factory=Settings)
    path: str = ""
    icbs: Mapping[str, ICB] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _text(self.title, "a ledger's title")
        if not self.regions:
            raise LedgerError("a ledger needs at least one region")
        codes = [r.code for r in self.regions] + [i.code for r in self.regions for i in r.icbs]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise LedgerError(f"organisation code(s) {', '.join(twice)} used twice")
        icbs = {i.code: i for r in self.regions for i in r.icbs}
        object.__setattr__(self, "icbs", MappingProxyType(icbs))
        for line in self.spend:
            if line.organisation not in icbs:
                where = f"{line.origin}: " if line.origin else ""
                raise LedgerError(f"{where}spend for {line.organisation}, which is not an ICB here")

    def with_spend(self, lines: tuple[SpendLine, ...]) -> Ledger:
        """The same ledger with more spend lines (checked like the others)."""
        return replace(self, spend=self.spend + tuple(lines))
