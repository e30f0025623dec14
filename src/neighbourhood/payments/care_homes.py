"""The Care Home Premium, per aligned care home.

Each home is paid the year's rate per CQC-registered bed for the months it was aligned to its
PCN, where the year's coding condition is met: in 2024/25 the premium is paid only where
residents are coded 160734000 (lives in a nursing home), 394923006 (lives in a residential
home) or 248171000000108 (lives in care home), as Doncaster LMC quotes the specification. A
home with no coded resident gets £0, with the reason. Where the condition of a year was not
found, a home with coded residents is paid (with a warning that the condition was not
checked) and a home with none is incomplete: it cannot be told whether it is owed £0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from neighbourhood.payments.compute import entitlement_line
from neighbourhood.payments.inputs import CareHome
from neighbourhood.payments.load import rates_for
from neighbourhood.payments.model import RatesYear
from neighbourhood.payments.results import Line, Report, warn_incomplete

__all__ = ["care_home_premium"]


def care_home_premium(
    year: str,
    homes: CareHome | Iterable[CareHome],
    *,
    as_published: date | None = None,
    rates: RatesYear | None = None,
) -> Report:
    """One line per aligned care home (payee: the home's id; `inputs` names its PCN)."""
    rates = rates or rates_for(year)
    homes = (homes,) if isinstance(homes, CareHome) else tuple(homes)
    ids = [h.id for h in homes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a care home is given twice: {ids}")
    entitlement = rates.entitlements.get("care_home_premium")
    if entitlement is None:
        return Report(year, (), (f"There was no Care Home Premium in {year}.",))
    lines = []
    for home in homes:
        line = _home(year, entitlement, home, as_published)
        if line is not None:
            lines.append(line)
    warn_incomplete(lines, year)
    return Report(year, tuple(lines), rates.notes)


def _home(year, entitlement, home: CareHome, as_published) -> Line | None:
    months = home.months.in_year(year)
    inputs = {
        "PCN": home.pcn,
        "beds (CQC)": home.beds,
        "residents coded with the qualifying codes": home.coded_residents,
    }
    line = entitlement_line(
        entitlement, home.id, {"bed": Decimal(home.beds)}, months, as_published, inputs
    )
    if line is None:
        return None
    condition = entitlement.condition
    codes = ", ".join(condition.codes) if condition and condition.codes else "not found"
    inputs["qualifying codes"] = codes
    citations = (*line.citations, *(condition.citations if condition else ()))
    warnings = list(line.warnings)
    reasons = list(line.reasons)
    amount, formula = line.amount, line.formula
    if condition is not None and condition.codes:
        if home.coded_residents == 0:
            amount, reasons = Decimal(0), []
            formula = (
                f"£0: no resident coded {codes}; the premium is paid only where residents "
                f"are coded with them (otherwise {formula})"
            )
    elif home.coded_residents == 0:
        amount = None
        reasons.append(
            f"the coding condition on the premium in {year} was not found, and no resident "
            "is coded: whether the home is owed £0 cannot be told"
        )
    else:
        warnings.append(f"the coding condition on the premium in {year} was not found; not checked")
    return Line(
        entitlement=line.entitlement,
        title=line.title,
        payee=line.payee,
        paid_to=line.paid_to,
        amount=amount,
        formula=formula,
        inputs={**line.inputs, **inputs},
        citations=tuple(dict.fromkeys(citations)),
        statuses=(*line.statuses, condition.status if condition else "not_found"),
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        revision=line.revision,
    )
