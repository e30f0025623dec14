"""Access standards: urgent community response and reablement KPIs, community waiting lists,
discharge delays. Aggregates: organisations outside your scope come suppressed for
publication."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.access import discharge
from neighbourhood.access.ucr_kpis import COUNT_COLUMNS, LEVELS, kpis
from neighbourhood.access.waits import latest_snapshot
from neighbourhood.api.context import Ctx
from neighbourhood.api.problems import Problem
from neighbourhood.api.responses import FormatQuery, LimitQuery, OffsetQuery, document, page
from neighbourhood.api.scope import publishable

router = APIRouter(prefix="/v1/access", tags=["access standards"])

MonthQuery = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
UCR_DEPENDENT = {
    "two_hour_percent_met": ("two_hour_met", "two_hour_not_met"),
    "meets_target": ("two_hour_percent_met",),
    "reablement_percent_met": ("reablement_met", "reablement_not_met"),
    "ucr_referrals_per_100k": ("ucr_referrals",),
}
DISCHARGE_COUNTS = ("discharges", "with_ready_date", "without_ready_date", "bed_days_lost_in_month",
                    "discharged_on_ready_date", "delayed")  # fmt: skip
DISCHARGE_DEPENDENT = {
    name: ("with_ready_date",)
    for name in ("mean_delay_days", "median_delay_days", "p90_delay_days",
                 "delay_days_of_these_discharges")
}  # fmt: skip


def _month(text: str) -> dt.date:
    try:
        first = dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise Problem(422, "invalid-parameters", f"{text!r} is not a real month") from None
    if not 1990 <= first.year <= 2100:
        raise Problem(422, "invalid-parameters", f"{text} is outside 1990-2100")
    return first


def _decided(rows: list[dict]) -> bool:
    """KPIs with no clock open are kept: `kpis` reads the time, and a clock with no stop turns
    from open to not met as time passes, while a decided clock never changes."""
    return not any(r["two_hour_open"] or r["reablement_open"] for r in rows)


@router.get(
    "/ucr",
    summary="2-hour UCR and 2-day reablement KPIs by month and team, provider, ICB, region",
)
def ucr(
    ctx: Ctx, request: Request, month: MonthQuery,
    to: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Last month.")] = None,
    level: Annotated[list[str] | None, Query(description=f"Levels: {', '.join(LEVELS)}.")] = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    first = _month(month)
    last = _month(to) if to else first
    if last < first:
        raise Problem(422, "invalid-parameters", f"to {to} is before month {month}")
    if (last.year - first.year) * 12 + last.month - first.month >= 36:
        raise Problem(422, "invalid-parameters", "at most 36 months at a time")
    levels = tuple(level or LEVELS)
    scope = ctx.scope(last)

    def make() -> tuple[bool, list[dict]]:
        rows = ctx.read(kpis, first, last, levels=levels, keep=_decided)
        shown = publishable(rows, lambda r: scope.holds(r["org_code"]),
                            count_fields=COUNT_COLUMNS, dependent=UCR_DEPENDENT)  # fmt: skip
        return _decided(rows), shown

    try:
        _, rows = ctx.state.answers.get(("ucr", first, last, levels, scope), make,
                                        keep=lambda made: made[0])  # fmt: skip
    except ValueError as error:
        raise Problem(422, "invalid-parameters", str(error)) from None
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="ucr-kpis")


@router.get("/waits", summary="Each provider's latest community waiting list, by weeks waited")
def waits(
    ctx: Ctx, request: Request,
    provider: Annotated[str | None, Query(max_length=10)] = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    code = provider.upper() if provider else None
    scope = ctx.scope()

    def make() -> list[dict]:
        rows = ctx.read(latest_snapshot, provider=code)
        counted = [
            k
            for k in (rows[0] if rows else {})
            if k not in ("provider_code", "snapshot_date", "service_line", "age_group")
        ]
        bands = [k for k in counted if k != "total"]
        return publishable(rows, lambda r: scope.holds(r["provider_code"]), count_fields=counted,
                           sums={"total": bands})  # fmt: skip

    rows = ctx.state.answers.get(("waits", code, scope), make)
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="waits")


@router.get(
    "/discharge",
    summary="Discharge delays in a month: summary and pathway mix",
    description="Figures over the whole store: suppressed unless you are a national user.",
)
def discharge_delays(
    ctx: Ctx, request: Request,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$",
                                       description="YYYY-MM; the latest with a discharge.")]
    = None,
    fmt: FormatQuery = None,
):  # fmt: skip
    chosen = month or ctx.read(discharge.discharge_month)
    if chosen is None:
        body = {"month": None, "summary": None, "pathways": []}
        return document(request, body, fmt=fmt, rows=[], name="discharge")
    _month(chosen)
    summary = ctx.read(discharge.delay_summary, chosen)
    pathways = ctx.read(discharge.pathway_mix, chosen)
    if not ctx.scope().everything:
        (summary,) = publishable([summary], lambda r: False, count_fields=DISCHARGE_COUNTS,
                                 dependent=DISCHARGE_DEPENDENT)  # fmt: skip
        counted = [k for k in (pathways[0] if pathways else {})
                   if isinstance(pathways[0][k], int) and not isinstance(pathways[0][k], bool)
                   and k != "pathway"]  # fmt: skip
        pathways = publishable(pathways, lambda r: False, count_fields=counted)
    body = {"month": chosen, "summary": summary, "pathways": pathways}
    return document(request, body, fmt=fmt, rows=pathways, name=f"discharge-{chosen}")
