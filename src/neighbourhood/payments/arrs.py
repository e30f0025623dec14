"""The Additional Roles Reimbursement Scheme: a PCN's entitlement and what its claims earn.

Per member of staff and per month in post, the amount reimbursable is the smaller of the
year's percentage of the amount claimed for that month (the claim spread evenly over the
months in post) and the role's maximum in force that month, pro rata: annual maximum / 12 x
WTE. Where a cap on WTE is breached in a month, the month's reimbursable amounts of the capped
roles are scaled by cap / WTE in post (WTE above the cap is not reimbursed). Per pot, claims
above the PCN's entitlement are not reimbursed: paid = min(reimbursable, entitlement).
A maximum, percentage or entitlement not found makes the figures that need it incomplete.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from neighbourhood.payments.arrs_model import ArrsYear, Cap, Role
from neighbourhood.payments.compute import term
from neighbourhood.payments.inputs import StaffClaim, population
from neighbourhood.payments.load import arrs_for
from neighbourhood.payments.model import Citation
from neighbourhood.payments.periods import financial_year
from neighbourhood.payments.results import (
    IncompleteEntitlementWarning,
    Line,
    Report,
    money,
    number,
    pounds,
    warn_incomplete,
)

__all__ = [
    "ArrsReport",
    "CapBreach",
    "ClaimLine",
    "PotSummary",
    "RoleSummary",
    "arrs_claims",
    "arrs_entitlement",
]


def arrs_entitlement(
    year: str,
    weighted_population: int | Decimal | str | None,
    *,
    pcn: str = "PCN",
    arrs: ArrsYear | None = None,
) -> Report:
    """The PCN's Additional Roles Reimbursement Sum (and, from October 2024, the ring-fenced
    GP sum): rate x the PCN's contractor weighted population at the basis date."""
    arrs = arrs or arrs_for(year)
    weighted = population(weighted_population, "weighted population")
    months = financial_year(year).months
    lines, notes = [], list(arrs.notes)
    for pot in arrs.pots.values():
        if not pot.applies:
            notes.append(f"{pot.title}: {pot.note}")
            continue
        assert pot.rate is not None
        found = term(pot.rate, weighted, months)
        assert found is not None
        basis = str(pot.rate.basis_date) if pot.rate.basis_date else "not found"
        lines.append(
            Line(
                entitlement=f"arrs_{pot.id}",
                title=pot.title,
                payee=pcn,
                paid_to="pcn",
                amount=found.amount,
                formula=found.formula,
                inputs={"weighted population": weighted, "basis date": basis},
                citations=pot.rate.citations,
                statuses=(pot.rate.status,),
                reasons=found.reasons,
                warnings=found.warnings,
            )
        )
    warn_incomplete(lines, year)
    return Report(year, tuple(lines), tuple(notes))


@dataclass(frozen=True)
class ClaimLine:
    staff_id: str
    role: str
    pot: str | None  # None: the role is not reimbursable this year
    wte: Decimal
    months: int
    claimed: Decimal
    reimbursable: Decimal | None  # after caps, before the pot's entitlement
    formula: str
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()

    @property
    def incomplete(self) -> bool:
        return self.reimbursable is None


