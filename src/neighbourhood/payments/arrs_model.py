"""The Additional Roles Reimbursement Scheme of one year, as values that check themselves.

A year has its pots (the PCN's Additional Roles Reimbursement Sum, and from 1 October 2024 a
ring-fenced sum for GPs), the default reimbursement percentage, the roles reimbursable that
year with the maximum reimbursable amount per whole-time equivalent (WTE) in force over each
period (England, outer and inner London), and the caps on WTE per PCN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from types import MappingProxyType

from neighbourhood.payments.model import Citation, Rate, Sourced
from neighbourhood.payments.periods import Period, financial_year

__all__ = ["AREAS", "POTS", "ROLE_IDS", "ArrsYear", "Cap", "Maximum", "Pot", "Role"]

ROLE_IDS = (
    "clinical_pharmacist",
    "social_prescribing_link_worker",
    "pharmacy_technician",
    "first_contact_physiotherapist",
    "physician_associate",
    "apprentice_physician_associate",
    "care_coordinator",
    "health_and_wellbeing_coach",
    "dietitian",
    "podiatrist",
    "occupational_therapist",
    "nursing_associate",
    "trainee_nursing_associate",
    "paramedic",
    "mental_health_practitioner",
    "advanced_practitioner",
    "general_practice_assistant",
    "digital_transformation_lead",
    "enhanced_nurse",
    "gp",
)
AREAS = ("england", "outer_london", "inner_london")
POTS = ("main", "gp")
_CAP_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Maximum:
    """The maximum reimbursable amount for one WTE over 12 months, on-costs included, in
    force over `covers`. London amounts are None in years without London weighting."""

    covers: Period
    england: Sourced
    outer_london: Sourced | None = None
    inner_london: Sourced | None = None

    def amount(self, area: str) -> Sourced:
        if area == "england":
            return self.england
        found = self.outer_london if area == "outer_london" else self.inner_london
        return self.england if found is None else found


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    band: str
    maxima: tuple[Maximum, ...]
    pot: str = "main"
    reimbursement: Sourced | None = None  # overrides the year's percentage
    note: str = ""

    def __post_init__(self) -> None:
        if self.id not in ROLE_IDS:
            raise ValueError(f"role {self.id!r} not in the known roles {ROLE_IDS}")
        if self.pot not in POTS:
            raise ValueError(f"role {self.id}: pot {self.pot!r} not in {POTS}")
        if not self.maxima:
            raise ValueError(f"role {self.id}: needs at least one maximum (null if not found)")
        spans = sorted(m.covers for m in self.maxima)
        for before, after in pairwise(spans):
            if after.start <= before.end:
                raise ValueError(f"role {self.id}: maxima overlap ({before} and {after})")
        object.__setattr__(self, "maxima", tuple(sorted(self.maxima, key=lambda m: m.covers)))

    def maximum_on(self, month) -> Maximum | None:
        """The maximum in force in the month (by its first day); None: not reimbursable."""
        return next((m for m in self.maxima if m.covers.covers(month)), None)


@dataclass(frozen=True)
class Cap:
    """At most `max_wte` WTE, summed over `roles`, in post in any month, for a PCN whose
    list size lies in [list_size_min, list_size_max] (either end open when None)."""

    id: str
    roles: tuple[str, ...]
    max_wte: Decimal
    rule: str
    citations: tuple[Citation, ...]
    list_size_min: int | None = None
    list_size_max: int | None = None

    def __post_init__(self) -> None:
        if not _CAP_ID.match(self.id):
            raise ValueError(f"cap id {self.id!r} must be snake_case")
        unknown = [r for r in self.roles if r not in ROLE_IDS]
        if not self.roles or unknown:
            raise ValueError(f"cap {self.id}: roles must be known role ids, not {unknown}")
        if not isinstance(self.max_wte, Decimal) or self.max_wte <= 0:
            raise ValueError(f"cap {self.id}: max_wte must be a positive Decimal")
        if not self.citations:
            raise ValueError(f"cap {self.id}: a cap must cite its source")
        low, high = self.list_size_min, self.list_size_max
        if low is not None and high is not None and high < low:
            raise ValueError(f"cap {self.id}: list_size_max below list_size_min")

    def applies_to(self, list_size: int | None) -> bool | None:
        """Whether the cap applies to a PCN of this list size; None when it depends on the
        list size and none was given."""
        if self.list_size_min is None and self.list_size_max is None:
            return True
        if list_size is None:
            return None
        low = self.list_size_min if self.list_size_min is not None else 0
        return low <= list_size and (self.list_size_max is None or list_size <= self.list_size_max)


@dataclass(frozen=True)
class Pot:
    """A sum the PCN may claim up to: `rate` × the PCN's weighted population. `applies`
    is false in a year without such a sum (2019/20: reimbursement was per role)."""

    id: str
    title: str
    rate: Rate | None
    applies: bool = True
    note: str = ""
    citations: tuple[Citation, ...] = ()  # for a pot that does not apply: why

    def __post_init__(self) -> None:
        if self.id not in POTS:
            raise ValueError(f"pot {self.id!r} not in {POTS}")
        if self.applies and (self.rate is None or self.rate.unit != "weighted_population"):
            raise ValueError(f"pot {self.id}: needs a rate per weighted patient")
        if not self.applies and (len(self.note) < 10 or not self.citations):
            raise ValueError(f"pot {self.id}: a pot that does not apply needs a cited note")


@dataclass(frozen=True)
class ArrsYear:
    year: str
    reimbursement: Sourced  # percentage of actual salary + on-costs, up to the maximum
    london_weighting: bool
    pots: Mapping[str, Pot]
    roles: Mapping[str, Role]
    caps: tuple[Cap, ...] = ()
    roles_citations: tuple[Citation, ...] = ()  # which roles are reimbursable this year
    london_citations: tuple[Citation, ...] = ()  # whether London weighting applies
    path: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        whole = financial_year(self.year)
        if not self.roles_citations or not self.london_citations:
            raise ValueError(f"ARRS {self.year}: the roles and London weighting must cite sources")
        for role in self.roles.values():
            if role.pot not in self.pots:
                raise ValueError(f"role {role.id}: pot {role.pot!r} is not declared this year")
            for maximum in role.maxima:
                if not maximum.covers.within(whole):
                    raise ValueError(f"role {role.id}: maximum covers {maximum.covers}")
                london = (maximum.outer_london, maximum.inner_london)
                if self.london_weighting and None in london:
                    raise ValueError(f"role {role.id}: London weighting applies; give both")
                if not self.london_weighting and london != (None, None):
                    raise ValueError(f"role {role.id}: no London weighting in {self.year}")
        for cap in self.caps:
            missing = [r for r in cap.roles if r not in self.roles]
            if missing:
                raise ValueError(f"cap {cap.id}: roles not reimbursable this year: {missing}")
        object.__setattr__(self, "pots", MappingProxyType(dict(self.pots)))
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))

    def percentage(self, role: Role) -> Sourced:
        return role.reimbursement or self.reimbursement
