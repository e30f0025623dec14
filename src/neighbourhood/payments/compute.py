"""The arithmetic shared by every entitlement: one rate part times a quantity over the months
it covers, and which revision of the rates holds in each month.

A part's value is per year (x months/12), per month (x months) or for its whole period
(x months/months of the period). Amounts stay exact `Decimal`s until a line rounds its total
to the penny.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from neighbourhood.payments.model import Citation, Entitlement, Rate, Revision
from neighbourhood.payments.results import Line, money, number

__all__ = ["UNIT_WORDS", "Term", "entitlement_line", "revisions_by_month", "term"]

UNIT_WORDS = {
    "registered_patient": "registered patients",
    "weighted_population": "weighted population",
    "adjusted_population": "adjusted population",
    "bed": "beds",
}


@dataclass(frozen=True)
class Term:
    part: Rate
    amount: Decimal | None
    formula: str
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]


def term(part: Rate, quantity: Decimal | None, months: tuple[date, ...]) -> Term | None:
    """The part's money over `months`; None when no month falls in the period it covers."""
    count = sum(1 for m in months if part.covers.covers(m))
    if not count:
        return None
    if part.per == "year":
        span, divisor = f"{count}/12 of a year", Decimal(12)
    elif part.per == "month":
        span, divisor = f"{count} months", Decimal(1)
    else:
        whole = len(part.covers.months)
        span, divisor = f"{count}/{whole} months of {part.covers}", Decimal(whole)
    words = UNIT_WORDS[part.unit]
    value = "£(NOT FOUND)" if part.value is None else f"£{number(part.value)}"
    amount_of = "(NOT GIVEN)" if quantity is None else number(quantity)
    formula = f"{value} × {amount_of} {words} × {span}"
    reasons = []
    if part.value is None:
        reasons.append(f"{part.label}: rate NOT FOUND ({part.note})")
    if quantity is None:
        reasons.append(f"{part.label}: input missing: {words}")
    warnings = [f"{part.label}: sources disagree: {part.conflict}"] if part.conflict else []
    amount = None
    if not reasons:
        amount = part.value * quantity * count / divisor  # type: ignore[operator]
    return Term(part, amount, formula, tuple(reasons), tuple(warnings))


def _effective(revision: Revision) -> date:
    return revision.backdated_to or revision.published.replace(day=1)


def revisions_by_month(
    entitlement: Entitlement, months: tuple[date, ...], as_published: date | None
) -> list[tuple[Revision, tuple[date, ...]]]:
    """For each month, the latest revision published by `as_published` that is in effect
    (from its backdated date, else from its month of publication); the first one otherwise."""
    known = [
        r for r in entitlement.revisions if as_published is None or r.published <= as_published
    ]
    if not known:
        return []
    groups: dict[Revision, list[date]] = {}
    for month in months:
        found = next((r for r in reversed(known) if _effective(r) <= month), known[0])
        groups.setdefault(found, []).append(month)
    return [(r, tuple(m)) for r, m in groups.items()]


def entitlement_line(
    entitlement: Entitlement,
    payee: str,
    quantities: dict[str, Decimal | None],
    months: tuple[date, ...],
    as_published: date | None,
    inputs: dict[str, object] | None = None,
) -> Line | None:
    """One entitlement for one payee; None when no revision was published by `as_published`."""
    groups = revisions_by_month(entitlement, months, as_published)
    if not groups:
        return None
    terms = [
        (revision, found)
        for revision, in_effect in groups
        for part in revision.parts
        if (found := term(part, quantities.get(part.unit), in_effect)) is not None
    ]
    reasons = [r for _, t in terms for r in t.reasons]
    warnings = [w for _, t in terms for w in t.warnings]
    warnings += _superseded(entitlement, groups, as_published, payee, quantities, months)
    citations: dict[tuple[str, str], Citation] = {}
    for revision, t in terms:
        for c in (*t.part.citations, *revision.citations):
            citations.setdefault((c.source.id, c.quote), c)
    used = {t.part.unit for _, t in terms}
    shown = dict(inputs or {})
    shown.update({UNIT_WORDS[u]: quantities.get(u) for u in sorted(used)})
    shown["months"] = len(months)
    bases = sorted({str(t.part.basis_date) for _, t in terms if t.part.basis_date})
    shown["basis date"] = ", ".join(bases) if bases else "not found"
    if terms:
        formula = " + ".join(t.formula for _, t in terms)
        amount = None if reasons else sum((t.amount for _, t in terms), Decimal(0))
    else:
        covers = "; ".join(str(p.covers) for r, _ in groups for p in r.parts)
        formula, amount = f"£0: no month of participation falls in {covers}", Decimal(0)
    return Line(
        entitlement=entitlement.id,
        title=entitlement.title,
        payee=payee,
        paid_to=entitlement.paid_to,
        amount=amount,
        formula=formula,
        inputs=shown,
        citations=tuple(citations.values()),
        statuses=tuple(t.part.status for _, t in terms),
        reasons=tuple(reasons),
        warnings=tuple(dict.fromkeys(warnings)),
        revision="; ".join(dict.fromkeys(r.label for r, _ in groups)),
    )


def _superseded(entitlement, groups, as_published, payee, quantities, months) -> list[str]:
    """Say when a later revision was left out, or an earlier one replaced (with its figure)."""
    notes = []
    used = [r for r, _ in groups]
    later = [r for r in entitlement.revisions if r.published > max(u.published for u in used)]
    if later and as_published is not None:
        notes.append(
            f"rates as published by {as_published}; replaced by '{later[-1].label}' "
            f"(published {later[-1].published})"
        )
    earlier = [r for r in entitlement.revisions if r.published < min(u.published for u in used)]
    for revision in earlier:
        replaced_from = min(_effective(u) for u in used)
        figure = entitlement_line(_only(entitlement, revision), payee, quantities, months, None)
        shown = money(figure.amount) if figure is not None else "no amount"
        notes.append(
            f"replaces '{revision.label}' (published {revision.published}) from "
            f"{replaced_from}; that revision gives {shown}"
        )
    return notes


def _only(entitlement: Entitlement, revision: Revision) -> Entitlement:
    return Entitlement(
        id=entitlement.id,
        title=entitlement.title,
        paid_to=entitlement.paid_to,
        revisions=(revision,),
        condition=entitlement.condition,
    )