@dataclass(frozen=True)
class CapBreach:
    cap: str
    rule: str
    roles: tuple[str, ...]
    max_wte: Decimal
    wte_in_post: Decimal  # the most in any breaching month
    months: tuple[date, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class PotSummary:
    pot: str
    title: str
    entitlement: Decimal | None
    claimed: Decimal
    reimbursable: Decimal | None
    paid: Decimal | None
    unspent: Decimal | None
    overspend: Decimal | None  # reimbursable above the entitlement: not paid
    reasons: tuple[str, ...] = ()  # why a figure is missing
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArrsReport:
    year: str
    claims: tuple[ClaimLine, ...]
    pots: Mapping[str, PotSummary]
    breaches: tuple[CapBreach, ...]
    entitlement: Report
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pots", MappingProxyType(dict(self.pots)))

    def _sum(self, name: str) -> Decimal | None:
        values = [getattr(p, name) for p in self.pots.values()]
        return None if None in values else sum(values, Decimal(0))

    @property
    def total_claimed(self) -> Decimal:
        return sum((c.claimed for c in self.claims), Decimal(0))

    @property
    def total_reimbursable(self) -> Decimal | None:
        """What the PCN is paid: per pot, reimbursable up to the entitlement."""
        return self._sum("paid")

    @property
    def unspent(self) -> Decimal | None:
        return self._sum("unspent")

    @property
    def overspend(self) -> Decimal | None:
        return self._sum("overspend")

    @property
    def complete(self) -> bool:
        return self.total_reimbursable is not None

    @property
    def roles(self) -> dict[str, RoleSummary]:
        """Per role: staff, WTE, claimed and reimbursable (None when any claim is incomplete)."""
        found: dict[str, RoleSummary] = {}
        for c in self.claims:
            was = found.get(c.role, RoleSummary(c.role, 0, Decimal(0), Decimal(0), Decimal(0)))
            both = (
                None
                if None in (was.reimbursable, c.reimbursable)
                else was.reimbursable + c.reimbursable
            )  # type: ignore[operator]
            found[c.role] = RoleSummary(
                c.role, was.staff + 1, was.wte + c.wte, was.claimed + c.claimed, both
            )
        return found


@dataclass(frozen=True)
class RoleSummary:
    role: str
    staff: int
    wte: Decimal
    claimed: Decimal
    reimbursable: Decimal | None


@dataclass
class _Month:
    """One claim in one month: what was claimed, the maximum, what is reimbursable."""

    month: date
    claimed: Decimal
    annual_max: Decimal | None = None
    reimbursable: Decimal | None = Decimal(0)
    scale: Decimal = Decimal(1)
    scaled_by: str = ""
    in_scheme: bool = True


def arrs_claims(
    year: str,
    claims: Iterable[StaffClaim],
    *,
    weighted_population: int | Decimal | str | None = None,
    registered_patients: int | None = None,
    pcn: str = "PCN",
    arrs: ArrsYear | None = None,
) -> ArrsReport:
    """Per staff member, role, cap and pot: claimed, reimbursable, caps breached, the
    entitlement, what is paid, unspent entitlement and overspend (not reimbursed)."""
    arrs = arrs or arrs_for(year)
    claims = tuple(claims)
    ids = [c.staff_id for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a member of staff is claimed twice: {ids}")
    notes = list(arrs.notes)
    grid = {c.staff_id: _months(arrs, c) for c in claims}
    breaches = _apply_caps(arrs, claims, grid, registered_patients, notes)
    lines = tuple(_claim_line(arrs, c, grid[c.staff_id]) for c in claims)
    entitlement = arrs_entitlement(year, weighted_population, pcn=pcn, arrs=arrs)
    pots = {p.id: _pot(p, lines, entitlement) for p in arrs.pots.values()}
    for claim in lines:
        if claim.incomplete:
            warnings.warn(
                IncompleteEntitlementWarning(
                    f"{year} ARRS {claim.staff_id} ({claim.role}): incomplete, no amount: "
                    + "; ".join(claim.reasons)
                ),
                stacklevel=2,
            )
    return ArrsReport(year, lines, pots, breaches, entitlement, tuple(notes))


def _months(arrs: ArrsYear, claim: StaffClaim) -> list[_Month]:
    months = claim.months.in_year(arrs.year)
    spread = claim.claimed / len(months) if months else Decimal(0)
    role = arrs.roles.get(claim.role)
    found = []
    for month in months:
        row = _Month(month, spread)
        maximum = role.maximum_on(month) if role else None
        if maximum is None:
            row.in_scheme = False
        else:
            row.annual_max = maximum.amount(claim.area).value
            row.reimbursable = None
            if row.annual_max is not None:
                pct = arrs.percentage(role).value  # type: ignore[arg-type]
                if pct is not None:
                    row.reimbursable = min(spread * pct / 100, row.annual_max / 12 * claim.wte)
        found.append(row)
    return found


def _apply_caps(arrs, claims, grid, list_size, notes) -> tuple[CapBreach, ...]:
    breaches = []
    for cap in arrs.caps:
        applies = cap.applies_to(list_size)
        if applies is None:
            notes.append(
                f"cap {cap.id} not checked: the PCN's list size was not given ({cap.rule})"
            )
            continue
        if not applies:
            continue
        breaches += _breach(cap, [c for c in claims if c.role in cap.roles], grid)
    return tuple(breaches)


def _breach(cap: Cap, capped: list[StaffClaim], grid) -> list[CapBreach]:
    in_post: dict[date, Decimal] = {}
    for claim in capped:
        for row in grid[claim.staff_id]:
            if row.in_scheme:
                in_post[row.month] = in_post.get(row.month, Decimal(0)) + claim.wte
    over = sorted(m for m, wte in in_post.items() if wte > cap.max_wte)
    if not over:
        return []
    for claim in capped:
        for row in grid[claim.staff_id]:
            if row.month in over:
                row.scale = min(row.scale, cap.max_wte / in_post[row.month])
                row.scaled_by = (
                    f"{number(cap.max_wte)}/{number(in_post[row.month])} WTE (cap {cap.id})"
                )
                if row.reimbursable is not None:
                    row.reimbursable = row.reimbursable * cap.max_wte / in_post[row.month]
    worst = max(in_post[m] for m in over)
    return [CapBreach(cap.id, cap.rule, cap.roles, cap.max_wte, worst, tuple(over), cap.citations)]


def _claim_line(arrs: ArrsYear, claim: StaffClaim, rows: list[_Month]) -> ClaimLine:
    role = arrs.roles.get(claim.role)
    if role is None:
        return ClaimLine(
            claim.staff_id,
            claim.role,
            None,
            claim.wte,
            len(rows),
            claim.claimed,
            Decimal(0),
            f"£0: {claim.role.replace('_', ' ')} is not a reimbursable role in {arrs.year}",
            notes=(f"roles reimbursable in {arrs.year}: {', '.join(arrs.roles)}",),
            citations=arrs.roles_citations,
        )
    pct = arrs.percentage(role)
    reasons, notes = _gaps(arrs, role, claim, rows, pct.value)
    segments = _segments(rows, pct.value, claim.wte)
    total = None if reasons else pounds(sum((r.reimbursable for r in rows), Decimal(0)))
    formula = " + ".join(segments) or "no month in post"
    if total is not None:
        formula += f" = {money(total)}"
    citations = [*pct.citations]
    for row in rows:
        maximum = role.maximum_on(row.month)
        if maximum is not None:
            citations += maximum.amount(claim.area).citations
    return ClaimLine(
        claim.staff_id,
        claim.role,
        role.pot,
        claim.wte,
        len(rows),
        claim.claimed,
        total,
        formula,
        tuple(reasons),
        tuple(notes),
        tuple(dict.fromkeys(citations)),
    )


def _gaps(arrs, role: Role, claim, rows, pct) -> tuple[list[str], list[str]]:
    reasons, notes = [], []
    if pct is None:
        reasons.append(f"reimbursement percentage for {role.title} NOT FOUND")
    gaps = sorted({r.month for r in rows if r.in_scheme and r.annual_max is None})
    if gaps:
        reasons.append(
            f"maximum for {role.title} ({claim.area}) NOT FOUND for "
            f"{gaps[0]:%b %Y} to {gaps[-1]:%b %Y}"
        )
    outside = [r.month for r in rows if not r.in_scheme]
    if outside:
        notes.append(
            f"£0 for {len(outside)} month(s) ({outside[0]:%b %Y} to {outside[-1]:%b %Y}): "
            f"{role.title} not reimbursable then"
        )
    if claim.area != "england" and not arrs.london_weighting:
        notes.append(f"no London weighting in {arrs.year}: the England maximum applies")
    return reasons, notes


def _segments(rows: list[_Month], pct, wte) -> list[str]:
    """Consecutive months with the same maximum and cap scaling, written out."""
    found, run = [], []
    for row in [*rows, None]:  # type: ignore[list-item]
        if run and (
            row is None
            or (row.annual_max, row.scaled_by, row.in_scheme)
            != (run[0].annual_max, run[0].scaled_by, run[0].in_scheme)
        ):
            first, n = run[0], len(run)
            span = f"{first.month:%b %Y}" + (f" to {run[-1].month:%b %Y}" if n > 1 else "")
            if not first.in_scheme:
                found.append(f"{span}: £0 (role not reimbursable)")
            else:
                share = "NOT FOUND" if pct is None else f"{number(pct)}%"
                cap = "NOT FOUND" if first.annual_max is None else f"£{number(first.annual_max)}"
                text = (
                    f"{span}: {n} × min({share} × {money(first.claimed)}, "
                    f"{cap} ÷ 12 × {number(wte)} WTE)"
                )
                found.append(text + (f" × {first.scaled_by}" if first.scaled_by else ""))
            run = []
        if row is not None:
            run.append(row)
    return found


def _pot(pot, lines: tuple[ClaimLine, ...], entitlement: Report) -> PotSummary:
    mine = [c for c in lines if c.pot == pot.id]
    claimed = sum((c.claimed for c in mine), Decimal(0))
    reasons = [f"{c.staff_id}: {r}" for c in mine for r in c.reasons]
    reimbursable = None if reasons else sum((c.reimbursable for c in mine), Decimal(0))
    if not pot.applies:
        return PotSummary(
            pot.id,
            pot.title,
            None,
            claimed,
            reimbursable,
            reimbursable,
            None,
            None,
            tuple(reasons),
            (f"no entitlement to check the claims against: {pot.note}",),
        )
    line = next(x for x in entitlement.lines if x.entitlement == f"arrs_{pot.id}")
    reasons += [f"entitlement: {r}" for r in line.reasons]
    if line.amount is None or reimbursable is None:
        return PotSummary(
            pot.id, pot.title, line.amount, claimed, reimbursable, None, None, None, tuple(reasons)
        )
    paid = min(reimbursable, line.amount)
    return PotSummary(
        pot.id,
        pot.title,
        line.amount,
        claimed,
        reimbursable,
        paid,
        unspent=line.amount - paid,
        overspend=reimbursable - paid,
    )
