"""The store's results as one caller may see them: aggregates in scope as they are, outside it
suppressed for publication. The REST routers and the dashboard's pages both answer from here,
so a page never shows what the API would refuse.

Large results (cohort runs, indicator years, statements) are kept in the app's `cache`; what
one scope sees of them, and small reads, in its `answers` (see `Context.read`)."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from neighbourhood.access import discharge
from neighbourhood.access.ucr_kpis import COUNT_COLUMNS, LEVELS, kpis
from neighbourhood.access.waits import latest_snapshot
from neighbourhood.api.context import Context
from neighbourhood.api.problems import Problem, forbidden, not_found
from neighbourhood.api.scope import publishable
from neighbourhood.cohorts import Cohort, CohortRun, counts, run_library, shipped_library
from neighbourhood.disclosure import (
    DISCHARGE_COUNTS,
    DISCHARGE_DEPENDENT,
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
    scope = ctx.scope(date)

    def make() -> Rows:
        return publishable(ctx.read(pcn_summary, date), lambda r: scope.holds(r["pcn_code"]),
                           count_fields=OVERVIEW_COUNTS, dependent=OVERVIEW_DEPENDENT)  # fmt: skip

    return ctx.state.answers.get(("pcn-overview", date, scope), make)


def _decided(rows: Rows) -> bool:
    """KPIs with no clock open are kept: `kpis` reads the time, and a clock with no stop turns
    from open to not met as time passes, while a decided clock never changes."""
    return not any(r["two_hour_open"] or r["reablement_open"] for r in rows)


def ucr(ctx: Context, first: dt.date, last: dt.date, levels: tuple[str, ...] = LEVELS) -> Rows:
    """UCR 2-hour and reablement 2-day KPIs by month, from `first` to `last` (months)."""
    scope = ctx.scope(last)

    def make() -> tuple[bool, Rows]:
        rows = ctx.read(kpis, first, last, levels=levels, keep=_decided)
        shown = publishable(rows, lambda r: scope.holds(r["org_code"]),
                            count_fields=COUNT_COLUMNS, dependent=UCR_DEPENDENT)  # fmt: skip
        return _decided(rows), shown

    try:
        _, rows = ctx.state.answers.get(("ucr", first, last, tuple(levels), scope), make,
                                        keep=lambda made: made[0])  # fmt: skip
    except ValueError as error:
        raise Problem(422, "invalid-parameters", str(error)) from None
    return rows


def waits(ctx: Context, provider: str | None = None) -> Rows:
    """Each provider's latest community waiting list by weeks waited."""
    scope = ctx.scope()

    def make() -> Rows:
        rows = ctx.read(latest_snapshot, provider=provider)
        counted = [k for k in (rows[0] if rows else {}) if k not in WAITS_KEYS]
        bands = [k for k in counted if k != "total"]
        return publishable(rows, lambda r: scope.holds(r["provider_code"]), count_fields=counted,
                           sums={"total": bands})  # fmt: skip

    return ctx.state.answers.get(("waits", provider, scope), make)


def discharge_delays(ctx: Context, month: str) -> tuple[dict[str, Any], Rows]:
    """A month's discharge delay summary and pathway mix: figures over the whole store, so
    suppressed unless the caller sees everything."""
    summary = ctx.read(discharge.delay_summary, month)
    pathways = ctx.read(discharge.pathway_mix, month)
    if ctx.scope().everything:
        return summary, pathways
    (summary,) = publishable([summary], lambda r: False, count_fields=DISCHARGE_COUNTS,
                             dependent=DISCHARGE_DEPENDENT)  # fmt: skip
    counted = [k for k in (pathways[0] if pathways else {})
               if isinstance(pathways[0][k], int) and not isinstance(pathways[0][k], bool)
               and k != "pathway"]  # fmt: skip
    return summary, publishable(pathways, lambda r: False, count_fields=counted)


def indicator_results(ctx: Context, year: str) -> list[IndicatorResult]:
    def make() -> list[IndicatorResult]:
        with ctx.engine() as engine:
            return measure_year(engine, year)

    return ctx.state.cache.get(("indicators", year), make)


def indicator_records(ctx: Context, year: str, only: tuple[str, ...] = ()) -> Rows:
    """Achievement records of every PCN and practice for the year's indicators (or `only`
    these)."""
    results = indicator_results(ctx, year)
    scope = ctx.scope()

    def make() -> Rows:
        records = [r for result in results for r in result.records
                   if not only or result.indicator.id in only]  # fmt: skip
        return publishable(
            records,
            lambda r: scope.holds(r["practice_code"] or r["pcn_code"]),
            count_fields=INDICATOR_COUNTS,
            dependent=INDICATOR_DEPENDENT,
            sums=INDICATOR_SUMS,
            group_by=("year", "indicator", "pcn_code"),
            is_total=lambda r: r.get("practice_code") is None,
        )

    return ctx.state.answers.get(("indicator-results", year, only, scope), make)


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
    scope = ctx.scope(run.at)

    def make() -> Rows:
        rows = counts(run)
        fields = [k for k in (rows[0] if rows else {}) if k not in ("pcn_code", "practice_code")]
        return publishable(rows, lambda r: scope.holds(r["practice_code"]), count_fields=fields)

    key = ("cohort-counts", run.cohort.id, run.cohort.version, run.at, scope)
    return ctx.state.answers.get(key, make)


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
    except (KeyError, ValueError) as error:
        raise not_found(str(error.args[0] if error.args else error)) from None
