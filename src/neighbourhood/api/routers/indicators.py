"""Investment and Impact Fund indicators: definitions, achievement per PCN and practice
(aggregates: suppressed outside your scope), and the patients behind a figure (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from neighbourhood.api import scoped
from neighbourhood.api.context import Ctx, Reason
from neighbourhood.api.problems import forbidden, not_found
from neighbourhood.api.responses import FormatQuery, LimitQuery, OffsetQuery, page
from neighbourhood.indicators import IndicatorResult, indicators_of, measure_year
from neighbourhood.indicators import shipped_definitions as shipped_indicators

router = APIRouter(prefix="/v1/indicators", tags=["indicators"])


def _year(year: str) -> dict:
    try:
        return indicators_of(year)
    except (KeyError, ValueError) as error:
        raise not_found(str(error.args[0] if error.args else error)) from None


@router.get("", summary="Every shipped indicator: year, id, title, status, thresholds, points")
def indicator_list(
    ctx: Ctx, request: Request,
    year: Annotated[str | None, Query(max_length=10, description="Only this year, e.g. 2024-25.")]
    = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    chosen = _year(year).values() if year else shipped_indicators().values()
    rows = [
        {
            "year": i.year,
            "id": i.id,
            "version": i.version,
            "title": i.title,
            "status": i.status,
            "period_start": i.period_start,
            "period_end": i.period_end,
            "lower_threshold": i.value("lower_threshold"),
            "upper_threshold": i.value("upper_threshold"),
            "points": i.value("points"),
            "incomplete": list(i.incomplete),
        }
        for i in chosen
    ]
    return page(request, rows, fmt=fmt, limit=limit, offset=offset, name="indicators")


@router.get(
    "/{year}/results",
    summary="Achievement per PCN and practice, with points and pounds",
    description="PCNs and practices outside your scope come suppressed for publication "
    "(counts 1 to 4 hidden, with what is worked out from them and a sibling that would give "
    "them back).",
)
def indicator_results(
    ctx: Ctx, request: Request, year: str,
    indicator: Annotated[list[str] | None, Query(description="Only these indicator ids.")] = None,
    pcn: Annotated[str | None, Query(max_length=10)] = None,
    level: Annotated[str | None, Query(pattern="^(pcn|practice)$")] = None,
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    chosen = _year(year)
    unknown = [i for i in indicator or [] if i not in chosen]
    if unknown:
        raise not_found(f"no indicator {', '.join(unknown)} in {year}: {', '.join(chosen)}")
    results = scoped.indicator_results(ctx, year)
    records = scoped.indicator_records(ctx, year, tuple(indicator or ()))
    if pcn:
        records = [r for r in records if r["pcn_code"] == pcn.upper()]
    if level:
        records = [r for r in records if r["level"] == level]
    warnings = sorted({w for result in results for w in result.warnings})
    return page(request, records, fmt=fmt, limit=limit, offset=offset,
                name=f"iif-{year}", meta={"year": year, "warnings": warnings})  # fmt: skip


@router.get(
    "/{year}/{indicator_id}/patients",
    summary="The patients behind one PCN's or practice's figures",
    description="Patient-level: the organisation must be in your scope (403 otherwise). "
    "Needs a reason; every read is audited.",
)
def indicator_patients(
    ctx: Ctx, request: Request, year: str, indicator_id: str, reason: Reason,
    organisation: Annotated[str, Query(max_length=10, description="PCN or practice code.")],
    fmt: FormatQuery = None, limit: LimitQuery = 100, offset: OffsetQuery = 0,
):  # fmt: skip
    chosen = _year(year)
    if indicator_id not in chosen:
        raise not_found(f"no indicator {indicator_id!r} in {year}: {', '.join(chosen)}")
    code = organisation.upper()
    scope = ctx.scope()
    if not scope.holds(code):
        ctx.audit(reason=reason, outcome="denied")
        raise forbidden(f"{code} is outside your scope ({ctx.principal.org_code})")

    def make() -> IndicatorResult:
        with ctx.engine() as engine:
            (result,) = measure_year(engine, year, only=[indicator_id])
            result.run  # noqa: B018  (the patient rows, worked out while the store is open)
            return result

    result = ctx.state.cache.get(("indicator-patients", year, indicator_id), make)
    rows = result.patients(code)
    shown = rows[offset : offset + limit]
    ctx.audit(reason=reason, outcome="read", patients=[r["patient_id"] for r in shown])
    return page(request, rows, fmt=fmt, limit=limit, offset=offset,
                name=f"{indicator_id}-{code}-patients",
                meta={"provenance": result.provenance})  # fmt: skip
