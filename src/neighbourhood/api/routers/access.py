"""Access standards: urgent community response and reablement KPIs, community waiting lists,
discharge delays. Aggregates: organisations outside your scope come suppressed for
publication."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.access import discharge
from neighbourhood.access.ucr_kpis import LEVELS
from neighbourhood.api import scoped
from neighbourhood.api.context import Ctx
from neighbourhood.api.problems import Problem
from neighbourhood.api.responses import FormatQuery, LimitQuery, OffsetQuery, document, page
from neighbourhood.months import MonthError, months, parse_month

router = APIRouter(prefix="/v1/access", tags=["access standards"])

MonthQuery = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except MonthError as error:
        raise Problem(422, "invalid-parameters", str(error)) from None


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
    if len(months(first, last)) > 36:
        raise Problem(422, "invalid-parameters", "at most 36 months at a time")
    rows = scoped.ucr(ctx, first, last, tuple(level or LEVELS))
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="ucr-kpis")


@router.get("/waits", summary="Each provider's latest community waiting list, by weeks waited")
def waits(
    ctx: Ctx, request: Request,
    provider: Annotated[str | None, Query(max_length=10)] = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    rows = scoped.waits(ctx, provider.upper() if provider else None)
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
    summary, pathways = scoped.discharge_delays(ctx, chosen)
    body = {"month": chosen, "summary": summary, "pathways": pathways}
    return document(request, body, fmt=fmt, rows=pathways, name=f"discharge-{chosen}")
