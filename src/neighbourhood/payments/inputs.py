"""What the caller supplies: PCNs and practices, aligned care homes, ARRS staff claims.

Populations are whole numbers of patients (weighted and adjusted populations may carry
decimals); a population not supplied is None, and an entitlement that needs it is reported as
incomplete, never worked out on a guess. `Months` says which months count (default: the whole
year from 1 April).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from neighbourhood.payments.arrs_model import AREAS, ROLE_IDS
from neighbourhood.payments.periods import Months

__all__ = ["CareHome", "PcnInputs", "PracticeInputs", "StaffClaim", "population"]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_]*$")


def population(value: int | Decimal | str | None, what: str) -> Decimal | None:
    """A population as a Decimal, or None; refuses negatives, floats and booleans."""
    if value is None:
        return None
    if isinstance(value, bool | float):
        raise ValueError(f"{what}: give an int, a Decimal or a string, not {value!r}")
    found = Decimal(value)
    if not found.is_finite() or found < 0:
        raise ValueError(f"{what}: must be a number of zero or more, not {value!r}")
    return found


def _code(value: str, what: str) -> None:
    if not isinstance(value, str) or not _CODE.match(value):
        raise ValueError(f"{what} code {value!r} must be letters, digits, - or _")


@dataclass(frozen=True)
class PracticeInputs:
    code: str
    registered_patients: int | Decimal | None = None
    weighted_population: int | Decimal | str | None = None
    months: Months = field(default_factory=Months)

    def __post_init__(self) -> None:
        _code(self.code, "practice")
        for name in ("registered_patients", "weighted_population"):
            object.__setattr__(self, name, population(getattr(self, name), f"{self.code} {name}"))


@dataclass(frozen=True)
class PcnInputs:
    """A PCN's populations (as at each rate's basis date: the caller's responsibility, and
    each line repeats the basis date it assumes) and its member practices. The registered
    list defaults to the sum of the practices' lists when every practice gives one."""

    code: str
    registered_patients: int | Decimal | None = None
    weighted_population: int | Decimal | str | None = None
    adjusted_population: int | Decimal | str | None = None
    practices: tuple[PracticeInputs, ...] = ()
    months: Months = field(default_factory=Months)

    def __post_init__(self) -> None:
        _code(self.code, "PCN")
        for name in ("registered_patients", "weighted_population", "adjusted_population"):
            object.__setattr__(self, name, population(getattr(self, name), f"{self.code} {name}"))
        object.__setattr__(self, "practices", tuple(self.practices))
        codes = [p.code for p in self.practices]
        if len(set(codes)) != len(codes):
            raise ValueError(f"PCN {self.code}: a practice is listed twice: {codes}")
        lists = [p.registered_patients for p in self.practices]
        if self.registered_patients is None and lists and None not in lists:
            object.__setattr__(self, "registered_patients", sum(lists, Decimal(0)))


@dataclass(frozen=True)
class CareHome:
    """An aligned care home: CQC-registered beds, the PCN it is aligned to, the months it
    was aligned, and how many of its residents are coded with the year's qualifying codes."""

    id: str
    pcn: str
    beds: int
    coded_residents: int
    months: Months = field(default_factory=Months)
    name: str = ""

    def __post_init__(self) -> None:
        _code(self.id, "care home")
        _code(self.pcn, "PCN")
        for name in ("beds", "coded_residents"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise ValueError(f"care home {self.id}: {name} must be a whole number >= 0")


@dataclass(frozen=True)
class StaffClaim:
    """One member of staff: role, WTE (over 0, at most 1), the months in post in the year,
    and the actual salary plus employer on-costs claimed for those months, in pounds.
    `area` (england, outer_london, inner_london) picks the London-weighted maximum."""

    staff_id: str
    role: str
    wte: Decimal | str | int
    claimed: Decimal | str | int
    months: Months = field(default_factory=Months)
    area: str = "england"

    def __post_init__(self) -> None:
        _code(self.staff_id, "staff")
        if self.role not in ROLE_IDS:
            raise ValueError(f"staff {self.staff_id}: role {self.role!r} not in {ROLE_IDS}")
        if self.area not in AREAS:
            raise ValueError(f"staff {self.staff_id}: area {self.area!r} not in {AREAS}")
        wte = population(self.wte, f"staff {self.staff_id} wte")
        if wte is None or not 0 < wte <= 1:
            raise ValueError(f"staff {self.staff_id}: wte must be over 0 and at most 1")
        claimed = population(self.claimed, f"staff {self.staff_id} claimed")
        if claimed is None:
            raise ValueError(f"staff {self.staff_id}: give the amount claimed")
        if self.months.count == 0 and claimed:
            raise ValueError(f"staff {self.staff_id}: an amount claimed for no month in post")
        object.__setattr__(self, "wte", wte)
        object.__setattr__(self, "claimed", claimed)
