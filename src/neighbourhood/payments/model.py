"""The rates as small immutable values that check themselves when built.

A year's rates (`RatesYear`) hold one `Entitlement` per payment. An entitlement has one or
more `Revision`s (the rates as first published, then any later change such as the 2024/25
mid-year uplift, backdated or not); a revision has one or more `Rate` parts (the 2024/25 core
payment has two: per registered patient and per adjusted patient; extended hours in 2022/23
has one per half year). Every value carries its citations; a value that was not found is
`None` with status `not_found`, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from neighbourhood.identifiers import sctid_problem
from neighbourhood.payments.periods import Period, financial_year

__all__ = [
    "ENTITLEMENT_IDS",
    "PAYEES",
    "PER",
    "STATUSES",
    "UNITS",
    "Citation",
    "CodingCondition",
    "Entitlement",
    "Rate",
    "RatesYear",
    "Revision",
    "Source",
    "Sourced",
    "check_status",
]

ENTITLEMENT_IDS = (
    "core_pcn_funding",
    "clinical_director",
    "leadership_management",
    "network_participation",
    "extended_hours",
    "enhanced_access",
    "care_home_premium",
    "pcn_support",
    "capacity_access_support",
    "capacity_access_improvement",
)
PAYEES = ("pcn", "practice")
UNITS = ("registered_patient", "weighted_population", "adjusted_population", "bed")
PER = ("year", "month", "period")  # the value is for a year, a month, or the whole period
STATUSES = ("primary", "secondary", "not_found")
SOURCE_KINDS = ("primary", "secondary")
_ID = re.compile(r"^[a-z][a-z0-9_\-]*$")


@dataclass(frozen=True)
class Source:
    """A publication cited by the rates files. `primary`: NHS England or DHSC's own text
    (`via` names the copy read when the original was not); `secondary`: anyone else."""

    id: str
    title: str
    publisher: str
    url: str
    kind: str
    date: str = ""
    via: str = ""

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"source id {self.id!r} must be lower-case letters, digits, - or _")
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"source {self.id}: kind {self.kind!r} not in {SOURCE_KINDS}")
        for name in ("url", "via"):
            value = getattr(self, name)
            if value and not value.startswith("https://"):
                raise ValueError(f"source {self.id}: {name} must be an https address: {value!r}")
        if not self.url or len(self.title) < 3 or len(self.publisher) < 2:
            raise ValueError(f"source {self.id}: needs a title, a publisher and a url")


@dataclass(frozen=True)
class Citation:
    """A source and what it says about the value. `checked` is false where the quote is
    carried from the project's research notes and its page was not read for this file."""

    source: Source
    quote: str
    checked: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.source, Source):
            raise ValueError("a citation needs a source")
        if len(self.quote.strip()) < 5:
            raise ValueError(f"citation of {self.source.id}: the quote is missing")


def check_status(
    what: str, value: object, status: str, citations: tuple[Citation, ...], note: str
) -> None:
    """The rules every sourced value keeps: a value is None exactly when it was not found;
    a value cites a source; a primary value cites a checked primary quote; a gap says why."""
    if status not in STATUSES:
        raise ValueError(f"{what}: status {status!r} not in {STATUSES}")
    if (value is None) != (status == "not_found"):
        raise ValueError(f"{what}: a value is null exactly when its status is not_found")
    if value is not None and not citations:
        raise ValueError(f"{what}: a value must cite at least one source")
    if status == "primary" and not any(c.source.kind == "primary" and c.checked for c in citations):
        raise ValueError(f"{what}: status primary needs a checked quote from a primary source")
    if status == "not_found" and len(note.strip()) < 10:
        raise ValueError(f"{what}: a value not found needs a note saying what was looked for")


@dataclass(frozen=True)
class Sourced:
    """A single sourced value (an amount, a percentage); None where not found."""

    value: Decimal | None
    status: str
    citations: tuple[Citation, ...] = ()
    note: str = ""
    conflict: str = ""

    def __post_init__(self) -> None:
        if self.value is not None and (not isinstance(self.value, Decimal) or self.value < 0):
            raise ValueError(f"value must be a non-negative Decimal, not {self.value!r}")
        check_status("value", self.value, self.status, self.citations, self.note)


