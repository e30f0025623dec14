"""The store's results as one caller may see them: aggregates in scope as they are, outside it
suppressed for publication. The REST routers and the dashboard's pages both answer from here,
so a page never shows what the API would refuse."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from neighbourhood.access.ucr_kpis import COUNT_COLUMNS, kpis
from neighbourhood.access.waits import latest_snapshot
from neighbourhood.api.context import Context
from neighbourhood.api.problems import Problem, forbidden, not_found
from neighbourhood.api.scope import publishable
from neighbourhood.cohorts import Cohort, CohortRun, counts, run_library, shipped_library
from neighbourhood.disclosure import (
    INDICATOR_COUNTS,
    INDICATOR_DEPENDENT,
    INDICATOR_SUMS,
    OVERVIEW_COUNTS,
    OVERVIEW_DEPENDENT,
    UCR_DEPENDENT,
)
from neighbourhood.indicators import IndicatorResult, measure_year
from neighbourhood.overview import pcn_summary
from neighbourhood.payments import IncompleteEntitlementWarning
from neighbourhood.payments.statement import Statement, statement

Rows = list[dict[str, Any]]

WAITS_KEYS = ("provider_code", "snapshot_date", "service_line", "age_group")


def pcn_overview(ctx: Context, date: dt.date) -> Rows:
    """Each PCN's registered patients, share aged 65+ and care home residents on the date."""
    rows = ctx.state.cache.get(("pcn-summary", date), lambda: _with_store(ctx, pcn_summary, date))
    scope = ctx.scope(date)
    return publishable(
        rows,
        lambda r: scope.holds(r["pcn_code"]),
        count_fields=OVERVIEW_COUNTS,
        dependent=OVERVIEW_DEPENDENT,
    )


def ucr(ctx: Context, first: dt.date, last: dt.date, levels: list[str]) -> Rows:
    """UCR 2-hour and reablement 2-day KPIs by month, from `first` to `last` (months)."""

    def make() -> Rows:
        with ctx.store() as con:
            try:
                return kpis(con, first, last, levels=levels)
            except ValueError as error:
                raise Problem(422, "invalid-parameters", str(error)) from None

    rows = ctx.state.cache.get(("ucr", first, last, tuple(levels)), make)
    scope = ctx.scope(last)
    return publishable(rows, lambda r: scope.holds(r["org_code"]), count_fields=COUNT_COLUMNS,
                       dependent=UCR_DEPENDENT)  # fmt: skip


def waits(ctx: Context, provider: str | None = None) -> Rows:
    """Each provider's latest community waiting list by weeks waited."""

    def make() -> Rows:
        with ctx.store() as con:
            return latest_snapshot(con, provider=provider)

    rows = ctx.state.cache.get(("waits", provider), make)
    scope = ctx.scope()
    counted = [k for k in (rows[0] if rows else {}) if k not in WAITS_KEYS]
    bands = [k for k in counted if k != "total"]
    return publishable(rows, lambda r: scope.holds(r["provider_code"]), count_fields=counted,
                       sums={"total": bands})  # fmt: skip


def indicator_results(ctx: Context, year: str) -> list[IndicatorResult]:
    def make() -> list[IndicatorResult]:
        with ctx.engine() as engine:
            return measure_year(engine, year)

    return ctx.state.cache.get(("indicators", year), make)


def indicator_records(ctx: Context, year: str, only: list[str] | None = None) -> Rows:
    """Achievement records of every PCN and practice for the year's indicators."""
    results = indicator_results(ctx, year)
    records = [r for result in results for r in result.records
               if not only or result.indicator.id in only]  # fmt: skip
    scope = ctx.scope()
    return publishable(
        records,
        lambda r: scope.holds(r["practice_code"] or r["pcn_code"]),
        count_fields=INDICATOR_COUNTS,
        dependent=INDICATOR_DEPENDENT,
        sums=INDICATOR_SUMS,
        group_by=("year", "indicator", "pcn_code"),
        is_total=lambda r: r.get("practice_code") is None,
    )


def library_runs(ctx: Context, date: dt.date) -> dict[str, CohortRun]:
    """Every shipped cohort's whole list on the date (every PCN), worked out together."""

    def make() -> dict[str, CohortRun]:
        with ctx.engine() as engine:
            return run_library(engine, shipped_library(), date)

    return ctx.state.cache.get(("cohort-library", date), make)


def cohort_run(ctx: Context, chosen: Cohort, date: dt.date) -> CohortRun:
    """One cohort's whole list on the date (every PCN)."""

    def make() -> CohortRun:
        with ctx.engine() as engine:
            return run_library(engine, {chosen.id: chosen}, date)[chosen.id]

    return ctx.state.cache.get(("cohort", chosen.id, chosen.version, date), make)


def cohort_counts(ctx: Context, run: CohortRun) -> Rows:
    """Patients per PCN and practice; practices outside the scope suppressed."""
    rows = counts(run)
    scope = ctx.scope(run.at)
    fields = [k for k in (rows[0] if rows else {}) if k not in ("pcn_code", "practice_code")]
    return publishable(rows, lambda r: scope.holds(r["practice_code"]), count_fields=fields)


def payment_statement(ctx: Context, year: str, pcn: str) -> Statement:
    """A PCN's statement for the year: the PCN must be in scope (its evidence holds small
    counts)."""
    if not ctx.scope().holds(pcn):
        raise forbidden(f"{pcn} is outside your scope ({ctx.principal.org_code})")

    def make() -> Statement:
        with ctx.engine() as engine, warnings.catch_warnings():
            warnings.simplefilter("ignore", IncompleteEntitlementWarning)  # lines say why
            return statement(engine, year, pcn)

    try:
        return ctx.state.cache.get(("statement", year, pcn), make)
    except ValueError as error:
        raise not_found(str(error)) from None


def _with_store(ctx: Context, function, *args):
    with ctx.store() as con:
        return function(con, *args)
