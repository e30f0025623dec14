"""The payment statement section of the PCN report (`payments.statement.statement`)."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from decimal import Decimal

from neighbourhood.financial_years import year_of
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.payments.periods import financial_year
from neighbourhood.payments.statement import SECTIONS as STATEMENT_SECTIONS
from neighbourhood.payments.statement import Statement, statement, statement_year
from neighbourhood.reports.common import Row, project
from neighbourhood.reports.model import Column, Section
from neighbourhood.store.engines import Engine

STATEMENT_COLUMNS = (
    Column("section", "Section"),
    Column("item", "Item"),
    Column("payee", "Payee"),
    Column("amount", "Amount", "pounds"),
    Column("status", "Status"),
    Column("in_total", "In total"),
    Column("reasons", "Why incomplete"),
)


def payments_section(
    engine: Engine, pcn: str, end: dt.date, iif_rows: Sequence[Row], publishable: bool
) -> Section:
    """The statement of the year of `end` (or the latest with rates), read on `end` or the
    year's last day if earlier, as the demo does."""
    year = statement_year(end)
    at = min(end, financial_year(year).end)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IncompleteEntitlementWarning)
        try:
            found: Statement | None = statement(engine, year, pcn, at=at)
        except ValueError as error:
            found, failure = None, str(error)
    if found is None:
        return Section("payments", f"Payment statement {year}", STATEMENT_COLUMNS, (),
                       (f"No payment statement: {failure}",))  # fmt: skip
    hidden = {r["indicator"] for r in iif_rows if r["pounds"] is None}
    rows = []
    for line in found.lines:
        record = line.record()
        indicator = line.item.split(":", 1)[0]
        amount = line.amount
        if publishable and line.section == STATEMENT_SECTIONS[3] and indicator in hidden:
            amount = None  # worked out from counts hidden in the IIF section
        rows.append(record | {"amount": amount, "in_total": line.in_total})
    totals = found.totals()
    notes = [
        f"Payment statement {found.year_label}: registered lists on {found.list_date}, care "
        f"home residents on {found.at} (neighbourhood.payments.statement)",
        f"Total of the complete lines £{Decimal(totals['total_of_complete_lines']):,.2f}; "
        f"{totals['incomplete_lines']} incomplete line(s) have no amount and are not in it",
    ]
    if year != year_of(end):
        notes.append(f"No rates are shipped for {year_of(end)}, the year of this month: the "
                     f"latest year with rates, {year}, is shown")  # fmt: skip
    notes += [f"Incomplete: {w.message}" for w in caught
              if issubclass(w.category, IncompleteEntitlementWarning)]  # fmt: skip
    notes += list(found.notes)
    return Section(
        "payments",
        f"Payment statement {found.year_label}",
        STATEMENT_COLUMNS,
        project(rows, STATEMENT_COLUMNS),
        tuple(dict.fromkeys(notes)),
    )