@dataclass(frozen=True)
class Rate:
    """One part of an entitlement: `value` pounds per `unit`, for a year, a month or the
    whole `covers` period (`per`), with the date its population is counted at (`basis_date`,
    None where not found)."""

    id: str
    label: str
    value: Decimal | None
    per: str
    unit: str
    covers: Period
    status: str
    citations: tuple[Citation, ...] = ()
    basis_date: date | None = None
    note: str = ""
    conflict: str = ""  # sources disagree: the computation repeats this as a warning

    def __post_init__(self) -> None:
        where = f"rate {self.id}"
        if not _ID.match(self.id):
            raise ValueError(f"{where}: id must be lower-case letters, digits, - or _")
        if self.per not in PER:
            raise ValueError(f"{where}: per {self.per!r} not in {PER}")
        if self.unit not in UNITS:
            raise ValueError(f"{where}: unit {self.unit!r} not in {UNITS}")
        if not isinstance(self.covers, Period):
            raise ValueError(f"{where}: covers must be a period")
        if self.value is not None and (not isinstance(self.value, Decimal) or self.value < 0):
            raise ValueError(f"{where}: value must be a non-negative Decimal, not {self.value!r}")
        check_status(where, self.value, self.status, self.citations, self.note)

    def monthly(self) -> Decimal | None:
        """Pounds per unit per month."""
        if self.value is None:
            return None
        if self.per == "year":
            return self.value / 12
        if self.per == "month":
            return self.value
        return self.value / len(self.covers.months)

    def describe(self) -> str:
        value = "NOT FOUND" if self.value is None else f"£{self.value}"
        span = {"year": "a year", "month": "a month", "period": f"for {self.covers}"}[self.per]
        return f"{value} per {self.unit.replace('_', ' ')} {span}"


@dataclass(frozen=True)
class Revision:
    """The rates of an entitlement as published on `published`; a later revision replaces
    an earlier one, from `backdated_to` when given."""

    published: date
    label: str
    parts: tuple[Rate, ...]
    backdated_to: date | None = None
    citations: tuple[Citation, ...] = ()

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError(f"revision {self.label!r}: needs at least one rate")
        ids = [p.id for p in self.parts]
        if len(set(ids)) != len(ids):
            raise ValueError(f"revision {self.label!r}: rate ids repeat: {ids}")

    @property
    def complete(self) -> bool:
        return all(p.value is not None for p in self.parts)


@dataclass(frozen=True)
class CodingCondition:
    """Payment only where residents are coded with one of `codes` (SNOMED CT concepts)."""

    codes: tuple[str, ...]
    status: str
    citations: tuple[Citation, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        for code in self.codes:
            problem = sctid_problem(code)
            if problem:
                raise ValueError(f"coding condition: {problem}")
        check_status("coding condition", self.codes or None, self.status, self.citations, self.note)


@dataclass(frozen=True)
class Entitlement:
    id: str
    title: str
    paid_to: str
    revisions: tuple[Revision, ...]
    condition: CodingCondition | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.id not in ENTITLEMENT_IDS:
            raise ValueError(f"entitlement {self.id!r} not in {ENTITLEMENT_IDS}")
        if self.paid_to not in PAYEES:
            raise ValueError(f"entitlement {self.id}: paid_to {self.paid_to!r} not in {PAYEES}")
        if not self.revisions:
            raise ValueError(f"entitlement {self.id}: needs at least one revision")
        dates = [r.published for r in self.revisions]
        if dates != sorted(set(dates)):
            raise ValueError(f"entitlement {self.id}: revisions must be in published order")
        if self.condition is not None and self.id != "care_home_premium":
            raise ValueError(f"entitlement {self.id}: only the care home premium has a condition")
        units = {p.unit for r in self.revisions for p in r.parts}
        if ("bed" in units) != (self.id == "care_home_premium"):
            raise ValueError(f"entitlement {self.id}: only the care home premium is per bed")

    def revision(self, as_published: date | None = None) -> Revision | None:
        """The latest revision published on or before `as_published` (default: the latest)."""
        found = [r for r in self.revisions if as_published is None or r.published <= as_published]
        return found[-1] if found else None


@dataclass(frozen=True)
class RatesYear:
    year: str
    entitlements: Mapping[str, Entitlement]
    path: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        whole = financial_year(self.year)
        for entitlement in self.entitlements.values():
            for revision in entitlement.revisions:
                for part in revision.parts:
                    if not part.covers.within(whole):
                        raise ValueError(
                            f"{entitlement.id}.{part.id}: covers {part.covers}, outside {self.year}"
                        )
        object.__setattr__(self, "entitlements", MappingProxyType(dict(self.entitlements)))

    @property
    def period(self) -> Period:
        return financial_year(self.year)
