"""What the computations return: one line per entitlement and payee, in pounds, with the
formula, the inputs and the citations used, or marked incomplete with the reasons.

An incomplete line has no amount (None: never zero, never a guess); the reasons say which
rate or input was missing, and an `IncompleteEntitlementWarning` is raised through `warnings`
so it is seen even by a caller who only sums the totals.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from neighbourhood.payments.model import Citation

__all__ = [
    "IncompleteEntitlementWarning",
    "Line",
    "Report",
    "money",
    "pounds",
    "warn_incomplete",
]

PENNY = Decimal("0.01")


class IncompleteEntitlementWarning(UserWarning):
    """An entitlement could not be worked out: a rate was not found or an input is missing."""


def pounds(value: Decimal) -> Decimal:
    """Rounded to the penny, halves up."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> str:
    return "INCOMPLETE" if value is None else f"£{pounds(value):,.2f}"


def number(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Line:
    """One entitlement for one payee (a PCN or a practice)."""

    entitlement: str
    title: str
    payee: str
    paid_to: str
    amount: Decimal | None
    formula: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    citations: tuple[Citation, ...] = ()
    statuses: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()  # why the line is incomplete
    warnings: tuple[str, ...] = ()  # sources that disagree, superseded figures, gaps noted
    revision: str = ""

    def __post_init__(self) -> None:
        if (self.amount is None) != bool(self.reasons):
            raise ValueError(f"{self.entitlement}: an amount is missing exactly when incomplete")
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))
        if self.amount is not None:
            object.__setattr__(self, "amount", pounds(self.amount))

    @property
    def incomplete(self) -> bool:
        return self.amount is None

    @property
    def sources(self) -> tuple[str, ...]:
        """Each source once: title, url and kind."""
        seen: dict[str, str] = {}
        for citation in self.citations:
            s = citation.source
            seen.setdefault(s.id, f"{s.title} ({s.publisher}, {s.kind}) {s.url}")
        return tuple(seen.values())

    def summary(self) -> dict[str, Any]:
        return {
            "entitlement": self.entitlement,
            "payee": self.payee,
            "paid_to": self.paid_to,
            "amount": None if self.amount is None else str(self.amount),
            "formula": self.formula,
            "inputs": {k: str(v) for k, v in self.inputs.items()},
            "incomplete": self.incomplete,
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "statuses": list(self.statuses),
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Report:
    """Lines for one year; `total` adds the complete lines only and `complete` says whether
    that is everything."""

    year: str
    lines: tuple[Line, ...]
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not any(line.incomplete for line in self.lines)

    @property
    def incomplete(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.incomplete)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.amount is not None), Decimal(0))

    def line(self, entitlement: str, payee: str | None = None) -> Line:
        found = [
            x
            for x in self.lines
            if x.entitlement == entitlement and (payee is None or x.payee == payee)
        ]
        if len(found) != 1:
            raise KeyError(f"{len(found)} lines for {entitlement} {payee or ''}".strip())
        return found[0]

    def by_payee(self) -> dict[str, tuple[Line, ...]]:
        found: dict[str, list[Line]] = {}
        for line in self.lines:
            found.setdefault(line.payee, []).append(line)
        return {k: tuple(v) for k, v in found.items()}

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(
            f"{x.payee} {x.entitlement}: {w}" for x in self.lines for w in (*x.reasons, *x.warnings)
        )


def warn_incomplete(lines: tuple[Line, ...] | list[Line], year: str) -> None:
    for line in lines:
        if line.incomplete:
            warnings.warn(
                IncompleteEntitlementWarning(
                    f"{year} {line.payee} {line.entitlement}: incomplete, no amount: "
                    + "; ".join(line.reasons)
                ),
                stacklevel=3,
            )
